"""Order truth: every way a placement can end is exactly one of three outcomes.

The exchange has no client order id (PROTOCOL.md section 5), so a placement whose answer is
lost can never be resent and never be guessed. This module states the contract as a type:

- `Placed(order_id)`: the exchange answered a well-formed success naming the new order, or
  reconcile found exactly one matching order that is newer than everything that existed
  before the send.
- `NotPlaced(reason)`: a well-formed refusal (an envelope code of PROTOCOL.md section 7 that
  promises non-execution, an HTTP-layer 413/414/431), a failure before any byte was sent, or
  reconcile proved that no such order exists after the request could no longer execute.
- `Unknown(reason, lost)`: anything else once the request may have reached the server (a 200
  that is not the protocol or has no `order_id`, any 5xx, a deadline, a cut connection). It
  must go through `settle`, never through a second send.

`send_order` takes a *baseline* before it sends: the newest order id of the symbol (ids
strictly increase, PROTOCOL.md 9.5). Reconcile only accepts a matching order newer than that,
so an identical order placed seconds earlier is never claimed; without a baseline a match
stays unknown. Absence is only proven once the request can no longer execute on the server
(`RestClient.placement_horizon_ms` after its `time` stamp, since the server refuses older
stamps); before that `settle` waits (or, with `wait=False`, answers unknown for now).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from cdx.client.errors import (
    ApiError,
    CdxError,
    InsecureTransport,
    OrderStateUnknown,
    TransportError,
    describe_placement,
)
from cdx.client.placement_answer import id_order
from cdx.client.ratelimit import Priority
from cdx.model.order import Order, OrderType, Side
from cdx.protocol.signing import TIME_WINDOW_MS

if TYPE_CHECKING:
    from cdx.client.rest import RestClient

log = logging.getLogger(__name__)

CHECK_FIRST = "check open orders before placing it again"


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the user asked to place. `volume` is the base amount, except for a market buy
    where it is the quote amount to spend; `price` is set for a limit order only."""

    symbol: str
    side: Side
    type: OrderType
    volume: Decimal
    price: Decimal | None

    def describe(self) -> str:
        """`BUY LIMIT 0.01 btcusdt @ 27000`, for messages."""
        return describe_placement(self)


@dataclass(frozen=True, slots=True)
class Placed:
    """The exchange named the new order. `order` is its report when reconcile found it."""

    order_id: str
    order: Order | None = None


@dataclass(frozen=True, slots=True)
class NotPlaced:
    """Nothing was placed: a well-formed refusal, or reconcile proved absence."""

    reason: str


@dataclass(frozen=True, slots=True)
class Unknown:
    """The order may or may not have been placed; `settle` it, never send it again."""

    reason: str
    lost: OrderStateUnknown


Outcome = Placed | NotPlaced | Unknown


async def send_order(rest: RestClient, request: OrderRequest) -> Outcome:
    """Place `request` once and say how it ended; never raises `CdxError`.

    `RestClient.place_order` takes the baseline first (one `allOrders` page); if that fails
    the order is still sent, and a lost answer can then be settled only as not placed (by proof
    of absence), never as a guessed placed.
    """
    try:
        order_id = await rest.place_order(
            request.symbol, request.side, request.type, request.volume, request.price
        )
    except OrderStateUnknown as lost:
        return Unknown(str(lost), lost)
    except (ApiError, TransportError, InsecureTransport) as exc:
        # rest.py raises these for a placement only when the server refused it or when no
        # byte was sent; everything else is OrderStateUnknown.
        return NotPlaced(f"order {request.describe()} not placed: {exc}")
    except CdxError as exc:
        # Not expected for a placement; it may have reached the server, so it is unknown.
        lost = OrderStateUnknown.of(request, rest.now_ms(), str(exc))
        return Unknown(str(lost), lost)
    except ValueError as exc:
        # A request that cannot be sent as asked (a limit order without a price): not sent.
        return NotPlaced(f"order {request.describe()} not placed: {exc}")
    return Placed(order_id)


async def settle(
    rest: RestClient,
    outcome: Outcome,
    *,
    exclude: Collection[str] = (),
    wait: bool = True,
) -> Outcome:
    """Reconcile an `Unknown` with the exchange; `Placed` and `NotPlaced` are returned as is.

    `exclude`: order ids the caller already knows are not this one (its own acknowledged
    placements). With `wait` (the default) an order not found yet is looked for again once the
    request can no longer execute, so the answer is final unless the exchange cannot be asked
    or cannot tell; without it, such an order stays `Unknown` for the caller's next round.
    Never raises `CdxError`.
    """
    if not isinstance(outcome, Unknown):
        return outcome
    return await reconcile_once(rest, outcome.lost, exclude=exclude, wait=wait)


async def reconcile_once(
    rest: RestClient,
    lost: OrderStateUnknown,
    *,
    exclude: Collection[str] = (),
    wait: bool = True,
) -> Outcome:
    """The outcome of `lost` as the exchange's order list shows it now (see `settle`)."""
    what = describe_placement(lost)
    horizon_ms = lost.sent_at_ms + rest.placement_horizon_ms
    # The server accepted the stamp only within TIME_WINDOW_MS of its clock, so the order
    # cannot have been created earlier than this (a wider list only costs pages).
    start_ms = lost.sent_at_ms - TIME_WINDOW_MS
    for attempt in range(2):
        try:
            listed = await rest.every_order(lost.symbol, start_ms=start_ms, priority=Priority.USER)
        except CdxError as exc:
            return _unknown(lost, f"checking failed ({exc})")
        matching = [o for o in listed.items if _matches(o, lost) and o.id not in exclude]
        if lost.baseline is None:
            if matching:
                ids = ", ".join(sorted((o.id for o in matching), key=id_order))
                return _unknown(
                    lost,
                    f"matching order {ids} exists but may predate the send (no baseline)",
                )
            new = []
        else:
            newest = lost.baseline.newest_id
            new = [o for o in matching if newest is None or id_order(o.id) > id_order(newest)]
        if len(new) == 1:
            log.info("lost placement of %s reconciled: order %s", what, new[0].id)
            return Placed(new[0].id, new[0])
        if len(new) > 1:
            ids = ", ".join(sorted((o.id for o in new), key=id_order))
            return _unknown(
                lost,
                f"several matching orders appeared since it was sent ({ids})",
            )
        if not listed.complete:
            return _unknown(
                lost,
                "the exchange's order list was incomplete",
            )
        remaining_ms = horizon_ms - rest.now_ms()
        if remaining_ms <= 0:
            log.info("lost placement of %s reconciled: not placed", what)
            return NotPlaced(f"order {what} was not placed (the exchange has no such order)")
        if not wait or attempt == 1:
            return _unknown(
                lost,
                f"not found yet, but it could still execute for {remaining_ms / 1000:.1f} s",
            )
        await asyncio.sleep(min(remaining_ms, rest.placement_horizon_ms) / 1000)
    raise AssertionError("unreachable")  # pragma: no cover


def _unknown(lost: OrderStateUnknown, why: str) -> Unknown:
    what = describe_placement(lost)
    log.info("placement of %s still unknown: %s", what, why)
    reason = f"order {what} may or may not have been placed: {why}; {CHECK_FIRST}"
    return Unknown(reason, lost.because(why))


def _matches(order: Order, lost: OrderStateUnknown) -> bool:
    if (order.symbol, order.side, order.type) != (lost.symbol, lost.side, lost.type):
        return False
    if order.volume != lost.volume:
        return False
    return lost.type is OrderType.MARKET or order.price == lost.price
