"""The message line, the status bar and the panel cycle at widths where text does not fit:
shortened with a mark, never silently cut, and the whole text kept for `?`."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widget import Widget

from cdx.client.stream import ConnectionState
from cdx.ui import STYLES_DIR
from cdx.ui.panel_views import SHOW_BALANCES, SHOW_SIDE, SHOW_WATCHLIST, next_view
from cdx.ui.widgets.message_line import MessageLine
from cdx.ui.widgets.status_bar import StatusBar

LONG_REASON = "connection reset by peer while reading the depth snapshot of btcusdt from the server"


class Host(App[None]):
    CSS_PATH = STYLES_DIR / "widgets.tcss"

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


async def test_a_long_message_is_shortened_with_a_pointer_to_help() -> None:
    line = MessageLine(clock=lambda: 0.0)
    async with Host(line).run_test(size=(60, 3)) as pilot:
        line.post("error", "Order not placed", "insufficient balance: " + "x" * 80)
        await pilot.pause()
        shown = line.render_line(0).text.rstrip()
        assert len(shown) <= 60 and shown.endswith("… (? more)")
        assert line.cut and line.has_class("-error")
        assert line.notices.recent()[0].text.endswith("x" * 80)  # whole, for `?`


async def test_a_repeated_message_is_counted_not_listed_again() -> None:
    line = MessageLine(clock=lambda: 0.0)
    async with Host(line).run_test(size=(80, 3)) as pilot:
        line.post("warning", "Account update failed", "timed out")
        line.post("warning", "Account update failed", "timed out")
        await pilot.pause()
        assert "timed out  ×2" in line.render_line(0).text
        assert len(line.notices.recent()) == 1


async def test_a_long_status_reason_is_shortened_and_kept_whole_for_help() -> None:
    bar = StatusBar()
    async with Host(bar).run_test(size=(80, 2)) as pilot:
        bar.set_connection(ConnectionState.RECONNECTING, LONG_REASON)
        bar.set_data_age(3)
        bar.set_mode(read_only=False)
        await pilot.pause()
        text = bar.render_line(0).text.rstrip()
        assert len(text) <= 80
        assert "RECONNECTING  connection reset" in text and "…" in text
        assert text.endswith("TRADING")
        assert ("Connection", f"reconnecting {LONG_REASON}") in bar.full_texts()


async def test_a_refused_key_replaces_trading_in_the_status_bar() -> None:
    bar = StatusBar()
    async with Host(bar).run_test(size=(80, 2)) as pilot:
        bar.set_mode(read_only=False, refused="signature rejected")
        await pilot.pause()
        text = bar.render_line(0).text
        assert "KEY REFUSED" in text and "TRADING" not in text
        assert ("Mode", "KEY REFUSED: signature rejected") in bar.full_texts()


def test_v_cycles_only_what_is_hidden_at_the_size() -> None:
    none: frozenset[str] = frozenset()
    assert next_view(none, narrow=False, short=False) is None  # everything fits
    assert next_view(none, narrow=False, short=True) == {SHOW_WATCHLIST}
    assert next_view(frozenset({SHOW_WATCHLIST}), narrow=False, short=True) == {SHOW_BALANCES}
    assert next_view(frozenset({SHOW_BALANCES}), narrow=False, short=True) == none
    at_80x24 = [none]
    for _ in range(4):
        at_80x24.append(next_view(at_80x24[-1], narrow=True, short=True))
    assert at_80x24 == [none, {SHOW_SIDE}, {SHOW_SIDE, SHOW_WATCHLIST}, {SHOW_BALANCES}, none]
    # A view left from another size starts the cycle over instead of getting stuck.
    assert next_view(frozenset({SHOW_WATCHLIST}), narrow=True, short=True) == {SHOW_SIDE}
