"""Smaller rows and indexes (issue #7's storage target, docs/performance.md).

- Receipt codes carry the declaration's serial (registry/receipts.py), so the row keeps
  an unindexed verifier; the codes given out before keep working through LegacyReceipt,
  which holds the first 16 bytes of their old keyed hash.
- Keyed hashes are raw: identity digests their first 8 bytes as an integer, import keys
  their first 16 bytes (the same HMACs truncated, so duplicates and re-imports are still
  found).
- Partial indexes for pending work and queues; the published index without the flag;
  day pages through DaySerials instead of an index over dates; no unique index on the
  log index (the sequencer's lock gives it) nor a second one on the helper.
- Counts as small integers.
- Each declaration's log entry is encoded at intake and kept in PendingEntry (the
  sequencer's inbox) until it is appended, or in HeldEntry while a moderator decides;
  declarations waiting for the log get theirs here.

Existing rows are converted in place, in batches.
"""

import os

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Max, Min

from tuidang.tlog.declaration import complete_declaration, declaration_body
from tuidang.tlog.entry import EntryError, person_line, statement_commitment

BATCH = 2000


def _convert(apps, schema_editor) -> None:
    Declaration = apps.get_model("registry", "Declaration")
    Person = apps.get_model("registry", "Person")
    LegacyReceipt = apps.get_model("registry", "LegacyReceipt")
    DaySerials = apps.get_model("registry", "DaySerials")
    last = 0
    while True:
        rows = list(Declaration.objects.filter(id__gt=last).order_by("id")
                    .values_list("id", "receipt_hash", "import_key")[:BATCH])
        if not rows:
            break
        LegacyReceipt.objects.bulk_create(
            [LegacyReceipt(hash=bytes.fromhex(receipt)[:16], declaration_id=serial)
             for serial, receipt, _key in rows if receipt])
        changed = [Declaration(id=serial, new_import_key=bytes.fromhex(key)[:16])
                   for serial, _receipt, key in rows if key]
        Declaration.objects.bulk_update(changed, ["new_import_key"])
        last = rows[-1][0]
    last = 0
    while True:
        rows = list(Person.objects.filter(id__gt=last).order_by("id")
                    .values_list("id", "identity_digest")[:BATCH])
        if not rows:
            break
        Person.objects.bulk_update(
            [Person(id=pk, new_identity_digest=int.from_bytes(bytes.fromhex(digest)[:8], "big",
                                                              signed=True))
             for pk, digest in rows if digest], ["new_identity_digest"])
        last = rows[-1][0]
    DaySerials.objects.bulk_create([
        DaySerials(day=row["received_on"], first=row["first"], last=row["last"])
        for row in Declaration.objects.order_by()
        .values("received_on").annotate(first=Min("id"), last=Max("id"))
    ])


def _pending_entries(apps, schema_editor) -> None:
    """The entries of declarations not yet in the log, as intake now stores them; one
    that does not encode gets none (the sequencer then holds it for a moderator)."""
    Declaration = apps.get_model("registry", "Declaration")
    Person = apps.get_model("registry", "Person")
    PendingEntry = apps.get_model("registry", "PendingEntry")
    HeldEntry = apps.get_model("registry", "HeldEntry")
    waiting = Declaration.objects.filter(status__in=["received", "held", "accepted"],
                                         log_index=None).order_by("id")
    for declaration in waiting.iterator(chunk_size=BATCH):
        persons = Person.objects.filter(declaration_id=declaration.pk).order_by("position")
        try:
            body = declaration_body(declaration.received_on, declaration.channel, [
                person_line(p.display_name, tuple(o for o in ("party", "league", "pioneers")
                                                  if getattr(p, o)), p.is_real_name,
                            f"overseas:{p.country}" if p.region == "overseas"
                            else p.region or None, p.sector or None)
                for p in persons
            ], statement_commitment(bytes(declaration.statement_salt),
                                    declaration.statement_title, declaration.statement_text)
                if declaration.statement_text else None)
            # Nothing private: a random line that commits to nothing (sealing.py).
            data = complete_declaration(declaration.pk, body,
                                        bytes(declaration.private_commitment) or os.urandom(32))
        except (EntryError, ValueError):
            continue
        kept = HeldEntry if declaration.status == "held" else PendingEntry
        kept.objects.create(declaration_id=declaration.pk, data=data)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0004_drop_pattern_indexes_on_hashes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DaySerials",
            fields=[
                ("day", models.DateField(primary_key=True, serialize=False)),
                ("first", models.BigIntegerField()),
                ("last", models.BigIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="LegacyReceipt",
            fields=[
                ("hash", models.BinaryField(max_length=16, primary_key=True, serialize=False)),
                ("declaration", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, related_name="legacy_receipt",
                    to="registry.declaration")),
            ],
        ),
        migrations.AddField("declaration", "new_import_key",
                            models.BinaryField(blank=True, max_length=16, null=True)),
        migrations.AddField("person", "new_identity_digest", models.BigIntegerField(default=0)),
        migrations.RunPython(_convert, migrations.RunPython.noop, elidable=False),
        migrations.RemoveIndex("declaration", "declaration_status_id"),
        migrations.RemoveIndex("declaration", "declaration_published_id"),
        migrations.RemoveIndex("declaration", "declaration_published_day"),
        migrations.RemoveIndex("declaration", "declaration_statement"),
        migrations.RemoveIndex("declaration", "declaration_helper_id"),
        migrations.RemoveField("declaration", "receipt_hash"),
        migrations.AddField("declaration", "receipt_hash",
                            models.BinaryField(max_length=16, default=b""), preserve_default=False),
        migrations.RemoveField("declaration", "import_key"),
        migrations.RenameField("declaration", "new_import_key", "import_key"),
        migrations.RemoveField("person", "identity_digest"),
        migrations.RenameField("person", "new_identity_digest", "identity_digest"),
        migrations.AlterField(
            model_name="declaration",
            name="helper",
            field=models.ForeignKey(
                blank=True, db_index=False, null=True,
                on_delete=django.db.models.deletion.PROTECT, related_name="submissions",
                to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField("declaration", "person_count", models.PositiveSmallIntegerField()),
        migrations.AlterField("declaration", "party_count", models.PositiveSmallIntegerField()),
        migrations.AlterField("declaration", "league_count", models.PositiveSmallIntegerField()),
        migrations.AlterField("declaration", "pioneers_count",
                              models.PositiveSmallIntegerField()),
        migrations.AlterField("declaration", "log_index",
                              models.BigIntegerField(blank=True, null=True)),
        migrations.AlterField(
            model_name="person",
            name="declaration",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE,
                related_name="persons", to="registry.declaration"),
        ),
        migrations.AddIndex("declaration", models.Index(
            condition=models.Q(("status", "held")), fields=["id"], name="declaration_held")),
        migrations.AddIndex("declaration", models.Index(
            condition=models.Q(("statement_status", "pending")), fields=["id"],
            name="declaration_statement")),
        migrations.AddIndex("declaration", models.Index(
            condition=models.Q(("is_published", True)), fields=["id"],
            name="declaration_published")),
        migrations.AddIndex("declaration", models.Index(
            condition=models.Q(("helper__isnull", False)), fields=["helper", "id"],
            name="declaration_helper_id")),
        migrations.AddIndex("person", models.Index(fields=["identity_digest", "declaration"],
                                                   name="person_identity")),
        migrations.AddConstraint("declaration", models.UniqueConstraint(
            condition=models.Q(("import_key__isnull", False)), fields=("import_key",),
            name="declaration_import_key")),
        migrations.CreateModel(
            name="PendingEntry",
            fields=[
                ("declaration", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                    related_name="pending_entry", serialize=False,
                    to="registry.declaration")),
                ("data", models.BinaryField()),
            ],
        ),
        migrations.CreateModel(
            name="HeldEntry",
            fields=[
                ("declaration", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                    related_name="held_entry", serialize=False,
                    to="registry.declaration")),
                ("data", models.BinaryField()),
            ],
        ),
        migrations.RunPython(_pending_entries, migrations.RunPython.noop, elidable=False),
    ]
