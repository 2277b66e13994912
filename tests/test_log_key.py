"""One log key, enforced (issue 24): the first checkpoint signed records the verifier key
with the log; a sequencer holding another key refuses to sign, loudly, and the log and
what is served stay the first key's."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import declare
from tests.service import start
from tuidang.registry.models import Declaration
from tuidang.transparency import keys
from tuidang.transparency.models import LogState

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_records_the_key_of_the_first_checkpoint_signed(client):
    assert not LogState.objects.exists()
    declare(client, "张三")
    call_command("sequencer", "--once")
    assert LogState.objects.get().verifier_key == keys.verifier_key()
    assert client.get("/log/key").content.decode() == keys.verifier_key() + "\n"


def test_a_sequencer_with_another_key_refuses_to_sign(client, tmp_path, settings):
    original = settings.LOG_SIGNING_KEY_FILE
    declare(client, "张三")
    call_command("sequencer", "--once")
    first = LogState.objects.get()
    declare(client, "李四")

    # Another machine, its own key made with `tlog_keygen`: the mistake of issue 24.
    other = tmp_path / "other.key"
    keys.create_key_file(other)
    process = start(["sequencer", "--once"], LOG_SIGNING_KEY_FILE=str(other))
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0, output
    [line] = [line for line in output.splitlines() if line.startswith("ERROR tuidang")]
    assert "not signing: the log is signed with " + keys.verifier_key() in line
    assert f"the key in {other} is " in line
    assert line.startswith("ERROR tuidang.sequencer: not signing")  # and no time
    assert not re.search(r"\d\d:\d\d", line)
    assert "WrongKey" in output  # the exception stops the process

    # Nothing signed, nothing logged: the second declaration waits for the right key.
    now = LogState.objects.get()
    assert (now.size, bytes(now.signed_checkpoint)) == (1, bytes(first.signed_checkpoint))
    assert now.verifier_key == keys.verifier_key()
    assert Declaration.objects.filter(log_index=None).count() == 1
    assert client.get("/log/key").content.decode() == keys.verifier_key() + "\n"

    # The long-running sequencer stops too, rather than wait and try again for ever.
    process = start(["sequencer"], LOG_SIGNING_KEY_FILE=str(other))
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0 and "WrongKey" in output, output
    assert LogState.objects.get().size == 1

    # The same refusal in this process, as an exception a caller can see.
    settings.LOG_SIGNING_KEY_FILE = other
    with pytest.raises(keys.WrongKey):
        call_command("sequencer", "--once")
    # The served key is still the log's, not this machine's.
    assert client.get("/log/key").content.decode() == now.verifier_key + "\n"

    settings.LOG_SIGNING_KEY_FILE = original  # the log's key copied over: it signs again
    call_command("sequencer", "--once")
    call_command("log_export", str(tmp_path / "log"))
    audit = subprocess.run(
        [str(Path(sys.executable).parent / "tuidang-audit"), str(tmp_path / "log"),
         "--key", now.verifier_key, "--no-progress"],
        capture_output=True, text=True, timeout=60)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "size=2 " in audit.stdout


def test_a_log_signed_before_keys_were_recorded_is_its_signing_keys(client, tmp_path, settings):
    declare(client, "张三")
    call_command("sequencer", "--once")
    LogState.objects.update(verifier_key="")  # as the migration leaves an existing log
    other = tmp_path / "other.key"
    keys.create_key_file(other)
    original = settings.LOG_SIGNING_KEY_FILE
    settings.LOG_SIGNING_KEY_FILE = other
    declare(client, "李四")
    with pytest.raises(keys.WrongKey):
        call_command("sequencer", "--once")
    assert LogState.objects.get().verifier_key == ""
    settings.LOG_SIGNING_KEY_FILE = original
    call_command("sequencer", "--once")
    assert LogState.objects.get().verifier_key == keys.verifier_key()
    assert LogState.objects.get().size == 2
