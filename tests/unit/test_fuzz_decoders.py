"""Hypothesis fuzzing of every decoder at the edge (issue 10: frame and response decoders).

Every decoder is fed hostile JSON-like values (wrong types, huge and tiny exponents, NaN and
Infinity spelled every way, negatives, nesting, non-ASCII digits, giant integers), both as
free-form junk and as documented objects with some fields replaced. It must either raise the
module's documented error or return a model object that meets the gate's promises: finite,
in range, within the symbol's precisions, sorted and uncrossed, and formattable with
`format(x, ",f")`, `f"{x:.{p}f}"` and `datetime` without error.
"""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdx.model.account import Account, Balance, Fill
from cdx.model.book import MAX_LEVELS, Book
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.order import Order, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import codec, decimals, envelope, frames

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
"""One test over one input shape: 200 examples."""
PER_DECODER = settings(FUZZ, max_examples=100)
"""A test repeated for each of the 25 decoders: 100 each, so the file stays near 20 s."""

BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, Decimal("0.0001"), Decimal("5"))
FINE = Symbol("finefine", "fine", "usdt", 18, 18, Decimal(0), Decimal(0))
COARSE = Symbol("coarse", "big", "usdt", 0, 0, Decimal(1), Decimal(1))
SYMBOLS = st.sampled_from([None, BTCUSDT, FINE, COARSE])
T0 = 1_700_000_000_000

# Hostile values -------------------------------------------------------------------------------


class Huge(int):
    """An integer of 5000 digits whose repr can be printed (Python refuses `str(10**5000)`)."""

    def __repr__(self) -> str:
        return "10**5000"


HUGE = Huge(10**5000)

NASTY_TEXT = [
    "1e400",
    "1E+400",
    "-1e400",
    "1e999999999",
    "1e-999999999",
    "0e-999999999",
    "0E+999999999",
    "1e-400",
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-0",
    "-0.0",
    "0",
    "٢٠٠٠٠",
    "０.００１",
    "0.001_0",
    "1_000",
    " 1 ",
    "1.",
    ".5",
    "+1",
    "1e15",
    "999999999999999.999999999999999999",
    "0.0000000000000000001",
    "1" * 70,
    "\x1b[31m1\x1b[0m",
    "27000.50",
    "0.010000",
    "",
    "BUY",
    "SELL",
    "btc",
    "BTCUSDT",
]

NASTY_INTS = [
    0,
    -1,
    1,
    2,
    6,
    9,
    18,
    19,
    1_000_000,
    1700000000,
    T0,
    10**13,
    10**20,
    -(10**20),
    2**63,
    2**64,
    10**100,
]

number_text = st.builds(
    lambda mantissa, exponent: f"{mantissa}e{exponent}",
    st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**6), max_value=10**6
    ),
    st.integers(min_value=-(10**9), max_value=10**9),
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(NASTY_INTS),
    st.just(HUGE),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(NASTY_TEXT),
    number_text,
    st.text(max_size=30),
    st.builds(envelope.Unreadable, st.text(max_size=10)),
)

near_bounds = st.tuples(
    st.sampled_from([0, 1, 2, 4, 6, 8, 17, 18, 19, 20]),
    st.sampled_from([10**3, 10**6, 10**14, 10**15, 10**16]),
    st.booleans(),
).flatmap(
    lambda shape: st.decimals(
        min_value=0 if shape[2] else -shape[1],
        max_value=shape[1],
        places=shape[0],
        allow_nan=False,
        allow_infinity=False,
    )
)
"""Finite decimals around the gate's bounds: mostly positive, up to 10^16, 0..20 decimals."""

hostile = st.one_of(scalars, near_bounds, near_bounds.map(str), near_bounds.map(lambda d: f"{d:E}"))
"""What replaces one field of a documented object."""


def usually(value: Any) -> st.SearchStrategy[Any]:
    """`value` seven times in eight, else something hostile."""
    return st.integers(0, 7).flatmap(lambda k: hostile if k == 0 else st.just(value))


json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=25,
)


MISSING = object()


@st.composite
def mutated(draw: st.DrawFn, template: dict[str, Any]) -> dict[str, Any]:
    """The documented object with up to two fields replaced by hostile values or dropped.

    Few fields at a time, so that most examples reach the end of the decoder with one hostile
    value that may pass (`"1E+3"`, `"-0"`, a large in-range number) and must then be sound.
    """
    obj = dict(template)
    count = draw(st.sampled_from([1, 1, 1, 2]))
    for key in draw(st.sets(st.sampled_from(sorted(template)), min_size=count, max_size=count)):
        value = draw(st.one_of(hostile, st.just(MISSING)))
        if value is MISSING:
            del obj[key]
        else:
            obj[key] = value
    return obj


@st.composite
def mutated_list(draw: st.DrawFn, template: list[Any]) -> list[Any]:
    row = list(template)
    count = draw(st.sampled_from([1, 1, 1, 2]))
    for index in draw(st.sets(st.integers(0, len(template) - 1), min_size=count, max_size=count)):
        row[index] = draw(hostile)
    return row


ORDER = {
    "id": "1042",
    "symbol": "btcusdt",
    "side": "BUY",
    "type": 1,
    "price": "27000.50",
    "volume": "0.010000",
    "deal_volume": "0.004000",
    "deal_money": "108.00",
    "avg_price": "27000.00",
    "fee": "0.000004",
    "fee_coin": "btc",
    "status": 3,
    "status_msg": "PART_FILLED",
    "created_at": 1700000000123,
}
FILL = {
    "id": "77",
    "symbol": "btcusdt",
    "side": "BUY",
    "price": "27000.00",
    "volume": "0.004000",
    "fee": "0.000004",
    "feeCoin": "btc",
    "ctime": 1700000000200,
    "order_id": "1042",
}
SYMBOL = {
    "symbol": "btcusdt",
    "base_coin": "btc",
    "count_coin": "usdt",
    "price_precision": 2,
    "amount_precision": 6,
    "min_amount": "0.000100",
    "min_value": "5",
}
TICKER = {
    "symbol": "btcusdt",
    "time": 1700000000000,
    "open": "26810.00",
    "high": "27250.00",
    "low": "26700.00",
    "last": "27000.50",
    "buy": "27000.00",
    "sell": "27001.00",
    "vol": "1234.567800",
    "amount": "33210456.12",
    "rose": "0.0071",
}
TICKER_TICK = {
    "open": "26810.00",
    "high": "27250.00",
    "low": "26700.00",
    "close": "27000.50",
    "vol": "1234.567800",
    "amount": "33210456.12",
    "rose": "-0.0071",
}
TRADE_REST = {"id": "981", "price": "27000.50", "amount": "0.010000", "side": "BUY", "ts": T0}
TRADE_PUSH = {
    "id": "981",
    "side": "SELL",
    "price": "27000.50",
    "vol": "0.010000",
    "amount": "270.005",
    "ts": T0,
}
KLINE_TICK = {
    "id": 1700000000,
    "open": "1",
    "high": "2",
    "low": "0.5",
    "close": "1.5",
    "vol": "10",
    "amount": "15",
}
KLINE_ROW = [1700000000, "1", "2", "0.5", "1.5", "10"]
BALANCE = {"coin": "btc", "normal": "0.500000", "locked": "0.010000", "btcValuatin": "0.51"}

levels = st.lists(
    st.one_of(
        st.tuples(
            st.one_of(st.decimals(min_value=1, max_value=30000, places=2).map(str), scalars),
            st.one_of(st.decimals(min_value=0, max_value=10, places=6).map(str), scalars),
        ).map(list),
        json_like,
    ),
    max_size=12,
)
depth_tick = st.fixed_dictionaries(
    {"asks": st.one_of(levels, json_like), "buys": st.one_of(levels, json_like)}
)
rest_depth = st.fixed_dictionaries(
    {
        "tick": st.fixed_dictionaries(
            {
                "asks": st.one_of(levels, json_like),
                "bids": st.one_of(levels, json_like),
                "time": usually(T0),
            }
        )
    }
)

# Invariants -----------------------------------------------------------------------------------


PROMISED_MAGNITUDE = Decimal(10) ** 15
PROMISED_DECIMALS = 18
PROMISED_DIGITS = 28
"""The gate's documented promise, written out so that loosening `limits` fails this file."""
PROMISED_TIMES_MS = (946_684_800_000, 4_102_444_800_000)  # 2000-01-01 .. 2100-01-01 UTC


def check_decimal(value: Decimal, decimals: int | None = None) -> None:
    assert isinstance(value, Decimal)
    assert value.is_finite()
    assert len(value.as_tuple().digits) <= PROMISED_DIGITS
    assert abs(value) < PROMISED_MAGNITUDE
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int) and -PROMISED_DECIMALS <= exponent <= 0
    assert not (value.is_zero() and value.is_signed())
    format(value, ",f")
    for places in (0, 2, 8, 18):
        f"{value:.{places}f}"
        f"{value:,.{places}f}"
    if decimals is not None:
        value.quantize(Decimal(1).scaleb(-decimals))  # default context: must not raise


def check_time_ms(value: int) -> None:
    assert type(value) is int
    assert PROMISED_TIMES_MS[0] <= value <= PROMISED_TIMES_MS[1]
    datetime.fromtimestamp(value // 1000, tz=UTC).strftime("%H:%M:%S")


def check_name(value: str) -> None:
    assert value.isascii() and value.isalnum() and value == value.lower() and len(value) <= 24


def check_id(value: str) -> None:
    assert value.isascii() and value.isdigit() and 1 <= len(value) <= 20


def check(result: object, symbol: Symbol | None) -> None:
    """The promises of `cdx.protocol.gate` for whatever a decoder returned."""
    pp = symbol.price_precision if symbol else None
    ap = symbol.amount_precision if symbol else None
    match result:
        case list() | tuple():
            for item in result:
                check(item, symbol)
        case Symbol():
            check_name(result.name)
            check_name(result.base)
            check_name(result.quote)
            assert 0 <= result.price_precision <= 18 and 0 <= result.amount_precision <= 18
            check_decimal(result.min_amount, result.amount_precision)
            assert result.min_amount >= 0 and result.min_value >= 0
            check_decimal(result.min_value)
        case Ticker():
            check_name(result.symbol)
            check_time_ms(result.time)
            for price in (result.open, result.high, result.low, result.last):
                check_decimal(price, pp)
                assert price >= 0
            assert result.low <= result.high
            check_decimal(result.vol, ap)
            check_decimal(result.amount)
            check_decimal(result.rose)
            assert result.vol >= 0 and result.amount >= 0
            for best in (result.buy, result.sell):
                if best is not None:
                    check_decimal(best, pp)
                    assert best > 0
            if result.buy is not None and result.sell is not None:
                assert result.buy < result.sell
        case Book():
            assert result.time == 0 or PROMISED_TIMES_MS[0] <= result.time <= PROMISED_TIMES_MS[1]
            assert len(result.asks) <= MAX_LEVELS and len(result.bids) <= MAX_LEVELS
            for price, amount in result.asks + result.bids:
                check_decimal(price, pp)
                check_decimal(amount, ap)
                assert price > 0 and amount > 0
            ask_prices = [price for price, _ in result.asks]
            bid_prices = [price for price, _ in result.bids]
            assert all(a < b for a, b in itertools.pairwise(ask_prices))
            assert all(a > b for a, b in itertools.pairwise(bid_prices))
            assert not result.crossed
        case Trade():
            check_id(result.id)
            check_decimal(result.price, pp)
            check_decimal(result.amount, ap)
            assert result.price > 0 and result.amount > 0
            assert isinstance(result.side, Side)
            check_time_ms(result.ts)
        case Kline():
            low, high = (ms // 1000 for ms in PROMISED_TIMES_MS)
            assert low <= result.open_time <= high
            for price in (result.open, result.high, result.low, result.close):
                check_decimal(price, pp)
                assert price > 0
            assert result.low <= result.high
            check_decimal(result.vol, ap)
            check_decimal(result.amount)
            assert result.vol >= 0 and result.amount >= 0
        case Balance():
            check_name(result.coin)
            for amount in (result.available, result.locked, result.btc_value):
                check_decimal(amount, 8)
                assert amount >= 0
        case Account():
            check_decimal(result.total_asset)
            assert result.total_asset >= 0
            check(result.balances, symbol)
            assert len({b.coin for b in result.balances}) == len(result.balances)
        case Order():
            check_id(result.id)
            check_name(result.symbol)
            check_time_ms(result.created_at)
            market_buy = result.type is OrderType.MARKET and result.side is Side.BUY
            check_decimal(result.price, pp)
            check_decimal(result.volume, pp if market_buy else ap)
            check_decimal(result.deal_volume, ap)
            check_decimal(result.avg_price, pp)
            check_decimal(result.deal_money)
            check_decimal(result.fee)
            assert result.volume > 0
            assert result.price > 0 or result.type is OrderType.MARKET
            assert min(result.price, result.deal_volume, result.deal_money, result.fee) >= 0
            assert market_buy or result.deal_volume <= result.volume
            assert result.fee_coin == "" or check_name(result.fee_coin) is None
        case Fill():
            check_id(result.id)
            check_id(result.order_id)
            check_name(result.symbol)
            check_decimal(result.price, pp)
            check_decimal(result.volume, ap)
            check_decimal(result.fee)
            assert result.price > 0 and result.volume > 0 and result.fee >= 0
            check_time_ms(result.ctime)
        case _:
            raise AssertionError(f"unexpected result {type(result).__name__}")
    if dataclasses.is_dataclass(result):
        dataclasses.replace(result)  # still a well-formed frozen value


def survives(decode: Callable[[], object], symbol: Symbol | None) -> None:
    try:
        result = decode()
    except codec.CodecError:
        return
    check(result, symbol)


# Response and push decoders -------------------------------------------------------------------


def tickers(value: Any, symbol: Symbol | None) -> list[Ticker]:
    """`tickers_from_rest`, its date checked here; its tickers are checked by the caller."""
    symbols = {symbol.name: symbol} if symbol is not None else None
    date, decoded = codec.tickers_from_rest(value, symbols=symbols)
    check_time_ms(date)
    return decoded


def prices(value: Any, symbol: Symbol | None) -> list[Any]:
    """`prices_from_rest`, checked here: names, and prices in the listed symbol's precision."""
    symbols = {symbol.name: symbol} if symbol is not None else None
    for name, price in codec.prices_from_rest(value, symbols=symbols).items():
        check_name(name)
        check_decimal(price, symbol.price_precision if symbol is not None else None)
        assert price >= 0
        assert symbol is None or name == symbol.name
    return []


DECODERS: dict[str, tuple[st.SearchStrategy[Any], Callable[[Any, Symbol | None], object]]] = {
    "symbol_from_wire": (mutated(SYMBOL), lambda v, s: codec.symbol_from_wire(v)),
    "symbols_from_wire": (
        st.lists(mutated(SYMBOL), max_size=4),
        lambda v, s: codec.symbols_from_wire(v),
    ),
    "ticker_from_rest": (mutated(TICKER), lambda v, s: codec.ticker_from_rest(v, symbol=s)),
    "ticker_from_push": (
        st.tuples(usually(T0), mutated(TICKER_TICK)),
        lambda v, s: codec.ticker_from_push(s.name if s else "btcusdt", v[0], v[1], symbol=s),
    ),
    "depth_from_rest": (rest_depth, lambda v, s: codec.depth_from_rest(v, symbol=s)),
    "depth_from_push": (
        st.tuples(usually(T0), depth_tick),
        lambda v, s: codec.depth_from_push(v[0], v[1], symbol=s),
    ),
    "trade_from_rest": (mutated(TRADE_REST), lambda v, s: codec.trade_from_rest(v, symbol=s)),
    "trades_from_rest": (
        st.lists(mutated(TRADE_REST), max_size=4),
        lambda v, s: codec.trades_from_rest(v, symbol=s),
    ),
    "trade_from_push": (mutated(TRADE_PUSH), lambda v, s: codec.trade_from_push(v, symbol=s)),
    "trades_from_push": (
        st.fixed_dictionaries({"data": st.lists(mutated(TRADE_PUSH), max_size=4)}),
        lambda v, s: codec.trades_from_push(v, symbol=s),
    ),
    "trades_from_req": (
        st.lists(mutated(TRADE_PUSH), max_size=4),
        lambda v, s: codec.trades_from_req(v, symbol=s),
    ),
    "kline_from_rest": (mutated_list(KLINE_ROW), lambda v, s: codec.kline_from_rest(v, symbol=s)),
    "klines_from_rest": (
        st.lists(mutated_list(KLINE_ROW), max_size=4),
        lambda v, s: codec.klines_from_rest(v, symbol=s),
    ),
    "kline_from_push": (mutated(KLINE_TICK), lambda v, s: codec.kline_from_push(v, symbol=s)),
    "klines_from_req": (
        st.lists(mutated(KLINE_TICK), max_size=4),
        lambda v, s: codec.klines_from_req(v, symbol=s),
    ),
    "balance_from_wire": (mutated(BALANCE), lambda v, s: codec.balance_from_wire(v)),
    "account_from_wire": (
        mutated({"total_asset": "1.5234", "coin_list": [BALANCE, BALANCE | {"coin": "usdt"}]}),
        lambda v, s: codec.account_from_wire(v),
    ),
    "account_coin_list": (
        st.fixed_dictionaries({"coin_list": st.lists(mutated(BALANCE), max_size=4)}),
        lambda v, s: codec.account_from_wire(v),
    ),
    "order_from_wire": (mutated(ORDER), lambda v, s: codec.order_from_wire(v, symbol=s)),
    "market_order_from_wire": (
        mutated(ORDER | {"type": 2, "price": "0", "volume": "100.00"}),
        lambda v, s: codec.order_from_wire(v, symbol=s),
    ),
    "fill_from_wire": (mutated(FILL), lambda v, s: codec.fill_from_wire(v, symbol=s)),
    "tickers_from_rest": (
        mutated({"date": T0, "ticker": [TICKER, TICKER | {"symbol": "ethusdt"}]}),
        tickers,
    ),
    "tickers_from_rest_rows": (
        st.fixed_dictionaries(
            {"date": usually(T0), "ticker": st.lists(mutated(TICKER), max_size=3)}
        ),
        tickers,
    ),
    "prices_from_rest": (mutated({"btcusdt": "27000.50", "ethusdt": "1800.25"}), prices),
    "decode_each_orders": (
        st.lists(mutated(ORDER), max_size=4),
        lambda v, s: codec.decode_each(v, lambda o: codec.order_from_wire(o, symbol=s), "orders"),
    ),
}


@pytest.mark.parametrize("name", sorted(DECODERS))
@PER_DECODER
@given(data=st.data(), symbol=SYMBOLS)
def test_documented_object_with_hostile_fields(name: str, data: st.DataObject, symbol: Any) -> None:
    strategy, decode = DECODERS[name]
    value = data.draw(strategy)
    survives(lambda: decode(value, symbol), symbol)


@settings(FUZZ, max_examples=600)
@given(name=st.sampled_from(sorted(DECODERS)), value=json_like, symbol=SYMBOLS)
def test_free_form_junk(name: str, value: Any, symbol: Any) -> None:
    _, decode = DECODERS[name]
    if name in ("ticker_from_push", "depth_from_push"):  # these take (ts, tick)
        survives(lambda: decode((T0, value), symbol), symbol)
        survives(lambda: decode((value, {}), symbol), symbol)
    else:
        survives(lambda: decode(value, symbol), symbol)


# Frames and bodies ----------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    """JSON text of a hostile value, giant integers written out (Python will not `str` them)."""
    giants: list[int] = []

    def tame(item: Any) -> Any:
        if isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > 10_000:
            giants.append(item)
            return "\x00giant\x00"
        if isinstance(item, list):
            return [tame(child) for child in item]
        if isinstance(item, dict):
            return {key: tame(child) for key, child in item.items()}
        return item

    text = json.dumps(tame(value), default=str, allow_nan=True)
    return text.replace('"\\u0000giant\\u0000"', "1" + "0" * 5000) if giants else text


frame_inputs = st.one_of(
    st.binary(max_size=200),
    st.binary(max_size=200).map(lambda b: b"\x1f\x8b" + b),
    st.binary(max_size=200).map(gzip.compress),
    st.text(max_size=200),
    json_like.map(_dumps),
    json_like.map(lambda v: gzip.compress(_dumps(v).encode())),
    json_like.map(lambda v: gzip.compress(_dumps(v).encode())[:-3]),
    st.integers(1, 200_000).map(lambda n: "[" * n + "]" * n),
    st.sampled_from(
        ['{"ping": 1e400}', '{"a": NaN}', '{"a": -Infinity}', '{"a": 1' + "0" * 5000 + "}"]
    ),
)


@FUZZ
@given(frame=frame_inputs)
def test_frame_decoder_raises_only_frame_error(frame: bytes | str) -> None:
    try:
        message = frames.decode(frame)
    except frames.FrameError:
        return
    assert isinstance(message, dict)


@FUZZ
@given(body=frame_inputs.map(lambda f: f.encode() if isinstance(f, str) else f))
def test_envelope_parser_raises_only_envelope_error(body: bytes) -> None:
    try:
        parsed = envelope.parse(body)
    except envelope.EnvelopeError:
        return
    assert isinstance(parsed.code, str) and isinstance(parsed.msg, str)
    assert len(parsed.msg) <= envelope.MAX_MSG_TEXT + 3


@FUZZ
@given(message=json_like, channel_ts=usually(T0))
def test_push_from_a_frame_end_to_end(message: Any, channel_ts: Any) -> None:
    """A whole push through frames.decode and the depth decoder, as the stream does it."""
    frame = gzip.compress(
        _dumps(
            {"channel": "market_btcusdt_depth_step0", "ts": channel_ts, "tick": message}
        ).encode()
    )
    decoded = frames.decode(frame)
    survives(lambda: codec.depth_from_push(decoded["ts"], decoded["tick"], symbol=BTCUSDT), BTCUSDT)


@FUZZ
@given(value=st.one_of(hostile, near_bounds.map(str), near_bounds.map(lambda d: f"-{d}")))
def test_fast_read_agrees_with_the_full_check(value: Any) -> None:
    """`decimals.read` decides plain strings from their text; it must agree with `from_wire`."""
    try:
        full = decimals.from_wire(value)
    except decimals.DecimalFormatError:
        with pytest.raises(decimals.DecimalFormatError):
            decimals.read(value)
        return
    fast, exponent = decimals.read(value)
    assert fast == full and exponent == fast.as_tuple().exponent
    check_decimal(fast)
