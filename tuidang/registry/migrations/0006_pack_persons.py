"""The persons of a declaration packed into its row (registry/people.py), with the first
person's identity digest; the others' digests in PersonIdentity. Replaces the Person
table, a row and two index entries per person (issue #7's storage target).

Existing rows are converted in batches, and back again if migrated back.
"""

import django.db.models.deletion
from django.db import migrations, models

from tuidang.registry.people import pack, unpack

BATCH = 2000
_FIELDS = ("display_name", "is_real_name", "party", "league", "pioneers", "region", "country",
           "sector")


def _pack(apps, schema_editor) -> None:
    Declaration = apps.get_model("registry", "Declaration")
    Person = apps.get_model("registry", "Person")
    PersonIdentity = apps.get_model("registry", "PersonIdentity")
    last = 0
    while True:
        ids = list(Declaration.objects.filter(id__gt=last).order_by("id")
                   .values_list("id", flat=True)[:BATCH])
        if not ids:
            return
        last = ids[-1]
        persons: dict[int, list] = {pk: [] for pk in ids}
        for declaration_id, position, digest, *fields in (
                Person.objects.filter(declaration_id__gte=ids[0], declaration_id__lte=last)
                .order_by("declaration_id", "position")
                .values_list("declaration_id", "position", "identity_digest", *_FIELDS)):
            persons[declaration_id].append((position, digest, fields))
        updates, identities = [], []
        for pk, found in persons.items():
            if not found:
                raise RuntimeError(f"declaration {pk} has no persons")
            updates.append(Declaration(id=pk, people=pack(f for _p, _d, f in found),
                                       identity_digest=found[0][1]))
            identities += (PersonIdentity(declaration_id=pk, position=index, digest=digest)
                           for index, (_p, digest, _f) in enumerate(found) if index)
        Declaration.objects.bulk_update(updates, ["people", "identity_digest"])
        PersonIdentity.objects.bulk_create(identities)


def _unpack(apps, schema_editor) -> None:
    Declaration = apps.get_model("registry", "Declaration")
    Person = apps.get_model("registry", "Person")
    PersonIdentity = apps.get_model("registry", "PersonIdentity")
    last = 0
    while True:
        rows = list(Declaration.objects.filter(id__gt=last).order_by("id")
                    .values_list("id", "people", "identity_digest")[:BATCH])
        if not rows:
            return
        last = rows[-1][0]
        digests = {(d, p): digest for d, p, digest in PersonIdentity.objects.filter(
            declaration_id__gte=rows[0][0], declaration_id__lte=last)
            .values_list("declaration_id", "position", "digest")}
        Person.objects.bulk_create([
            Person(declaration_id=pk, position=person.position,
                   identity_digest=digests[(pk, person.position)] if person.position else first,
                   **{name: getattr(person, name) for name in _FIELDS})
            for pk, packed, first in rows for person in unpack(packed)])


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0005_compact_declarations"),
    ]

    operations = [
        migrations.AddField(
            model_name="declaration",
            name="people",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="declaration",
            name="identity_digest",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="PersonIdentity",
            fields=[
                ("pk", models.CompositePrimaryKey("declaration_id", "position", blank=True,
                                                  editable=False, primary_key=True,
                                                  serialize=False)),
                ("position", models.PositiveSmallIntegerField()),
                ("digest", models.BigIntegerField()),
                ("declaration", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE,
                    related_name="other_identities", to="registry.declaration")),
            ],
            options={
                "indexes": [models.Index(fields=["digest"], name="personidentity_digest")],
            },
        ),
        migrations.RunPython(_pack, _unpack, elidable=False),
        migrations.DeleteModel(name="Person"),
        migrations.AddIndex(
            model_name="declaration",
            index=models.Index(fields=["identity_digest"], name="declaration_identity"),
        ),
    ]
