"""tuidang-witness, run as a real process and driven over HTTP: every status code of
tlog-witness's add-checkpoint, split views refused also after a restart, no rollback race.
It needs no database of ours: its own SQLite file is checked after."""

import base64
import hashlib
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.witnesses import MemoryLog, Witness, witness_command
from tuidang.tlog.addcheckpoint import format_request
from tuidang.tlog.cosignature import CosignatureVerifier, verified_cosignatures
from tuidang.tlog.hashing import EMPTY_ROOT
from tuidang.tlog.note import generate_signer, sign_note

LOG_A = generate_signer("log.example/a")
LOG_B = generate_signer("log.example/b")


@pytest.fixture
def witness(tmp_path):
    logs = (f"# the logs this witness watches\nlog {LOG_A.verifier_key_string()}\n"
            f"log {LOG_B.verifier_key_string()}\n")
    running = Witness(tmp_path, "witness.example/w1", logs).start()
    yield running
    running.stop()


def latest(witness: Witness, origin: str) -> tuple[int, bytes] | None:
    with sqlite3.connect(witness.db) as db:
        row = db.execute("SELECT size, root FROM latest WHERE origin = ?", (origin,)).fetchone()
    return (row[0], bytes(row[1])) if row else None


def conflicts(witness: Witness) -> int:
    with sqlite3.connect(witness.db) as db:
        return db.execute("SELECT count(*) FROM conflicts").fetchone()[0]


def add(witness: Witness, old: int, proof: list[bytes], signed: bytes):
    return witness.post(format_request(old, proof, signed))


def entries(*names: str) -> list[bytes]:
    return [f"entry {name}\n".encode() for name in names]


def test_it_answers_every_status_code_of_add_checkpoint(witness):
    log = MemoryLog(LOG_A, entries("1", "2", "3", "4"))
    verifier = CosignatureVerifier.from_key_string(witness.vkey)

    # 200: the cosignature of the checkpoint, timestamped now.
    status, kind, body = add(witness, 0, [], log.checkpoint())
    assert (status, kind) == (200, "text/plain; charset=utf-8")
    assert body.startswith("— witness.example/w1 ".encode()) and body.count(b"\n") == 1
    (stamp,) = verified_cosignatures(log.checkpoint() + body, [verifier]).values()
    assert abs(stamp - time.time()) < 600
    assert latest(witness, "log.example/a") == (4, log.root())

    # 409: the old size is not the one last cosigned; the body says which it is.
    log.append(*entries("5", "6"))
    assert add(witness, 0, [], log.checkpoint()) == (409, "text/x.tlog.size", b"4\n")
    assert add(witness, 3, log.proof(3), log.checkpoint())[0] == 409
    assert add(witness, 4, log.proof(4), log.checkpoint())[0] == 200

    # 400: an old size above the checkpoint's, a malformed request or checkpoint.
    assert add(witness, 7, [], log.checkpoint())[0] == 400
    assert witness.post(b"old 6\n" + log.checkpoint())[0] == 400
    assert witness.post(b"old 6\n\n" + sign_note("not a checkpoint\n", [LOG_A]))[0] == 400
    assert witness.post(b"old 6\n\nlog.example/a\n6\n")[0] == 400

    # 403: no signature of a key trusted for the origin, or a bad one of that key.
    impostor = MemoryLog(generate_signer("log.example/a"), entries("1", "2", "3", "4", "5", "6"))
    assert add(witness, 6, [], impostor.checkpoint())[0] == 403
    signed = bytearray(log.checkpoint())
    signed[-5] = ord("A") if signed[-5] != ord("A") else ord("B")
    assert add(witness, 6, [], bytes(signed))[0] == 403

    # 404: a log the witness does not watch.
    assert add(witness, 0, [], MemoryLog(generate_signer("log.example/c")).checkpoint())[0] == 404

    # 422: a size-0 tree with another root, a proof from size 0, a different root at the
    # same size, a consistency proof that does not verify. Nothing is cosigned.
    empty_b = MemoryLog(LOG_B)
    bad_empty = sign_note(f"log.example/b\n0\n{base64.b64encode(b'1' * 32).decode()}\n",
                          [LOG_B])
    assert add(witness, 0, [], bad_empty)[0] == 422
    assert add(witness, 0, [b"\x01" * 32], empty_b.append(*entries("x", "y")).checkpoint()
               )[0] == 422
    other = MemoryLog(LOG_A, entries("1", "2", "3", "4", "5", "six"))
    assert add(witness, 6, [], other.checkpoint())[0] == 422
    log.append(*entries("7", "8"))
    assert add(witness, 6, [b"\x02" * 32] * 3, log.checkpoint())[0] == 422
    assert latest(witness, "log.example/a") == (6, log.root(6))
    assert latest(witness, "log.example/b") is None
    assert conflicts(witness) == 4
    assert add(witness, 0, [], MemoryLog(LOG_B).checkpoint())[0] == 200  # the empty tree

    # 405 for a GET of add-checkpoint; the monitoring interface serves what was cosigned.
    assert witness.post(b"", "nothing-here")[0] == 404
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(witness.url + "add-checkpoint", timeout=10)
    assert refused.value.code == 405
    origin_hash = hashlib.sha256(b"log.example/a").hexdigest()
    with urllib.request.urlopen(f"{witness.url}{origin_hash}/checkpoint", timeout=10) as answer:
        served = answer.read()
    assert served.startswith(log.checkpoint(6)) and b"witness.example/w1" in served
    assert verified_cosignatures(served, [verifier])
    # No request was logged: the refusals of split views only, without addresses.
    output = witness.stop()
    assert "127.0.0.1 -" not in output and "POST" not in output
    assert output.count("refused a signed checkpoint") == 4


def test_a_split_view_is_refused_also_after_a_restart(witness):
    """A log signed with the same key forks after size 5: the witness that cosigned one
    branch refuses the other, whatever old size it is sent, before and after a restart."""
    honest = MemoryLog(LOG_A, entries("1", "2", "3", "4", "5", "a6", "a7"))
    split = honest.fork(5).append(*entries("b6", "b7", "b8"))
    assert add(witness, 0, [], honest.checkpoint())[0] == 200

    def refused() -> None:
        for old in (7, 5, 0):
            status, _kind, _body = add(witness, old, split.proof(old), split.checkpoint())
            assert status in (409, 422), old
        assert add(witness, 7, split.proof(7), split.checkpoint())[0] == 422
        assert latest(witness, "log.example/a") == (7, honest.root(7))

    refused()
    witness.stop()
    witness.start()
    refused()
    honest.append(*entries("a8", "a9"))
    assert add(witness, 7, honest.proof(7), honest.checkpoint())[0] == 200
    assert latest(witness, "log.example/a") == (9, honest.root())
    assert add(witness, 9, [], split.checkpoint())[0] == 400  # smaller than cosigned


def test_concurrent_requests_from_one_old_size_cosign_only_one(witness):
    """The check of the old size and the store of the new one are one step: of several
    requests sent at once from size 0, one is cosigned and the others get 409."""
    log = MemoryLog(LOG_A, entries(*map(str, range(12))))
    answers: list[int] = []
    threads = [threading.Thread(target=lambda s=size: answers.append(
        add(witness, 0, [], log.checkpoint(s))[0])) for size in range(4, 12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200] + [409] * 7
    size, root = latest(witness, "log.example/a")
    assert root == log.root(size)


def test_the_command_makes_a_key_once_and_shows_its_verifier_key(tmp_path):
    made = witness_command("keygen", "witness.example/w9", "--key", str(tmp_path / "k"))
    vkey = made.stdout.strip()
    assert vkey.startswith("witness.example/w9+")
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    assert witness_command("key", "--key", str(tmp_path / "k")).stdout.strip() == vkey
    again = witness_command("keygen", "witness.example/w9", "--key", str(tmp_path / "k"),
                            check=False)
    assert again.returncode == 1 and "never overwritten" in again.stderr
    assert witness_command("key", "--key", str(tmp_path / "k")).stdout.strip() == vkey
    bad_logs = tmp_path / "logs"
    bad_logs.write_text("witness w1 nothing\n")
    served = witness_command("serve", "--key", str(tmp_path / "k"), "--logs", str(bad_logs),
                             "--db", str(tmp_path / "db"), check=False)
    assert served.returncode == 1 and "line 1" in served.stderr


def test_the_empty_tree_is_cosigned_with_the_empty_root(witness):
    assert add(witness, 0, [], MemoryLog(LOG_A).checkpoint())[0] == 200
    assert latest(witness, "log.example/a") == (0, EMPTY_ROOT)


def test_it_is_installed_as_its_own_console_script():
    import tomllib

    from tests.witnesses import ROOT
    from tuidang.witness import cli

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["tuidang-witness"] == "tuidang.witness.cli:main" and callable(cli.main)


@pytest.mark.parametrize("opening", [
    b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: 400\r\n\r\nold 0\n",
    b"POST /add-check",  # the request line itself, a byte at a time
])
def test_a_client_dripping_its_request_is_cut_off_by_the_deadline(opening, tmp_path,
                                                                  monkeypatch):
    from tuidang.tlog.cosignature import generate_cosigner
    from tuidang.witness import server as witness_server
    from tuidang.witness.core import Witness as Core
    from tuidang.witness.store import Store

    monkeypatch.setattr(witness_server, "IDLE_TIMEOUT", 0.5)
    monkeypatch.setattr(witness_server, "REQUEST_DEADLINE", 1.0)
    core = Core(generate_cosigner("witness.example/w9"), {LOG_A.name: [LOG_A.verifier()]},
                Store(tmp_path / "w.sqlite3"))
    httpd = witness_server.make_server(core, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(httpd.server_address[:2], timeout=5) as conn:
            conn.sendall(opening)
            started = time.monotonic()
            with pytest.raises(OSError):  # the server hangs up: a write fails
                while time.monotonic() - started < 8:
                    conn.sendall(b"a")
                    time.sleep(0.1)
            assert time.monotonic() - started < 3
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert latest_in(tmp_path / "w.sqlite3") == 0  # nothing was cosigned


def latest_in(db) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT count(*) FROM latest").fetchone()[0]
