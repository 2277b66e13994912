"""API ingestion: declarations per second through POST /api/v1/declarations.

Run by hand: `.venv/bin/python bench/api.py` (SQLite in a temp dir, or DATABASE_URL).
Requests go through Django's full handler stack in-process (middleware, token check,
validation with the web forms, one transaction per declaration); no network.
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup


def item(i: int) -> dict:
    return {
        "persons": [{"display_name": f"接口{i}", "organizations": ["party", "league"]},
                    {"display_name": f"家属{i}", "organizations": ["pioneers"]}],
        "channel": "hotline", "consent": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--single", type=int, default=500, help="requests of one declaration")
    parser.add_argument("--batches", type=int, default=5, help="requests of 1,000")
    args = parser.parse_args()
    setup()
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from tuidang.api.tokens import create_token

    helper = User.objects.create_user("bench-helper")
    helper.groups.add(Group.objects.get_or_create(name="helpers")[0])
    token = create_token(helper, "bench").secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    serial = 0

    def post(items: list[dict]) -> None:
        response = client.post("/api/v1/declarations", json.dumps({"declarations": items}),
                               content_type="application/json")
        assert response.status_code == 200, response.content[:500]
        assert response.json()["accepted"] == len(items)

    started = time.perf_counter()
    for _ in range(args.single):
        post([item(serial)])
        serial += 1
    single = args.single / (time.perf_counter() - started)
    print(f"batches of 1:     {single:8.0f} declarations/s ({args.single} requests)", flush=True)

    started = time.perf_counter()
    for _ in range(args.batches):
        post([item(serial + i) for i in range(1000)])
        serial += 1000
    batched = args.batches * 1000 / (time.perf_counter() - started)
    print(f"batches of 1,000: {batched:8.0f} declarations/s ({args.batches} requests)")
    print(f"ratio: {batched / single:.1f}x; peak memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
