"""C2SP tlog-cosignature (Ed25519, cosignature/v1): the bytes signed, the key ID, the time."""

from __future__ import annotations

import base64
import hashlib

import nacl.signing
import pytest

from tuidang.tlog.checkpoint import Checkpoint, sign_checkpoint
from tuidang.tlog.cosignature import (
    CosignatureError,
    CosignatureSigner,
    CosignatureVerifier,
    cosignature_message,
    generate_cosigner,
    verified_cosignatures,
)
from tuidang.tlog.note import NoteError, generate_signer, open_note

SEED = bytes(range(32))
NAME = "witness.example/w1"
# The checkpoint and time of the example in tlog-cosignature.
TEXT = (b"example.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
TIME = 1679315147


def test_it_signs_the_message_the_spec_defines_with_the_key_id_over_0x04():
    # Written out by hand from the spec, not by the code under test.
    message = (b"cosignature/v1\n"
               b"time 1679315147\n"
               b"example.com/behind-the-sofa\n"
               b"20852163\n"
               b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
    public = bytes(nacl.signing.SigningKey(SEED).verify_key)
    key_id = hashlib.sha256(b"witness.example/w1\n\x04" + public).digest()[:4]
    timestamp = bytes([0, 0, 0, 0, 0x64, 0x18, 0x50, 0xCB])  # 1679315147, big-endian u64
    signature = nacl.signing.SigningKey(SEED).sign(message).signature
    expected = "— witness.example/w1 " + base64.b64encode(key_id + timestamp + signature).decode()

    assert cosignature_message(TEXT, TIME) == message
    signer = CosignatureSigner(NAME, SEED)
    assert signer.key_id == key_id
    assert signer.cosign(TEXT, TIME) == expected + "\n"
    # The spec's own example cosignature starts with its key ID, then this very time.
    assert base64.b64decode("jWbPPwAAAABkGFDL")[4:12] == timestamp


def test_its_keys_round_trip_and_carry_the_type_byte_0x04():
    signer = CosignatureSigner(NAME, SEED)
    vkey = signer.verifier().key_string()
    name, hex_id, material = vkey.split("+", 2)
    assert (name, hex_id) == (NAME, signer.key_id.hex())
    assert base64.b64decode(material)[0] == 0x04
    assert CosignatureVerifier.from_key_string(vkey).public_key == signer.public_key
    again = CosignatureSigner.from_private_key_string(signer.private_key_string())
    assert again.cosign(TEXT, TIME) == signer.cosign(TEXT, TIME)
    log_key = generate_signer("log.example/x").verifier_key_string()  # type 0x01
    with pytest.raises(CosignatureError):
        CosignatureVerifier.from_key_string(log_key)
    with pytest.raises(CosignatureError):
        CosignatureVerifier.from_key_string(vkey.replace(hex_id, "00000000"))


def test_it_verifies_cosignatures_and_refuses_a_forged_one():
    log = generate_signer("log.example/x")
    signed = sign_checkpoint(Checkpoint("log.example/x", 3, b"\x07" * 32), log)
    text = open_note(signed, [log.verifier()]).text.encode()
    w1, w2, stranger = (generate_cosigner(f"w{i}.example") for i in (1, 2, 3))
    cosigned = signed + w1.cosign(text, TIME).encode() + stranger.cosign(text, 5).encode()
    found = verified_cosignatures(cosigned, [w1.verifier(), w2.verifier()])
    assert list(found.values()) == [TIME] and next(iter(found)).name == "w1.example"
    # The log's own signature still verifies: cosignatures are lines it ignores.
    assert open_note(cosigned, [log.verifier()]).text.encode() == text
    # A line with the witness's name and key ID whose signature fails makes it invalid.
    line = w1.cosign(text, TIME)
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    raw[-1] ^= 1
    forged = signed + f"— w1.example {base64.b64encode(bytes(raw)).decode()}\n".encode()
    with pytest.raises(NoteError):
        verified_cosignatures(forged, [w1.verifier()])
    # Another time than the one signed: invalid too.
    moved = bytearray(base64.b64decode(line.split(" ")[2]))
    moved[11] ^= 1
    with pytest.raises(NoteError):
        verified_cosignatures(signed + f"— w1.example {base64.b64encode(bytes(moved)).decode()}\n"
                              .encode(), [w1.verifier()])
    # A cosignature of another checkpoint does not count for this one.
    other = w1.cosign(text.replace(b"\n3\n", b"\n4\n"), TIME).encode()
    with pytest.raises(NoteError):
        verified_cosignatures(signed + other, [w1.verifier()])
    with pytest.raises(NoteError):
        verified_cosignatures(signed + line.encode() + line.encode(), [w1.verifier()])
