"""When a resting dashboard looks at the clock again.

The repaint timer rests once a few ticks found nothing to paint (`DashboardApp._note_idle`).
From then on what the screen shows changes either because something arrives (a push, a
heartbeat, a poll's answer, a key: each of these wakes the app anyway and looks at once) or
with time alone: live data turning stale (the status bar past `STALE_AFTER_S`, the trading
rule past `TRADE_STALE_AFTER_S`), a stale age counting seconds, a spent rate budget filling
up again. A timer that looked four times a second found nothing new in nearly every look, and
each look woke the process: most of an idle dashboard's CPU (issue 12). `IdleLook` looks once,
when the next such change is due: never while live data is proven current by the heartbeats,
which look themselves; four times a second while the data is stale or a budget refills, as
before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from cdx.ui.state import TRADE_STALE_AFTER_S
from cdx.ui.widgets.status_bar import STALE_AFTER_S

BUSY_LOOK_S = 0.25
"""Between looks while stale data counts its age in seconds or a rate budget refills (the
age label changes once a second; a look this often shows it within a quarter second)."""

PAST_S = 0.002
"""A look this long after the age crosses a threshold, so it has crossed it (an age equal
to the threshold is still live)."""


def next_look_in(age: float | None, *, live: bool, budgets_full: bool) -> float:
    """Seconds from now until the screen may change with time alone: with `age` seconds of
    data shown `live` and every rate budget full, when the age reaches the first staleness
    threshold; otherwise (stale, no data yet, a budget refilling) `BUSY_LOOK_S`."""
    if age is None or not live or not budgets_full:
        return BUSY_LOOK_S
    return max(min(STALE_AFTER_S, TRADE_STALE_AFTER_S) - age, 0.0) + PAST_S


class IdleLook:
    """One pending look (`look`, called on the running loop), moved whenever it is set again."""

    def __init__(self, look: Callable[[], None]) -> None:
        self._look = look
        self._handle: asyncio.TimerHandle | None = None

    def at(self, delay: float) -> None:
        """Look in `delay` seconds, instead of when it was due."""
        self.cancel()
        self._handle = asyncio.get_running_loop().call_later(delay, self._fire)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        self._look()
