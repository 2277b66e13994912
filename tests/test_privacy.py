"""Private fields are sealed; retraction erases them; the database holds none in clear."""

import json
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import declaration_post, person_fields, receipt_code
from tuidang.registry.models import Declaration, Revocation, Total
from tuidang.transparency import sequencer, storage

pytestmark = pytest.mark.django_db

SECRETS = ["真名王大锤", "1987", "wang.secret@example.org", "私密备注ZXQ"]


def post_with_private(client):
    data = declaration_post(
        person_fields(0, "小草", private_real_name="真名王大锤", birth_year="1987"),
        contact="wang.secret@example.org", notes="私密备注ZXQ",
    )
    response = client.post("/en/declare/", data)
    assert response.status_code == 200, response.content.decode()[:2000]
    return receipt_code(response)


def database_dump() -> str:
    """Every row of every table, as text (bytes decoded leniently)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        value = bytes(value).decode("utf-8", "replace")
                    chunks.append(str(value))
    return "\n".join(chunks)


def holds(dump: str, secret: str) -> bool:
    """Whether the secret is in the dump; a number only as a number of its own, not as
    digits of a timestamp (the migrations' times once held "…03.991987")."""
    if secret.isdigit():
        return re.search(rf"(?<![0-9]){secret}(?![0-9])", dump) is not None
    return secret in dump


def decrypt() -> list[dict]:
    out = StringIO()
    call_command("records_decrypt", key=settings.TEST_RECORDS_PRIVATE_KEY_FILE, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_database_holds_no_private_field_in_clear(client):
    post_with_private(client)
    sequencer.drain()
    dump = database_dump()
    assert "小草" in dump  # the displayed name is public, so the dump is really searched
    for secret in SECRETS:
        assert not holds(dump, secret)
    entries = b"".join(data for _index, data in storage.all_entries())
    for secret in SECRETS:
        assert secret.encode() not in entries


def test_records_decrypt_opens_them_with_the_private_key(client):
    post_with_private(client)
    sequencer.drain()
    [record] = decrypt()
    private = record["private"]
    assert private["contact"] == "wang.secret@example.org"
    assert private["notes"] == "私密备注ZXQ"
    assert private["persons"] == [{"real_name": "真名王大锤", "birth_year": 1987}]
    assert record["matches_log_commitment"] is True


def test_records_decrypt_refuses_a_wrong_key(client, tmp_path):
    post_with_private(client)
    wrong = tmp_path / "wrong.key"
    call_command("records_keygen", private_key_out=wrong, stdout=StringIO())
    with pytest.raises(CommandError, match="does not open it"):
        call_command("records_decrypt", key=wrong, stdout=StringIO())


def test_records_keygen_refuses_to_overwrite(tmp_path):
    key = tmp_path / "records.key"
    out = StringIO()
    call_command("records_keygen", private_key_out=key, public_key_out=tmp_path / "p", stdout=out)
    assert "RECORDS_PUBLIC_KEY=" in out.getvalue()
    with pytest.raises(CommandError, match="refusing to overwrite"):
        call_command("records_keygen", private_key_out=key, stdout=StringIO())


def test_a_future_year_of_birth_is_refused(client):
    data = declaration_post(person_fields(0, "小草", birth_year="2999"))
    assert client.post("/en/declare/", data).status_code == 400
    assert not Declaration.objects.exists()


def test_the_declarant_retracts_with_the_receipt_and_private_data_is_shredded(client):
    code = post_with_private(client)
    sequencer.drain()
    assert Total.objects.get(key="persons").value == 1
    refused = client.post("/en/receipt/retract/", {"code": code})
    assert refused.status_code == 400
    assert Declaration.objects.get().status == "accepted"
    response = client.post("/en/receipt/retract/", {"code": code, "confirm": "yes"})
    assert response.status_code == 200
    assert 'data-status="revoked"' in response.content.decode()
    declaration = Declaration.objects.get()
    assert declaration.sealed_private is None
    assert declaration.revocations.get().reason == Revocation.Reason.RETRACTED
    assert decrypt() == []
    sequencer.drain()
    assert Total.objects.get(key="persons").value == 0
    assert Total.objects.get(key="revocations").value == 1
    again = client.post("/en/receipt/retract/", {"code": code, "confirm": "yes"})
    assert again.status_code == 200
    assert Revocation.objects.count() == 1


def test_retracting_before_sequencing_means_never_counted(client):
    code = post_with_private(client)
    client.post("/en/receipt/retract/", {"code": code, "confirm": "yes"})
    sequencer.drain()
    assert not list(storage.all_entries())
    assert Declaration.objects.get().status == "revoked"


def test_retraction_needs_a_valid_code_and_post(client):
    post_with_private(client)
    response = client.post("/en/receipt/retract/", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE",
                                                    "confirm": "yes"})
    assert response.status_code == 404
    assert client.get("/en/receipt/retract/").status_code == 405
    assert Declaration.objects.get().status == "received"


def test_a_helpers_private_details_are_sealed_too(client, alice):
    from tests.conftest import login_verified

    login_verified(client, alice)
    data = declaration_post(person_fields(0, "代交", private_real_name="真名赵六"),
                            channel="phone", consent="on", contact="+86 138 0000 0000",
                            notes="晚上打电话")
    assert client.post("/en/helpers/declare/", data).status_code == 200
    [record] = decrypt()
    assert record["private"]["contact"] == "+86 138 0000 0000"
    assert record["private"]["notes"] == "晚上打电话"
    assert record["private"]["helper"] == alice.pk
    assert "+86 138 0000 0000" not in database_dump()
