"""Fill notifications: every fill of one of our orders, told once, with amount and average.

`FillDesk` belongs to the dashboard (one per app, like the tracker). Each time the tracker's
orders are shown, `observe` hands them to `FillWatch` (`ui/fill_watch.py`), tells the fills
it finds, and asks the exchange (`showOrder`) for the final state of a market order just
placed (at user priority: the user waits for its fill) and of an order that left the open
list (in the background). A market buy is so told its amount and average price within a
round trip of `Order placed`, not at the next poll. Every change of one of our orders also
asks for the History and Fills lists again (`AccountHistory.want`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from cdx.client.errors import CdxError
from cdx.model.order import OrderStatus, OrderType
from cdx.model.symbol import Symbol
from cdx.ui.fill_watch import FillNews, FillWatch, FinalCheck
from cdx.ui.format import fmt_amount, fmt_price, fmt_text
from cdx.ui.widgets.order_history import STATUS_WORDS

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

log = logging.getLogger(__name__)

FINAL_RETRY_S = (0.0, 0.3, 1.0, 3.0)
"""Pauses before each `showOrder` of an order whose final state is wanted: a server may take
a moment to finish a market order; after the last try the poll's view stands."""


class FillDesk:
    """Tells the user about fills; asks the exchange what the poll cannot say."""

    def __init__(self, app: DashboardApp) -> None:
        self._app = app
        self.watch = FillWatch()
        self._started = False

    def observe(self) -> None:
        """Look at the tracker's orders after a change: tell, ask, refresh the lists."""
        app = self._app
        if not self._started and app.symbol is not None:
            self._started = True
            app.account_history.want("fills")  # our earlier trades on the tape
        seen = self.watch.observe(app.tracker.all())
        for news in seen.news:
            self._tell(news)
        for check in seen.checks:
            app.run_worker(self._final_state(check), group="fill-check", exit_on_error=False)
        if seen.changed or seen.news:
            app.account_history.want("history", "fills")

    async def _final_state(self, check: FinalCheck) -> None:
        """`showOrder` until the order is final (a few tries), folding each answer in."""
        app = self._app
        for pause in FINAL_RETRY_S:
            await asyncio.sleep(pause)
            try:
                rules = app.symbols.get(check.symbol) or check.symbol
                order = await app.rest.show_order(rules, check.order_id, priority=check.priority)
            except CdxError as exc:
                log.warning("cannot read order %s: %s", check.order_id, exc)
                continue
            app.tracker.report(order)
            news = self.watch.final(order)
            if news is not None:
                self._tell(news)
            app.account_history.want("history", "fills")
            app.orders_changed()
            if order.status.is_final:
                return
        log.warning("order %s: no final state read; asking again later", check.order_id)
        self.watch.check_failed(check.order_id)

    def _tell(self, news: FillNews) -> None:
        app = self._app
        title, message = describe(news, app.symbols.get(news.order.symbol))
        severity = (
            "warning"
            if news.final and news.order.status is not OrderStatus.FILLED
            else "information"
        )
        app.notify(message, title=title, severity=severity)


def describe(news: FillNews, symbol: Symbol | None) -> tuple[str, str]:
    """(title, message) of a fill notification:
    `Market buy filled 2.216000 BTC at avg 27,074.43 (order 14778)`."""
    order = news.order
    kind = "Market" if order.type is OrderType.MARKET else "Limit"
    side = order.side.value.lower()
    ident = fmt_text(order.id, 24)
    status = STATUS_WORDS[order.status]
    if news.amount <= 0:
        return f"{kind} order {status}", f"{kind} {side} {status}, nothing filled (order {ident})"
    prices = symbol.price_precision if symbol else 8
    amounts = symbol.amount_precision if symbol else 8
    coin = fmt_text((symbol.base if symbol else "").upper(), 12)
    amount = f"{fmt_amount(news.amount, amounts)} {coin}".rstrip()
    text = f"{kind} {side} filled {amount} at avg {fmt_price(news.average, prices)}"
    if order.status is OrderStatus.FILLED:
        return "Order filled", f"{text} (order {ident})"
    if order.type is OrderType.LIMIT and not news.final:
        done = fmt_amount(order.deal_volume, amounts)
        whole = fmt_amount(order.volume, amounts)
        return "Order partly filled", f"{text}, {done} of {whole} so far (order {ident})"
    return "Order partly filled", f"{text}; then {status} (order {ident})"
