"""Normalized identities, for finding exact duplicates without storing names twice.

Two spellings of one name are the same person here when they differ only by width,
case, simplified/traditional characters, spaces or punctuation.
"""

import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

import opencc
from django.conf import settings

from tuidang.registry.receipts import digest_hasher


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    if not text.isascii():  # the conversion maps Chinese characters only
        text = _to_simplified().convert(text)
    # str.isalnum is exactly "category L* or N*" (tests/test_import_rules.py checks it
    # for every code point), and is much faster than looking the categories up.
    return text if text.isalnum() else "".join(ch for ch in text if ch.isalnum())


def organizations_key(organizations: Iterable[str]) -> str:
    return ",".join(sorted(organizations))


def person_hasher(key: str) -> Callable[[str], int]:
    """The keyed hash of `f"{normalized name}|{organizations key}"`, as stored: its first
    8 bytes as a signed 64-bit integer (Declaration.identity_digest, PersonIdentity.digest)."""
    keyed = digest_hasher(key, "person", 8)
    return lambda message: int.from_bytes(keyed(message), "big", signed=True)


def person_digest(name: str, organizations: Iterable[str]) -> int:
    """A keyed hash of one person's normalized name with the organizations they quit
    (intake/bulk.py computes the same for many persons at once)."""
    keyed = person_hasher(settings.RECEIPT_KEY)
    return keyed(f"{normalize_name(name)}|{organizations_key(organizations)}")
