"""`cdx sim` as a user runs it: a subprocess that prints its URLs, serves, exits 0 on a signal."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from websockets.sync.client import connect

COMMAND = [sys.executable, "-m", "cdx.cli"]
FIRST_LINE = re.compile(r"^rest=http://127\.0\.0\.1:(\d+) ws=ws://127\.0\.0\.1:(\d+)/kline-api/ws$")


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, "sim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def sim() -> Iterator[subprocess.Popen[str]]:
    process = _start(
        "--port", "0", "--seed", "3", "--rate", "0", env={"CDX_SIM_API_SECRET": "from-env"}
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_first_line_gives_the_urls_and_the_exchange_serves_them(
    sim: subprocess.Popen[str],
) -> None:
    assert sim.stdout is not None
    line = sim.stdout.readline().rstrip("\n")
    match = FIRST_LINE.match(line)
    assert match, line
    assert match[1] == match[2] != "0"
    rest_url = f"http://127.0.0.1:{match[1]}"
    assert httpx.get(f"{rest_url}/v1/symbols", timeout=5).json()["code"] == "0"
    with connect(f"ws://127.0.0.1:{match[1]}/kline-api/ws") as ws:
        ws.send(json.dumps({"ping": 1}))
        assert ws.recv(timeout=5) is not None
    sim.send_signal(signal.SIGTERM)
    assert sim.wait(timeout=10) == 0


def test_secret_comes_from_the_environment(sim: subprocess.Popen[str]) -> None:
    assert sim.stdout is not None
    match = FIRST_LINE.match(sim.stdout.readline().rstrip("\n"))
    assert match
    params = {"api_key": "demo", "time": "0"}
    with httpx.Client(base_url=f"http://127.0.0.1:{match[1]}", timeout=5) as http:
        # The refusal names the server's time; sign with it and the secret from the environment.
        refusal = http.post("/v1/account", data={**params, "sign": "x"}).json()
        assert refusal["code"] == "100006"
        server_ms = re.search(r"server time (\d+)", refusal["msg"])
        assert server_ms
        params["time"] = server_ms[1]
        text = "".join(k + params[k] for k in sorted(params)) + "from-env"
        params["sign"] = hashlib.sha256(text.encode()).hexdigest()
        assert http.post("/v1/account", data=params).json()["code"] == "0"
    sim.send_signal(signal.SIGINT)
    assert sim.wait(timeout=10) == 0


def test_help_mentions_the_environment_variable() -> None:
    result = subprocess.run(
        [*COMMAND, "sim", "--help"], capture_output=True, text=True, timeout=30, check=True
    )
    assert "CDX_SIM_API_SECRET" in result.stdout


def test_port_in_use_exits_1_with_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*COMMAND, "sim", "--port", str(port), "--rate", "0"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [("--port", "70000"), ("--port", "-1"), ("--host", "a" * 100_000), ("--rate", "1e-300")],
    ids=["port-70000", "port-negative", "host-100k", "rate-exponent"],
)
def test_a_bad_option_is_a_usage_error_without_a_traceback(args: tuple[str, str]) -> None:
    process = _start(*args)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert out == ""
    assert "error: argument" in err
    assert "Traceback" not in err
    assert len(err) < 2000
