"""Aliases offered on the spot: the generator, and the forms that offer them without
JavaScript (a click on one draws the form again with the name filled in)."""

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import login_verified
from tests.factories import declaration_post, person_fields, receipt_code
from tuidang.registry import aliases, schema
from tuidang.registry.identity import normalize_name
from tuidang.registry.models import Declaration

OFFERED = re.compile(r'name="use_alias" value="(\d+):([^"]+)"')


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**64), st.integers(1, 6))
def test_it_never_repeats_a_name_within_a_declaration(seed: int, per_draw: int):
    """Fill a declaration to the limit, a person at a time, each time taking one of the
    aliases offered for the names already in it: the schema takes the whole."""
    rng = random.Random(seed)
    names: list[str] = []
    while len(names) < schema.MAX_PERSONS:
        offered = aliases.suggest(per_draw, names, rng)
        assert len(offered) == per_draw
        assert len({normalize_name(n) for n in offered}) == per_draw
        assert not {normalize_name(n) for n in offered} & {normalize_name(n) for n in names}
        assert all(aliases.is_valid_name(n) for n in offered)
        names.append(rng.choice(offered))
    checked = schema.validate(schema.Declaration, {"persons": [
        {"display_name": n, "organizations": ["party"]} for n in names]})
    assert checked.ok, checked.errors
    assert [p.display_name for p in checked.data.persons] == names


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**64), st.lists(st.text(min_size=1, max_size=4), max_size=10))
def test_it_avoids_whatever_names_are_taken(seed: int, taken: list[str]):
    rng = random.Random(seed)
    taken = taken + aliases.suggest(10, rng=random.Random(seed))  # what rng would draw
    taken_keys = {normalize_name(n) for n in taken}
    for alias in aliases.suggest(10, taken, rng):
        assert normalize_name(alias) not in taken_keys
        assert aliases.is_valid_name(alias)


def test_it_checks_names_with_the_schemas_rule():
    assert aliases.is_valid_name("王小明")
    assert not aliases.is_valid_name("")
    assert not aliases.is_valid_name("王\n明")
    assert not aliases.is_valid_name("\u3164")
    assert not aliases.is_valid_name("王" * (schema.MAX_NAME_LENGTH + 1))


def test_the_surnames_come_most_often_as_in_china():
    rng = random.Random(7)
    draws = [aliases.draw(rng) for _ in range(5000)]
    wang = sum(d.startswith("王") for d in draws)
    rare = sum(d.startswith("汤") for d in draws)
    assert wang > 10 * rare
    assert all(2 <= len(d) <= 3 for d in draws)




@pytest.mark.django_db
def test_it_offers_aliases_on_the_declare_form_and_fills_one_in(client):
    html = client.get("/zh-hans/declare/").content.decode()
    offered = OFFERED.findall(html)
    assert len(offered) == 3 and {row for row, _ in offered} == {"0"}
    alias = offered[1][1]
    data = declaration_post(person_fields(0, "", is_real_name="on"), use_alias=f"0:{alias}")
    del data["submit"]
    response = client.post("/zh-hans/declare/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="persons-0-display_name" value="{alias}"' in html
    assert 'name="persons-0-is_real_name" checked' not in html  # an alias is not real
    assert alias not in [name for _row, name in OFFERED.findall(html)]
    assert Declaration.objects.count() == 0  # drawn again, nothing filed
    assert 'role="alert"' not in html  # and no errors shown yet

    response = client.post("/zh-hans/declare/", declaration_post(person_fields(0, alias)))
    assert receipt_code(response)
    assert [p.display_name for p in Declaration.objects.get().persons] == [alias]


@pytest.mark.django_db
def test_it_offers_no_alias_already_in_the_declaration(client, monkeypatch):
    """The offers exclude the names typed in every row (and repeat none)."""
    seen = []
    real = aliases.suggest
    monkeypatch.setattr(aliases, "suggest", lambda n, taken=(), rng=None: seen.append(
        list(taken)) or real(n, taken, rng))
    data = declaration_post(person_fields(0, "李明"), person_fields(1, "王芳"),
                            more_aliases="1")
    html = client.post("/zh-hans/declare/", data).content.decode()
    assert seen == [["李明", "王芳"]]
    offered = OFFERED.findall(html)
    assert [row for row, _ in offered] == ["0"] * 3 + ["1"] * 3
    assert len({normalize_name(n) for _row, n in offered}) == 6


@pytest.mark.django_db
def test_it_ignores_an_alias_for_a_row_that_is_not_there(client):
    data = declaration_post(person_fields(0, "李明"), use_alias="7:王芳")
    html = client.post("/zh-hans/declare/", data).content.decode()
    assert 'value="李明"' in html and "persons-7-" not in html
    assert Declaration.objects.count() == 0


@pytest.mark.django_db
def test_the_helper_form_offers_aliases_too(client, alice):
    login_verified(client, alice)
    html = client.get("/zh-hans/helpers/declare/").content.decode()
    offered = OFFERED.findall(html)
    assert len(offered) == 3
    data = declaration_post(person_fields(0, ""), channel="in-person",
                            use_alias=f"0:{offered[0][1]}")
    html = client.post("/zh-hans/helpers/declare/", data).content.decode()
    assert f'value="{offered[0][1]}"' in html
    assert Declaration.objects.count() == 0


@pytest.mark.django_db
def test_enter_in_a_field_submits_rather_than_taking_an_alias(client):
    """The form's first submit button is the one Enter presses: the declaration's own."""
    html = client.get("/zh-hans/declare/").content.decode()
    form = html[html.index('<form method="post" action="/zh-hans/declare/"'):]
    first = re.search(r"<button[^>]*>", form).group(0)
    assert 'type="submit"' in first and "name=" not in first
