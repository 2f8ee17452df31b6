"""When a resting dashboard looks at the clock again.

The repaint timer rests once a few ticks found nothing to paint (`RestingRepaint._note_idle`).
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
from typing import TYPE_CHECKING

from cdx.ui.state import TRADE_STALE_AFTER_S
from cdx.ui.widgets.status_bar import STALE_AFTER_S

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

    _Base = DashboardApp
else:
    _Base = object

BUSY_LOOK_S = 0.25
"""Between looks while stale data counts its age in seconds or a rate budget refills (the
age label changes once a second; a look this often shows it within a quarter second)."""

IDLE_AFTER_TICKS = 5
"""Repaint ticks with nothing to paint before the timer rests: from then on the app looks
when something arrives or when time alone changes the screen."""

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


class RestingRepaint(_Base):
    """The repaint timer's rest and the looks in between (a mixin of `DashboardApp`)."""

    _idle_ticks = 0
    _idle_look: IdleLook

    def _note_idle(self, busy: bool) -> None:
        """Rest the repaint timer after `IDLE_AFTER_TICKS` ticks with nothing to paint."""
        if busy:
            self._wake_repaint()
            return
        self._idle_ticks += 1
        if self._idle_ticks == IDLE_AFTER_TICKS:
            self._repaint_timer.pause()

    def _wake_repaint(self) -> None:
        """Something changed: back to `REPAINT_HZ`."""
        if self._idle_ticks >= IDLE_AFTER_TICKS:
            self._repaint_timer.resume()
            self._idle_look.cancel()
        self._idle_ticks = 0

    def _idle_repaint(self) -> None:
        """While the timer rests: mark silence as stale, show a heartbeat's or a poll's news
        (a budget spent, an answer that changed); the timer's next tick does it otherwise."""
        if self._idle_ticks >= IDLE_AFTER_TICKS:
            self._repaint()

    def _look_when_due(self, age: float | None) -> None:
        """At the end of a repaint while resting: look again when time says so."""
        if self._idle_ticks >= IDLE_AFTER_TICKS:
            status = self.status_bar
            full = all(left >= limit for _, left, limit in status.budgets)
            self._idle_look.at(next_look_in(age, live=not status.stale, budgets_full=full))
