"""The migrations: Django's names only, in step with the models, and the declaration
table's columns in the order that packs its rows."""

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

import tuidang

PROJECT = Path(tuidang.__file__).parent


def migration_files() -> list[Path]:
    return sorted(path for path in PROJECT.glob("*/migrations/*.py")
                  if path.name != "__init__.py")


def project_references(path: Path) -> list[str]:
    """What a migration file takes from the project: imports of tuidang, and names or
    strings that start with it (a dotted path given to import_module, say)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "tuidang"]
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] == "tuidang" and not node.level:
                found.append(node.module)
        elif isinstance(node, ast.Name) and node.id == "tuidang":
            found.append(f"name at line {node.lineno}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value.startswith("tuidang."):
            found.append(node.value)
    return found


def test_every_app_of_the_project_with_models_has_its_migrations():
    ours = [config for config in apps.get_app_configs()
            if config.name.startswith("tuidang.") and list(config.get_models())]
    assert ours
    for config in ours:
        assert list(Path(config.path, "migrations").glob("0001_*.py")), config.label


def test_no_migration_imports_project_code():
    files = migration_files()
    assert files
    assert {path: refs for path in files if (refs := project_references(path))} == {}


def test_the_check_sees_an_import_of_project_code(tmp_path):
    sample = tmp_path / "0002_sample.py"
    sample.write_text("import tuidang.registry.coded\nfrom tuidang.registry import dates\n"
                      "from . import helpers\nPATH = 'tuidang.registry.dates.today'\n")
    assert project_references(sample) == [
        "tuidang.registry.coded", "tuidang.registry", "tuidang.registry.dates.today"]


@pytest.mark.django_db
def test_the_models_need_no_new_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # --check exits with 1 when a migration would be written
        pytest.fail(f"makemigrations would write a migration (exit {exc.code}):\n"
                    f"{out.getvalue()}")


@pytest.mark.django_db
def test_the_declaration_columns_keep_their_packing_order():
    """registry 0001 lists them in this order by hand (the model's order pads every row
    by 8 bytes on PostgreSQL); SQLite keeps the same order."""
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(
            cursor, "registry_declaration")]
    assert columns == [
        "id", "status", "channel", "received_on", "hold_reason", "person_count",
        "party_count", "league_count", "pioneers_count", "statement_title", "statement_text",
        "statement_status", "statement_salt", "log_index", "is_published", "helper_id",
        "private_commitment", "sealed_private", "import_key", "receipt_hash", "people",
        "identity_digest"]
