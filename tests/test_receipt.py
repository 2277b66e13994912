"""Looking up a declaration with its receipt code, and the offline proof files."""

import math

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import declare, receipt_code
from tuidang.registry import receipts
from tuidang.registry.actions import revoke_declaration
from tuidang.registry.models import Declaration, Revocation
from tuidang.tlog.note import Verifier
from tuidang.tlog.receipt import verify_tlog_proof
from tuidang.transparency import keys, sequencer

pytestmark = pytest.mark.django_db


def lookup(client, code, lang="en"):
    return client.post(f"/{lang}/receipt/", {"code": code})


def test_it_makes_codes_of_the_serial_and_a_64_bit_secret_without_look_alikes(client):
    assert receipts.SECRET_SYMBOLS * math.log2(len(receipts.ALPHABET)) >= 64
    assert not set("0O1IL") & set(receipts.ALPHABET)
    codes = [receipt_code(declare(client, f"人{i}")) for i in range(30)]
    assert len(set(codes)) == 30
    assert all(len(c) == 24 and c.count("-") == 4 for c in codes)
    serials = [receipts.split_code(receipts.normalize_code(c))[0] for c in codes]
    assert serials == list(Declaration.objects.order_by("id").values_list("id", flat=True))
    # Only a verifier is stored: neither the code nor its secret part.
    for code, declaration in zip(codes, Declaration.objects.order_by("id"), strict=True):
        secret = receipts.normalize_code(code)[receipts.SERIAL_SYMBOLS:]
        assert len(bytes(declaration.receipt_hash)) == receipts.VERIFIER_BYTES == 8
        assert secret.encode() not in bytes(declaration.receipt_hash)


def test_the_serial_part_round_trips_at_the_limits():
    for serial in (1, 30, 31, 961, 10**9, receipts.MAX_SERIAL):
        raw = receipts.encode_serial(serial) + "A" * receipts.SECRET_SYMBOLS
        assert receipts.split_code(raw) == (serial, "A" * receipts.SECRET_SYMBOLS)
    for serial in (0, receipts.MAX_SERIAL + 1):
        with pytest.raises(ValueError):
            receipts.encode_serial(serial)


def test_it_finds_nothing_with_the_right_serial_and_a_wrong_secret(client):
    code = receipt_code(declare(client, "张三"))
    raw = receipts.normalize_code(code)
    wrong = raw[:-1] + ("B" if raw[-1] == "A" else "A")
    html = lookup(client, wrong).content.decode()
    assert "No declaration has this receipt code" in html
    assert 'data-status="received"' in lookup(client, code).content.decode()


def test_a_verifier_of_another_length_matches_nothing(client, settings):
    code = receipt_code(declare(client, "张三"))
    serial, secret = receipts.split_code(receipts.normalize_code(code))
    longer = receipts.digest_hasher(settings.RECEIPT_KEY, "receipt-v2", 16)(f"{serial}:{secret}")
    assert longer[:8] == bytes(Declaration.objects.get().receipt_hash)
    # Only 8 bytes match: neither a prefix of the right verifier nor a longer HMAC.
    for cut in (0, 4, 12, 16):
        Declaration.objects.update(receipt_hash=longer[:cut])
        assert "No declaration has this receipt code" in lookup(client, code).content.decode()


def test_it_shows_the_lookup_form_on_get(client):
    response = client.get("/en/receipt/")
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()


def test_it_never_takes_the_code_from_the_url(client):
    code = receipt_code(declare(client, "张三"))
    response = client.get(f"/en/receipt/?code={code}")
    assert 'id="receipt-status"' not in response.content.decode()


def test_it_shows_received_then_published(client):
    code = receipt_code(declare(client, "张三", "李四"))
    html = lookup(client, code).content.decode()
    assert 'data-status="received"' in html
    assert "张三" in html and "李四" in html
    sequencer.drain()
    html = lookup(client, code).content.decode()
    assert 'data-status="published"' in html
    assert 'id="log-index">0<' in html


def test_it_shows_held(client):
    declare(client, "张三")
    code = receipt_code(declare(client, "张三"))
    sequencer.drain()
    assert 'data-status="held"' in lookup(client, code).content.decode()

def test_it_shows_revoked(client):
    code = receipt_code(declare(client, "张三"))
    sequencer.drain()
    revoke_declaration(Declaration.objects.get(), Revocation.Reason.RETRACTED)
    assert 'data-status="revoked"' in lookup(client, code).content.decode()


def test_it_accepts_the_code_typed_loosely(client):
    code = receipt_code(declare(client, "张三"))
    response = lookup(client, code.lower().replace("-", " "))
    assert 'data-status="received"' in response.content.decode()


def test_it_says_clearly_when_no_declaration_matches(client):
    declare(client, "张三")
    html = lookup(client, "AAAA-BBBB-CCCC-DDDD-EEEE").content.decode()
    assert "No declaration has this receipt code" in html
    assert 'id="receipt-status"' not in html


def test_it_requires_a_code(client):
    html = lookup(client, "").content.decode()
    assert "This field is required" in html


def test_it_offers_a_proof_that_verifies_offline(client):
    code = receipt_code(declare(client, "张三"))
    declare(client, "李四")
    declare(client, "王五")
    sequencer.drain()
    proof = client.post("/en/receipt/proof/", {"code": code})
    assert proof.status_code == 200
    assert proof["Content-Type"] == "application/octet-stream"
    assert "attachment" in proof["Content-Disposition"]
    entry = client.post("/en/receipt/entry/", {"code": code})
    assert entry.status_code == 200
    verifier = Verifier.from_key_string(keys.verifier_key())
    checkpoint = verify_tlog_proof(proof.content, entry.content, verifier)
    assert checkpoint.size == 3
    with pytest.raises(ValueError):
        verify_tlog_proof(proof.content, entry.content.replace(b"serial ", b"serial 9"),
                          verifier)


def test_it_offers_no_proof_before_sequencing_or_for_a_wrong_code(client):
    code = receipt_code(declare(client, "张三"))
    assert client.post("/en/receipt/proof/", {"code": code}).status_code == 404
    sequencer.drain()
    assert client.post("/en/receipt/proof/", {"code": "AAAA"}).status_code == 404
    assert client.get("/en/receipt/proof/").status_code == 405
    assert client.get("/en/receipt/entry/").status_code == 405


def test_it_requires_csrf_for_a_lookup():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/en/receipt/", {"code": "AAAA"}).status_code == 403


@given(st.integers(1, receipts.MAX_SERIAL),
       st.text(receipts.ALPHABET, min_size=receipts.SECRET_SYMBOLS,
               max_size=receipts.SECRET_SYMBOLS))
def test_a_code_is_the_serial_in_base_31_then_the_secret_in_groups_of_four(serial, secret):
    digits, rest = [], serial
    for _ in range(receipts.SERIAL_SYMBOLS):
        rest, digit = divmod(rest, len(receipts.ALPHABET))
        digits.append(receipts.ALPHABET[digit])
    raw = "".join(reversed(digits)) + secret
    code = receipts.make_code(serial, secret)
    assert code == "-".join(raw[i : i + 4] for i in range(0, 20, 4))
    assert receipts.split_code(receipts.normalize_code(code)) == (serial, secret)


def test_it_refuses_a_secret_of_the_wrong_length():
    with pytest.raises(ValueError):
        receipts.make_code(1, "A" * (receipts.SECRET_SYMBOLS - 1))
