"""deploy/postfix with a real Postfix (Debian's package): a mail sent over SMTP to the
published address is handed over LMTP to the receiver runservice starts, and becomes a
draft; mail for another address of the domain is refused at once (issue 22).

Postfix runs from a scratch configuration directory on loopback ports: its main.cf is
the shipped lines after a few of our own (queue and data directories in tmp_path), and
a master.cf of the services it needs, none chrooted.
"""

import os
import shutil
import signal
import smtplib
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.service import ROOT, free_port, start, wait_for_port
from tests.test_deploy_files import need
from tuidang.mailintake.models import MailDraft

pytestmark = [pytest.mark.deploy, pytest.mark.django_db(transaction=True)]

POSTFIX = ROOT / "deploy" / "postfix"
ADDRESS = "declare@tuidang.example"  # the shipped files' address
MASTER = """\
{smtp} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""


def postfix_config(tmp, smtp_port: int, lmtp_port: int):
    """A configuration directory: our scratch settings, then deploy/postfix as shipped."""
    config = tmp / "etc"
    config.mkdir()
    (tmp / "queue").mkdir()  # `postfix check` makes its subdirectories
    (tmp / "data").mkdir()
    shutil.chown(tmp / "data", "postfix")
    shipped = (POSTFIX / "main.cf").read_text().replace("/etc/postfix/", f"{config}/")
    (config / "main.cf").write_text(f"""\
compatibility_level = 3.6
queue_directory = {tmp}/queue
data_directory = {tmp}/data
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.tuidang.example
mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
smtputf8_enable = yes
{shipped}""")
    for name in ("tuidang-recipients", "tuidang-transport"):
        text = (POSTFIX / name).read_text().replace("127.0.0.1:8024", f"127.0.0.1:{lmtp_port}")
        (config / name).write_text(text)
    (config / "master.cf").write_text(MASTER.format(smtp=f"127.0.0.1:{smtp_port}"))
    return config


@pytest.fixture
def scratch():
    """A directory Postfix's own user can reach (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="tuidang-postfix-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def stop(service: subprocess.Popen) -> str:
    service.send_signal(signal.SIGINT)
    try:
        return service.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        os.killpg(service.pid, signal.SIGKILL)  # (start() gave it a session of its own)
        return service.communicate()[0]


def test_postfix_hands_mail_for_the_address_to_the_receiver_and_a_draft_appears(scratch):
    postfix = need("postfix")
    smtp_port, lmtp_port, web_port = free_port(), free_port(), free_port()
    config = postfix_config(scratch, smtp_port, lmtp_port)
    check = subprocess.run([postfix, "-c", str(config), "check"], capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    started = subprocess.run([postfix, "-c", str(config), "start"], capture_output=True,
                             text=True, timeout=60)
    assert started.returncode == 0, started.stderr
    service = start(["runservice"], PORT=str(web_port), LMTP_PORT=str(lmtp_port),
                    MAIL_ADDRESS=ADDRESS)
    try:
        wait_for_port(lmtp_port, service)
        wait_for_port(smtp_port)
        message = EmailMessage()
        message["From"] = "王五 <wang.wu@example.org>"
        message["To"] = ADDRESS
        message["Subject"] = "退团"
        message.set_content("我是王五，声明退出共青团。")
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
            client.send_message(message)
            # Another address of the domain is refused while the sender is connected.
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("wang.wu@example.org", ["root@tuidang.example"], b"x")
        deadline = time.monotonic() + 60
        while not MailDraft.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        draft = MailDraft.objects.get()
        assert (draft.subject, draft.text) == ("退团", "我是王五，声明退出共青团。")
        assert b"wang.wu" not in bytes(draft.sealed_sender)
        # Delivered and gone from Postfix's queue: nothing of the mail is left there.
        queue = subprocess.run(["postqueue", "-c", str(config), "-j"], capture_output=True,
                               text=True, timeout=30)
        assert queue.stdout.strip() == "", queue.stdout + queue.stderr
    finally:
        subprocess.run([postfix, "-c", str(config), "stop"], capture_output=True, timeout=60)
        output = stop(service)
    assert "wang.wu" not in output
