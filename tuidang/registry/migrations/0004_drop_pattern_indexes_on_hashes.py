"""Drop PostgreSQL's pattern-matching ("_like") twins of the hash indexes.

For an indexed or unique CharField Django adds, on PostgreSQL only, a second index with
varchar_pattern_ops for LIKE queries. Nothing ever looks up a keyed hash by prefix: the
equality look-ups use the ordinary indexes. The twins cost about 200 bytes per person
and an extra index update for every declaration written (docs/performance.md).
"""

from django.db import migrations

HASH_COLUMNS = [
    ("registry_declaration", "receipt_hash"),
    ("registry_declaration", "import_key"),
    ("registry_person", "identity_digest"),
]


def drop_like_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column in HASH_COLUMNS:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
                [table, f"{table}_{column}_%_like"],
            )
            for (name,) in cursor.fetchall():
                schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_declaration_import_key")]

    # Reversing leaves them dropped: nothing needs them.
    operations = [migrations.RunPython(drop_like_indexes, migrations.RunPython.noop)]
