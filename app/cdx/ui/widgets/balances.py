"""The balances panel: per coin what can be spent and what open orders hold."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from cdx.model.account import Account, Balance
from cdx.ui.format import NUMBER_WIDTH, align_points, display_math, fmt_amount, fmt_text
from cdx.ui.widgets.contained import Contained, contained

log = logging.getLogger(__name__)


class BalancesPanel(Contained, Widget):
    """Coin, available and locked per coin; the symbol's two coins first, then the others that
    hold anything. A non-zero locked amount is highlighted: it is money in open orders.

    Locked goes first when the panel is narrow, then available amounts are cut (marked).
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

    @contained
    def show(self, account: Account, focus_coins: Sequence[str] = ()) -> None:
        """Display `account`; `focus_coins` (the symbol's base and quote) come first, always."""
        focus = tuple(focus_coins)
        if account == self._account and focus == self._focus:
            return
        rows_before = len(self.balances)
        self._account, self._focus = account, focus
        self.refresh(layout=len(self.balances) != rows_before)

    _problem_label = "balances: "

    def show_problem(self, text: str, *, label: str = "balances: ") -> None:
        """Why there are no balances to show yet (until an account arrives); `label` leads
        it ("" for a sentence of its own, such as read-only mode's)."""
        if (text, label) != (self._problem, self._problem_label):
            self._problem, self._problem_label = text, label
            self.refresh(layout=True)

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
            lines = Text(self._problem_text).wrap(self.app.console, max(width, 1))
            return max(2, len(lines))
        unreadable = 1 if self._account is not None and self._account.unreadable else 0
        return 1 + max(len(self.balances), 1) + unreadable

    @property
    def _problem_text(self) -> str:
        return f" {self._problem_label}{fmt_text(self._problem, 200)}"

    def _amount_style(self, value: Decimal, name: str) -> Style:
        return self.get_component_rich_style("balances--zero" if value == 0 else name)

    def render(self) -> Text:
        style = self.get_component_rich_style
        balances = self.balances
        header_style = style("balances--header")
        if self._account is None:
            if self._problem:
                return Text(self._problem_text, style=header_style, end="")
            return Text(" balances: waiting…", style=header_style, no_wrap=True, end="")
        table = balance_table(balances, self.size.width)
        coin_w, avail_w, locked_w = table.widths
        show_locked = table.show_locked
        cells = table.cells
        text = Text(no_wrap=True, overflow="crop", end="")
        text.append(f" {'Coin'.ljust(coin_w)} {'Available'.rjust(avail_w)}", header_style)
        if show_locked:
            text.append(f" {'Locked'.rjust(locked_w)}", header_style)
        account = self._account
        for coin, available, locked, balance in cells:
            if not account.knows(balance.coin):
                # Its entry may be among the unreadable ones: "?" rather than a false zero.
                available, locked = "?", "?"
            text.append("\n")
            coin_style = style(
                "balances--focus" if balance.coin in self._focus else "balances--coin"
            )
            text.append(f" {coin.ljust(coin_w)} ", coin_style)
            text.append(
                available.rjust(avail_w),
                self._amount_style(balance.available, "balances--available"),
            )
            if show_locked:
                text.append(" ")
                text.append(
                    locked.rjust(locked_w), self._amount_style(balance.locked, "balances--locked")
                )
        if account.unreadable:
            text.append(f"\n {account.unreadable} unreadable, see log", header_style)
        return text


@dataclass(frozen=True, slots=True)
class BalanceTable:
    """The panel's text: per balance (coin, available, locked, the balance), column widths,
    and whether the locked column fits."""

    cells: tuple[tuple[str, str, str, Balance], ...]
    widths: tuple[int, int, int]
    show_locked: bool


def balance_table(balances: Sequence[Balance], width: int) -> BalanceTable:
    """Lay out `balances` for a panel `width` cells wide (0: not laid out yet, show all).

    Pure, so it can be fed any value: it never raises. Locked goes first when the panel is
    narrow; then available amounts are cut to the room left (marked, see `cdx.ui.format`).
    """
    coins = [fmt_text(b.coin.upper(), 12) for b in balances]
    coin_w = max([4, *(len(coin) for coin in coins)])

    def column(values: Sequence[Decimal], room: int) -> list[str]:
        # Balances come normalized ("2", "0.5"): line the decimal points up instead.
        return align_points([fmt_amount(value, width=room) for value in values])

    availables = column([b.available for b in balances], NUMBER_WIDTH)
    lockeds = column([b.locked for b in balances], NUMBER_WIDTH)
    room = width - coin_w - 3
    if width and max(map(len, availables), default=0) > room:
        availables = column([b.available for b in balances], room)
    cells = tuple(zip(coins, availables, lockeds, balances, strict=True))
    avail_w = max([len("Available"), *(len(c[1]) for c in cells)])
    locked_w = max([len("Locked"), *(len(c[2]) for c in cells)])
    show_locked = 1 + coin_w + 1 + avail_w + 1 + locked_w <= width or width == 0
    return BalanceTable(cells, (coin_w, avail_w, locked_w), show_locked)
