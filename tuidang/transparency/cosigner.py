"""Asking the witnesses to cosign each checkpoint, beside the sequencer, never in its way.

The sequencer command starts a Cosigner thread and pokes it after each step. A round
reads the latest signed checkpoint and asks each witness that has not cosigned it yet,
all at once, each over its own kept-alive connection, with the consistency proof from
the size that witness last cosigned (WitnessState). A witness that answers 409 names the
size it really holds: the round asks it once more from there. A witness that is down,
slow or refuses is asked again on a later round, waiting longer after each failure; the
sequencer meanwhile goes on sequencing and signing, since nothing it does waits for a
round. What a round learnt is stored in one transaction (record()).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from tuidang.registry import dates
from tuidang.tlog.addcheckpoint import Answer, RequestError, WitnessClient
from tuidang.tlog.checkpoint import Checkpoint
from tuidang.tlog.cosignature import verified_cosignatures
from tuidang.tlog.note import NoteError, parse_note
from tuidang.tlog.policy import Policy, PolicyWitness
from tuidang.tlog.proof import consistency_proof
from tuidang.transparency import storage, witnesses
from tuidang.transparency.models import CosignedCheckpoint, WitnessState

logger = logging.getLogger("tuidang.witnesses")

MAX_WAIT = 300.0  # seconds between tries of a witness that keeps failing

# {witness name: (old size, consistency proof)} -> {witness name: its answer or the error}
Send = Callable[[Mapping[str, tuple[int, list[bytes]]], bytes], dict[str, Answer | Exception]]


@dataclass
class Round:
    """What one round did: the witnesses that cosigned, and why the others did not."""

    size: int = 0
    cosigned: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def gather(send: Send, skip: frozenset[str] = frozenset()) -> Round:
    """Ask the witnesses (but those in `skip`) that have not cosigned the latest checkpoint."""
    policy = witnesses.policy()
    signed = storage.signed_checkpoint()
    if policy is None or not policy.witnesses or not signed:
        return Round()
    text = parse_note(signed).text
    checkpoint = Checkpoint.from_text(text)
    done = set(policy.cosigners(witnesses.with_cosignatures(signed)))
    result, lines, sizes = Round(checkpoint.size), {}, {}
    if not set(policy.witnesses) - done - skip:
        return result
    known = dict(WitnessState.objects.values_list("name", "size"))
    todo = {name: known.get(name, 0) for name in policy.witnesses
            if name not in done and name not in skip}
    reader = storage.node_reader()
    for attempt in (1, 2):
        requests = {}
        for name, old in todo.items():
            if old > checkpoint.size:
                result.failed[name] = (f"it has cosigned size {old}, more than this log's "
                                       f"checkpoint of size {checkpoint.size}")
            else:
                proof = [] if old in (0, checkpoint.size) else \
                    consistency_proof(old, checkpoint.size, reader)
                requests[name] = (old, proof)
        todo = {}
        for name, answer in send(requests, signed).items():
            if isinstance(answer, Exception):
                result.failed[name] = str(answer) or type(answer).__name__
            elif answer.status == 200 and (line := _line(policy.witnesses[name], signed,
                                                         answer.body)):
                lines[name], sizes[name] = line, checkpoint.size
                result.cosigned.append(name)
            elif answer.status == 409 and attempt == 1 and _size(answer) is not None:
                sizes[name] = todo[name] = _size(answer)
            else:
                result.failed[name] = (f"HTTP {answer.status}: "
                                       f"{answer.body[:200].decode('utf-8', 'replace').strip()}")
        if not todo:
            break
    record(signed, policy, lines, sizes)
    return result


def _size(answer: Answer) -> int | None:
    try:
        return answer.conflict_size()
    except RequestError:
        return None


def _line(witness: PolicyWitness, signed: bytes, body: bytes) -> bytes | None:
    """The witness's valid cosignature line of the checkpoint among the answer's lines."""
    for line in body.split(b"\n"):
        try:
            if witness.verifier in verified_cosignatures(signed + line + b"\n",
                                                         [witness.verifier]):
                return line + b"\n"
        except NoteError:
            continue
    return None


@transaction.atomic
def record(signed: bytes, policy: Policy, lines: Mapping[str, bytes],
           sizes: Mapping[str, int]) -> None:
    """Store what a round learnt: each witness's size, and the checkpoint with every
    cosignature gathered for it, in the policy's order, with the quorum's state."""
    for name, size in sizes.items():
        WitnessState.objects.update_or_create(name=name, defaults={"size": size})
    row, _ = CosignedCheckpoint.objects.select_for_update().get_or_create(
        pk=witnesses.COSIGNED_ID, defaults={"checkpoint": b""})
    before = bytes(row.checkpoint)
    gathered = dict(lines)
    if before.startswith(signed):  # cosignatures of earlier rounds for the same checkpoint
        for line in before[len(signed):].splitlines(keepends=True):
            for name, witness in policy.witnesses.items():
                if name not in gathered and _line(witness, signed, line.rstrip(b"\n")):
                    gathered[name] = line
    row.checkpoint = signed + b"".join(gathered[name] for name in policy.witnesses
                                       if name in gathered)
    cosigners = policy.cosigners(row.checkpoint)
    row.cosigners, row.quorum = len(cosigners), policy.satisfied(cosigners)
    if row.quorum:
        row.quorum_missing_since = None
    elif row.quorum_missing_since is None:
        row.quorum_missing_since = dates.today()
    row.save()


class Cosigner:
    """A thread in the sequencer's process that runs a round whenever it is poked."""

    def __init__(self, timeout: float | None = None) -> None:
        """Asks the configured witnesses, waiting `timeout` seconds for each answer."""
        self.timeout = timeout or settings.LOG_WITNESS_TIMEOUT
        self._clients: dict[str, WitnessClient] = {}
        self._running: dict[str, Future] = {}  # requests that outlived their round
        self._failures: dict[str, tuple[int, float]] = {}  # name: (failures, next try)
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="cosigner", daemon=True)

    @classmethod
    def start(cls) -> Cosigner | None:
        """A running cosigner, or None without LOG_WITNESS_POLICY. (With a policy that
        names no witness yet, it runs: witnesses added to the file are asked at once.)"""
        if witnesses.policy() is None:
            return None
        cosigner = cls()
        cosigner._thread.start()
        return cosigner

    def poke(self) -> None:
        """A checkpoint may be new: run a round soon (returns at once)."""
        self._wake.set()

    def stop(self) -> None:
        """End the thread; a round still waiting for a witness is abandoned with the
        process (its transaction, if any, rolls back)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=1.0)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                close_old_connections()
                self.ask_once()
            except Exception:
                logger.exception("asking the witnesses failed")
        connection.close()

    def ask_once(self) -> Round:
        """One round now, in this thread; failures are remembered to wait before the next."""
        now = time.monotonic()
        waiting = {name for name, (_n, until) in self._failures.items() if until > now}
        busy = {name for name, future in self._running.items() if not future.done()}
        result = gather(self._send, frozenset(waiting | busy))
        for name in result.cosigned:
            if self._failures.pop(name, None):
                logger.debug("witness %s cosigns again", name)
        for name, reason in result.failed.items():
            failures = self._failures.get(name, (0, 0.0))[0] + 1
            if failures == 1:
                logger.warning("witness %s did not cosign: %s", name, reason)
            self._failures[name] = (failures, now + min(MAX_WAIT, 2.0 ** failures))
        return result

    def _client(self, name: str) -> WitnessClient:
        """The witness's client, a new one if the policy gave it another URL meanwhile."""
        configured = witnesses.policy()
        if configured is None or name not in configured.witnesses:
            raise LookupError(f"{name} left the policy")
        url = configured.witnesses[name].url or ""
        client = self._clients.get(name)
        if client is None or client.url != url:
            client = self._clients[name] = WitnessClient(url, self.timeout)
        return client

    def _send(self, requests: Mapping[str, tuple[int, list[bytes]]], signed: bytes
              ) -> dict[str, Answer | Exception]:
        answers: dict[str, Answer | Exception] = {}
        futures = {}
        for name, (old, proof) in requests.items():
            try:
                futures[name] = _in_thread(self._client(name).add_checkpoint, old, proof, signed)
            except LookupError as e:
                answers[name] = e
        deadline = time.monotonic() + 2 * self.timeout + 1
        for name, future in futures.items():
            try:
                answers[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                self._running[name] = future  # its connection stays busy until it ends
                answers[name] = TimeoutError("no answer in time")
            except Exception as e:
                answers[name] = e
        return answers


def _in_thread(function: Callable[..., Answer], *args: object) -> Future:
    """Run a request in a daemon thread of its own: one still waiting for a witness when
    the process stops must not keep it from stopping."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(function(*args))
        except Exception as e:
            future.set_exception(e)

    threading.Thread(target=run, name="witness-request", daemon=True).start()
    return future
