"""PROTOCOL.md section 6 as literal JSON: every WebSocket message encodes to the documented text
and parses back to the same value, in both directions; malformed ones raise `MessageError`.

The literals are written by hand from PROTOCOL.md, never produced by the code under test, so a
mistake shared by the client and the embedded exchange cannot hide.
"""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from typing import Any

import pytest

from cdx.model.book import Book
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.order import Side
from cdx.model.symbol import Symbol
from cdx.protocol import envelope, frames, messages
from cdx.protocol.messages import (
    DepthPush,
    ErrorReply,
    KlinePush,
    MessageError,
    Ping,
    Pong,
    Rep,
    Req,
    RequestError,
    Sub,
    Subed,
    TickerPush,
    TradePush,
    Unsub,
    Unsubed,
)

BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, Decimal("0.000100"), Decimal("5"))
SYMBOLS = {"btcusdt": BTCUSDT}
T = 1700000000000

TICKER = Ticker(
    "btcusdt",
    T,
    Decimal("26810.00"),
    Decimal("27250.00"),
    Decimal("26700.00"),
    Decimal("27000.50"),
    Decimal("1234.567800"),
    Decimal("33210456.12"),
    Decimal("0.0071"),
)
BAR = Kline(
    1699999980,
    Decimal("27000.00"),
    Decimal("27010.00"),
    Decimal("26990.00"),
    Decimal("27005.50"),
    Decimal("1.250000"),
    Decimal("33756.25"),
)
TRADE = Trade("981", Decimal("27000.50"), Decimal("0.010000"), Side.BUY, T)
BOOK = Book(
    asks=((Decimal("27001.00"), Decimal("0.250000")),),
    bids=((Decimal("27000.00"), Decimal("1.000000")),),
    time=T,
)

BAR_TEXT = (
    '{"id":1699999980,"open":"27000.00","high":"27010.00","low":"26990.00",'
    '"close":"27005.50","vol":"1.250000","amount":"33756.25"}'
)
TRADE_TEXT = (
    '{"id":"981","side":"BUY","price":"27000.50","vol":"0.010000","amount":"270.005",'
    '"ts":1700000000000}'
)


def sent_by_server(message: dict[str, Any]) -> str:
    """The text a server frame carries: gunzipped, as a client reads it."""
    return gzip.decompress(frames.encode(message)).decode()


def read(text: str) -> dict[str, Any]:
    """A literal frame decoded as the client and the server decode it (numbers as Decimal)."""
    return frames.decode(text)


# Client to server -----------------------------------------------------------------------------

CLIENT_GOLDEN: list[tuple[str, messages.ClientMessage]] = [
    (
        '{"event":"sub","params":{"channel":"market_btcusdt_ticker","cb_id":"any string"}}',
        Sub("market_btcusdt_ticker", "any string"),
    ),
    (
        '{"event":"unsub","params":{"channel":"market_btcusdt_ticker"}}',
        Unsub("market_btcusdt_ticker"),
    ),
    (
        '{"event":"req","params":{"channel":"market_btcusdt_kline_1min","cb_id":"x"}}',
        Req("market_btcusdt_kline_1min", "x"),
    ),
    ('{"ping":1700000000000}', Ping(T)),
    ('{"pong":1700000000000}', Pong(T)),
]


@pytest.mark.parametrize(("text", "value"), CLIENT_GOLDEN, ids=[t for t, _ in CLIENT_GOLDEN])
def test_client_message_encodes_to_the_documented_text(
    text: str, value: messages.ClientMessage
) -> None:
    assert frames.encode_text(value.encode()) == text


@pytest.mark.parametrize(("text", "value"), CLIENT_GOLDEN, ids=[t for t, _ in CLIENT_GOLDEN])
def test_client_message_parses_from_the_documented_text(
    text: str, value: messages.ClientMessage
) -> None:
    assert messages.parse_client(read(text)) == value


def test_a_sub_without_cb_id_parses_with_no_tag() -> None:
    parsed = messages.parse_client(
        read('{"event":"sub","params":{"channel":"market_btcusdt_ticker"}}')
    )
    assert parsed == Sub("market_btcusdt_ticker", None)


# The server's answers to client messages it cannot serve: the error reply is the wire.
REFUSED: list[tuple[str, str]] = [
    (
        '{"params":{"channel":"market_btcusdt_ticker","cb_id":"a"}}',
        '{"event_rep":"error","channel":"","cb_id":"a","status":"error",'
        '"err_msg":"message has no \'event\'; use sub, unsub or req"}',
    ),
    (
        '{"event":"subscribe","params":{"channel":"market_btcusdt_ticker"}}',
        '{"event_rep":"subscribe","channel":"market_btcusdt_ticker","status":"error",'
        '"err_msg":"unknown event \'subscribe\'; use sub, unsub or req"}',
    ),
    (
        '{"event":"sub","params":{"cb_id":"b"}}',
        '{"event_rep":"sub","channel":"","cb_id":"b","status":"error",'
        '"err_msg":"params.channel is missing or not a string"}',
    ),
    (
        '{"event":"req","params":{"channel":"market_btcusdt_kline_1min","cb_id":5}}',
        '{"event_rep":"req","channel":"market_btcusdt_kline_1min","status":"error",'
        '"err_msg":"params.cb_id must be a string"}',
    ),
    (
        '{"event":"sub","params":"market_btcusdt_ticker"}',
        '{"event_rep":"sub","channel":"","status":"error",'
        '"err_msg":"params.channel is missing or not a string"}',
    ),
    (
        '{"ping":"x"}',
        '{"event_rep":"error","channel":"","status":"error",'
        '"err_msg":"message has no \'event\'; use sub, unsub or req"}',
    ),
]


@pytest.mark.parametrize(("text", "answer"), REFUSED, ids=[t for t, _ in REFUSED])
def test_a_client_message_the_server_cannot_serve_carries_its_error_reply(
    text: str, answer: str
) -> None:
    with pytest.raises(RequestError) as caught:
        messages.parse_client(read(text))
    assert sent_by_server(caught.value.reply.encode()) == answer


def test_an_unknown_event_is_quoted_back_cut_to_twenty_characters() -> None:
    with pytest.raises(RequestError) as caught:
        messages.parse_client({"event": "e" * 30, "params": {}})
    assert caught.value.reply.reason == f"unknown event {'e' * 20 + '...'!r}; use sub, unsub or req"
    assert caught.value.reply.event == "e" * 30


# Server to client: replies --------------------------------------------------------------------

REPLY_GOLDEN: list[tuple[str, messages.Reply]] = [
    (
        '{"event_rep":"subed","channel":"market_btcusdt_ticker","cb_id":"any string",'
        '"ts":1700000000000,"status":"ok"}',
        Subed("market_btcusdt_ticker", T, "any string"),
    ),
    (
        '{"event_rep":"unsubed","channel":"market_btcusdt_ticker","ts":1700000000000,"status":"ok"}',
        Unsubed("market_btcusdt_ticker", T),
    ),
    (
        '{"event_rep":"rep","channel":"market_btcusdt_kline_1min","cb_id":"x",'
        f'"ts":1700000000000,"status":"ok","data":[{BAR_TEXT}]}}',
        Rep("market_btcusdt_kline_1min", (BAR,), T, "x"),
    ),
    (
        '{"event_rep":"rep","channel":"market_btcusdt_trade_ticker","cb_id":"y",'
        f'"ts":1700000000000,"status":"ok","data":[{TRADE_TEXT}]}}',
        Rep("market_btcusdt_trade_ticker", (TRADE,), T, "y"),
    ),
    (
        '{"event_rep":"sub","channel":"market_nosuch_ticker","status":"error",'
        '"err_msg":"unknown symbol \'nosuch\'"}',
        ErrorReply("sub", "market_nosuch_ticker", "unknown symbol 'nosuch'"),
    ),
    (
        '{"event_rep":"req","channel":"market_btcusdt_ticker","cb_id":"z","status":"error",'
        '"err_msg":"req serves kline and trade channels; subscribe to this one"}',
        ErrorReply(
            "req",
            "market_btcusdt_ticker",
            "req serves kline and trade channels; subscribe to this one",
            "z",
        ),
    ),
]


@pytest.mark.parametrize(("text", "value"), REPLY_GOLDEN, ids=[t[:60] for t, _ in REPLY_GOLDEN])
def test_reply_encodes_to_the_documented_text(text: str, value: messages.Reply) -> None:
    encoded = value.encode(BTCUSDT) if isinstance(value, Rep) else value.encode()
    assert sent_by_server(encoded) == text


@pytest.mark.parametrize(("text", "value"), REPLY_GOLDEN, ids=[t[:60] for t, _ in REPLY_GOLDEN])
def test_reply_parses_from_the_documented_text(text: str, value: messages.Reply) -> None:
    assert messages.parse_server(read(text), SYMBOLS) == value


def test_a_reply_may_omit_cb_id_or_carry_an_empty_one() -> None:
    """PROTOCOL.md 9.2: a client accepts both."""
    omitted = (
        '{"event_rep":"subed","channel":"market_btcusdt_ticker","ts":1700000000000,"status":"ok"}'
    )
    empty = omitted.replace('"ts"', '"cb_id":"","ts"')
    assert messages.parse_server(read(omitted)) == Subed("market_btcusdt_ticker", T, None)
    assert messages.parse_server(read(empty)) == Subed("market_btcusdt_ticker", T, "")


def test_a_reply_time_outside_the_gate_is_read_as_unknown_not_refused() -> None:
    text = '{"event_rep":"subed","channel":"market_btcusdt_ticker","ts":1,"status":"ok"}'
    assert messages.parse_server(read(text)) == Subed("market_btcusdt_ticker", None, None)


def test_an_error_naming_only_its_cb_id_parses_with_an_empty_channel() -> None:
    text = '{"event_rep":"sub","cb_id":"sub-x","status":"error"}'
    assert messages.parse_server(read(text)) == ErrorReply("sub", "", "", "sub-x")


def test_a_long_err_msg_is_cut() -> None:
    text = '{"event_rep":"sub","channel":"c","status":"error","err_msg":"' + "m" * 10_000 + '"}'
    reply = messages.parse_server(read(text))
    assert isinstance(reply, ErrorReply) and len(reply.reason) == envelope.MAX_MSG_TEXT


def test_a_bad_entry_of_an_answer_is_skipped_not_the_answer() -> None:
    bad = TRADE_TEXT.replace('"981"', '"9x1"')
    text = (
        '{"event_rep":"rep","channel":"market_btcusdt_trade_ticker","cb_id":"y",'
        f'"ts":1700000000000,"status":"ok","data":[{bad},{TRADE_TEXT}]}}'
    )
    assert messages.parse_server(read(text)) == Rep("market_btcusdt_trade_ticker", (TRADE,), T, "y")


def test_an_answer_without_a_data_list_is_refused_naming_its_cb_id() -> None:
    text = '{"event_rep":"rep","channel":"market_btcusdt_kline_1min","cb_id":"req-7","status":"ok"}'
    with pytest.raises(MessageError) as caught:
        messages.parse_server(read(text))
    assert caught.value.tag == "req-7"


@pytest.mark.parametrize(
    "text",
    [
        '{"event_rep":["x"],"channel":"c","status":"ok"}',
        '{"event_rep":"subed","channel":123,"status":"ok"}',
        '{"event_rep":"subed","channel":"c","status":{"b":2}}',
        '{"event_rep":"subed","channel":"c","cb_id":5,"status":"ok"}',
        '{"event_rep":"hello","channel":"c","status":"ok"}',
        '{"event_rep":"rep","channel":"market_btcusdt_ticker","status":"ok","data":[]}',
        '{"event_rep":"rep","channel":"nonsense","status":"ok","data":[]}',
    ],
)
def test_a_malformed_reply_raises_message_error(text: str) -> None:
    with pytest.raises(MessageError):
        messages.parse_server(read(text))


# Server to client: pushes ---------------------------------------------------------------------

PUSH_GOLDEN: list[tuple[str, messages.Push]] = [
    (
        '{"channel":"market_btcusdt_ticker","ts":1700000000000,"tick":{"open":"26810.00",'
        '"high":"27250.00","low":"26700.00","close":"27000.50","vol":"1234.567800",'
        '"amount":"33210456.12","rose":"0.0071"}}',
        TickerPush(TICKER, T),
    ),
    (
        '{"channel":"market_btcusdt_depth_step0","ts":1700000000000,"tick":{"asks":'
        '[["27001.00","0.250000"]],"buys":[["27000.00","1.000000"]]}}',
        DepthPush("btcusdt", 0, BOOK, T),
    ),
    (
        f'{{"channel":"market_btcusdt_trade_ticker","ts":1700000000000,"tick":{{"data":[{TRADE_TEXT}]}}}}',
        TradePush("btcusdt", (TRADE,), T),
    ),
    (
        f'{{"channel":"market_btcusdt_kline_1week","ts":1700000000000,"tick":{BAR_TEXT}}}',
        KlinePush("btcusdt", "1week", BAR, T),
    ),
]


@pytest.mark.parametrize(("text", "value"), PUSH_GOLDEN, ids=[t[:50] for t, _ in PUSH_GOLDEN])
def test_push_encodes_to_the_documented_text(text: str, value: messages.Push) -> None:
    assert sent_by_server(value.encode(BTCUSDT)) == text


@pytest.mark.parametrize(("text", "value"), PUSH_GOLDEN, ids=[t[:50] for t, _ in PUSH_GOLDEN])
def test_push_parses_from_the_documented_text(text: str, value: messages.Push) -> None:
    assert messages.parse_server(read(text), SYMBOLS) == value
    assert messages.parse_server(read(text)) == value  # without the symbol's precisions too


def test_a_push_body_is_what_every_connection_is_sent_at_its_own_time() -> None:
    body = TickerPush(TICKER, T).body(BTCUSDT)
    assert body == TickerPush(TICKER, T + 500).body(BTCUSDT)  # the time is not the content
    assert body.at(T + 500) == TickerPush(TICKER, T + 500).encode(BTCUSDT)


def test_a_push_whose_values_fail_the_symbols_precision_is_refused() -> None:
    text = PUSH_GOLDEN[0][0].replace('"close":"27000.50"', '"close":"27000.505"')
    assert isinstance(messages.parse_server(read(text)), TickerPush)  # no precision known
    with pytest.raises(MessageError, match="close"):
        messages.parse_server(read(text), SYMBOLS)


@pytest.mark.parametrize(
    "text",
    [
        '{"channel":"market_btcusdt_ticker","ts":"x","tick":{}}',
        '{"channel":["market_btcusdt_ticker"],"ts":1,"tick":{}}',
        '{"channel":"market_btcusdt_nonsense","ts":1700000000000,"tick":{}}',
        '{"channel":"market_btcusdt_ticker","ts":1e999999,"tick":{}}',
        '{"channel":"market_btcusdt_ticker","ts":100000000000000000000,"tick":{}}',
        '{"channel":"market_btcusdt_depth_step0","ts":1700000000000,"tick":[]}',
        '{"channel":"market_btcusdt_trade_ticker","ts":1700000000000,"tick":{"data":{}}}',
        '{"ping":true}',
        '{"pong":1.5}',
        "{}",
    ],
)
def test_a_malformed_push_raises_message_error(text: str) -> None:
    with pytest.raises(MessageError):
        messages.parse_server(read(text))


def test_heartbeats_are_read_in_both_directions() -> None:
    assert messages.parse_server(read('{"ping":1700000000000}')) == Ping(T)
    assert messages.parse_server(read('{"pong":1700000000000}')) == Pong(T)
    assert json.loads(frames.encode_text(Pong(T).encode())) == {"pong": T}
