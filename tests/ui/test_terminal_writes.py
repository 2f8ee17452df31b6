"""What the dashboard writes to the terminal: nothing while nothing changes, and only the cells
that did when something does (cdx runs over SSH and stays open all day)."""

from __future__ import annotations

from decimal import Decimal as D

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot

from cdx.client.rest import RestClient
from cdx.model.book import Book, Level
from cdx.model.symbol import Symbol
from cdx.server.runner import RunningExchange
from cdx.ui import STYLES_DIR
from cdx.ui.app import DashboardApp
from cdx.ui.widgets.ladder import Ladder
from cdx.ui.widgets.ladder_layout import bar_scale
from pilot_wait import until

SYMBOL = "btcusdt"

BTC = Symbol("btcusdt", "btc", "usdt", 2, 6, D("0.0001"), D("5"))
ASKS: tuple[Level, ...] = (
    (D("27001.13"), D("0.250000")),
    (D("27001.50"), D("1.000000")),
    (D("27002.00"), D("0.500000")),
)
BIDS: tuple[Level, ...] = (
    (D("27000.99"), D("1.000000")),
    (D("27000.50"), D("0.300000")),
    (D("26999.00"), D("4.000000")),
    (D("26998.00"), D("5.000000")),
)


class FakeClock:
    """The app's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class LadderApp(App[None]):
    CSS_PATH = STYLES_DIR / "widgets.tcss"

    def compose(self) -> ComposeResult:
        yield Ladder()


def lines(ladder: Ladder) -> list[str]:
    return [ladder.render_line(y).text for y in range(ladder.size.height)]


def spy_refreshes(ladder: Ladder) -> list[Region]:
    """Record every region the ladder asks to repaint (the whole widget as its region)."""
    repainted: list[Region] = []
    original = ladder.refresh

    def spy(*regions: Region, **kwargs: bool) -> Ladder:
        repainted.extend(regions or [ladder.size.region])
        return original(*regions, **kwargs)

    ladder.refresh = spy  # type: ignore[method-assign]
    return repainted


async def test_one_changed_level_repaints_only_the_cells_whose_text_changed() -> None:
    """The best bid's amount changes: its row and the cumulative totals below it change, so
    those cells are written; the asks, the prices and the unchanged bars are not."""
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(Book(ASKS, BIDS), BTC, 0)
        await pilot.pause()
        before = lines(ladder)
        repainted = spy_refreshes(ladder)
        bids = ((D("27000.99"), D("1.200000")), *BIDS[1:])
        ladder.show(Book(ASKS, bids), BTC, 0)
        after = lines(ladder)
        changed = {
            (x, y)
            for y, (was, now) in enumerate(zip(before, after, strict=True))
            for x, (a, b) in enumerate(zip(was, now, strict=True))
            if a != b
        }
        assert changed, "the amount and the totals below it are drawn anew"
        assert {region.y for region in repainted} == {y for _, y in changed}
        assert all(any(region.contains(x, y) for region in repainted) for x, y in changed), (
            "every changed cell is repainted"
        )
        written = sum(region.width for region in repainted)
        assert written < len(changed) * 3, "spans stay close to the changed cells"
        prices = {after[y].index("27,0") for _, y in changed if "27,0" in after[y]}
        assert all(region.x > min(prices) + 8 for region in repainted), "prices not rewritten"


def test_the_bar_scale_holds_while_the_deepest_total_fits() -> None:
    """Bars are drawn against a round scale that a breathing book does not move, so one
    changed level does not redraw every bar."""
    assert bar_scale(D("1.707021")) == D(2)
    assert bar_scale(D("1.75"), D(2)) == D(2)  # deepest moved, scale held
    assert bar_scale(D("0.9"), D(2)) == D(2)
    assert bar_scale(D("2.1"), D(2)) == D(5)  # outgrown: the next round number
    assert bar_scale(D("0.5"), D(2)) == D("0.5")  # far below: rescaled down


async def settle(pilot: Pilot, app: DashboardApp, writes: list[object], what: str) -> None:
    """Wait until a few repaint rounds in a row write nothing (history and tickers landed)."""
    quiet = 0

    def quiet_rounds() -> bool:
        nonlocal quiet
        seen = len(writes)
        app.repaint_now()
        quiet = quiet + 1 if len(writes) == seen else 0
        return quiet >= 5

    await until(pilot, quiet_rounds, what)


async def test_an_idle_dashboard_writes_nothing_while_time_passes(
    exchange: RunningExchange,
) -> None:
    """A frozen market with a live link: ten repaint ticks of a second's worth of time go by
    and not one byte goes to the terminal (the age said `data 0.1s`, `0.2s`... before); when
    the link goes quiet past the stale rule, the status bar is written again."""
    clock = FakeClock()
    async with RestClient(exchange.rest_url) as rest:
        # No account polls after the first: each one moves the rate-budget counters in the
        # status bar (a real write, not idle repainting), at real-time moments.
        app = DashboardApp(rest, exchange.ws_url, SYMBOL, clock=clock, poll_interval=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            writes: list[object] = []
            display = app._display

            def counting_display(screen: object, renderable: object) -> None:
                if renderable is not None:
                    writes.append(renderable)
                display(screen, renderable)  # type: ignore[arg-type]

            app._display = counting_display  # type: ignore[method-assign]
            await until(
                pilot,
                lambda: app.market.book(SYMBOL, app.step) is not None and app.tape.trades,
                "the book and the tape",
            )
            await settle(pilot, app, writes, "the screen to settle")
            assert "data live" in app.status_bar.render().plain
            writes.clear()
            for _ in range(10):
                clock.now += 0.09  # a repaint tick's worth, on the app's clock
                app.repaint_now()
                await pilot.pause()
            assert writes == []
            clock.now += 5.0  # silence: the stale rule must still show
            app.repaint_now()
            # Read before the pause: a heartbeat handled during it proves the data current
            # again (as it should), which would hide what this repaint said.
            assert "stale" in app.status_bar.render().plain
            await pilot.pause()
            assert writes, "the stale age is written"
