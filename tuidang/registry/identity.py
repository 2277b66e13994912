"""Normalized identities, for finding exact duplicates without storing names twice.

Two spellings of one name are the same person here when they differ only by width,
case, simplified/traditional characters, spaces or punctuation.
"""

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import opencc
from django.conf import settings

from tuidang.registry.receipts import hasher


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


def person_digest(name: str, organizations: Iterable[str]) -> str:
    """A keyed hash of one person's normalized name with the organizations they quit
    (registry/bulk.py computes the same for many persons at once)."""
    keyed = hasher(settings.RECEIPT_KEY, "person")
    return keyed(f"{normalize_name(name)}|{organizations_key(organizations)}")
