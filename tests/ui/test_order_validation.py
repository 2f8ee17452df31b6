"""The order form's checks: what the exchange would refuse never leaves the client."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cdx.model.account import Account, Balance
from cdx.model.order import OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui.widgets.order_form import validate

BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, Decimal("0.0001"), Decimal("5"))
ACCOUNT = Account(
    (
        Balance("btc", Decimal("0.5"), Decimal(0)),
        Balance("usdt", Decimal("1000"), Decimal(0)),
    )
)


def check(side: Side, kind: OrderType, price: str, amount: str, reference: str | None = None):
    ref = Decimal(reference) if reference else None
    return validate(BTCUSDT, side, kind, price, amount, ACCOUNT, ref)


def test_valid_limit_buy_states_total_and_fee_in_words() -> None:
    result = check(Side.BUY, OrderType.LIMIT, "27000.50", "0.01")
    assert result.errors == ()
    assert result.draft is not None
    assert result.total == Decimal("270.0050")
    assert result.fee == Decimal("0.00001")
    assert result.draft.describe() == (
        "Buy 0.010000 BTC at 27,000.50 USDT (limit), total 270.005 USDT, fee ≈ 0.00001000 BTC"
    )


@pytest.mark.parametrize(
    ("price", "amount", "field", "message"),
    [
        ("27000", "x", "amount", "Amount is not a number"),
        ("abc", "0.01", "price", "Price is not a number"),
        ("27000.123", "0.01", "price", "Price allows at most 2 decimals"),
        ("27000", "0.0000001", "amount", "Amount allows at most 6 decimals"),
        ("27000", "-1", "amount", "Amount must be a positive number"),
        ("27000", "0.00005", "amount", "Amount below the minimum 0.0001 BTC"),
        ("100", "0.01", "amount", "Total below the minimum 5 USDT"),
        ("27000", "0.1", "amount", "Not enough USDT: need 2,700.00, available 1,000.00"),
        ("27000", "", "amount", "Amount is required"),
    ],
)
def test_limit_buy_refusals_name_the_field(price: str, amount: str, field: str, message: str):
    result = check(Side.BUY, OrderType.LIMIT, price, amount)
    assert result.draft is None
    assert result.first_error is not None
    assert result.first_error[0] == field
    assert result.first_error[1].startswith(message)


def test_sell_checks_the_base_balance() -> None:
    assert check(Side.SELL, OrderType.LIMIT, "27000", "0.5").draft is not None
    refused = check(Side.SELL, OrderType.LIMIT, "27000", "0.6")
    assert refused.first_error is not None
    assert refused.first_error[1].startswith("Not enough BTC")


def test_market_buy_amount_is_quote_with_price_precision() -> None:
    ok = check(Side.BUY, OrderType.MARKET, "", "100.25", reference="27000")
    assert ok.draft is not None and ok.draft.price is None
    assert ok.draft.describe().startswith("Buy BTC for 100.25 USDT (market)")
    too_precise = check(Side.BUY, OrderType.MARKET, "", "100.255")
    assert too_precise.first_error == ("amount", "Amount allows at most 2 decimals (USDT)")
    too_small = check(Side.BUY, OrderType.MARKET, "", "4")
    assert too_small.first_error is not None
    assert too_small.first_error[1].startswith("Total below the minimum 5 USDT")
    too_big = check(Side.BUY, OrderType.MARKET, "", "1000.01")
    assert too_big.first_error is not None
    assert too_big.first_error[1].startswith("Not enough USDT")


def test_market_sell_estimates_proceeds_from_the_best_bid() -> None:
    result = check(Side.SELL, OrderType.MARKET, "", "0.01", reference="26000")
    assert result.draft is not None
    assert result.total == Decimal("260.00")
    assert result.draft.describe() == (
        "Sell 0.010000 BTC at market, about 260.00 USDT, fee ≈ 0.26000000 USDT"
    )
