"""The helpers' upload page: the same import in the browser."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import login_verified
from tuidang.registry.actions import find_by_receipt
from tuidang.registry.models import Declaration

pytestmark = pytest.mark.django_db

URL = "/en/helpers/import/"
GOOD_AND_BAD = (
    "ref,display_name,organizations,region,statement_title,statement_text\n"
    ",张三,party,beijing,,\n"
    "K1,李四,party league,,声明,我退出。\n"
    "K1,李四妻,league,,,\n"
    ",王五,nothing,,,\n"
).encode()


def upload(name="people.csv", content=GOOD_AND_BAD, **fields):
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **fields}


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")
    assert client.post(URL, upload(consent="on")).status_code == 302
    assert not Declaration.objects.exists()


def test_it_forbids_accounts_that_are_not_helpers(client, bob, mona):
    for user in (bob, mona):
        login_verified(client, user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, upload(consent="on")).status_code == 403
    assert not Declaration.objects.exists()


def test_it_needs_the_second_factor(client, alice):
    client.force_login(alice)
    assert client.get(URL).status_code == 403


def test_it_allows_only_get_and_post(client, alice):
    login_verified(client, alice)
    assert client.put(URL).status_code == 405
    assert client.delete(URL).status_code == 405


def test_it_links_the_page_from_the_helpers_home(client, alice):
    login_verified(client, alice)
    assert 'href="/en/helpers/import/"' in client.get("/en/helpers/").content.decode()
    page = client.get(URL)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()


def test_it_shows_the_report_of_a_dry_run_and_stores_nothing(client, alice):
    login_verified(client, alice)
    response = client.post(URL, upload(dry_run="on"))
    assert response.status_code == 200
    html = response.content.decode()
    assert ("dry run, nothing stored: would import 2, rejected 1, skipped 0 already imported"
            in html)
    assert "line 5: organizations: Select a valid choice. nothing is not one" in html
    assert "Read as csv, UTF-8." in html
    assert not Declaration.objects.exists()
    assert "no-store" in response["Cache-Control"]


def test_it_imports_and_answers_with_the_receipt_codes_as_a_file(client, alice):
    login_verified(client, alice)
    response = client.post(URL, upload(consent="on"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="tuidang-import-')
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["line", "ref", "outcome", "receipt_code", "field", "reason"]
    imported = [row for row in rows if row[2] == "imported"]
    assert [(row[0], row[1]) for row in imported] == [("2", ""), ("3", "K1")]
    for row in imported:
        declaration = find_by_receipt(row[3])
        assert (declaration.channel, declaration.helper) == ("import", alice)
    assert rows[3][:5] == ["5", "", "rejected", "", "organizations"]
    assert rows[-1][2:] == ["summary", "", "",
                            "imported 2, rejected 1, skipped 0 already imported"]
    assert Declaration.objects.count() == 2
    # The same file again: nothing new, every good line reported as skipped.
    again = client.post(URL, upload(consent="on"))
    rows = list(csv.reader(io.StringIO(again.content.decode("utf-8-sig"))))
    assert [row[2] for row in rows[1:-1]] == ["skipped", "skipped", "rejected"]
    assert Declaration.objects.count() == 2


def test_it_imports_json_lines_in_gb18030(client, alice):
    login_verified(client, alice)
    line = '{"persons": [{"display_name": "錢七", "organizations": ["party"]}]}\n'
    response = client.post(URL, upload("people.jsonl", line.encode("gb18030"), consent="on"))
    assert response["Content-Disposition"].startswith("attachment;")
    assert Declaration.objects.get().persons[0].display_name == "錢七"


def test_it_asks_for_consent_before_a_real_import(client, alice):
    login_verified(client, alice)
    response = client.post(URL, upload())
    assert response.status_code == 400
    assert "Import only for people who asked you to." in response.content.decode()
    assert not Declaration.objects.exists()


def test_it_refuses_an_unusable_file(client, alice):
    login_verified(client, alice)
    response = client.post(URL, upload(content=b"name,orgs\nx,party\n", consent="on"))
    assert response.status_code == 400
    assert "Unknown columns: name, orgs" in response.content.decode()
    response = client.post(URL, upload("people.txt", consent="on"))
    assert response.status_code == 400
    assert not Declaration.objects.exists()


def test_it_refuses_a_file_over_20_mb(client, alice):
    login_verified(client, alice)
    big = GOOD_AND_BAD + b",x,party,,,\n" * (20 * 1024 * 1024 // 12 + 10)
    response = client.post(URL, upload(content=big, consent="on"))
    assert response.status_code == 413
    assert "larger than 20 MB" in response.content.decode()
    assert not Declaration.objects.exists()
