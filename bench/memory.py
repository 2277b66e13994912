"""A web process's memory does not grow with the size of the database.

Run by hand: `.venv/bin/python bench/memory.py` (after bench/statements.py has filled its
10M SQLite file; the small one is filled here). For PostgreSQL pass the two databases:
`--small postgres://.../bench_small --large postgres://.../bench_statements` (each filled by
`DATABASE_URL=... bench/statements.py --rows N --fill-only`).

For each database: the web server as runservice starts it (gunicorn, gthread, here with one
worker so that one process takes every request), then every public page type is asked for
thousands of times from 4 client threads, with random serials, days and page cursors
spread over the whole database. Printed: the resident memory (anonymous and file-backed,
from /proc) of every process of the server before and after, and of the worker after
each thousand requests.
"""

import argparse
import base64
import datetime
import os
import random
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.statements import day_sizes, sqlite_path  # noqa: E402


def memory(pid: int) -> tuple[int, int]:
    """(anonymous, file-backed) resident kB of one process."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["RssAnon"].split()[0]), int(fields["RssFile"].split()[0])


def tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid] + [p for child in children for p in tree(int(child))]


def last_day(database_url: str) -> datetime.date:
    """The day of the newest declaration (the fill ended on the day before it ran)."""
    sql = "SELECT MAX(day) FROM registry_dayserials"  # (there is no index over dates)
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            return datetime.date.fromisoformat(conn.execute(sql).fetchone()[0])
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as conn:
        return conn.execute(sql).fetchone()[0]


def urls(rows: int, newest: datetime.date, rng: random.Random) -> list[str]:
    """One of each public page type, with parameters spread over the whole database."""
    days = day_sizes(rows, newest)
    day = rng.choice(days)[0].isoformat()
    biggest = max(days, key=lambda d: d[1])[0].isoformat()
    serial = rng.randint(1, rows)
    lang = rng.choice(("zh-hans", "zh-hant", "en"))
    return [
        f"/{lang}/", "/count.json", f"/{lang}/statements/", f"/{lang}/statements/?before={serial}",
        f"/{lang}/statements/?after={serial}", f"/{lang}/statements/?after=0",
        f"/{lang}/statements/{day}/", f"/{lang}/statements/{biggest}/?before={serial}",
        f"/{lang}/statements/{serial}/", f"/{lang}/declare/", f"/{lang}/counting/",
        f"/{lang}/verify/", f"/{lang}/statistics/", f"/{lang}/milestones/", f"/{lang}/data/",
        f"/{lang}/news/", f"/{lang}/contest/", "/data/daily.csv", "/data/daily.json",
        "/data/totals.json", "/data/regions.csv", f"/data/statements.json?before={serial}",
        f"/data/statements/{day}.jsonl", "/feeds/statements.atom", "/sitemap.xml",
        "/log/checkpoint", "/log/key", f"/{lang}/statements/9999-01-01/",  # and a 404
    ]


def hit(base: str, paths: list[str], errors: list[str]) -> None:
    for path in paths:
        try:
            with urllib.request.urlopen(base + path, timeout=60) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                errors.append(f"{exc.code} {path}")
        except OSError as exc:
            errors.append(f"{exc} {path}")


def server_env(database_url: str, workdir: Path) -> dict:
    from nacl.public import PrivateKey

    public = base64.b64encode(bytes(PrivateKey.generate().public_key)).decode()
    return {
        **os.environ, "DJANGO_SETTINGS_MODULE": "tuidang.settings", "DATABASE_URL": database_url,
        "TUIDANG_VAR_DIR": str(workdir), "SECRET_KEY": secrets.token_urlsafe(40),
        "RECEIPT_KEY": secrets.token_urlsafe(40), "RECORDS_PUBLIC_KEY": public,
        "LOG_SIGNING_KEY_FILE": str(workdir / "log.key"), "ALLOWED_HOSTS": "127.0.0.1",
    }


def run(database_url: str, rows: int, requests: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="tuidang-bench-memory-"))
    env = server_env(database_url, workdir)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "tlog_keygen", "--if-missing"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=env, cwd=ROOT,
                   check=True)
    port = 18000 + random.randrange(1000)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tuidang.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "4", "--worker-class", "gthread",
         "--log-level", "warning"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/count.json", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1)
        processes = tree(server.pid)
        before = {pid: memory(pid) for pid in processes}
        rng = random.Random(1)
        newest = last_day(database_url)
        errors: list[str] = []
        done = 0
        print(f"\n{database_url} ({rows:,} declarations), processes {processes}")
        print(f"{'requests':>9} {'worker anon kB':>15} {'worker file kB':>15} {'s':>6}")
        print(f"{0:>9} {before[processes[-1]][0]:>15,} {before[processes[-1]][1]:>15,}")
        started = time.perf_counter()
        while done < requests:
            batch: list[str] = []
            while len(batch) < 1000:
                batch += urls(rows, newest, rng)
            threads = [threading.Thread(target=hit, args=(base, batch[i::4], errors))
                       for i in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            done += len(batch)
            anon, file = memory(processes[-1])
            print(f"{done:>9} {anon:>15,} {file:>15,} {time.perf_counter() - started:>6.0f}",
                  flush=True)
        after = {pid: memory(pid) for pid in processes}
        for pid in processes:
            print(f"pid {pid}: anon {before[pid][0]:,} -> {after[pid][0]:,} kB, "
                  f"file {before[pid][1]:,} -> {after[pid][1]:,} kB")
        if errors:
            print(f"{len(errors)} errors, e.g. {sorted(set(errors))[:5]}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small-rows", type=int, default=10_000)
    parser.add_argument("--large-rows", type=int, default=10_000_000)
    parser.add_argument("--small", help="database URL (default: the bench's SQLite file)")
    parser.add_argument("--large", help="database URL (default: the bench's SQLite file)")
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    for rows, url in ((args.small_rows, args.small), (args.large_rows, args.large)):
        if url is None:
            url = f"sqlite:///{sqlite_path(rows)}"
            if not sqlite_path(rows).exists():
                subprocess.run([sys.executable, str(ROOT / "bench/statements.py"), "--rows",
                                str(rows), "--fill-only"], check=True)
        run(url, rows, args.requests)


if __name__ == "__main__":
    main()
