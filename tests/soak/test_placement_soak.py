"""Bounded soak: many placements through a front that breaks answers at random, seeded.

Outside the default run (marker `soak`); run it with `python -m pytest -m soak -q`. Each
placement meets one fault chosen by a seeded generator: answered as the exchange answered,
executed and then answered with garbage, a 500, an envelope with no `order_id`, a cut
connection or an answer slower than the client's deadline; or never executed and answered with
a refusal, a 503 or a cut connection. Prices come from a small set, so identical orders are
placed again and again (the case where reconcile could claim an older order).

After every placement the test compares the outcome with what the exchange holds: a `Placed`
id is the one new order the exchange has, `NotPlaced` means no new order, and nothing stays
`Unknown` once the server answers again. The exchange must also never hold two orders for one
placement.
"""

from __future__ import annotations

import asyncio
import os
import random
from decimal import Decimal

import pytest
from aiohttp import web

from cdx.client.credentials import Credentials
from cdx.client.placement import NotPlaced, OrderRequest, Placed, Unknown, send_order, settle
from cdx.client.rest import RestClient
from cdx.model.order import OrderType, Side

pytestmark = pytest.mark.soak

ATTEMPTS = int(os.environ.get("CDX_SOAK_ATTEMPTS", "120"))
SEED = int(os.environ.get("CDX_SOAK_SEED", "20261130"))
DEADLINE_S = 0.6
"""The client's overall deadline per request; the slow fault answers after twice that."""
HORIZON_MS = 3000
"""How long after its stamp a lost placement is looked for before it counts as not placed.

Shorter than the client's default (which allows for two clocks 5 s apart): here the exchange
shares our clock and the front executes a request as it receives it, never later."""
PRICES = (Decimal("10000.00"), Decimal("10001.00"), Decimal("10002.00"))
VOLUME = Decimal("0.001000")

EXECUTED = ("clean", "garbage", "error500", "no_order_id", "cut", "slow")
NOT_EXECUTED = ("refused", "unavailable503", "lost")


def _envelope(code: str, msg: str, data: object = None) -> dict[str, object]:
    return {"code": code, "msg": msg, "data": data}


async def _cut(request: web.Request) -> web.Response:
    """Close the connection without an answer (the client sees a dropped connection)."""
    assert request.transport is not None
    request.transport.close()
    await asyncio.sleep(0.05)
    raise ConnectionResetError("cut by the soak front")


async def test_every_placement_ends_true_under_random_faults(hostile) -> None:
    rng = random.Random(SEED)
    engine = hostile.exchange.engine
    fault = "clean"

    async def order_path(request: web.Request) -> web.StreamResponse:
        if fault in NOT_EXECUTED:
            if fault == "refused":
                return web.json_response(_envelope("110005", "insufficient balance (soak)"))
            if fault == "unavailable503":
                return web.json_response(_envelope("100002", "unavailable (soak)"), status=503)
            return await _cut(request)
        answer = await hostile.forward(request)
        if fault == "garbage":
            return web.Response(status=200, body=b"<html>proxy error</html>")
        if fault == "error500":
            return web.json_response(_envelope("100001", "internal (soak)"), status=500)
        if fault == "no_order_id":
            return web.json_response(_envelope("0", "suc", {}))
        if fault == "cut":
            return await _cut(request)
        if fault == "slow":
            await asyncio.sleep(DEADLINE_S * 2)
        return web.Response(status=answer.status, body=answer.body, content_type="application/json")

    hostile.on("/v1/order", order_path)
    seen: dict[str, int] = {}
    tally: dict[str, int] = {}
    async with RestClient(
        hostile.rest_url,
        Credentials("demo", "demo-secret"),
        timeout=DEADLINE_S,
        placement_horizon_ms=HORIZON_MS,
    ) as rest:
        for attempt in range(ATTEMPTS):
            fault = rng.choice(EXECUTED + NOT_EXECUTED)
            request = OrderRequest("btcusdt", Side.BUY, OrderType.LIMIT, VOLUME, rng.choice(PRICES))
            before = {o.id for o in engine.all_orders("demo", "btcusdt", None, None)}
            outcome = await settle(rest, await send_order(rest, request))
            after = {o.id for o in engine.all_orders("demo", "btcusdt", None, None)}
            new = after - before
            where = f"attempt {attempt} ({fault}): {outcome!r}, exchange added {sorted(new)}"
            assert len(new) <= 1, f"one placement made several orders: {where}"
            match outcome:
                case Placed(order_id=order_id):
                    assert new == {order_id}, f"placed names the wrong order: {where}"
                    assert order_id not in seen, f"an id was claimed twice: {where}"
                    seen[order_id] = attempt
                case NotPlaced():
                    assert not new, f"reported not placed, but the exchange has it: {where}"
                case Unknown():
                    raise AssertionError(f"still unknown with a healthy order list: {where}")
            kind = type(outcome).__name__
            tally[f"{fault}->{kind}"] = tally.get(f"{fault}->{kind}", 0) + 1
            if fault in NOT_EXECUTED:
                assert isinstance(outcome, NotPlaced), f"never executed, yet: {where}"
            else:
                assert isinstance(outcome, Placed), f"executed, yet: {where}"
        await rest.cancel_all("btcusdt")
    print(f"soak: {ATTEMPTS} placements, seed {SEED}: {sorted(tally.items())}")
