"""Helpers submit for people who asked them and see only their own submissions."""

import pytest

from tests.conftest import login_verified
from tests.factories import declaration_post, person_fields, receipt_code
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db


def helper_post(name="张三", **fields):
    data = declaration_post(person_fields(0, name), channel="phone", consent="on")
    data.update(fields)
    return data


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/en/helpers/declare/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")
    assert client.post("/en/helpers/declare/", helper_post()).status_code == 302
    assert not Declaration.objects.exists()


def test_it_forbids_accounts_that_are_not_helpers(client, bob):
    login_verified(client, bob)
    assert client.get("/en/helpers/").status_code == 403
    assert client.post("/en/helpers/declare/", helper_post()).status_code == 403
    assert not Declaration.objects.exists()


def test_it_forbids_a_deactivated_helper(client, alice):
    alice.is_active = False
    alice.save()
    login_verified(client, alice)
    assert client.get("/en/helpers/").status_code in (302, 403)


def test_it_submits_for_someone_with_consent(client, alice):
    login_verified(client, alice)
    response = client.post("/en/helpers/declare/", helper_post())
    assert response.status_code == 200
    assert receipt_code(response)
    declaration = Declaration.objects.get()
    assert (declaration.helper, declaration.channel) == (alice, "phone")


def test_it_refuses_without_consent(client, alice):
    login_verified(client, alice)
    data = helper_post()
    del data["consent"]
    response = client.post("/en/helpers/declare/", data)
    assert response.status_code == 400
    assert "Submit only for people who asked you to" in response.content.decode()
    assert not Declaration.objects.exists()


def test_it_refuses_a_channel_that_is_not_a_helpers(client, alice):
    login_verified(client, alice)
    response = client.post("/en/helpers/declare/", helper_post(channel="self"))
    assert response.status_code == 400
    assert not Declaration.objects.exists()


def test_it_shows_a_helper_their_own_submissions_and_counts(client, alice, charlie):
    login_verified(client, alice)
    client.post("/en/helpers/declare/", helper_post("张三"))
    client.post("/en/helpers/declare/", helper_post("李四", channel="hotline"))
    login_verified(client, charlie)
    client.post("/en/helpers/declare/", helper_post("王五"))
    sequencer.drain()
    login_verified(client, alice)
    html = client.get("/en/helpers/").content.decode()
    assert "张三" in html and "李四" in html
    assert "王五" not in html
    assert 'id="my-declarations">2<' in html
    assert 'id="my-counted">2<' in html


def test_it_counts_helper_channels_publicly_without_naming_the_helper(client, alice):
    login_verified(client, alice)
    client.post("/en/helpers/declare/", helper_post("张三", channel="hotline"))
    sequencer.drain()
    data = client.get("/count.json").json()
    assert data["by_channel"] == {"hotline": 1}
    bundle = client.get("/log/tile/entries/000.p/1").content
    assert b"channel hotline\n" in bundle
    assert b"alice" not in bundle and b"helper" not in bundle


def test_helper_pages_refuse_other_methods(client, alice):
    login_verified(client, alice)
    assert client.post("/en/helpers/").status_code == 405
    assert client.put("/en/helpers/declare/").status_code == 405
