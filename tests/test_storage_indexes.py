"""Indexes that cost space on every row must earn it (docs/performance.md, storage)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# Every index on the tables that grow with the count, by name. Adding one means adding
# it here, with the bytes per person it costs measured by bench/storage.py.
DECLARATION_INDEXES = {
    "declaration_held", "declaration_statement", "declaration_helper_id",  # partial: few rows
    "declaration_published",  # partial too, but nearly every row: the statements pages
    "declaration_import_key",  # partial: imported rows only
    "declaration_identity",  # the first person's identity digest: screening
}
# Persons after the first of a declaration: their identity digests.
PERSON_IDENTITY_INDEXES = {"personidentity_digest"}


def _indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: info for name, info in found.items()
            if (info["index"] or info["unique"]) and not info["primary_key"]}


def test_the_growing_tables_have_only_the_indexes_they_need():
    declaration = _indexes("registry_declaration")
    identities = _indexes("registry_personidentity")
    assert set(declaration) == DECLARATION_INDEXES
    assert declaration["declaration_identity"]["columns"] == ["identity_digest"]
    # SQLite names the composite primary key's index itself (sqlite_autoindex_…).
    assert {n for n in identities if not n.startswith("sqlite_autoindex")} \
        == PERSON_IDENTITY_INDEXES
    assert identities["personidentity_digest"]["columns"] == ["digest"]
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "registry_personidentity")
    [key] = [info["columns"] for info in found.values() if info["primary_key"]]
    assert sorted(key) == ["declaration_id", "position"]  # introspection: in table order


@pytest.mark.postgres
def test_hash_columns_have_no_pattern_matching_twin_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite never had them")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename IN (%s, %s)",
                       ["registry_declaration", "registry_personidentity"])
        names = [row[0] for row in cursor.fetchall()]
    assert not [n for n in names if n.endswith("_like")], names


def test_the_partial_indexes_serve_the_queries_that_need_them():
    """The sequencer's and the statements pages' queries read their partial indexes
    (SQLite uses one only if the query's condition matches the index's)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's planner; PostgreSQL proves implication more generally")
    from tuidang.registry.models import Declaration, Status

    def plan(queryset) -> str:
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())

    assert "declaration_held" in plan(
        Declaration.objects.filter(status=Status.HELD).order_by("-id").values("id")[:10])
    published = plan(Declaration.objects.filter(is_published=True, id__lt=1000)
                     .order_by("-id").values("id")[:50])
    assert "declaration_published" in published and "TEMP B-TREE" not in published
