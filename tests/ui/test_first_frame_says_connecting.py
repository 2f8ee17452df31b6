"""The first frame comes before any data: the panels are drawn and say they are connecting,
and they fill in when the exchange answers (it may still be starting beside the dashboard)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.ui.app import DashboardApp

if TYPE_CHECKING:
    from conftest import HostileServer

DEMO = Credentials("demo", "demo-secret")


def screen_text(app: DashboardApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_panels_say_connecting_until_the_exchange_answers(hostile: HostileServer) -> None:
    answer = asyncio.Event()

    async def slow_symbols(request: web.Request) -> web.StreamResponse:
        await answer.wait()  # an exchange still starting
        forwarded = await hostile.forward(request)
        return web.Response(body=forwarded.body, content_type="application/json")

    hostile.on("/v1/symbols", slow_symbols)
    async with RestClient(hostile.rest_url, DEMO, timeout=30.0) as rest:
        app = DashboardApp(rest, hostile.ws_url, "btcusdt", poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            first = screen_text(app)
            assert "Depth" in first and "Balances" in first
            assert first.count("connecting…") >= 4
            answer.set()
            for _ in range(500):
                if app.market.book("btcusdt", 0) is not None and app.account is not None:
                    break
                await pilot.pause(0.02)
            app.repaint_now()
            await pilot.pause()
            assert "connecting…" not in screen_text(app)
