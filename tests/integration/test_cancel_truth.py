"""An accepted cancel is not a cancelled order (PROTOCOL.md section 5: `orders/cancel` answers
`{}` when the cancel is accepted; PENDING_CANCEL is not final and the order may still fill).

`cdx cancel` says `cancelled order N` only once the exchange shows the order CANCELED. The
hostile front (tests/conftest.py) answers the cancel itself and tells what the order became,
as a slow or busy exchange would; the embedded exchange behind it holds the order.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from cdx import cli
from cdx.client import cancellation
from cdx.client.cancellation import CancelEnd, confirm_cancel
from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient

SYMBOL = "btcusdt"
CANCEL = "/v1/orders/cancel"
SHOW = "/v1/showOrder"


@pytest.fixture(autouse=True)
def demo_keys(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("CDX_API_KEY", "demo")
    monkeypatch.setenv("CDX_API_SECRET", "demo-secret")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def cdx(hostile, capsys: pytest.CaptureFixture[str]):
    async def run(command: str, *argv: str) -> tuple[int, str, str]:
        args = [command, "--rest-url", hostile.rest_url, *argv]
        code = await asyncio.to_thread(cli.main, args)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


async def resting_bid(cdx) -> str:
    code, out, err = await cdx(
        "place", "--symbol", SYMBOL, "--side", "buy", "--type", "limit",
        "--volume", "0.01", "--price", "20000.00", "--yes", "--json",
    )  # fmt: skip
    assert code == 0, err
    return json.loads(out)["order_id"]


async def accepted_only(request: web.Request) -> web.Response:
    """The cancel is accepted and not (yet) carried out: the order stays as it was."""
    return web.json_response({"code": "0", "msg": "suc", "data": {}})


def showing(hostile, status: int, name: str, *, filled: bool = False, times: int | None = None):
    """Answer `showOrder` with the real order in another state (`times` answers, then the
    truth)."""
    left = [times]

    async def handler(request: web.Request) -> web.Response:
        answer = await hostile.forward(request)
        if left[0] is not None:
            if left[0] <= 0:
                return web.Response(body=answer.body, content_type="application/json")
            left[0] -= 1
        body = json.loads(answer.body)
        info = body["data"]["order_info"]
        info["status"], info["status_msg"] = status, name
        if filled:
            info["deal_volume"] = info["volume"]
            info["avg_price"] = info["price"]
        return web.json_response(body)

    return handler


async def test_an_order_filled_before_its_cancel_took_is_not_reported_cancelled(
    hostile, cdx
) -> None:
    order_id = await resting_bid(cdx)
    hostile.on(CANCEL, accepted_only)
    hostile.on(SHOW, showing(hostile, 2, "FILLED", filled=True))
    code, out, err = await cdx("cancel", "--symbol", SYMBOL, order_id)
    assert code == 1
    assert "cancelled order" not in out
    assert f"order {order_id} filled before the cancel" in err


async def test_a_pending_cancel_is_waited_for_until_the_order_is_cancelled(hostile, cdx) -> None:
    order_id = await resting_bid(cdx)
    hostile.on(SHOW, showing(hostile, 5, "PENDING_CANCEL", times=2))
    code, out, _ = await cdx("cancel", "--symbol", SYMBOL, order_id)
    assert (code, out.strip()) == (0, f"cancelled order {order_id}")
    assert hostile.requests.count(("POST", SHOW)) == 3  # pending, pending, cancelled


async def test_a_cancel_never_carried_out_is_unknown_within_the_deadline(
    hostile, cdx, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(cancellation.confirm_cancel.__kwdefaults__, "deadline_s", 0.5)
    order_id = await resting_bid(cdx)
    hostile.on(CANCEL, accepted_only)
    code, out, err = await cdx("cancel", "--symbol", SYMBOL, order_id)
    assert code == 3
    assert "cancelled order" not in out
    assert f"cancel of order {order_id} accepted, not final yet (still NEW)" in err
    assert order_id in [o.id for o in hostile.exchange.engine.open_orders("demo", SYMBOL)]


async def test_an_unreadable_order_after_its_cancel_stays_accepted_with_the_reason(
    hostile, cdx
) -> None:
    order_id = await resting_bid(cdx)

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=502, text="bad gateway")

    hostile.on(SHOW, broken)
    rest = RestClient(hostile.rest_url, Credentials("demo", "demo-secret"))
    try:
        await rest.cancel_order(SYMBOL, order_id)
        result = await confirm_cancel(rest, SYMBOL, order_id, deadline_s=1.0)
    finally:
        await rest.aclose()
    assert result.end is CancelEnd.ACCEPTED
    assert "could not be read" in result.detail
