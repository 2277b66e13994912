"""The add-checkpoint request and the 409 size body of C2SP tlog-witness."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from tests.hostile_mirror import HostileMirror
from tuidang.tlog.addcheckpoint import (
    Answer,
    RequestError,
    WitnessClient,
    format_request,
    format_size,
    parse_request,
    parse_size,
)

CHECKPOINT = b"example.com/x\n5\n" + base64.b64encode(b"\x02" * 32) + b"\n\n\xe2\x80\x94 x AAAA\n"


def test_a_request_is_the_old_size_the_proof_an_empty_line_and_the_checkpoint():
    proof = [b"\x01" * 32, b"\x02" * 32]
    body = format_request(20852014, proof, CHECKPOINT)
    assert body == (b"old 20852014\n" + base64.b64encode(proof[0]) + b"\n"
                    + base64.b64encode(proof[1]) + b"\n\n" + CHECKPOINT)
    request = parse_request(body)
    assert (request.old, request.proof, request.checkpoint) == (20852014, tuple(proof),
                                                                 CHECKPOINT)
    assert parse_request(b"old 0\n\n" + CHECKPOINT).proof == ()


@pytest.mark.parametrize("body", [
    b"old 01\n\n" + CHECKPOINT,
    b"old -1\n\n" + CHECKPOINT,
    b"old 5\n" + CHECKPOINT,
    b"old 5\n\n",
    b"old  5\n\n" + CHECKPOINT,
    b"new 5\n\n" + CHECKPOINT,
    b"old 5\n" + base64.b64encode(b"\x01" * 31) + b"\n\n" + CHECKPOINT,
    b"old 5\nnot base64!\n\n" + CHECKPOINT,
    b"old 5\n" + (base64.b64encode(b"\x01" * 32) + b"\n") * 64 + b"\n" + CHECKPOINT,
    b"old 18446744073709551616\n\n" + CHECKPOINT,
])
def test_a_malformed_request_is_refused(body: bytes):
    with pytest.raises(RequestError):
        parse_request(body)


def test_the_size_body_of_a_conflict():
    assert format_size(0) == b"0\n" and parse_size(b"123\n") == 123
    for bad in (b"123", b"0123\n", b"1 2\n", b""):
        with pytest.raises(RequestError):
            parse_size(bad)
    assert Answer(409, "text/x.tlog.size", b"7\n").conflict_size() == 7
    with pytest.raises(RequestError):
        Answer(409, "text/plain", b"7\n").conflict_size()


@pytest.mark.parametrize(("mode", "reason"), [
    ("drip", "witness too slow: no answer in 1 s"),
    ("headers", "witness unreachable: got more than 100 headers"),
    ("huge-length", "witness unreachable: Content-Length 1000000000000 is larger than 65536"),
    ("truncated", "witness unreachable: IncompleteRead"),
])
def test_a_hostile_witness_is_an_oserror_within_the_timeout(mode: str, reason: str,
                                                             tmp_path: Path) -> None:
    with HostileMirror(tmp_path, mode, "add-checkpoint") as witness:
        client = WitnessClient(witness.url, timeout=1.0)
        started = time.monotonic()
        with pytest.raises(OSError, match=reason):
            client.add_checkpoint(0, [], b"checkpoint\n")
        assert time.monotonic() - started < 3.5  # at most one retry of a dropped connection
