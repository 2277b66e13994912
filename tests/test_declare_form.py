"""The declaration form without JavaScript: adding a person keeps the reader's place,
a person can be removed, the proof of work asks for nothing, and the form says before it
is sent that a one-time code is coming."""

import re

import pytest

from tests.factories import declaration_post, person_fields
from tuidang.registry.models import Declaration

pytestmark = pytest.mark.django_db


def three_persons(**extra) -> dict:
    data = declaration_post(person_fields(0, "甲", ["party"], region="beijing"),
                            person_fields(1, "乙", ["league"]),
                            person_fields(2, "丙", ["pioneers"], region="overseas", country="CA"))
    data.pop("submit")
    data.update(extra)
    return data


def test_adding_a_person_brings_the_reader_to_the_new_person(client):
    html = client.get("/zh-hans/declare/").content.decode()
    assert 'formaction="/zh-hans/declare/#person-2"' in html
    data = declaration_post(person_fields(0, "甲"))
    data.pop("submit")
    html = client.post("/zh-hans/declare/", {**data, "add_person": "1"}).content.decode()
    assert 'id="person-2"' in html and 'formaction="/zh-hans/declare/#person-3"' in html


def test_a_person_can_be_removed_and_the_others_keep_what_was_typed(client):
    html = client.post("/zh-hans/declare/", three_persons(remove_person="1")).content.decode()
    assert 'name="persons-TOTAL_FORMS" value="2"' in html
    assert 'value="甲"' in html and 'value="丙"' not in html.split('id="person-1"')[0]
    second = html.split('id="person-2"')[1].split('id="id_statement_title"')[0]
    assert 'value="丙"' in second and 'value="乙"' not in html
    assert re.search(r'value="pioneers" id="[^"]+" checked', second)
    assert '<option value="CA" selected>' in second
    assert Declaration.objects.count() == 0  # nothing is filed by removing


def test_the_last_person_cannot_be_removed_and_nonsense_changes_nothing(client):
    data = declaration_post(person_fields(0, "甲"))
    data.pop("submit")
    html = client.get("/zh-hans/declare/").content.decode()
    assert 'name="remove_person"' not in html  # one person: no remove button
    for value in ("0", "7", "x", "-1"):
        response = client.post("/zh-hans/declare/", {**data, "remove_person": value})
        assert response.status_code == 200
        assert 'name="persons-TOTAL_FORMS" value="1"' in response.content.decode()
    assert Declaration.objects.count() == 0


def test_the_form_says_a_code_is_coming_and_the_proof_of_work_asks_for_nothing(client):
    html = client.get("/zh-hans/declare/").content.decode()
    assert 'id="code-coming"' in html and "只显示一次" in html
    assert "无需勾选" in html
