"""Starting and stopping the embedded exchange, in the loop and on a background thread."""

from __future__ import annotations

import httpx
import pytest

from cdx.server.runner import BackgroundExchange, SimConfig, start_exchange

FROZEN_MS = 1_700_000_000_000


def test_background_exchange_serves_sync_callers_and_frees_its_port() -> None:
    with BackgroundExchange(SimConfig(rate=0)) as running:
        assert running.rest_url.startswith("http://127.0.0.1:")
        assert running.ws_url == running.rest_url.replace("http", "ws") + "/kline-api/ws"
        response = httpx.get(f"{running.rest_url}/v1/symbols", timeout=5)
        assert response.json()["code"] == "0"
        assert "btcusdt" in running.engine.symbols
        assert running.faults.rest_fail_next == 0
        url = running.rest_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/symbols", timeout=5)


def test_background_exchange_reports_a_port_in_use() -> None:
    with BackgroundExchange(SimConfig(rate=0)) as first:
        port = int(first.rest_url.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            BackgroundExchange(SimConfig(rate=0, port=port)).start()


async def test_same_seed_and_frozen_clock_give_identical_but_independent_exchanges() -> None:
    config = SimConfig(seed=11, rate=0, clock=lambda: FROZEN_MS)
    first, second = await start_exchange(config), await start_exchange(config)
    try:
        async with httpx.AsyncClient() as http:
            depth = [
                (await http.get(f"{ex.rest_url}/v1/depth?symbol=btcusdt")).json()
                for ex in (first, second)
            ]
            assert depth[0] == depth[1]
            first.engine.cancel_all("sim-maker", "btcusdt", FROZEN_MS)
            after = [
                (await http.get(f"{ex.rest_url}/v1/depth?symbol=btcusdt")).json()
                for ex in (first, second)
            ]
        assert after[0] != depth[0]
        assert after[1] == depth[1]
    finally:
        await first.stop()
        await second.stop()


def test_config_repr_hides_the_secret() -> None:
    assert "s3cr3t" not in repr(SimConfig(api_secret="s3cr3t"))
