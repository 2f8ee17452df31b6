"""Snapshot of a stale dashboard (issue 13, "stale means stop"): the ladder dimmed with
`STALE 3s disconnected` in its border, the ticker saying STALE with its fields muted, and the
form refusing Enter with the book's age. Look at the SVG: the dim must show.

The market stream is stopped (not the exchange: its reconnect messages would name a random
port) and the UI clock is set 3.4 s after the last proof the data was current, so the age is
exact and nothing arrives to change it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.server.runner import BackgroundExchange
from cdx.ui.app import DashboardApp
from pilot_wait import until

FROZEN_NOW_MS = 1_700_000_000_000


class SetClock:
    """The UI clock, set by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_stale_ladder_ticker_and_refused_enter(
    snap_compare, seeded_exchange: BackgroundExchange, settle: Callable[[Pilot], Awaitable[None]]
) -> None:
    clock = SetClock()
    rest = RestClient(
        seeded_exchange.rest_url,
        Credentials("demo", "demo-secret"),
        clock=lambda: FROZEN_NOW_MS / 1000,
    )
    app = DashboardApp(rest, seeded_exchange.ws_url, "btcusdt", clock=clock, poll_interval=3600)

    async def go_stale(pilot: Pilot) -> None:
        await settle(pilot)
        stream = app.stream
        assert stream is not None
        stream.stop()
        await until(pilot, lambda: app.market.connection == "stopped", "the stream stopped")
        current = app.market.current_at
        assert current is not None
        clock.now = current + 3.4
        await pilot.press("b", *"26950.5", "tab", *"0.25", "enter")
        app.repaint_now()
        await pilot.pause()
        assert app.ladder.has_class("-stale")

    assert snap_compare(app, terminal_size=(120, 40), run_before=go_stale)
