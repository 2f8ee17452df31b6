"""Depth pushes kept as text (`frames.read`) turned into books, reusing what the channel sent.

A depth push is a full snapshot of up to 150 levels a side of which a handful change between
pushes (PROTOCOL.md section 6). Kept as the text the server wrote, each side splits into its
rows' exact text; a row the channel sent recently is found in its `DepthMemo` by that text,
and only the others are converted, through the gate. The book is the one `depth_from_push`
makes of the parsed frame, and anything the gate would skip or refuse is left to it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from cdx.model.book import MAX_LEVELS, Book, Level
from cdx.model.symbol import Symbol
from cdx.protocol import gate
from cdx.protocol.fields import CodecError, precisions
from cdx.protocol.frames import DepthText
from cdx.protocol.market_data import MEMO_LIMIT, DepthMemo, level_decoder


def depth_from_text(
    text: DepthText, *, symbol: Symbol | None = None, memo: DepthMemo
) -> Book | None:
    """The book of a depth push kept as text (`frames.read`), or None if a row must be read
    the long way: then `depth_from_push` of `text.message()` gives the book and log lines.

    Each row is looked up in `memo` by its exact text; a row not found passes the gate
    (`_row_reader`: the `Level` `depth_from_push` makes of it), and one the gate refuses gives
    None, so what is skipped and logged stays what a full decode skips and logs. `text.ts`
    is the caller's to check.
    """
    of = precisions(symbol)
    levels, read = memo.levels(of), _row_reader(*of)
    what = f"depth push {symbol.name}" if symbol is not None else "depth push"
    sides = []
    for rows, name, descending in ((text.asks, "asks", False), (text.buys, "buys", True)):
        found = _text_side(rows, read, levels)
        if found is None:
            return None
        sides.append(gate.book_side(found, descending=descending, what=f"{what} {name}"))
    asks, bids = gate.uncross(sides[0], sides[1], what=what)
    return Book(asks=asks, bids=bids, time=text.ts)


def _text_side(
    rows: bytes,
    read: Callable[[bytes], Level | None],
    levels: dict[tuple[Any, ...] | bytes, Level],
) -> list[Level] | None:
    """The levels of one side's rows as written (see `DepthText`), None if one is refused."""
    if not rows:
        return []
    keys = rows[2:-2].split(b'"],["')  # each row's text between its outer quotes
    if len(keys) > MAX_LEVELS:
        return None  # the long way says what it cut
    found: list[Level | None] = list(map(levels.get, keys))
    try:
        index = found.index(None)  # the misses, found by C-level scans: a handful per push
    except ValueError:
        return found  # type: ignore[return-value]  # every row seen before
    if len(levels) > MEMO_LIMIT:
        levels.clear()
        levels.update((key, level) for key, level in zip(keys, found, strict=True) if level)
    while True:
        level = read(keys[index])
        if level is None:
            return None
        found[index] = levels[keys[index]] = level
        try:
            index = found.index(None, index + 1)
        except ValueError:
            return found  # type: ignore[return-value]  # every None was replaced


@functools.lru_cache(maxsize=64)
def _row_reader(
    price_precision: int | None, amount_precision: int | None
) -> Callable[[bytes], Level | None]:
    """A reader of one row's text (`27001.00","0.250000`), giving what `level_decoder` gives
    for the row's two strings, or None where it refuses them.

    The common row is matched whole against the gate's own form of a positive value
    (`gate.plain_positive`) and converted at once; any other goes through `level_decoder`.
    """
    plain = re.compile(
        f'({gate.plain_positive(price_precision)})","({gate.plain_positive(amount_precision)})'
    ).fullmatch
    decode = level_decoder(price_precision, amount_precision)

    def read(text: bytes) -> Level | None:
        row = text.decode()
        match = plain(row)
        if match is not None:
            level = Decimal(match[1]), Decimal(match[2])
            if level[0] and level[1]:
                return level
        try:
            return decode(row.split('","'))
        except CodecError:
            return None

    return read
