"""Log entries from the registry's rows, the domain's side of docs/log-format.md.

Intake encodes each declaration's entry as it stores it (intake/bulk.py), with tlog's
`person_line` and the fields mapped by `entry_region`; the sequencer appends those bytes.
`declaration_entry` builds the same entry from a declaration's model instances, for the
checks that the two agree (tests/test_sequencer_batch.py) and for open data's persons;
`revocation_entry` is how a revocation is encoded.
"""

from tuidang.registry.models import Declaration, Revocation
from tuidang.registry.people import Person
from tuidang.registry.sealing import empty_commitment
from tuidang.tlog.entry import (
    DeclarationEntry,
    PersonEntry,
    RevocationEntry,
    name_commitment,
    statement_commitment,
)

# (party, league, pioneers) flags → the organizations of the entry.
_ORGANIZATIONS = {
    (party, league, pioneers): tuple(
        org for org, flag in (("party", party), ("league", league), ("pioneers", pioneers))
        if flag
    )
    for party in (False, True) for league in (False, True) for pioneers in (False, True)
}


def entry_region(region: str, country: str) -> str | None:
    """The entry's region of a person: `overseas:XX` with the country, or none."""
    return f"overseas:{country}" if region == "overseas" else region or None


def person_entry(person: Person) -> PersonEntry:
    """The person as logged; ValueError for a withdrawn person (their name is gone)."""
    if person.withdrawn:
        raise ValueError("a withdrawn person's name is gone")
    return PersonEntry(
        name_commitment=name_commitment(person.salt, person.display_name),
        organizations=_ORGANIZATIONS[person.party, person.league, person.pioneers],
        real_name=person.is_real_name,
        region=entry_region(person.region, person.country),
        sector=person.sector or None,
    )


def declaration_entry(declaration: Declaration,
                      persons: tuple[Person, ...] | list[Person]) -> DeclarationEntry:
    """The entry the rows describe; its `private` line is the stored commitment, or a
    random one when nothing is private (the logged entry's differs: it is random too)."""
    text = declaration.statement_text
    return DeclarationEntry(
        serial=declaration.pk,
        date=declaration.received_on,
        channel=declaration.channel,
        persons=tuple(person_entry(p) for p in persons),
        statement_commitment=statement_commitment(
            bytes(declaration.statement_salt), declaration.statement_title, text)
        if text else None,
        private_commitment=bytes(declaration.private_commitment) or empty_commitment(),
    )


def revocation_entry(revocation: Revocation, counts: tuple[int, int, int, int]
                     ) -> RevocationEntry:
    """The entry of `revocation`, which subtracts `counts` (persons, party, league,
    pioneers): what was still counted of the declaration, or of its one person."""
    declaration = revocation.declaration
    persons, party, league, pioneers = counts
    return RevocationEntry(
        serial=declaration.pk,
        date=revocation.decided_on,
        revokes=declaration.log_index,
        person=revocation.person,
        declared=declaration.received_on,
        channel=declaration.channel,
        persons=persons,
        party=party,
        league=league,
        pioneers=pioneers,
        reason=revocation.reason,
    )
