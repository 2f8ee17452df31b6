"""Order truth under a hostile server: every way a placement can end is exactly one outcome.

Each case breaks `/v1/order` (or the baseline read) one way on the `hostile` front over a real,
seeded exchange, places one order with `send_order`, settles it, and checks two things: the
outcome, and that the exchange holds exactly the orders the outcome claims (no duplicate, no
false success, no executed order reported as failed). Deadlines and the placement horizon are
short so every case ends in well under a second; nothing sleeps a fixed time in the client.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest
from aiohttp import web

from cdx.client.credentials import Credentials
from cdx.client.placement import (
    NotPlaced,
    OrderRequest,
    Outcome,
    Placed,
    Unknown,
    send_order,
    settle,
)
from cdx.client.rest import RestClient
from cdx.model.order import OrderType, Side

DEMO = Credentials("demo", "demo-secret")
FAR_BID = Decimal("20000.00")  # far below the btcusdt market: rests without filling
ORDER = OrderRequest("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), FAR_BID)
DEADLINE_S = 0.5
"""Short, but with room for a loaded machine to answer a clean request in time."""
IMPATIENT_S = 0.25
HORIZON_MS = 400
"""Short in tests; the real one covers the server's 5 s time window (see rest.py)."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def rest(hostile):
    async with RestClient(
        hostile.rest_url, DEMO, timeout=DEADLINE_S, placement_horizon_ms=HORIZON_MS
    ) as client:
        yield client


def open_ids(hostile) -> list[str]:
    return [o.id for o in hostile.exchange.engine.open_orders("demo", "btcusdt")]


def envelope(code: str = "0", data: object = None, msg: str = "suc") -> bytes:
    return json.dumps({"code": code, "msg": msg, "data": data}).encode()


def passthrough(hostile) -> Handler:
    """Answer as the exchange does (undo an earlier `hostile.on`)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        answer = await hostile.forward(request)
        return web.Response(status=answer.status, body=answer.body, content_type="application/json")

    return handler


async def place_and_settle(rest: RestClient) -> tuple[Outcome, Outcome]:
    first = await send_order(rest, ORDER)
    settled = await settle(rest, first)
    for outcome in (first, settled):
        text = repr(outcome)
        assert DEMO.secret not in text and "sign=" not in text  # no secret, no signed query
    return first, settled


# Answers given after the exchange executed the order: the outcome must be Unknown, and
# reconcile must find the one order (never a second one).


def executed_then(answer: Callable[[web.Request], Awaitable[web.StreamResponse]], hostile):
    async def handler(request: web.Request) -> web.StreamResponse:
        await hostile.forward(request)
        return await answer(request)

    return handler


async def garbage(_: web.Request) -> web.StreamResponse:
    return web.Response(status=200, body=b"\x00\xff\x13garbage")


async def not_json(_: web.Request) -> web.StreamResponse:
    return web.Response(status=200, text="<html>order received</html>", content_type="text/html")


async def json_not_envelope(_: web.Request) -> web.StreamResponse:
    return web.Response(status=200, body=b'{"ok": true, "id": 5}', content_type="application/json")


async def no_order_id(_: web.Request) -> web.StreamResponse:
    return web.Response(status=200, body=envelope(data={}), content_type="application/json")


async def bad_order_id(_: web.Request) -> web.StreamResponse:
    return web.Response(
        status=200, body=envelope(data={"order_id": "12a"}), content_type="application/json"
    )


async def non_ascii_order_id(_: web.Request) -> web.StreamResponse:
    body = envelope(data={"order_id": "\u0661\u0662\u0663"})  # Arabic-Indic digits
    return web.Response(status=200, body=body, content_type="application/json")


async def absurd_order_id(_: web.Request) -> web.StreamResponse:
    body = envelope(data={"order_id": "9" * 100_000})
    return web.Response(status=200, body=body, content_type="application/json")


async def null_data(_: web.Request) -> web.StreamResponse:
    return web.Response(status=200, body=envelope(data=None), content_type="application/json")


async def internal_500(_: web.Request) -> web.StreamResponse:
    return web.Response(
        status=500, body=envelope("100001", msg="internal error"), content_type="application/json"
    )


async def bare_500(_: web.Request) -> web.StreamResponse:
    return web.Response(status=500, text="Internal Server Error")


async def unavailable_503(_: web.Request) -> web.StreamResponse:
    return web.Response(
        status=503, body=envelope("100002", msg="unavailable"), content_type="application/json"
    )


async def bad_gateway_502(_: web.Request) -> web.StreamResponse:
    return web.Response(status=502, text="<html>bad gateway</html>", content_type="text/html")


async def success_envelope_with_500(_: web.Request) -> web.StreamResponse:
    return web.Response(
        status=500, body=envelope(data={"order_id": "1"}), content_type="application/json"
    )


async def unknown_code(_: web.Request) -> web.StreamResponse:
    return web.Response(
        status=200, body=envelope("999999", msg="?"), content_type="application/json"
    )


async def silent(_: web.Request) -> web.StreamResponse:
    await asyncio.sleep(10 * DEADLINE_S)  # the client's deadline ends it first
    raise AssertionError("unreachable")


async def cut(request: web.Request) -> web.StreamResponse:
    assert request.transport is not None
    request.transport.abort()
    return web.Response(text="never sent")


async def trickle(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    await response.prepare(request)
    for byte in b'{"code":"0","msg":"suc","data":{"order_id":"9999"}}':
        await response.write(bytes([byte]))
        await asyncio.sleep(0.05)
    return response


EXECUTED_THEN_LOST = {
    "200-garbage": garbage,
    "200-not-json": not_json,
    "200-json-not-envelope": json_not_envelope,
    "200-no-order_id": no_order_id,
    "200-malformed-order_id": bad_order_id,
    "200-null-data": null_data,
    "200-absurd-order_id": absurd_order_id,
    "200-non-ascii-digit-order_id": non_ascii_order_id,
    "500-envelope": internal_500,
    "500-bare": bare_500,
    "503-envelope": unavailable_503,
    "502-html": bad_gateway_502,
    "500-success-envelope": success_envelope_with_500,
    "200-unknown-code": unknown_code,
    "timeout-after-execution": silent,
    "connection-cut-after-execution": cut,
    "body-trickles-past-deadline": trickle,
}


@pytest.mark.parametrize("fault", sorted(EXECUTED_THEN_LOST))
async def test_an_executed_order_whose_answer_is_broken_is_unknown_then_found(
    hostile, rest, fault: str
) -> None:
    hostile.on("/v1/order", executed_then(EXECUTED_THEN_LOST[fault], hostile))
    first, settled = await place_and_settle(rest)
    assert isinstance(first, Unknown), first
    assert "may or may not have been placed" in first.reason
    assert isinstance(settled, Placed), settled
    assert open_ids(hostile) == [settled.order_id]  # the one order, never resent


@pytest.mark.parametrize("fault", ["503-envelope", "500-bare", "connection-cut", "timeout"])
async def test_an_order_lost_before_execution_is_unknown_then_not_placed(
    hostile, rest, fault: str
) -> None:
    answers: dict[str, Handler] = {
        "503-envelope": unavailable_503,
        "500-bare": bare_500,
        "connection-cut": cut,
        "timeout": silent,
    }
    hostile.on("/v1/order", answers[fault])
    first, settled = await place_and_settle(rest)
    assert isinstance(first, Unknown), first
    assert isinstance(settled, NotPlaced), settled
    assert open_ids(hostile) == []


async def test_a_lost_order_identical_to_an_earlier_one_is_never_reported_as_it(
    hostile, rest
) -> None:
    earlier = await send_order(rest, ORDER)
    assert isinstance(earlier, Placed)
    hostile.on("/v1/order", cut)  # the second, identical request never reaches the exchange
    first, settled = await place_and_settle(rest)
    assert isinstance(first, Unknown)
    assert first.lost.baseline is not None
    assert first.lost.baseline.newest_id == earlier.order_id
    assert isinstance(settled, NotPlaced), settled  # not Placed(earlier.order_id)
    assert open_ids(hostile) == [earlier.order_id]


async def test_an_executed_order_identical_to_an_earlier_one_is_found_as_the_new_one(
    hostile, rest
) -> None:
    earlier = await send_order(rest, ORDER)
    assert isinstance(earlier, Placed)
    hostile.on("/v1/order", executed_then(garbage, hostile))
    _, settled = await place_and_settle(rest)
    assert isinstance(settled, Placed)
    assert settled.order_id != earlier.order_id
    assert sorted(open_ids(hostile)) == sorted([earlier.order_id, settled.order_id])


async def test_without_a_baseline_a_matching_order_stays_unknown(hostile, rest) -> None:
    hostile.on("/v1/allOrders", garbage)  # the baseline cannot be read ...
    hostile.on("/v1/order", executed_then(garbage, hostile))  # ... and the answer is lost
    first = await send_order(rest, ORDER)
    assert isinstance(first, Unknown)
    assert first.lost.baseline is None
    hostile.on("/v1/allOrders", passthrough(hostile))  # the exchange answers again
    settled = await settle(rest, first)
    assert isinstance(settled, Unknown), settled  # a match, but it could be an older order
    assert "may predate the send" in settled.reason
    assert len(open_ids(hostile)) == 1


async def test_without_a_baseline_absence_is_still_proof(hostile, rest) -> None:
    hostile.on("/v1/allOrders", garbage)
    hostile.on("/v1/order", cut)
    first = await send_order(rest, ORDER)
    hostile.on("/v1/allOrders", passthrough(hostile))
    assert isinstance(await settle(rest, first), NotPlaced)
    assert open_ids(hostile) == []


async def test_a_request_still_in_flight_at_reconcile_is_waited_for(hostile) -> None:
    """The server holds the request past the client's deadline and only then executes it:
    reconcile must not call it absent before the request can no longer execute."""

    async def late(request: web.Request) -> web.StreamResponse:
        await request.read()  # the whole request arrived; the client then gives up waiting
        await asyncio.sleep(IMPATIENT_S + 0.15)
        await hostile.forward(request)
        return await garbage(request)

    hostile.on("/v1/order", late)
    async with RestClient(
        hostile.rest_url, DEMO, timeout=IMPATIENT_S, placement_horizon_ms=800
    ) as rest:
        first, settled = await place_and_settle(rest)
    assert isinstance(first, Unknown)
    assert isinstance(settled, Placed), settled
    assert open_ids(hostile) == [settled.order_id]


async def test_settle_without_waiting_leaves_a_young_order_unknown(hostile) -> None:
    hostile.on("/v1/order", cut)
    async with RestClient(hostile.rest_url, DEMO, timeout=DEADLINE_S) as rest:  # real horizon
        first = await send_order(rest, ORDER)
        later = await settle(rest, first, wait=False)
    assert isinstance(later, Unknown)
    assert "could still execute" in later.reason


async def test_reconcile_that_cannot_ask_the_exchange_stays_unknown(hostile, rest) -> None:
    hostile.on("/v1/order", executed_then(garbage, hostile))
    first = await send_order(rest, ORDER)
    hostile.on("/v1/allOrders", bare_500)
    settled = await settle(rest, first)
    assert isinstance(settled, Unknown)
    assert "checking failed" in settled.reason
    assert len(open_ids(hostile)) == 1


# Well-formed refusals: NotPlaced at once, and nothing in the book.


async def test_a_refusal_envelope_is_not_placed(hostile, rest) -> None:
    huge = OrderRequest("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("100000"), FAR_BID)
    outcome = await send_order(rest, huge)  # the real exchange refuses: balance
    assert isinstance(outcome, NotPlaced), outcome
    assert "insufficient" in outcome.reason
    assert open_ids(hostile) == []


async def test_a_precision_refusal_is_not_placed(hostile, rest) -> None:
    odd = OrderRequest("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal("1.001"))
    assert isinstance(await send_order(rest, odd), NotPlaced)
    assert open_ids(hostile) == []


@pytest.mark.parametrize("status", [413, 414, 431])
async def test_an_http_layer_refusal_is_not_placed(hostile, rest, status: int) -> None:
    async def refuse(_: web.Request) -> web.StreamResponse:
        return web.Response(status=status, text="too large")

    hostile.on("/v1/order", refuse)
    outcome = await send_order(rest, ORDER)
    assert isinstance(outcome, NotPlaced), outcome
    assert str(status) in outcome.reason
    assert open_ids(hostile) == []


async def test_a_persistent_rate_limit_is_not_placed(hostile, rest) -> None:
    async def too_many(_: web.Request) -> web.StreamResponse:
        return web.Response(
            status=429,
            body=envelope("100009", msg="too many"),
            content_type="application/json",
            headers={"X-RateLimit-Retry-After-Ms": "5"},
        )

    hostile.on("/v1/order", too_many)
    assert isinstance(await send_order(rest, ORDER), NotPlaced)
    assert open_ids(hostile) == []


async def test_an_unreachable_server_is_not_placed(hostile) -> None:
    async with RestClient("http://127.0.0.1:9", DEMO, timeout=DEADLINE_S) as rest:
        outcome = await send_order(rest, ORDER)
    assert isinstance(outcome, NotPlaced), outcome
    assert open_ids(hostile) == []


async def test_a_clean_success_is_placed_without_reconcile(hostile, rest) -> None:
    outcome = await send_order(rest, ORDER)
    assert isinstance(outcome, Placed)
    assert await settle(rest, outcome) is outcome
    assert open_ids(hostile) == [outcome.order_id]


async def test_a_baseline_page_missing_an_entry_is_no_baseline(hostile, rest) -> None:
    """The gate skips a malformed order; if that was the newest, the baseline would be too old
    and an earlier identical order could be claimed. So a short baseline page is no baseline."""
    earlier = await send_order(rest, ORDER)
    assert isinstance(earlier, Placed)

    async def newest_malformed(request: web.Request) -> web.StreamResponse:
        answer = (await hostile.forward(request)).json()
        answer["data"]["orderList"][0]["status"] = 99
        return web.Response(body=json.dumps(answer).encode(), content_type="application/json")

    hostile.on("/v1/allOrders", newest_malformed)
    hostile.on("/v1/order", cut)
    first = await send_order(rest, ORDER)
    assert isinstance(first, Unknown)
    assert first.lost.baseline is None
    hostile.on("/v1/allOrders", passthrough(hostile))
    settled = await settle(rest, first)
    assert isinstance(settled, Unknown), settled  # never Placed(earlier.order_id)
    assert open_ids(hostile) == [earlier.order_id]


@pytest.mark.parametrize("volume", ["1e999999999", "-0.01", "0", "NaN", "1e-40"])
async def test_an_impossible_amount_is_not_placed_and_never_formatted(
    hostile, rest, volume: str
) -> None:
    odd = OrderRequest("btcusdt", Side.BUY, OrderType.LIMIT, Decimal(volume), FAR_BID)
    outcome = await send_order(rest, odd)
    assert isinstance(outcome, NotPlaced), outcome
    assert ("POST", "/v1/order") not in hostile.requests
    assert open_ids(hostile) == []


async def test_a_success_naming_an_order_older_than_the_send_is_unknown(hostile, rest) -> None:
    earlier = await send_order(rest, ORDER)
    assert isinstance(earlier, Placed)

    async def stale(request: web.Request) -> web.StreamResponse:
        await hostile.forward(request)
        body = envelope(data={"order_id": earlier.order_id})
        return web.Response(body=body, content_type="application/json")

    hostile.on("/v1/order", stale)
    first, settled = await place_and_settle(rest)
    assert isinstance(first, Unknown), first
    assert "existed before the send" in first.reason
    assert isinstance(settled, Placed) and settled.order_id != earlier.order_id
    assert sorted(open_ids(hostile)) == sorted([earlier.order_id, settled.order_id])
