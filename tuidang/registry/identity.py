"""Normalized identities, for finding exact duplicates without storing names twice.

Two spellings of one name are the same person here when they differ only by width,
case, simplified/traditional characters, spaces or punctuation.
"""

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import opencc

from tuidang.registry.receipts import keyed_hash


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _to_simplified().convert(text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def persons_digest(persons: Iterable[tuple[str, Iterable[str]]]) -> str:
    """A keyed hash of a declaration's (name, organizations) pairs, order-insensitive."""
    items = sorted(f"{normalize_name(name)}|{','.join(sorted(orgs))}" for name, orgs in persons)
    return keyed_hash("persons", "\n".join(items))
