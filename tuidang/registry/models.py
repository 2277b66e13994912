"""Declarations, the persons they cover, and the counters read by every page.

A declaration keeps no time of day, no address and no agent: only the date (China
Standard Time) on which it was received.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from tuidang.registry.choices import (
    CHANNEL_CODES,
    STATEMENT_STATUS_CODES,
    STATUS_CODES,
    Channel,
)
from tuidang.registry.coded import CodedChoiceField
from tuidang.registry.people import Person, unpack


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    HELD = "held", _("Held for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    REVOKED = "revoked", _("Revoked")


class StatementStatus(models.TextChoices):
    NONE = "none", _("No statement")
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not published")


class Declaration(models.Model):
    """One submission; its serial (the primary key) is its public number.

    Storage is counted per person (docs/performance.md): hashes are raw bytes, truncated
    where the length is not needed; salts and commitments are kept only while they are
    needed; and the indexes are partial where a query needs only a few rows (pending
    work, queues), so most rows are in the primary key and two small indexes only.
    """

    # In the column as one-character codes (registry/coded.py).
    status = CodedChoiceField(max_length=10, choices=Status.choices, default=Status.RECEIVED,
                              codes=STATUS_CODES)
    channel = CodedChoiceField(max_length=10, choices=Channel.choices, codes=CHANNEL_CODES)
    received_on = models.DateField(help_text="Date in China Standard Time; never a time.")
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="submissions", db_index=False,  # declaration_helper_id below
    )
    # The receipt code's verifier: a keyed hash of the serial and the code's secret part
    # (registry/receipts.py), 8 bytes. Found through the primary key, so it needs no index.
    receipt_hash = models.BinaryField(max_length=8)
    hold_reason = models.CharField(max_length=32, blank=True)

    person_count = models.PositiveSmallIntegerField()
    party_count = models.PositiveSmallIntegerField()
    league_count = models.PositiveSmallIntegerField()
    pioneers_count = models.PositiveSmallIntegerField()
    # The persons, packed (registry/people.py: the `persons` property unpacks them), and
    # a keyed hash of the first one's normalized name with the organizations, to hold
    # exact duplicates (registry/identity.py): 8 bytes as an integer (the smallest index
    # entry on PostgreSQL), so that two different persons share one with a chance of
    # about 1 in 100 over 500 million persons, and the cost of it is one declaration held
    # for a moderator to look at. The other persons' digests are in PersonIdentity.
    people = models.BinaryField()
    identity_digest = models.BigIntegerField()

    statement_title = models.CharField(max_length=200, blank=True)
    statement_text = models.TextField(blank=True)
    statement_status = CodedChoiceField(
        max_length=10, choices=StatementStatus.choices, default=StatementStatus.NONE,
        codes=STATEMENT_STATUS_CODES,
    )
    # Publishing statement_salt lets anyone check a published statement against the log;
    # empty when there is no statement (the entry then commits to none).
    statement_salt = models.BinaryField(max_length=16)
    # Private fields sealed to a key the server does not hold (see sealing.py), and the
    # log entry's commitment to them, computed at intake while they were in memory. A
    # declaration with nothing private has random bytes here until the sequencer has
    # put them in its entry, and nothing after (they commit to nothing).
    sealed_private = models.BinaryField(null=True, blank=True)
    private_commitment = models.BinaryField(max_length=32, default=b"")

    log_index = models.BigIntegerField(null=True, blank=True)
    is_published = models.BooleanField(default=False)
    # Imported declarations only: a keyed hash of the helper and the imported line (or its
    # ref), so that importing the same file twice counts no one twice (imports/importer.py).
    import_key = models.BinaryField(max_length=16, null=True, blank=True)

    class Meta:
        indexes = [
            # The moderators' queues: a few rows each, whatever the size of the table. (The
            # sequencer's work is found through PendingEntry, a table of its own.) Their
            # conditions name the codes the columns hold: in the migrations these columns
            # are plain CharFields (coded.py), which would write the words.
            models.Index(fields=["id"], condition=Q(status=STATUS_CODES[Status.HELD]),
                         name="declaration_held"),
            models.Index(fields=["id"],
                         condition=Q(statement_status=STATEMENT_STATUS_CODES[
                             StatementStatus.PENDING]),
                         name="declaration_statement"),
            # The statements pages: every published declaration, newest first. Day pages
            # read the same index between the day's first and last serial (DaySerials).
            models.Index(fields=["id"], condition=Q(is_published=True),
                         name="declaration_published"),
            models.Index(fields=["helper", "id"], condition=Q(helper__isnull=False),
                         name="declaration_helper_id"),
            # Screening's look-up for "an earlier declaration named this person"
            # (registry/screening.py); the digest alone, the row is read only on a match.
            models.Index(fields=["identity_digest"], name="declaration_identity"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["import_key"], condition=Q(import_key__isnull=False),
                                    name="declaration_import_key"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def public_status(self) -> str:
        """The status a declarant sees: 'published' once its entry is in the log."""
        if self.status == Status.ACCEPTED and self.log_index is not None:
            return "published"
        return self.status

    @cached_property
    def persons(self) -> tuple[Person, ...]:
        return unpack(self.people)

    @property
    def shows_statement(self) -> bool:
        return self.statement_status == StatementStatus.APPROVED

    @property
    def is_featured(self) -> bool:
        return FeaturedStatement.objects.filter(declaration=self).exists()



class FeaturedStatement(models.Model):
    """精彩推荐: a published statement moderators recommend (moderation.actions.feature).

    A table of its own, not a column of Declaration: a few rows, and no byte added to the
    hundreds of millions of declaration rows (their columns are packed: registry 0001)."""

    declaration = models.OneToOneField(Declaration, primary_key=True, on_delete=models.CASCADE,
                                       related_name="featured")
    featured_on = models.DateField(help_text="Date in China Standard Time; never a time.")

class PersonIdentity(models.Model):
    """The identity digest of each person after the first of a declaration (the first
    one's is on the declaration row, Declaration.identity_digest): families are a tenth
    of the declarations, so a row here is the exception."""

    pk = models.CompositePrimaryKey("declaration_id", "position")
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE,
                                    related_name="other_identities",
                                    db_index=False)  # the primary key starts with it
    position = models.PositiveSmallIntegerField()
    digest = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["digest"], name="personidentity_digest")]


class Revocation(models.Model):
    """A correction: it subtracts a published declaration, or one person of it (`person`,
    the position), again through a new log entry."""

    class Reason(models.TextChoices):
        RETRACTED = "retracted", _("Retracted by the declarant")
        MODERATOR = "moderator", _("Revoked by a moderator")
        CONTEST = "contest", _("Successfully contested")

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="revocations"
    )
    person = models.PositiveSmallIntegerField(null=True, blank=True)  # None: all remaining
    # The positions of the persons it takes, one byte each: the one person, or all those
    # still counted (the log's entry repeats their counts).
    positions = models.BinaryField(max_length=50, default=b"")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    decided_on = models.DateField()
    log_index = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        indexes = [models.Index(fields=["log_index", "id"], name="revocation_pending")]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "person"], name="revocation_once",
                                    nulls_distinct=False),
        ]


class Total(models.Model):
    """All-time counters, one row per key ('persons', 'org:party', 'channel:self', ...)."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)


class DailyCount(models.Model):
    """Per-day counters (China Standard Time), same keys as Total."""

    day = models.DateField()
    key = models.CharField(max_length=40)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "key"], name="dailycount_day_key")]


class PendingEntry(models.Model):
    """The sequencer's inbox: the log entry of a declaration to screen (just received)
    or to append (accepted by a moderator), encoded at intake (bulk.py) where every part
    of it was at hand and checked. The sequencer reads the oldest rows, appends their
    entries as they are and deletes the rows, so nothing is encoded twice.

    A table of its own, not an index over the declarations' status: rows leave it as fast
    as they come, so it stays small and the database's vacuum keeps it clean, where such
    an index over a big table fills with the entries of rows updated since the last
    vacuum, which every step would read again."""

    declaration = models.OneToOneField(Declaration, primary_key=True, on_delete=models.CASCADE,
                                       related_name="pending_entry")
    data = models.BinaryField()


class HeldEntry(models.Model):
    """The entry of a declaration held for a moderator: back to PendingEntry if accepted,
    deleted if rejected or revoked."""

    declaration = models.OneToOneField(Declaration, primary_key=True, on_delete=models.CASCADE,
                                       related_name="held_entry")
    data = models.BinaryField()


class DaySerials(models.Model):
    """The first and last serial received on a day (China Standard Time), kept by the
    sequencer as it screens: serials grow with time, so a day page reads the published
    index between the two instead of an index over dates on every row."""

    day = models.DateField(primary_key=True)
    first = models.BigIntegerField()
    last = models.BigIntegerField()

