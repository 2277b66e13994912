"""Derive the Traditional Chinese catalogue from the Simplified Chinese one.

Run ``python -m tuidang.core.make_hant`` after translating
``locale/zh_Hans/LC_MESSAGES/django.po``. Every msgstr is converted with OpenCC's ``s2twp``
configuration (Traditional characters with Taiwan phrasing) and written to
``locale/zh_Hant/LC_MESSAGES/django.po``.

An entry of the existing zh_Hant catalogue that a reviewer corrected by hand carries a
translator comment line ``# reviewed``; such an entry is kept as it is instead of being
converted again. If the zh_Hans text of a reviewed entry changes, delete its ``# reviewed``
line so that it is converted afresh, then review it again.

Entries are matched by msgid and msgctxt. A reviewed entry that is also fuzzy (msgmerge guessed
it for a changed msgid) is not trusted: it is converted afresh and its mark is dropped. Fuzzy
zh_Hans entries stay fuzzy, so they are not compiled.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from pathlib import Path

import opencc
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parent.parent.parent / "locale"
SOURCE = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
TARGET = LOCALE_DIR / "zh_Hant" / "LC_MESSAGES" / "django.po"
OPENCC_CONFIG = "s2twp"
REVIEWED = "reviewed"
HEADER_COMMENT = (
    "# Traditional Chinese translation of tuidang.\n"
    "# Generated from zh_Hans by tuidang.core.make_hant (OpenCC s2twp); entries marked\n"
    "# '# reviewed' were corrected by hand and are kept when it runs again.\n"
    "#"
)

# Python-format placeholders must survive the conversion unchanged.
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")

Key = tuple[str | tuple[str, ...], str | None]


def _read(path: Path, locale: str) -> Catalog:
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    # An empty "Language:" header makes Babel drop the locale, and with it the plural forms.
    catalog.locale = locale
    return catalog


def _key(message: Message) -> Key:
    return (message.id, message.context)


def is_reviewed(message: Message) -> bool:
    """Whether a translator comment marks the entry as corrected by hand."""
    return any(REVIEWED in comment.lower() for comment in message.user_comments)


# Where OpenCC's Taiwan phrases replace a term of the glossary (docs/i18n.md) with another
# word: 声明 is a declaration (聲明), not a court's 宣告; a moderator 审核 (審核), not an
# accountant's 稽核 (which stays for 审计, an audit). Applied only where the zh_Hans text
# has the term and not the other word itself.
GLOSSARY_FIXES = (("声明", "宣告", "聲明"), ("审核", "稽核", "審核"))


def _convert(converter: opencc.OpenCC, text: str) -> str:
    converted = converter.convert(text) if text else text
    for term, wrong, right in GLOSSARY_FIXES:
        if term in text and wrong in converted and wrong not in text:
            converted = converted.replace(wrong, right)
    if _PLACEHOLDER.findall(converted) != _PLACEHOLDER.findall(text):
        raise ValueError(f"OpenCC changed a placeholder in {text!r}")
    return converted


def _convert_string(
    converter: opencc.OpenCC, string: str | tuple[str, ...] | list[str]
) -> str | tuple[str, ...]:
    if isinstance(string, str):
        return _convert(converter, string)
    return tuple(_convert(converter, part) for part in string)


def build(source: Catalog, previous: Iterable[Message], config: str = OPENCC_CONFIG) -> Catalog:
    """Return the zh_Hant catalogue: ``source`` converted, reviewed ``previous`` entries kept."""
    converter = opencc.OpenCC(config)
    reviewed = {_key(m): m for m in previous if m.id and is_reviewed(m) and not m.fuzzy}
    target = Catalog(
        locale="zh_Hant",
        header_comment=HEADER_COMMENT,
        project=source.project,
        version=source.version,
        creation_date=source.creation_date,
        revision_date=source.revision_date,
        last_translator=source.last_translator,
        msgid_bugs_address=source.msgid_bugs_address,
        language_team="tuidang zh_Hant",
        fuzzy=False,
    )
    for message in source:
        if not message.id:
            continue
        kept = reviewed.get(_key(message))
        if kept is not None:
            string = kept.string
            user_comments = list(kept.user_comments)
        else:
            string = _convert_string(converter, message.string)
            user_comments = list(message.user_comments)
        target.add(
            message.id,
            string,
            auto_comments=message.auto_comments,
            user_comments=user_comments,
            flags=message.flags,
            context=message.context,
        )
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="zh_Hans django.po")
    parser.add_argument("--target", type=Path, default=TARGET, help="zh_Hant django.po")
    parser.add_argument("--config", default=OPENCC_CONFIG, help="OpenCC configuration")
    args = parser.parse_args(argv)

    source = _read(args.source, "zh_Hans")
    previous = list(_read(args.target, "zh_Hant")) if args.target.exists() else []
    for message in previous:
        if message.id and message.fuzzy and is_reviewed(message):
            print(f"fuzzy, converted again; review it: {message.id!r}")
    target = build(source, previous, args.config)
    args.target.parent.mkdir(parents=True, exist_ok=True)
    with args.target.open("wb") as po_file:
        write_po(po_file, target, width=76)
    kept = sum(1 for m in target if m.id and is_reviewed(m))
    total = sum(1 for m in target if m.id)
    print(f"wrote {args.target}: {total} entries, {kept} kept as reviewed")


if __name__ == "__main__":
    main()
