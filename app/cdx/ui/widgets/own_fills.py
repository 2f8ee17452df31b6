"""The Fills tab: the account's own trades in the symbol, as `myTrades` lists them.

One row per fill (an order filled against several makers has several), with the price it
traded at, the amount, the fee and the order it belongs to.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text

from cdx.model.account import Fill
from cdx.model.symbol import Symbol
from cdx.ui.format import fmt_amount, fmt_price, fmt_text, fmt_time
from cdx.ui.widgets.order_history import fee_text, side_text
from cdx.ui.widgets.record_table import RecordTable


class OwnFills(RecordTable[Fill]):
    """One page of the account's fills in the symbol, newest first."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("Time", "Side", "Price", "Amount", "Order", "Fee")
    EMPTY: ClassVar[str] = "no fills"
    STRETCH: ClassVar[str] = "Order"
    """The fee, widest, comes after the order id, off-screen at 80 columns, never cut."""

    def key_of(self, record: Fill) -> str:
        # A trade between two of our own orders is two fills with one id.
        return f"{record.id}/{record.order_id}"

    def cells(self, record: Fill, symbol: Symbol | None) -> tuple[Text, ...]:
        prices = symbol.price_precision if symbol else 8
        amounts = symbol.amount_precision if symbol else 8
        return (
            Text(fmt_time(record.ctime)),
            Text(" ") + side_text(record.side),
            Text(f" {fmt_price(record.price, prices)}"),
            Text(f" {fmt_amount(record.volume, amounts)}"),
            Text(f" {fmt_text(record.order_id, 24)}"),
            Text(f" {fee_text(record.fee, record.fee_coin)}"),
        )
