"""Generated form posts never cause a server error and never save anything partial."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import declaration_post, person_fields
from tuidang.registry.models import Declaration, PersonIdentity
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

names = st.text(min_size=0, max_size=45)
orgs = st.lists(st.sampled_from(["party", "league", "pioneers", "army", ""]), max_size=4)
optional = st.one_of(st.just(""), st.text(max_size=12), st.sampled_from(["beijing", "overseas"]))


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    persons=st.lists(st.tuples(names, orgs, optional, optional), min_size=1, max_size=3),
    title=st.text(max_size=30),
    text=st.text(max_size=60),
)
def test_it_never_fails_and_never_half_saves(persons, title, text):
    client = Client()
    before = (Declaration.objects.count(), PersonIdentity.objects.count())
    data = declaration_post(
        *[person_fields(i, name, o, region=region, country=country)
          for i, (name, o, region, country) in enumerate(persons)],
        statement_title=title, statement_text=text,
    )
    response = client.post("/en/declare/", data)
    assert response.status_code in (200, 400)
    after = (Declaration.objects.count(), PersonIdentity.objects.count())
    if response.status_code == 400:
        assert after == before
    else:
        declaration = Declaration.objects.latest("id")
        assert after == (before[0] + 1, before[1] + declaration.person_count - 1)
        assert len(declaration.persons) == declaration.person_count
        sequencer.drain()
        declaration.refresh_from_db()
        assert declaration.hold_reason != "entry"  # every accepted form makes a valid entry


@pytest.mark.parametrize(
    "data",
    [
        declaration_post(person_fields(0, "名" * 100_000)),
        declaration_post(person_fields(0, "张三"), statement_text="字" * 200_000),
        declaration_post(person_fields(0, "张三"), notes="x" * 100_000, contact="y" * 5_000),
        declaration_post(person_fields(0, "张三", private_real_name="真" * 10_000,
                                       birth_year="9" * 400)),
        {**declaration_post(person_fields(0, "张三")), "persons-TOTAL_FORMS": "100000"},
        {**declaration_post(person_fields(0, "张三")), "persons-TOTAL_FORMS": "-5"},
        declaration_post(person_fields(0, "张三", ["party"] * 5000)),
    ],
    ids=["name", "statement", "notes", "private-name-and-year", "total-forms", "negative",
         "orgs"],
)
def test_oversized_fields_are_refused_cleanly(client, data):
    response = client.post("/en/declare/", data)
    assert response.status_code == 400
    assert not Declaration.objects.exists()
    assert not PersonIdentity.objects.exists()
