"""Reads of the History and Fills lists (`allOrders`, `myTrades`), only when worth it.

The account group allows 10 requests a second, shared with the poller, so the lists are not
read every poll round: only when one of our orders changed (`FillDesk`) or a tab of them is
brought into view, one newest-first page each, at background priority through the shared
limiter, and at most once per `MIN_GAP_S` (wishes in between are merged into the next read).
The fills also mark our own trades on the tape.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from textual.worker import Worker

from cdx.client.errors import CdxError
from cdx.client.placement_answer import id_order
from cdx.client.ratelimit import Priority

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

log = logging.getLogger(__name__)

PAGE_SIZE = 50
"""Orders / fills read for a tab: one page, newest first (more is in `cdx orders --all`)."""

MIN_GAP_S = 1.0
"""Least time between two reads of the lists (a busy order must not take the poller's room)."""

LISTS = ("history", "fills")


class AccountHistory:
    """One worker that reads the lists it is asked for, for the symbol shown."""

    def __init__(self, app: DashboardApp) -> None:
        self._app = app
        self._wanted: set[str] = set()
        self._wake = asyncio.Event()
        self._worker: Worker[None] | None = None

    def want(self, *lists: str) -> None:
        """Read `lists` ("history", "fills") soon; nothing without keys."""
        app = self._app
        if app.read_only:
            for name in lists:
                app.orders_panel.show_problem(name, "read-only: no keys")
            return
        self._wanted.update(name for name in lists if name in LISTS)
        self._wake.set()
        if self._worker is None or self._worker.is_finished:
            self._worker = app.run_worker(self._run(), group="account-history", exit_on_error=False)

    def reset(self) -> None:
        """Another symbol is shown: forget the lists and read them for it."""
        self._app.orders_panel.reset()
        self.want(*LISTS)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            wanted, self._wanted = self._wanted, set()
            for name in LISTS:
                if name in wanted:
                    await self._read(name)
            await asyncio.sleep(MIN_GAP_S)

    async def _read(self, name: str) -> None:
        app = self._app
        symbol = app.symbol_name
        rules = app.symbols.get(symbol) or symbol
        try:
            if name == "history":
                orders = await app.rest.all_orders(
                    rules, page_size=PAGE_SIZE, priority=Priority.BACKGROUND
                )
                if symbol == app.symbol_name:
                    # Newest first whatever order the server listed them in (ids grow).
                    newest = sorted(orders.items, key=lambda o: id_order(o.id), reverse=True)
                    app.orders_panel.show_history(newest, app.symbol)
            else:
                fills = await app.rest.my_trades(
                    rules, page_size=PAGE_SIZE, priority=Priority.BACKGROUND
                )
                if symbol == app.symbol_name:
                    latest = sorted(
                        fills.items, key=lambda f: (f.ctime, id_order(f.id)), reverse=True
                    )
                    app.orders_panel.show_fills(latest, app.symbol)
                    app.tape.set_own_fills(fills.items, symbol)
        except CdxError as exc:
            log.warning("cannot read the %s of %s: %s", name, symbol, exc)
            if symbol == app.symbol_name:
                app.orders_panel.show_problem(name, "not read; see log")
