"""Ticker bar, trades tape and watchlist as a user sees them."""

from __future__ import annotations

from decimal import Decimal as D

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widget import Widget

from cdx.model.market import Ticker, Trade
from cdx.model.order import Side
from cdx.model.symbol import Symbol
from cdx.ui import STYLES_DIR
from cdx.ui.widgets.ticker_bar import TickerBar
from cdx.ui.widgets.trades_tape import KEEP_TRADES, TradesTape
from cdx.ui.widgets.watchlist import Watchlist

BTC = Symbol("btcusdt", "btc", "usdt", 2, 6, D("0.0001"), D("5"))
ETH = Symbol("ethusdt", "eth", "usdt", 2, 5, D("0.001"), D("5"))
T0 = 1_700_000_000_000  # 22:13:20 UTC


def ticker(last: str, rose: str, symbol: str = "btcusdt") -> Ticker:
    return Ticker(
        symbol=symbol,
        time=T0,
        open=D("26810.00"),
        high=D("27250.00"),
        low=D("26700.00"),
        last=D(last),
        vol=D("1234.567800"),
        amount=D("33210456.12"),
        rose=D(rose),
    )


def trade(n: int, side: Side = Side.BUY, price: str = "27000.50") -> Trade:
    return Trade(str(n), D(price), D("0.010000"), side, T0 + n * 1000)


class Host(App[None]):
    """Mounts one widget under the project's widget styles and records its messages."""

    CSS_PATH = STYLES_DIR / "widgets.tcss"

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_watchlist_selected(self, message: Watchlist.Selected) -> None:
        self.selected.append(message.symbol)


def style_of(text: Text, part: str) -> Style:
    """The style the rendered `text` gives to the first character of `part`."""
    start = text.plain.index(part)
    style = Style()
    for span in text.spans:
        if span.start <= start < span.end:
            style += span.style if isinstance(span.style, Style) else Style.parse(span.style)
    return style


def screen_lines(widget: Widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


# ---------------------------------------------------------------- ticker bar


async def test_ticker_shows_symbol_last_change_high_low_and_volume() -> None:
    bar = TickerBar()
    async with Host(bar).run_test(size=(120, 3)) as pilot:
        bar.show(ticker("27000.50", "0.0071"), BTC)
        await pilot.pause()
        text = bar.render().plain
        for part in ("BTC/USDT", "27,000.50", "+0.71%", "27,250.00", "26,700.00", "1.23k BTC"):
            assert part in text


async def test_ticker_last_price_is_coloured_by_its_move_and_change_by_its_sign() -> None:
    bar = TickerBar()
    async with Host(bar).run_test(size=(120, 3)) as pilot:
        up = bar.get_component_rich_style("ticker-bar--up")
        down = bar.get_component_rich_style("ticker-bar--down")
        classes = set(bar.classes)
        bar.show(ticker("27000.50", "0.0071"), BTC)
        bar.show(ticker("27001.00", "0.0072"), BTC)
        await pilot.pause()
        text = bar.render()
        assert "▲" in text.plain
        assert style_of(text, "27,001.00").color == up.color
        assert style_of(text, "+0.72%").color == up.color
        bar.show(ticker("26990.00", "-0.0031"), BTC)
        await pilot.pause()
        text = bar.render()
        assert style_of(text, "26,990.00").color == down.color
        assert style_of(text, "-0.31%").color == down.color
        # A price rising back while still below the 24 h open: last green, change red.
        bar.show(ticker("26995.00", "-0.0010"), BTC)
        await pilot.pause()
        text = bar.render()
        assert style_of(text, "26,995.00").color == up.color
        assert style_of(text, "-0.10%").color == down.color
        # The colour is chosen when drawing: no class is swapped on the widget (a swap
        # restyles it and rebuilds every component style, on every price move).
        assert set(bar.classes) == classes


def drawn_color(bar: TickerBar, part: str) -> object:
    """The colour the drawn (on-screen) line gives to the first character of `part`."""
    for segment in bar.render_line(0):
        if part in segment.text:
            return segment.style.color if segment.style else None
    raise AssertionError(f"{part!r} not drawn")


async def test_ticker_price_and_sparkline_colours_follow_the_move_and_the_theme() -> None:
    bar = TickerBar()
    app = Host(bar)
    async with app.run_test(size=(120, 3)) as pilot:
        app.theme = "textual-dark"
        bar.set_history([D(n) for n in range(30)])
        bar.show(ticker("27000.50", "0.0071"), BTC)
        bar.show(ticker("27001.00", "0.0072"), BTC)
        await pilot.pause()
        up, down = (bar.get_component_rich_style(f"ticker-bar--{n}") for n in ("up", "down"))
        assert drawn_color(bar, "27,001.00") == up.color
        assert drawn_color(bar, "█") == up.color  # the sparkline takes the move's colour
        bar.show(ticker("26990.00", "0.0071"), BTC)
        await pilot.pause()
        assert drawn_color(bar, "26,990.00") == down.color
        assert drawn_color(bar, "█") == down.color
        app.theme = "nord"
        await pilot.pause()
        light_down = bar.get_component_rich_style("ticker-bar--down").color
        assert light_down != down.color
        assert drawn_color(bar, "26,990.00") == light_down


async def test_ticker_keeps_last_and_change_when_narrow() -> None:
    bar = TickerBar()
    async with Host(bar).run_test(size=(40, 3)) as pilot:
        bar.show(ticker("27000.50", "0.0071"), BTC)
        await pilot.pause()
        line = screen_lines(bar)[0]
        assert "27,000.50" in line and "+0.71%" in line
        assert len(line) <= 40


async def test_sparkline_draws_history_and_live_closes() -> None:
    bar = TickerBar()
    async with Host(bar).run_test(size=(120, 3)) as pilot:
        bar.show(ticker("27000.50", "0.0071"), BTC)
        bar.set_history([D("1"), D("2"), D("3")], last_open_time=60)
        await pilot.pause()
        assert bar.render().plain.endswith("▁▄█")
        bar.add_close(60, D("1"))  # the same bar moved down
        assert bar.closes == (D("1"), D("2"), D("1"))
        bar.add_close(120, D("3"))  # a new bar
        assert bar.closes == (D("1"), D("2"), D("1"), D("3"))
        bar.add_close(60, D("9"))  # a late push of an older bar changes nothing
        assert bar.closes == (D("1"), D("2"), D("1"), D("3"))
        await pilot.pause()
        assert bar.render().plain.endswith("▁▄▁█")


# ---------------------------------------------------------------- trades tape


async def test_tape_shows_newest_trade_on_top_with_utc_time_price_amount() -> None:
    tape = TradesTape()
    async with Host(tape).run_test(size=(40, 6)) as pilot:
        tape.add_trades([trade(1, price="27000.00"), trade(2, price="27001.00")], BTC)
        await pilot.pause()
        text = screen_lines(tape)
        assert text[0].split() == ["Time", "Price", "Amount"]
        assert text[1].split() == ["22:13:22", "27,001.00", "0.010000"]
        assert text[2].split() == ["22:13:21", "27,000.00", "0.010000"]
        tape.add_trades([trade(3, price="26999.00")], BTC)
        await pilot.pause()
        assert screen_lines(tape)[1].split()[1] == "26,999.00"


async def test_tape_colours_price_by_taker_side() -> None:
    tape = TradesTape()
    async with Host(tape).run_test(size=(40, 6)) as pilot:
        tape.add_trades([trade(1, Side.SELL, "27000.00"), trade(2, Side.BUY, "27001.00")], BTC)
        await pilot.pause()
        buy = tape.get_component_rich_style("trades-tape--buy")
        sell = tape.get_component_rich_style("trades-tape--sell")
        assert buy.color != sell.color

        def price_style(y: int, price: str) -> Style | None:
            return next(s.style for s in tape.render_line(y) if price in s.text)

        assert price_style(1, "27,001.00").color == buy.color  # type: ignore[union-attr]
        assert price_style(2, "27,000.00").color == sell.color  # type: ignore[union-attr]


async def test_tape_keeps_the_last_hundred_and_skips_repeats() -> None:
    tape = TradesTape()
    async with Host(tape).run_test(size=(40, 6)) as pilot:
        tape.add_trades([trade(n) for n in range(150)], BTC)
        tape.add_trades([trade(149), trade(148)], BTC)
        await pilot.pause()
        assert len(tape.trades) == KEEP_TRADES
        assert [t.id for t in tape.trades[:2]] == ["149", "148"]
        assert tape.trades[-1].id == "50"


async def test_tape_reset_and_symbol_switch_start_a_fresh_tape() -> None:
    tape = TradesTape()
    async with Host(tape).run_test(size=(40, 6)) as pilot:
        tape.add_trades([trade(1)], BTC)
        tape.reset()
        await pilot.pause()
        assert tape.trades == ()
        assert screen_lines(tape)[1].strip() == ""
        tape.add_trades([trade(1)], BTC)
        tape.add_trades([trade(2, price="1800.00")], ETH)
        assert [t.id for t in tape.trades] == ["2"]


# ---------------------------------------------------------------- watchlist


async def test_watchlist_lists_symbols_with_last_and_change() -> None:
    watchlist = Watchlist()
    async with Host(watchlist).run_test(size=(40, 6)) as pilot:
        watchlist.set_symbols([BTC, ETH])
        watchlist.update_ticker(ticker("27000.50", "0.0071"))
        watchlist.update_ticker(ticker("1800.12", "-0.0123", symbol="ethusdt"))
        await pilot.pause()
        text = screen_lines(watchlist)
        assert text[0].split()[-2:] == ["27,000.50", "+0.71%"]
        assert text[1].split()[-2:] == ["1,800.12", "-1.23%"]
        assert watchlist.size.height == 2
        change = next(s.style for s in watchlist.render_line(1) if "-1.23%" in s.text)
        assert change is not None
        assert change.color == watchlist.get_component_rich_style("watchlist--down").color


async def test_watchlist_marks_the_symbol_on_screen() -> None:
    watchlist = Watchlist()
    async with Host(watchlist).run_test(size=(40, 6)) as pilot:
        watchlist.set_symbols([BTC, ETH])
        watchlist.current = "ethusdt"
        await pilot.pause()
        text = screen_lines(watchlist)
        assert text[1].startswith("▸ETHUSDT")
        assert text[0].startswith(" BTCUSDT")


async def test_watchlist_enter_selects_the_cursor_row() -> None:
    watchlist = Watchlist()
    app = Host(watchlist)
    async with app.run_test(size=(40, 6)) as pilot:
        watchlist.set_symbols([BTC, ETH])
        watchlist.focus()
        await pilot.press("down", "enter", "up", "up", "enter")
        await pilot.pause()
        assert app.selected == ["ethusdt", "btcusdt"]


async def test_ticker_at_80_columns_keeps_every_field_and_a_sparkline() -> None:
    bar = TickerBar()
    async with Host(bar).run_test(size=(80, 3)) as pilot:
        bar.show(ticker("27000.50", "0.0071"), BTC)
        bar.set_history([D(n) for n in range(50)])
        await pilot.pause()
        line = screen_lines(bar)[0]
        for part in ("BTC/USDT", "27,000.50", "+0.71%", "27,250.00", "26,700.00", "1.23k"):
            assert part in line
        assert "█" in line
        assert len(line) <= 80


async def test_watchlist_cursor_starts_at_the_symbol_on_screen() -> None:
    watchlist = Watchlist()
    app = Host(watchlist)
    async with app.run_test(size=(40, 6)) as pilot:
        watchlist.set_symbols([BTC, ETH])
        watchlist.current = "ethusdt"
        watchlist.focus()
        await pilot.press("up", "enter")
        await pilot.pause()
        assert app.selected == ["btcusdt"]
