"""The embedded exchange's WebSocket over real sockets, checked against PROTOCOL.md section 6."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from cdx.server import websocket as ws_module
from cdx.server.runner import RunningExchange, SimConfig, start_exchange

Message = dict[str, Any]


async def recv(ws: ClientConnection, timeout: float = 5.0) -> Message:
    """The next server message: it must be a binary frame of gzip-compressed JSON."""
    frame = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(frame, bytes), "server frames are binary"
    assert frame[:2] == b"\x1f\x8b", "server frames are gzip"
    message = json.loads(gzip.decompress(frame), parse_float=Decimal)
    assert isinstance(message, dict)
    return message


async def recv_until(
    ws: ClientConnection, wanted: Callable[[Message], bool], timeout: float = 5.0
) -> Message:
    async with asyncio.timeout(timeout):
        while True:
            message = await recv(ws)
            if wanted(message):
                return message


async def send(ws: ClientConnection, message: Any) -> None:
    await ws.send(json.dumps(message))


async def sub(ws: ClientConnection, channel: str, cb_id: str = "c1") -> tuple[Message, Message]:
    """Subscribe; returns (the `subed` reply, the snapshot that follows it at once)."""
    await send(ws, {"event": "sub", "params": {"channel": channel, "cb_id": cb_id}})
    return await recv(ws), await recv(ws)


async def assert_alive(ws: ClientConnection) -> None:
    await send(ws, {"ping": 42})
    assert await recv_until(ws, lambda m: "pong" in m) == {"pong": 42}


@pytest.fixture
async def frozen_ws(frozen_exchange: RunningExchange) -> AsyncIterator[ClientConnection]:
    async with connect(frozen_exchange.ws_url, ping_interval=None) as ws:
        yield ws


@pytest.fixture
async def live_ws(exchange: RunningExchange) -> AsyncIterator[ClientConnection]:
    async with connect(exchange.ws_url, ping_interval=None) as ws:
        yield ws


async def test_sub_replies_then_sends_the_current_ticker(
    frozen_ws: ClientConnection, frozen_exchange: RunningExchange, manual_clock: Any
) -> None:
    reply, snapshot = await sub(frozen_ws, "market_btcusdt_ticker", "t-1")
    assert reply == {
        "event_rep": "subed",
        "channel": "market_btcusdt_ticker",
        "cb_id": "t-1",
        "ts": manual_clock.now_ms,
        "status": "ok",
    }
    assert snapshot["channel"] == "market_btcusdt_ticker"
    assert snapshot["ts"] == manual_clock.now_ms
    tick = snapshot["tick"]
    assert set(tick) == {"open", "high", "low", "close", "vol", "amount", "rose"}
    async with httpx.AsyncClient(base_url=frozen_exchange.rest_url) as http:
        rest = (await http.get("/v1/ticker?symbol=btcusdt")).json()["data"]
    assert (tick["close"], tick["open"], tick["vol"]) == (rest["last"], rest["open"], rest["vol"])


@pytest.mark.parametrize("step", [0, 1, 2])
async def test_depth_snapshot_matches_rest_depth(
    frozen_ws: ClientConnection, frozen_exchange: RunningExchange, step: int
) -> None:
    _, snapshot = await sub(frozen_ws, f"market_ethusdt_depth_step{step}")
    async with httpx.AsyncClient(base_url=frozen_exchange.rest_url) as http:
        rest = await http.get(f"/v1/depth?symbol=ethusdt&type=step{step}")
    rest_tick = rest.json()["data"]["tick"]
    assert snapshot["tick"] == {"asks": rest_tick["asks"], "buys": rest_tick["bids"]}


async def test_trade_snapshot_lists_recent_trades_newest_first(
    frozen_ws: ClientConnection,
) -> None:
    _, snapshot = await sub(frozen_ws, "market_btcusdt_trade_ticker")
    trades = snapshot["tick"]["data"]
    assert 0 < len(trades) <= 50
    assert set(trades[0]) == {"id", "side", "price", "vol", "amount", "ts"}
    ids = [int(trade["id"]) for trade in trades]
    assert ids == sorted(ids, reverse=True)
    first = trades[0]
    assert Decimal(first["amount"]) == Decimal(first["price"]) * Decimal(first["vol"])


async def test_kline_snapshot_is_the_current_bar(
    frozen_ws: ClientConnection, manual_clock: Any
) -> None:
    _, snapshot = await sub(frozen_ws, "market_btcusdt_kline_1min")
    bar = snapshot["tick"]
    assert set(bar) == {"id", "open", "high", "low", "close", "vol", "amount"}
    now_s = manual_clock.now_ms // 1000
    assert bar["id"] == now_s - now_s % 60


async def test_unsub_replies_and_stops_pushes(live_ws: ClientConnection) -> None:
    await sub(live_ws, "market_btcusdt_depth_step0")
    await send(live_ws, {"event": "unsub", "params": {"channel": "market_btcusdt_depth_step0"}})
    reply = await recv_until(live_ws, lambda m: "event_rep" in m)
    assert reply["event_rep"] == "unsubed" and reply["status"] == "ok"
    assert reply["channel"] == "market_btcusdt_depth_step0" and isinstance(reply["ts"], int)
    # The market keeps moving, but nothing more arrives for the channel.
    with pytest.raises(TimeoutError):
        await recv(live_ws, timeout=0.5)


@pytest.mark.parametrize(("interval", "minutes"), [("1min", 1), ("60min", 60), ("1day", 1440)])
async def test_req_kline_returns_bars_oldest_first(
    frozen_ws: ClientConnection, interval: str, minutes: int
) -> None:
    channel = f"market_btcusdt_kline_{interval}"
    await send(frozen_ws, {"event": "req", "params": {"channel": channel, "cb_id": "k"}})
    reply = await recv(frozen_ws)
    assert (reply["event_rep"], reply["channel"], reply["cb_id"], reply["status"]) == (
        "rep",
        channel,
        "k",
        "ok",
    )
    bars = reply["data"]
    assert 0 < len(bars) <= 300
    opens = [bar["id"] for bar in bars]
    assert opens == sorted(opens)
    assert all(b - a == minutes * 60 for a, b in itertools.pairwise(opens))


async def test_req_trades_returns_the_last_50(frozen_ws: ClientConnection) -> None:
    channel = "market_btcusdt_trade_ticker"
    await send(frozen_ws, {"event": "req", "params": {"channel": channel, "cb_id": "t"}})
    reply = await recv(frozen_ws)
    assert reply["event_rep"] == "rep" and reply["cb_id"] == "t"
    assert len(reply["data"]) == 50


@pytest.mark.parametrize(
    ("message", "event_rep", "channel"),
    [
        ({"event": "sub", "params": {"channel": "market_btc_foo"}}, "sub", "market_btc_foo"),
        ({"event": "sub", "params": {"channel": "market_dogeusdt_ticker"}}, "sub", None),
        ({"event": "sub", "params": {"channel": "market_btcusdt_kline_2min"}}, "sub", None),
        ({"event": "unsub", "params": {"channel": "bogus"}}, "unsub", "bogus"),
        ({"event": "req", "params": {"channel": "market_btcusdt_ticker"}}, "req", None),
        ({"event": "sub"}, "sub", None),
        ({"event": "sub", "params": {"channel": 5}}, "sub", None),
        ({"event": "dance", "params": {}}, "dance", None),
        ({"params": {"channel": "market_btcusdt_ticker"}}, "error", None),
        ([1, 2, 3], "error", None),
    ],
)
async def test_bad_messages_get_an_error_and_the_connection_stays(
    frozen_ws: ClientConnection, message: Any, event_rep: str, channel: str | None
) -> None:
    await send(frozen_ws, message)
    reply = await recv(frozen_ws)
    assert reply["event_rep"] == event_rep
    assert reply["status"] == "error" and reply["err_msg"]
    assert "channel" in reply
    if channel is not None:
        assert reply["channel"] == channel
    await assert_alive(frozen_ws)


@pytest.mark.parametrize(
    "frame",
    ["not json", "{", "", "[" * 30000 + "]" * 30000, b"\x00\xffgarbage", b'{"ping": 1}'],
)
async def test_garbage_frames_get_an_error_and_the_connection_stays(
    frozen_ws: ClientConnection, frame: str | bytes
) -> None:
    await frozen_ws.send(frame)
    reply = await recv(frozen_ws)
    assert reply["event_rep"] == "error" and reply["status"] == "error"
    await assert_alive(frozen_ws)


async def test_too_many_subscriptions_is_an_error(
    frozen_ws: ClientConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo market has fewer than 100 channels, so lower the cap to reach it.
    monkeypatch.setattr(ws_module, "MAX_SUBSCRIPTIONS", 2)
    await sub(frozen_ws, "market_btcusdt_ticker")
    await sub(frozen_ws, "market_ethusdt_ticker")
    await send(frozen_ws, {"event": "sub", "params": {"channel": "market_solusdt_ticker"}})
    reply = await recv(frozen_ws)
    assert (reply["event_rep"], reply["status"]) == ("sub", "error")
    assert "2" in reply["err_msg"]
    # Subscribing again to a channel already held is not a new subscription.
    reply, _ = await sub(frozen_ws, "market_btcusdt_ticker")
    assert reply["status"] == "ok"


async def test_client_ping_gets_pong(frozen_ws: ClientConnection) -> None:
    await send(frozen_ws, {"ping": 1700000000123})
    assert await recv(frozen_ws) == {"pong": 1700000000123}


async def test_depth_pushes_follow_the_market(live_ws: ClientConnection) -> None:
    _, snapshot = await sub(live_ws, "market_btcusdt_depth_step0")
    push = await recv_until(live_ws, lambda m: m.get("channel") == "market_btcusdt_depth_step0")
    assert push["tick"] != snapshot["tick"]
    assert push["ts"] >= snapshot["ts"]
    assert set(push["tick"]) == {"asks", "buys"}


async def test_depth_and_ticker_push_at_most_ten_times_a_second() -> None:
    running = await start_exchange(SimConfig(seed=3, rate=200))
    try:
        async with connect(running.ws_url, ping_interval=None) as ws:
            channels = ("market_btcusdt_depth_step0", "market_btcusdt_ticker")
            stamps: dict[str, list[int]] = {channel: [] for channel in channels}
            for channel in channels:
                _, snapshot = await sub(ws, channel)
                stamps[channel].append(snapshot["ts"])
            while len(stamps["market_btcusdt_depth_step0"]) < 8:
                message = await recv(ws)
                if message.get("channel") in stamps:
                    stamps[message["channel"]].append(message["ts"])
    finally:
        await running.stop()
    for series in stamps.values():
        gaps = [b - a for a, b in itertools.pairwise(series)]
        assert min(gaps) >= 99, gaps  # 100 ms apart, give or take ms rounding


async def test_trade_pushes_carry_every_trade(
    live_ws: ClientConnection, exchange: RunningExchange
) -> None:
    _, snapshot = await sub(live_ws, "market_btcusdt_trade_ticker")
    newest_before = int(snapshot["tick"]["data"][0]["id"])
    pushed: list[int] = []
    async with asyncio.timeout(10):
        while len(pushed) < 15:
            message = await recv(live_ws)
            if message.get("channel") == "market_btcusdt_trade_ticker":
                batch = [int(trade["id"]) for trade in message["tick"]["data"]]
                assert batch == sorted(batch, reverse=True)
                pushed.extend(batch)
    async with httpx.AsyncClient(base_url=exchange.rest_url) as http:
        recent = (await http.get("/v1/trades?symbol=btcusdt")).json()["data"]
    expected = {
        int(trade["id"]) for trade in recent if newest_before < int(trade["id"]) <= max(pushed)
    }
    assert expected == set(pushed)
    assert len(pushed) == len(set(pushed))


@pytest.fixture
async def fast_heartbeat() -> AsyncIterator[RunningExchange]:
    running = await start_exchange(SimConfig(rate=0, ping_interval=0.2, ping_timeout=0.6))
    try:
        yield running
    finally:
        await running.stop()


async def test_server_pings_and_keeps_a_client_that_answers(
    fast_heartbeat: RunningExchange,
) -> None:
    async with connect(fast_heartbeat.ws_url, ping_interval=None) as ws:
        for _ in range(6):  # 1.2 s, twice the timeout
            ping = await recv(ws, timeout=2)
            assert set(ping) == {"ping"} and isinstance(ping["ping"], int)
            await send(ws, {"pong": ping["ping"]})
        await assert_alive(ws)


async def test_server_drops_a_client_that_stops_answering_pings(
    fast_heartbeat: RunningExchange,
) -> None:
    async with connect(fast_heartbeat.ws_url, ping_interval=None) as ws:
        loop = asyncio.get_running_loop()
        first_ping = await recv(ws, timeout=2)
        assert "ping" in first_ping
        sent_at = loop.time()
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(5):
                while True:
                    await recv(ws)
        assert loop.time() - sent_at >= 0.5


async def test_unknown_event_error_names_the_channel_it_was_sent_with(
    frozen_ws: ClientConnection,
) -> None:
    await send(frozen_ws, {"event": "dance", "params": {"channel": "market_btcusdt_ticker"}})
    reply = await recv(frozen_ws)
    assert reply == {
        "event_rep": "dance",
        "channel": "market_btcusdt_ticker",
        "status": "error",
        "err_msg": reply["err_msg"],
    }
    assert "dance" in reply["err_msg"]
    await assert_alive(frozen_ws)
