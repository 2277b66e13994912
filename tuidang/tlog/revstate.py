"""What the auditor remembers of every entry to check revocations: on disk, not in memory.

A revocation may refer to any earlier declaration, so the auditor needs, for every log
index, the declaration's day, channel and the organizations of each of its persons, and
what was revoked of it since. Kept in memory that is about 16 bytes an entry (7.5 GB for
the whole history); here it is written to files in a temporary directory and read back
only for a revocation, so the auditor's memory does not grow with the log. The files:

* ``records``: 8 bytes (in the machine's byte order) per log index: the day (date ordinal, 22 bits),
  the channel (16 bits, an index into the channels of the entry's range), the number of
  persons (6 bits, 0 for a revocation entry) and whether the declaration was revoked as
  a whole (1 bit);
* ``starts``: 8 bytes per entry bundle: where its persons start in its range's file;
* ``people-<first bundle>``: one byte per person of each declaration of a range of
  bundles: its organizations (1 party, 2 league, 4 pioneers), plus 8 once revoked.

Workers write the records of their ranges (disjoint parts of the files); the auditor
alone checks revocations, in log order, and marks what they revoke. About 9.6 bytes an
entry on disk (4.5 GB for 466 million entries, with 1.6 persons a declaration).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import weakref
from array import array
from bisect import bisect_right
from pathlib import Path

from .entry import EntryError, RevocationEntry
from .tiles import TILE_WIDTH

__all__ = ["RECORD", "RevocationState", "pack_record"]

RECORD = 8
_DAY_BITS, _CHANNEL_BITS, _PERSONS_BITS = 22, 16, 6
_CHANNEL_SHIFT = _DAY_BITS
_PERSONS_SHIFT = _DAY_BITS + _CHANNEL_BITS
_REVOKED_WHOLE = 1 << (_PERSONS_SHIFT + _PERSONS_BITS)
_REVOKED_PERSON = 8
MAX_CHANNELS = 1 << _CHANNEL_BITS


def pack_record(day: int, channel: int, persons: int) -> int:
    """The record of an entry: ``day`` a date ordinal, ``channel`` its range's channel
    number, ``persons`` 0 for a revocation."""
    return day | channel << _CHANNEL_SHIFT | persons << _PERSONS_SHIFT


def _fields(record: int) -> tuple[int, int, int, bool]:
    return (record & (1 << _DAY_BITS) - 1, record >> _CHANNEL_SHIFT & MAX_CHANNELS - 1,
            record >> _PERSONS_SHIFT & (1 << _PERSONS_BITS) - 1,
            bool(record & _REVOKED_WHOLE))


class RevocationState:
    """The per-entry state of an audited log, in files under a temporary directory.

    Created by the auditor for a log of ``size`` entries; workers open it by ``path``.
    :meth:`close` (or garbage collection of the auditor's object) deletes the files.
    """

    def __init__(self, size: int, directory: str | None = None) -> None:
        """Create the (sparse) files for ``size`` entries in a new temporary directory."""
        self.path = tempfile.mkdtemp(prefix="tuidang-audit-", dir=directory)
        self.size = size
        with open(Path(self.path, "records"), "wb") as f:
            f.truncate(size * RECORD)
        with open(Path(self.path, "starts"), "wb") as f:
            f.truncate(-(-size // TILE_WIDTH) * 8)
        self._records = os.open(Path(self.path, "records"), os.O_RDWR)
        self._starts = os.open(Path(self.path, "starts"), os.O_RDONLY)
        self._ranges: list[int] = []  # first bundle of each range, ascending
        self._channels: list[list[str]] = []  # the channel names of each range
        self._people: list[int] = []  # the open people file of each range
        # Deleted when closed, when collected, or at the latest when Python exits.
        self._remove = weakref.finalize(self, _remove, self.path,
                                        [self._records, self._starts], self._people)

    def add_range(self, first_bundle: int, channels: list[str]) -> None:
        """Register a verified range of bundles (in log order) and its channel names."""
        self._ranges.append(first_bundle)
        self._channels.append(channels)
        self._people.append(os.open(people_path(self.path, first_bundle), os.O_RDWR))

    def _range(self, index: int) -> int:
        return bisect_right(self._ranges, index // TILE_WIDTH) - 1

    def _record(self, index: int) -> int:
        return int.from_bytes(os.pread(self._records, RECORD, index * RECORD), sys.byteorder)

    def _persons(self, index: int) -> tuple[int, int, int]:
        """(range, offset in its people file, number of persons) of declaration ``index``."""
        bundle, k = divmod(index, TILE_WIDTH)
        start = int.from_bytes(os.pread(self._starts, 8, bundle * 8), sys.byteorder)
        before = array("Q", os.pread(self._records, RECORD * k,
                                     bundle * TILE_WIDTH * RECORD))
        start += sum(r >> _PERSONS_SHIFT & (1 << _PERSONS_BITS) - 1 for r in before)
        return self._range(index), start, _fields(self._record(index))[2]

    def check(self, r: RevocationEntry, at: int) -> None:
        """Check the revocation at log index ``at`` and mark what it revokes; EntryError
        (the same as TallyChecker's) if it breaks the tally rule."""
        i = r.revokes
        if i >= at:
            raise EntryError(f"revocation refers to entry {i}, not an earlier entry")
        record = self._record(i)
        day, channel, persons, revoked = _fields(record)
        if persons == 0:
            raise EntryError(f"revocation refers to entry {i}, not a declaration")
        if revoked:
            raise EntryError(f"declaration {i} is already revoked")
        if day != r.declared.toordinal():
            raise EntryError(f"revocation date differs from declaration {i}")
        where, start, _ = self._persons(i)
        if self._channels[where][channel] != r.channel:
            raise EntryError(f"revocation channel differs from declaration {i}")
        people = bytearray(os.pread(self._people[where], persons, start))
        counted = [k for k in range(persons) if not people[k] & _REVOKED_PERSON]
        if r.person is None:
            taken = counted
        else:
            if r.person >= persons:
                raise EntryError(f"declaration {i} has no person {r.person}")
            if people[r.person] & _REVOKED_PERSON:
                raise EntryError(f"person {r.person} of declaration {i} is already revoked")
            if len(counted) == 1:
                raise EntryError(f"person {r.person} is the last of declaration {i}: "
                                 "revoke the whole declaration")
            taken = [r.person]
        masks = [people[k] for k in taken]
        if (len(masks), *(sum(m >> bit & 1 for m in masks) for bit in range(3))) != r.counts():
            raise EntryError(f"revocation counts differ from what it revokes of declaration {i}")
        for k in taken:
            people[k] |= _REVOKED_PERSON
        os.pwrite(self._people[where], bytes(people), start)
        if r.person is None:
            os.pwrite(self._records, (record | _REVOKED_WHOLE).to_bytes(RECORD, sys.byteorder),
                      i * RECORD)

    def revoked(self, index: int, position: int | None = None) -> bool:
        """Whether the declaration at ``index`` (or its person at ``position``) was revoked
        by the log's entries."""
        _, _, persons, whole = _fields(self._record(index))
        if position is None:
            return whole
        if not 0 <= position < persons:
            raise IndexError(position)
        where, start, _ = self._persons(index)
        return bool(os.pread(self._people[where], 1, start + position)[0] & _REVOKED_PERSON)

    def close(self) -> None:
        """Close and delete the files."""
        self._remove()


def _remove(path: str, fds: list[int], people: list[int]) -> None:
    for fd in fds + people:
        os.close(fd)
    shutil.rmtree(path, ignore_errors=True)


def people_path(state: str, first_bundle: int) -> Path:
    """The people file of the range starting at bundle ``first_bundle``."""
    return Path(state, f"people-{first_bundle}")
