"""Abuse resistance: proof of work, no-JavaScript holds, honeypot, rate limits, surge switch."""

import base64
import datetime
import hashlib
import json
import pickle

import altcha
import pytest
from django.core.cache import cache

from tests.conftest import login_verified
from tests.factories import declaration_post, person_fields, receipt_code
from tuidang.protection import pow
from tuidang.protection.models import SurgeChange, SurgeMode, SurgeSetting
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"  # a distinctive client address (TEST-NET-3)


@pytest.fixture(autouse=True)
def protection(settings):
    """The gate as deployed: proof of work required, limits on, a fresh cache."""
    settings.PROTECTION_POW_HOLD = True
    settings.PROTECTION_POW_MAXNUMBER = 50
    settings.PROTECTION_POW_MAXNUMBER_HARD = 5000
    settings.PROTECTION_DECLARATIONS_PER_SUBMITTER = 100
    settings.PROTECTION_DECLARATIONS_PER_MINUTE = 1000
    settings.PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER = 100
    settings.PROTECTION_RECEIPT_LOOKUPS_PER_MINUTE = 1000
    settings.PROTECTION_ADDRESS_HEADER = ""
    cache.clear()
    yield settings
    cache.clear()


def fetch_challenge(client) -> dict:
    response = client.get("/altcha/challenge")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "application/json"
    assert not response.cookies
    return response.json()


def solve(challenge: dict, maxnumber: int = 10**7) -> str:
    """Brute force like the browser's SHA-256 worker, independently of the server library."""
    params = challenge["parameters"]
    assert params["algorithm"] == "SHA-256"
    salt, nonce = bytes.fromhex(params["salt"]), bytes.fromhex(params["nonce"])
    for counter in range(maxnumber):
        key = hashlib.sha256(salt + nonce + counter.to_bytes(4, "big")).digest()
        key = key[: params["keyLength"]].hex()
        if key.startswith(params["keyPrefix"]):
            solution = {"counter": counter, "derivedKey": key}
            return base64.b64encode(
                json.dumps({"challenge": challenge, "solution": solution}).encode()
            ).decode()
    raise AssertionError(f"no solution below {maxnumber}")


def counter_of(payload: str) -> int:
    return json.loads(base64.b64decode(payload))["solution"]["counter"]


def post(client, *names, address=ADDRESS, lang="en", meta=None, **fields):
    """The public form, as declare() posts it, from a given client address."""
    data = declaration_post(*[person_fields(i, name) for i, name in enumerate(names)], **fields)
    return client.post(f"/{lang}/declare/", data, REMOTE_ADDR=address, **(meta or {}))


def screened() -> Declaration:
    sequencer.drain()
    return Declaration.objects.get()


# Proof of work ---------------------------------------------------------------------------


def test_it_issues_signed_expiring_challenges_below_maxnumber(client):
    challenge = fetch_challenge(client)
    assert challenge["signature"]
    expires = challenge["parameters"]["expiresAt"]
    now = datetime.datetime.now(datetime.UTC).timestamp()
    assert now + 30 < expires <= now + 3600
    assert 25 <= counter_of(solve(challenge, 50)) < 50
    assert fetch_challenge(client)["parameters"]["nonce"] != challenge["parameters"]["nonce"]


def test_it_accepts_a_declaration_with_a_valid_proof(client):
    payload = solve(fetch_challenge(client), 50)
    response = post(client, "张三", altcha=payload)
    assert response.status_code == 200
    assert receipt_code(response)
    declaration = screened()
    assert (declaration.status, declaration.hold_reason) == ("accepted", "")


def test_it_holds_a_declaration_without_javascript(client):
    response = post(client, "张三")
    assert response.status_code == 200 and receipt_code(response)
    declaration = screened()
    assert (declaration.status, declaration.hold_reason) == ("held", "no-pow")


@pytest.mark.parametrize("payload", [
    "", "not base64 !", base64.b64encode(b"{}").decode(), base64.b64encode(b"[1]").decode(),
    "x" * 10_000,
])
def test_it_holds_a_declaration_with_a_malformed_proof(client, payload):
    post(client, "张三", altcha=payload)
    assert screened().hold_reason == "no-pow"


def test_it_holds_a_declaration_with_a_wrong_solution(client):
    challenge = fetch_challenge(client)
    payload = json.loads(base64.b64decode(solve(challenge, 50)))
    payload["solution"]["counter"] += 1
    forged = base64.b64encode(json.dumps(payload).encode()).decode()
    post(client, "张三", altcha=forged)
    assert screened().hold_reason == "no-pow"


def test_it_holds_a_declaration_with_a_challenge_it_did_not_sign(client):
    foreign = altcha.create_challenge(
        algorithm="SHA-256", cost=1, counter=3, hmac_secret="someone else's key",
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5),
    )
    post(client, "张三", altcha=solve(foreign.to_dict(), 50))
    assert screened().hold_reason == "no-pow"


def test_it_holds_a_declaration_with_an_easier_challenge_than_it_signed(client):
    challenge = fetch_challenge(client)
    challenge["parameters"]["keyPrefix"] = challenge["parameters"]["keyPrefix"][:2]
    post(client, "张三", altcha=solve(challenge, 50_000))
    assert screened().hold_reason == "no-pow"


def test_it_holds_a_declaration_with_an_expired_proof(client):
    expired = altcha.create_challenge(
        algorithm="SHA-256", cost=1, counter=3, hmac_secret=pow.hmac_key(),
        expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1),
    )
    post(client, "张三", altcha=solve(expired.to_dict(), 50))
    assert screened().hold_reason == "no-pow"


def test_it_accepts_a_proof_once(client):
    payload = solve(fetch_challenge(client), 50)
    post(client, "张三", altcha=payload)
    post(client, "李四", altcha=payload)
    sequencer.drain()
    statuses = list(Declaration.objects.order_by("id").values_list("status", "hold_reason"))
    assert statuses == [("accepted", ""), ("held", "no-pow")]


def test_it_needs_no_proof_from_a_helper(client, alice):
    login_verified(client, alice)
    data = declaration_post(person_fields(0, "王五"), channel="phone", consent="on")
    response = client.post("/en/helpers/declare/", data, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200, response.content.decode()
    assert (screened().status, screened().hold_reason) == ("accepted", "")


def test_it_holds_a_signed_in_non_helper_without_proof(client, bob):
    login_verified(client, bob)
    post(client, "张三")
    assert screened().hold_reason == "no-pow"


def test_a_helper_password_without_the_second_factor_exempts_nothing(client, alice):
    client.force_login(alice)
    post(client, "张三")
    assert screened().hold_reason == "no-pow"


def test_the_form_explains_itself_without_javascript_and_loads_only_our_files(client):
    html = client.get("/en/declare/").content.decode()
    assert '<altcha-widget challenge="/altcha/challenge"' in html
    assert 'auto="onsubmit"' in html
    assert "<noscript>" in html and "a moderator reviews it" in html
    assert '<script type="module" src="/static/protection/altcha/altcha.min.js">' in html
    assert '<script type="module" src="/static/protection/widget.js">' in html
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert "http://" not in html and "https://" not in html
    # The widget gets its strings in the page's language.
    assert 'language="zh-hans"' in client.get("/zh-hans/declare/").content.decode()
    assert "data-strings=" in html


def test_the_widget_files_are_served(client):
    for path in ("altcha/altcha.min.js", "altcha/altcha.css", "altcha/workers/sha.js",
                 "widget.js", "protection.css"):
        response = client.get(f"/static/protection/{path}")
        assert response.status_code == 200, path
        b"".join(response.streaming_content if response.streaming else [response.content])


def test_the_helper_form_has_the_honeypot_but_no_widget(client, alice):
    login_verified(client, alice)
    html = client.get("/en/helpers/declare/").content.decode()
    assert 'name="homepage"' in html
    assert "altcha-widget" not in html


# Honeypot --------------------------------------------------------------------------------


def test_the_honeypot_is_out_of_sight(client):
    html = client.get("/en/declare/").content.decode()
    start = html.index('<div class="hp-field" aria-hidden="true">')
    field = html[start : html.index("</div>", start)]
    assert 'name="homepage"' in field
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    css = b"".join(client.get("/static/protection/protection.css").streaming_content).decode()
    assert ".hp-field" in css


def test_it_refuses_a_filled_honeypot_and_stores_nothing(client):
    payload = solve(fetch_challenge(client), 50)
    response = post(client, "张三", altcha=payload, homepage="http://spam.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="refused"' in html and "could not be accepted" in html
    assert 'id="receipt-code"' not in html
    assert not Declaration.objects.exists()


def test_it_refuses_a_helpers_filled_honeypot_too(client, alice):
    login_verified(client, alice)
    data = declaration_post(person_fields(0, "王五"), channel="phone", consent="on",
                            homepage="x")
    assert client.post("/en/helpers/declare/", data).status_code == 400
    assert not Declaration.objects.exists()


# Rate limits -----------------------------------------------------------------------------


def cache_contents() -> bytes:
    """Every key and value in the local-memory cache, as bytes to search."""
    store = cache._cache  # locmem: {key: pickled value}
    assert store, "the cache is empty"
    return b"\n".join(key.encode() + b"=" + value for key, value in store.items())


def assert_no_address_in_cache():
    contents = cache_contents()
    for needle in (ADDRESS, ADDRESS.replace(".", ""), "203.0.113"):
        assert needle.encode() not in contents
    assert pickle.dumps(ADDRESS) not in contents


def test_it_limits_declarations_per_submitter(client, protection):
    protection.PROTECTION_DECLARATIONS_PER_SUBMITTER = 3
    for name in ("一", "二", "三"):
        assert post(client, name).status_code == 200
    response = post(client, "四")
    assert response.status_code == 429
    assert "Too many declarations have come from your connection" in response.content.decode()
    assert Declaration.objects.count() == 3
    # Another address is not affected.
    assert post(client, "五", address="198.51.100.9").status_code == 200
    assert_no_address_in_cache()


def test_it_limits_declarations_globally(client, protection):
    protection.PROTECTION_DECLARATIONS_PER_MINUTE = 2
    assert post(client, "一", address="198.51.100.1").status_code == 200
    assert post(client, "二", address="198.51.100.2").status_code == 200
    response = post(client, "三")
    assert response.status_code == 429
    assert "Too many declarations are arriving right now" in response.content.decode()
    assert Declaration.objects.count() == 2
    assert_no_address_in_cache()


def test_a_helper_is_not_limited_per_address(client, alice, protection):
    protection.PROTECTION_DECLARATIONS_PER_SUBMITTER = 1
    login_verified(client, alice)
    for name in ("一", "二", "三"):
        data = declaration_post(person_fields(0, name), channel="hotline", consent="on")
        assert client.post("/en/helpers/declare/", data, REMOTE_ADDR=ADDRESS).status_code == 200


def test_submitter_hashes_change_with_the_window_key(client, protection):
    post(client, "一")
    keys = [k for k in cache._cache if ":rate:declare:" in k and ":all:" not in k]
    assert len(keys) == 1
    window_keys = [k for k in cache._cache if "window-key" in k]
    assert len(window_keys) == 1
    # The window key and the counters expire with the window (a few minutes at most).
    import time
    for key in keys + window_keys:
        assert cache._expire_info[key] - time.time() <= protection.PROTECTION_WINDOW + 2
    cache.delete(window_keys[0].split(":", 2)[2])  # a new window key: a new, unlinkable hash
    post(client, "二")
    keys_after = [k for k in cache._cache if ":rate:declare:" in k and ":all:" not in k]
    assert len(keys_after) == 2


def test_it_reads_the_address_from_the_proxy_header_when_configured(client, protection):
    protection.PROTECTION_ADDRESS_HEADER = "X-Real-IP"
    protection.PROTECTION_DECLARATIONS_PER_SUBMITTER = 1
    assert post(client, "一", address="127.0.0.1",
                meta={"HTTP_X_REAL_IP": ADDRESS}).status_code == 200
    assert post(client, "二", address="127.0.0.1",
                meta={"HTTP_X_REAL_IP": "198.51.100.3"}).status_code == 200
    assert post(client, "三", address="127.0.0.1",
                meta={"HTTP_X_REAL_IP": ADDRESS}).status_code == 429
    assert_no_address_in_cache()


def lookup(client, code, path="/en/receipt/"):
    return client.post(path, {"code": code}, REMOTE_ADDR=ADDRESS)


def test_it_limits_receipt_lookups_per_submitter(client, protection):
    protection.PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER = 10
    code = receipt_code(post(client, "张三"))
    for i in range(9):
        assert lookup(client, f"AAAA-BBBB-CCCC-DDDD-{i:04}").status_code == 200
    assert 'id="receipt-status"' in lookup(client, code).content.decode()
    response = lookup(client, code)  # the eleventh, even with the right code
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many receipt look-ups have come from your connection" in html
    assert 'id="receipt-status"' not in html
    for path in ("/en/receipt/proof/", "/en/receipt/entry/", "/en/receipt/retract/"):
        response = lookup(client, code, path)
        assert response.status_code == 429
        assert response["Content-Type"].startswith("text/html")
    assert lookup(client, code).status_code == 429
    # Another address may still look up.
    other = client.post("/en/receipt/", {"code": code}, REMOTE_ADDR="198.51.100.4")
    assert 'id="receipt-status"' in other.content.decode()
    assert_no_address_in_cache()


def test_it_limits_receipt_lookups_globally(client, protection):
    protection.PROTECTION_RECEIPT_LOOKUPS_PER_MINUTE = 2
    code = receipt_code(post(client, "张三"))
    assert client.post("/en/receipt/", {"code": code}, REMOTE_ADDR="198.51.100.5").status_code \
        == 200
    assert client.post("/en/receipt/", {"code": code}, REMOTE_ADDR="198.51.100.6").status_code \
        == 200
    response = lookup(client, code)
    assert response.status_code == 429
    assert "Too many receipt look-ups right now" in response.content.decode()


def test_a_limit_of_zero_is_no_limit(client, protection):
    protection.PROTECTION_DECLARATIONS_PER_SUBMITTER = 0
    protection.PROTECTION_DECLARATIONS_PER_MINUTE = 0
    for i in range(5):
        assert post(client, f"名{i}").status_code == 200


# Surge switch ----------------------------------------------------------------------------


def set_mode(client, mode):
    return client.post("/en/moderation/surge/", {"mode": mode})


def test_hold_all_holds_every_new_declaration(client, mona):
    login_verified(client, mona)
    assert set_mode(client, "hold-all").status_code == 302
    client.logout()
    post(client, "张三", altcha=solve(fetch_challenge(client), 50))
    assert (screened().status, screened().hold_reason) == ("held", "surge")


def test_hold_all_holds_helpers_too(client, alice, mona):
    SurgeSetting.objects.create(pk=1, mode="hold-all")
    login_verified(client, alice)
    data = declaration_post(person_fields(0, "王五"), channel="phone", consent="on")
    client.post("/en/helpers/declare/", data)
    assert screened().hold_reason == "surge"


def test_hard_mode_raises_the_difficulty(client, mona):
    normal = [counter_of(solve(fetch_challenge(client), 50)) for _ in range(3)]
    assert all(c < 50 for c in normal)
    login_verified(client, mona)
    set_mode(client, "hard")
    client.logout()
    challenge = fetch_challenge(client)
    payload = solve(challenge, 5000)
    assert 2500 <= counter_of(payload) < 5000
    post(client, "张三", altcha=payload)
    assert screened().hold_reason == ""


def test_back_to_normal(client, mona):
    login_verified(client, mona)
    set_mode(client, "hold-all")
    set_mode(client, "normal")
    client.logout()
    post(client, "张三", altcha=solve(fetch_challenge(client), 50))
    assert screened().status == "accepted"


def test_the_surge_page_records_who_changed_what(client, mona):
    login_verified(client, mona)
    html = client.get("/en/moderation/surge/").content.decode()
    assert 'data-mode="normal"' in html and "The mode has never been changed." in html
    response = set_mode(client, "hard")
    assert response["Location"] == "/en/moderation/surge/"
    change = SurgeChange.objects.get()
    assert (change.moderator, change.mode) == (mona, "hard")
    assert change.changed_at is not None
    html = client.get("/en/moderation/surge/").content.decode()
    assert 'data-mode="hard"' in html and "mona" in html
    assert "Harder proof of work" in html


def test_the_surge_page_rejects_an_unknown_mode(client, mona):
    login_verified(client, mona)
    assert set_mode(client, "off").status_code == 400
    assert not SurgeChange.objects.exists()
    assert SurgeSetting.current() == "normal"


def test_the_surge_page_asks_anonymous_visitors_to_log_in(client):
    assert client.get("/en/moderation/surge/").status_code == 302
    assert set_mode(client, "hold-all").status_code == 302
    assert SurgeSetting.current() == "normal"


def test_the_surge_page_is_for_moderators_only(client, alice, bob):
    for user in (alice, bob):
        login_verified(client, user)
        assert client.get("/en/moderation/surge/").status_code == 403
        assert set_mode(client, "hold-all").status_code == 403
    assert SurgeSetting.current() == "normal"
    assert not SurgeChange.objects.exists()


def test_the_surge_page_allows_only_get_and_post(client, mona):
    login_verified(client, mona)
    assert client.put("/en/moderation/surge/").status_code == 405
    assert client.delete("/en/moderation/surge/").status_code == 405
    assert client.post("/altcha/challenge").status_code == 405


def test_moderators_see_why_a_declaration_is_held(client, mona):
    post(client, "张三")
    sequencer.drain()
    login_verified(client, mona)
    html = client.get("/en/moderation/held/").content.decode()
    assert "Sent without proof of work" in html
    assert "/en/moderation/surge/" in html


def test_the_surge_mode_is_asked_by_one_thread_when_its_second_is_up(
        django_assert_num_queries):
    from tuidang.protection import models

    SurgeSetting.objects.create(pk=1, mode=SurgeMode.HOLD_ALL)  # forgets what it knew
    with django_assert_num_queries(1):
        assert SurgeSetting.current() == SurgeMode.HOLD_ALL
        assert SurgeSetting.current() == SurgeMode.HOLD_ALL  # kept for a second
    SurgeSetting.objects.filter(pk=1).update(mode=SurgeMode.NORMAL)  # another process
    models._current[1] = 1.0  # the second is up (long ago)
    with models._asking, django_assert_num_queries(0):
        # Another thread is asking: this one goes on with the mode it had.
        assert SurgeSetting.current() == SurgeMode.HOLD_ALL
    with django_assert_num_queries(1):
        assert SurgeSetting.current() == SurgeMode.NORMAL
