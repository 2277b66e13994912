"""Helpers' figures for moderators: per helper, declarations by day and what became of
them (held, rejected, revoked, contested), with the anomalies marked."""

import datetime
import re

import pytest

from tests.conftest import login_verified
from tests.factories import received_on
from tuidang.intake import service as intake
from tuidang.registry import dates
from tuidang.registry.actions import revoke_declaration
from tuidang.registry.models import Declaration, Revocation, Status
from tuidang.registry.schema import DeclarationData, PersonData
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

URL = "/zh-hans/moderation/helpers/"


def submit(helper, *names: str) -> Declaration:
    data = DeclarationData([PersonData(name, ("party",)) for name in names])
    return intake.receive(data, channel="in-person", helper=helper).declaration


def row_of(html: str, name: str) -> str:
    return re.search(rf'<tr[^>]*data-helper="{name}">(.*?)</tr>', html, re.S).group(0)


def cells(row: str) -> list[str]:
    return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_it_shows_each_helpers_submissions_and_what_became_of_them(client, mona, alice,
                                                                    charlie):
    for n in range(6):
        submit(alice, f"甲{n}", f"乙{n}")
    submit(alice, "甲0", "乙0")  # the same persons again: held by screening
    sequencer.drain()
    revoke_declaration(Declaration.objects.filter(helper=alice).first(),
                       Revocation.Reason.CONTEST, person=0)
    revoke_declaration(Declaration.objects.filter(helper=alice).last(),
                       Revocation.Reason.MODERATOR)
    submit(charlie, "丙")
    login_verified(client, mona)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    alice_row, charlie_row = row_of(html, "alice"), row_of(html, "charlie")
    assert html.index('data-helper="alice"') < html.index('data-helper="charlie"')
    held = Declaration.objects.filter(helper=alice, status=Status.HELD).count()
    revoked = Declaration.objects.filter(helper=alice, status=Status.REVOKED).count()
    assert (held, revoked) == (0, 1)  # the held one was revoked by the moderator
    # declarations, persons (less the one revoked), held, rejected, revoked, contested,
    # then the last 14 days, today last
    assert cells(alice_row) == ["7", "13", "0", "0", "1", "1"] + [""] * 13 + ["7"]
    assert cells(charlie_row) == ["1", "1", "0", "0", "0", "0"] + [""] * 13 + ["1"]
    assert 'class="flagged"' in alice_row  # a contest was upheld against one
    assert 'class="flagged"' not in charlie_row
    assert "<script" not in html.split("<main>")[1]


def test_it_marks_a_day_far_above_a_helpers_usual(client, mona, charlie):
    today = dates.today()
    for back in range(1, 6):
        with received_on(today - datetime.timedelta(days=back)):
            submit(charlie, f"日{back}")
    for n in range(8):
        submit(charlie, f"今{n}")
    login_verified(client, mona)
    row = row_of(client.get(URL).content.decode(), "charlie")
    days = re.findall(r'<td class="day( spike)?">(\d*)</td>', row)
    assert [n for _spike, n in days] == [""] * 8 + ["1"] * 5 + ["8"]
    assert [bool(spike) for spike, _n in days] == [False] * 13 + [True]
    assert 'class="flagged"' in row


def test_it_is_empty_without_helpers(client, mona):
    submit(None, "自己")
    login_verified(client, mona)
    html = client.get(URL).content.decode()
    assert "data-helper=" not in html


def test_it_is_for_moderators_only(client, alice, bob):
    assert client.get(URL).status_code == 302
    login_verified(client, alice)
    assert client.get(URL).status_code == 403
    login_verified(client, bob)
    assert client.get(URL).status_code == 403


def test_it_refuses_other_methods(client, mona):
    login_verified(client, mona)
    assert client.post(URL).status_code == 405
    assert client.get("/zh-hans/moderation/helpers/1/").status_code == 404


def test_it_marks_a_helper_whose_declarations_are_often_revoked(client, mona, alice,
                                                                 charlie):
    today = dates.today()
    for helper in (alice, charlie):
        for back in range(1, 6):  # one a day: no day stands out
            with received_on(today - datetime.timedelta(days=back)):
                submit(helper, f"{helper.username}{back}")
    sequencer.drain()
    revoke_declaration(Declaration.objects.filter(helper=alice).first(),
                       Revocation.Reason.MODERATOR)  # 1 of 5: the share marked
    login_verified(client, mona)
    html = client.get(URL).content.decode()
    assert 'class="flagged"' in row_of(html, "alice")
    assert 'class="flagged"' not in row_of(html, "charlie")
    assert "spike" not in html.split("<tbody>")[1]
