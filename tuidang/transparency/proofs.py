"""Receipts a declarant can check offline: the entry and its `.tlog-proof`."""

from tuidang.tlog.proof import inclusion_proof
from tuidang.tlog.receipt import format_tlog_proof
from tuidang.transparency import storage, witnesses


def tlog_proof(index: int) -> bytes:
    """An inclusion proof for entry `index` against the checkpoint handed out with it,
    which carries the witnesses' cosignatures gathered so far."""
    log_state = storage.state()
    if index >= log_state.size:
        raise LookupError("not in the log yet")
    proof = inclusion_proof(index, log_state.size, storage.node_reader())
    signed = witnesses.with_cosignatures(bytes(log_state.signed_checkpoint))
    return format_tlog_proof(index, proof, signed)


def checkpoint_for(index: int) -> bytes:
    """The signed checkpoint (with its cosignatures) of a log that holds entry `index`:
    the latest one, as the proofs are made against it."""
    log_state = storage.state()
    if index >= log_state.size:
        raise LookupError("not in the log yet")
    return witnesses.with_cosignatures(bytes(log_state.signed_checkpoint))


def entry_bytes(index: int) -> bytes:
    data = storage.entry(index)
    if data is None:
        raise LookupError("not in the log")
    return data
