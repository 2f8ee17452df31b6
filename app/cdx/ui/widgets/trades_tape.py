"""The trades tape: the market's most recent public trades, newest on top, ours marked.

Our own trades (matched from the account's fills, `ui/own_trades.py`) carry the ladder's own
marker `◆` in a column of their own, shown while one is on the tape, and their amount in the
own style: the character reads without colour, the style in 16 colours.

Trades arrive with every push, so the tape is a `RowLines` widget: it lays out rows and only
the lines whose row changed are repainted (and drawn only when their cache key is new).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from textual import events
from textual.strip import Strip

from cdx.model.account import Fill
from cdx.model.market import Trade
from cdx.model.order import Side
from cdx.model.symbol import Symbol
from cdx.ui.format import NUMBER_WIDTH, fmt_amount, fmt_price, fmt_time
from cdx.ui.own_trades import own_trade_ids
from cdx.ui.widgets.contained import contained
from cdx.ui.widgets.row_lines import Palette, RowLines

log = logging.getLogger(__name__)

KEEP_TRADES = 100
"""How many trades the tape remembers (the REST `trades` endpoint returns as many)."""

TIME_WIDTH = 8

OWN_MARKER = "◆"
"""Marks our own trades, as the ladder marks our own orders."""


@dataclass(frozen=True, slots=True)
class TapeRow:
    """One drawn line; `side` is None for the header."""

    time: str
    price: str
    amount: str
    side: Side | None = None
    own: bool = False


class TradesTape(RowLines[TapeRow]):
    """Time (UTC), price coloured by the taker's side, and amount of recent trades.

    Columns never outgrow the tape: the time goes first, then numbers are cut (and marked).
    """

    DEFAULT_CSS = """
    TradesTape {
        height: 1fr;
        min-width: 16;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "trades-tape--header",
        "trades-tape--buy",
        "trades-tape--sell",
        "trades-tape--time",
        "trades-tape--amount",
        "trades-tape--own",
    }

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._trades: deque[Trade] = deque(maxlen=KEEP_TRADES)
        self._symbol: Symbol | None = None
        self._fills: tuple[Fill, ...] = ()
        self._own: frozenset[str] = frozenset()

    @property
    def trades(self) -> tuple[Trade, ...]:
        """The trades kept, newest first."""
        return tuple(self._trades)

    @property
    def own_ids(self) -> frozenset[str]:
        """The ids of the kept trades that were ours."""
        return self._own

    def set_own_fills(self, fills: Sequence[Fill], symbol: str) -> None:
        """The account's recent fills in `symbol`: the trades they match are marked."""
        self._fills = tuple(fill for fill in fills if fill.symbol == symbol)
        self._match_own()
        self._update()

    def _match_own(self) -> None:
        symbol = self._symbol
        fills = [f for f in self._fills if symbol is None or f.symbol == symbol.name]
        self._own = own_trade_ids(self._trades, fills) if fills else frozenset()

    def add_trades(self, trades: Sequence[Trade], symbol: Symbol) -> None:
        """Add `trades` (oldest first) of `symbol`; trades already on the tape are skipped.

        A trade of another symbol than the tape shows starts a fresh tape.
        """
        if self._symbol is not None and self._symbol.name != symbol.name:
            self._trades.clear()
        self._symbol = symbol
        seen = {trade.id for trade in self._trades}
        newest = self._trades[0].ts if self._trades else None
        for trade in trades:
            if trade.id in seen:
                continue
            if newest is not None and trade.ts < newest:
                # A late REST snapshot overlapping the pushes; older than what is on top.
                continue
            self._trades.appendleft(trade)
            seen.add(trade.id)
            newest = trade.ts
        self._match_own()
        self._update()

    def reset(self) -> None:
        """Empty the tape (on a symbol switch, before the new symbol's trades arrive)."""
        self._trades.clear()
        self._symbol = None
        self._fills = ()
        self._own = frozenset()
        self._update()

    def on_resize(self, event: events.Resize) -> None:
        self._update()

    def _layout(self, width: int, height: int) -> tuple[list[TapeRow], tuple[int, int, int, int]]:
        symbol = self._symbol
        price_decimals = symbol.price_precision if symbol is not None else 2
        amount_decimals = symbol.amount_precision if symbol is not None else 4
        shown = list(self._trades)[: max(height - 1, 0)]
        own = self._own
        mark_width = 2 if any(trade.id in own for trade in shown) else 0
        width -= mark_width

        def tape_rows(price_room: int, amount_room: int) -> list[TapeRow]:
            return [
                TapeRow(
                    fmt_time(trade.ts),
                    fmt_price(trade.price, price_decimals, width=price_room),
                    fmt_amount(trade.amount, amount_decimals, width=amount_room),
                    trade.side,
                    trade.id in own,
                )
                for trade in shown
            ]

        body = tape_rows(NUMBER_WIDTH, NUMBER_WIDTH)
        price_width = max([len("Price"), *(len(row.price) for row in body)])
        amount_width = max([len("Amount"), *(len(row.amount) for row in body)])
        time_width = TIME_WIDTH
        if time_width + 1 + price_width + 1 + amount_width > width:
            time_width = 0  # narrow: the time goes first
        room = width - 1
        if price_width + amount_width > room:
            price_room = max(room - amount_width, room // 2)
            body = tape_rows(price_room, room - price_room)
            price_width = max([len("Price"), *(len(row.price) for row in body)])
            amount_width = max([len("Amount"), *(len(row.amount) for row in body)])
        header = TapeRow("Time" if time_width else "", "Price", "Amount")
        rows = [header, *body] if height > 0 else []
        return rows, (mark_width, time_width, price_width, amount_width)

    @contained
    def _update(self) -> None:
        if not self.is_mounted:
            return
        rows, widths = self._layout(*self.size)
        self.set_rows(rows, widths)

    def draw_row(self, row: TapeRow, width: int, palette: Palette) -> Strip:
        mark_width, time_width, price_width, amount_width = self.row_layout  # type: ignore[misc]
        base = palette.base
        if row.side is None:
            text = (row.time.ljust(time_width) + " " if time_width else "") + " ".join(
                (row.price.rjust(price_width), row.amount.rjust(amount_width))
            )
            return Strip(
                [Segment(" " * mark_width, base), Segment(text, palette["trades-tape--header"])]
            )
        side = "trades-tape--buy" if row.side is Side.BUY else "trades-tape--sell"
        segments: list[Segment] = []
        if mark_width:
            marker = OWN_MARKER if row.own else " "
            segments += [Segment(marker, palette["trades-tape--own"]), Segment(" ", base)]
        if time_width:
            segments += [
                Segment(row.time.ljust(time_width), palette["trades-tape--time"]),
                Segment(" ", base),
            ]
        segments += [
            Segment(row.price.rjust(price_width), palette[side]),
            Segment(" ", base),
            Segment(
                row.amount.rjust(amount_width),
                palette["trades-tape--own" if row.own else "trades-tape--amount"],
            ),
        ]
        return Strip(segments)
