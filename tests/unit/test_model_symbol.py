"""Which coin an order holds and which coin its fee is paid in: one rule for every layer."""

from __future__ import annotations

from decimal import Decimal

from cdx.model.order import Side
from cdx.model.symbol import Symbol

BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, Decimal("0.0001"), Decimal("1"))


def test_a_buy_holds_the_quote_coin_and_pays_its_fee_in_the_base_coin() -> None:
    assert (BTCUSDT.held_coin(Side.BUY), BTCUSDT.fee_coin(Side.BUY)) == ("usdt", "btc")


def test_a_sell_holds_the_base_coin_and_pays_its_fee_in_the_quote_coin() -> None:
    assert (BTCUSDT.held_coin(Side.SELL), BTCUSDT.fee_coin(Side.SELL)) == ("btc", "usdt")
