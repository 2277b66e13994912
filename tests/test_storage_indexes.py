"""Indexes that cost space on every row must earn it."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_hash_columns_have_no_pattern_matching_twin_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite never had them")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN (%s, %s)",
            ["registry_declaration", "registry_person"],
        )
        names = [row[0] for row in cursor.fetchall()]
    assert not [n for n in names if n.endswith("_like")], names
    # The equality look-ups keep their indexes.
    assert any("receipt_hash" in n for n in names)
    assert any("identity_digest" in n for n in names)
