"""Persons packed into their declaration's row (registry/people.py)."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from tuidang.registry.people import Person, pack, unpack, withdraw

persons = st.lists(st.tuples(st.text(max_size=40), st.booleans(), st.booleans(),
                             st.booleans(), st.booleans(), st.text(max_size=20),
                             st.text(max_size=2), st.text(max_size=12),
                             st.binary(min_size=16, max_size=16)), min_size=1, max_size=50)


@given(persons)
def test_what_is_packed_unpacks_to_the_same_persons_in_order(given_persons):
    found = unpack(pack(given_persons))
    assert [(p.display_name, p.is_real_name, p.party, p.league, p.pioneers, p.region,
             p.country, p.sector, p.salt) for p in found] == given_persons
    assert not any(p.withdrawn for p in found)
    assert [p.position for p in found] == list(range(len(given_persons)))


def test_a_person_costs_its_name_its_salt_and_five_bytes():
    assert len(pack([("张三", False, True, False, False, "", "", "", b"s" * 16)])) == (
        1 + 5 + 16 + 6)


def test_a_withdrawn_person_keeps_what_the_log_holds_and_loses_name_and_salt():
    both = unpack(pack([("张三", True, True, False, False, "beijing", "", "teacher", b"a" * 16),
                        ("李四", False, False, True, False, "", "", "", b"b" * 16)]))
    after = unpack(withdraw(both, [0]))
    assert after[0] == Person(0, "", True, True, False, False, "beijing", "", "teacher",
                              bytes(16), withdrawn=True)
    assert after[1] == both[1]
    assert "张三".encode() not in withdraw(both, [0]) and b"a" * 16 not in withdraw(both, [0])


def test_a_person_shows_organizations_and_labels():
    person = Person(0, "王五", party=True, pioneers=True, region="guangdong", sector="teacher")
    assert person.organizations() == ["party", "pioneers"]
    with translation.override("en"):
        assert (person.get_region_display(), person.get_sector_display()) == (
            "Guangdong", "Teacher")


@pytest.mark.parametrize("data", [b"", b"\x03", b"\x01\x00", b"\x02\x00",
                                  b"\x02\x00" + b"s" * 16 + b"\x05ab",
                                  b"\x02\x00" + b"s" * 16 + b"\x02\xff\xfe\x00\x00\x00"])
def test_it_refuses_what_pack_does_not_write(data):
    with pytest.raises(ValueError):
        unpack(data)


def test_it_refuses_a_field_too_long_to_pack():
    with pytest.raises(ValueError, match="too long"):
        pack([("名" * 86, False, True, False, False, "", "", "", b"s" * 16)])
