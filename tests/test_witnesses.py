"""The log asks its witnesses (real tuidang-witness processes) to cosign each checkpoint:
recovering from 409 by itself, never waiting on one that is down, saying on the pages how
many cosigned and since when the quorum is missing; receipts and exports carry the
cosignatures, and the auditor checks them against a policy."""

import datetime
import socket

import pytest
from django.core.management import call_command

from tests.factories import declare, receipt_code
from tests.witnesses import MemoryLog, Witness, audit_command
from tuidang.registry import dates
from tuidang.tlog.note import parse_note
from tuidang.transparency import keys, sequencer, storage, witnesses
from tuidang.transparency.cosigner import Cosigner
from tuidang.transparency.models import CosignedCheckpoint, WitnessState

pytestmark = pytest.mark.django_db


def closed_port_url() -> str:
    """A URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


@pytest.fixture
def pair(tmp_path):
    """Two witnesses watching our log, running."""
    logs = f"log {keys.verifier_key()}\n"
    running = [Witness(tmp_path / name, f"witness.example/{name}", logs).start()
               for name in ("w1", "w2")]
    yield running
    for witness in running:
        witness.stop()


def use_policy(settings, tmp_path, text: str) -> None:
    path = tmp_path / "witnesses.policy"
    path.write_text(text)
    settings.LOG_WITNESS_POLICY = path


def policy_of(*entries: tuple[str, str, str], quorum: str) -> str:
    lines = [f"witness {name} {vkey} {url}" for name, vkey, url in entries]
    return "\n".join([*lines, quorum, ""])


def cosigned_by() -> list[str]:
    return witnesses.policy().cosigners(witnesses.published_checkpoint())


def test_a_witness_that_is_down_leaves_the_quorum_missing_and_the_pages_say_so(
        client, settings, tmp_path, pair):
    w1, _w2 = pair
    down = closed_port_url()
    use_policy(settings, tmp_path, policy_of(("w1", w1.vkey, w1.url), ("w2", _w2.vkey, down),
                                             quorum="group both all w1 w2\nquorum both"))
    declare(client, "张三")
    sequencer.drain()
    result = Cosigner().ask_once()
    assert result.cosigned == ["w1"] and "unreachable" in result.failed["w2"]
    assert cosigned_by() == ["w1"]
    row = CosignedCheckpoint.objects.get()
    assert (row.cosigners, row.quorum, row.quorum_missing_since) == (1, False, dates.today())
    assert WitnessState.objects.get(name="w1").size == 1
    assert not WitnessState.objects.filter(name="w2").exists()
    served = client.get("/log/checkpoint").content
    assert served.startswith(storage.signed_checkpoint()) and b"witness.example/w1" in served
    home = client.get("/en/").content.decode()
    assert "Independent witnesses who cosigned the current count: 1 of 2." in home
    assert f"missing since {dates.today().isoformat()}" in home
    assert "missing since" in client.get("/en/verify/").content.decode()
    # The second witness comes up: the next round gets its cosignature; the quorum is met.
    use_policy(settings, tmp_path, policy_of(("w1", w1.vkey, w1.url), ("w2", _w2.vkey, _w2.url),
                                             quorum="group both all w1 w2\nquorum both"))
    assert Cosigner().ask_once().cosigned == ["w2"]
    assert cosigned_by() == ["w1", "w2"]
    row.refresh_from_db()
    assert (row.cosigners, row.quorum, row.quorum_missing_since) == (2, True, None)
    home = client.get("/en/").content.decode()
    assert "2 of 2" in home and "That is the quorum our policy requires." in home
    # A new checkpoint: until it is asked, the pages say so, and the quorum is not claimed.
    declare(client, "李四")
    sequencer.drain()
    assert witnesses.status() == witnesses.WitnessStatus(2, 0, False, None, False)
    assert "They are being asked to cosign it." in client.get("/en/").content.decode()


def test_it_recovers_from_409_when_it_or_the_witness_lost_track(client, settings, tmp_path, pair):
    w1, w2 = pair
    use_policy(settings, tmp_path, policy_of(("w1", w1.vkey, w1.url), ("w2", w2.vkey, w2.url),
                                             quorum="quorum w1"))
    for name in ("一", "二", "三"):
        declare(client, name)
        sequencer.drain()
        assert sorted(Cosigner().ask_once().cosigned) == ["w1", "w2"]
    # We forget what w1 cosigned (a restored database, say): it answers 409 with its size,
    # and is asked again from there.
    WitnessState.objects.filter(name="w1").delete()
    # w2 forgets everything (a new database): it answers 409 with 0.
    w2.stop()
    w2.db.unlink()
    w2.start()
    use_policy(settings, tmp_path, policy_of(("w1", w1.vkey, w1.url), ("w2", w2.vkey, w2.url),
                                             quorum="quorum w1"))
    declare(client, "四")
    sequencer.drain()
    result = Cosigner().ask_once()
    assert sorted(result.cosigned) == ["w1", "w2"] and not result.failed
    assert dict(WitnessState.objects.values_list("name", "size")) == {"w1": 4, "w2": 4}
    assert cosigned_by() == ["w1", "w2"]


def test_a_witness_that_saw_a_split_view_refuses_and_nothing_is_claimed(
        client, settings, tmp_path, pair):
    w1, _w2 = pair
    use_policy(settings, tmp_path, policy_of(("w1", w1.vkey, w1.url), quorum="quorum w1"))
    # Someone with our key showed w1 another history of 3 entries.
    other = MemoryLog(keys.signer(), [b"a\n", b"b\n", b"c\n"])
    assert w1.post(b"old 0\n\n" + other.checkpoint())[0] == 200
    for name in ("一", "二", "三", "四"):
        declare(client, name)
    sequencer.drain()
    result = Cosigner().ask_once()
    assert result.cosigned == [] and result.failed["w1"].startswith("HTTP 422")
    assert cosigned_by() == []
    assert CosignedCheckpoint.objects.get().quorum is False


def test_receipts_and_exports_carry_the_cosignatures_the_auditor_checks(
        client, settings, tmp_path, pair):
    w1, w2 = pair
    use_policy(settings, tmp_path, policy_of(("w1", w1.vkey, w1.url), ("w2", w2.vkey, w2.url),
                                             quorum="group both all w1 w2\nquorum both"))
    response = declare(client, "张三", "李四")
    sequencer.drain()
    Cosigner().ask_once()
    code = receipt_code(response)
    receipt, entry = tmp_path / "mine.tlog-proof", tmp_path / "mine.entry"
    receipt.write_bytes(client.post("/en/receipt/proof/", {"code": code}).content)
    entry.write_bytes(client.post("/en/receipt/entry/", {"code": code}).content)
    published = tmp_path / "policy"
    published.write_bytes(client.get("/log/policy").content)
    assert published.read_text() == (f"log {keys.verifier_key()}\nwitness w1 {w1.vkey}\n"
                                     f"witness w2 {w2.vkey}\ngroup both all w1 w2\n"
                                     "quorum both\n")  # no witness URL
    checked = audit_command("--receipt", str(receipt), "--entry", str(entry),
                            "--policy", str(published))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip().endswith("cosigned=w1,w2")
    # A policy that needs a third witness, which never cosigned: refused.
    w3 = Witness(tmp_path / "w3", "witness.example/w3", "")
    stricter = tmp_path / "stricter"
    stricter.write_text(published.read_text().replace(
        "group both all w1 w2", f"witness w3 {w3.vkey}\ngroup both all w1 w2 w3"))
    refused = audit_command("--receipt", str(receipt), "--entry", str(entry),
                            "--policy", str(stricter))
    assert refused.returncode == 1 and "not met" in refused.stdout
    # The static export carries the same checkpoint and policy.
    call_command("log_export", tmp_path / "log")
    assert (tmp_path / "log/checkpoint").read_bytes() == witnesses.published_checkpoint()
    assert (tmp_path / "log/policy").read_bytes() == published.read_bytes()
    exported = audit_command(str(tmp_path / "log"), "--policy", str(published))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert audit_command(str(tmp_path / "log"), "--policy", str(stricter)).returncode == 1


def test_without_witnesses_the_policy_needs_none_and_the_pages_say_nothing_of_them(client):
    declare(client, "张三")
    sequencer.drain()
    assert client.get("/log/policy").content.decode() == (
        f"log {keys.verifier_key()}\nquorum none\n")
    assert witnesses.status() is None
    assert "Independent witnesses who" not in client.get("/en/").content.decode()
    assert "No witness cosigns this log yet." in client.get("/en/verify/").content.decode()
    assert client.get("/log/checkpoint").content == storage.signed_checkpoint()
    assert Cosigner.start() is None


def test_a_policy_that_breaks_the_rules_is_refused_at_start(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    use_policy(settings, tmp_path, "witness w1 not-a-key http://w.example/\nquorum w1\n")
    with pytest.raises(ImproperlyConfigured, match="line 1"):
        witnesses.policy()
    w1 = Witness(tmp_path / "w1", "witness.example/w1", "")
    use_policy(settings, tmp_path, f"witness w1 {w1.vkey}\nquorum w1\n")  # no URL
    with pytest.raises(ImproperlyConfigured, match="URL"):
        witnesses.policy()


def test_the_missing_quorum_keeps_the_day_it_went_missing(client, settings, tmp_path):
    w1 = Witness(tmp_path / "w1", "witness.example/w1", "")
    use_policy(settings, tmp_path, policy_of(("w1", w1.vkey, closed_port_url()),
                                             quorum="quorum w1"))
    declare(client, "张三")
    sequencer.drain()
    Cosigner().ask_once()
    earlier = dates.today() - datetime.timedelta(days=3)
    CosignedCheckpoint.objects.update(quorum_missing_since=earlier)
    declare(client, "李四")
    sequencer.drain()
    Cosigner().ask_once()
    assert CosignedCheckpoint.objects.get().quorum_missing_since == earlier
    assert parse_note(witnesses.published_checkpoint()).text.split("\n")[1] == "2"
    assert f"missing since {earlier.isoformat()}" in client.get("/en/").content.decode()


def test_a_policy_broken_while_running_keeps_the_one_read_before(client, settings, tmp_path,
                                                                  caplog):
    w1 = Witness(tmp_path / "w1", "witness.example/w1", "")
    use_policy(settings, tmp_path, policy_of(("w1", w1.vkey, closed_port_url()),
                                             quorum="quorum w1"))
    assert list(witnesses.policy().witnesses) == ["w1"]
    (tmp_path / "witnesses.policy").write_text("quorum w9\n")
    for _ in range(3):
        assert list(witnesses.policy().witnesses) == ["w1"]
        assert client.get("/en/verify/").status_code == 200
    assert [r.getMessage() for r in caplog.records if r.name == "tuidang.witnesses"] == [
        f"keeping the witnesses' policy read before: LOG_WITNESS_POLICY "
        f"{tmp_path / 'witnesses.policy'}: line 1: quorum needs one name defined above (or none)"]
