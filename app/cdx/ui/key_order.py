"""Keys that arrive in one read (a paste, a fast typist, `tmux send-keys`) act as if typed slowly.

Textual routes a key the moment the app reads it: a priority binding runs at once, any other
key is forwarded to the focused widget and then bubbles up through each of its ancestors, one
message queue per hop, back to the app, which only then runs the widget's own (non-priority)
bindings, on the chain of whatever is focused *at that moment*. The next key of a burst is
read meanwhile, so it overtakes: Escape on the orders table followed by `b 20000.03 Tab
0.001` had `b` open the form first, and the Escape, arriving late, ran the *form's* Escape,
which gave the focus to the ladder while the price was being typed; Enter on the ladder then
digits typed the digits into the ladder before the form it opens existed.

`KeysInOrder` routes a key only once the previous one has finished: after routing a key, the
app waits until every queue on its way (the focused widget up to the screen, then the app
itself) has taken it, twice, so that messages the key's action posted (a `PricePicked`, an
`Input.Changed`) are handled too. Keys read meanwhile are held, in order, and released one
at a time. A lone key is routed at once, as before; the app's own queue is never blocked
while waiting, so the app can take the key when it bubbles back to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import TYPE_CHECKING

from textual import events
from textual.dom import DOMNode

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

    _Base = DashboardApp
else:
    _Base = object

Typed = events.Key | events.Paste
"""What the user types, in the order typed: a bracketed paste is text typed at once, so it
waits its turn behind the keys before it (and the keys after it wait for it)."""

HOP_WAIT_S = 1.0
"""The longest one queue on a key's way is waited for; far above what taking a key costs
even on a loaded machine, it only bounds the wait if a widget goes away with the key."""

ROUNDS = 2
"""Passes over the key's way: the key itself, then what its action posted."""


async def taken(node: DOMNode) -> None:
    """Return once `node` has handled every message already in its queue (or is closed)."""
    done = asyncio.Event()
    if not node.call_later(done.set):
        return  # closed: nothing left to handle
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), HOP_WAIT_S)


class KeysInOrder(_Base):
    """The app's key routing, one key at a time (a mixin of `DashboardApp`)."""

    _held_keys: deque[Typed]
    _released_key: Typed | None = None
    _key_in_flight = False
    _key_follower: asyncio.Task[None] | None = None
    keys_taken = 0
    """Keys read from the terminal that have been routed and taken (what a test waits for)."""
    last_key_at = 0.0
    """When (`time.monotonic`) the last key was read: full collections wait for a quiet
    moment (`cdx.ui.heap.collect_when_quiet`)."""

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key | events.Paste) or event.is_forwarded:
            await super().on_event(event)
            return
        self.last_key_at = time.monotonic()
        held = self._held_key_queue()
        if event is self._released_key:
            self._released_key = None
        elif self._key_in_flight or held:
            held.append(event)  # an earlier key is still on its way: this one waits its turn
            return
        if not self.screen_stack or self._closing or self._closed:
            held.clear()  # closing: a key has nowhere to go
            self._key_in_flight = False
            return
        way = self._key_way()
        self._key_in_flight = True
        try:
            if not await self._dialog_took(event):
                await super().on_event(event)
        finally:  # a key whose action failed must not hold back every key after it
            self._key_follower = asyncio.create_task(self._follow_key(way))

    async def _dialog_took(self, event: Typed) -> bool:
        """Whether the open confirmation dialog took the key (it takes every key it has; a
        paste does nothing while it is open)."""
        dialog = getattr(self, "confirm", None)  # None before the app is mounted
        if dialog is None:
            return False
        if isinstance(event, events.Paste):
            return bool(dialog.is_open)
        return bool(await dialog.take_key(event.key))

    def _held_key_queue(self) -> deque[Typed]:
        try:
            return self._held_keys
        except AttributeError:
            self._held_keys = deque()
            return self._held_keys

    def _key_way(self) -> list[DOMNode]:
        """The queues a key routed now goes through: the focused widget (or the screen) up to
        the app."""
        target: DOMNode = self.focused or self.screen
        return target.ancestors_with_self

    async def _follow_key(self, way: list[DOMNode]) -> None:
        """Wait for the key routed along `way` (and what it caused), then release the next."""
        try:
            for _ in range(ROUNDS):
                for node in way:
                    await taken(node)
                if self.screen_stack:
                    way = self._key_way()  # the key may have moved the focus: follow it
        finally:
            self._release_held_key()

    def _release_held_key(self) -> None:
        """Count the key just taken and hand the app the next held one, if any."""
        self.keys_taken += 1
        held = self._held_key_queue()
        self._key_in_flight = False
        if not held:
            return
        event = held.popleft()
        self._released_key = event
        self._key_in_flight = True
        if not self.post_message(event):
            held.clear()
            self._released_key = None
            self._key_in_flight = False
