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


def person_digest(name: str, organizations: Iterable[str]) -> str:
    """A keyed hash of one person's normalized name with the organizations they quit."""
    return keyed_hash("person", f"{normalize_name(name)}|{','.join(sorted(organizations))}")
