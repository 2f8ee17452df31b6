"""Two real processes on one API key, side by side against the embedded exchange, share one
rate budget through the state directory: the server refuses none of their requests."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from cdx.server.runner import RunningExchange

API_KEY, API_SECRET = "demo", "demo-secret"  # the embedded exchange's demo account

REQUESTS_EACH = 12

_CLIENT = """
import asyncio, json, sys
from cdx.client.credentials import Credentials
from cdx.client.ratelimit import Priority, RateLimiter
from cdx.client.rest import RestClient

async def main(url: str, count: int, share: bool) -> None:
    limiter = RateLimiter.shared_with_other_processes(url) if share else RateLimiter()
    refused = 0
    observe = limiter.observe

    def counting(group, key, headers, status):
        nonlocal refused
        refused += status == 429
        observe(group, key, headers, status)

    limiter.observe = counting
    credentials = Credentials.from_env()
    async with RestClient(url, credentials, limiter) as rest:
        for _ in range(count):
            await rest.account(priority=Priority.BACKGROUND)
    print(json.dumps({"refused": refused}))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3] == "share"))
"""


async def _side_by_side(exchange: RunningExchange, state: Path, mode: str) -> list[int]:
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(state),
        "CDX_API_KEY": API_KEY,
        "CDX_API_SECRET": API_SECRET,  # in the environment, never on a command line
    }
    argv = [exchange.rest_url, str(REQUESTS_EACH), mode]
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _CLIENT,
            *argv,
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = await asyncio.wait_for(
        asyncio.gather(*(child.communicate() for child in children)), timeout=60
    )
    assert all(child.returncode == 0 for child in children)
    return [json.loads(out.decode())["refused"] for out, _ in outputs]


async def test_two_processes_on_one_key_see_no_429(
    exchange: RunningExchange, tmp_path: Path
) -> None:
    refused = await _side_by_side(exchange, tmp_path, "share")
    assert refused == [0, 0]
    [budget] = (tmp_path / "cdx").iterdir()
    assert API_KEY not in budget.name
    assert API_SECRET not in budget.read_text()
