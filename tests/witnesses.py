"""Real witness processes (tuidang-witness) and small logs in memory, for the tests."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tuidang.tlog.checkpoint import Checkpoint, sign_checkpoint
from tuidang.tlog.hashing import leaf_hash, root_from_leaf_hashes
from tuidang.tlog.note import Signer
from tuidang.tlog.proof import consistency_proof

ROOT = Path(__file__).resolve().parent.parent


def witness_command(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`tuidang-witness ARGS` (as the module, so this tree's code runs)."""
    return subprocess.run([sys.executable, "-m", "tuidang.witness.cli", *args], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=60, check=check)


def audit_command(*args: str) -> subprocess.CompletedProcess:
    """`tuidang-audit ARGS --no-progress` (as the module, so this tree's code runs)."""
    return subprocess.run([sys.executable, "-m", "tuidang.tlog.cli", *args, "--no-progress"],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)


class Witness:
    """A witness run as its own process, on a port the system picked."""

    def __init__(self, directory: Path, name: str, logs: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        slug = name.replace("/", "_")
        self.key_file, self.db = directory / f"{slug}.key", directory / f"{slug}.sqlite3"
        self.logs_file = directory / f"{slug}.logs"
        self.logs_file.write_text(logs)
        self.vkey = witness_command("keygen", name, "--key", str(self.key_file)).stdout.strip()
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.output: list[str] = []

    def start(self) -> Witness:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tuidang.witness.cli", "serve", "--key", str(self.key_file),
             "--logs", str(self.logs_file), "--db", str(self.db), "--listen", "127.0.0.1:0"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        line = self._first_line()
        self.output.append(line)
        self.url = line.split(" listening on ")[1].split(" ")[0]
        return self

    def _first_line(self, timeout: float = 30.0) -> str:
        assert self.process and self.process.stdout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                raise TimeoutError("the witness did not start")
        line = self.process.stdout.readline()
        if " listening on " not in line:
            raise RuntimeError(f"the witness did not start: {line}{self.process.stdout.read()}")
        return line

    def stop(self) -> str:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            rest, _ = self.process.communicate(timeout=30)
            self.output.append(rest)
        return "".join(self.output)

    def post(self, body: bytes, path: str = "add-checkpoint") -> tuple[int, str, bytes]:
        """(status, content type, body) of a request to the witness."""
        request = urllib.request.Request(self.url + path, data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers["Content-Type"], e.read()


class MemoryLog:
    """A log of a few entries held in memory, signed with `signer`: for split views."""

    def __init__(self, signer: Signer, entries: list[bytes] | None = None) -> None:
        self.signer = signer
        self.leaves = [leaf_hash(e) for e in entries or []]

    def append(self, *entries: bytes) -> MemoryLog:
        self.leaves += [leaf_hash(e) for e in entries]
        return self

    def fork(self, size: int) -> MemoryLog:
        """Another log signed with the same key, sharing the first `size` entries."""
        other = MemoryLog(self.signer)
        other.leaves = self.leaves[:size]
        return other

    def root(self, size: int | None = None) -> bytes:
        return root_from_leaf_hashes(self.leaves[:len(self.leaves) if size is None else size])

    def checkpoint(self, size: int | None = None) -> bytes:
        size = len(self.leaves) if size is None else size
        return sign_checkpoint(Checkpoint(self.signer.name, size, self.root(size)), self.signer)

    def proof(self, old: int, new: int | None = None) -> list[bytes]:
        new = len(self.leaves) if new is None else new

        def node(level: int, index: int) -> bytes:
            return root_from_leaf_hashes(self.leaves[index << level:(index + 1) << level])

        return consistency_proof(old, new, node) if 0 < old < new else []


def wait_until(condition, timeout: float = 60.0, pause: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(pause)
    raise TimeoutError("the condition did not come true in time")
