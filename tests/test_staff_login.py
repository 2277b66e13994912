"""Staff log-in: a password and a TOTP code, enrolment, throttling, reset_2fa."""

import base64
import datetime
import io
import pickle
import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import login_verified
from tuidang.accounts import sessions

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"  # a distinctive client address that must not be kept anywhere
PASSWORDS = {"alice": "alice-password-123", "mona": "mona-password-123",
             "bob": "bob-password-123"}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def staff_client() -> Client:
    return Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="TraceMe/1.0")


def log_in(client: Client, username: str, password: str | None = None, **extra):
    data = {"username": username, "password": password or PASSWORDS[username], **extra}
    return client.post("/en/accounts/login/", data)


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    # Each accepted code can move the device's drift and last step; a stale copy
    # would compute the code for the wrong step once a 30 s boundary has passed.
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def secret_on_page(html: str) -> bytes:
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    return base64.b32decode(secret)


def enrol(client: Client, user) -> TOTPDevice:
    assert log_in(client, user.username)["Location"] == "/en/accounts/login/enrol/"
    return enrol_after_log_in(client, user)


def enrol_after_log_in(client: Client, user) -> TOTPDevice:
    client.get("/en/accounts/login/enrol/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/en/accounts/login/enrol/", {"code": code_for(device)})
    assert response.status_code == 302
    return device


def test_a_password_alone_reaches_no_helper_or_moderation_page(alice, mona):
    for user, pages in ((alice, ["/en/helpers/", "/en/helpers/declare/"]),
                        (mona, ["/en/moderation/", "/en/moderation/held/"])):
        client = staff_client()
        assert log_in(client, user.username).status_code == 302
        assert "sessionid" in client.cookies  # logged in, with the password only
        for page in pages:
            assert client.get(page).status_code == 403
        # With a device, the password step leads to the code step; still no access.
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        client = staff_client()
        assert log_in(client, user.username)["Location"] == "/en/accounts/login/code/"
        for page in pages:
            assert client.get(page).status_code == 403


def test_enrolment_shows_the_secret_and_a_server_drawn_qr_code(alice):
    client = staff_client()
    log_in(client, "alice")
    response = client.get("/en/accounts/login/enrol/")
    assert response.status_code == 200
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    assert secret_on_page(html) == device.bin_key
    figure = html.split('id="otp-qr">')[1].split("</figure>")[0]
    assert figure.startswith("<svg") and "<path" in figure
    assert "<script" not in html and "http" not in figure
    assert "no-store" in response["Cache-Control"]


def test_enrolment_refuses_a_wrong_code_and_accepts_the_right_one(alice):
    client = staff_client()
    log_in(client, "alice")
    html = client.get("/en/accounts/login/enrol/").content.decode()
    device = TOTPDevice.objects.get(user=alice)
    right = code_for(device)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    response = client.post("/en/accounts/login/enrol/", {"code": wrong})
    assert response.status_code == 400
    assert "This code is not right" in response.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/en/helpers/").status_code == 403
    assert secret_on_page(html) == device.bin_key  # the same secret until confirmed
    before = client.cookies["sessionid"].value
    response = client.post("/en/accounts/login/enrol/", {"code": right})
    assert response.status_code == 302
    assert response["Location"] == "/en/helpers/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.cookies["sessionid"].value != before  # a new session key
    assert client.get("/en/helpers/").status_code == 200
    # Once confirmed, the enrolment page shows no secret any more.
    assert client.get("/en/accounts/login/enrol/").status_code == 302


def test_a_second_log_in_asks_for_a_fresh_code(mona):
    device = enrol(staff_client(), mona)
    client = staff_client()
    assert log_in(client, "mona")["Location"] == "/en/accounts/login/code/"
    assert client.get("/en/accounts/login/code/").status_code == 200
    used = code_for(device)  # used at enrolment: a replay is refused
    assert client.post("/en/accounts/login/code/", {"code": used}).status_code == 400
    assert client.post("/en/accounts/login/code/", {"code": "12ab"}).status_code == 400
    response = client.post("/en/accounts/login/code/", {"code": code_for(device, 1)})
    assert response["Location"] == "/en/moderation/"
    assert client.get("/en/moderation/").status_code == 200


def test_it_takes_the_next_code_after_an_enrolment_that_crossed_a_step(alice):
    # The phone showed a code in one 30 s step and the post arrived in the next:
    # the device learns a drift of -1, and the following code must still work.
    client = staff_client()
    log_in(client, "alice")
    client.get("/en/accounts/login/enrol/")
    device = TOTPDevice.objects.get(user=alice)
    response = client.post("/en/accounts/login/enrol/", {"code": code_for(device, -1)})
    assert response["Location"] == "/en/helpers/"
    assert TOTPDevice.objects.get(user=alice).drift == -1
    other = staff_client()
    log_in(other, "alice")
    response = other.post("/en/accounts/login/code/", {"code": code_for(device, 1)})
    assert response["Location"] == "/en/helpers/"


def test_it_goes_back_to_the_page_asked_for_and_only_to_ours(alice):
    client = staff_client()
    response = client.get("/en/helpers/declare/")
    assert response["Location"] == "/en/accounts/login/?next=/en/helpers/declare/"
    response = log_in(client, "alice", next="/en/helpers/declare/")
    assert response["Location"] == "/en/accounts/login/enrol/?next=%2Fen%2Fhelpers%2Fdeclare%2F"
    client.get(response["Location"])
    device = TOTPDevice.objects.get(user=alice)
    response = client.post("/en/accounts/login/enrol/",
                           {"code": code_for(device), "next": "/en/helpers/declare/"})
    assert response["Location"] == "/en/helpers/declare/"
    other = staff_client()
    log_in(other, "alice", next="https://evil.example/")
    response = other.post("/en/accounts/login/code/",
                          {"code": code_for(device, 1), "next": "https://evil.example/"})
    assert response["Location"] == "/en/helpers/"


def test_staff_sessions_end_with_the_browser_and_log_out_clears_them(alice):
    client = staff_client()
    response = log_in(client, "alice")
    morsel = response.cookies["sessionid"]
    assert morsel["expires"] == "" and morsel["max-age"] == ""
    assert morsel["httponly"]
    assert client.get("/en/accounts/logout/").status_code == 405
    response = client.post("/en/accounts/logout/")
    assert response["Location"] == "/en/"
    assert response.cookies["sessionid"].value == ""
    assert client.get("/en/helpers/").status_code == 302


def test_staff_accounts_keep_dates_not_times(alice):
    device = enrol(staff_client(), alice)
    alice.refresh_from_db()
    device.refresh_from_db()
    for stamp in (alice.last_login, alice.date_joined, device.created_at, device.last_used_at):
        assert (stamp.hour, stamp.minute, stamp.second, stamp.microsecond) == (0, 0, 0, 0)


def test_sessions_keep_the_day_after_they_end_never_a_time(alice):
    client = staff_client()
    log_in(client, "alice")  # a password-only session is kept the same way
    started = time.time()
    row = Session.objects.get()
    end = row.expire_date
    assert (end.hour, end.minute, end.second, end.microsecond) == (0, 0, 0, 0)
    assert started + 8 * 3600 <= end.timestamp() < started + 8 * 3600 + 86400
    # The exact beginning is in the cookie only, signed.
    cookie = client.cookies["sessionid"].value
    assert cookie != row.session_key and cookie.startswith(row.session_key + ".")
    key, began = sessions.unseal(cookie, None)
    assert key == row.session_key and abs(began - started) < 5


def test_a_session_ends_after_its_age_whatever_the_database_keeps(alice, monkeypatch):
    client = staff_client()
    log_in(client, "alice")
    first = sessions.unseal(client.cookies["sessionid"].value, None)
    enrol_after_log_in(client, alice)
    second = sessions.unseal(client.cookies["sessionid"].value, None)
    assert second[0] != first[0] and second[1] == first[1]  # a new key, the same beginning
    assert client.get("/en/helpers/").status_code == 200
    later = time.time() + 8 * 3600 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert Session.objects.filter(session_key=second[0]).exists()
    assert client.get("/en/helpers/").status_code == 302


def test_a_forged_or_unsigned_session_cookie_opens_nothing(alice):
    client = staff_client()
    enrol(client, alice)
    assert client.get("/en/helpers/").status_code == 200
    key, began = sessions.unseal(client.cookies["sessionid"].value, None)
    assert key is not None
    for forged in (key, f"{key}.{began}", sessions.seal(key, began)[:-1] + "x"):
        client.cookies["sessionid"] = forged
        assert client.get("/en/helpers/").status_code == 302


def test_prune_sessions_deletes_ended_sessions_and_otp_failure_times(alice):
    client = staff_client()
    device = enrol(client, alice)
    current = Session.objects.get().session_key
    now = datetime.datetime.now(datetime.UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    Session.objects.create(session_key="ended" * 6, session_data="",
                           expire_date=midnight - datetime.timedelta(days=1))
    Session.objects.create(session_key="legacy" * 5, session_data="",
                           expire_date=now + datetime.timedelta(hours=7, microseconds=5))
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=now)
    out = io.StringIO()
    call_command("prune_sessions", stdout=out)
    assert "removed 2 ended session(s)" in out.getvalue()
    assert list(Session.objects.values_list("session_key", flat=True)) == [current]
    device.refresh_from_db()
    assert device.throttling_failure_timestamp is None
    assert client.get("/en/helpers/").status_code == 200


def test_a_failed_code_leaves_no_time_on_the_device(alice):
    device = enrol(staff_client(), alice)
    client = staff_client()
    log_in(client, "alice")
    wrong = f"{(int(code_for(device)) + 5) % 10**6:06d}"
    assert client.post("/en/accounts/login/code/", {"code": wrong}).status_code == 400
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert device.throttling_failure_timestamp is None


def database_dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def cache_contents() -> str:
    """Every key and value in the local-memory cache, as text."""
    from django.core.cache.backends.locmem import _caches

    texts = []
    for store in _caches.values():
        for key, value in store.items():
            texts.append(key)
            texts.append(repr(pickle.loads(value)))
    return "\n".join(texts)


def test_five_failed_passwords_lock_the_username_without_recording_an_address(alice, charlie):
    before = database_dump()
    client = staff_client()
    for _ in range(5):
        response = log_in(client, "alice", "wrong-password-123")
        assert response.status_code == 400
    response = log_in(client, "alice")  # the right password, but too late
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "sessionid" not in client.cookies
    # The same name, however written, from another client.
    assert log_in(staff_client(), "ALICE ", PASSWORDS["alice"]).status_code == 429
    # Nothing about the attempts in the database, and no address or name in the cache.
    assert database_dump() == before
    kept = cache_contents()
    assert "login-throttle" in kept
    assert ADDRESS not in kept and "TraceMe" not in kept and "alice" not in kept.lower()
    # Another account is not affected.
    assert log_in(staff_client(), "charlie", "charlie-password-123").status_code == 302


def test_failed_attempts_write_nothing_to_the_database(alice):
    TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    before = database_dump()
    for _ in range(3):
        log_in(staff_client(), "alice", "wrong-password-123")
    assert database_dump() == before


def test_five_failed_codes_lock_the_username(alice):
    client = staff_client()
    log_in(client, "alice")
    client.get("/en/accounts/login/enrol/")
    device = TOTPDevice.objects.get(user=alice)
    right = code_for(device)
    wrong = f"{(int(right) + 5) % 10**6:06d}"
    for _ in range(5):
        assert client.post("/en/accounts/login/enrol/", {"code": wrong}).status_code == 400
    response = client.post("/en/accounts/login/enrol/", {"code": right})
    assert response.status_code == 429
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert log_in(staff_client(), "alice").status_code == 429


def test_a_lock_ends_after_the_window(alice, monkeypatch):
    for _ in range(5):
        log_in(staff_client(), "alice", "wrong-password-123")
    assert log_in(staff_client(), "alice").status_code == 429
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert log_in(staff_client(), "alice").status_code == 302


@override_settings(LOGIN_THROTTLE_GLOBAL_FAILURES=3)
def test_a_global_limit_locks_every_log_in(alice, charlie, mona):
    log_in(staff_client(), "alice", "wrong-password-123")
    log_in(staff_client(), "charlie", "wrong-password-123")
    log_in(staff_client(), "mona", "wrong-password-123")
    assert log_in(staff_client(), "mona").status_code == 429
    assert log_in(staff_client(), "alice").status_code == 429


@override_settings(LOGIN_THROTTLE_GLOBAL_FAILURES=3)
def test_made_up_usernames_never_lock_a_real_account(alice, mona):
    for number in range(60):
        response = log_in(staff_client(), f"nobody{number}", "wrong-password-123")
        assert response.status_code == 400
    for _ in range(6):
        assert log_in(staff_client(), "mona").status_code == 302
    assert log_in(staff_client(), "alice").status_code == 302
    # A made-up name is still locked after its own five failures, like any other.
    for _ in range(5):
        log_in(staff_client(), "nobody", "wrong-password-123")
    assert log_in(staff_client(), "nobody", "wrong-password-123").status_code == 429


def test_a_completed_log_in_resets_the_count(alice):
    client = staff_client()
    for _ in range(4):
        log_in(client, "alice", "wrong-password-123")
    enrol(client, alice)
    for _ in range(4):
        assert log_in(staff_client(), "alice", "wrong-password-123").status_code == 400
    assert log_in(staff_client(), "alice").status_code == 302


def test_reset_2fa_removes_the_devices_and_the_access(alice):
    client = staff_client()
    enrol(client, alice)
    assert client.get("/en/helpers/").status_code == 200
    out = io.StringIO()
    call_command("reset_2fa", "alice", stdout=out)
    assert "removed 1 device" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert client.get("/en/helpers/").status_code == 403
    assert log_in(staff_client(), "alice")["Location"] == "/en/accounts/login/enrol/"
    with pytest.raises(CommandError, match="no account named"):
        call_command("reset_2fa", "nobody")


def test_login_verified_gives_tests_a_verified_session(bob, alice):
    client = Client()
    login_verified(client, alice)
    assert client.get("/en/helpers/").status_code == 200
    login_verified(client, bob)
    assert client.get("/en/helpers/").status_code == 403
