"""Our fills are matched to public trades by price, amount and time, each trade once."""

from __future__ import annotations

from decimal import Decimal

from cdx.model.account import Fill
from cdx.model.market import Trade
from cdx.model.order import Side
from cdx.ui.own_trades import MATCH_WINDOW_MS, own_trade_ids

D = Decimal


def trade(id: str, price: str, amount: str, ts: int) -> Trade:
    return Trade(id, D(price), D(amount), Side.BUY, ts)


def fill(id: str, price: str, volume: str, ctime: int, order: str = "7") -> Fill:
    return Fill(id, "btcusdt", Side.BUY, D(price), D(volume), D(0), "btc", ctime, order)


def test_a_fill_marks_the_trade_of_its_price_amount_and_time() -> None:
    tape = [trade("1", "100", "0.5", 1000), trade("2", "101", "0.5", 1000)]
    assert own_trade_ids(tape, [fill("f9", "101.00", "0.500", 1300)]) == {"2"}


def test_a_trade_too_far_in_time_or_of_another_size_is_not_ours() -> None:
    tape = [trade("1", "100", "0.5", 1000), trade("2", "100", "0.4", 1000)]
    late = 1000 + MATCH_WINDOW_MS + 1
    assert (
        own_trade_ids(tape, [fill("f", "100", "0.5", late), fill("g", "99", "0.4", 1000)]) == set()
    )


def test_two_fills_of_one_size_claim_two_trades_and_the_same_id_wins() -> None:
    tape = [trade("5", "100", "0.5", 1000), trade("6", "100", "0.5", 1200)]
    assert own_trade_ids(tape, [fill("6", "100", "0.5", 1000)]) == {"6"}
    both = [fill("a", "100", "0.5", 1000), fill("b", "100", "0.5", 1200)]
    assert own_trade_ids(tape, both) == {"5", "6"}


def test_a_trade_between_two_of_our_orders_marks_one_trade() -> None:
    tape = [trade("5", "100", "0.5", 1000), trade("6", "100", "0.5", 1000)]
    pair = [fill("5", "100", "0.5", 1000, "7"), fill("5", "100", "0.5", 1000, "8")]
    assert own_trade_ids(tape, pair) == {"5"}
