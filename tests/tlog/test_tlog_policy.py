"""C2SP tlog-policy: parsing, the quorum over groups, and checking a cosigned checkpoint."""

from __future__ import annotations

import pytest

from tuidang.tlog.checkpoint import Checkpoint, sign_checkpoint
from tuidang.tlog.cosignature import generate_cosigner
from tuidang.tlog.note import generate_signer, parse_note
from tuidang.tlog.policy import PolicyError, parse_policy

LOG = generate_signer("log.example/x")
W = {name: generate_cosigner(f"{name.lower()}.example/w") for name in
     ("X1", "X2", "X3", "Y1", "Y2", "Y3")}


def vkey(name: str) -> str:
    return W[name].verifier().key_string()


def spec_example() -> bytes:
    """The example of tlog-policy, with real keys."""
    return f"""log {LOG.verifier_key_string()}

witness X1 {vkey("X1")}
witness X2 {vkey("X2")}
witness X3 {vkey("X3")}
group X-witnesses 2 X1 X2 X3

witness Y1 {vkey("Y1")}
witness Y2 {vkey("Y2")}
witness Y3 {vkey("Y3")}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
""".encode()


def cosigned(*names: str, size: int = 5) -> bytes:
    signed = sign_checkpoint(Checkpoint("log.example/x", size, b"\x01" * 32), LOG)
    text = parse_note(signed).text.encode()
    return signed + b"".join(W[n].cosign(text, 1_700_000_000).encode() for n in names)


def test_it_reads_the_spec_example_and_applies_its_quorum():
    policy = parse_policy(spec_example())
    assert [log.verifier.name for log in policy.logs] == ["log.example/x"]
    assert list(policy.witnesses) == ["X1", "X2", "X3", "Y1", "Y2", "Y3"]
    assert policy.quorum == "X-and-Y"
    assert policy.satisfied({"X1", "X3", "Y2"})
    assert not policy.satisfied({"X1", "Y1", "Y2", "Y3"})  # one X is not two
    assert not policy.satisfied({"X1", "X2"})
    checkpoint, names = policy.check(cosigned("X2", "Y3", "X3"))
    assert checkpoint.size == 5 and names == ["X2", "X3", "Y3"]
    with pytest.raises(PolicyError, match="not met"):
        policy.check(cosigned("X2", "Y3"))
    # Parsing what it writes gives the same policy.
    assert parse_policy(policy.text().encode()).text() == policy.text()


def test_quorum_none_needs_no_witness_but_still_the_log():
    policy = parse_policy(f"# comment\n\t log {LOG.verifier_key_string()}  \nquorum none".encode())
    assert policy.check(cosigned())[1] == []
    other = generate_signer("log.example/x")  # same name, another key
    foreign = sign_checkpoint(Checkpoint("log.example/x", 5, b"\x01" * 32), other)
    with pytest.raises(PolicyError):
        policy.check(foreign)


@pytest.mark.parametrize("text, problem", [
    ("quorum X1\n", "quorum needs one name"),
    (f"witness X1 {vkey('X1')}\n", "exactly one quorum"),
    (f"witness X1 {vkey('X1')}\nquorum X1\nquorum X1\n", "exactly one quorum"),
    (f"witness X1 {vkey('X1')}\nwitness X1 {vkey('X2')}\nquorum X1\n", "already defined"),
    (f"witness X1 {vkey('X1')}\nwitness X2 {vkey('X1')}\nquorum X1\n", "public key"),
    (f"witness none {vkey('X1')}\nquorum none\n", "already defined"),
    (f"witness X1 {vkey('X1')}\ngroup G 2 X1\nquorum G\n", "threshold"),
    (f"witness X1 {vkey('X1')}\ngroup G 0 X1\nquorum G\n", "threshold"),
    (f"witness X1 {vkey('X1')}\ngroup G 01 X1\nquorum G\n", "threshold"),
    (f"witness X1 {vkey('X1')}\ngroup G any X1 X1\nquorum G\n", "once"),
    (f"witness X1 {vkey('X1')}\ngroup G any X1 none\nquorum G\n", "not defined"),
    (f"group G any X1\nwitness X1 {vkey('X1')}\nquorum G\n", "not defined"),
    (f"witness X1 {LOG.verifier_key_string()}\nquorum X1\n", "0x04"),
    (f"log {vkey('X1')}\nquorum none\n", "unsupported"),
    ("witnesses X1 key\nquorum none\n", "unknown keyword"),
    (f"witness X1 {vkey('X1')}\r\nquorum X1\n", "control character"),
])
def test_it_refuses_a_malformed_policy(text: str, problem: str):
    with pytest.raises(PolicyError, match=problem):
        parse_policy(text.encode())


def test_a_forged_cosignature_of_a_known_witness_fails_the_check():
    policy = parse_policy(f"log {LOG.verifier_key_string()}\nwitness X1 {vkey('X1')}\n"
                          "quorum X1\n".encode())
    good = cosigned("X1")
    forged = good[:-10] + (b"A" if good[-10:-9] != b"A" else b"B") + good[-9:]
    with pytest.raises(PolicyError):
        policy.check(forged)
