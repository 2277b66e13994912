"""Migrations that convert stored data keep what was stored usable."""

import datetime
import zlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tuidang.registry.models import Declaration, PersonIdentity
from tuidang.transparency import storage

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("registry", "0004_drop_pattern_indexes_on_hashes"), ("transparency", "0001_initial")]
DAY = datetime.date(2026, 11, 30)


def _migrate(targets) -> object:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest() -> list:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def old_apps():
    apps = _migrate(BEFORE)
    yield apps
    _migrate(_latest())


def test_level_0_tiles_leave_the_table_and_come_back_if_migrated_back(old_apps):
    from tuidang.tlog.bundle import encode_bundle
    from tuidang.tlog.hashing import leaf_hash

    apps = _migrate([("transparency", "0002_entry_bundles")])
    entries = [f"entry {i}\n".encode() for i in range(300)]
    hashes = b"".join(leaf_hash(e) for e in entries)
    bundles = apps.get_model("transparency", "EntryBundle")
    tiles = apps.get_model("transparency", "Tile")
    for number in (0, 1):
        part = entries[256 * number : 256 * number + 256]
        bundles.objects.create(index=number, count=len(part),
                               data=zlib.compress(encode_bundle(part)))
        tiles.objects.create(level=0, index=number,
                             data=hashes[8192 * number : 8192 * (number + 1)])
    tiles.objects.create(level=1, index=0, data=b"\x07" * 32)

    apps = _migrate(_latest())
    assert list(apps.get_model("transparency", "Tile").objects.values_list("level", "index")) \
        == [(1, 0)]
    assert storage.read_tile(0, 1) == hashes[8192:]
    assert storage.read_tile(0, 0) == hashes[:8192]

    apps = _migrate([("transparency", "0002_entry_bundles")])
    stored = dict(apps.get_model("transparency", "Tile").objects.filter(level=0)
                  .values_list("index", "data"))
    assert {index: bytes(data) for index, data in stored.items()} == {
        0: hashes[:8192], 1: hashes[8192:]}


def test_persons_are_packed_into_their_declarations_and_unpacked_if_migrated_back(old_apps):
    apps = _migrate([("registry", "0005_compact_declarations")])
    Declaration_ = apps.get_model("registry", "Declaration")
    Person_ = apps.get_model("registry", "Person")

    def declaration(**counts):
        return Declaration_.objects.create(
            status="accepted", channel="self", received_on=DAY, receipt_hash=b"r",
            statement_salt=b"", private_commitment=b"", **counts)

    alone = declaration(person_count=1, party_count=1, league_count=0, pioneers_count=0)
    family = declaration(person_count=3, party_count=1, league_count=1, pioneers_count=1)
    Person_.objects.create(declaration=alone, position=0, display_name="王一", party=True,
                           is_real_name=True, region="overseas", country="DE",
                           identity_digest=11)
    for position, (name, org) in enumerate((("李二", "party"), ("李三", "league"),
                                            ("李四", "pioneers"))):
        Person_.objects.create(declaration=family, position=position, display_name=name,
                               sector="student" if position == 2 else "",
                               identity_digest=20 + position, **{org: True})

    _migrate(_latest())
    [one] = Declaration.objects.get(pk=alone.pk).persons
    assert (one.display_name, one.is_real_name, one.party, one.league, one.region,
            one.country, one.sector) == ("王一", True, True, False, "overseas", "DE", "")
    stored = Declaration.objects.get(pk=family.pk)
    assert [(p.position, p.display_name, p.organizations(), p.sector)
            for p in stored.persons] == [(0, "李二", ["party"], ""), (1, "李三", ["league"], ""),
                                         (2, "李四", ["pioneers"], "student")]
    assert Declaration.objects.get(pk=alone.pk).identity_digest == 11
    assert stored.identity_digest == 20
    assert sorted(PersonIdentity.objects.values_list("declaration_id", "position", "digest")) == [
        (family.pk, 1, 21), (family.pk, 2, 22)]

    apps = _migrate([("registry", "0005_compact_declarations")])
    back = apps.get_model("registry", "Person").objects.order_by("declaration_id", "position")
    assert [(p.declaration_id, p.position, p.display_name, p.identity_digest, p.sector)
            for p in back] == [
        (alone.pk, 0, "王一", 11, ""), (family.pk, 0, "李二", 20, ""),
        (family.pk, 1, "李三", 21, ""), (family.pk, 2, "李四", 22, "student")]


def test_statuses_and_channels_become_codes_and_words_again_if_migrated_back(old_apps):
    apps = _migrate([("registry", "0006_pack_persons")])
    Declaration_ = apps.get_model("registry", "Declaration")
    kinds = [("held", "import", "pending"), ("accepted", "in-person", "approved"),
             ("revoked", "email", "rejected"), ("received", "self", "none")]
    for number, (status, channel, statement_status) in enumerate(kinds):
        Declaration_.objects.create(
            status=status, channel=channel, statement_status=statement_status,
            received_on=DAY, receipt_hash=b"\x00" * 8, person_count=1, party_count=1,
            league_count=0, pioneers_count=0, people=b"", identity_digest=number,
            statement_salt=b"", private_commitment=b"")

    def raw() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT status, channel, statement_status FROM registry_declaration "
                           "ORDER BY id")
            return cursor.fetchall()

    _migrate(_latest())
    assert raw() == [("h", "m", "p"), ("a", "i", "a"), ("v", "e", "x"), ("r", "s", "n")]
    assert list(Declaration.objects.order_by("id").values_list(
        "status", "channel", "statement_status")) == kinds
    assert list(Declaration.objects.filter(status="held").values_list("channel", flat=True)) \
        == ["import"]
    _migrate([("registry", "0006_pack_persons")])
    assert raw() == kinds
