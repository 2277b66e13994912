"""tuidang.tlog — a small, dependency-light transparency log core.

This package implements the public, append-only log of tuidang in the interoperable C2SP
formats used by Go's checksum database, Sunlight (static Certificate Transparency) and
Sigstore, so existing verifiers can check it:

* :mod:`.hashing` — RFC 6962 leaf and node hashes, the reference Merkle tree hash.
* :mod:`.proof` — RFC 9162 inclusion and consistency proofs: generation from any node
  source and strict verification.
* :mod:`.tiles` — C2SP tlog-tiles: tile paths, the tiles of a tree, node reads from tiles,
  and :func:`append_leaves`, the sequencer's incremental tile update.
* :mod:`.bundle` — entry bundles (``tile/entries/...``).
* :mod:`.note` — C2SP signed-note with Ed25519 keys in Go's key string formats.
* :mod:`.checkpoint` — C2SP tlog-checkpoint (signed tree heads).
* :mod:`.receipt` — C2SP tlog-proof offline receipts (``.tlog-proof``).
* :mod:`.cosignature` — C2SP tlog-cosignature (Ed25519 ``cosignature/v1``): witnesses'
  cosignatures of checkpoints.
* :mod:`.policy` — C2SP tlog-policy: trusted logs and witnesses, and the quorum.
* :mod:`.addcheckpoint` — C2SP tlog-witness ``add-checkpoint`` requests and a client.
* :mod:`.entry` and :mod:`.tally` — the tuidang entry format v1 and the public tally rule.
* :mod:`.export`, :mod:`.audit`, :mod:`.cli` — static log directories and the
  ``tuidang-audit`` auditor.

It needs only the standard library and PyNaCl and never imports Django. Quick start::

    from tuidang.tlog import generate_signer, write_log_dir, audit_log, Source
    signer = generate_signer("tuidang.example/log")
    cp, signed = write_log_dir("/tmp/log", entries, signer, "tuidang.example/log")
    audit_log(Source("/tmp/log"), signer.verifier())

See docs/tlog.md for the API and docs/log-format.md for the entry format.
"""

from .audit import AuditError, AuditResult, InputError, LogError, Source, SourceError, audit_log
from .bundle import MAX_ENTRY_SIZE, decode_bundle, encode_bundle
from .checkpoint import Checkpoint, CheckpointError, open_checkpoint, sign_checkpoint
from .cosignature import (
    CosignatureError,
    CosignatureSigner,
    CosignatureVerifier,
    generate_cosigner,
    verified_cosignatures,
)
from .entry import (
    DeclarationEntry,
    EntryError,
    PersonEntry,
    RevocationEntry,
    commitment,
    encode_entry,
    parse_entry,
    statement_commitment,
)
from .export import write_log_dir
from .hashing import EMPTY_ROOT, leaf_hash, node_hash, root_from_leaf_hashes, split_point
from .note import (
    Note,
    NoteError,
    Signer,
    Verifier,
    generate_signer,
    key_id,
    open_note,
    parse_note,
    sign_note,
)
from .policy import Policy, PolicyError, parse_policy
from .proof import (
    NodeReader,
    ProofError,
    consistency_proof,
    inclusion_proof,
    root_from_inclusion_proof,
    subtree_root,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from .receipt import TlogProof, format_tlog_proof, parse_tlog_proof, verify_tlog_proof
from .tally import DayTally, Delta, Tally, TallyChecker, tally_delta
from .tiles import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    MissingTileError,
    TileReader,
    TileRef,
    append_leaves,
    entry_bundles_for_size,
    node_reader_from_tiles,
    parse_tile_path,
    tile_data_for,
    tile_root,
    tile_width,
    tiles_for_size,
)

__all__ = [
    "EMPTY_ROOT", "HASH_SIZE", "MAX_ENTRY_SIZE", "TILE_HEIGHT", "TILE_WIDTH", "AuditError",
    "AuditResult", "Checkpoint", "CheckpointError", "CosignatureError", "CosignatureSigner",
    "CosignatureVerifier", "DayTally", "DeclarationEntry", "Delta", "EntryError",
    "InputError", "LogError", "MissingTileError", "NodeReader", "Note", "NoteError",
    "PersonEntry", "Policy", "PolicyError", "ProofError", "RevocationEntry", "Signer",
    "Source", "SourceError", "Tally",
    "TallyChecker", "TileReader", "TileRef", "TlogProof", "Verifier", "append_leaves",
    "audit_log", "commitment", "consistency_proof", "decode_bundle", "encode_bundle",
    "encode_entry", "entry_bundles_for_size", "format_tlog_proof", "generate_cosigner",
    "generate_signer", "inclusion_proof", "key_id", "leaf_hash", "node_hash",
    "node_reader_from_tiles", "open_checkpoint", "open_note", "parse_entry", "parse_note",
    "parse_policy", "parse_tile_path", "parse_tlog_proof", "root_from_inclusion_proof",
    "root_from_leaf_hashes", "sign_checkpoint", "sign_note", "split_point",
    "statement_commitment", "subtree_root", "tally_delta", "tile_data_for", "tile_root",
    "tile_width", "tiles_for_size", "tree_root", "verified_cosignatures", "verify_consistency",
    "verify_inclusion", "verify_tlog_proof", "write_log_dir",
]
