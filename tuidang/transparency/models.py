"""Storage of the public log: entries, hash tiles and the signed checkpoint.

Tiles are treated as untrusted (the auditor re-derives them); the checkpoint row is
the trusted state, updated only by the sequencer under its lock.
"""

from django.db import models


class LogEntry(models.Model):
    index = models.BigIntegerField(primary_key=True)
    data = models.BinaryField()


class Tile(models.Model):
    """The widest version so far of one hash tile; narrower versions are its prefixes."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="tile_level_index")]


class LogState(models.Model):
    """The single row holding the latest checkpoint (primary key 1)."""

    size = models.BigIntegerField(default=0)
    root_hash = models.BinaryField(max_length=32)
    signed_checkpoint = models.BinaryField()
