"""Management commands, run through call_command as an administrator would."""

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from tuidang.accounts.access import is_helper, is_moderator
from tuidang.tlog.note import Signer


def test_tlog_keygen_writes_a_key_and_refuses_to_overwrite_it(tmp_path, capsys):
    path = tmp_path / "keys" / "log.key"
    call_command("tlog_keygen", path=path)
    written = path.read_text()
    assert written.startswith("PRIVATE+KEY+test.tuidang.example/log+")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    signer = Signer.from_private_key_string(written.strip())
    assert signer.verifier_key_string() in capsys.readouterr().out
    with pytest.raises(CommandError, match="refusing to overwrite"):
        call_command("tlog_keygen", path=path)
    call_command("tlog_keygen", path=path, if_missing=True)
    assert path.read_text() == written


@pytest.mark.django_db
def test_create_account_makes_a_helper(capsys):
    call_command("create_account", "hana", role=["helper"], generate_password=True)
    user = User.objects.get(username="hana")
    assert is_helper(user) and not is_moderator(user)
    password = capsys.readouterr().out.split("password: ")[1].strip()
    assert user.check_password(password)
    assert user.password.startswith(("argon2", "md5"))


@pytest.mark.django_db
def test_create_account_makes_a_moderator_who_is_staff():
    call_command("create_account", "mo", role=["moderator"], generate_password=True)
    user = User.objects.get(username="mo")
    assert user.is_staff and is_moderator(user)


@pytest.mark.django_db
def test_create_account_refuses_an_existing_name(alice):
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_account", "alice", role=["helper"], generate_password=True)


@pytest.mark.django_db
def test_the_sequencer_command_drains_once(client, capsys):
    from tests.factories import declare

    declare(client, "张三")
    call_command("sequencer", once=True)
    assert "sequenced 1 entries" in capsys.readouterr().out
