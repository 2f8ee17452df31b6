"""A key answers in the next frame whatever the network does: with every account and order
request stalled, Enter shows the dialog and the confirming Enter the pending row.

The hostile front (tests/conftest.py) holds the stalled requests forever; the screen is read
from Textual's compositor, as the user would read the terminal, after a single frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
from aiohttp import web
from textual.pilot import Pilot
from textual.widgets import Input

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.ui.app import DashboardApp

if TYPE_CHECKING:
    from conftest import HostileServer

DEMO = Credentials("demo", "demo-secret")
STALLED = ("/v1/order", "/v1/account", "/v1/openOrders", "/v1/allOrders")


async def stall(request: web.Request) -> web.StreamResponse:
    """A server that never answers (until the test ends and the front closes)."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


@pytest.fixture
async def app(hostile: HostileServer) -> AsyncIterator[DashboardApp]:
    async with RestClient(hostile.rest_url, DEMO, timeout=30.0) as rest:
        yield DashboardApp(rest, hostile.ws_url, "btcusdt", poll_interval=0.2)


def screen_text(app: DashboardApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def loaded(app: DashboardApp, pilot: Pilot) -> None:
    for _ in range(500):
        if app.symbol is not None and app.account is not None:
            return
        await pilot.pause(0.02)
    raise AssertionError("the dashboard did not load")


async def test_dialog_and_pending_row_show_in_one_frame_with_the_network_stalled(
    app: DashboardApp, hostile: HostileServer
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        for path in STALLED:
            hostile.on(path, stall)
        await pilot.press("b", "ctrl+u", *"20000", "tab", *"0.01")
        await pilot.press("enter")  # waits for one idle frame, no more
        assert app.confirm.is_open
        assert "Place order?" in screen_text(app)
        await pilot.press("enter")
        assert not app.confirm.is_open
        text = screen_text(app)
        assert "20,000.00" in text and "pending" in text


async def test_next_order_typed_while_the_last_is_placed_keeps_its_amount(
    app: DashboardApp, hostile: HostileServer
) -> None:
    release = asyncio.Event()

    async def held(request: web.Request) -> web.StreamResponse:
        await release.wait()
        forwarded = await hostile.forward(request)
        return web.Response(body=forwarded.body, content_type="application/json")

    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app, pilot)
        hostile.on("/v1/order", held)
        await pilot.press("b", "ctrl+u", *"20000", "tab", *"0.01", "enter", "enter")
        await pilot.press("b", "ctrl+u", *"20001", "tab", *"0.02")
        release.set()
        for _ in range(500):
            if any(order.order_id for order in app.tracker.all()):
                break
            await pilot.pause(0.02)
        await pilot.pause()
        assert app.query_one("#amount", Input).value == "0.02"
