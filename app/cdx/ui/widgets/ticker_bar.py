"""The ticker bar: symbol, last price, 24 h change, high, low, volume and a sparkline.

One line at the top of the screen. It drops its labels, then its least useful fields, as the
terminal narrows, so the last price and the change are never cut. While the data is stale
(`set_stale`) it says so first (`STALE 3s`), before anything else is cut, and draws every field
in the muted style: a price that may be old must not look like a live one.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from cdx.model.market import Ticker
from cdx.model.symbol import Symbol
from cdx.ui.format import display_math, fmt_compact, fmt_pct, fmt_price, fmt_text
from cdx.ui.widgets.contained import Contained, contained
from cdx.ui.widgets.row_lines import Palette

log = logging.getLogger(__name__)

SPARK_LEVELS = "▁▂▃▄▅▆▇█"
KEEP_CLOSES = 300
"""As many closes as a kline request returns; the sparkline shows the last that fit."""
MIN_SPARK_WIDTH = 8
SPARK_STYLES = {1: "ticker-bar--spark-up", -1: "ticker-bar--spark-down"}


class TickerBar(Contained, Widget):
    """The selected symbol's 24 h statistics; the last price is coloured against the previous
    last, the change against zero.

    The colours come from component classes resolved once per style change (a `Palette`) and
    are chosen when drawing. The direction is not a CSS class on the widget: swapping one on
    every price move restyled the widget and rebuilt every component style each time (about
    1.5 ms a move, most of the UI's garbage). The `-stale` class is set only when staleness
    starts or ends.
    """

    DEFAULT_CSS = """
    TickerBar {
        height: 1;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "ticker-bar--symbol",
        "ticker-bar--label",
        "ticker-bar--value",
        "ticker-bar--up",
        "ticker-bar--down",
        "ticker-bar--flat",
        "ticker-bar--spark",
        "ticker-bar--spark-up",
        "ticker-bar--spark-down",
        "ticker-bar--stale",
        "ticker-bar--dim",
    }

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._ticker: Ticker | None = None
        self._symbol: Symbol | None = None
        self._closes: deque[Decimal] = deque(maxlen=KEEP_CLOSES)
        self._last_open_time: int | None = None
        self._stale: str | None = None
        self._direction = 0
        self._palette: Palette | None = None

    @contained
    def show(self, ticker: Ticker, symbol: Symbol) -> None:
        """Display `ticker` of `symbol`; the last price's colour compares it with the previous."""
        previous = self._ticker
        if previous is not None and previous.symbol == ticker.symbol:
            if ticker.last > previous.last:
                self._direction = 1
            elif ticker.last < previous.last:
                self._direction = -1
        else:
            self._direction = 0
        if previous != ticker or self._symbol != symbol:
            self._ticker = ticker
            self._symbol = symbol
            self.refresh()

    @contained
    def set_history(self, closes: Sequence[Decimal], last_open_time: int | None = None) -> None:
        """Replace the sparkline with `closes` (oldest first, from klines).

        `last_open_time` is the open time of the last bar, if known, so that `add_close` can
        tell an update of that bar from a new one.
        """
        self._closes.clear()
        self._closes.extend(closes)
        self._last_open_time = last_open_time
        self.refresh()

    def add_close(self, kline_open_time: int, close: Decimal) -> None:
        """A live kline push: update the last bar, or start a new one when the time moved on."""
        if self._last_open_time is not None and kline_open_time < self._last_open_time:
            return
        if self._closes and (
            self._last_open_time is None or kline_open_time == self._last_open_time
        ):
            self._closes[-1] = close
        else:
            self._closes.append(close)
        self._last_open_time = kline_open_time
        self.refresh()

    def set_stale(self, label: str | None) -> None:
        """Say `label` (`STALE 3s`) and dim the fields, or show them live again with None.

        Repaints only when the label changes (at most once a second while stale).
        """
        if label == self._stale:
            return
        self._stale = label
        self.set_class(label is not None, "-stale")
        self.refresh()

    @property
    def stale(self) -> str | None:
        """The stale label shown, None while the data is live."""
        return self._stale

    @property
    def closes(self) -> tuple[Decimal, ...]:
        """The closes the sparkline is drawn from, oldest first."""
        return tuple(self._closes)

    @property
    def direction(self) -> int:
        """+1 if the last price rose at the latest update, -1 if it fell, 0 if unchanged."""
        return self._direction

    @property
    def palette(self) -> Palette:
        """The component styles, resolved on first use after a style change."""
        if self._palette is None:
            self._palette = Palette.of(self)
        return self._palette

    def notify_style_update(self) -> None:
        """Styles changed (theme, CSS, the `-stale` class): resolve the palette again."""
        super().notify_style_update()
        self._palette = None

    def render(self) -> Text:
        ticker, symbol = self._ticker, self._symbol
        style: Palette = self.palette
        line = Text(no_wrap=True, overflow="crop", end="")
        if self._stale is not None:
            line.append(f" {self._stale} ", style["ticker-bar--stale"])
        if ticker is None or symbol is None:
            line.append(" waiting for ticker…", style["ticker-bar--label"])
            return line
        width = self.size.width - line.cell_len
        spark_room = 3 + MIN_SPARK_WIDTH if self._closes else 0
        fields = ticker_fields(ticker, symbol, self.direction, width, spark_room)
        dim = style["ticker-bar--dim"] if self._stale is not None else None
        for text, component in fields:
            line.append(text, dim or style[component])
        spark_width = self.size.width - line.cell_len - 3
        if spark_width >= MIN_SPARK_WIDTH and self._closes:
            line.append("  ")
            line.append(self._sparkline(spark_width), dim or self._spark_style(style))
        return line

    def _spark_style(self, palette: Palette) -> Style:
        """The sparkline takes the colour of the last move (the spark colour when none)."""
        name = SPARK_STYLES.get(self._direction, "ticker-bar--spark")
        return palette[name]

    def _sparkline(self, width: int) -> str:
        return sparkline(list(self._closes)[-width:])


def sparkline(closes: Sequence[Decimal]) -> str:
    """One block character per close, scaled between the lowest and the highest; a close that
    is not a number (or a span out of range) draws as the lowest block."""
    if not closes:
        return ""
    top = len(SPARK_LEVELS) - 1
    with display_math():
        low, high = min(closes), max(closes)
        if high == low:
            return SPARK_LEVELS[top // 2] * len(closes)
        span = high - low
        levels = [(close - low) * top / span for close in closes]
    return "".join(SPARK_LEVELS[_spark_level(level, top)] for level in levels)


def _spark_level(level: Decimal, top: int) -> int:
    # Compared before int(): int() of a huge Decimal builds a huge integer.
    if not level.is_finite() or level <= 0:
        return 0
    return top if level >= top else int(level)


def ticker_fields(
    ticker: Ticker, symbol: Symbol, direction: int, width: int, spark_room: int = 0
) -> list[tuple[str, str]]:
    """The bar's text as (text, component class) pieces: the richest layout that fits `width`.

    Pure, so it can be fed any value: it never raises on a finite or infinite `Decimal`.
    `spark_room` is the room a sparkline needs; a labelled layout that leaves it is preferred.
    """
    layouts = _layouts(ticker, symbol, direction)
    # A sparkline is worth more than long labels (not more than the symbol's name): prefer
    # a labelled layout that leaves room for one, then the richest layout that fits.
    lengths = [sum(len(text) for text, _ in layout) for layout in layouts]
    return next(
        (
            layout
            for layout, n in zip(layouts[:2], lengths[:2], strict=True)
            if n + spark_room <= width
        ),
        next(
            (layout for layout, n in zip(layouts, lengths, strict=True) if n <= width),
            layouts[-1],
        ),
    )


def _layouts(ticker: Ticker, symbol: Symbol, direction: int) -> list[list[tuple[str, str]]]:
    """Candidate layouts of the bar, from richest to plainest."""
    with display_math():
        rose_class = (
            "ticker-bar--up"
            if ticker.rose > 0
            else "ticker-bar--down"
            if ticker.rose < 0
            else "ticker-bar--flat"
        )
    last_class = {1: "ticker-bar--up", -1: "ticker-bar--down"}.get(direction, "ticker-bar--value")
    label, value, name_class = "ticker-bar--label", "ticker-bar--value", "ticker-bar--symbol"
    arrow = {1: "▲", -1: "▼"}.get(direction, " ")
    base, quote = fmt_text(symbol.base.upper(), 12), fmt_text(symbol.quote.upper(), 12)
    name = (f" {base}/{quote} ", name_class)
    decimals = symbol.price_precision
    high = (fmt_price(ticker.high, decimals), value)
    low = (fmt_price(ticker.low, decimals), value)
    last = (f"{fmt_price(ticker.last, decimals)}{arrow}", last_class)
    rose = (f" {fmt_pct(ticker.rose)}", rose_class)
    volume = fmt_compact(ticker.vol)
    return [
        [
            name,
            last,
            rose,
            ("  24h High ", label),
            high,
            ("  Low ", label),
            low,
            ("  Vol ", label),
            (f"{volume} {base}", value),
        ],
        [
            name,
            last,
            rose,
            ("  H ", label),
            high,
            (" L ", label),
            low,
            (" V ", label),
            (volume, value),
        ],
        [
            (f" {fmt_text(symbol.name.upper(), 16)} ", name_class),
            last,
            rose,
            (" V ", label),
            (volume, value),
        ],
        [last, rose],
    ]
