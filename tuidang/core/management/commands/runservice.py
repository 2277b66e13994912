"""Run the whole service in the foreground: web server, sequencer, task worker and the
mail receiver.

Ctrl-C (or SIGTERM) stops them all cleanly; if one of them dies, the others are
stopped too, so a half-running service never looks healthy. Without REDIS_URL it first
starts the cache they share (core/sharedcache.py). Every hour it also runs
`prune_sessions` and `prune_mail`, the timer that production has in deploy/systemd.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tuidang.core.sharedcache import SharedCache

PRUNE_INTERVAL = 3600  # seconds between runs of the pruning commands
PRUNE_COMMANDS = ("prune_sessions", "prune_mail")


def _cache_socket() -> str:
    path = Path(settings.VAR_DIR) / "cache.sock"
    if len(str(path)) > 100:  # longer than a Unix socket's name may be
        path = Path(tempfile.mkdtemp(prefix="tuidang-")) / "cache.sock"
    return str(path)


def _wait_for_cache(socket: str, server: subprocess.Popen) -> None:
    cache = SharedCache(socket, {})
    deadline = time.monotonic() + 30
    while True:
        try:
            cache.get("ready")
            return
        except (OSError, EOFError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise CommandError("the shared cache did not start") from None
            time.sleep(0.05)


class Command(BaseCommand):
    help = "Migrate, then run the web server, the sequencer and the background worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=16, help="threads per web worker")

    def handle(
        self, *args, port: int, host: str, workers: int, threads: int, **options
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("tlog_keygen", if_missing=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        manage = [sys.executable, "-m", "django"]
        children = {
            # granian rather than gunicorn: its HTTP handling is not Python, so it answers
            # more requests on the same cores (bench/servers.py; figures in docs/deploy.md).
            "web": [
                sys.executable, "-m", "granian", "--interface", "wsgi", "--no-ws",
                "--host", host, "--port", str(port), "--workers", str(workers),
                "--blocking-threads", str(threads), "--workers-kill-timeout", "5",
                "--no-access-log", "--log-level", "warning", "tuidang.wsgi:application",
            ],
            "sequencer": [*manage, "sequencer"],
            "worker": [*manage, "db_worker", "--interval", "1"],
            # Mail for MAIL_ADDRESS over LMTP, on 127.0.0.1:LMTP_PORT (mailintake).
            "mail": [*manage, "receive_mail"],
        }
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "tuidang.settings"),
            # Trying the service, one waits a minute, not ten, to see a declaration counted.
            "PUBLISH_INTERVAL": os.environ.get("PUBLISH_INTERVAL", "60")}
        procs = {}
        if not settings.REDIS_URL:
            # One cache for all the processes below, so that a proof of work is accepted
            # once and every limit counts once (core/sharedcache.py).
            socket = _cache_socket()
            env["SHARED_CACHE_SOCKET"] = socket
            procs["cache"] = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "tuidang.core.sharedcache", socket], env=env)
            _wait_for_cache(socket, procs["cache"])
        procs.update((name, subprocess.Popen(cmd, env=env))  # noqa: S603
                     for name, cmd in children.items())
        self.stdout.write(f"tuidang is running at http://{host}:{port}/, receiving mail for "
                          f"{settings.MAIL_ADDRESS} over LMTP at 127.0.0.1:{settings.LMTP_PORT} "
                          "(Ctrl-C stops it)")
        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        pruning: list[subprocess.Popen] = []
        next_prune = time.monotonic()
        while not stopping and all(p.poll() is None for p in procs.values()):
            # Ended staff sessions and old mail drafts go every hour, as tuidang-prune.timer
            # does in production; processes of their own, so a slow one never holds this loop.
            if time.monotonic() >= next_prune and all(p.poll() is not None for p in pruning):
                pruning = [subprocess.Popen(  # noqa: S603
                    [*manage, command, "--verbosity", "0"], env=env)
                    for command in PRUNE_COMMANDS]
                next_prune = time.monotonic() + PRUNE_INTERVAL
            time.sleep(0.2)
        died = [name for name, proc in procs.items() if proc.poll() is not None]
        for name in died:
            if not stopping:
                self.stderr.write(f"{name} exited with {procs[name].returncode}; stopping the rest")
        for proc in [*procs.values(), *pruning]:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        self.stdout.write("tuidang stopped")
        if died and not stopping:
            sys.exit(1)
