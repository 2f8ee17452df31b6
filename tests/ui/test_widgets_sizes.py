"""Every widget fits whatever room the layout gives it: no crash, no line wider than the widget."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget

from cdx.client.ratelimit import Budget
from cdx.model.account import Account, Balance
from cdx.model.book import Book
from cdx.model.market import Ticker, Trade
from cdx.model.order import Side
from cdx.model.symbol import Symbol
from cdx.ui import STYLES_DIR
from cdx.ui.widgets import BalancesPanel, Ladder, StatusBar, TickerBar, TradesTape, Watchlist

BTC = Symbol("btcusdt", "btc", "usdt", 2, 6, D("0.0001"), D("5"))
TICKER = Ticker(
    "btcusdt",
    0,
    D("26810"),
    D("27250"),
    D("26700"),
    D("27000.5"),
    D("1234.5"),
    D("3e7"),
    D("0.007"),
)
BOOK = Book(
    tuple((D(27001 + n), D("1.5")) for n in range(30)),
    tuple((D(27000 - n), D("2.25")) for n in range(30)),
)


def fill_ladder(widget: Widget) -> None:
    assert isinstance(widget, Ladder)
    widget.show(BOOK, BTC, 0)


def fill_ticker(widget: Widget) -> None:
    assert isinstance(widget, TickerBar)
    widget.show(TICKER, BTC)
    widget.set_history([D(n) for n in range(100)])


def fill_tape(widget: Widget) -> None:
    assert isinstance(widget, TradesTape)
    widget.add_trades([Trade(str(n), D("27000.5"), D("0.5"), Side.BUY, n) for n in range(20)], BTC)


def fill_watchlist(widget: Widget) -> None:
    assert isinstance(widget, Watchlist)
    widget.set_symbols([BTC])
    widget.update_ticker(TICKER)
    widget.current = "btcusdt"


def fill_status(widget: Widget) -> None:
    assert isinstance(widget, StatusBar)
    widget.set_connection("reconnecting", "connection refused by 127.0.0.1")
    widget.set_data_age(12.5)
    widget.set_budgets({g: Budget(g, 1, 100, 1000) for g in ("market", "account", "order")})
    widget.set_symbol("btcusdt")
    widget.set_mode(read_only=False)


def fill_balances(widget: Widget) -> None:
    assert isinstance(widget, BalancesPanel)
    balances = (Balance("btc", D("12345.678901"), D("0.5")), Balance("usdt", D("1e6"), D(0)))
    widget.show(Account(balances), focus_coins=("btc", "usdt"))


CASES: list[tuple[type[Widget], Callable[[Widget], None]]] = [
    (Ladder, fill_ladder),
    (TickerBar, fill_ticker),
    (TradesTape, fill_tape),
    (Watchlist, fill_watchlist),
    (StatusBar, fill_status),
    (BalancesPanel, fill_balances),
]


class Host(App[None]):
    CSS_PATH = STYLES_DIR / "widgets.tcss"

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


@pytest.mark.parametrize(("size"), [(12, 5), (30, 8), (80, 24), (160, 50)])
@pytest.mark.parametrize(("kind", "fill"), CASES, ids=[kind.__name__ for kind, _ in CASES])
async def test_widget_fits_its_room(
    kind: type[Widget], fill: Callable[[Widget], None], size: tuple[int, int]
) -> None:
    widget = kind()
    async with Host(widget).run_test(size=size) as pilot:
        fill(widget)
        await pilot.pause()
        width, height = widget.size
        for y in range(height):
            assert widget.render_line(y).cell_length <= width
