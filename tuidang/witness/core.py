"""add-checkpoint, as C2SP tlog-witness says, without HTTP: a body in, a status and body out.

The checks, in the spec's order: a malformed request or note is 400; an origin the
witness does not watch is 404; no valid signature of a key it trusts for that origin, or
a bad one, is 403; an old size above the checkpoint's size is 400. Then, holding the
store's write lock: an old size other than the size last cosigned is 409 with that size;
a size-0 checkpoint whose root is not the empty tree's, a proof sent with old size 0, a
root that differs at the same size, or a consistency proof that does not verify is 422,
and the request is kept as evidence. Only then is the checkpoint cosigned, stored, and
the cosignature returned.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tuidang.tlog.addcheckpoint import (
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    RequestError,
    format_size,
    parse_request,
)
from tuidang.tlog.checkpoint import Checkpoint
from tuidang.tlog.cosignature import CosignatureSigner
from tuidang.tlog.hashing import EMPTY_ROOT
from tuidang.tlog.note import Note, NoteError, Verifier, open_note, parse_note, signature_line
from tuidang.tlog.proof import ProofError, verify_consistency

from .store import Latest, Store

__all__ = ["Reply", "Witness"]

TEXT = "text/plain; charset=utf-8"
MAX_SIZE = 2**63 - 1  # what SQLite's INTEGER holds


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes


def _text(status: int, message: str) -> Reply:
    return Reply(status, TEXT, message.encode() + b"\n")


class _Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.body.decode(errors="replace"))
        self.reply = reply


class Witness:
    """A witness key, the logs it watches ({origin: trusted verifiers}) and its store."""

    def __init__(self, signer: CosignatureSigner, logs: Mapping[str, Sequence[Verifier]],
                 store: Store, clock: Callable[[], float] = time.time) -> None:
        """``clock`` gives the cosignatures' time (seconds since the Epoch)."""
        self.signer = signer
        self.logs = {origin: list(verifiers) for origin, verifiers in logs.items()}
        self.store = store
        self.clock = clock

    def add_checkpoint(self, body: bytes) -> Reply:
        """Answer an add-checkpoint request body."""
        try:
            request, note, checkpoint = self._checked(body)
            return self._cosign(body, request, note, checkpoint)
        except _Refused as refused:
            return refused.reply

    def _checked(self, body: bytes) -> tuple[AddCheckpoint, Note, Checkpoint]:
        try:
            request = parse_request(body)
            checkpoint = Checkpoint.from_text(parse_note(request.checkpoint).text)
        except (RequestError, NoteError) as e:
            raise _Refused(_text(400, f"malformed request: {e}")) from None
        verifiers = self.logs.get(checkpoint.origin)
        if not verifiers:
            raise _Refused(_text(404, "unknown log"))
        try:
            note = open_note(request.checkpoint, verifiers)
        except NoteError as e:
            raise _Refused(_text(403, f"not signed by the log: {e}")) from None
        if request.old > checkpoint.size:
            raise _Refused(_text(400, "the old size is larger than the checkpoint's"))
        if checkpoint.size > MAX_SIZE:
            raise _Refused(_text(400, "tree size too large"))
        return request, note, checkpoint

    def _cosign(self, body: bytes, request: AddCheckpoint, note: Note,
                checkpoint: Checkpoint) -> Reply:
        origin = checkpoint.origin
        with self.store.transaction() as store:
            latest = store.latest(origin)
            size = latest.size if latest else 0
            if request.old != size:
                return Reply(409, SIZE_CONTENT_TYPE, format_size(size))
            problem = _inconsistency(request, checkpoint, latest)
            if problem:
                store.record_conflict(origin, request.old, body, problem)
                print(f"tuidang-witness: {origin}: refused a signed checkpoint of size "
                      f"{checkpoint.size}: {problem}", file=sys.stderr, flush=True)
                return _text(422, problem)
            timestamp = int(self.clock())
            if timestamp <= 0:
                raise RuntimeError("the clock is before 1970: no cosignature has time 0")
            line = self.signer.cosign(note.text.encode(), timestamp)
            store.record(origin, Latest(checkpoint.size, checkpoint.root_hash,
                                        _with_signatures(note, line)))
        return Reply(200, TEXT, line.encode())


def _inconsistency(request: AddCheckpoint, checkpoint: Checkpoint,
                   latest: Latest | None) -> str:
    """Why the checkpoint is not consistent with the one last cosigned ("" if it is)."""
    if checkpoint.size == 0 and checkpoint.root_hash != EMPTY_ROOT:
        return "a tree of size 0 must have the empty tree's root"
    if request.old == 0:
        return "no consistency proof is sent from size 0" if request.proof else ""
    assert latest is not None  # a non-zero old size matched the stored size
    try:
        verify_consistency(request.old, checkpoint.size, request.proof, latest.root,
                           checkpoint.root_hash)
    except ProofError as e:
        return f"not consistent with the tree of size {latest.size} cosigned before: {e}"
    return ""


def _with_signatures(note: Note, cosignature: str) -> bytes:
    """The note with the log signatures the witness verified and its own cosignature: what
    its monitoring interface serves."""
    known = {(v.name, v.key_id) for v in note.verified}
    lines = [signature_line(s.name, s.key_id, s.signature) for s in note.signatures
             if (s.name, s.key_id) in known]
    return (note.text + "\n" + "".join(lines) + cosignature).encode()
