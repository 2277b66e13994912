"""Shared fixtures for the tlog tests (plain pytest, no Django)."""

from __future__ import annotations

import datetime
import hashlib
import shutil
import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:  # let plain `pytest tests/tlog` import tuidang without config
    sys.path.insert(0, _ROOT)

from tuidang.tlog.entry import (  # noqa: E402
    DeclarationEntry,
    PersonEntry,
    RevocationEntry,
    encode_entry,
    name_commitment,
)
from tuidang.tlog.note import Signer  # noqa: E402

ORIGIN = "tuidang.example/log"
DAY = datetime.date(2026, 11, 29)


def declaration(i: int, persons: int = 1, channel: str = "self",
                day: datetime.date = DAY) -> DeclarationEntry:
    """Return a valid declaration numbered ``i``."""
    orgs = [("party",), ("league",), ("party", "league", "pioneers"), ("pioneers",)]
    people = tuple(PersonEntry(name_commitment(salt(i, k), f"张三 {i}-{k}"), orgs[(i + k) % 4],
                               k % 2 == 0, "beijing" if k % 3 else None,
                               "teacher" if k % 2 else None)
                   for k in range(persons))
    return DeclarationEntry(i, day, channel, people, hashlib.sha256(b"s%d" % i).digest(),
                            hashlib.sha256(b"p%d" % i).digest())


def salt(i: int, k: int) -> bytes:
    """The name salt of person ``k`` of declaration ``i`` in these tests."""
    return hashlib.sha256(b"salt %d %d" % (i, k)).digest()[:16]


def revocation(index: int, d: DeclarationEntry, reason: str = "retracted",
               person: int | None = None) -> RevocationEntry:
    """Return the revocation of declaration ``d`` at log index ``index`` (of its person
    at position ``person`` only, if given)."""
    counts = d.counts() if person is None else d.persons[person].counts()
    persons, party, league, pioneers = (int(c) for c in counts)
    return RevocationEntry(d.serial, d.date + datetime.timedelta(days=2), index, person,
                           d.date, d.channel, persons, party, league, pioneers, reason)


def sample_entries(n: int, revoke_every: int = 7) -> list[bytes]:
    """Return ``n`` encoded entries: declarations with a revocation now and then."""
    out: list[bytes] = []
    decls: list[tuple[int, DeclarationEntry]] = []
    for i in range(n):
        if revoke_every and i % revoke_every == revoke_every - 1 and decls:
            idx, d = decls.pop(0)
            out.append(encode_entry(revocation(idx, d)))
        else:
            d = declaration(i, 1 + i % 3, ("self", "phone", "import")[i % 3])
            decls.append((i, d))
            out.append(encode_entry(d))
    return out


@pytest.fixture(scope="session")
def signer() -> Signer:
    """A fixed log signer."""
    return Signer(ORIGIN, hashlib.sha256(b"tlog test key").digest())


AUDIT_SIZE = 700  # bundles 000, 001, 002.p/188; tiles 0/000, 0/001, 0/002.p/188, 1/000.p/2
AUDIT_ENTRIES = sample_entries(AUDIT_SIZE)


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory, signer: Signer) -> Path:
    """A static log of AUDIT_ENTRIES, written once a module: do not change it."""
    from tuidang.tlog.export import write_log_dir

    d = tmp_path_factory.mktemp("log")
    write_log_dir(d, AUDIT_ENTRIES, signer, ORIGIN)
    return d


@pytest.fixture
def copy(log_dir: Path, tmp_path: Path) -> Path:
    """A copy of ``log_dir`` for one test to damage."""
    return Path(shutil.copytree(log_dir, tmp_path / "log"))
