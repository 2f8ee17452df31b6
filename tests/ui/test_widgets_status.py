"""Status bar and balances panel as a user sees them."""

from __future__ import annotations

from decimal import Decimal as D

from textual.app import App, ComposeResult
from textual.widget import Widget

from cdx.client.ratelimit import Budget
from cdx.client.stream import ConnectionState
from cdx.model.account import Account, Balance
from cdx.ui import STYLES_DIR
from cdx.ui.widgets.balances import BalancesPanel
from cdx.ui.widgets.status_bar import StatusBar

BUDGETS = {
    "market": Budget("market", 97, 100, 1000),
    "account": Budget("account", 1, 1, 100),
    "order": Budget("order", 5, 5, 100),
}


class Host(App[None]):
    CSS_PATH = STYLES_DIR / "widgets.tcss"

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def screen_lines(widget: Widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def status(bar: StatusBar) -> str:
    return bar.render().plain


# ---------------------------------------------------------------- status bar


async def test_status_bar_shows_connection_age_budgets_symbol_and_mode() -> None:
    bar = StatusBar()
    async with Host(bar).run_test(size=(120, 2)) as pilot:
        bar.set_connection(ConnectionState.CONNECTED)
        bar.set_data_age(0.4)
        bar.set_budgets(BUDGETS)
        bar.set_symbol("btcusdt")
        bar.set_mode(read_only=False)
        await pilot.pause()
        text = screen_lines(bar)[0]
        assert "CONNECTED" in text
        assert "data live" in text
        assert "mkt 97/100 acct 1/1 ord 5/5" in text
        assert "BTCUSDT" in text
        assert "TRADING" in text


async def test_status_bar_warns_when_data_is_older_than_one_second() -> None:
    bar = StatusBar()
    async with Host(bar).run_test(size=(120, 2)) as pilot:
        bar.set_data_age(0.9)
        await pilot.pause()
        assert "data live" in status(bar) and not bar.has_class("-stale")
        bar.set_data_age(1.1)
        await pilot.pause()
        assert "stale 1s" in status(bar) and bar.has_class("-stale")
        bar.set_data_age(17.2)
        await pilot.pause()
        assert "stale 17s" in status(bar) and bar.has_class("-stale")
        warn = bar.get_component_rich_style("status-bar--warn")
        text = bar.render()
        start = text.plain.index("stale")
        assert any(s.start <= start < s.end and s.style == warn for s in text.spans)


async def test_status_bar_says_read_only_without_keys() -> None:
    bar = StatusBar()
    async with Host(bar).run_test(size=(120, 2)) as pilot:
        bar.set_mode(read_only=True)
        await pilot.pause()
        assert "READ-ONLY" in status(bar) and "TRADING" not in status(bar)


async def test_status_bar_shows_reconnecting_with_its_reason() -> None:
    bar = StatusBar()
    async with Host(bar).run_test(size=(120, 2)) as pilot:
        bar.set_connection(ConnectionState.RECONNECTING, "connection reset")
        await pilot.pause()
        assert "RECONNECTING  connection reset" in status(bar)


async def test_narrow_status_bar_keeps_state_age_and_mode() -> None:
    bar = StatusBar()
    async with Host(bar).run_test(size=(40, 2)) as pilot:
        bar.set_connection(ConnectionState.RECONNECTING, "connection reset by peer")
        bar.set_data_age(20)
        bar.set_budgets(BUDGETS)
        bar.set_symbol("btcusdt")
        bar.set_mode(read_only=False)
        await pilot.pause()
        text = screen_lines(bar)[0]
        assert len(text) <= 40
        for part in ("RECONNECTING", "stale 20s", "TRADING"):
            assert part in text
        assert "reset by peer" not in text


# ---------------------------------------------------------------- balances


ACCOUNT = Account(
    (
        Balance("eth", D("3.25000"), D(0)),
        Balance("btc", D("0.500000"), D("0.010000")),
        Balance("ltc", D(0), D(0)),
        Balance("usdt", D("10000.00"), D("270.00")),
        Balance("ada", D("100"), D(0)),
    )
)


async def test_balances_list_the_symbols_coins_first_then_others_holding_something() -> None:
    panel = BalancesPanel()
    async with Host(panel).run_test(size=(40, 10)) as pilot:
        panel.show(ACCOUNT, focus_coins=("btc", "usdt"))
        await pilot.pause()
        text = screen_lines(panel)
        assert text[0].split() == ["Coin", "Available", "Locked"]
        assert [line.split()[0] for line in text[1:5]] == ["BTC", "USDT", "ADA", "ETH"]
        assert text[1].split() == ["BTC", "0.500000", "0.010000"]
        assert text[2].split() == ["USDT", "10,000.00", "270.00"]
        assert "LTC" not in "".join(text)
        assert panel.size.height == 5


async def test_balances_show_a_focus_coin_the_account_does_not_hold() -> None:
    panel = BalancesPanel()
    async with Host(panel).run_test(size=(40, 10)) as pilot:
        panel.show(ACCOUNT, focus_coins=("xrp", "usdt"))
        await pilot.pause()
        assert screen_lines(panel)[1].split() == ["XRP", "0", "0"]


async def test_non_zero_locked_is_highlighted() -> None:
    panel = BalancesPanel()
    async with Host(panel).run_test(size=(40, 10)) as pilot:
        panel.show(ACCOUNT, focus_coins=("btc", "usdt"))
        await pilot.pause()
        locked = panel.get_component_rich_style("balances--locked")
        zero = panel.get_component_rich_style("balances--zero")
        assert locked.color != zero.color

        def locked_colour(y: int) -> object:
            last = [s for s in panel.render_line(y) if s.text.strip()][-1]
            assert last.style is not None
            return last.style.color

        assert locked_colour(1) == locked.color  # BTC: 0.010000 locked
        assert locked_colour(3) == zero.color  # ADA: nothing locked


async def test_balances_update_when_an_order_locks_funds() -> None:
    panel = BalancesPanel()
    async with Host(panel).run_test(size=(40, 10)) as pilot:
        panel.show(ACCOUNT, focus_coins=("btc", "usdt"))
        locked = Account(
            (Balance("btc", D("0.5"), D("0.01")), Balance("usdt", D("9730"), D("540")))
        )
        panel.show(locked, focus_coins=("btc", "usdt"))
        await pilot.pause()
        assert screen_lines(panel)[2].split() == ["USDT", "9,730", "540"]
