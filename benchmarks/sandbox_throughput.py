"""Measure the simulator's throughput on loopback with no injected latency.

Run: python benchmarks/sandbox_throughput.py [--seconds 3] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netsuite_sandbox.oauth import percent_encode, sign_rest  # noqa: E402
from netsuite_sandbox.testing import Sandbox, running_sandbox  # noqa: E402


def authorization(sb: Sandbox, method: str, url: str) -> str:
    """Sign one request the way a TBA client does."""
    oauth = {
        "oauth_consumer_key": sb.consumer_key,
        "oauth_nonce": secrets.token_hex(10),
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": str(int(time.time())),
        "oauth_token": sb.token_id,
        "oauth_version": "1.0",
    }
    signature = sign_rest(method, url, oauth, sb.consumer_secret, sb.token_secret)
    params = ", ".join(f'{k}="{percent_encode(v)}"' for k, v in oauth.items())
    return f'OAuth realm="{sb.account_id}", {params}, oauth_signature="{quote(signature, safe="")}"'


def body(n: int) -> dict:
    """A small balanced two-line entry."""
    return {
        "subsidiary": {"id": "1"},
        "tranDate": "2025-06-30",
        "line": {
            "items": [
                {"account": {"id": "112"}, "debit": n + 1},
                {"account": {"id": "109"}, "credit": n + 1},
            ]
        },
    }


async def worker(sb: Sandbox, kind: str, deadline: float, counts: dict[str, int], wid: int):
    async with aiohttp.ClientSession() as http:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            if kind == "get":
                method, url, payload, headers = (
                    "GET", f"{sb.base_url}/services/rest/record/v1/journalentry/1001", None, {}
                )  # fmt: skip
            elif kind == "upsert":
                url = f"{sb.base_url}/services/rest/record/v1/journalentry/eid:B-{wid}-{n}"
                method, payload, headers = "PUT", body(n), {}
            else:
                url = f"{sb.base_url}/services/rest/query/v1/suiteql?limit=10"
                method, headers = "POST", {"Prefer": "transient"}
                payload = {"q": "SELECT id, acctnumber FROM account WHERE acctnumber IN ('2310')"}
            headers["Authorization"] = authorization(sb, method, url)
            async with http.request(method, url, json=payload, headers=headers) as response:
                await response.read()
                counts[str(response.status)] = counts.get(str(response.status), 0) + 1


async def measure(sb: Sandbox, kind: str, seconds: float, workers: int) -> tuple[float, dict]:
    counts: dict[str, int] = {}
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(worker(sb, kind, deadline, counts, w) for w in range(workers)))
    elapsed = time.monotonic() - started
    return sum(counts.values()) / elapsed, counts


# The simulator must never be the bottleneck of a sync benchmark (5 in flight at 150 ms is
# about 33 requests/s); 300 requests/s leaves it an order of magnitude of headroom.
FLOOR = 300


def main() -> None:
    """Start a sandbox, seed one entry, and measure GET, upsert and SuiteQL rates."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=4, help="stay under the limit of 5")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, running_sandbox(data) as sb:
        import requests

        requests.put(
            f"{sb.base_url}/services/rest/record/v1/journalentry/eid:SEED",
            json=body(0),
            auth=sb.oauth1(),
            timeout=10,
        ).raise_for_status()
        for kind in ("get", "upsert", "suiteql"):
            rate, counts = asyncio.run(measure(sb, kind, args.seconds, args.workers))
            print(
                f"{kind:8s} {rate:8.0f} requests/s  (floor {FLOOR} requests/s, "
                f"ratio {rate / FLOOR:.2f})  statuses={counts}"
            )


if __name__ == "__main__":
    main()
