"""Which public trades on the tape were ours: fills matched to trades.

PROTOCOL.md does not say that a fill's `id` (`myTrades`) is the public trade's `id` (the
embedded exchange happens to use one counter, other servers need not), so a fill is matched
by what both records must share: the same price, the same base amount, and a time within
`MATCH_WINDOW_MS` of each other. A fill with the very id of a candidate is preferred, then the
closest in time; each trade is claimed once. A trade between two of our own orders is two
fills of one trade (and, where ids are shared, one id): it marks one trade, not two.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from cdx.model.account import Fill
from cdx.model.market import Trade

MATCH_WINDOW_MS = 2000
"""How far apart a fill's `ctime` and a trade's `ts` may be: both are the server's clock,
but a server may stamp the tape and the account at slightly different moments."""


def own_trade_ids(
    trades: Iterable[Trade], fills: Iterable[Fill], *, window_ms: int = MATCH_WINDOW_MS
) -> frozenset[str]:
    """The ids of `trades` that match one of `fills` (both of one symbol)."""
    by_size: dict[tuple[Decimal, Decimal], list[Trade]] = {}
    for trade in trades:
        by_size.setdefault((trade.price, trade.amount), []).append(trade)
    marked: set[str] = set()
    claimed: set[tuple[str, Decimal, Decimal, int]] = set()
    for fill in fills:
        signature = (fill.id, fill.price, fill.volume, fill.ctime)
        if signature in claimed:
            continue  # the other side of a trade between two of our orders
        claimed.add(signature)
        candidates = [
            trade
            for trade in by_size.get((fill.price, fill.volume), ())
            if trade.id not in marked and abs(trade.ts - fill.ctime) <= window_ms
        ]
        if candidates:
            best = min(candidates, key=lambda t: (t.id != fill.id, abs(t.ts - fill.ctime)))
            marked.add(best.id)
    return frozenset(marked)
