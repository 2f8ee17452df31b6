"""What the dashboard says about the account and the link once they fail and come back.

A refused key stops trading where a trader would try it (the form, the trading keys, the
footer) with the reason, and gives it back when a later poll is accepted; an account poll that
recovers says so instead of leaving its error on the message line; the status bar never says
`data live` while the link is down. Pilots over the `hostile` front, whose answers the test
switches (`KeyGate`, and `Outage` from the stale tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from test_stale_stops_trading import DEMO, ORDER_PATH, SYMBOL, FakeClock, Outage, ready, stale
from textual.widgets import Footer, Input, Static

from cdx.client.rest import RestClient
from cdx.client.stream import ConnectionState
from cdx.ui.app import DashboardApp
from cdx.ui.widgets.message_line import MessageLine
from pilot_wait import until

if TYPE_CHECKING:
    from conftest import HostileServer

REFUSAL = "sign does not match the parameters; check the api secret"


class KeyGate:
    """The front refuses the account poll as a wrong secret would (`100005`) while `refused`."""

    def __init__(self, hostile: HostileServer) -> None:
        self.hostile = hostile
        self.refused = False
        hostile.on("/v1/account", self._account)

    async def _account(self, request: web.Request) -> web.StreamResponse:
        if self.refused:
            return web.json_response({"code": "100005", "msg": REFUSAL, "data": None})
        answer = await self.hostile.forward(request)
        return web.Response(status=answer.status, body=answer.body, content_type="application/json")


def text_of(app: DashboardApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


def line_of(app: DashboardApp, widget: object) -> str:
    """The terminal row a one-line widget is drawn on, as the user reads it."""
    y = widget.region.y  # type: ignore[attr-defined]
    return app.screen._compositor.render_strips()[y].text


def message(app: DashboardApp) -> str:
    shown = app.query_one(MessageLine).shown
    return shown.line if shown is not None else ""


async def test_a_refused_key_stops_trading_with_the_reason_until_a_poll_is_accepted(
    hostile: HostileServer,
) -> None:
    gate = KeyGate(hostile)
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app)
            footer = app.query_one(Footer)
            assert "Buy" in line_of(app, footer)
            await pilot.press("B", *"100")  # a market buy typed, not yet sent
            gate.refused = True
            await until(pilot, lambda: "KEY REFUSED" in line_of(app, app.status_bar), "refused")
            await until(
                pilot, lambda: "key refused" in text_of(app, "#form-available"), "form says so"
            )
            assert "loading" not in text_of(app, "#form-available")

            await pilot.press("enter")
            await pilot.pause()
            assert not app.confirm.is_open
            assert "refused" in text_of(app, "#form-message")
            assert ("POST", ORDER_PATH) not in hostile.requests

            await pilot.press("escape", "b")
            await pilot.pause()
            assert not app.form.has_focus_within
            assert "key refused" in message(app).lower() and "sign does not match" in message(app)
            assert "Buy" not in line_of(app, footer)

            # The key is fixed on the exchange's side: the next accepted poll gives trading back.
            gate.refused = False
            await until(pilot, lambda: "TRADING" in line_of(app, app.status_bar), "trading")
            await until(pilot, lambda: "Buy" in line_of(app, footer), "trading keys back")
            assert "refused" not in text_of(app, "#form-available")
            await pilot.press("B")
            assert app.focused is app.query_one("#amount", Input)


async def test_an_account_poll_that_recovers_says_so_on_the_message_line(
    hostile: HostileServer,
) -> None:
    outage = Outage(hostile)
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app)
            await outage.off(stream=False)
            await until(pilot, lambda: "Account update failed" in message(app), "the error")
            outage.on()
            await until(pilot, lambda: "Account updates back" in message(app), "recovery said")
            assert "failed" not in line_of(app, app.query_one(MessageLine))


async def test_status_bar_never_says_data_live_while_the_link_is_down(
    hostile: HostileServer,
) -> None:
    outage = Outage(hostile)
    clock = FakeClock()  # frozen: the data's age alone never goes stale here
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, clock=clock, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app)
            assert "data live" in line_of(app, app.status_bar)
            await outage.off()
            await until(pilot, lambda: stale(app), "ladder and ticker STALE")
            await until(
                pilot,
                lambda: (
                    app.market.connection is not ConnectionState.CONNECTED
                    and "CONNECTED" not in line_of(app, app.status_bar).replace("RECONNECTING", "")
                ),
                "the status bar says the link is down",
            )
            status = line_of(app, app.status_bar)
            assert "data live" not in status and "stale" in status, status
            outage.on()
            clock.now += 0.01  # anything heard from now on is fresh
            await until(pilot, lambda: "data live" in line_of(app, app.status_bar), "live again")
