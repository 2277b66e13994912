"""Security headers on every page; no cookie and no "Vary: Cookie" where there is no form."""

import re

import pytest
from django.test import Client, RequestFactory, override_settings

from tests.conftest import login_verified
from tests.factories import declaration_post, declare, person_fields
from tuidang.moderation import actions as moderation
from tuidang.registry import dates
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
DENIED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb",
                   "interest-cohort", "browsing-topics"]
ONION = "http://" + "a" * 56 + ".onion"

PUBLIC_PAGES = ["home", "statements", "statement", "day", "counting", "verify", "count.json",
                "checkpoint"]
FORM_PAGES = ["/en/declare/", "/en/receipt/", "/en/accounts/login/"]


@pytest.fixture
def published(mona) -> Declaration:
    """One declaration in the log, with an approved statement."""
    declare(Client(), "张三", statement_title="声明", statement_text="我宣布退出。")
    sequencer.drain()
    declaration = Declaration.objects.get()
    if declaration.status == "held":  # e.g. held by the abuse gate: a moderator accepts it
        moderation.decide(mona, declaration.pk, "accept", "test")
        sequencer.drain()
    moderation.decide(mona, declaration.pk, "approve-statement", "test")
    return declaration


def url_of(page: str, declaration: Declaration) -> str:
    return {
        "home": "/en/",
        "statements": "/en/statements/",
        "statement": f"/en/statements/{declaration.pk}/",
        "day": f"/en/statements/{dates.today().isoformat()}/",
        "counting": "/en/counting/",
        "verify": "/en/verify/",
        "count.json": "/count.json",
        "checkpoint": "/log/checkpoint",
    }[page]


def vary(response) -> list[str]:
    return [v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()]


def assert_security_headers(response) -> None:
    assert response["Content-Security-Policy"] == CSP
    policy = response["Permissions-Policy"]
    for feature in DENIED_FEATURES:
        assert f"{feature}=()" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def assert_nothing_inline(html: str) -> None:
    assert "<style" not in html
    assert not re.search(r"<[a-z][^>]*\sstyle\s*=", html, re.I)
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, re.I)
    for tag in re.findall(r"<script\b[^>]*>", html, re.I):
        assert " src=" in tag, tag


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_it_sets_no_cookie_and_no_vary_cookie_on_public_pages(published, page):
    response = Client().get(url_of(page, published))
    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in response.serialize_headers().decode()
    assert "cookie" not in vary(response)
    assert_security_headers(response)


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_it_keeps_every_public_page_free_of_inline_script_and_style(published, page):
    response = Client().get(url_of(page, published))
    if response["Content-Type"].startswith("text/html"):
        assert_nothing_inline(response.content.decode())


@pytest.mark.parametrize("url", FORM_PAGES)
def test_form_pages_set_at_most_the_csrf_cookie(url):
    response = Client().get(url)
    assert response.status_code == 200
    assert set(response.cookies) <= {"csrftoken"}
    assert_security_headers(response)
    assert_nothing_inline(response.content.decode())


def test_a_declarant_gets_no_session(client):
    client.get("/en/declare/")
    response = client.post("/en/declare/", declaration_post(person_fields(0, "张三")))
    assert response.status_code == 200
    assert set(response.cookies) <= {"csrftoken"}
    assert "sessionid" not in client.cookies
    receipt = client.post("/en/receipt/", {"code": "ABCDEFGHJKMNPQRSTVWX"})
    assert "sessionid" not in receipt.cookies and "sessionid" not in client.cookies


def test_error_and_staff_pages_carry_the_headers_too(client, alice):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert_security_headers(response)
    assert not response.cookies
    login_verified(client, alice)
    response = client.get("/en/helpers/")
    assert response.status_code == 200
    assert_security_headers(response)
    assert_nothing_inline(response.content.decode())
    assert "cookie" in vary(response)  # a logged-in page depends on the session: correct


def test_a_logged_in_visitor_gets_vary_cookie_on_public_pages(client, alice):
    login_verified(client, alice)
    response = client.get("/en/")
    assert "cookie" in vary(response)
    assert "My submissions" in response.content.decode()


def test_it_sends_hsts_only_when_https_is_on():
    assert "Strict-Transport-Security" not in Client().get("/en/")
    with override_settings(HTTPS=True, SECURE_HSTS_SECONDS=31_536_000):
        response = Client().get("/en/")
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_it_sends_onion_location_with_the_same_path_on_html_pages():
    assert "Onion-Location" not in Client().get("/en/statements/")
    with override_settings(ONION_LOCATION=ONION, ALLOWED_HOSTS=["testserver", ONION[7:]]):
        client = Client()
        page = client.get("/en/statements/?before=5")
        assert page["Onion-Location"] == ONION + "/en/statements/?before=5"
        assert "Onion-Location" not in client.get("/count.json")
        # Not on the onion service itself.
        assert "Onion-Location" not in client.get("/en/statements/", HTTP_HOST=ONION[7:])


def test_a_view_can_adjust_its_csp():
    from django.http import HttpResponse

    from tuidang.core.security import SecurityHeadersMiddleware, csp_override

    @csp_override(img_src=["'self'", "data:"])
    def view(request):
        return HttpResponse("<p>hi</p>")

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/en/"))
    assert "img-src 'self' data:;" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ONION_LOCATION": "http://example.org"}, "ONION_LOCATION must be"),
        ({"ONION_LOCATION": ONION + "/path"}, "ONION_LOCATION must be"),
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must be"),
        ({"HTTPS": "maybe"}, "HTTPS must be one of"),
        ({"LOGIN_THROTTLE_FAILURES": "0"}, "LOGIN_THROTTLE_FAILURES must be between"),
    ],
)
def test_hardening_settings_fail_loudly(tmp_path, env, message):
    from tests.test_settings import GOOD, load_settings

    result = load_settings(tmp_path, **GOOD, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_hardening_settings_accept_good_values(tmp_path):
    from tests.test_settings import GOOD, load_settings

    env = {"ONION_LOCATION": ONION + "/", "REDIS_URL": "redis://127.0.0.1:6379/0",
           "HTTPS": "1"}
    result = load_settings(tmp_path, **GOOD, **env)
    assert result.returncode == 0, result.stderr
