"""The declaration form's "all three" box (退党团队): one tick quits the Party, the League
and the Pioneers, in both lanes (they read the post with the same declaring.form_input),
and the schema, the API and the imports never see it."""

import pytest
from django.http import QueryDict

from tests.factories import declaration_post, person_fields, person_named
from tuidang.declaring import flow
from tuidang.registry import schema
from tuidang.registry.models import Declaration

pytestmark = pytest.mark.django_db


def test_it_offers_all_three_first_in_each_language(client):
    for lang, label in (("zh-hans", "全部三个"), ("zh-hant", "全部三個"),
                        ("en", "All three")):
        html = client.get(f"/{lang}/declare/").content.decode()
        boxes = html.split('name="persons-0-organizations"')
        assert 'value="all"' in boxes[1][:40], "the first box is all three"
        assert label in html
        inputs = [part.split(">")[0] for part in boxes[1:]]
        assert len(inputs) == 4 and not any("checked" in tag for tag in inputs)


def test_one_tick_quits_all_three(client):
    response = client.post("/en/declare/", declaration_post(person_fields(0, "王五", ("all",))))
    assert response.status_code == 200 and 'id="receipt-code"' in response.content.decode()
    person = person_named("王五")
    assert (person.party, person.league, person.pioneers) == (True, True, True)


def test_all_three_with_some_boxes_ticked_is_still_all_three(client):
    client.post("/en/declare/",
                declaration_post(person_fields(0, "赵六", ("all", "pioneers"))))
    person = person_named("赵六")
    assert (person.party, person.league, person.pioneers) == (True, True, True)


def test_nothing_ticked_is_still_refused_and_nothing_is_stored(client):
    response = client.post("/zh-hans/declare/", declaration_post(person_fields(0, "钱七", ())))
    assert response.status_code == 400
    assert not Declaration.objects.exists()


def test_the_express_lane_reads_it_the_same_way():
    post = QueryDict(mutable=True)
    post.update(declaration_post(person_fields(0, "孙八", ("all",))))
    post.setlist("persons-0-organizations", ["all"])
    data, _rows = flow.form_input(post, schema.Declaration)
    assert data["persons"][0]["organizations"] == ["party", "league", "pioneers"]
    assert schema.validate(schema.Declaration, data).ok


def test_the_schema_does_not_accept_all():
    data = {"persons": [{"display_name": "周九", "organizations": ["all"]}]}
    assert not schema.validate(schema.Declaration, data).ok
