"""tuidang-audit --policy: a checkpoint, or a receipt's, must carry its quorum."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ORIGIN, sample_entries

from tuidang.tlog.cli import main
from tuidang.tlog.cosignature import generate_cosigner
from tuidang.tlog.export import write_log_dir
from tuidang.tlog.hashing import leaf_hash, root_from_leaf_hashes
from tuidang.tlog.note import Signer, parse_note
from tuidang.tlog.proof import inclusion_proof
from tuidang.tlog.receipt import format_tlog_proof

ENTRIES = sample_entries(40)
W1, W2, W3 = (generate_cosigner(f"w{i}.example/w") for i in (1, 2, 3))


def audit(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main([*args, "--no-progress"])
    return code, capsys.readouterr().out.strip()


def policy(tmp_path: Path, signer: Signer, quorum: str, name: str = "policy") -> str:
    path = tmp_path / name
    path.write_text(f"log {signer.verifier_key_string()}\n"
                    + "".join(f"witness {w.name.split('.')[0]} {w.verifier().key_string()}\n"
                              for w in (W1, W2, W3))
                    + quorum + "\n")
    return str(path)


@pytest.fixture
def log(tmp_path: Path, signer: Signer) -> Path:
    """A log whose checkpoint w1 and w2 cosigned."""
    directory = tmp_path / "log"
    write_log_dir(directory, ENTRIES, signer, ORIGIN)
    signed = (directory / "checkpoint").read_bytes()
    text = parse_note(signed).text.encode()
    (directory / "checkpoint").write_bytes(
        signed + W1.cosign(text, 1_700_000_000).encode() + W2.cosign(text, 1_700_000_001).encode())
    return directory


def test_it_passes_with_the_quorum_and_fails_without(log: Path, signer: Signer,
                                                     tmp_path: Path, capsys) -> None:
    two = policy(tmp_path, signer, "group g all w1 w2\nquorum g")
    code, out = audit([str(log), "--policy", two], capsys)
    assert code == 0 and out.endswith("cosigned=w1,w2"), out
    code, out = audit([str(log), "--policy", two, "--key", signer.verifier_key_string()], capsys)
    assert code == 0, out
    three = policy(tmp_path, signer, "group g all w1 w2 w3\nquorum g", "three")
    code, out = audit([str(log), "--policy", three], capsys)
    assert code == 1 and out.startswith("FAIL checkpoint: the quorum 'g' is not met"), out
    none = policy(tmp_path, signer, "quorum none", "none")
    assert audit([str(log), "--policy", none], capsys)[0] == 0


def test_a_receipt_is_checked_against_the_policy(log: Path, signer: Signer,
                                                 tmp_path: Path, capsys) -> None:
    hashes = [leaf_hash(e) for e in ENTRIES]

    def node(level: int, index: int) -> bytes:
        return root_from_leaf_hashes(hashes[index << level:(index + 1) << level])

    receipt, entry = tmp_path / "r.tlog-proof", tmp_path / "r.entry"
    receipt.write_bytes(format_tlog_proof(5, inclusion_proof(5, len(ENTRIES), node),
                                          (log / "checkpoint").read_bytes()))
    entry.write_bytes(ENTRIES[5])
    args = ["--receipt", str(receipt), "--entry", str(entry)]
    two = policy(tmp_path, signer, "quorum w2")
    code, out = audit([*args, "--policy", two], capsys)
    assert code == 0 and out.endswith("cosigned=w1,w2"), out
    code, out = audit([*args, "--policy", policy(tmp_path, signer, "quorum w3", "w3")], capsys)
    assert code == 1 and "not met" in out


def test_without_a_key_the_policy_must_name_the_log(log: Path, tmp_path: Path, capsys) -> None:
    no_log = tmp_path / "no-log"
    no_log.write_text("quorum none\n")
    code, out = audit([str(log), "--policy", str(no_log)], capsys)
    assert code == 1 and "give --key" in out
    with pytest.raises(SystemExit):
        main([str(log), "--no-progress"])
