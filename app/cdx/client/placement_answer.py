"""What an order placement sent, and whether its answer proves an outcome.

A placement is never resent: an answer that does not prove success or refusal makes it an
`OrderStateUnknown`, which carries what was sent so that reconcile can look for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from cdx.client.errors import Baseline, OrderStateUnknown
from cdx.model.order import OrderType, Side
from cdx.protocol import limits
from cdx.protocol.decimals import to_wire
from cdx.protocol.envelope import Envelope
from cdx.protocol.errors import ErrorCode
from cdx.protocol.signing import TIME_WINDOW_MS

log = logging.getLogger(__name__)

PLACEMENT_HORIZON_MS = 2 * TIME_WINDOW_MS + 1000
"""After this long from its `time` stamp (our clock) a placement can no longer execute, so only
then can reconcile prove that a lost placement was not placed. The server refuses a request
whose stamp is more than `TIME_WINDOW_MS` from its own clock when it arrives (PROTOCOL.md
section 3); its clock may be up to that much behind ours and still have accepted the stamp,
hence twice the window, plus a second for one that arrived in time and is still executing."""

REFUSED_HTTP = frozenset({413, 414, 431})
"""HTTP-layer refusals of a request too large to be read (PROTOCOL.md section 1): the request
was not executed, whatever the body says."""

_UNKNOWN_CODES = frozenset({ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE})
"""Envelope codes that do not prove a placement was not executed (the server failed somewhere
after receiving it)."""

_KNOWN_CODES = frozenset(code.value for code in ErrorCode)


@dataclass(frozen=True, slots=True)
class PlacementSent:
    """What an order placement sent, to build `OrderStateUnknown` if its answer is lost."""

    symbol: str
    side: Side
    type: OrderType
    volume: Decimal
    price: Decimal | None
    baseline: Baseline | None = None

    def unknown(self, sent_ms: int, cause: str) -> OrderStateUnknown:
        log.warning("order placement answer lost (%s); must reconcile", cause)
        return OrderStateUnknown.of(self, sent_ms, cause, self.baseline)


def check_placement_answer(
    status: int, envelope: Envelope, sent_ms: int, placing: PlacementSent
) -> None:
    """Raise `OrderStateUnknown` unless the answer is a well-formed success or refusal.

    A success must come with a 2xx; a refusal must carry a code of PROTOCOL.md section 7 that
    promises non-execution and must not come with a 5xx. A code we do not know proves nothing.
    """
    if status >= 500:
        raise placing.unknown(sent_ms, f"HTTP {status} (server: {envelope.msg or envelope.code})")
    if envelope.ok:
        if not 200 <= status < 300:
            raise placing.unknown(sent_ms, f"success envelope with HTTP {status}")
        return
    if envelope.code in _UNKNOWN_CODES or envelope.code not in _KNOWN_CODES:
        raise placing.unknown(sent_ms, f"server error {envelope.code}: {envelope.msg}")


def id_order(order_id: str) -> tuple[int, str]:
    """A sort key for digit-string ids in numeric order (PROTOCOL.md 9.5: ids grow), without
    turning a hostile 10^6-digit id into an int."""
    digits = order_id.lstrip("0")
    return (len(digits), digits)


def sendable(value: Decimal, name: str) -> str:
    """`value` as the wire writes it, if it is an amount an order can carry.

    Checked before formatting: `Decimal("1e999999999")` written without exponent is a
    gigabyte of zeros. Raises `ValueError` (nothing is sent) for anything not positive and
    within the bounds the gate applies to the wire (`cdx.protocol.limits`).
    """
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{name} must be a positive number")
    if value.adjusted() >= limits.MAX_INTEGER_DIGITS:
        raise ValueError(f"{name} is too large (at most {limits.MAX_INTEGER_DIGITS} digits)")
    if value.as_tuple().exponent < -limits.MAX_DECIMALS:  # type: ignore[operator]
        raise ValueError(f"{name} has more than {limits.MAX_DECIMALS} decimals")
    return to_wire(value)
