"""Every change to declarations goes through a function here, in one transaction."""

import os
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from tuidang.registry import dates, identity, receipts, sealing
from tuidang.registry.choices import ORGANIZATIONS, Channel, Region
from tuidang.registry.models import Declaration, Person, Revocation, StatementStatus, Status
from tuidang.tlog.entry import encode_entry
from tuidang.transparency.entries import declaration_entry


@dataclass(frozen=True)
class PersonData:
    display_name: str
    organizations: tuple[str, ...]
    is_real_name: bool = False
    region: str = ""
    country: str = ""
    sector: str = ""
    private_real_name: str = ""  # sealed, never stored in clear
    birth_year: int | None = None  # sealed, never stored in clear

    @classmethod
    def from_form(cls, data: dict) -> "PersonData":
        return cls(
            display_name=data["display_name"],
            organizations=tuple(o for o in ORGANIZATIONS if o in data["organizations"]),
            is_real_name=data.get("is_real_name", False),
            region=data.get("region", ""),
            country=data.get("country", "") if data.get("region") == Region.OVERSEAS else "",
            sector=data.get("sector", ""),
            private_real_name=data.get("private_real_name", ""),
            birth_year=data.get("birth_year"),
        )


@dataclass(frozen=True)
class Submitted:
    declaration: Declaration
    receipt_code: str


def submit_declaration(
    persons: list[PersonData],
    *,
    channel: str = Channel.SELF,
    helper: AbstractBaseUser | None = None,
    statement_title: str = "",
    statement_text: str = "",
    intake_hold: str = "",
    contact: str = "",
    notes: str = "",
) -> Submitted:
    """Store a validated declaration as `received`; the sequencer screens and counts it.

    The receipt code is returned only after the transaction has committed, so a code
    shown to a declarant always refers to a durable declaration. `intake_hold` (from the
    abuse gate) makes screening hold it for a moderator with that reason.
    """
    if not persons:
        raise ValueError("a declaration covers at least one person")
    code = receipts.new_code()
    with transaction.atomic():
        declaration = Declaration.objects.create(
            channel=channel,
            helper=helper,
            received_on=dates.today(),
            hold_reason=intake_hold,
            receipt_hash=receipts.code_hash(code),
            person_count=len(persons),
            party_count=sum("party" in p.organizations for p in persons),
            league_count=sum("league" in p.organizations for p in persons),
            pioneers_count=sum("pioneers" in p.organizations for p in persons),
            statement_title=statement_title,
            statement_text=statement_text,
            statement_status=StatementStatus.PENDING if statement_text else StatementStatus.NONE,
            statement_salt=os.urandom(16),
            private_commitment=b"",
        )
        Person.objects.bulk_create(
            Person(
                declaration=declaration,
                position=position,
                display_name=p.display_name,
                is_real_name=p.is_real_name,
                party="party" in p.organizations,
                league="league" in p.organizations,
                pioneers="pioneers" in p.organizations,
                region=p.region,
                country=p.country,
                sector=p.sector,
                identity_digest=identity.person_digest(p.display_name, p.organizations),
            )
            for position, p in enumerate(persons)
        )
        private = {
            "serial": declaration.pk,
            "helper": helper.pk if helper else None,
            "contact": contact,
            "notes": notes,
            "persons": [{"real_name": p.private_real_name, "birth_year": p.birth_year}
                        for p in persons],
        }
        declaration.sealed_private, declaration.private_commitment = sealing.seal(private)
        declaration.save(update_fields=["sealed_private", "private_commitment"])
        # The entry must encode (valid fields, under 64 KiB) before anything is committed,
        # so the sequencer never meets a declaration it cannot log.
        encode_entry(declaration_entry(declaration, list(declaration.persons.all())))
    return Submitted(declaration, code)


def find_by_receipt(code: str) -> Declaration | None:
    try:
        digest = receipts.code_hash(code)
    except ValueError:
        return None
    return Declaration.objects.filter(receipt_hash=digest).first()


def revoke_declaration(declaration: Declaration, reason: str) -> Revocation | None:
    """Withdraw a declaration from the count and destroy its private data.

    Call inside the caller's transaction. A declaration already in the log gets a
    revocation entry; one not yet sequenced is simply never counted. The sealed private
    fields and the statement are erased (crypto-shredding): what remains is what the
    public log already holds.
    """
    locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if locked.status == Status.REVOKED:
        raise ValueError("already revoked")
    was_logged = locked.log_index is not None
    locked.status = Status.REVOKED
    locked.is_published = False
    locked.sealed_private = None
    locked.statement_title = locked.statement_text = ""
    if locked.statement_status != StatementStatus.NONE:
        locked.statement_status = StatementStatus.REJECTED
    locked.save(update_fields=[
        "status", "is_published", "sealed_private", "statement_title", "statement_text",
        "statement_status",
    ])
    for field in ("status", "is_published", "sealed_private", "statement_title",
                  "statement_text", "statement_status"):
        setattr(declaration, field, getattr(locked, field))
    if not was_logged:
        return None
    return Revocation.objects.create(
        declaration=locked, reason=reason, decided_on=dates.today()
    )


def retract_with_receipt(code: str) -> Declaration | None:
    """The declarant's own retraction, authorized by the receipt code alone."""
    with transaction.atomic():
        declaration = find_by_receipt(code)
        if declaration is None:
            return None
        if declaration.status in (Status.REVOKED, Status.REJECTED):
            return declaration
        revoke_declaration(declaration, Revocation.Reason.RETRACTED)
    return declaration
