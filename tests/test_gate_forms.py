"""The abuse gate beyond declarations (issue 19): the contest form and the newsletter
sign-up pass it, and onion visitors, who all arrive as one address, have limits of their
own that a proof of work is not counted against."""

import pytest
from django.core.cache import cache

from tests.factories import declaration_post, declare, person_fields, receipt_code
from tests.test_protection import fetch_challenge, solve
from tuidang.moderation.models import Contest
from tuidang.newsletter.models import Subscriber
from tuidang.registry.models import Declaration, Status
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
ONION = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "onion"}  # as nginx's onion server


@pytest.fixture(autouse=True)
def protection(settings):
    settings.PROTECTION_POW_HOLD = True
    settings.PROTECTION_POW_MAXNUMBER = 50
    settings.PROTECTION_ADDRESS_HEADER = "X-Real-IP"
    for scope in ("DECLARATIONS", "RECEIPT_LOOKUPS", "CONTESTS", "SIGNUPS"):
        setattr(settings, f"PROTECTION_{scope}_PER_SUBMITTER", 2)
        setattr(settings, f"PROTECTION_{scope}_PER_MINUTE", 1000)
        setattr(settings, f"PROTECTION_ONION_{scope}_PER_WINDOW", 4)
    cache.clear()
    yield settings
    cache.clear()


def published(client) -> Declaration:
    declare(client, "张三", altcha=solve(fetch_challenge(client), 50))
    sequencer.drain()
    return Declaration.objects.get()


def contest(client, serial: int, meta: dict, **fields):
    return client.post("/en/contest/", {"serial": serial, "account": "不是我。" * 500, **fields},
                       **meta)


def sign_up(client, number: int, meta: dict, **fields):
    return client.post("/en/newsletter/", {
        "email": f"victim{number}@example.org", "language": "en", "consent": "on", **fields},
        **meta)


def from_address(address: str = ADDRESS) -> dict:
    return {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": address}


# -- the contest form and the newsletter sign-up ----------------------------------------


def test_contests_are_limited_per_submitter_and_refused_with_a_filled_honeypot(client):
    serial = published(client).pk
    assert contest(client, serial, from_address(), homepage="http://spam.example").status_code \
        == 400
    answers = [contest(client, serial, from_address()).status_code for _ in range(40)]
    assert answers == [200, 200] + [429] * 38
    page = contest(client, serial, from_address()).content.decode()
    assert "Too many forms have come from your connection" in page
    assert Contest.objects.count() == 2
    assert contest(client, serial, from_address("198.51.100.7")).status_code == 200


def test_sign_ups_are_limited_per_submitter_and_refused_with_a_filled_honeypot(client):
    assert sign_up(client, 0, from_address(), homepage="x").status_code == 400
    answers = [sign_up(client, n, from_address()).status_code for n in range(40)]
    assert answers == [200, 200] + [429] * 38
    assert Subscriber.objects.count() == 2
    assert sign_up(client, 99, from_address("198.51.100.7")).status_code == 200


def test_contests_and_sign_ups_are_limited_globally(client, protection):
    protection.PROTECTION_CONTESTS_PER_MINUTE = 1
    protection.PROTECTION_SIGNUPS_PER_MINUTE = 1
    serial = published(client).pk
    assert contest(client, serial, from_address("198.51.100.1")).status_code == 200
    response = contest(client, serial, from_address("198.51.100.2"))
    assert response.status_code == 429
    assert "Too many forms are arriving right now" in response.content.decode()
    assert sign_up(client, 1, from_address("198.51.100.1")).status_code == 200
    assert sign_up(client, 2, from_address("198.51.100.2")).status_code == 429
    assert Contest.objects.count() == 1 and Subscriber.objects.count() == 1


def test_both_forms_offer_the_proof_of_work_and_the_honeypot(client):
    for path in ("/en/contest/", "/en/newsletter/", "/en/receipt/"):
        html = client.get(path).content.decode()
        assert 'name="homepage"' in html and "<altcha-widget" in html
        assert "You can still send this form." in html


# -- the onion service --------------------------------------------------------------------


def post_declaration(client, name: str, meta: dict, **fields):
    return client.post("/en/declare/", declaration_post(person_fields(0, name), **fields),
                       **meta)


def test_onion_visitors_have_their_own_bucket_which_proofs_do_not_fill(client):
    # A flood without proofs fills the onion bucket (four a window here)...
    answers = [post_declaration(client, f"垃圾{n}", ONION).status_code for n in range(6)]
    assert answers == [200] * 4 + [429] * 2
    # ... yet every post with a proof of work still gets in, each paying its own work.
    for n in range(3):
        proof = solve(fetch_challenge(client), 50)
        assert post_declaration(client, f"真{n}", ONION, altcha=proof).status_code == 200
    sequencer.drain()
    proven = Declaration.objects.filter(hold_reason="").count()
    assert proven == 3 and Declaration.objects.filter(hold_reason="no-pow").count() == 4
    # A clearnet address keeps its own, smaller bucket.
    answers = [post_declaration(client, f"明{n}", from_address()).status_code for n in range(3)]
    assert answers == [200, 200, 429]


def circuit(number: int) -> dict:
    """As nginx's onion server passes a visitor whose circuit tor exported (deploy/tor)."""
    return {"REMOTE_ADDR": "127.0.0.1",
            "HTTP_X_REAL_IP": f"onion fc00:dead:beef:4dad::{number >> 16:x}:{number & 0xFFFF:x}"}


def test_each_onion_circuit_is_a_submitter_within_the_onion_bucket(client):
    # One circuit: the per-submitter limit (two here), as an address on the clearnet.
    answers = [post_declaration(client, f"甲{n}", circuit(7)).status_code for n in range(3)]
    assert answers == [200, 200, 429]
    # Another circuit is not held back by it; new circuits do not escape the bucket (four).
    assert [post_declaration(client, f"乙{n}", circuit(8)).status_code
            for n in range(2)] == [200, 200]
    assert post_declaration(client, "丙", circuit(9)).status_code == 429
    assert Declaration.objects.count() == 4
    # A proof of work passes the full bucket, but not its circuit's own limit.
    proof = solve(fetch_challenge(client), 50)
    assert post_declaration(client, "丁", circuit(10), altcha=proof).status_code == 200
    proof = solve(fetch_challenge(client), 50)
    assert post_declaration(client, "戊", circuit(7), altcha=proof).status_code == 429


def test_a_header_from_the_client_is_not_the_onion_without_a_proxy(client, protection):
    protection.PROTECTION_ADDRESS_HEADER = ""  # the connection's address is the client's
    answers = [post_declaration(client, f"名{n}", {"HTTP_X_REAL_IP": "onion"}).status_code
               for n in range(3)]
    assert answers == [200, 200, 429]


def lookup(client, code: str, meta: dict, path: str = "/en/receipt/", **fields):
    return client.post(path, {"code": code, **fields}, **meta)


def test_onion_look_ups_with_a_proof_and_their_follow_ups_pass_a_full_bucket(client):
    code = receipt_code(post_declaration(client, "张三", from_address("198.51.100.9"),
                                         altcha=solve(fetch_challenge(client), 50)))
    sequencer.drain()
    junk = [lookup(client, f"AAAA-BBBB-CCCC-DDDD-{n:04}", ONION).status_code for n in range(6)]
    assert junk == [200] * 4 + [429] * 2
    assert lookup(client, code, ONION).status_code == 429  # without a proof: refused
    page = lookup(client, code, ONION, altcha=solve(fetch_challenge(client), 50))
    assert page.status_code == 200 and 'id="receipt-status"' in page.content.decode()
    token = page.context["follow_up"]
    assert f'name="follow_up" value="{token}"' in page.content.decode()
    # Its follow-ups carry the token for this code, which spares them the bucket...
    proof = lookup(client, code, ONION, "/en/receipt/proof/", follow_up=token)
    assert proof.status_code == 200 and proof["Content-Type"] == "application/octet-stream"
    # ... and it is worth nothing for another code.
    other = lookup(client, "AAAA-BBBB-CCCC-DDDD-EEEE", ONION, "/en/receipt/proof/",
                   follow_up=token)
    assert other.status_code == 429
    retracted = lookup(client, code, ONION, "/en/receipt/retract/", follow_up=token,
                       confirm="yes")
    assert retracted.status_code == 200
    assert Declaration.objects.get().status == Status.REVOKED


def test_onion_contests_and_sign_ups_with_a_proof_pass_a_full_bucket(client):
    serial = published(client).pk
    assert [contest(client, serial, ONION).status_code for _ in range(5)] == [200] * 4 + [429]
    assert [sign_up(client, n, ONION).status_code for n in range(5)] == [200] * 4 + [429]
    proof = solve(fetch_challenge(client), 50)
    assert contest(client, serial, ONION, altcha=proof).status_code == 200
    proof = solve(fetch_challenge(client), 50)
    assert sign_up(client, 50, ONION, altcha=proof).status_code == 200
    # A proof is accepted once.
    assert sign_up(client, 51, ONION, altcha=proof).status_code == 429
    assert Contest.objects.count() == 5 and Subscriber.objects.count() == 5
