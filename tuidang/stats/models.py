"""Milestones the log's total has crossed, and the counts from before tuidang."""

from django.db import models


class Milestone(models.Model):
    """A persons total the log reached: the day (CST) and the index of the entry that did it.

    Recorded by the sequencer in the transaction that appends that entry; the first
    crossing counts (a revocation that dips below it later does not erase it).
    """

    value = models.BigIntegerField(unique=True)
    reached_on = models.DateField(help_text="Day (China Standard Time) the entry was logged.")
    log_index = models.BigIntegerField()

    class Meta:
        ordering = ["-value"]

    def __str__(self) -> str:
        return f"{self.value:,}"


class HistoricalDay(models.Model):
    """Persons counted on one day before tuidang, imported by an administrator.

    Not in the public log and not provable by it: always shown apart and labelled.
    """

    day = models.DateField(unique=True)
    persons = models.PositiveBigIntegerField()
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.persons}"
