"""The History tab: the symbol's orders as `allOrders` lists them, open and finished.

What a trader asks of an order after the fact comes first (when, which side, what it filled
and at what average, how it ended): these fit 42 columns. The id, type, the order's own price,
amount and fee follow off to the right, whole, reached by scrolling sideways (`STRETCH`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from rich.text import Text

from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui.format import fmt_amount, fmt_price, fmt_text, fmt_time
from cdx.ui.widgets.record_table import RecordTable

STATUS_WORDS = {
    OrderStatus.INIT: "init",
    OrderStatus.NEW: "new",
    OrderStatus.FILLED: "filled",
    OrderStatus.PART_FILLED: "partial",
    OrderStatus.CANCELED: "cancelled",
    OrderStatus.PENDING_CANCEL: "cancelling",
    OrderStatus.EXPIRED: "expired",
}
"""How a status reads in the table (and in fill notifications)."""

_STATUS_STYLE = {OrderStatus.FILLED: "bold", OrderStatus.EXPIRED: "yellow"}

FEE_WIDTH = 10
"""Room for a fee's digits; more decimals are cut and marked (`format.py`)."""


def side_text(side: Side) -> Text:
    """The side as the other tables write it, in the side's colour."""
    return Text(side.value, style="green" if side is Side.BUY else "red")


def fee_text(fee: Decimal, coin: str) -> str:
    """A fee with its coin: `0.00018496 BTC`."""
    return f"{fmt_amount(fee, width=FEE_WIDTH)} {fmt_text(coin.upper(), 8)}".rstrip()


class OrderHistory(RecordTable[Order]):
    """One page of the symbol's orders, newest first."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "Time",
        "Side",
        "Avg",
        "Filled",
        "Status",
        "Id",
        "Type",
        "Price",
        "Amount",
        "Fee",
    )
    EMPTY: ClassVar[str] = "no orders"
    STRETCH: ClassVar[str] = "Status"

    def key_of(self, record: Order) -> str:
        return record.id

    def cells(self, record: Order, symbol: Symbol | None) -> tuple[Text, ...]:
        prices = symbol.price_precision if symbol else 8
        amounts = symbol.amount_precision if symbol else 8
        market = record.type is OrderType.MARKET
        filled = record.deal_volume > 0
        price = "market" if market else fmt_price(record.price, prices)
        if market and record.side is Side.BUY:
            amount = fmt_price(record.volume, prices) + "q"  # a market buy spends quote
        else:
            amount = fmt_amount(record.volume, amounts)
        return (
            Text(fmt_time(record.created_at)),
            Text(" ") + side_text(record.side),
            Text(f" {fmt_price(record.avg_price, prices)}" if filled else " -"),
            Text(f" {fmt_amount(record.deal_volume, amounts)}" if filled else " -"),
            Text(f" {STATUS_WORDS[record.status]}", style=_STATUS_STYLE.get(record.status, "")),
            Text(f" {fmt_text(record.id, 24)}"),
            Text(" mkt" if market else " lmt"),
            Text(f" {price}"),
            Text(f" {amount}"),
            Text(f" {fee_text(record.fee, record.fee_coin)}" if filled else " -"),
        )
