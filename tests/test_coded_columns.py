"""A declaration's status, channel and statement status: words in Python, codes in the row."""

import pytest
from django.core import checks
from django.db import connection

from tests.factories import declare
from tuidang.registry.coded import CodedChoiceField
from tuidang.registry.models import Declaration
from tuidang.transparency import sequencer

pytestmark = pytest.mark.django_db


def raw_columns() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, channel, statement_status FROM registry_declaration "
                       "ORDER BY id")
        return cursor.fetchall()


def test_the_row_holds_codes_and_everything_else_the_words(client):
    declare(client, "张三")
    declare(client, "王五", statement_text="我退出。")
    assert raw_columns() == [("r", "s", "n"), ("r", "s", "p")]
    sequencer.drain()
    assert raw_columns() == [("a", "s", "n"), ("a", "s", "p")]
    assert list(Declaration.objects.order_by("id").values_list(
        "status", "channel", "statement_status")) == [
        ("accepted", "self", "none"), ("accepted", "self", "pending")]
    assert Declaration.objects.filter(statement_status="pending").count() == 1
    first = Declaration.objects.order_by("id").first()
    assert (first.status, first.public_status) == ("accepted", "published")


def test_the_queues_partial_indexes_name_the_codes():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
                           "('declaration_held', 'declaration_statement')")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE name IN "
                           "('declaration_held', 'declaration_statement')")
        found = dict(cursor.fetchall())
    assert "'h'" in found["declaration_held"] and "'held'" not in found["declaration_held"]
    assert "'p'" in found["declaration_statement"]


def test_a_field_without_a_code_for_every_choice_fails_the_checks():
    field = CodedChoiceField(max_length=10, choices=[("a", "A"), ("b", "B")],
                             codes={"a": "x", "b": "x"})
    field.set_attributes_from_name("example")
    field.model = Declaration
    assert [e.id for e in field.check() if isinstance(e, checks.Error)] == ["tuidang.E001"]
