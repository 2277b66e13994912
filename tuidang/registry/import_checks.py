"""Checking imported declarations: plain computation, in worker processes for a large file.

`check_batch` takes lines as read (registry/import_files.py) and gives, for each
declaration, its rows ready to store (registry/bulk.py), or what the importing process
must do with it (ask the forms, report problems). It needs no database and no active
language: it returns codes and data, never texts, so the importer can run it in
processes forked for the purpose (registry/imports.py).
"""

import gc
import hashlib
import json
import os
from dataclasses import dataclass

from django.conf import settings

from tuidang.registry import bulk
from tuidang.registry.actions import DeclarationData, PersonData
from tuidang.registry.import_files import CsvLayout
from tuidang.registry.quickcheck import Rules, quick_check
from tuidang.registry.receipts import digest_hasher
from tuidang.tlog.entry import EntryError

POOL_MIN_LINES = 20_000  # a smaller file is checked in the importing process alone

_encode = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes


def canonical_content(persons: list[PersonData], title: str, text: str) -> str:
    """The public content of a declaration (no sealed field), one way to write it:
    json.dumps({"persons": [[name, real, [orgs], region, country, sector], …],
    "statement_title": …, "statement_text": …}, ensure_ascii=False, separators=(",", ":")),
    written out by hand because json.dumps takes longer than the rest of a line."""
    people = ",".join(
        f'[{_encode(p.display_name)},{"true" if p.is_real_name else "false"},'
        f'[{",".join(_encode(o) for o in p.organizations)}],{_encode(p.region)},'
        f"{_encode(p.country)},{_encode(p.sector)}]"
        for p in persons)
    return (f'{{"persons":[{people}],"statement_title":{_encode(title)},'
            f'"statement_text":{_encode(text)}}}')


IMPORT_KEY_BYTES = 16


def import_key(helper_id: int, ref: str, content: str, occurrence: int,
               key: str | None = None) -> bytes:
    """The key that makes an import idempotent (see the module docstring).

    Without a ref, the n-th line of a file with the same content gets occurrence n: two
    people who gave one alias are two declarations (screening holds the second for a
    moderator), and importing the file again skips both.
    """
    if key is None:
        key = settings.RECEIPT_KEY
    keyed = digest_hasher(key, "import", IMPORT_KEY_BYTES)
    if ref:
        return keyed(f"{helper_id}\nref\n{ref}")
    return keyed(f"{helper_id}\ncontent\n{occurrence}\n{content}")


@dataclass(frozen=True)
class Context:
    """What checking needs, as plain values (it is sent to the worker processes)."""

    rules: Rules
    layout: CsvLayout | None
    intake: bulk.Intake
    year: int


def short_digest(text: str) -> int:
    """64 bits of an unkeyed hash: what the importer keeps of each content and ref to
    count repeats within one file (a collision merely gives a line a later occurrence)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())


@dataclass(frozen=True)
class Ready:
    """A declaration checked and prepared; its key assumes it is the first of its content
    (`short` is short_digest of the content)."""

    prepared: bulk.Prepared
    content: str
    short: int
    key: str


def ready(context: Context, checked: list[tuple[list[PersonData], dict, list[str] | None]],
          refs: list[str]) -> list[Ready]:
    """Prepare checked declarations (persons, fields, normalized names or None), in one go.

    Raises EntryError if one of them cannot be logged (`check_batch` then finds which).
    """
    items, contents = [], []
    for (persons, fields, _names), ref in zip(checked, refs, strict=True):
        title, text = fields.get("statement_title", ""), fields.get("statement_text", "")
        content = canonical_content(persons, title, text)
        key = import_key(context.intake.helper_id, ref, content, 1, context.intake.key)
        items.append(DeclarationData(
            persons, statement_title=title, statement_text=text,
            contact=fields.get("contact", ""), notes=fields.get("notes", ""), import_key=key))
        contents.append(content)
    names = [n for _p, _f, n in checked]
    prepared = bulk.prepare(items, context.intake, None if None in names else names)
    return [Ready(p, c, short_digest(c), i.import_key)
            for p, c, i in zip(prepared, contents, items, strict=True)]


def check_batch(context: Context, batch: list[tuple]) -> list[tuple]:
    """For each (csv lines, csv rows, ref, data): ("problems", [(line, field, code)]),
    ("forms", data) when only the forms can decide, ("entry", error) or ("ok", (receipt
    secret, row, identity rows, private, entry body, filler, content, short, key)): a
    Ready, taken apart."""
    results: list[tuple] = []
    checked, refs, slots = [], [], []
    for lines, rows, ref, data in batch:
        if rows is not None:
            data, problems = context.layout.data(lines, rows)
            if problems:
                results.append(("problems", problems))
                continue
        quick = quick_check(data, context.rules, context.year)
        if quick is None:
            results.append(("forms", data))
            continue
        slots.append(len(results))
        results.append(None)
        checked.append(quick)
        refs.append(ref)
    try:
        done = ready(context, checked, refs)
    except EntryError:  # rare: one at a time, to find which
        done = []
        for one, ref in zip(checked, refs, strict=True):
            try:
                done.extend(ready(context, [one], [ref]))
            except EntryError as exc:
                done.append(str(exc))
    for slot, value in zip(slots, done, strict=True):
        results[slot] = ("entry", value) if isinstance(value, str) else ("ok", (
            # Plain tuples: they cross the process boundary at half the cost.
            value.prepared.secret, value.prepared.row, value.prepared.identities,
            value.prepared.private, value.prepared.entry, value.prepared.filler,
            value.content, value.short, value.key))
    return results


_worker_context: Context | None = None


def start_worker(context: Context) -> None:
    global _worker_context  # one context per worker process
    _worker_context = context
    # What the worker inherited lives as long as it: keep the collector off it.
    gc.freeze()


def check_in_worker(batch: list[tuple]) -> list[tuple]:
    return check_batch(_worker_context, batch)


def default_workers(lines: int) -> int:
    """Worker processes for a file of this many lines: none for a small one."""
    return 0 if lines < POOL_MIN_LINES else max(1, min(4, os.cpu_count() or 1))
