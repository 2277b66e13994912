"""Batch import with `manage.py import_declarations`, as an administrator runs it."""

import csv
import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tests.conftest import login_verified
from tests.factories import (
    declaration_naming,
    declaration_post,
    person_fields,
    person_named,
    stored_persons,
)
from tuidang.intake import bulk
from tuidang.registry import sealing
from tuidang.registry.actions import find_by_receipt
from tuidang.registry.models import Declaration, Status
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db

HEADER = ("ref,display_name,organizations,region,country,sector,is_real_name,"
          "statement_title,statement_text\n")


def run(path, helper="alice", **options):
    out = io.StringIO()
    call_command("import_declarations", str(path), helper=helper, no_progress=True,
                 language="en", stdout=out, **options)
    return out.getvalue()


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


MIXED_CSV = HEADER + (
    ",张三,party,beijing,,,,,\n"                      # 2: good
    "F-1,李四,party league,,,,yes,我的声明,退出中共。\n"  # 3: good, two persons by ref
    "F-1,李四的女儿,少先队,overseas,us,,,,\n"           # 4
    ",王五,bogus,,,,,,\n"                             # 5: unknown organization
    ",,party,,,,,,\n"                                 # 6: no name
    "F-2,赵六,league,,,,,,\n"                         # 7: declaration with a bad second line
    "F-2,赵六的儿子,pioneers,shanghai,us,,,,\n"        # 8: country without overseas
    ",钱七,party,,,teacher,maybe,,\n"                  # 9: is_real_name not yes/no
    ",孙八,party,,,,,标题,\n"                          # 10: a title without a text
    "\n"                                             # blank lines are skipped
    ",周九,league,,,,,,\n"                             # 12: good
)


def test_it_stores_the_good_lines_and_reports_the_bad_ones_csv(tmp_path, alice):
    out = run(write(tmp_path, "mixed.csv", MIXED_CSV))
    assert out.splitlines()[-1] == "imported 3, rejected 5, skipped 0 already imported"
    assert "mixed.csv: csv, UTF-8" in out
    assert "line 5: organizations: Select a valid choice. bogus is not one" in out
    assert "line 6: display_name: Enter a name to display" in out
    assert "line 8 (declaration on lines 7–8) (ref F-2): country: A country is given only" in out
    assert "line 9: is_real_name: Write yes or no" in out
    assert "line 10: statement_text: A title needs a statement text." in out
    assert "line 2:" not in out and "line 3" not in out and "line 12" not in out
    declarations = Declaration.objects.order_by("id")
    assert [d.person_count for d in declarations] == [1, 2, 1]
    assert {(d.channel, d.helper_id, d.status) for d in declarations} == {
        ("import", alice.pk, Status.RECEIVED)}
    second = declarations[1]
    assert second.statement_title == "我的声明" and second.statement_text == "退出中共。"
    daughter = second.persons[1]
    assert (daughter.display_name, daughter.pioneers, daughter.party) == ("李四的女儿", True, False)
    assert (daughter.region, daughter.country) == ("overseas", "US")
    assert second.persons[0].is_real_name
    assert not {"王五", "赵六", "钱七"} & {p.display_name for p in stored_persons()}
    sequencer.drain()
    assert set(Declaration.objects.values_list("status", flat=True)) == {Status.ACCEPTED}
    assert Declaration.objects.filter(log_index__isnull=False).count() == 3


MIXED_JSONL = "\n".join([
    json.dumps({"persons": [{"display_name": "张三", "organizations": ["party"],
                             "region": "beijing"}]}, ensure_ascii=False),
    json.dumps({"ref": "A7", "persons": [
        {"display_name": "李四", "is_real_name": True, "organizations": ["party", "league"],
         "private_real_name": "李小四", "birth_year": 1970},
        {"display_name": "李四妻", "organizations": ["league"], "region": "overseas",
         "country": "CA", "sector": "teacher"}],
        "statement_title": "声明", "statement_text": "我退出。", "contact": "x@example.org",
        "notes": "met at the park"}, ensure_ascii=False),
    "{not json",
    json.dumps(["a list"]),
    json.dumps({"persons": [{"display_name": "王五", "organizations": []}]}),
    json.dumps({"persons": [{"display_name": "赵六", "organizations": ["party"],
                             "birth_year": "1980", "colour": "red"}]}),
    "",
    json.dumps({"persons": [{"display_name": "钱七", "organizations": ["party"]},
                            {"display_name": "錢七", "organizations": ["league"]}]}),
    json.dumps({"persons": []}),
    json.dumps({"persons": [{"display_name": "周九", "organizations": ["pioneers"]}]}),
]) + "\n"


def test_it_stores_the_good_lines_and_reports_the_bad_ones_jsonl(tmp_path, alice):
    out = run(write(tmp_path, "mixed.jsonl", MIXED_JSONL))
    assert out.splitlines()[-1] == "imported 3, rejected 6, skipped 0 already imported"
    assert "line 3: Not valid JSON" in out
    assert "line 4: Each line must be a JSON object." in out
    assert "line 5: persons[0].organizations: Choose at least one organization." in out
    assert "line 6: persons[0].birth_year: Enter a whole number." in out
    assert "line 6: persons[0].colour: This field is not part of the format." in out
    assert "line 8: persons: Each person appears only once in a declaration." in out
    assert "line 9: persons: Add at least one person." in out
    names = [p.display_name for p in stored_persons()]
    assert names == ["张三", "李四", "李四妻", "周九"]
    declaration = declaration_naming("李四")
    assert declaration.statement_text == "我退出。"
    key = sealing.load_private_key(settings.TEST_RECORDS_PRIVATE_KEY_FILE.read_text())
    private, commitment = sealing.open_record(bytes(declaration.sealed_private), key)
    assert commitment == bytes(declaration.private_commitment)
    assert private == {"serial": declaration.pk, "helper": alice.pk, "contact": "x@example.org",
                       "notes": "met at the park", "persons": [
                           {"real_name": "李小四", "birth_year": 1970},
                           {"real_name": "", "birth_year": None}]}
    assert person_named("李四妻").sector == "teacher"


def test_it_reads_utf8_with_a_bom_and_gb18030(tmp_path, alice):
    text = HEADER + ",张三,中共 共青团,guangdong,,,,,\n,李四,party,,,,,,\n"
    out = run(write(tmp_path, "bom.csv", "\ufeff" + text))
    assert "bom.csv: csv, UTF-8 with BOM" in out
    assert out.splitlines()[-1] == "imported 2, rejected 0, skipped 0 already imported"
    out = run(write(tmp_path, "gb.csv", text.replace("张三", "王五").replace("李四", "赵六"),
                    encoding="gb18030"))
    assert "gb.csv: csv, GB18030" in out
    assert out.splitlines()[-1] == "imported 2, rejected 0, skipped 0 already imported"
    wang = person_named("王五")
    assert (wang.party, wang.league, wang.region) == (True, True, "guangdong")
    jsonl = json.dumps({"persons": [{"display_name": "錢七", "organizations": ["party"]}]},
                       ensure_ascii=False) + "\n"
    out = run(write(tmp_path, "gb.jsonl", jsonl, encoding="gb18030"))
    assert "gb.jsonl: jsonl, GB18030" in out
    assert person_named("錢七")
    assert len(stored_persons()) == 5


def test_it_refuses_a_file_that_is_neither_utf8_nor_gb18030(tmp_path, alice):
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER.encode() + b",\x81\x30\xff\xff,party,,,,,,\n")
    with pytest.raises(CommandError, match="neither UTF-8 nor GB18030"):
        run(path)
    assert not Declaration.objects.exists()


def test_it_refuses_unknown_columns_and_non_helpers(tmp_path, alice, bob):
    with pytest.raises(CommandError, match="Unknown columns: organisation"):
        run(write(tmp_path, "a.csv", "display_name,organisation\n张三,party\n"))
    with pytest.raises(CommandError, match="not an active helper"):
        run(write(tmp_path, "b.csv", HEADER + ",张三,party,,,,,,\n"), helper="bob")
    with pytest.raises(CommandError, match=r"csv or \.jsonl"):
        run(write(tmp_path, "c.txt", HEADER))
    assert not Declaration.objects.exists()


def test_it_stores_nothing_in_a_dry_run(tmp_path, alice):
    receipts = tmp_path / "receipts.csv"
    out = run(write(tmp_path, "mixed.csv", MIXED_CSV), dry_run=True, receipts=receipts)
    assert out.splitlines()[-1] == (
        "dry run, nothing stored: would import 3, rejected 5, skipped 0 already imported")
    assert "line 5: organizations:" in out
    assert not Declaration.objects.exists()
    assert not receipts.exists()


def test_it_skips_everything_when_the_same_file_is_imported_again(tmp_path, alice, charlie):
    path = write(tmp_path, "mixed.csv", MIXED_CSV)
    run(path)
    jsonl = write(tmp_path, "mixed.jsonl", MIXED_JSONL)
    # 张三 (party, Beijing) is in both files: the same declaration, whatever the format.
    assert run(jsonl).splitlines()[-1] == "imported 2, rejected 6, skipped 1 already imported"
    assert Declaration.objects.count() == 5
    assert run(path).splitlines()[-1] == "imported 0, rejected 5, skipped 3 already imported"
    assert run(jsonl).splitlines()[-1] == "imported 0, rejected 6, skipped 3 already imported"
    assert Declaration.objects.count() == 5
    # A fixed line is imported; the lines imported before are still skipped.
    fixed = write(tmp_path, "fixed.csv", MIXED_CSV.replace("王五,bogus", "王五,party"))
    assert run(fixed).splitlines()[-1] == "imported 1, rejected 4, skipped 3 already imported"
    # The key belongs to the helper: the same line from another helper is another person.
    assert run(path, helper="charlie").splitlines()[-1].startswith("imported 3,")


def test_it_keeps_identical_lines_apart_and_a_ref_identifies_a_declaration(tmp_path, alice):
    # Two people who gave the same alias: both stored (screening holds the second for a
    # moderator), and a second import skips both.
    same = write(tmp_path, "same.csv", HEADER + ",王先生,party,,,,,,\n,王先生,party,,,,,,\n")
    assert run(same).splitlines()[-1] == "imported 2, rejected 0, skipped 0 already imported"
    assert run(same).splitlines()[-1] == "imported 0, rejected 0, skipped 2 already imported"
    sequencer.drain()
    assert sorted(Declaration.objects.values_list("status", flat=True)) == [
        Status.ACCEPTED, Status.HELD]
    # With a ref, the ref is the declaration: corrected content under it is not imported.
    first = write(tmp_path, "r1.csv", HEADER + "R9,陈一,party,,,,,,\n")
    again = write(tmp_path, "r2.csv", HEADER + "R9,陈一,league,,,,,,\n")
    assert run(first).splitlines()[-1].startswith("imported 1,")
    assert run(again).splitlines()[-1] == "imported 0, rejected 0, skipped 1 already imported"
    # A ref used again further down the file is refused, not merged.
    split = write(tmp_path, "split.csv",
                  HEADER + "Q1,林一,party,,,,,,\n,林二,party,,,,,,\nQ1,林三,party,,,,,,\n")
    out = run(split)
    assert "line 4 (ref Q1): ref: This ref is already used on line 2" in out
    assert "林三" not in {p.display_name for p in stored_persons()}


def test_it_writes_receipt_codes_only_to_the_receipts_file(tmp_path, alice):
    receipts, report = tmp_path / "receipts.csv", tmp_path / "report.csv"
    out = run(write(tmp_path, "mixed.csv", MIXED_CSV), receipts=receipts, report=report)
    rows = list(csv.reader(receipts.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["line", "ref", "receipt_code"]
    assert [(line, ref) for line, ref, _code in rows[1:]] == [("2", ""), ("3", "F-1"),
                                                                ("12", "")]
    for _line, _ref, code in rows[1:]:
        declaration = find_by_receipt(code)
        assert declaration is not None and declaration.channel == "import"
        assert code not in out
    assert oct(receipts.stat().st_mode & 0o777) == "0o600"
    assert declaration_naming("周九") == find_by_receipt(rows[3][2])
    reported = list(csv.DictReader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["line"], r["field"]) for r in reported] == [
        ("5", "organizations"), ("6", "display_name"), ("8", "country"),
        ("9", "is_real_name"), ("10", "statement_text")]
    assert reported[2]["first_line"] == "7" and reported[2]["ref"] == "F-2"
    with pytest.raises(CommandError, match="refusing to overwrite"):
        run(write(tmp_path, "other.csv", HEADER + ",新人,party,,,,,,\n"), receipts=receipts)


# Persons the web form accepts or refuses; the import must decide the same.
SAMPLES = [
    {"display_name": "张三", "organizations": ["party"]},
    {"display_name": "  张三  ", "organizations": ["party", "pioneers"], "region": "tibet"},
    {"display_name": "", "organizations": ["party"]},
    {"display_name": "长" * 41, "organizations": ["party"]},
    {"display_name": "长" * 40, "organizations": ["league"]},
    {"display_name": "a\u200bb", "organizations": ["party"]},
    {"display_name": "张三", "organizations": []},
    {"display_name": "张三", "organizations": ["party"], "region": "overseas"},
    {"display_name": "张三", "organizations": ["party"], "region": "overseas", "country": "CN"},
    {"display_name": "张三", "organizations": ["party"], "region": "overseas", "country": "DE"},
    {"display_name": "张三", "organizations": ["party"], "country": "DE"},
    {"display_name": "张三", "organizations": ["party"], "region": "atlantis"},
    {"display_name": "张三", "organizations": ["party"], "sector": "police"},
    {"display_name": "张三", "organizations": ["party"], "birth_year": 2999},
    {"display_name": "张三", "organizations": ["party"], "birth_year": 1899},
    {"display_name": "张三", "organizations": ["party"], "private_real_name": "x\ny"},
]


def test_it_checks_lines_with_the_web_forms_rules(tmp_path, client, alice):
    login_verified(client, alice)
    for index, person in enumerate(SAMPLES):
        fields = {k: v for k, v in person.items() if k not in ("display_name", "organizations")}
        post = declaration_post(person_fields(0, person["display_name"], person["organizations"],
                                              **fields), channel="phone", consent="on")
        web = client.post("/en/helpers/declare/", post).status_code == 200
        line = {"ref": f"S{index}", "persons": [person]}
        path = write(tmp_path, f"s{index}.jsonl", json.dumps(line) + "\n")
        imported = run(path).splitlines()[-1].startswith("imported 1,")
        assert web == imported, person
    assert Declaration.objects.filter(channel="import").count() == (
        Declaration.objects.exclude(channel="import").count())


@pytest.mark.parametrize("name,text", [("mixed.csv", MIXED_CSV), ("mixed.jsonl", MIXED_JSONL)])
def test_it_checks_lines_in_worker_processes_with_the_same_outcome(tmp_path, alice, charlie,
                                                                   name, text):
    path = write(tmp_path, name, text)
    alone = run(path, helper="charlie", workers=0)
    receipts = tmp_path / "receipts.csv"
    pooled = run(path, workers=2, receipts=receipts)
    assert pooled == alone
    assert pooled.splitlines()[-1].startswith("imported 3,")
    rows = list(csv.reader(receipts.read_text(encoding="utf-8-sig").splitlines()))[1:]
    assert len(rows) == 3
    for _line, _ref, code in rows:
        assert find_by_receipt(code).helper == alice
    assert run(path, workers=2).splitlines()[-1].endswith("skipped 3 already imported")


def _plan(sql: str, params: list) -> str:
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_it_finds_the_lines_imported_before_through_the_import_key_index(tmp_path, alice):
    """A batch of a thousand keys is looked up with one probe of the index a key: on
    PostgreSQL an IN list of them was a scan of the whole table (the planner's choice
    while the table is small), so each batch of an import read all that came before."""
    lines = "".join(f",人{n},party,,,,,,\n" for n in range(1200))
    path = write(tmp_path, "many.csv", HEADER + lines)
    assert run(path).splitlines()[-1] == "imported 1200, rejected 0, skipped 0 already imported"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_declaration")
    keys = [bytes(k) for k in Declaration.objects.values_list("import_key", flat=True)]
    wanted = keys[:1000]
    for sql, params in bulk.import_key_queries(wanted):
        plan = _plan(sql, params)
        assert "declaration_import_key" in plan, plan
        assert "Seq Scan on registry_declaration" not in plan and "SCAN registry" not in plan
    assert bulk.existing_import_keys([*wanted, b"\0" * 16]) == set(wanted)
    assert run(path).splitlines()[-1] == "imported 0, rejected 0, skipped 1200 already imported"
