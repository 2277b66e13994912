"""Turning declarations and revocations into log entries (format: docs/log-format.md)."""

from tuidang.registry.models import Declaration, Person, Revocation
from tuidang.tlog.entry import DeclarationEntry, PersonEntry, RevocationEntry, commitment


def _region(person: Person) -> str | None:
    if person.region == "overseas":
        return f"overseas:{person.country}"
    return person.region or None


def person_entry(person: Person) -> PersonEntry:
    return PersonEntry(
        name=person.display_name,
        organizations=tuple(person.organizations()),
        real_name=person.is_real_name,
        region=_region(person),
        sector=person.sector or None,
    )


def statement_payload(declaration: Declaration) -> bytes:
    return f"{declaration.statement_title}\n{declaration.statement_text}".encode()


def declaration_entry(declaration: Declaration, persons: list[Person]) -> DeclarationEntry:
    statement = None
    if declaration.statement_text:
        statement = commitment(bytes(declaration.statement_salt), statement_payload(declaration))
    return DeclarationEntry(
        serial=declaration.pk,
        date=declaration.received_on,
        channel=declaration.channel,
        persons=tuple(person_entry(p) for p in persons),
        statement_commitment=statement,
        private_commitment=bytes(declaration.private_commitment),
    )


def revocation_entry(revocation: Revocation) -> RevocationEntry:
    declaration = revocation.declaration
    return RevocationEntry(
        serial=declaration.pk,
        date=revocation.decided_on,
        revokes=declaration.log_index,
        declared=declaration.received_on,
        channel=declaration.channel,
        persons=declaration.person_count,
        party=declaration.party_count,
        league=declaration.league_count,
        pioneers=declaration.pioneers_count,
        reason=revocation.reason,
    )

