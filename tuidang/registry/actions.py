"""Every change to declarations goes through a function here, in one transaction."""

import os
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, NotSupportedError, connection, transaction

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


class AlreadyImported(Exception):
    """A declaration with this import key exists: the line was imported before."""


def _new_declaration(
    persons: list[PersonData], *, channel: str, helper: AbstractBaseUser | None,
    statement_title: str, statement_text: str, intake_hold: str, import_key: str | None,
) -> tuple[Declaration, str]:
    """An unsaved declaration with a fresh receipt code (only its hash is kept)."""
    if not persons:
        raise ValueError("a declaration covers at least one person")
    code = receipts.new_code()
    declaration = Declaration(
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
        import_key=import_key,
    )
    return declaration, code


def _new_persons(declaration: Declaration, persons: list[PersonData]) -> list[Person]:
    return [
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
    ]


def _seal_private(
    declaration: Declaration, persons: list[PersonData], helper: AbstractBaseUser | None,
    contact: str, notes: str,
) -> None:
    """Seal the private fields of a stored declaration (its serial is part of them)."""
    private = {
        "serial": declaration.pk,
        "helper": helper.pk if helper else None,
        "contact": contact,
        "notes": notes,
        "persons": [{"real_name": p.private_real_name, "birth_year": p.birth_year}
                    for p in persons],
    }
    declaration.sealed_private, declaration.private_commitment = sealing.seal(private)


def _save_seals(declarations: list[Declaration]) -> None:
    """What declaration.save(update_fields=[the seal]) does, for many at once.

    One UPDATE … FROM (VALUES …) per INSERT_ROWS declarations (SQLite and PostgreSQL
    both name the columns of VALUES column1, column2, …): QuerySet.bulk_update builds a
    CASE expression per row, and executemany costs a round trip per row on PostgreSQL.
    """
    meta, quote = Declaration._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    sealed, commitment, key = (quote(meta.get_field(name).column)
                               for name in ("sealed_private", "private_commitment", "id"))
    with connection.cursor() as cursor:
        for start in range(0, len(declarations), INSERT_ROWS):
            chunk = declarations[start : start + INSERT_ROWS]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            # The names come from the model, never from input.
            sql = (f"UPDATE {table} SET {sealed} = v.column2, {commitment} = v.column3 "  # noqa: S608
                   f"FROM (VALUES {values}) AS v WHERE {table}.{key} = v.column1")
            cursor.execute(sql, [value for d in chunk
                                 for value in (d.pk, d.sealed_private, d.private_commitment)])


def _check_entry(declaration: Declaration, persons: list[Person]) -> None:
    # The entry must encode (valid fields, under 64 KiB) before anything is committed,
    # so the sequencer never meets a declaration it cannot log.
    encode_entry(declaration_entry(declaration, persons))


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
    import_key: str | None = None,
) -> Submitted:
    """Store a validated declaration as `received`; the sequencer screens and counts it.

    The receipt code is returned only after the transaction has committed, so a code
    shown to a declarant always refers to a durable declaration. `intake_hold` (from the
    abuse gate) makes screening hold it for a moderator with that reason. `import_key`
    (imports only) is unique: if a declaration already has it, nothing is stored and
    AlreadyImported is raised.
    """
    declaration, code = _new_declaration(
        persons, channel=channel, helper=helper, statement_title=statement_title,
        statement_text=statement_text, intake_hold=intake_hold, import_key=import_key,
    )
    try:
        with transaction.atomic():
            declaration.save(force_insert=True)
            Person.objects.bulk_create(_new_persons(declaration, persons))
            _seal_private(declaration, persons, helper, contact, notes)
            declaration.save(update_fields=["sealed_private", "private_commitment"])
            _check_entry(declaration, list(declaration.persons.all()))
    except IntegrityError:
        if import_key is not None and Declaration.objects.filter(import_key=import_key).exists():
            raise AlreadyImported(import_key) from None
        raise
    return Submitted(declaration, code)


# Rows per INSERT in bulk: short statements are cheaper to build and to send than one
# statement of a thousand rows (PostgreSQL has no parameter limit to split them).
INSERT_ROWS = 100


@dataclass(frozen=True)
class DeclarationData:
    """One declaration for submit_declarations_bulk: submit_declaration's arguments."""

    persons: list[PersonData]
    statement_title: str = ""
    statement_text: str = ""
    contact: str = ""
    notes: str = ""
    import_key: str | None = None
    intake_hold: str = ""


def submit_declarations_bulk(
    items: list[DeclarationData],
    *,
    channel: str,
    helper: AbstractBaseUser | None = None,
) -> list[Submitted]:
    """Store many validated declarations in one transaction: all of them, or none.

    The same rows, seals and entry check as submit_declaration, written with a few bulk
    statements; for imports, where one commit per declaration would be too slow. Raises
    IntegrityError (e.g. an import key that exists) or EntryError with nothing stored;
    the caller then retries one by one with submit_declaration to sort the good from
    the bad. Receipt codes are returned only after the commit.
    """
    prepared = [
        _new_declaration(
            item.persons, channel=channel, helper=helper,
            statement_title=item.statement_title, statement_text=item.statement_text,
            intake_hold=item.intake_hold, import_key=item.import_key,
        )
        for item in items
    ]
    declarations = [declaration for declaration, _code in prepared]
    with transaction.atomic():
        Declaration.objects.bulk_create(declarations, batch_size=INSERT_ROWS)
        if any(d.pk is None for d in declarations):  # the database returns no new ids
            raise NotSupportedError("bulk_create did not return primary keys")
        persons = [
            _new_persons(d, item.persons) for d, item in zip(declarations, items, strict=True)
        ]
        Person.objects.bulk_create(
            [p for group in persons for p in group], batch_size=INSERT_ROWS
        )
        for declaration, item in zip(declarations, items, strict=True):
            _seal_private(declaration, item.persons, helper, item.contact, item.notes)
        _save_seals(declarations)
        for declaration, group in zip(declarations, persons, strict=True):
            _check_entry(declaration, group)
    return [Submitted(declaration, code) for declaration, code in prepared]


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
