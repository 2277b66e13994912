"""Entries kept per bundle of 256, compressed, instead of one row per entry."""

import zlib

from django.db import migrations, models

WIDTH = 256


def _bundle(apps, schema_editor) -> None:
    LogEntry = apps.get_model("transparency", "LogEntry")
    EntryBundle = apps.get_model("transparency", "EntryBundle")
    number, parts, count = 0, [], 0

    def flush() -> None:
        if count:
            EntryBundle.objects.create(index=number, count=count,
                                       data=zlib.compress(b"".join(parts), 6))

    for index, data in LogEntry.objects.order_by("index").values_list("index", "data") \
            .iterator(chunk_size=WIDTH * 8):
        if index // WIDTH != number:
            flush()
            number, parts, count = index // WIDTH, [], 0
        if index != number * WIDTH + count:
            raise RuntimeError(f"log entry {index} is missing its predecessor")
        data = bytes(data)
        parts += (len(data).to_bytes(2, "big"), data)
        count += 1
    flush()


class Migration(migrations.Migration):

    dependencies = [
        ("transparency", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="EntryBundle",
            fields=[
                ("index", models.BigIntegerField(primary_key=True, serialize=False)),
                ("count", models.PositiveSmallIntegerField()),
                ("data", models.BinaryField()),
            ],
        ),
        migrations.RunPython(_bundle, migrations.RunPython.noop, elidable=False),
        migrations.DeleteModel(name="LogEntry"),
    ]
