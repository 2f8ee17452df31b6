"""The one paging loop of the REST client: order lists read page by page, with a bound.

However large a `count` the server claims, at most `MAX_PAGES` pages are read, and a server
that repeats itself ends the read: a poller never pages forever.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cdx.model.order import Order
from cdx.protocol import endpoints as ep
from cdx.protocol.page import Page

log = logging.getLogger(__name__)

MAX_PAGES = 20
"""Most pages one paged read fetches (20 x 200 orders), whatever `count` the server claims:
a server that counts 10^9 orders must not keep a poller paging forever."""


@dataclass(frozen=True, slots=True)
class OrderList:
    """Orders of one paged read, each once; `complete` if the last page was reached and held
    as many orders as the server counted; `pages` is how many pages were read."""

    items: tuple[Order, ...]
    complete: bool
    pages: int


@dataclass(frozen=True, slots=True)
class OpenOrderList:
    """Open orders of one symbol; `complete` if no open order of it can be missing."""

    items: tuple[Order, ...]
    complete: bool


async def every_page(fetch: Callable[[int], Awaitable[Page[Order]]], max_pages: int) -> OrderList:
    """The one paging loop: pages 1.. until an empty or last page, at most `max_pages`."""
    seen: dict[str, Order] = {}
    for page in range(1, max(max_pages, 1) + 1):
        result = await fetch(page)
        before = len(seen)
        for order in result.items:
            seen.setdefault(order.id, order)
        if not result.items or page * ep.MAX_PAGE_SIZE >= result.count:
            # Fewer orders than the server counts means some were not shown to us.
            return OrderList(tuple(seen.values()), len(seen) >= result.count, page)
        if page > 1 and len(seen) == before:
            # A full page of orders already seen: the server is repeating itself.
            log.warning("page %d repeated earlier pages; the list is partial", page)
            return OrderList(tuple(seen.values()), False, page)
    log.warning(
        "stopped paging after %d pages (the server claims %d items); the list is partial",
        max_pages,
        result.count,
    )
    return OrderList(tuple(seen.values()), False, max_pages)
