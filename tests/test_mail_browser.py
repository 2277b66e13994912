"""The helpers' mail inbox in a real browser with JavaScript off, on a phone's width and a
desktop's: it loads nothing from another host, and a draft becomes a declaration.
Screenshots go to $SCREENSHOT_DIR if set (to look at them), else to pytest's tmp_path."""

import os
from pathlib import Path

import pytest
from django.test import Client

from tests.browser import chromium_page, running_service
from tests.conftest import login_verified
from tuidang.mailintake import actions
from tuidang.mailintake.models import MailDraft
from tuidang.registry.models import Declaration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HTML_MAIL = (
    b"From: =?utf-8?b?5byg5LiJ?= <zhang@example.org>\r\nSubject: =?utf-8?b?5LiJ6YCA5aOw5piO?="
    b"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    + "<p>您好！我叫张三，我和妻子李梅都在国内。请帮我们三退：</p><ul><li>张三：退党、退团、退队"
      "</li><li>李梅：退团、退队</li></ul><p>化名也可以，用“明心”和“明月”。谢谢你们！</p>"
      "<p>https://example.org/a-very-long-link-that-should-wrap-on-a-phone-screen/"
      "and-keep-going-without-breaking-the-page</p>".encode()
    + b"\r\n--b\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; "
      b"filename=x.jpg\r\n\r\nJPEG\r\n--b--\r\n")


def test_the_inbox_and_a_draft_on_a_phone_and_a_desktop_without_javascript(tmp_path):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    draft = actions.file_draft(HTML_MAIL, "zhang@example.org")
    actions.file_draft(b"Subject: hello\r\n\r\nI want to quit the Youth League.\r\n", "")
    actions.file_draft(b"\r\n\r\n", "")  # no subject, no text
    helper = Client()
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("alice", password="alice-password-123")
    user.groups.add(Group.objects.get_or_create(name="helpers")[0])
    login_verified(helper, user)
    with running_service() as base, chromium_page(javascript=False) as page:
        page.context.add_cookies([{"name": "sessionid", "url": base,
                                   "value": helper.cookies["sessionid"].value}])
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(base + "/zh-hans/helpers/mail/")
            assert "3 封邮件等待处理" in page.inner_text("#mail-waiting")
            page.screenshot(path=str(shots / f"mail-inbox-{width}.png"), full_page=True)
            page.goto(base + f"/zh-hans/helpers/mail/{draft.pk}/")
            assert "李梅：退团、退队" in page.inner_text("#mail-text")
            page.screenshot(path=str(shots / f"mail-draft-{width}.png"), full_page=True)
            # Nothing is wider than the screen.
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.fill("#id_persons-0-display_name", "明心")
        for org in ("party", "league", "pioneers"):
            page.check(f"input[name='persons-0-organizations'][value='{org}']")
        page.check("#id_consent")
        page.click("button[name='submit']")
        assert page.inner_text("#receipt-code").strip()
        page.screenshot(path=str(shots / "mail-declared-1280.png"), full_page=True)
        assert all(url.startswith(base) for url in page.requests), page.requests
        # (Chromium warns of Permissions-Policy features it does not know, and asks for
        # /favicon.ico, which the site does not have, as test_receipt_browser allows;
        # its own requests, all listed above, are to this host)
        assert not [m for m in page.console if "Permissions-Policy" not in m
                    and "Failed to load resource" not in m], page.console
    declaration = Declaration.objects.get()
    assert (declaration.channel, declaration.helper) == ("email", user)
    assert not MailDraft.objects.filter(pk=draft.pk).exists()
