"""No lasting trace on the device: no cookie outlives the browser session, pages with a
form are never cached, and the README says truthfully which pages set which cookie."""

import re

import pytest
from django.test import Client

from tests.conftest import login_verified
from tests.factories import declaration_post, person_fields, receipt_code
from tests.service import ROOT
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def set_cookies(response) -> list[str]:
    """The Set-Cookie lines of a response, as the browser gets them."""
    return [morsel.OutputString() for morsel in response.cookies.values()]


def assert_session_only(response) -> None:
    for line in set_cookies(response):
        assert not re.search(r"(?i)\b(expires|max-age)=", line), line


def readme_row(heading: str) -> str:
    """The row of the README's cookie table that starts with `heading`."""
    readme = (ROOT / "README.md").read_text()
    [row] = [line for line in readme.splitlines() if line.startswith(f"| {heading}")]
    return row


def paths_in(row: str) -> list[str]:
    return [path.replace("<lang>", "en") for path in re.findall(r"`(/[^`]*)`", row)]


class Visitor:
    """A browser without JavaScript: keeps its cookies, posts the forms it was shown."""

    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.responses = []

    def get(self, path: str):
        response = self.client.get(path)
        self.responses.append(response)
        self.page = response.content.decode()
        return response

    def post(self, path: str, data: dict):
        token = TOKEN.search(self.page)[1]
        response = self.client.post(path, {**data, "csrfmiddlewaretoken": token})
        self.responses.append(response)
        return response


def test_it_sets_no_cookie_that_outlives_the_session_in_a_whole_visit(mona):
    visitor = Visitor()
    for path in ["/en/", "/en/declare/"]:
        visitor.get(path)
    token = FORM_TOKEN.search(visitor.page)[1]
    receipt = visitor.post("/en/declare/", declaration_post(
        person_fields(0, "无痕"), statement_text="我退出。", form_token=token))
    code = receipt_code(receipt)
    visitor.client.post("/en/receipt/issued/", {"code": code})  # the language switch
    visitor.client.post("/en/receipt/text/", {"code": code})  # the download
    sequencer.drain()
    for path in ["/en/statements/", "/en/counting/", "/en/privacy/declarants/", "/count.json",
                 "/log/checkpoint", "/en/receipt/"]:
        visitor.get(path)
    visitor.post("/en/receipt/", {"code": code})
    visitor.get("/en/contest/")
    visitor.post("/en/contest/", {"serial": Declaration.objects.get().pk, "account": "不是我"})
    visitor.get("/en/receipt/")
    visitor.post("/en/receipt/retract/", {"code": code, "confirm": "yes"})
    visitor.get("/en/newsletter/")
    visitor.post("/en/newsletter/", {"email": "trace@example.org", "language": "en",
                                     "consent": "on"})
    assert Declaration.objects.get().status == "revoked"  # the visit really happened
    names = set()
    for response in visitor.responses:
        assert response.status_code in (200, 302), (response.status_code, response.request)
        assert_session_only(response)
        names.update(response.cookies)
    assert names == {"csrftoken"}
    assert "sessionid" not in visitor.client.cookies


def test_a_staff_session_ends_with_the_browser_too(client, alice):
    login_verified(client, alice)  # a device, so the password step asks for its code
    client.cookies.clear()
    response = client.post("/en/accounts/login/", {"username": "alice",
                                                   "password": "alice-password-123"})
    assert response.status_code == 302 and "sessionid" in response.cookies
    assert_session_only(response)


def test_the_readmes_form_pages_set_the_csrf_cookie_only_and_are_never_cached():
    paths = paths_in(readme_row("The pages with a form"))
    assert "/en/declare/" in paths and "/en/receipt/" in paths
    for path in paths:
        response = Client().get(path)
        assert response.status_code == 200, path
        assert set(response.cookies) == {"csrftoken"}, path
        assert_session_only(response)
        assert "no-store" in response["Cache-Control"], path


def test_the_readmes_other_pages_set_no_cookie():
    paths = paths_in(readme_row("Every other page"))
    assert "/en/privacy/declarants/" in paths
    for path in [*paths, "/en/", "/en/statements/", "/en/verify/", "/count.json"]:
        response = Client().get(path)
        assert response.status_code == 200, path
        assert not response.cookies, path


def test_every_answer_to_a_form_is_never_cached(client):
    client.get("/en/declare/")
    answers = [
        client.post("/en/declare/", declaration_post(person_fields(0, "张三"))),
        client.post("/en/declare/", declaration_post(person_fields(0, ""))),  # refused
        client.post("/en/receipt/", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE"}),
        client.post("/en/newsletter/", {"email": "x@example.org", "language": "en",
                                        "consent": "on"}),
    ]
    code = receipt_code(answers[0])
    answers += [client.post("/en/receipt/", {"code": code}),
                client.post("/en/receipt/issued/", {"code": code}),
                client.post("/en/receipt/text/", {"code": code})]
    for answer in answers:
        assert "no-store" in answer["Cache-Control"], answer.request
