# Two commands for a newcomer: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint messages compiled-messages

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Catalogues are compiled with Babel on every start (a second), so no system gettext is needed.
compiled-messages: $(STAMP)
	$(PY) -m tuidang.core.compilemessages

run: $(STAMP) compiled-messages
	$(PY) -m tuidang.localkeys
	$(PY) manage.py runservice

# The import contracts first (pyproject.toml, docs/architecture.md): a second, then the suite.
test: $(STAMP) compiled-messages
	$(VENV)/bin/lint-imports --no-logo
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-logo

# Re-extract the message catalogues after changing user-facing text.
messages: $(STAMP)
	$(PY) manage.py makemessages --no-obsolete --no-location -l zh_Hans -l zh_Hant -l en -i ".venv/*" -i "var/*"
	$(PY) -m tuidang.core.make_hant
