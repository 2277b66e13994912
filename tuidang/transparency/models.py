"""Storage of the public log: entries, hash tiles and the signed checkpoint.

Tiles are treated as untrusted (the auditor re-derives them); the checkpoint row is
the trusted state, updated only by the sequencer under its lock.
"""

from django.db import models
from django.db.models import Q


class EntryBundle(models.Model):
    """Entries index·256 … index·256 + count − 1 of the log: the `tile/entries/<index>`
    bundle (each entry prefixed by its length), compressed with zlib.

    One row per 256 entries, not one per entry: a row's own overhead would rival the
    entry, and the entries of one bundle, alike in all but names, serials and
    commitments, compress well together (storage.py; docs/performance.md). An archived
    bundle (full, behind the edge) has empty `data`: its entries are in LOG_ARCHIVE_DIR
    (archive.py).
    """

    index = models.BigIntegerField(primary_key=True)
    count = models.PositiveSmallIntegerField()
    data = models.BinaryField()

    class Meta:
        indexes = [
            # The bundles still held in the database: archiving finds what it may release
            # here instead of walking every archived row from bundle 0 on each run (about
            # 1.5 million at 400 million entries). A few rows where archiving runs.
            models.Index(fields=["index"], condition=~Q(data=b""), name="entrybundle_held"),
        ]


class Tile(models.Model):
    """The widest version so far of one hash tile; narrower versions are its prefixes."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="tile_level_index")]


class LogState(models.Model):
    """The single row holding the latest checkpoint (primary key 1), and the verifier key
    of the log: recorded by the first step that signs, after which a sequencer holding
    any other key refuses to sign (keys.check_recorded)."""

    size = models.BigIntegerField(default=0)
    root_hash = models.BinaryField(max_length=32)
    signed_checkpoint = models.BinaryField()
    verifier_key = models.CharField(max_length=300, blank=True, default="")


class WitnessState(models.Model):
    """What one witness of the policy (settings.LOG_WITNESS_POLICY, by its name there) has
    cosigned of this log, as far as its last answer told: the old size of the next
    request to it (witnesses.py)."""

    name = models.CharField(max_length=200, primary_key=True)
    size = models.BigIntegerField(default=0)


class CosignedCheckpoint(models.Model):
    """The single row (primary key 1) of the latest checkpoint the witnesses were asked to
    cosign: the log's signed checkpoint followed by the cosignature lines gathered for it,
    how many of the policy's witnesses they are, whether they make the quorum, and the
    day (China Standard Time; never a time) since which the quorum has been missing."""

    checkpoint = models.BinaryField()
    cosigners = models.PositiveSmallIntegerField(default=0)
    quorum = models.BooleanField(default=False)
    quorum_missing_since = models.DateField(null=True)


class Lease(models.Model):
    """The single row (primary key 1) saying which sequencer leads (lease.py).

    No time is stored, not even an expiry instant: the leader adds one to `heartbeat`
    every few seconds and at every step, and a standby that sees (epoch, heartbeat) stay
    the same for the lease's length, measured on its own monotonic clock, takes the lead
    by raising `epoch`. Every step checks, in its own transaction, that the epoch is still
    the one it led under (fencing), so a leader that was stopped and wakes signs nothing.
    `since_publication` is a duration in seconds, written at each heartbeat, for the
    health endpoint; `holder` is the leading machine and process ("" once released)."""

    holder = models.CharField(max_length=200, blank=True, default="")
    epoch = models.BigIntegerField(default=0)
    heartbeat = models.BigIntegerField(default=0)
    since_publication = models.IntegerField(null=True)
