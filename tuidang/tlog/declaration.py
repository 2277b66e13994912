"""A declaration entry in two parts, and a quick summary of one already encoded.

A service knows everything public about a declaration when it receives it, except the
serial (given when it is stored) and, for one with private fields, the commitment to
them (made when they are sealed, with the serial). :func:`declaration_body` validates and
encodes the rest once; :func:`complete_declaration` adds the two. Together they give the
very bytes of :func:`entry.encode_declaration`, which is built from them.

:func:`summarize_declaration` reads back what a tally needs from bytes made that way,
checking their structure and the lines a row can be compared with, but not each name
again (:func:`entry.parse_entry` does that, at a much higher cost): for entries
that the service itself encoded and stored, not for bytes from elsewhere.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .bundle import MAX_ENTRY_SIZE
from .fields import MAX_PERSONS, VERSION, EntryError, _b64_32, _checked_size, _count, _date, _token

__all__ = ["DeclarationSummary", "complete_declaration", "declaration_body",
           "summarize_declaration"]

_HEAD = f"{VERSION} declaration\nserial ".encode()
# The longest head and private line: a serial of 18 digits, a 44-character commitment.
_MAX_AROUND_BODY = len(_HEAD) + 18 + len(b"private \n") + 44


def declaration_body(date: datetime.date, channel: str, person_lines: list[str],
                     statement_commitment: bytes | None) -> bytes:
    """The lines from ``date`` to ``statement`` (``person_lines`` from
    :func:`entry.person_line`, which validates each person), led by a newline.
    EntryError if invalid, or if no serial could make the entry fit."""
    _date(date, "date")
    _token(channel, "channel")
    if not 1 <= len(person_lines) <= MAX_PERSONS:
        raise EntryError(f"a declaration has 1-{MAX_PERSONS} persons")
    persons = "\n".join(person_lines)
    body = (f"\ndate {date.isoformat()}\nchannel {channel}\n{persons}\n"
            f"statement {_b64_32(statement_commitment, 'statement')}\n").encode()
    if len(body) + _MAX_AROUND_BODY > MAX_ENTRY_SIZE:
        raise EntryError(f"entry of {len(body) + _MAX_AROUND_BODY} bytes exceeds "
                         f"{MAX_ENTRY_SIZE}")
    return body


def complete_declaration(serial: int, body: bytes, private_commitment: bytes) -> bytes:
    """The entry of ``body`` (from :func:`declaration_body`) with its serial and private
    commitment."""
    _count(serial, "serial")
    if private_commitment is None:
        raise EntryError("private commitment is required")
    private = _b64_32(private_commitment, "private")
    return _checked_size(b"%s%d%sprivate %s\n" % (_HEAD, serial, body, private.encode()))


@dataclass(slots=True)
class DeclarationSummary:
    """What a declaration entry counts: its persons, per organization, and the regions
    and sectors of its persons that give one."""

    serial: int
    date: str  # YYYY-MM-DD
    channel: str
    persons: int
    party: int
    league: int
    pioneers: int
    places: list[str]  # "region:<token>" and "sector:<token>", one per person giving it


# The organizations field of a person line → (party, league, pioneers).
_ORGANIZATIONS = {
    b"party": (1, 0, 0), b"league": (0, 1, 0), b"pioneers": (0, 0, 1),
    b"party,league": (1, 1, 0), b"party,pioneers": (1, 0, 1), b"league,pioneers": (0, 1, 1),
    b"party,league,pioneers": (1, 1, 1),
}
_FLAGS = (b"real", b"alias")


def summarize_declaration(data: bytes) -> DeclarationSummary:
    """The counts of an encoded declaration entry; EntryError if its lines are not in
    the declaration's structure (see the module docstring for what is not checked)."""
    if len(data) > MAX_ENTRY_SIZE or data[-1:] != b"\n" or b"\r" in data:
        raise EntryError("not an entry")
    lines = data.split(b"\n")  # the last is empty
    count = len(lines) - 7
    if (not 1 <= count <= MAX_PERSONS or lines[0] != _HEAD[:-8]
            or lines[1][:7] != b"serial " or lines[2][:5] != b"date "
            or lines[3][:8] != b"channel " or lines[-3][:10] != b"statement "
            or lines[-2][:8] != b"private "):
        raise EntryError("not a declaration entry")
    party = league = pioneers = 0
    places = []
    try:
        for line in lines[4:-3]:
            keyword, orgs, flag, region, sector, committed = line.split(b" ")
            if keyword != b"person" or flag not in _FLAGS or len(committed) != 44:
                raise ValueError
            in_party, in_league, in_pioneers = _ORGANIZATIONS[orgs]
            party += in_party
            league += in_league
            pioneers += in_pioneers
            if region != b"-":
                places.append("region:" + region.decode())
            if sector != b"-":
                places.append("sector:" + sector.decode())
    except (ValueError, KeyError):
        raise EntryError(f"malformed person line {line!r}") from None
    serial = lines[1][7:]
    if not serial.isdigit() or (serial[:1] == b"0" and serial != b"0"):
        raise EntryError("invalid serial")
    return DeclarationSummary(int(serial), lines[2][5:].decode(), lines[3][8:].decode(),
                              count, party, league, pioneers, places)
