"""granian against gunicorn: the same app, the same workers, driven by wrk.

Run by hand: `.venv/bin/python bench/servers.py [--duration 10] [--connections 32]`
(SQLite in a temp dir, or DATABASE_URL). Each server runs `tuidang.wsgi:application`
with the same number of worker processes and threads per worker; wrk (Debian's, on the
same machine) drives `/count.json`, the home page and real form posts to the declaration
form with a CSRF cookie and token fetched once. Only the web server runs: no sequencer,
so posts stay "received" and reads see a quiet database.

Prints requests per second, p50 and p99 latency, errors (socket errors and HTTP >= 400),
declarations stored per form post, and granian's figure over gunicorn's.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._django import setup  # noqa: E402

BIN = Path(sys.executable).parent

# The bench measures the servers, not the abuse protection: no proof of work to hold
# for, no rate limit to hit from one address.
BENCH_ENV = {
    "PROTECTION_POW_HOLD": "0",
    "PROTECTION_DECLARATIONS_PER_SUBMITTER": "0",
    "PROTECTION_DECLARATIONS_PER_MINUTE": "0",
}

LUA = r"""
local counter = 0
local threads = 0
local base = [[%(body)s]]
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  if base == "" then
    return wrk.format("GET", "%(path)s")
  end
  counter = counter + 1
  local body = base .. "&persons-0-display_name=bench" .. tid .. "n" .. counter
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=%(cookie)s",
  }, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def server_command(name: str, port: int, workers: int, threads: int) -> list[str]:
    if name == "gunicorn":
        return [
            str(BIN / "gunicorn"), "tuidang.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
            "--error-logfile", "-", "--log-level", "warning",
        ]
    return [
        str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--blocking-threads", str(threads), "--no-ws",
        "--no-access-log", "--log-level", "warning", "tuidang.wsgi:application",
    ]


def wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def form_post(base: str) -> tuple[str, str]:
    """One CSRF cookie and form token, and the rest of a one-person form body."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/zh-hans/declare/", timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cookie = next(c.value for c in jar if c.name == "csrftoken")
    fields = {
        "csrfmiddlewaretoken": token,
        "persons-TOTAL_FORMS": "1", "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "1", "persons-MAX_NUM_FORMS": "50",
        "persons-0-organizations": "party", "statement_title": "", "statement_text": "",
        "submit": "1",
    }
    return cookie, urllib.parse.urlencode(fields)


def run_wrk(workdir: Path, base: str, path: str, args: argparse.Namespace,
            cookie: str = "", body: str = "") -> dict:
    script = workdir / "bench.lua"
    script.write_text(LUA % {"path": path, "body": body, "cookie": cookie})
    cmd = ["wrk", "--latency", "-t", str(args.wrk_threads), "-c", str(args.connections),
           "-d", f"{args.duration}s", "--timeout", "10s", "-s", str(script), base + path]
    output = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in output.splitlines() if ln.startswith("RESULT "))
    requests, duration, p50, p99, socket_errors, http_errors = map(int, line.split()[1:])
    return {
        "rps": requests / (duration / 1e6), "requests": requests,
        "p50_ms": p50 / 1000, "p99_ms": p99 / 1000,
        "socket_errors": socket_errors, "http_errors": http_errors,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children still running (from /proc)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / ticks
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pids.extend(int(c) for c in children)
    return total


def bench_server(name: str, workdir: Path, args: argparse.Namespace) -> dict[str, dict]:
    from tuidang.registry.models import Declaration

    port = args.port
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        server_command(name, port, args.workers, args.threads), cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True,
    )
    results = {}
    try:
        wait_for(base + "/count.json")
        for scenario in args.scenarios:
            cookie = body = ""
            path = {"count": "/count.json", "home": "/zh-hans/", "declare": "/zh-hans/declare/"}[
                scenario]
            if scenario == "declare":
                cookie, body = form_post(base)
            # A short warm-up: workers import lazily and fill their caches on first use.
            warm = argparse.Namespace(**{**vars(args), "duration": 1})
            run_wrk(workdir, base, path, warm, cookie, body)
            before = Declaration.objects.count()
            cpu_before = cpu_seconds(proc.pid)
            result = run_wrk(workdir, base, path, args, cookie, body)
            result["server_cpu_s"] = cpu_seconds(proc.pid) - cpu_before
            if scenario == "declare":
                result["stored"] = Declaration.objects.count() - before
            results[scenario] = result
            print(f"{name:9} {scenario:8} {fmt(result)}", flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return results


def fmt(r: dict) -> str:
    text = (f"{r['rps']:8.0f} req/s  p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
            f"errors {r['socket_errors']}+{r['http_errors']}  "
            f"server CPU {r['server_cpu_s']:.1f} s")
    if "stored" in r:
        text += f"  stored {r['stored']}/{r['requests']}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="worker processes per server")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--servers", default="gunicorn,granian")
    parser.add_argument("--scenarios", default="count,home,declare")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    args.scenarios = args.scenarios.split(",")
    os.environ.update(BENCH_ENV)
    workdir = setup()
    print(f"{args.workers} workers x {args.threads} threads; wrk {args.wrk_threads} threads, "
          f"{args.connections} connections, {args.duration} s per run", flush=True)
    results = {name: bench_server(name, workdir, args) for name in args.servers.split(",")}
    if {"gunicorn", "granian"} <= results.keys():
        for scenario in args.scenarios:
            ours, theirs = results["granian"][scenario], results["gunicorn"][scenario]
            print(f"granian/gunicorn {scenario:8} requests/s x{ours['rps'] / theirs['rps']:.2f}  "
                  f"p99 x{ours['p99_ms'] / max(theirs['p99_ms'], 0.001):.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
