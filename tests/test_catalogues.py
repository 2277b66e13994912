"""The catalogues are complete: every message of zh_Hans and zh_Hant translated, none
fuzzy, and every {% translate "…" %} of the templates in them (a string added to a page
without running makemessages would show in English on a Chinese page)."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ["zh_Hans", "zh_Hant"]
TRANSLATE_TAG = re.compile(r'{%\s*translate\s+"((?:[^"\\]|\\.)*)"(?:\s+context\s+"([^"]*)")?')


def catalogue(locale: str):
    with open(ROOT / "locale" / locale / "LC_MESSAGES" / "django.po", "rb") as po:
        return read_po(po)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_and_none_is_fuzzy(locale):
    missing, fuzzy = [], []
    for message in catalogue(locale):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            missing.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert missing == [] and fuzzy == [], (missing, fuzzy)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_translate_tag_of_the_templates_is_in_the_catalogue(locale):
    known = {(message.context, message.id if isinstance(message.id, str) else message.id[0])
             for message in catalogue(locale)}
    absent = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        for text, context in TRANSLATE_TAG.findall(template.read_text()):
            if (context or None, text) not in known:
                absent.append(f"{template.relative_to(ROOT)}: {text}")
    assert absent == []
