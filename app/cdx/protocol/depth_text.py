"""Depth pushes kept as text (`frames.read`) turned into books, reusing what the channel sent.

A depth push is a full snapshot of up to 150 levels a side of which a handful change between
pushes (PROTOCOL.md section 6). Kept as the text the server wrote, each side comes split into
its rows' exact text; a row the channel sent recently is found in its `DepthMemo` by that
text, and only the others are converted, through the gate. The book is the one `depth_from_push`
makes of the parsed frame, and anything the gate would skip or refuse is left to it.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from cdx.model.book import MAX_LEVELS, Book, Level
from cdx.model.symbol import Symbol
from cdx.protocol import gate
from cdx.protocol.fields import CodecError, precisions
from cdx.protocol.frames import DepthText, Rows
from cdx.protocol.market_data import MEMO_LIMIT, DepthMemo, level_decoder


def depth_from_text(
    text: DepthText, *, symbol: Symbol | None = None, memo: DepthMemo
) -> Book | None:
    """The book of a depth push kept as text (`frames.read`), or None if a row must be read
    the long way: then `depth_from_push` of `text.message()` gives the book and log lines.

    Each row is looked up in `memo` by its exact text; a row not found passes the gate
    (`_row_reader`: the `Level` `depth_from_push` makes of it), and one the gate refuses gives
    None before anything is repaired, so what is skipped and logged stays what a full decode
    skips and logs. `text.ts` is the caller's to check.
    """
    of = precisions(symbol)
    levels, read = memo.levels(of), _row_reader(*of)
    known = text.known is levels  # else looked up again: other precisions, another memo
    asks = _text_side(text.ask_rows, known, read, levels)
    bids = _text_side(text.buy_rows, known, read, levels) if asks is not None else None
    if asks is None or bids is None:
        return None
    if len(levels) > MEMO_LIMIT:  # keep what the next push needs: this one's rows
        levels.clear()
        levels.update(zip(text.ask_rows.text, asks, strict=True))
        levels.update(zip(text.buy_rows.text, bids, strict=True))
    prices = list(map(_PRICE, bids))
    prices.reverse()
    prices += map(_PRICE, asks)
    if all(map(operator.lt, prices, prices[1:])):
        # bids strictly falling, asks strictly rising, best bid below best ask: what every
        # server of the protocol sends, and all the gate checks before it repairs anything
        return Book(asks=tuple(asks), bids=tuple(bids), time=text.ts)
    what, asks_what, bids_what = _names(symbol.name if symbol is not None else None)
    asks_side = gate.book_side(asks, descending=False, what=asks_what)
    bids_side = gate.book_side(bids, descending=True, what=bids_what)
    asks_side, bids_side = gate.uncross(asks_side, bids_side, what=what)
    return Book(asks=asks_side, bids=bids_side, time=text.ts)


_PRICE = operator.itemgetter(0)


@functools.lru_cache(maxsize=64)
def _names(symbol: str | None) -> tuple[str, str, str]:
    """What the gate's log lines call a depth push of `symbol` and its two sides."""
    what = f"depth push {symbol}" if symbol is not None else "depth push"
    return what, f"{what} asks", f"{what} buys"


def _text_side(
    rows: Rows,
    known: bool,
    read: Callable[[bytes], Level | None],
    levels: dict[tuple[Any, ...] | bytes, Level],
) -> list[Level] | None:
    """The levels of one side's rows, None if one is refused. `known`: `rows.found` is what
    `levels` held for them when the frame was read."""
    keys = rows.text
    if len(keys) > MAX_LEVELS:
        return None  # the long way says what it cut
    if known:
        found, new = list(rows.found), rows.new
    else:
        found = list(map(levels.get, keys))
        new = [index for index, level in enumerate(found) if level is None]
    for index in new:  # a handful of rows new to the channel
        level = read(keys[index])
        if level is None:
            return None
        found[index] = levels[keys[index]] = level
    return found


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
