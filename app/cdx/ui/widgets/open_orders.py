"""Open orders of the current symbol, including ours still in flight (pending) or unknown.

The table shows the order tracker's view, not just the last poll, so an order appears the moment
the user confirms it and says honestly when its fate is not known yet. `c` asks to cancel the
selected order and `C` all orders of the symbol; the app does the cancelling.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from cdx.client.tracker import TrackedOrder, TrackedState
from cdx.model.order import OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui.format import display_math, fmt_amount, fmt_price, fmt_text
from cdx.ui.widgets.contained import Contained, contained
from cdx.ui.widgets.table_columns import Row, natural_widths, rebuild, row_height

COLUMNS = ("Side", "Price", "Amount", "State", "Id")
"""A market order shows `market` as its price. Once something filled, the row takes a second
line under Price, Amount and State: `@` the average price, the base amount filled, `filled`.
Seven columns (Filled and Avg of their own) cut the Id at 46 and 42 columns; these fit."""

_STATE_STYLE = {
    TrackedState.PENDING: "yellow",
    TrackedState.UNKNOWN: "bold magenta",
    TrackedState.CANCELLING: "yellow",
    TrackedState.OPEN: "",
}


class OpenOrders(Contained, DataTable[Text]):
    """A row per live order, newest first; the cursor row is the one `c` cancels.

    Cells are `Text`, never markup: ids and states come from a server.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel", "Cancel order", show=False, id="orders.cancel"),
        Binding("C", "cancel_all", "Cancel all", show=False, id="orders.cancel-all"),
    ]

    class CancelRequested(Message):
        """Cancel this order (it has an exchange id)."""

        def __init__(self, order: TrackedOrder) -> None:
            self.order = order
            super().__init__()

    class CancelAllRequested(Message):
        """Cancel every order of the current symbol (after a confirmation)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(
            id=id, classes=classes, cursor_type="row", zebra_stripes=False, cell_padding=0
        )
        self._orders: dict[str, TrackedOrder] = {}
        self._rows: list[Row] = []
        self._widths: list[int] = []

    def on_mount(self) -> None:
        self._widths = natural_widths(COLUMNS, [])
        rebuild(self, COLUMNS, self._widths, [])

    @property
    def selected(self) -> TrackedOrder | None:
        """The order under the cursor, if any."""
        if not self._rows or self.cursor_row < 0 or self.cursor_row >= len(self._rows):
            return None
        return self._orders.get(self._rows[self.cursor_row][0])

    @contained
    def show(self, orders: Sequence[TrackedOrder], symbol: Symbol | None) -> None:
        """Show `orders` (newest first); repaints only when a row changed."""
        rows = [(order.key, _row(order, symbol)) for order in orders]
        self._orders = {order.key: order for order in orders}
        if rows == self._rows:
            return
        selected = self.selected
        widths = natural_widths(COLUMNS, rows)
        # Cells change in place only while the columns keep their widths and every row is
        # one line (a second line changes the row's height); otherwise the table is rebuilt.
        one_line = all(row_height(cells) == 1 for _, cells in (*rows, *self._rows))
        same_keys = [key for key, _ in rows] == [key for key, _ in self._rows]
        if one_line and same_keys and widths == self._widths:
            for (key, cells), (_, old) in zip(rows, self._rows, strict=True):
                for name, cell, before in zip(COLUMNS, cells, old, strict=True):
                    if cell != before:
                        self.update_cell(key, name, cell)
            self._rows = rows
            return
        self._rows, self._widths = rows, widths
        rebuild(self, COLUMNS, widths, rows)
        if selected is not None and selected.key in self._orders:
            self.select(selected.key)
        self.border_subtitle = f"{len(rows)}" if rows else ""

    def select(self, key: str) -> None:
        """Put the cursor on the order with tracker key `key`."""
        for index, (row_key, _) in enumerate(self._rows):
            if row_key == key:
                self.move_cursor(row=index)
                return

    def action_cancel(self) -> None:
        if not self.display:
            # Another tab of the orders panel is shown: never cancel a row the user cannot see.
            self.notify("Cancel works on the Open tab: press o to show it", severity="warning")
            return
        order = self.selected
        if order is None:
            self.notify("No open order selected", severity="warning")
            return
        self.post_message(self.CancelRequested(order))

    def action_cancel_all(self) -> None:
        self.post_message(self.CancelAllRequested())


def _row(order: TrackedOrder, symbol: Symbol | None) -> tuple[Text, ...]:
    """One table row; arithmetic on server values cannot trap here."""
    with display_math():
        return _cells(order, symbol)


def _cells(order: TrackedOrder, symbol: Symbol | None) -> tuple[Text, ...]:
    price_decimals = symbol.price_precision if symbol else 8
    amount_decimals = symbol.amount_precision if symbol else 8
    market_buy = order.type is OrderType.MARKET and order.side is Side.BUY
    side = Text(order.side.value, style="green" if order.side is Side.BUY else "red")
    if order.type is OrderType.LIMIT and order.price is not None:
        price = fmt_price(order.price, price_decimals)
    else:
        price = "market"
    amount = (
        fmt_price(order.volume, price_decimals) + "q"
        if market_buy
        else fmt_amount(order.volume, amount_decimals)
    )
    state = Text(" " + order.state.value, style=_STATE_STYLE.get(order.state, ""))
    report = order.order
    if report is not None and report.deal_volume > 0:
        avg = report.avg_price
        if avg <= 0:  # a server that leaves it out: what was paid over what was filled
            avg = report.deal_money / report.deal_volume
        price += f"\n @{fmt_price(avg, price_decimals)}"
        amount += f"\n {fmt_amount(report.deal_volume, amount_decimals)}"
        state.append("\n filled", style="dim")
    ident = fmt_text(order.order_id, 24) if order.order_id else "…"
    return (side, Text(f" {price}"), Text(f" {amount}"), state, Text(f" {ident}"))
