"""Every widget's formatting, fed hostile values, never raises (issue 10).

The protocol gate should stop out-of-range values before they become model objects; these
properties make sure that a value which slips through costs nothing on screen either. Each
widget's line builder is called as its repaint calls it (on an unmounted widget: no terminal),
with values no sane server sends: huge, tiny, negative, NaN, infinite, over-precise, with
precisions far outside 0-18 and times beyond any calendar.

The formatters also keep their width promise (`cdx.ui.format`): a number is never wider than
asked, and a plain-looking number is never silently cut.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal, localcontext

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdx.client.tracker import TrackedOrder, TrackedState
from cdx.model.account import Account, Balance
from cdx.model.book import Book
from cdx.model.market import Ticker, Trade
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui.format import (
    MIN_WIDTH,
    fmt_amount,
    fmt_compact,
    fmt_exact,
    fmt_pct,
    fmt_price,
    fmt_seconds,
    fmt_text,
    fmt_time,
)
from cdx.ui.widgets.balances import balance_table
from cdx.ui.widgets.ladder import Ladder
from cdx.ui.widgets.open_orders import _row as order_row
from cdx.ui.widgets.order_form import validate
from cdx.ui.widgets.ticker_bar import sparkline, ticker_fields
from cdx.ui.widgets.trades_tape import TradesTape
from cdx.ui.widgets.watchlist import Watchlist

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

EXTREMES = [
    Decimal("1e400"),
    Decimal("-1e400"),
    Decimal("1e999999999"),
    Decimal("-1e999999999"),
    Decimal("1e-999999999"),
    Decimal("9" * 60),
    Decimal("0." + "0" * 40 + "1"),
    Decimal("123456789.123456789123456789123456789"),
    Decimal(0),
    Decimal("-0"),
    Decimal("-0.00000001"),
    Decimal("NaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
]

WIDE = Context(prec=200, Emax=10**9, Emin=-(10**9))
"""Room for every value the strategies build and every exact comparison of the tests."""

decimals = st.one_of(
    st.sampled_from(EXTREMES),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.builds(
        lambda digits, exponent: Decimal(digits).scaleb(
            exponent, Context(Emax=10**9, Emin=-(10**9))
        ),
        st.integers(-(10**40), 10**40),
        st.integers(-(10**6), 10**6),
    ),
    st.decimals(min_value=0, max_value=10**6, places=8),
)
finite = decimals.filter(lambda d: d.is_finite())
precisions = st.one_of(st.integers(0, 18), st.sampled_from([-5, 19, 40, 1000000]))
widths = st.integers(0, 160)
times = st.one_of(st.integers(-(10**20), 10**20), st.integers(0, 4_102_444_800_000))
names = st.text(max_size=60)


def symbols() -> st.SearchStrategy[Symbol]:
    return st.builds(
        Symbol,
        name=st.one_of(st.just("btcusdt"), names),
        base=st.one_of(st.just("btc"), names),
        quote=st.one_of(st.just("usdt"), names),
        price_precision=precisions,
        amount_precision=precisions,
        min_amount=decimals,
        min_value=decimals,
    )


levels = st.lists(st.tuples(decimals, decimals), max_size=40)


def orders(symbol: str = "btcusdt") -> st.SearchStrategy[Order]:
    return st.builds(
        Order,
        id=st.one_of(st.integers(0, 10**30).map(str), names),
        symbol=st.just(symbol),
        side=st.sampled_from(Side),
        type=st.sampled_from(OrderType),
        price=decimals,
        volume=decimals,
        deal_volume=decimals,
        deal_money=decimals,
        avg_price=decimals,
        fee=decimals,
        fee_coin=names,
        status=st.sampled_from(OrderStatus),
        created_at=times,
    )


# Formatters ------------------------------------------------------------------------------------

PLAIN = re.compile(r"-?[0-9,]+(\.[0-9]+)?")


def is_exact_rendering(text: str, value: Decimal, places: int, rounding: str) -> bool:
    """A plain-looking number must be the value rounded as promised, never a silent cut."""
    with localcontext(WIDE):
        shown = Decimal(text.replace(",", ""))
        expected = value.quantize(Decimal(1).scaleb(-min(max(places, 0), 18)), rounding=rounding)
        return shown == expected


@FUZZ
@given(decimals, precisions, st.one_of(st.none(), widths), st.booleans())
def test_prices_and_amounts_never_raise_and_keep_their_width(
    value: Decimal, places: int, width: int | None, grouped: bool
) -> None:
    for text, rounding in (
        (fmt_price(value, places, grouped=grouped, width=width), ROUND_HALF_EVEN),
        (fmt_amount(value, places, grouped=grouped, width=width), ROUND_DOWN),
    ):
        if width is not None:
            assert len(text) <= max(width, MIN_WIDTH), text
        if PLAIN.fullmatch(text):
            assert is_exact_rendering(text, value, places, rounding), (text, value)
        else:
            assert text == "?" or "…" in text or re.search(r"[kMBT]$|e-?\d|huge", text), text


@FUZZ
@given(decimals, st.integers(-3, 40))
def test_compact_percent_and_exact_never_raise(value: Decimal, places: int) -> None:
    assert fmt_compact(value, places)
    percent = fmt_pct(value)
    assert percent.endswith("%") or percent == "?"
    assert len(percent) <= 10
    assert fmt_exact(value, places)
    assert fmt_amount(value)


@FUZZ
@given(times)
def test_times_never_raise(ts: int) -> None:
    assert len(fmt_time(ts)) == 8


@FUZZ
@given(st.text(), st.integers(0, 100))
def test_server_text_is_printable_and_bounded(text: str, width: int) -> None:
    shown = fmt_text(text, width)
    assert shown.isprintable()
    assert len(shown) <= max(width, 1)


# Widgets ---------------------------------------------------------------------------------------


@FUZZ
@given(
    symbols(),
    levels,
    levels,
    st.integers(0, 2),
    st.integers(0, 2),
    st.lists(orders(), max_size=4),
    widths,
    st.integers(0, 60),
)
def test_ladder_lays_out_any_book(
    symbol: Symbol,
    asks: list[tuple[Decimal, Decimal]],
    bids: list[tuple[Decimal, Decimal]],
    book_step: int,
    shown_step: int,
    own: list[Order],
    width: int,
    height: int,
) -> None:
    ladder = Ladder()
    own = [o for o in own if o.symbol == symbol.name]
    ladder.show(Book(tuple(asks), tuple(bids)), symbol, book_step, own)
    ladder.step = shown_step
    layout = ladder.lay_out_at(width, height)
    rows, columns = layout.rows, layout.columns
    assert len(rows) <= max(height, 0)
    for row in rows:
        assert len(row.price) <= max(columns.price, MIN_WIDTH) or not columns.price


trades = st.builds(
    Trade,
    id=st.one_of(st.integers(0, 10**30).map(str), names),
    price=decimals,
    amount=decimals,
    side=st.sampled_from(Side),
    ts=times,
)


@FUZZ
@given(symbols(), st.lists(trades, max_size=30), widths, st.integers(0, 60))
def test_tape_lays_out_any_trades(
    symbol: Symbol, batch: list[Trade], width: int, height: int
) -> None:
    tape = TradesTape()
    tape.add_trades(sorted(batch, key=lambda t: t.ts), symbol)
    rows, _ = tape._layout(width, height)
    for row in rows:
        assert len(row.time) <= 8


tickers = st.builds(
    Ticker,
    symbol=st.just("btcusdt"),
    time=times,
    open=decimals,
    high=decimals,
    low=decimals,
    last=decimals,
    vol=decimals,
    amount=decimals,
    rose=decimals,
)


@FUZZ
@given(tickers, symbols(), st.integers(-1, 1), widths, st.lists(decimals, max_size=80))
def test_ticker_bar_formats_any_ticker(
    ticker: Ticker, symbol: Symbol, direction: int, width: int, closes: list[Decimal]
) -> None:
    fields = ticker_fields(ticker, symbol, direction, width, spark_room=11)
    assert fields
    assert all(text.isprintable() for text, _ in fields)
    assert len(sparkline(closes)) == len(closes)


balances = st.builds(
    Balance, coin=st.one_of(st.just("btc"), names), available=decimals, locked=decimals
)


@FUZZ
@given(st.lists(balances, max_size=12), widths)
def test_balances_lay_out_any_account(rows: list[Balance], width: int) -> None:
    table = balance_table(rows, width)
    assert len(table.cells) == len(rows)
    assert all(coin.isprintable() for coin, *_ in table.cells)


@FUZZ
@given(
    st.builds(
        TrackedOrder,
        key=names,
        symbol=st.just("btcusdt"),
        side=st.sampled_from(Side),
        type=st.sampled_from(OrderType),
        volume=decimals,
        price=st.one_of(st.none(), decimals),
        state=st.sampled_from(TrackedState),
        sent_at_ms=times,
        order_id=st.one_of(st.none(), st.integers(0, 10**40).map(str), names),
        order=st.one_of(st.none(), orders()),
    ),
    st.one_of(st.none(), symbols()),
)
def test_open_orders_format_any_order(order: TrackedOrder, symbol: Symbol | None) -> None:
    cells = order_row(order, symbol)
    # Printable line by line: a fill is the row's second line.
    assert all(line.isprintable() for cell in cells for line in cell.plain.split("\n"))
    assert all(cell.plain.count("\n") <= 1 for cell in cells)


@FUZZ
@given(st.lists(symbols(), min_size=1, max_size=8), st.lists(tickers, max_size=8), widths)
def test_watchlist_formats_any_ticker(
    listed: list[Symbol], pushed: list[Ticker], width: int
) -> None:
    watchlist = Watchlist()
    watchlist.set_symbols(listed)
    for ticker in pushed:
        watchlist.update_ticker(ticker)
    rows = watchlist._layout(width)
    assert len(rows) == len(listed)
    assert all(row.name.isprintable() for row in rows)


@FUZZ
@given(
    symbols(),
    st.sampled_from(Side),
    st.sampled_from(OrderType),
    st.one_of(st.text(max_size=40), decimals.map(str)),
    st.one_of(st.text(max_size=40), decimals.map(str)),
    st.one_of(st.none(), st.lists(balances, max_size=4).map(lambda b: Account(tuple(b)))),
    st.one_of(st.none(), decimals),
)
def test_order_form_checks_any_input_against_any_account(
    symbol: Symbol,
    side: Side,
    order_type: OrderType,
    price: str,
    amount: str,
    account: Account | None,
    reference: Decimal | None,
) -> None:
    """The form's check runs on every keystroke and balance poll: it must never raise."""
    check = validate(symbol, side, order_type, price, amount, account, reference)
    if check.draft is not None:
        assert check.draft.describe()


def test_a_bar_of_absurd_depth_is_full_at_once() -> None:
    """int() of 1e999999999 would build a billion-digit integer: the bar is capped first."""
    from cdx.ui.widgets.ladder_layout import bar_length as _bar_length

    assert _bar_length(Decimal("1e999999999"), 80, Decimal(1)) == 80
    assert _bar_length(Decimal(1), 80, Decimal("1e-999999999")) == 80
    assert _bar_length(Decimal("NaN"), 80, Decimal(1)) == 0


@FUZZ
@given(st.floats())
def test_ages_never_raise(seconds: float) -> None:
    assert fmt_seconds(seconds)
