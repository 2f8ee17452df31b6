"""Paged REST answers (PROTOCOL.md section 5): `{"count": N, LIST_KEY: [...]}`.

`openOrders`, `allOrders` and `myTrades` answer one page of a list whose total is `count`; the
name of the list differs by endpoint (`resultList`, `orderList`) and is data in the endpoint
table (`Endpoint.list_key`), so neither side spells it. Parsing passes the gate: `count` is an
integer in 0..`MAX_PAGE_COUNT`, and each entry is decoded on its own, a malformed one skipped
and logged (so `items` may be short of a page, which a reader can see against `count`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cdx.protocol import gate
from cdx.protocol.endpoints import Endpoint
from cdx.protocol.fields import CodecError, decode_each
from cdx.protocol.limits import MAX_PAGE_COUNT, MAX_PAGE_ITEMS

T = TypeVar("T")

COUNT = "count"


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a paged list; `count` is the total over all pages, as the server counts."""

    count: int
    items: tuple[T, ...]

    @classmethod
    def parse(cls, data: Any, endpoint: Endpoint, decode: Callable[[Any], T]) -> Page[T]:
        """The `data` of a paged answer of `endpoint`, each entry through `decode`.

        Raises `CodecError` when `data` is not an object, `count` fails the gate or the list
        is missing or not a list; never for one bad entry.
        """
        if not endpoint.list_key:
            raise ValueError(f"{endpoint.path} does not page")
        if not isinstance(data, Mapping):
            raise CodecError(f"page is {gate.shown(data)}, not an object")
        try:
            count = gate.integer(data.get(COUNT), 0, MAX_PAGE_COUNT)
        except ValueError as exc:
            raise CodecError(f"{COUNT!r}: {exc}") from None
        key = endpoint.list_key
        return cls(count, tuple(decode_each(data.get(key), decode, key, MAX_PAGE_ITEMS)))

    def encode(self, endpoint: Endpoint, encode: Callable[[T], Any]) -> dict[str, Any]:
        """The `data` of a paged answer of `endpoint`, each entry through `encode`."""
        if not endpoint.list_key:
            raise ValueError(f"{endpoint.path} does not page")
        return {COUNT: self.count, endpoint.list_key: [encode(item) for item in self.items]}

    @classmethod
    def of(cls, items: Sequence[T], page: int, size: int) -> Page[T]:
        """Page `page` (from 1) of `size` items of the whole list `items`, in its order."""
        start = (page - 1) * size
        return cls(len(items), tuple(items[start : start + size]))
