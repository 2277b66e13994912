"""Level-0 hash tiles are computed from the entry bundles (storage.read_tile), no longer
stored: they cost 32 bytes an entry."""

import hashlib
import zlib

from django.db import migrations


def _forget(apps, schema_editor) -> None:
    apps.get_model("transparency", "Tile").objects.filter(level=0).delete()


def _store_again(apps, schema_editor) -> None:
    """Back to a version that reads them from the table: the leaf hashes of each bundle."""
    Tile = apps.get_model("transparency", "Tile")
    EntryBundle = apps.get_model("transparency", "EntryBundle")
    for index, data in EntryBundle.objects.order_by("index").values_list("index", "data") \
            .iterator(chunk_size=64):
        bundle, position, hashes = zlib.decompress(data), 0, []
        while position < len(bundle):
            length = int.from_bytes(bundle[position:position + 2], "big")
            entry = bundle[position + 2:position + 2 + length]
            hashes.append(hashlib.sha256(b"\x00" + entry).digest())
            position += 2 + length
        Tile.objects.create(level=0, index=index, data=b"".join(hashes))


class Migration(migrations.Migration):

    dependencies = [
        ("transparency", "0002_entry_bundles"),
    ]

    operations = [
        migrations.RunPython(_forget, _store_again, elidable=False),
    ]
