"""The public tally rule: counts derived from the log entries alone.

A declaration adds its persons and organization counts to its own day and channel; a
revocation subtracts the counts it repeats from the *declared* day and channel. A
revocation of a whole declaration (``person -``) also subtracts the declaration; one of
a single person subtracts that person only, and may not take a declaration's last
person (that is a revocation of the whole). Totals are accepted minus revoked.
:class:`TallyChecker` is the auditor's side: it also checks that each revocation refers
to an earlier declaration, or a person of it, not yet revoked, and repeats exactly what
it subtracts.
"""

from __future__ import annotations

import datetime
import re
from array import array
from dataclasses import dataclass, field

from .entry import DeclarationEntry, Entry, EntryError, RevocationEntry

__all__ = ["DayTally", "Delta", "Tally", "TallyChecker", "tally_delta"]

_FIELDS = ("persons", "declarations", "revocations", "party", "league", "pioneers")
_LINE = re.compile("tally " + " ".join(f"{f}=(0|[1-9][0-9]{{0,17}})" for f in _FIELDS))


@dataclass(frozen=True)
class Delta:
    """The signed change one entry makes to the tally of one day and channel."""

    day: datetime.date
    channel: str
    declarations: int
    persons: int
    party: int
    league: int
    pioneers: int
    revocation: bool = False


def tally_delta(entry: Entry) -> Delta:
    """Return the signed change of ``entry`` (negative for a revocation)."""
    if isinstance(entry, DeclarationEntry):
        persons, party, league, pioneers = entry.counts()
        return Delta(entry.date, entry.channel, 1, persons, party, league, pioneers)
    if isinstance(entry, RevocationEntry):
        return Delta(entry.declared, entry.channel, -1 if entry.person is None else 0,
                     -entry.persons, -entry.party, -entry.league, -entry.pioneers, True)
    raise EntryError(f"not an entry: {type(entry).__name__}")


@dataclass
class DayTally:
    """Net counts of one day (China Standard Time); persons by channel."""

    declarations: int = 0
    persons: int = 0
    party: int = 0
    league: int = 0
    pioneers: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)


@dataclass
class Tally:
    """Running totals of a log.

    ``declarations`` and ``persons``/``party``/``league``/``pioneers`` are net (accepted
    minus revoked); ``revocations`` counts revocation entries; ``entries`` counts all
    entries (not part of the extension line: a checkpoint's size says it).
    """

    entries: int = 0
    declarations: int = 0
    revocations: int = 0
    persons: int = 0
    party: int = 0
    league: int = 0
    pioneers: int = 0
    by_day: dict[datetime.date, DayTally] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)

    def apply_delta(self, d: Delta, times: int = 1) -> None:
        """Add one entry's delta to the totals, its day and its channel (``times`` entries
        with the same delta: the auditor counts alike declarations together)."""
        self.entries += times
        self.revocations += d.revocation * times
        self.declarations += d.declarations * times
        self.persons += d.persons * times
        self.party += d.party * times
        self.league += d.league * times
        self.pioneers += d.pioneers * times
        day = self.by_day.setdefault(d.day, DayTally())
        day.declarations += d.declarations * times
        day.persons += d.persons * times
        day.party += d.party * times
        day.league += d.league * times
        day.pioneers += d.pioneers * times
        day.by_channel[d.channel] = day.by_channel.get(d.channel, 0) + d.persons * times
        self.by_channel[d.channel] = self.by_channel.get(d.channel, 0) + d.persons * times

    def merge(self, other: Tally) -> None:
        """Add the tally of the entries that follow this tally's (another range of a log)."""
        self.entries += other.entries
        for f in _FIELDS:
            setattr(self, f, getattr(self, f) + getattr(other, f))
        for date, theirs in other.by_day.items():
            day = self.by_day.setdefault(date, DayTally())
            for f in ("declarations", "persons", "party", "league", "pioneers"):
                setattr(day, f, getattr(day, f) + getattr(theirs, f))
            for channel, n in theirs.by_channel.items():
                day.by_channel[channel] = day.by_channel.get(channel, 0) + n
        for channel, n in other.by_channel.items():
            self.by_channel[channel] = self.by_channel.get(channel, 0) + n

    def apply(self, entry: Entry) -> Delta:
        """Apply an entry; return its delta."""
        d = tally_delta(entry)
        self.apply_delta(d)
        return d

    def extension_line(self) -> str:
        """Return the checkpoint extension line ``tally persons=… pioneers=…``."""
        return "tally " + " ".join(f"{f}={getattr(self, f)}" for f in _FIELDS)

    @classmethod
    def from_extension_line(cls, line: str) -> Tally:
        """Parse a ``tally`` extension line (totals only); EntryError if malformed."""
        m = _LINE.fullmatch(line)
        if not m:
            raise EntryError(f"malformed tally line {line!r}")
        values = dict(zip(_FIELDS, (int(g) for g in m.groups()), strict=True))
        return cls(**values)

    def totals(self) -> tuple[int, ...]:
        """Return the totals compared by auditors, in extension-line order."""
        return tuple(getattr(self, f) for f in _FIELDS)


_REVOKED = 8


def _mask(organizations: tuple[str, ...]) -> int:
    return ("party" in organizations) | ("league" in organizations) << 1 | (
        "pioneers" in organizations) << 2


class TallyChecker:
    """Applies the tally rule entry by entry, checking revocations against the log.

    Memory is about 16 bytes per entry (compact arrays), so a 10-million-entry log fits.
    """

    def __init__(self) -> None:
        """Start at log index 0 with an empty tally."""
        self.tally = Tally()
        self.size = 0
        self._day = array("l")  # date ordinal of each declaration (0 otherwise)
        self._start = array("q")  # where each entry's persons start in _people
        # Per person of every declaration: its organizations (1 party, 2 league,
        # 4 pioneers), plus _REVOKED once a revocation took it.
        self._people = bytearray()
        self._state = bytearray()  # 0 = revocation, 1 = declaration, 2 = revoked declaration
        self._channel = array("H")
        self._channels: dict[str, int] = {}

    def add(self, entry: Entry, index: int | None = None) -> Delta:
        """Check and apply the entry at the next log index; EntryError if it breaks a rule."""
        if index is not None and index != self.size:
            raise EntryError(f"expected entry {self.size}, got {index}")
        if isinstance(entry, RevocationEntry):
            self._check_revocation(entry)
        elif not isinstance(entry, DeclarationEntry):
            raise EntryError(f"not an entry: {type(entry).__name__}")
        delta = self.tally.apply(entry)
        channel = self._channels.setdefault(entry.channel, len(self._channels))
        if channel > 0xFFFF:
            raise EntryError("too many distinct channels")
        is_decl = isinstance(entry, DeclarationEntry)
        self._day.append(entry.date.toordinal() if is_decl else 0)
        self._start.append(len(self._people))
        if is_decl:
            self._people.extend(_mask(p.organizations) for p in entry.persons)
        self._state.append(1 if is_decl else 0)
        self._channel.append(channel)
        self.size += 1
        return delta

    def revoked(self, index: int, position: int | None = None) -> bool:
        """Whether the declaration at ``index`` (or its person at ``position``) has been
        revoked by the entries added so far."""
        if position is None:
            return self._state[index] == 2
        start = self._start[index]
        return bool(self._people[start + position] & _REVOKED)

    def _check_revocation(self, r: RevocationEntry) -> None:
        i = r.revokes
        if i >= self.size:
            raise EntryError(f"revocation refers to entry {i}, not an earlier entry")
        if self._state[i] == 0:
            raise EntryError(f"revocation refers to entry {i}, not a declaration")
        if self._state[i] == 2:
            raise EntryError(f"declaration {i} is already revoked")
        if self._day[i] != r.declared.toordinal():
            raise EntryError(f"revocation date differs from declaration {i}")
        if self._channels.get(r.channel) != self._channel[i]:
            raise EntryError(f"revocation channel differs from declaration {i}")
        start = self._start[i]
        end = self._start[i + 1] if i + 1 < self.size else len(self._people)
        counted = [k for k in range(start, end) if not self._people[k] & _REVOKED]
        if r.person is None:
            taken = counted
        else:
            k = start + r.person
            if k >= end:
                raise EntryError(f"declaration {i} has no person {r.person}")
            if self._people[k] & _REVOKED:
                raise EntryError(f"person {r.person} of declaration {i} is already revoked")
            if len(counted) == 1:
                raise EntryError(f"person {r.person} is the last of declaration {i}: "
                                 "revoke the whole declaration")
            taken = [k]
        masks = [self._people[k] for k in taken]
        if (len(masks), *(sum(m >> bit & 1 for m in masks) for bit in range(3))) != r.counts():
            raise EntryError(f"revocation counts differ from what it revokes of declaration {i}")
        for k in taken:
            self._people[k] |= _REVOKED
        if r.person is None:
            self._state[i] = 2
