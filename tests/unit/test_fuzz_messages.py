"""Hypothesis fuzzing of the WebSocket message and paged-answer parsers (issue 11).

`messages.parse_server`, `messages.parse_client` and `Page.parse` are the last step between a
decoded frame or body and a value: fed hostile JSON-like values, both free-form and as the
documented messages with a field replaced, each must raise only its module's error or return a
value whose model parts keep every promise of the gate (checked by `test_fuzz_decoders.check`,
whose hostile values and templates this file reuses rather than repeats).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_decoders import (
    BTCUSDT,
    FUZZ,
    KLINE_TICK,
    ORDER,
    PER_DECODER,
    SYMBOLS,
    T0,
    TICKER_TICK,
    TRADE_PUSH,
    check,
    depth_tick,
    frame_inputs,
    hostile,
    json_like,
    mutated,
    usually,
)

from cdx.model.symbol import Symbol
from cdx.protocol import channels, codec, endpoints, frames, messages
from cdx.protocol.page import Page

CHANNELS = st.sampled_from(
    [
        "market_btcusdt_ticker",
        "market_btcusdt_depth_step0",
        "market_btcusdt_depth_step2",
        "market_btcusdt_trade_ticker",
        "market_btcusdt_kline_1min",
        "market_btcusdt_kline_1month",
    ]
)
TICKS: dict[str, st.SearchStrategy[Any]] = {
    "ticker": st.one_of(st.just(TICKER_TICK), mutated(TICKER_TICK)),
    "depth": depth_tick,
    "trade": st.fixed_dictionaries({"data": st.lists(mutated(TRADE_PUSH), max_size=4)}),
    "kline": st.one_of(st.just(KLINE_TICK), mutated(KLINE_TICK)),
}
"""A push's `tick` by channel kind: the documented one, or it with a field or two hostile."""


def tick_for(channel: str) -> st.SearchStrategy[Any]:
    parsed = channels.parse(channel)
    assert parsed is not None
    kind = parsed.kind.value
    return st.one_of(TICKS[kind], json_like) if kind != "depth" else TICKS[kind]


pushes = CHANNELS.flatmap(
    lambda channel: st.fixed_dictionaries(
        {"channel": usually(channel), "ts": usually(T0), "tick": tick_for(channel)}
    )
)
replies = st.one_of(
    mutated({"event_rep": "subed", "channel": "c", "cb_id": "x", "ts": T0, "status": "ok"}),
    mutated({"event_rep": "sub", "channel": "c", "status": "error", "err_msg": "no"}),
    st.sampled_from(["market_btcusdt_kline_1min", "market_btcusdt_trade_ticker"]).flatmap(
        lambda channel: mutated(
            {
                "event_rep": "rep",
                "channel": channel,
                "cb_id": "req-1",
                "ts": T0,
                "status": "ok",
                "data": [KLINE_TICK if "kline" in channel else TRADE_PUSH] * 2,
            }
        )
    ),
)
requests = st.one_of(
    mutated({"event": "sub", "params": {"channel": "market_btcusdt_ticker", "cb_id": "a"}}),
    st.fixed_dictionaries(
        {
            "event": usually("req"),
            "params": mutated({"channel": "market_btcusdt_kline_1min", "cb_id": "b"}),
        }
    ),
    st.fixed_dictionaries({"ping": hostile}),
)


def symbols_of(symbol: Symbol | None) -> dict[str, Symbol] | None:
    return {symbol.name: symbol} if symbol is not None else None


def sound(message: messages.ServerMessage, symbol: Symbol | None) -> None:
    """A parsed server message keeps the gate's promises and is a well-formed frozen value."""
    match message:
        case messages.Ping(value) | messages.Pong(value):
            assert type(value) is int
        case messages.TickerPush(ticker=ticker):
            check(ticker, symbol)
        case messages.DepthPush(book=book):
            check(book, symbol)
        case messages.TradePush(trades=trades):
            check(trades, symbol)
        case messages.KlinePush(kline=kline):
            check(kline, symbol)
        case messages.Rep(items=items):
            check(items, symbol)
        case messages.Subed() | messages.Unsubed() | messages.ErrorReply():
            assert isinstance(message.channel, str)
    dataclasses.replace(message)


def parsed_server(message: Any, symbol: Symbol | None) -> messages.ServerMessage | None:
    try:
        parsed = messages.parse_server(message, symbols_of(symbol))
    except messages.MessageError as exc:
        assert exc.tag is None or isinstance(exc.tag, str)
        return None
    sound(parsed, symbol if on_channel_of(message, symbol) else None)
    return parsed


def on_channel_of(message: Any, symbol: Symbol | None) -> bool:
    """Whether `message` is on a channel of `symbol`: only then does the parser hold its
    values to that symbol's precisions (a ticker of another symbol has none to keep)."""
    channel = message.get("channel") if isinstance(message, dict) else None
    parsed = channels.parse(channel) if isinstance(channel, str) else None
    return symbol is not None and parsed is not None and parsed.symbol == symbol.name


@FUZZ
@given(frame=frame_inputs, symbol=SYMBOLS)
def test_server_parser_raises_only_message_error_on_any_frame(frame: Any, symbol: Any) -> None:
    try:
        message = frames.decode(frame)
    except frames.FrameError:
        return
    parsed_server(message, symbol)


@PER_DECODER
@given(message=st.one_of(pushes, replies), symbol=SYMBOLS)
def test_documented_server_message_with_hostile_fields(message: Any, symbol: Any) -> None:
    parsed_server(message, symbol)


@PER_DECODER
@given(message=pushes)
def test_a_push_that_passes_encodes_back_to_the_same_value(message: Any) -> None:
    """With the symbol known, what the gate lets through survives the server's encoder.

    Depth at a coarser step is left out: its prices are printed with fewer decimals than the
    symbol's precision, which a well-behaved server never exceeds but a hostile one may.
    """
    parsed = parsed_server(message, BTCUSDT)
    if not isinstance(parsed, messages.Push):
        return
    if isinstance(parsed, messages.DepthPush) and parsed.step != 0:
        return
    again = messages.parse_server(
        frames.decode(frames.encode(parsed.encode(BTCUSDT))), {"btcusdt": BTCUSDT}
    )
    assert again == parsed


@FUZZ
@given(message=st.one_of(requests, json_like.filter(lambda v: isinstance(v, dict))))
def test_client_parser_raises_only_request_error_with_an_encodable_reply(message: Any) -> None:
    try:
        parsed = messages.parse_client(message)
    except messages.RequestError as exc:
        frames.encode(exc.reply.encode())  # the server can always send its answer
        assert exc.reply.tag is None or isinstance(exc.reply.tag, str)
        return
    match parsed:
        case messages.Ping(value) | messages.Pong(value):
            assert type(value) is int
        case _:
            assert isinstance(parsed.channel, str)
            assert parsed.tag is None or isinstance(parsed.tag, str)
            assert messages.parse_client(parsed.encode()) == parsed


@PER_DECODER
@given(
    page=st.one_of(
        mutated({"count": 2, "orderList": [ORDER, ORDER | {"id": "1043"}]}),
        st.fixed_dictionaries(
            {"count": usually(2), "orderList": st.lists(mutated(ORDER), max_size=4)}
        ),
        json_like,
    ),
    symbol=SYMBOLS,
)
def test_page_parser_raises_only_codec_error(page: Any, symbol: Any) -> None:
    try:
        parsed = Page.parse(
            page, endpoints.ALL_ORDERS, lambda o: codec.order_from_wire(o, symbol=symbol)
        )
    except codec.CodecError:
        return
    assert type(parsed.count) is int and 0 <= parsed.count < 10**20
    check(parsed.items, symbol)
