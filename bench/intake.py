"""Intake and reads over real HTTP, driven by wrk on the same machine (issue #7).

    .venv/bin/python bench/intake.py [--server granian|gunicorn] [--duration 60]
        [--connections 64] [--rate POSTS_PER_SECOND] [--only form,api,count,home]

Starts the web server (2 processes) and the sequencer on a throw-away database (SQLite,
or DATABASE_URL), then runs wrk for each scenario and prints requests/s, p50/p99 and
errors:
- form: real form posts to /zh-hans/declare/ with the CSRF cookie and token, one new
  person per post (unique names, so none is held as a duplicate);
- api:  POST /api/v1/declarations with one declaration, a helper's bearer token;
- count / home: GET /count.json and /zh-hans/.
After the posts it waits for the sequencer to drain and checks that every accepted post
(HTTP 200) is a declaration in the log, then runs the auditor over the exported log.
The abuse gate's per-address limits and proof-of-work hold are off: one wrk address
stands for many declarants.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent

os.environ.update(
    PROTECTION_POW_HOLD="0", PROTECTION_DECLARATIONS_PER_SUBMITTER="0",
    PROTECTION_DECLARATIONS_PER_MINUTE="0", PUBLISH_INTERVAL="0.2",
)
import _django  # noqa: E402

# Per-thread unique names, and a count of responses carrying MARKER (a receipt).
COUNTING_LUA = r"""
local n = 0
local prefix = ""
local threads = {}
function setup(thread)
  thread:set("id", tostring(math.random(100000, 999999)))
  table.insert(threads, thread)
end
function init(args) prefix = id; receipts = 0 end
function delay() return DELAY end
function response(status, headers, body)
  if string.find(body, MARKER, 1, true) then receipts = receipts + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("receipts") end
  io.write(string.format("receipts: %d\n", total))
end
"""

FORM_LUA = COUNTING_LUA + r"""
request = function()
  n = n + 1
  local body = "csrfmiddlewaretoken=" .. TOKEN .. "&persons-TOTAL_FORMS=1" ..
    "&persons-INITIAL_FORMS=0&persons-MIN_NUM_FORMS=1&persons-MAX_NUM_FORMS=50" ..
    "&persons-0-display_name=%E6%B5%8B%E8%AF%95" .. prefix .. "x" .. n ..
    "&persons-0-organizations=party&persons-0-organizations=league&submit=1"
  return wrk.format("POST", "/zh-hans/declare/", HEADERS, body)
end
"""

API_LUA = COUNTING_LUA + r"""
request = function()
  n = n + 1
  local body = '{"declarations": [{"channel": "phone", "persons": [{"display_name": ' ..
    '"api' .. prefix .. "x" .. n .. '", "organizations": ["party"]}], "consent": true}]}'
  return wrk.format("POST", "/api/v1/declarations", HEADERS, body)
end
"""


def start_server(server: str, port: int, env: dict, threads: int) -> subprocess.Popen:
    if server == "granian":
        cmd = [str(ROOT / ".venv/bin/granian"), "--interface", "wsgi",
               "tuidang.wsgi:application", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "2", "--blocking-threads", str(threads), "--log-level", "warning"]
    else:
        cmd = [sys.executable, "-m", "gunicorn", "tuidang.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", "2", "--threads", str(threads), "--worker-class", "gthread",
               "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/count.json", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def form_credentials(base: str) -> tuple[str, str]:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/zh-hans/declare/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    cookie = next(c.value for c in jar if c.name == "csrftoken")
    return cookie, token


def api_token() -> str:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from tuidang.accounts.access import HELPERS_GROUP
    from tuidang.api import tokens

    user = get_user_model().objects.create_user("bench-helper", password=None)
    user.groups.add(Group.objects.get_or_create(name=HELPERS_GROUP)[0])
    return tokens.create_token(user, "bench").secret


def run_wrk(url: str, seconds: int, connections: int, lua: str | None = None) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua or "")
    if lua:
        args += ["-s", script.name]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = sum(int(x) for x in sock.groups()) if sock else 0
    pct = dict(re.findall(r"\s+(50|99)%\s+([\d.]+\w+)", out))
    receipts = re.search(r"receipts: (\d+)", out)
    ok = int(receipts.group(1)) if receipts else total - bad - errors
    return {"requests": total, "ok": ok, "non2xx": bad, "socket_errors": errors,
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": pct.get("50"), "p99": pct.get("99")}


def lua_with(template: str, headers: dict, marker: str, token: str = "",
             delay_ms: float = 0) -> str:
    lines = ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items())
    return (f'TOKEN = "{token}"\nMARKER = {json.dumps(marker)}\nHEADERS = {{{lines}}}\n'
            f"DELAY = {delay_ms:.3f}\nreceipts = 0\n{template}")


def check_log(accepted: int) -> None:
    from tuidang.registry.models import Declaration, PendingEntry

    # Requests still queued in the server when wrk stops are stored afterwards: wait until
    # nothing new has been stored for two seconds and the sequencer's inbox is empty.
    deadline = time.monotonic() + 600
    stored, quiet_since = -1, time.monotonic()
    while True:
        now = Declaration.objects.count()
        if now != stored:
            stored, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= 2 and not PendingEntry.objects.exists():
            break
        if time.monotonic() > deadline:
            raise SystemExit("the sequencer did not drain in 10 minutes")
        time.sleep(0.5)
    logged = Declaration.objects.filter(log_index__isnull=False).count()
    # wrk stops counting with requests in flight: those are stored but not counted, so
    # stored may exceed what wrk saw accepted, by at most the number of connections.
    print(f"receipts seen by wrk: {accepted}; stored: {stored}; in the log: {logged}")
    if not accepted <= stored == logged:
        raise SystemExit("MISMATCH: some accepted declaration is not in the log")


def audit(workdir: Path) -> None:
    from django.core.management import call_command

    out = workdir / "log-export"
    call_command("log_export", str(out), verbosity=0)
    key = (out / "key").read_text().strip() if (out / "key").exists() else None
    cmd = [str(ROOT / ".venv/bin/tuidang-audit"), str(out)] + (["--key", key] if key else [])
    started = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    print(f"audit of the exported log passed ({time.monotonic() - started:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", default="form,api,count,home")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--threads", type=int, default=32, help="threads per web process")
    parser.add_argument(
        "--rate", type=float, default=0,
        help="offer about this many posts a second in all (each connection waits "
             "connections/rate s between its posts; latency is measured without the "
             "wait); 0: every connection posts again at once, as fast as the server goes")
    args = parser.parse_args()
    delay_ms = args.connections / args.rate * 1000 if args.rate else 0
    workdir = _django.setup()
    from django.db import connection

    env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL")
           or f"sqlite:///{connection.settings_dict['NAME']}"}
    base = f"http://127.0.0.1:{args.port}"
    web = start_server(args.server, args.port, env, args.threads)
    sequencer = subprocess.Popen([sys.executable, "manage.py", "sequencer"], cwd=ROOT, env=env)
    results, accepted = {}, 0
    try:
        for scenario in args.only.split(","):
            if scenario == "form":
                cookie, token = form_credentials(base)
                lua = lua_with(FORM_LUA, {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={cookie}", "Referer": f"{base}/zh-hans/declare/",
                }, 'id="receipt-code"', token, delay_ms)
                results[scenario] = run_wrk(base, args.duration, args.connections, lua)
            elif scenario == "api":
                lua = lua_with(API_LUA, {"Content-Type": "application/json",
                                         "Authorization": f"Bearer {api_token()}"},
                               '"ok": true', delay_ms=delay_ms)
                results[scenario] = run_wrk(base, args.duration, args.connections, lua)
            elif scenario in ("count", "home"):
                path = "/count.json" if scenario == "count" else "/zh-hans/"
                results[scenario] = run_wrk(base + path, args.duration, args.connections)
            print(scenario, json.dumps(results[scenario]), flush=True)
            if scenario in ("form", "api"):
                accepted += results[scenario]["ok"]
        check_log(accepted)
    finally:
        web.terminate()
        sequencer.terminate()
        web.wait()
        sequencer.wait()
    audit(workdir)
    offered = f"offered {args.rate:.0f}/s" if args.rate else "as fast as answered"
    print(f"\nserver: {args.server}, 2 processes x {args.threads} threads; "
          f"{args.connections} connections ({offered}), "
          f"{args.duration} s each; database: {connection.vendor}")
    for scenario, r in results.items():
        per_second = r["ok"] / args.duration
        print(f"{scenario:6} {r['rps']:9.0f} req/s  accepted/ok {per_second:9.0f}/s  "
              f"p50 {r['p50']}  p99 {r['p99']}  non-2xx {r['non2xx']}  "
              f"socket errors {r['socket_errors']}")


if __name__ == "__main__":
    main()
