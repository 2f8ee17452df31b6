"""The balances panel: per coin what can be spent, what open orders hold and what it is worth."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.geometry import Size

from cdx.model.account import Account, Balance
from cdx.model.market import Ticker
from cdx.model.symbol import Symbol
from cdx.model.valuation import Pair, last_prices
from cdx.ui.format import display_math, fmt_text
from cdx.ui.widgets.balance_table import BalanceTable, ValuedIn, balance_table
from cdx.ui.widgets.contained import contained
from cdx.ui.widgets.row_lines import Palette, RowLines

__all__ = ["BalanceTable", "BalancesPanel", "balance_table"]

log = logging.getLogger(__name__)

BalanceLine = tuple[tuple[str, str], ...]
"""One line of the panel: (text, component class) pieces; "" is the panel's own style."""


class BalancesPanel(RowLines[BalanceLine]):
    """Coin, available and locked per coin, and what each is worth in the current symbol's
    quote coin and in BTC, with the totals; the symbol's two coins first, then the others
    that hold anything. A non-zero locked amount is highlighted: it is money in open orders.

    When the panel is narrow whole columns go (Locked while nothing is locked, the BTC value,
    then the quote value) before available amounts are cut (marked). When it is too short
    for the Total row, the totals move to the bottom border.

    Drawn line by line (`RowLines`): values follow every price move, and a move redraws only
    the cells whose text changed (a value, the total) instead of the whole panel, which cost
    more than any other panel at a normal market.
    """

    DEFAULT_CSS = """
    BalancesPanel {
        height: auto;
        min-width: 20;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "balances--header",
        "balances--coin",
        "balances--focus",
        "balances--available",
        "balances--locked",
        "balances--zero",
        "balances--value",
        "balances--total",
    }

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._account: Account | None = None
        self._focus: tuple[str, ...] = ()
        self._problem = ""
        self._value_symbol: Symbol | None = None
        self._prices: dict[Pair, Decimal] = {}
        self._coin_decimals: dict[str, int] = {}
        self._total_subtitle = ""
        self._version = 0
        self._laid_out: tuple[tuple[int, int], BalanceTable] | None = None

    @contained
    def show(
        self, account: Account, focus_coins: Sequence[str] = (), value_in: Symbol | None = None
    ) -> None:
        """Display `account`; `focus_coins` (the symbol's base and quote) come first, always.

        `value_in` is the current symbol: values are shown in its quote coin, with its price
        precision (no value column without it).
        """
        focus = tuple(focus_coins)
        if account == self._account and focus == self._focus and value_in == self._value_symbol:
            return
        lines_before = self._line_count()
        self._account, self._focus, self._value_symbol = account, focus, value_in
        self._changed(lines_before)

    _problem_label = "balances: "

    def show_problem(self, text: str, *, label: str = "balances: ") -> None:
        """Why there are no balances to show yet (until an account arrives); `label` leads
        it ("" for a sentence of its own, such as read-only mode's)."""
        if (text, label) != (self._problem, self._problem_label):
            self._problem, self._problem_label = text, label
            self.refresh(layout=True)
            self._show_lines()

    # Valuation --------------------------------------------------------------------------------

    @contained
    def set_prices(self, tickers: Iterable[Ticker], symbols: Mapping[str, Symbol]) -> None:
        """Take the last prices of `tickers` (those that changed); the values follow them.

        Meant to be called from the app's repaint tick, so values repaint at most that often
        however fast tickers are pushed; nothing is repainted when no price moved.
        """
        fresh = last_prices(tickers, symbols)
        # Every base coin's display decimals (its amount precision), so a coin other than the
        # current symbol's is shortened too rather than cut (`ValuedIn.coin_decimals`).
        decimals = {symbol.base: symbol.amount_precision for symbol in symbols.values()}
        if decimals.keys() - self._coin_decimals.keys():
            self._coin_decimals.update(decimals)
            self._version += 1
        if all(self._prices.get(pair) == price for pair, price in fresh.items()):
            return
        lines_before = self._line_count()
        self._prices.update(fresh)
        if self._account is not None and self._value_symbol is not None:
            self._changed(lines_before)

    def _changed(self, lines_before: int) -> None:
        """Repaint after a change; lay the screen out again only when the height changed."""
        self._version += 1
        if self._line_count() != lines_before:
            self.refresh(layout=True)
        self._show_lines()
        self._place_totals()

    def _line_count(self) -> int:
        return self._content_lines(self.table()) if self._account is not None else 0

    @property
    def valued_in(self) -> ValuedIn | None:
        """What values are shown in: the current symbol's quote coin at the last prices."""
        symbol = self._value_symbol
        if symbol is None:
            return None
        shown = {
            **self._coin_decimals,
            symbol.base: symbol.amount_precision,
            symbol.quote: symbol.price_precision,
        }
        return ValuedIn(symbol.quote, symbol.price_precision, self._prices, shown)

    def table(self, width: int | None = None) -> BalanceTable:
        """The table as laid out for `width` cells (the panel's own width by default)."""
        account = self._account
        balances = self.balances
        unknown = frozenset(
            b.coin for b in balances if account is not None and not account.knows(b.coin)
        )
        complete = account is None or not account.unreadable
        room = self.size.width if width is None else width
        key = (self._version, room)
        if self._laid_out is not None and self._laid_out[0] == key:
            return self._laid_out[1]
        table = balance_table(balances, room, self.valued_in, unknown, complete=complete)
        self._laid_out = (key, table)
        return table

    def on_resize(self, event: events.Resize) -> None:
        self._show_lines()
        self._place_totals()

    def _place_totals(self) -> None:
        """The totals go to the bottom border while the panel is too short for its Total row
        (80x24 shows two coins), so they are visible at any size."""
        text = ""
        height = self.size.height
        if self._account is not None and height:
            table = self.table()
            if table.has_total and height < self._content_lines(table):
                text = _totals_line(table)
        if text != self._total_subtitle:
            if self.border_subtitle in ("", self._total_subtitle):
                self.border_subtitle = text
            self._total_subtitle = text

    # Drawing ----------------------------------------------------------------------------------

    @property
    def balances(self) -> tuple[Balance, ...]:
        """The balances listed, in display order."""
        account = self._account
        if account is None:
            return ()
        focused = [account.balance(coin) for coin in self._focus]
        with display_math():
            held = [b for b in account.balances if b.coin not in self._focus and b.total > 0]
        others = sorted(held, key=lambda balance: balance.coin)
        return (*focused, *others)

    @contained(default=2)
    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self._account is None and self._problem:
            return max(2, len(self._problem_lines(width)))
        if self._account is None:
            return 2
        return self._content_lines(self.table(width))

    def _content_lines(self, table: BalanceTable) -> int:
        unreadable = 1 if self._account is not None and self._account.unreadable else 0
        return 1 + max(len(table.cells), 1) + int(table.has_total) + unreadable

    def _problem_lines(self, width: int) -> list[str]:
        """Why there are no balances yet, wrapped at `width`: the lines drawn and counted."""
        text = Text(f" {self._problem_label}{fmt_text(self._problem, 200)}")
        return [line.plain for line in text.wrap(self.app.console, max(width, 1))]

    @contained
    def _show_lines(self) -> None:
        """Lay the panel's lines out at its width and show them (changed cells repainted);
        before it is mounted its first size does it."""
        if not self.is_mounted:
            return
        width = self.size.width
        self.set_rows(self._panel_lines(width), width)

    def draw_row(self, row: BalanceLine, width: int, palette: Palette) -> Iterable[Segment]:
        return [Segment(text, palette[name] if name else palette.base) for text, name in row]

    def _panel_lines(self, width: int) -> list[BalanceLine]:
        header = "balances--header"
        if self._account is None:
            if self._problem:
                return [((line, header),) for line in self._problem_lines(width)]
            return [((" balances: waiting…", header),)]
        lines = self._table_lines(self.table())
        if self._account.unreadable:
            lines.append(((f" {self._account.unreadable} unreadable, see log", header),))
        return lines

    def _table_lines(self, table: BalanceTable) -> list[BalanceLine]:
        """Header, a row per balance, and the Total row when there are values."""
        header = "balances--header"
        coin_w = table.coin_width
        lines: list[BalanceLine] = [
            (
                (f" {'Coin'.ljust(coin_w)}", header),
                *((f" {column.header.rjust(column.width)}", header) for column in table.columns),
            )
        ]
        for row, (coin, *_, balance) in enumerate(table.cells):
            name = "balances--focus" if balance.coin in self._focus else "balances--coin"
            cells = [(f" {coin.ljust(coin_w)}", name)]
            for column in table.columns:
                cells.append((" ", name))
                cells.append(
                    (column.cells[row].rjust(column.width), _cell_class(column.key, balance))
                )
            lines.append(tuple(cells))
        if table.has_total:
            total = "balances--total"
            lines.append(
                (
                    (f" {'Total'.ljust(coin_w)}", total),
                    *((f" {column.total.rjust(column.width)}", total) for column in table.columns),
                )
            )
        return lines


def _cell_class(key: str, balance: Balance) -> str:
    """The component class of a cell: zero amounts muted, locked money highlighted."""
    if key == "available":
        return _amount_class(balance.available, "balances--available")
    if key == "locked":
        return _amount_class(balance.locked, "balances--locked")
    with display_math():  # a server's absurd amounts must not trap in the sum
        return _amount_class(balance.total, "balances--value")


def _amount_class(value: Decimal, name: str) -> str:
    return "balances--zero" if value == 0 else name


def _totals_line(table: BalanceTable) -> str:
    """The totals in one line for the border: `Total ≈USDT 154,012.34 ≈BTC 5.70370370`."""
    parts = [f"{column.header} {column.total.strip()}" for column in table.columns if column.total]
    return " ".join(["Total", *parts])
