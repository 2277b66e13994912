"""The public declaration form, through HTTP: good posts, bad posts, and nothing half-saved."""

import re

import pytest
from django.test import Client

from tests.factories import declaration_post, declare, person_fields, receipt_code, stored_persons
from tuidang.registry.models import Declaration, PersonIdentity, StatementStatus, Status

pytestmark = pytest.mark.django_db


def test_it_shows_the_form_without_javascript(client):
    response = client.get("/en/declare/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="persons-0-display_name"' in html
    assert 'name="add_person"' in html
    # Only our own proof-of-work widget files, which the form does not need to work.
    scripts = re.findall(r"<script[^>]*>", html)
    assert all(re.search(r' src="/static/protection/[^"]+\.js"', t) for t in scripts)
    assert "Young Pioneers" in html and "wore the red scarf, adults too" in html


def test_it_accepts_one_person_and_shows_the_receipt_once(client):
    response = declare(client, "王小明")
    assert response.status_code == 200
    code = receipt_code(response)
    assert len(code.replace("-", "")) == 20
    declaration = Declaration.objects.get()
    assert declaration.status == Status.RECEIVED
    assert declaration.channel == "self"
    assert declaration.helper is None
    assert [p.display_name for p in declaration.persons] == ["王小明"]
    # Only a keyed hash of the code is stored, never the code.
    assert code not in str(Declaration.objects.values().get())
    assert code.replace("-", "") not in str(Declaration.objects.values().get())
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_stores_every_field_of_two_persons(client):
    data = declaration_post(
        person_fields(0, "张三", ["party", "league"], is_real_name="on", region="beijing",
                      sector="teacher"),
        person_fields(1, "小红", ["pioneers"], region="overseas", country="CA"),
        statement_title="我的声明", statement_text="我退出少先队。",
    )
    response = client.post("/en/declare/", data)
    assert response.status_code == 200
    declaration = Declaration.objects.get()
    first, second = declaration.persons
    assert (first.display_name, first.is_real_name, first.party, first.league, first.pioneers,
            first.region, first.sector) == ("张三", True, True, True, False, "beijing", "teacher")
    assert (second.region, second.country, second.pioneers) == ("overseas", "CA", True)
    assert (declaration.person_count, declaration.party_count, declaration.league_count,
            declaration.pioneers_count) == (2, 1, 1, 1)
    assert declaration.statement_status == StatementStatus.PENDING
    assert declaration.statement_text == "我退出少先队。"


def test_it_adds_a_person_row_without_saving(client):
    data = declaration_post(person_fields(0, "张三"))
    del data["submit"]
    data["add_person"] = "1"
    response = client.post("/en/declare/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="persons-1-display_name"' in html
    assert 'value="张三"' in html
    assert 'role="alert"' not in html
    assert not Declaration.objects.exists()


def test_it_ignores_an_added_row_left_empty(client):
    data = declaration_post(person_fields(0, "张三"))
    data["persons-TOTAL_FORMS"] = "2"
    response = client.post("/en/declare/", data)
    assert response.status_code == 200
    assert Declaration.objects.get().person_count == 1


def test_it_accepts_fifty_persons(client):
    persons = [person_fields(i, f"人{i}") for i in range(50)]
    response = client.post("/en/declare/", declaration_post(*persons))
    assert response.status_code == 200
    assert len(stored_persons()) == 50
    assert PersonIdentity.objects.count() == 49


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (declaration_post(person_fields(0, "")), "Enter a name to display"),
        (declaration_post(person_fields(0, "x" * 41)), "at most 40 characters"),
        (declaration_post(person_fields(0, "张三", [])), "Choose at least one organization"),
        (declaration_post(person_fields(0, "张三", ["army"])), "Select a valid choice"),
        (declaration_post(person_fields(0, "张\u0000三")), "letters, digits and punctuation"),
        (declaration_post(person_fields(0, "张\n三")), "letters, digits and punctuation"),
        (declaration_post(person_fields(0, "张三", region="overseas")), "Choose the country"),
        (declaration_post(person_fields(0, "张三", region="beijing", country="US")),
         "only with the region Overseas"),
        (declaration_post(person_fields(0, "张三", region="atlantis")), "Select a valid choice"),
        (declaration_post(person_fields(0, "张三", sector="spy")), "Select a valid choice"),
        (declaration_post(person_fields(0, "张三"), statement_text="字" * 5001),
         "at most 5000 characters"),
        (declaration_post(person_fields(0, "张三"), statement_title="题目"),
         "A title needs a statement text"),
        (declaration_post(person_fields(0, "张三"), person_fields(1, "张三")),
         "Each person appears only once"),
        (declaration_post(*[person_fields(i, f"人{i}") for i in range(51)]),
         "A declaration covers at most 50 persons"),
        ({"persons-TOTAL_FORMS": "1", "persons-INITIAL_FORMS": "0"}, "Enter a name"),
    ],
)
def test_it_rejects_bad_input_and_saves_nothing(client, data, message):
    response = client.post("/en/declare/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Nothing has been saved yet" in html
    assert not Declaration.objects.exists()
    assert not PersonIdentity.objects.exists()


def test_it_rejects_a_missing_management_form(client):
    response = client.post("/en/declare/", {"submit": "1"})
    assert response.status_code == 400
    assert not Declaration.objects.exists()


def test_it_shows_errors_in_the_users_language(client):
    response = client.post("/zh-hans/declare/", declaration_post(person_fields(0, "张三", [])))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose at least one organization" not in html
    assert "组织" in html


def test_it_requires_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = declare(client, "张三")
    assert response.status_code == 403
    assert not Declaration.objects.exists()


def test_it_refuses_other_methods(client):
    assert client.put("/en/declare/").status_code == 405
    assert client.delete("/en/declare/").status_code == 405
