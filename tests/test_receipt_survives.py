"""The receipt survives: a form posted again files nothing twice, the receipt page says
what happens next, and it can be switched to another language, copied, downloaded and
printed without the code ever being in a URL."""

import re
import threading
import time

import pytest
from django.test import Client

from tests.factories import declaration_post, person_fields, receipt_code
from tuidang.declaring import once
from tuidang.registry import actions
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def opened(client: Client, path: str = "/en/declare/") -> str:
    """Open the form, as a browser does; its one-time token."""
    return TOKEN.search(client.get(path).content.decode())[1]


def post(client: Client, token: str, *names: str, lang: str = "en", **fields):
    persons = [person_fields(i, name) for i, name in enumerate(names)]
    return client.post(f"/{lang}/declare/", declaration_post(*persons, form_token=token,
                                                             **fields))


def test_it_files_a_form_posted_again_once_and_shows_the_same_receipt(client):
    token = opened(client)
    first = post(client, token, "张三")
    again = post(client, token, "张三")
    assert first.status_code == again.status_code == 200
    assert receipt_code(again) == receipt_code(first)
    assert 'id="repeat"' in again.content.decode() and 'id="repeat"' not in first.content.decode()
    assert "no-store" in again["Cache-Control"]
    assert Declaration.objects.count() == 1


def test_a_repeat_another_process_gets_is_told_plainly(client):
    token = opened(client)
    first = post(client, token, "张三")
    once.forget()  # what another web process knows: that the form was used, not its receipt
    again = post(client, token, "张三")
    assert again.status_code == 409
    page = again.content.decode()
    assert 'id="already-received"' in page and receipt_code(first) not in page
    assert Declaration.objects.count() == 1


def test_a_repeat_after_the_short_window_is_told_plainly(client, monkeypatch):
    token = opened(client)
    post(client, token, "张三")
    later = time.monotonic() + once.REPEAT_SECONDS + 1
    monkeypatch.setattr(once.time, "monotonic", lambda: later)
    assert post(client, token, "张三").status_code == 409
    assert Declaration.objects.count() == 1


def test_a_changed_form_posted_again_is_the_same_form(client):
    token = opened(client)
    first = post(client, token, "张三")
    again = post(client, token, "李四")  # Back, a name changed, submitted again
    assert receipt_code(again) == receipt_code(first)
    assert [p.display_name for p in Declaration.objects.get().persons] == ["张三"]


def test_back_to_a_form_fetched_again_and_the_same_declaration_is_the_same_form(client):
    """Back fetches the form again (it is never cached), with a new token, and the
    browser fills in what was typed: the same session posting it is a repeat."""
    first = post(client, opened(client), "张三", statement_text="我退出。")
    again = post(client, opened(client), "张三", statement_text="我退出。")
    assert receipt_code(again) == receipt_code(first)
    assert Declaration.objects.count() == 1
    post(client, opened(client), "李四")  # another declaration from the same browser
    assert Declaration.objects.count() == 2


def test_the_same_declaration_from_another_browser_is_filed(client):
    post(client, opened(client), "张三")
    other = Client()
    assert post(other, opened(other), "张三").status_code == 200
    assert Declaration.objects.count() == 2


def test_a_helper_may_file_two_identical_declarations(client, alice):
    from tests.conftest import login_verified

    login_verified(client, alice)
    for _ in range(2):
        token = opened(client, "/en/helpers/declare/")
        response = client.post("/en/helpers/declare/", declaration_post(
            person_fields(0, "王芳"), channel="phone", consent="on", form_token=token))
        assert response.status_code == 200
    assert Declaration.objects.count() == 2


def test_a_form_refused_or_grown_keeps_its_token_and_files_once_corrected(client):
    token = opened(client)
    grown = client.post("/en/declare/", {**declaration_post(person_fields(0, "张三")),
                                         "form_token": token, "add_person": "1"})
    assert TOKEN.search(grown.content.decode())[1] == token
    refused = post(client, token, "")
    assert refused.status_code == 400
    assert TOKEN.search(refused.content.decode())[1] == token
    assert not Declaration.objects.exists()
    assert post(client, token, "张三").status_code == 200
    assert Declaration.objects.count() == 1


def test_each_form_opened_gets_its_own_token(client):
    tokens = {opened(client) for _ in range(3)}
    assert len(tokens) == 3 and all(re.fullmatch(r"[A-Za-z0-9_-]{22}", t) for t in tokens)
    for name, token in zip("甲乙丙", tokens, strict=True):
        post(client, token, name)
    assert Declaration.objects.count() == 3


def test_a_post_without_a_token_is_filed_each_time(client):
    """A script or a page from before the token: nothing to recognize a repeat by."""
    for _ in range(2):
        assert client.post("/en/declare/", declaration_post(person_fields(0, "张三"))
                           ).status_code == 200
    assert Declaration.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_double_click_waits_for_the_first_post_and_shows_its_receipt(monkeypatch):
    """The browser shows the answer to the second click: it must be the receipt."""
    from tuidang.intake import service

    receive = service.receive

    def slow_receive(*args, **kwargs):
        time.sleep(0.5)
        return receive(*args, **kwargs)

    monkeypatch.setattr(service, "receive", slow_receive)
    token = opened(Client())
    answers = {}

    def click(number: int) -> None:
        answers[number] = post(Client(), token, "张三")

    first = threading.Thread(target=click, args=(1,))
    first.start()
    time.sleep(0.1)
    click(2)
    first.join()
    assert answers[1].status_code == answers[2].status_code == 200
    assert receipt_code(answers[1]) == receipt_code(answers[2])
    assert Declaration.objects.count() == 1


def test_a_failed_store_lets_the_form_be_posted_again(client, monkeypatch):
    from tuidang.intake import service

    token = opened(client)
    receive = service.receive
    monkeypatch.setattr(service, "receive", lambda *a, **k: (_ for _ in ()).throw(
        OSError("disk full")))
    with pytest.raises(OSError):
        post(client, token, "张三")
    monkeypatch.setattr(service, "receive", receive)
    assert post(client, token, "张三").status_code == 200
    assert Declaration.objects.count() == 1


# -- what the page says ----------------------------------------------------------------


def test_it_says_within_how_many_minutes_it_is_counted(client, settings):
    settings.PUBLISH_INTERVAL = 120
    page = post(client, opened(client), "张三").content.decode()
    assert 'data-step="batch"' in page
    assert "It will be counted in the next batch, within 2 minutes." in page
    assert "the only way to withdraw this declaration" in page
    assert not re.search(r"\b\d{1,2}:\d{2}\b", page)  # no time of day


def test_a_declaration_without_proof_of_work_waits_for_a_moderator(client, settings):
    settings.PROTECTION_POW_HOLD = True
    page = post(client, opened(client), "张三").content.decode()
    assert 'data-step="no-pow"' in page and "It waits for a moderator" in page


def test_a_statement_to_read_waits_for_a_moderator(client, settings):
    settings.SCREEN_MAX_LINKS = 0
    page = post(client, opened(client), "张三", statement_text="见 https://a.example").content
    assert 'data-step="statement"' in page.decode()
    assert "Your statement is published after a moderator has read it." in page.decode()


def test_the_pages_of_each_next_step_are_kept_apart(client, settings):
    batch = post(client, opened(client), "甲")
    settings.PROTECTION_POW_HOLD = True
    held = post(client, opened(client), "乙")
    assert 'data-step="batch"' in batch.content.decode()
    assert 'data-step="no-pow"' in held.content.decode()


# -- switching language, downloading ---------------------------------------------------


def test_the_language_switcher_posts_the_code_and_shows_the_same_receipt(client):
    first = post(client, opened(client), "张三")
    code, page = receipt_code(first), first.content.decode()
    switcher = re.search(r'<nav class="languages".*?</nav>', page, re.S)[0]
    assert switcher.count('method="post"') == 3
    assert 'action="/zh-hant/receipt/issued/"' in switcher and code in switcher
    assert not re.search(r'href="[^"]*' + re.escape(code), page)  # never in a URL
    other = Client().post("/zh-hant/receipt/issued/", {"code": code})  # no CSRF token: none
    assert other.status_code == 200                                    # can be in the page
    assert 'lang="zh-hant"' in other.content.decode()
    assert receipt_code(other) == code and "no-store" in other["Cache-Control"]


def test_the_switched_receipt_says_where_the_declaration_is_now(client):
    code = receipt_code(post(client, opened(client), "张三"))
    sequencer.drain()
    page = client.post("/en/receipt/issued/", {"code": code}).content.decode()
    assert 'data-step="published"' in page


def test_a_wrong_code_is_not_found(client):
    response = client.post("/en/receipt/issued/", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE"})
    assert response.status_code == 404
    assert "No declaration has this receipt code" in response.content.decode()
    assert client.post("/en/receipt/text/", {"code": "AAAA"}).status_code == 404
    assert client.get("/en/receipt/issued/").status_code == 405


def test_it_downloads_the_receipt_as_a_small_text_file(client):
    code = receipt_code(post(client, opened(client), "张三", "李四", lang="zh-hans"))
    response = Client().post("/zh-hans/receipt/text/", {"code": code})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="receipt.txt"'
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert code in text and "testserver/zh-hans/receipt/" in text
    assert "张三" not in text  # a file on a device names no one
    assert actions.find_by_receipt(code).person_count == 2


def test_the_copy_and_print_buttons_wait_for_javascript(client):
    page = post(client, opened(client), "张三").content.decode()
    assert re.search(r'<button type="button"[^>]*data-copy="receipt-code"[^>]*hidden>', page)
    assert re.search(r'<button type="button"[^>]*data-print hidden>', page)
    assert '<script src="/static/js/receipt.js" defer></script>' in page
    assert 'id="receipt-download"' in page
