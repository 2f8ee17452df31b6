"""The form's amount shortcuts, its preview in words, and the dialog's figures (pure parts)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdx.model.account import Account, Balance
from cdx.model.book import Book
from cdx.model.order import OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui.order_check import amount_for_share, share_of_available, shortcut_share, validate
from cdx.ui.preview_text import CROSSING, dialog_lines, form_preview, total_line

D = Decimal
BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, D("0.0001"), D("5"))
ACCOUNT = Account((Balance("btc", D("0.5"), D(0)), Balance("usdt", D("1000.55"), D(0))))
BOOK = Book(
    asks=((D("27000.00"), D("0.01")), (D("27010.00"), D("0.02")), (D("27100.00"), D("0.05"))),
    bids=((D("26990.00"), D("0.01")), (D("26980.00"), D("0.03"))),
)


@pytest.mark.parametrize(
    ("text", "share"),
    [("max", "1"), (" MAX ", "1"), ("25%", "0.25"), ("50 %", "0.5"), ("12.5%", "0.125")],
)
def test_shortcuts_name_a_share_of_the_available_balance(text: str, share: str) -> None:
    assert shortcut_share(text) == D(share)


@pytest.mark.parametrize("text", ["0%", "101%", "50", "ma", "%", "1e2%", "-5%"])
def test_anything_else_is_not_a_shortcut(text: str) -> None:
    assert shortcut_share(text) is None


def fill(side: Side, kind: OrderType, share: str, price: str = "", account=ACCOUNT):
    return amount_for_share(BTCUSDT, side, kind, D(share), price, account)


def test_limit_buy_max_is_available_quote_over_price_rounded_down() -> None:
    # 1000.55 / 27000 = 0.0370574... -> 0.037057 at 6 decimals, never up.
    assert fill(Side.BUY, OrderType.LIMIT, "1", "27000").text == "0.037057"
    assert fill(Side.BUY, OrderType.LIMIT, "0.5", "27000").text == "0.018528"


def test_market_buy_share_is_a_quote_amount() -> None:
    assert fill(Side.BUY, OrderType.MARKET, "0.25").text == "250.13"
    assert fill(Side.BUY, OrderType.MARKET, "1").text == "1000.55"


def test_sell_share_is_a_base_amount() -> None:
    assert fill(Side.SELL, OrderType.MARKET, "0.5").text == "0.250000"
    assert fill(Side.SELL, OrderType.LIMIT, "0.75", "27000").text == "0.375000"


def test_limit_buy_share_needs_a_price_first() -> None:
    result = fill(Side.BUY, OrderType.LIMIT, "0.5", "")
    assert result.text is None
    assert result.note == "Type the price first: the amount is counted from it"


def test_a_share_below_the_minimum_is_explained() -> None:
    poor = Account((Balance("usdt", D("12"), D(0)), Balance("btc", D("0.0003"), D(0))))
    # 25% of 12 USDT is 3 USDT: below the 5 USDT minimum of a market buy.
    result = fill(Side.BUY, OrderType.MARKET, "0.25", account=poor)
    assert result.text == "3.00"
    assert result.note == "25% = 3.00 USDT: below min 5"
    # 25% of 0.0003 BTC is 0.000075 BTC: below the 0.0001 BTC minimum amount.
    sell = fill(Side.SELL, OrderType.LIMIT, "0.25", "27000", account=poor)
    assert sell.note == "25% = 0.000075 BTC: below min 0.0001"
    # max of 0.0003 BTC at 10.00 is worth 0.003 USDT: below the 5 USDT minimum value.
    cheap = fill(Side.SELL, OrderType.LIMIT, "1", "10", account=poor)
    assert cheap.text == "0.000300"
    assert cheap.note.startswith("max = 0.00 USDT: below min 5")


def test_nothing_available_or_unknown_balances_give_no_amount() -> None:
    empty = Account((Balance("usdt", D(0), D(0)),))
    assert fill(Side.BUY, OrderType.MARKET, "1", account=empty).note == "No USDT available"
    assert fill(Side.BUY, OrderType.MARKET, "1", account=None).text is None


def test_the_share_of_the_available_balance_an_order_uses() -> None:
    draft = validate(BTCUSDT, Side.BUY, OrderType.LIMIT, "20000", "0.025", ACCOUNT).draft
    assert draft is not None
    # 500 of 1000.55 USDT.
    share = share_of_available(draft, ACCOUNT)
    assert share is not None
    assert (share[0].quantize(D("0.0001")), share[1]) == (D("49.9725"), D("1000.55"))
    sell = validate(BTCUSDT, Side.SELL, OrderType.MARKET, "", "0.1", ACCOUNT).draft
    assert sell is not None
    assert share_of_available(sell, ACCOUNT) == (D("20"), D("0.5"))


def test_a_market_check_with_the_book_takes_its_estimate_from_the_walk() -> None:
    check = validate(
        BTCUSDT, Side.SELL, OrderType.MARKET, "", "0.02", ACCOUNT, D("26990"), book=BOOK
    )
    # 0.01 at 26990 + 0.01 at 26980 = 539.70 USDT, not 0.02 x the best bid (539.80).
    assert check.preview is not None and check.draft is not None
    assert check.total == D("539.70")
    assert check.fee == D("0.5397")
    assert check.draft.preview == check.preview


def test_a_limit_price_through_the_spread_is_known_before_the_amount() -> None:
    check = validate(BTCUSDT, Side.BUY, OrderType.LIMIT, "27000", "", ACCOUNT, book=BOOK)
    assert check.crosses and check.preview is None
    lines = form_preview(check, BTCUSDT, OrderType.LIMIT, 40)
    assert lines.lines == (CROSSING,)
    resting = validate(BTCUSDT, Side.BUY, OrderType.LIMIT, "26995", "0.01", ACCOUNT, book=BOOK)
    assert not resting.crosses and resting.preview is None
    assert form_preview(resting, BTCUSDT, OrderType.LIMIT, 40).lines == ()


@pytest.mark.parametrize("width", [40, 46, 60])
def test_form_preview_lines_fit_the_form_without_cutting(width: int) -> None:
    check = validate(BTCUSDT, Side.BUY, OrderType.MARKET, "", "1000", ACCOUNT, book=BOOK)
    shown = form_preview(check, BTCUSDT, OrderType.MARKET, width)
    assert len(shown.lines) == 2
    assert all(len(line) <= width and "…" not in line for line in shown.lines)
    # 1000 USDT: 0.01 at 27000 (270) + 0.02 at 27010 (540.20), then 189.80 buys 0.007003 at
    # 27100 (189.7813): 0.037003 BTC for 999.9813, average 27,024.33.
    assert "27,024.33" in shown.lines[0]
    assert shown.lines[1].startswith("worst 27,100.00")
    total = total_line(check, BTCUSDT, Side.BUY, OrderType.MARKET, width)
    assert len(total) <= width and total.startswith("Total ≈ 1,000.00 USDT")


def test_form_warns_when_a_market_order_is_larger_than_the_book() -> None:
    check = validate(BTCUSDT, Side.SELL, OrderType.MARKET, "", "0.1", ACCOUNT, book=BOOK)
    shown = form_preview(check, BTCUSDT, OrderType.MARKET, 40)
    # Bids hold 0.04 BTC: 0.06 would not fill.
    assert shown.warning
    assert shown.note == "Beyond the book: 0.060000 BTC unfilled"
    wide = form_preview(check, BTCUSDT, OrderType.MARKET, 60)
    assert wide.note == "Larger than the visible book: 0.060000 BTC unfilled"


def test_dialog_states_the_crossing_limit_fill_and_its_rest() -> None:
    check = validate(BTCUSDT, Side.BUY, OrderType.LIMIT, "27010", "0.02", ACCOUNT, book=BOOK)
    assert check.draft is not None
    lines, warning = dialog_lines(check.draft, ACCOUNT)
    assert warning == ""
    text = "\n".join(lines)
    # 27010 reaches the first two levels: 0.01 at 27000 and 0.01 at 27010, all of it now.
    assert "fills now as a taker, up to 0.020000 BTC" in text
    assert "average 27,005.00, worst 27,010.00 USDT" in text
    assert "rests" not in text
    bigger = validate(BTCUSDT, Side.BUY, OrderType.LIMIT, "27000", "0.03", ACCOUNT, book=BOOK)
    assert bigger.draft is not None
    lines, _ = dialog_lines(bigger.draft, ACCOUNT)
    text = "\n".join(lines)
    assert "up to 0.010000 BTC" in text
    assert "average 27,000.00, worst 27,000.00 USDT" in text
    assert "The rest, 0.020000 BTC, rests at 27,000.00 USDT as a maker" in text
    assert "Uses 80.96% of the 1,000.55 USDT available" in text


def test_dialog_warns_of_a_market_order_larger_than_the_book() -> None:
    check = validate(BTCUSDT, Side.BUY, OrderType.MARKET, "", "5000", ACCOUNT, book=BOOK)
    assert check.draft is None  # over the balance; the preview is still there
    rich = Account((Balance("usdt", D("10000"), D(0)),))
    check = validate(BTCUSDT, Side.BUY, OrderType.MARKET, "", "5000", rich, book=BOOK)
    assert check.draft is not None
    lines, warning = dialog_lines(check.draft, rich)
    # Asks cost 270 + 540.20 + 1355 = 2165.20: 2834.80 USDT would not fill.
    assert warning == "Larger than the visible book: 2,834.80 USDT would not fill (it expires)"
    assert "Average 27,065.00, worst 27,100.00 USDT" in lines
    assert lines[0] == "Estimate from the book, 3 levels:"


EXTREMES = [D("1e999999999"), D("1e-999999999"), D("123456789012345678.123456789012345678")]
positive = st.one_of(
    st.sampled_from(EXTREMES),
    st.decimals(min_value=D("1e-18"), max_value=D("1e18"), allow_nan=False, places=None),
)
symbols = st.builds(
    Symbol,
    name=st.just("btcusdt"),
    base=st.just("btc"),
    quote=st.just("usdt"),
    price_precision=st.integers(0, 18),
    amount_precision=st.integers(0, 18),
    min_amount=positive,
    min_value=positive,
)
sides = st.lists(st.tuples(positive, positive), max_size=8, unique_by=lambda level: level[0])
typed = st.one_of(st.sampled_from(["", "max", "50%", "0.01", "1e5"]), positive.map(str))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    symbols,
    st.sampled_from(Side),
    st.sampled_from(OrderType),
    typed,
    typed,
    sides,
    sides,
    st.one_of(st.none(), positive),
    st.integers(20, 80),
)
def test_the_preview_of_any_order_on_any_book_never_raises(
    symbol: Symbol,
    side: Side,
    kind: OrderType,
    price: str,
    amount: str,
    asks: list[tuple[Decimal, Decimal]],
    bids: list[tuple[Decimal, Decimal]],
    available: Decimal | None,
    width: int,
) -> None:
    """The form runs this on every key and book push: whatever the book, it must not raise."""
    book = Book(asks=tuple(sorted(asks)), bids=tuple(sorted(bids, reverse=True)))
    account = None
    if available is not None:
        account = Account((Balance("btc", available, D(0)), Balance("usdt", available, D(0))))
    check = validate(symbol, side, kind, price, amount, account, book=book)
    shown = form_preview(check, symbol, kind, width)
    assert all(line.isprintable() for line in shown.lines)
    total_line(check, symbol, side, kind, width)
    if check.draft is not None:
        dialog_lines(check.draft, account)
    amount_for_share(symbol, side, kind, D("0.5"), price, account)


def test_a_preview_from_a_coarser_step_says_so() -> None:
    check = validate(BTCUSDT, Side.SELL, OrderType.MARKET, "", "0.01", ACCOUNT, book=BOOK, step=1)
    assert check.draft is not None
    assert form_preview(check, BTCUSDT, OrderType.MARKET, 40).note == (
        "From the step1 book: prices rounded"
    )
    lines, _ = dialog_lines(check.draft, ACCOUNT)
    assert lines[0] == "Estimate from the step1 book (prices rounded), 1 level:"
