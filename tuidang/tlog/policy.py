"""C2SP tlog-policy: which logs and witnesses a verifier trusts, and the quorum it needs.

A policy file is lines of ``log <vkey> [<url>]``, ``witness <name> <vkey> [<url>]``,
``group <name> all|any|<k> <name>...`` and exactly one ``quorum <name>`` (``none`` for no
witness at all), with blank and ``#`` comment lines. Items are separated by spaces and
tabs only; a group or the quorum names only witnesses and groups defined above it. A
checkpoint passes when one of the logs signed it and the quorum's witnesses cosigned it
(tlog-cosignature, the Ed25519 type): a witness counts when its cosignature is there, a
group when at least k of its members count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .checkpoint import Checkpoint, open_checkpoint
from .cosignature import CosignatureVerifier, verified_cosignatures
from .note import NoteError, Verifier

__all__ = ["NONE", "Group", "Policy", "PolicyError", "PolicyLog", "PolicyWitness",
           "parse_policy"]

NONE = "none"
MAX_ITEMS = 256  # each of logs, witnesses and groups; the spec asks for at least 32
_ALLOWED = re.compile(rb"[\t\n\x20-\x7e\x80-\xff]*")
_SEPARATOR = re.compile(r"[ \t]+")
_THRESHOLD = re.compile(r"[1-9][0-9]{0,3}")


class PolicyError(ValueError):
    """A policy file is malformed, or a checkpoint does not satisfy the policy."""


@dataclass(frozen=True)
class PolicyLog:
    verifier: Verifier
    url: str | None = None


@dataclass(frozen=True)
class PolicyWitness:
    name: str
    verifier: CosignatureVerifier
    url: str | None = None


@dataclass(frozen=True)
class Group:
    name: str
    threshold: int
    members: tuple[str, ...]
    keyword: str  # "all", "any" or the threshold, as written


@dataclass
class Policy:
    """A parsed policy; ``quorum`` is a witness's or group's name, or ``none``."""

    logs: list[PolicyLog] = field(default_factory=list)
    witnesses: dict[str, PolicyWitness] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    quorum: str = NONE

    def satisfied(self, cosigned: Iterable[str], name: str | None = None) -> bool:
        """Whether the witnesses named in ``cosigned`` make the quorum (or group ``name``)."""
        done = set(cosigned)

        def counts(member: str) -> bool:
            if member == NONE:
                return True
            if member in self.witnesses:
                return member in done
            group = self.groups[member]
            return sum(counts(m) for m in group.members) >= group.threshold

        return counts(self.quorum if name is None else name)

    def cosigners(self, signed: bytes) -> list[str]:
        """The witnesses of this policy whose valid cosignature the signed checkpoint
        carries, in the policy's order (NoteError if one of theirs is invalid)."""
        found = verified_cosignatures(signed, [w.verifier for w in self.witnesses.values()])
        return [name for name, w in self.witnesses.items() if w.verifier in found]

    def check_quorum(self, signed: bytes) -> list[str]:
        """The cosigners of the signed checkpoint; PolicyError unless they make the
        quorum. The log's signature is the caller's to check."""
        try:
            cosigned = self.cosigners(signed)
        except NoteError as e:
            raise PolicyError(str(e)) from None
        if not self.satisfied(cosigned):
            have = ", ".join(cosigned) or "no witness"
            raise PolicyError(f"the quorum {self.quorum!r} is not met: cosigned by {have}")
        return cosigned

    def check(self, signed: bytes, origin: str | None = None) -> tuple[Checkpoint, list[str]]:
        """The checkpoint and its cosigners, if one of the policy's logs signed it and the
        quorum cosigned it; PolicyError otherwise."""
        if not self.logs:
            raise PolicyError("the policy names no log: give the log's key")
        try:
            checkpoint = _open(signed, [log.verifier for log in self.logs], origin)
        except NoteError as e:
            raise PolicyError(f"checkpoint: {e}") from None
        return checkpoint, self.check_quorum(signed)

    def text(self, urls: bool = True) -> str:
        """The policy as a file (without witness URLs if ``urls`` is false)."""
        lines = [_join("log", log.verifier.key_string(), log.url) for log in self.logs]
        lines += [_join("witness", w.name, w.verifier.key_string(), w.url if urls else None)
                  for w in self.witnesses.values()]
        lines += [" ".join(["group", g.name, g.keyword, *g.members])
                  for g in self.groups.values()]
        lines.append(f"quorum {self.quorum}")
        return "".join(line + "\n" for line in lines)


def _join(*items: str | None) -> str:
    return " ".join(item for item in items if item)


def _open(signed: bytes, verifiers: list[Verifier], origin: str | None) -> Checkpoint:
    # A log's key name is its origin (tlog-policy): each key opens only its own log's.
    error = NoteError("no log of the policy signed the checkpoint")
    for verifier in verifiers:
        if origin is not None and verifier.name != origin:
            continue
        try:
            return open_checkpoint(signed, verifier, verifier.name)[0]
        except NoteError as e:
            error = e
    raise error


def parse_policy(data: bytes, require_quorum: bool = True) -> Policy:
    """Parse a policy file strictly; PolicyError naming the line if it breaks a rule.

    ``require_quorum=False`` accepts a file without a quorum line (a witness's list of
    the logs it watches); the quorum is then ``none``.
    """
    if not _ALLOWED.fullmatch(data):
        raise PolicyError("the policy holds a control character other than tab and newline")
    policy, quorums = Policy(), 0
    names: set[str] = {NONE}
    log_keys: set[bytes] = set()
    witness_keys: set[bytes] = set()
    text = data.decode("utf-8", "surrogateescape")  # names are opaque octets
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip(" \t")
        if not line or line.startswith("#"):
            continue
        keyword, *items = _SEPARATOR.split(line)
        try:
            if keyword == "log":
                _log(policy, items, log_keys)
            elif keyword == "witness":
                _witness(policy, items, witness_keys, names)
            elif keyword == "group":
                _group(policy, items, names)
            elif keyword == "quorum":
                if len(items) != 1 or items[0] not in names:
                    raise PolicyError("quorum needs one name defined above (or none)")
                policy.quorum, quorums = items[0], quorums + 1
            else:
                raise PolicyError(f"unknown keyword {keyword!r}")
        except (PolicyError, NoteError) as e:
            raise PolicyError(f"line {number}: {e}") from None
    if quorums > 1 or (quorums == 0 and require_quorum):
        raise PolicyError("a policy needs exactly one quorum line")
    return policy


def _log(policy: Policy, items: list[str], keys: set[bytes]) -> None:
    if len(items) not in (1, 2):
        raise PolicyError("log needs a verifier key and at most a URL")
    verifier = Verifier.from_key_string(items[0])
    _unique_key(verifier.public_key, keys)
    policy.logs.append(PolicyLog(verifier, items[1] if len(items) == 2 else None))
    _limit(policy.logs)


def _witness(policy: Policy, items: list[str], keys: set[bytes], names: set[str]) -> None:
    if len(items) not in (2, 3):
        raise PolicyError("witness needs a name, a verifier key and at most a URL")
    name = _new_name(items[0], names)
    verifier = CosignatureVerifier.from_key_string(items[1])
    _unique_key(verifier.public_key, keys)
    policy.witnesses[name] = PolicyWitness(name, verifier, items[2] if len(items) == 3 else None)
    _limit(policy.witnesses)


def _group(policy: Policy, items: list[str], names: set[str]) -> None:
    if len(items) < 3:
        raise PolicyError("group needs a name, all, any or a number, and members")
    name, keyword, members = items[0], items[1], items[2:]
    for member in members:
        if member == NONE or member not in names:
            raise PolicyError(f"group member {member!r} is not defined above")
    if len(set(members)) != len(members):
        raise PolicyError("a group lists each member once")
    if keyword == "all":
        threshold = len(members)
    elif keyword == "any":
        threshold = 1
    elif _THRESHOLD.fullmatch(keyword) and int(keyword) <= len(members):
        threshold = int(keyword)
    else:
        raise PolicyError(f"bad threshold {keyword!r}: all, any or 1 to {len(members)}")
    policy.groups[_new_name(name, names)] = Group(name, threshold, tuple(members), keyword)
    _limit(policy.groups)


def _new_name(name: str, names: set[str]) -> str:
    if name in names:
        raise PolicyError(f"the name {name!r} is already defined")
    names.add(name)
    return name


def _unique_key(public_key: bytes, keys: set[bytes]) -> None:
    if public_key in keys:
        raise PolicyError("the same public key is listed twice")
    keys.add(public_key)


def _limit(items: object) -> None:
    if len(items) > MAX_ITEMS:  # type: ignore[arg-type]
        raise PolicyError(f"more than {MAX_ITEMS} logs, witnesses or groups")
