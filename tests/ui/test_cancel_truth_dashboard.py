"""The dashboard calls an order cancelled only once the exchange shows it CANCELED.

`orders/cancel` answering `{}` means the cancel was accepted (PROTOCOL.md section 5); an order
can still fill before the cancel takes. The `hostile` front answers the cancel itself and tells
what the order became, as a busy exchange would; the user is told exactly that.
"""

from __future__ import annotations

import json
import time

from aiohttp import web
from textual.pilot import Pilot

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.client.tracker import TrackedState
from cdx.model.order import OrderType, Side
from cdx.ui.app import DashboardApp
from pilot_wait import until

SYMBOL = "btcusdt"
DEMO = Credentials("demo", "demo-secret")


async def accepted_only(request: web.Request) -> web.Response:
    """The cancel is accepted and not carried out (yet)."""
    return web.json_response({"code": "0", "msg": "suc", "data": {}})


def shown_as(hostile, status: int, name: str, *, filled: bool):
    """`showOrder` answers with the real order in another state."""

    async def handler(request: web.Request) -> web.Response:
        body = json.loads((await hostile.forward(request)).body)
        info = body["data"]["order_info"]
        info["status"], info["status_msg"] = status, name
        if filled:
            info["deal_volume"], info["avg_price"] = info["volume"], info["price"]
        return web.json_response(body)

    return handler


async def cancel_selected_order(hostile, pilot: Pilot, app: DashboardApp) -> str:
    """Rest a far bid on the exchange, wait for its row, and press `c` on it."""
    await until(pilot, lambda: app.account is not None, "the account")
    order = hostile.exchange.engine.place_order(
        "demo", SYMBOL, Side.BUY, OrderType.LIMIT, "0.010000", "20000.00", int(time.time() * 1000)
    )
    await until(pilot, lambda: app.tracker.get(order.id) is not None, "the order listed")
    app.orders_changed(select=order.id)
    app.orders.focus()
    await pilot.pause()
    await until(pilot, lambda: app.orders.selected is not None, "the order selected")
    await pilot.press("c")
    return order.id


async def test_an_order_filled_before_its_cancel_took_is_told_so(hostile) -> None:
    hostile.on("/v1/orders/cancel", accepted_only)
    hostile.on("/v1/showOrder", shown_as(hostile, 2, "FILLED", filled=True))
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, poll_interval=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            order_id = await cancel_selected_order(hostile, pilot, app)
            await until(
                pilot,
                lambda: any(n.title == "Cancel too late" for n in app.told()),
                "the cancel's end told",
            )
            said = [n.line for n in app.told()]
            assert (
                f"Cancel too late: Order {order_id} filled before the cancel: not cancelled" in said
            )
            assert not any(line.startswith("Cancelled") for line in said)
            tracked = app.tracker.get(order_id)
            assert tracked is not None and tracked.state is TrackedState.FILLED


async def test_a_cancel_the_exchange_carries_out_is_told_cancelled(hostile) -> None:
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, poll_interval=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            order_id = await cancel_selected_order(hostile, pilot, app)
            await until(
                pilot,
                lambda: f"Cancelled: Order {order_id} cancelled" in [n.line for n in app.told()],
                f"the cancel told, not {[n.line for n in app.told()]}",
            )
            assert hostile.exchange.engine.open_orders("demo", SYMBOL) == []
