"""The persons of a declaration, packed into one column of its row (Declaration.people).

Persons are written once with their declaration and read only with it, so they need no
rows of their own: a row per person, mostly tuple header and index entries, cost as
much again as everything else a person costs (docs/performance.md). Packed, a person is
their name and a few bytes.

The format, version 2: one byte 2, then per person a flags byte (1 real name, 2 party,
4 league, 8 pioneers, 16 withdrawn), the 16-byte salt of the name's commitment in the log
(all zero once withdrawn) and four strings, each one byte of length and that many bytes
of UTF-8: display name (empty once withdrawn), region, country, sector (empty when not
given).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from tuidang.registry import countries
from tuidang.registry.choices import Region, Sector

VERSION = 2
_REAL, _PARTY, _LEAGUE, _PIONEERS, _WITHDRAWN = 1, 2, 4, 8, 16
SALT_BYTES = 16
_NO_SALT = bytes(SALT_BYTES)
# Lazy labels: translated into the active language when shown.
_REGIONS, _SECTORS = dict(Region.choices), dict(Sector.choices)


@dataclass(frozen=True, slots=True)
class Person:
    """One person of a declaration, as the pages and the API show them."""

    position: int
    display_name: str  # empty once withdrawn
    is_real_name: bool = False
    party: bool = False
    league: bool = False
    pioneers: bool = False
    region: str = ""
    country: str = ""
    sector: str = ""
    salt: bytes = _NO_SALT  # of the name's commitment in the log
    withdrawn: bool = False  # revoked alone or with the declaration: no name, no salt

    def organizations(self) -> list[str]:
        return [org for org in ("party", "league", "pioneers") if getattr(self, org)]

    def get_region_display(self) -> str:
        return str(_REGIONS.get(self.region, self.region))

    def get_sector_display(self) -> str:
        return str(_SECTORS.get(self.sector, self.sector))

    def get_country_display(self) -> str:
        """The country's name in the page's language (registry/countries.py)."""
        return countries.name(self.country) if self.country else ""


def _text(value: str) -> bytes:
    data = value.encode()
    if len(data) > 255:
        raise ValueError(f"too long to pack: {value[:20]!r}…")
    return bytes((len(data),)) + data


def pack(persons: Iterable[tuple[str, bool, bool, bool, bool, str, str, str, bytes]]) -> bytes:
    """The column's bytes for persons given as (display name, real name, party, league,
    pioneers, region, country, sector, name salt), in their order."""
    parts = [bytes((VERSION,))]
    for name, real, party, league, pioneers, region, country, sector, salt in persons:
        flags = (_REAL if real else 0) | (_PARTY if party else 0) | (
            _LEAGUE if league else 0) | (_PIONEERS if pioneers else 0)
        if len(salt) != SALT_BYTES:
            raise ValueError("a name salt has 16 bytes")
        parts += (bytes((flags,)), salt, _text(name), _text(region), _text(country),
                  _text(sector))
    return b"".join(parts)


def withdraw(persons: tuple[Person, ...], positions: Iterable[int]) -> bytes:
    """The column's bytes with the persons at `positions` withdrawn: their names and
    salts are gone, what the log holds of them (organizations, region, sector) stays."""
    gone = set(positions)
    parts = [bytes((VERSION,))]
    for p in persons:
        out = p.withdrawn or p.position in gone
        flags = (_REAL if p.is_real_name else 0) | (_PARTY if p.party else 0) | (
            _LEAGUE if p.league else 0) | (_PIONEERS if p.pioneers else 0) | (
            _WITHDRAWN if out else 0)
        parts += (bytes((flags,)), _NO_SALT if out else p.salt,
                  _text("" if out else p.display_name), _text(p.region), _text(p.country),
                  _text(p.sector))
    return b"".join(parts)


def unpack(data: bytes | memoryview) -> tuple[Person, ...]:
    """The persons packed in `data`; ValueError if it is not what pack writes."""
    data = bytes(data)
    if not data or data[0] != VERSION:
        raise ValueError("not packed persons (version)")
    persons, position, at = [], 0, 1
    try:
        while at < len(data):
            flags, salt = data[at], data[at + 1:at + 1 + SALT_BYTES]
            at += 1 + SALT_BYTES
            fields = []
            for _ in range(4):
                end = at + 1 + data[at]
                if end > len(data) or len(salt) != SALT_BYTES:
                    raise ValueError("packed persons cut short")
                fields.append(data[at + 1:end].decode())
                at = end
            persons.append(Person(position, fields[0], bool(flags & _REAL), bool(flags & _PARTY),
                                  bool(flags & _LEAGUE), bool(flags & _PIONEERS), *fields[1:],
                                  salt=salt, withdrawn=bool(flags & _WITHDRAWN)))
            position += 1
    except (IndexError, UnicodeDecodeError) as exc:
        raise ValueError("packed persons cut short or not UTF-8") from exc
    return tuple(persons)
