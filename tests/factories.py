"""Building declarations through the real form posts."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.test import Client


@contextmanager
def received_on(day: datetime.date) -> Iterator[None]:
    """Declarations stored (and sequenced) meanwhile are received on `day`, as if the
    clock said so: every part reads the day from registry.dates.today()."""
    with mock.patch("tuidang.registry.dates.today", return_value=day):
        yield


def person_fields(index: int, name: str, orgs=("party",), **extra) -> dict:
    data = {f"persons-{index}-display_name": name, f"persons-{index}-organizations": list(orgs)}
    for key, value in extra.items():
        data[f"persons-{index}-{key}"] = value
    return data


def declaration_post(*persons: dict, **fields) -> dict:
    data = {
        "persons-TOTAL_FORMS": str(len(persons)),
        "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "1",
        "persons-MAX_NUM_FORMS": "50",
        "submit": "1",
        "statement_title": "",
        "statement_text": "",
    }
    for person in persons:
        data.update(person)
    data.update(fields)
    return data


def declare(client: Client, *names: str, lang: str = "en", **fields):
    """Post the public form for the given names (each quitting the Party)."""
    persons = [person_fields(i, name) for i, name in enumerate(names)]
    return client.post(f"/{lang}/declare/", declaration_post(*persons, **fields))


def receipt_code(response) -> str:
    html = response.content.decode()
    start = html.index('id="receipt-code">') + len('id="receipt-code">')
    return html[start : html.index("<", start)].strip()


# -- the stored persons (packed in their declarations' rows: registry/people.py) --------


def packed(*persons: dict) -> bytes:
    """Declaration.people for persons given as {"display_name": …, "party": True, …}."""
    from tuidang.registry import people

    return people.pack((p["display_name"], p.get("is_real_name", False), p.get("party", False),
                        p.get("league", False), p.get("pioneers", False), p.get("region", ""),
                        p.get("country", ""), p.get("sector", ""), p.get("salt", b"s" * 16))
                       for p in persons)


def stored_persons() -> list:
    """Every person of every stored declaration, in serial order."""
    from tuidang.registry.models import Declaration

    return [p for d in Declaration.objects.order_by("id") for p in d.persons]


def declaration_naming(name: str):
    """The one stored declaration that names a person `name`."""
    from tuidang.registry.models import Declaration

    [found] = [d for d in Declaration.objects.order_by("id")
               if any(p.display_name == name for p in d.persons)]
    return found


def person_named(name: str):
    """The one stored person called `name`."""
    [found] = [p for p in stored_persons() if p.display_name == name]
    return found
