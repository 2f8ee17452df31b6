"""PROTOCOL.md section 6: frames are gzip JSON from the server, plain JSON text from clients."""

from __future__ import annotations

import gzip
from decimal import Decimal

import pytest

from cdx.protocol import channels, frames
from cdx.protocol.channels import ChannelKind


def test_server_frame_is_gzip_of_compact_json() -> None:
    frame = frames.encode({"ping": 1700000000000})
    assert gzip.decompress(frame) == b'{"ping":1700000000000}'


def test_decode_accepts_gzip_binary_and_plain_text() -> None:
    literal = b'{"channel":"market_btcusdt_ticker","ts":1,"tick":{"close":"27000.50"}}'
    assert frames.decode(gzip.compress(literal)) == frames.decode(literal.decode())


def test_decode_reads_json_numbers_as_decimal_not_float() -> None:
    message = frames.decode('{"tick":{"close":27000.1}}')
    assert message["tick"]["close"] == Decimal("27000.1")


@pytest.mark.parametrize(
    "frame",
    [b"\x1f\x8b\x08garbage", b"\xff\xfe", "not json", "[1,2]", gzip.compress(b"{bad")],
)
def test_decode_rejects_malformed_frames(frame: bytes | str) -> None:
    with pytest.raises(frames.FrameError):
        frames.decode(frame)


@pytest.mark.parametrize(
    ("name", "kind", "step", "interval"),
    [
        ("market_btcusdt_ticker", ChannelKind.TICKER, 0, ""),
        ("market_btcusdt_depth_step2", ChannelKind.DEPTH, 2, ""),
        ("market_ethbtc_trade_ticker", ChannelKind.TRADE, 0, ""),
        ("market_ethusdt_kline_1day", ChannelKind.KLINE, 0, "1day"),
    ],
)
def test_channel_names_round_trip(name: str, kind: ChannelKind, step: int, interval: str) -> None:
    channel = channels.parse(name)
    assert channel is not None
    assert (channel.kind, channel.step, channel.interval) == (kind, step, interval)
    assert channel.name == name


@pytest.mark.parametrize(
    "name",
    [
        "market_btcusdt_depth_step3",
        "market_btcusdt_kline_2min",
        "market__ticker",
        "btcusdt_ticker",
        "",
    ],
)
def test_channel_names_outside_the_protocol_are_refused(name: str) -> None:
    assert channels.parse(name) is None
