"""The count is the signed count: totals read from, and checked against, the tally line.

Each checkpoint's tally line is the previous checkpoint's plus what the batch adds by the
tally rule (tlog.tally), computed by the sequencer from the log alone. The database's
counters (registry.Total, kept by stats in the same transaction) must then say the same:
if they do not, the step stops before signing (CountMismatch), so the site never shows a
number the log does not sign, and the sequencer stops publishing until someone looks.
The pages read their headline totals from the latest signed checkpoint (current()).
"""

from __future__ import annotations

from collections.abc import Iterable

from tuidang.registry.models import Total
from tuidang.tlog.checkpoint import Checkpoint
from tuidang.tlog.entry import EntryError
from tuidang.tlog.note import NoteError, parse_note
from tuidang.tlog.tally import Delta, Tally
from tuidang.transparency import storage


class CountMismatch(RuntimeError):
    """The database's counters disagree with the tally the log is about to sign."""


def signed_tally(signed_checkpoint: bytes) -> Tally:
    """The totals of a signed checkpoint's tally line (zero for no checkpoint yet)."""
    if not signed_checkpoint:
        return Tally()
    try:
        checkpoint = Checkpoint.from_text(parse_note(signed_checkpoint).text)
        line = checkpoint.extension("tally")
        if line is None:
            raise EntryError("no tally line")
        tally = Tally.from_extension_line(line)
    except (NoteError, EntryError) as e:
        raise CountMismatch(f"the stored checkpoint has no readable tally: {e}") from None
    tally.entries = checkpoint.size  # every entry of the log; not in the tally line
    return tally


def next_tally(signed_checkpoint: bytes, deltas: Iterable[Delta]) -> Tally:
    """The previous checkpoint's totals with the batch's deltas added (tally rule)."""
    tally = signed_tally(signed_checkpoint)
    for delta in deltas:
        tally.apply_delta(delta)
    return tally


def counted() -> Tally:
    """The totals as the database's counters hold them."""
    totals = dict(Total.objects.values_list("key", "value"))
    return Tally(
        declarations=totals.get("declarations", 0),
        revocations=totals.get("revocations", 0),
        persons=totals.get("persons", 0),
        party=totals.get("org:party", 0),
        league=totals.get("org:league", 0),
        pioneers=totals.get("org:pioneers", 0),
    )


def checked(signed_checkpoint: bytes, deltas: Iterable[Delta]) -> Tally:
    """The tally to sign next, once the counters agree with it; CountMismatch if not.

    `deltas` must cover every entry appended since `signed_checkpoint` was signed: one
    step's batch while each step signs, all of them if signing ever waits for several."""
    tally = next_tally(signed_checkpoint, deltas)
    in_database = counted()
    if in_database.totals() != tally.totals():
        raise CountMismatch(
            "publication stopped: the database's counters say "
            f"{in_database.extension_line()!r} but the log adds up to "
            f"{tally.extension_line()!r}; nothing is signed until they agree")
    return tally


def current() -> Tally:
    """The totals of the latest signed checkpoint: what the pages show."""
    return signed_tally(storage.signed_checkpoint())
