"""The transparency-dev/merkle RFC 6962 proof vectors (vendored in ``vectors/``)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tuidang.tlog.proof import ProofError, verify_consistency, verify_inclusion

VECTORS = Path(__file__).resolve().parent / "vectors" / "testdata"


def _files(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json")) if VECTORS.is_dir() else []


def _b(s: str) -> bytes:
    return base64.b64decode(s)


def test_it_finds_the_vectors() -> None:
    # Parametrized tests over an empty folder would pass by running nothing.
    assert len(_files("inclusion")) > 50, f"too few inclusion vectors under {VECTORS}"
    assert len(_files("consistency")) > 50, f"too few consistency vectors under {VECTORS}"


@pytest.mark.parametrize("path", _files("inclusion"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_it_checks_inclusion_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    proof = [_b(h) for h in v["proof"] or []]
    args = (_b(v["leafHash"]), v["leafIdx"], v["treeSize"], proof, _b(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", _files("consistency"),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_it_checks_consistency_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    proof = [_b(h) for h in v["proof"] or []]
    args = (v["size1"], v["size2"], proof, _b(v["root1"]), _b(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)
