"""Checking imported declarations: plain computation, in worker processes for a large file.

`check_batch` takes lines as read (imports/files.py), checks each declaration
with the one schema (registry/schema.py) and gives its rows ready to store
(intake/bulk.py), or the problems to report. It needs no database and no active
language: it returns codes and data, never texts, so the importer can run it in
processes forked for the purpose (imports/importer.py).
"""

import gc
import hashlib
import json
import os
from dataclasses import dataclass

from django.conf import settings

from tuidang.imports.files import CsvLayout
from tuidang.intake import bulk
from tuidang.registry import schema
from tuidang.registry.receipts import digest_hasher
from tuidang.registry.schema import DeclarationData, PersonData
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

    layout: CsvLayout | None
    intake: bulk.Intake


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


def ready(context: Context, checked: list[DeclarationData], refs: list[str]) -> list[Ready]:
    """Prepare checked declarations in one go.

    Raises EntryError if one of them cannot be logged (`check_batch` then finds which).
    """
    items, contents = [], []
    for data, ref in zip(checked, refs, strict=True):
        content = canonical_content(data.persons, data.statement_title, data.statement_text)
        key = import_key(context.intake.helper_id, ref, content, 1, context.intake.key)
        items.append(DeclarationData(
            data.persons, statement_title=data.statement_title,
            statement_text=data.statement_text, contact=data.contact, notes=data.notes,
            import_key=key))
        contents.append(content)
    prepared = bulk.prepare(items, context.intake)
    return [Ready(p, c, short_digest(c), i.import_key)
            for p, c, i in zip(prepared, contents, items, strict=True)]


def check_batch(context: Context, batch: list[tuple]) -> list[tuple]:
    """For each (csv lines, csv rows, ref, data): ("problems", [(line, field, code)]) from
    reading the cells, ("invalid", the schema's errors as plain data), ("entry", error) or
    ("ok", (receipt secret, row, identity rows, private, entry body, filler, content,
    short, key)): a Ready, taken apart."""
    results: list[tuple] = []
    checked, refs, slots = [], [], []
    for lines, rows, ref, data in batch:
        if rows is not None:
            data, problems = context.layout.data(lines, rows)
            if problems:
                results.append(("problems", problems))
                continue
        declaration, errors = schema.check(schema.Declaration, data)
        if declaration is None:
            results.append(("invalid", errors))
            continue
        slots.append(len(results))
        results.append(None)
        checked.append(declaration)
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
            # Plain tuples: they cross the process boundary cheaper than objects.
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
