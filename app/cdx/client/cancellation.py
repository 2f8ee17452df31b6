"""What a cancel did: an accepted cancel is not yet a cancelled order.

`orders/cancel` answers `{}` when the exchange *accepts* the cancel (PROTOCOL.md section 5);
the order may sit in PENDING_CANCEL, and may still fill, until the exchange finishes it. So
after the answer the client reads the order until it is final, within one overall deadline,
and reports what happened to it: cancelled (perhaps after a partial fill), filled before the
cancel took, or accepted but not final yet. Claiming "cancelled" on the answer alone would
misreport an order that filled in the meantime.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from cdx.client.errors import CdxError
from cdx.client.ratelimit import Priority
from cdx.model.order import Order, OrderStatus

if TYPE_CHECKING:
    from cdx.client.rest import RestClient

log = logging.getLogger(__name__)

CONFIRM_DEADLINE_S = 5.0
"""How long, in all, the client reads an accepted cancel's order until it is final."""

CONFIRM_INTERVAL_S = 0.25
"""The pause between two reads of an order still pending its cancel."""


class CancelEnd(StrEnum):
    """How a cancel ended, as the user is told it."""

    CANCELLED = "cancelled"
    FILLED = "filled before the cancel"
    ENDED = "ended before the cancel"  # EXPIRED: a market order's rest found no liquidity
    ACCEPTED = "cancel accepted, not final yet"


@dataclass(frozen=True, slots=True)
class CancelResult:
    """The end of one cancel; `order` is the last reading of it (None when none could be
    read), `detail` why it is only accepted."""

    end: CancelEnd
    order: Order | None = None
    detail: str = ""


def cancel_end(order: Order) -> CancelEnd:
    """What a reading of the order says about its cancel."""
    match order.status:
        case OrderStatus.CANCELED:
            return CancelEnd.CANCELLED
        case OrderStatus.FILLED:
            return CancelEnd.FILLED
        case OrderStatus.EXPIRED:
            return CancelEnd.ENDED
        case _:
            return CancelEnd.ACCEPTED


async def confirm_cancel(
    rest: RestClient,
    symbol: str,
    order_id: str,
    *,
    deadline_s: float = CONFIRM_DEADLINE_S,
    interval_s: float = CONFIRM_INTERVAL_S,
    clock: Callable[[], float] = time.monotonic,
) -> CancelResult:
    """Read an order whose cancel the exchange accepted until it is final or `deadline_s`
    has passed (one overall deadline), at user priority. A read that fails ends the wait:
    the cancel stays "accepted" with the reason, never guessed."""
    end_at = clock() + deadline_s
    last: Order | None = None
    while True:
        try:
            last = await rest.show_order(symbol, order_id, priority=Priority.USER)
        except CdxError as exc:
            log.warning("order %s after its cancel could not be read: %s", order_id, exc)
            return CancelResult(CancelEnd.ACCEPTED, last, f"its state could not be read: {exc}")
        end = cancel_end(last)
        if end is not CancelEnd.ACCEPTED:
            return CancelResult(end, last)
        remaining = end_at - clock()
        if remaining <= 0:
            return CancelResult(CancelEnd.ACCEPTED, last, f"still {last.status.name}")
        await asyncio.sleep(min(interval_s, remaining))
