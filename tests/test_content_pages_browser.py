"""The pages of this change in Debian's Chromium at a phone's width and a desktop's, in
zh-hans: nothing wider than the screen, nothing from another host; the screenshots are
kept in var/screenshots/ for people to look at."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser import chromium_page
from tests.conftest import login_verified
from tests.factories import declare
from tuidang.moderation.models import Contest
from tuidang.pages.models import Entry, Kind
from tuidang.registry import dates
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
PUBLIC = ["safe-access/", "questions/", "other-ways/", "declare/", ""]


def shoot(page, base: str, path: str, name: str) -> None:
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/zh-hans/{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than {width}px"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    hosts = {urlsplit(url).netloc for url in page.requests}
    assert hosts <= {urlsplit(base).netloc}, hosts


def seed_pages_and_cases(client) -> tuple[int, int]:
    from django.core.management import call_command

    if not Entry.objects.questions().exists():  # a transactional test flushed the seed
        call_command("migrate", "pages", "0001", verbosity=0)
        call_command("migrate", "pages", verbosity=0)
    Entry.objects.create(kind=Kind.HOTLINE, updated_on=dates.today(),
                         title_zh_hans="全球退党服务中心热线",
                         body_zh_hans="美国：+1 000 000 0000\n每天 9:00–21:00（纽约时间）")
    Entry.objects.create(kind=Kind.EMAIL, updated_on=dates.today(),
                         title_zh_hans="电子邮件", body_zh_hans="tuidang@example.org")
    declare(client, "张三")
    declare(client, "张三", "李四")
    sequencer.drain()
    held = Declaration.objects.get(status="held")
    accepted = Declaration.objects.get(status="accepted")
    Contest.objects.create(declaration=accepted, account="不是我，我没有委托任何人。",
                           filed_on=dates.today())
    return held.pk, accepted.pk


def test_it_shows_the_pages_at_phone_and_desktop_widths(live_server, client, mona):
    SHOTS.mkdir(parents=True, exist_ok=True)
    held, _accepted = seed_pages_and_cases(client)
    contest = Contest.objects.get().pk
    login_verified(client, mona)
    cookie = client.cookies["sessionid"].value
    # Playwright runs an event loop in this thread: no database call from here on.
    with chromium_page(javascript=False) as page:
        for path in PUBLIC:
            shoot(page, live_server.url, path, path.strip("/") or "home")
        page.context.add_cookies([{"name": "sessionid", "value": cookie,
                                   "url": live_server.url}])
        shoot(page, live_server.url, "moderation/", "moderation")
        shoot(page, live_server.url, f"moderation/declarations/{held}/", "moderation-held")
        shoot(page, live_server.url, "moderation/held/", "moderation-queue")
        shoot(page, live_server.url, f"moderation/contests/{contest}/", "moderation-contest")
