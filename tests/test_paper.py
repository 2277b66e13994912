"""Paper that matches the import: the collection sheet has the CSV import's columns and
the helper form's consent wording, a sheet filled in and typed into CSV imports cleanly,
and the receipt slips carry each code in large groups with the check address."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.translation import override

from tests.conftest import login_verified
from tests.factories import declaration_post, declare, person_fields, receipt_code
from tuidang.declaring.forms import HelperSubmissionForm
from tuidang.imports.files import CSV_COLUMNS
from tuidang.registry.actions import find_by_receipt
from tuidang.registry.models import Declaration

pytestmark = pytest.mark.django_db

SHEET, SLIPS = "/zh-hans/helpers/sheet/", "/zh-hans/helpers/slips/"
CODE = "ABCD-EFGH-JKMN-PQRS-TUVW"

# What a volunteer wrote on the sheet at a booth, column by column, in their own words.
FILLED_IN = [
    {"ref": "F1", "display_name": "张小明", "is_real_name": "否",
     "organizations": "中共 共青团", "region": "beijing", "birth_year": "1975",
     "private_real_name": "张明", "statement_title": "", "statement_text": "",
     "contact": "", "notes": "在旅游点"},
    {"ref": "F1", "display_name": "张小红", "organizations": "少先队"},
    {"ref": "F2", "display_name": "李四", "is_real_name": "是", "organizations": "party",
     "region": "overseas", "country": "US", "sector": "teacher"},
]


def sheet_columns(html: str) -> list[str]:
    return re.findall(r'<th scope="col" data-column="([a-z_]+)">', html)


def typed_in(columns: list[str], lines: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for line in lines:
        writer.writerow([line.get(name, "") for name in columns])
    return out.getvalue().encode()


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant", "en"])
def test_the_sheets_columns_are_the_importers(client, alice, lang):
    login_verified(client, alice)
    response = client.get(f"/{lang}/helpers/sheet/")
    assert response.status_code == 200
    html = response.content.decode()
    assert sheet_columns(html) == list(CSV_COLUMNS)
    with override(lang):
        consent = str(HelperSubmissionForm.base_fields["consent"].label)
    assert consent in html
    assert "<script" not in html.split("<main>")[1]


def test_a_filled_in_sheet_typed_into_csv_imports_cleanly(client, alice):
    login_verified(client, alice)
    columns = sheet_columns(client.get(SHEET).content.decode())
    upload = SimpleUploadedFile("sheet.csv", typed_in(columns, FILLED_IN),
                                content_type="text/csv")
    response = client.post("/zh-hans/helpers/import/", {"file": upload, "consent": "on"})
    assert response.status_code == 200
    result = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(result)))
    assert [row[1:3] for row in rows[1:-1]] == [["F1", "imported"], ["F2", "imported"]]
    assert rows[-1][3:] == ["", "", "已导入 2 份，拒绝 0 份，跳过已导入过的 0 份"]
    family, teacher = (find_by_receipt(row[3]) for row in rows[1:-1])
    assert [(p.display_name, p.organizations(), p.region) for p in family.persons] == [
        ("张小明", ["party", "league"], "beijing"), ("张小红", ["pioneers"], "")]
    assert family.persons[0].is_real_name is False
    assert (teacher.persons[0].is_real_name, teacher.persons[0].country,
            teacher.persons[0].sector) == (True, "US", "teacher")
    assert {d.helper for d in Declaration.objects.all()} == {alice}
    assert Declaration.objects.count() == 2

    # The result file's lines, pasted, make one slip per declaration.
    html = client.post(SLIPS, {"codes": result}).content.decode()
    slips = re.findall(r'<p class="slip-code">(.*?)</p>', html)
    assert len(slips) == 2
    for slip, row in zip(slips, rows[1:-1], strict=True):
        assert re.findall(r"<span>(\w{4})</span>", slip) == row[3].split("-")
    assert "· F1" in html and "· F2" in html


def test_the_import_commands_receipts_file_makes_slips_with_refs(client, alice):
    login_verified(client, alice)
    html = client.post(SLIPS, {"codes": f"line,ref,receipt_code\n2,K7,{CODE}\n"}).content.decode()
    assert html.count('class="slip"') == 1 and "· K7" in html


def test_a_slip_has_the_code_in_groups_and_the_check_address(client, alice, settings):
    login_verified(client, alice)
    response = client.post(SLIPS, {"codes": f"{CODE.lower()}\n\n{CODE.replace('-', ' ')}\n"})
    assert response.status_code == 200
    html = response.content.decode()
    groups = "".join(f"<span>{g}</span>" for g in CODE.split("-"))
    assert html.count(f'<p class="slip-code">{groups}</p>') == 2
    assert f"{settings.SITE_URL}/zh-hans/receipt/" in html
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("codes, message", [
    ("ABCD-EFGH\n", "第 1 行没有查询密码"),
    (f"{CODE}\nnot a code\n", "第 2 行没有查询密码"),
    ("   \n", "查询密码"),
    (f"{CODE}\n" * 201, "每次最多生成 200 张"),
])
def test_it_refuses_lines_without_a_code(client, alice, codes, message):
    login_verified(client, alice)
    response = client.post(SLIPS, {"codes": codes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'class="slip"' not in response.content.decode()


@pytest.mark.parametrize("path", [SHEET, SLIPS])
def test_paper_is_for_helpers_only(client, bob, path):
    assert client.get(path).status_code == 302  # to the log-in page
    login_verified(client, bob)
    assert client.get(path).status_code == 403
    assert client.post(SLIPS, {"codes": CODE}).status_code == 403


def test_paper_refuses_other_methods(client, alice):
    login_verified(client, alice)
    assert client.post(SHEET).status_code == 405
    assert client.put(SLIPS).status_code == 405
    assert client.get("/zh-hans/helpers/sheets/").status_code == 404


def test_the_helper_forms_receipt_offers_a_slip(client, alice):
    login_verified(client, alice)
    data = declaration_post(person_fields(0, "王五"), channel="in-person", consent="on")
    response = client.post("/zh-hans/helpers/declare/", data)
    code = receipt_code(response)
    html = response.content.decode()
    assert 'id="slip-button"' in html and f'name="codes" value="{code}"' in html
    slips = client.post(SLIPS, {"codes": code}).content.decode()
    assert "".join(f"<span>{g}</span>" for g in code.split("-")) in slips
    # A declarant's own receipt page has no such button (the page is shared by all).
    assert 'id="slip-button"' not in declare(Client(), "李四").content.decode()
