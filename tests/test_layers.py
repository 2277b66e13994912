"""The architecture's import contracts (pyproject.toml, docs/architecture.md), run by pytest
too: `make test` runs lint-imports first, and a pytest run alone catches a broken layer."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    """lint-imports on the project in `project` (it imports the tuidang found there)."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )


def test_the_imports_keep_the_layers_and_the_log_library_pure():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_the_contracts_refuse_an_upward_import_and_django_in_tlog(tmp_path):
    """On a copy of the package with three forbidden imports added, the check fails on
    each: the domain importing stats (inside a function: lazy imports count too), the log
    library importing Django, and the witness server importing Django."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "tuidang", tmp_path / "tuidang",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(tmp_path / "tuidang/registry/screening.py", "a", encoding="utf-8") as module:
        module.write("\n\ndef _persons():\n    from tuidang.stats import counters\n\n"
                     "    return counters.snapshot().persons\n")
    with open(tmp_path / "tuidang/tlog/hashing.py", "a", encoding="utf-8") as module:
        module.write("\nimport django  # noqa: E402\n")
    with open(tmp_path / "tuidang/witness/store.py", "a", encoding="utf-8") as module:
        module.write("\nimport django.conf  # noqa: E402\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 kept, 3 broken" in result.stdout, result.stdout
    assert "tuidang.registry.screening -> tuidang.stats.counters" in result.stdout
    assert "tuidang.tlog.hashing -> django" in result.stdout
    assert "tuidang.witness.store -> django" in result.stdout
