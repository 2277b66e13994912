"""Signed notes, checkpoints and tlog-proof receipts."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tuidang.tlog.checkpoint import Checkpoint, CheckpointError, open_checkpoint, sign_checkpoint
from tuidang.tlog.hashing import leaf_hash, root_from_leaf_hashes
from tuidang.tlog.note import (
    NoteError,
    Signer,
    Verifier,
    generate_signer,
    key_id,
    open_note,
    sign_note,
)
from tuidang.tlog.proof import ProofError, inclusion_proof
from tuidang.tlog.receipt import format_tlog_proof, parse_tlog_proof, verify_tlog_proof

VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
EXAMPLE = ("This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6T"
           "fXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n").encode()


def test_it_verifies_the_spec_example() -> None:
    v = Verifier.from_key_string(VKEY)
    assert v.key_id.hex() == "530d903a" and v.key_id == key_id(v.name, v.public_key)
    note = open_note(EXAMPLE, [v])
    assert note.text == "This is an example message.\n"
    assert note.verified == [v]
    assert v.key_string() == VKEY


@pytest.mark.parametrize("message", [
    EXAMPLE.replace(b"example message", b"example massage"),
    EXAMPLE.replace(b"Uw2Q", b"Uw2R"),
    EXAMPLE.replace(b"\n\n", b"\n"),
    EXAMPLE[:-1],
    EXAMPLE.replace(b"\xe2\x80\x94 ", b"- "),
    EXAMPLE.replace(b"message.\n", b"message.\r\n"),
    EXAMPLE + EXAMPLE.split(b"\n\n")[1],  # the same known key twice
])
def test_it_rejects_modified_notes(message: bytes) -> None:
    with pytest.raises(NoteError):
        open_note(message, [Verifier.from_key_string(VKEY)])


def test_it_ignores_unknown_keys_but_needs_one_known() -> None:
    a, b = generate_signer("a.example/log"), generate_signer("b.example/witness")
    msg = sign_note("hello\n\nworld\n", [a, b])
    note = open_note(msg, [a.verifier()])
    assert note.text == "hello\n\nworld\n" and len(note.signatures) == 2
    assert [v.name for v in note.verified] == ["a.example/log"]
    with pytest.raises(NoteError):
        open_note(msg, [generate_signer("c.example/x").verifier()])
    # Same name, other key: ignored (not both name and ID match), so no known key.
    with pytest.raises(NoteError):
        open_note(msg, [generate_signer("a.example/log").verifier()])


def test_it_round_trips_key_strings() -> None:
    s = Signer("tuidang.example/log", hashlib.sha256(b"k").digest())
    assert Signer.from_private_key_string(s.private_key_string()).public_key == s.public_key
    assert s.private_key_string().startswith("PRIVATE+KEY+tuidang.example/log+")
    assert Verifier.from_key_string(s.verifier_key_string()).public_key == s.public_key
    bad_id = s.verifier_key_string().replace(s.key_id.hex(), "00000000")
    for bad in [bad_id, "a+b", "", "na me+00000000+AQ=="]:
        with pytest.raises(NoteError):
            Verifier.from_key_string(bad)
    for name in ["", "a b", "a+b", "a\nb"]:
        with pytest.raises(NoteError):
            Signer(name, bytes(32))


def test_it_refuses_to_sign_bad_text() -> None:
    s = generate_signer("x.example/y")
    for text in ["no newline", "tab\there\n", b"\xff\n"]:
        with pytest.raises(NoteError):
            sign_note(text, [s])


ROOT = hashlib.sha256(b"root").digest()


def test_it_formats_and_parses_checkpoints() -> None:
    cp = Checkpoint("tuidang.example/log", 70000, ROOT, ("tally persons=1",))
    text = cp.to_text()
    b64 = base64.b64encode(ROOT).decode()
    assert text == f"tuidang.example/log\n70000\n{b64}\ntally persons=1\n"
    assert Checkpoint.from_text(text) == cp
    assert cp.extension("tally") == "tally persons=1" and cp.extension("x") is None


@pytest.mark.parametrize("text", [
    "o\n1\n{r}", "o\n01\n{r}\n", "o\n-1\n{r}\n", "o\n1\n{r}\n\n", "\n1\n{r}\n", "o\n1\n",
    "o\n1\n{r}\next\n\n", "o\n1\nAAAA\n", "o\n 1\n{r}\n", "o\n1\n{r} \n",
    "o\n1\n{nopad}\n", "o\n18446744073709551616\n{r}\n",
])
def test_it_rejects_malformed_checkpoints(text: str) -> None:
    r = base64.b64encode(ROOT).decode()
    with pytest.raises(CheckpointError):
        Checkpoint.from_text(text.format(r=r, nopad=r.rstrip("=")))


def test_it_signs_and_opens_checkpoints(signer: Signer) -> None:
    cp = Checkpoint(signer.name, 5, ROOT)
    signed = sign_checkpoint(cp, signer)
    assert open_checkpoint(signed, signer.verifier()) == (cp, cp.to_text().encode())
    assert open_checkpoint(signed, signer.verifier(), signer.name)[0] == cp
    with pytest.raises(CheckpointError):
        open_checkpoint(signed, signer.verifier(), "other.example/log")
    with pytest.raises(NoteError):
        open_checkpoint(signed.replace(b"\n5\n", b"\n6\n"), signer.verifier())


def test_it_verifies_receipts(signer: Signer) -> None:
    entries = [b"entry %d" % i for i in range(11)]
    hashes = [leaf_hash(e) for e in entries]
    cp = Checkpoint(signer.name, 11, root_from_leaf_hashes(hashes))
    signed = sign_checkpoint(cp, signer)
    proof = inclusion_proof(6, 11, lambda lv, i: root_from_leaf_hashes(
        hashes[i << lv:(i + 1) << lv]))
    data = format_tlog_proof(6, proof, signed, extra=b"receipt code hint")
    assert data.startswith(b"c2sp.org/tlog-proof@v1\nextra ")
    parsed = parse_tlog_proof(data)
    assert (parsed.index, list(parsed.proof), parsed.extra) == (6, proof, b"receipt code hint")
    assert parsed.signed_checkpoint == signed
    assert verify_tlog_proof(data, entries[6], signer.verifier(), signer.name) == cp
    with pytest.raises(ProofError):
        verify_tlog_proof(data, entries[5], signer.verifier())
    with pytest.raises(ProofError):
        verify_tlog_proof(data.replace(b"index 6", b"index 7"), entries[6], signer.verifier())
    with pytest.raises(NoteError):
        verify_tlog_proof(data, entries[6], generate_signer(signer.name).verifier())
    plain = format_tlog_proof(6, proof, signed)
    assert plain.split(b"\n")[1] == b"index 6" and parse_tlog_proof(plain).extra is None
    for bad in [b"c2sp.org/tlog-proof@v2" + plain[22:], plain.replace(b"index 6", b"index 06"),
                plain.replace(b"\n\n", b"\n"), plain.replace(b"index 6\n", b"index 6\nAAAA\n")]:
        with pytest.raises(ProofError):
            parse_tlog_proof(bad)
