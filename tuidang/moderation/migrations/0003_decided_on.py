"""Decisions keep their day in China Standard Time instead of a time of day: the day of
each existing decision is taken from its old timestamp, which is then dropped."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models


def days_from_times(apps, schema_editor) -> None:
    Decision = apps.get_model("moderation", "Decision")
    zone = ZoneInfo(settings.COUNTING_TIME_ZONE)
    changed = []
    for decision in Decision.objects.only("id", "decided_at").iterator(chunk_size=2000):
        decision.decided_on = decision.decided_at.astimezone(zone).date()
        changed.append(decision)
        if len(changed) >= 2000:
            Decision.objects.bulk_update(changed, ["decided_on"])
            changed = []
    Decision.objects.bulk_update(changed, ["decided_on"])


class Migration(migrations.Migration):

    dependencies = [("moderation", "0002_contest_reference")]

    operations = [
        migrations.AddField("decision", "decided_on", models.DateField(null=True)),
        migrations.RunPython(days_from_times, migrations.RunPython.noop),
        migrations.AlterField("decision", "decided_on", models.DateField()),
        migrations.RemoveField("decision", "decided_at"),
    ]
