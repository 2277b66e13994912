"""Region and sector totals for entries logged before the sequencer counted them.

Derived from the log entries by the rule in docs/log-format.md ("Regions and sectors"):
a declaration adds one per person with a region (sector); a revocation subtracts the
persons of the declaration entry it revokes. Runs only if no such total exists yet.
"""

from collections import Counter

from django.db import migrations
from django.db.models import Q

from tuidang.tlog.entry import RevocationEntry, parse_entry


def backfill(apps, schema_editor):
    Total = apps.get_model("registry", "Total")
    LogEntry = apps.get_model("transparency", "LogEntry")
    if Total.objects.filter(Q(key__startswith="region:") | Q(key__startswith="sector:")).exists():
        return
    totals: Counter = Counter()
    declarations = {}
    for index, data in LogEntry.objects.order_by("index").values_list("index", "data").iterator():
        entry = parse_entry(bytes(data))
        if isinstance(entry, RevocationEntry):
            persons, sign = declarations.pop(entry.revokes, ()), -1
        else:
            persons, sign = [(p.region, p.sector) for p in entry.persons], 1
            if any(region or sector for region, sector in persons):
                declarations[index] = persons
        for region, sector in persons:
            if region:
                totals[f"region:{region}"] += sign
            if sector:
                totals[f"sector:{sector}"] += sign
    Total.objects.bulk_create([Total(key=k, value=v) for k, v in totals.items() if v])


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0001_initial"),
        ("registry", "0002_sealed_private_fields"),
        ("transparency", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
