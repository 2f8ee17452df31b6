"""The one validation gate: what a value from the wire must be before it becomes a model object.

Each check takes a raw JSON value and returns the checked Python value or raises `ValueError`
saying why (the codec names the field and skips the entry). Checks decide from types, lengths,
`as_tuple()` and `adjusted()` before any arithmetic, so a hostile value costs nothing and can
never raise anything but `ValueError`. Bounds are data in `cdx.protocol.limits`.

What a caller past the gate may rely on, for every value it let through:

- decimals are finite, |x| < 10^15, at most 18 decimals, no exponent, never negative zero;
  prices and amounts are positive (zero only where the protocol says so), fees, locked and
  available amounts are not negative, and only ratios such as `rose` may be negative;
- with the symbol known, prices and base amounts have no more decimals than its precisions and
  quantize to them in the default 28-digit context;
- times are Unix ms (kline open times Unix s) within 2000..2100 UTC;
- ids are 1..20 ASCII digits, symbol and coin names short lower-case ASCII letters and digits.
"""

from __future__ import annotations

import logging
import operator
import re
from collections.abc import Iterable
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from cdx.model.book import MAX_LEVELS, Level
from cdx.protocol.decimals import read, trailing_zeros
from cdx.protocol.limits import (
    DISPLAY_DIGITS,
    MAX_COIN_NAME,
    MAX_DECIMALS,
    MAX_ID_DIGITS,
    MAX_INTEGER_DIGITS,
    MAX_LOG_TEXT,
    MAX_PRECISION,
    MAX_SIGNIFICANT_DIGITS,
    MAX_SYMBOL_NAME,
    TIME_MAX_MS,
    TIME_MAX_S,
    TIME_MIN_MS,
    TIME_MIN_S,
)

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Enum)

POSITIVE = "positive"
"""Sign rule: greater than zero (prices, order volumes, level amounts)."""
NON_NEGATIVE = "non-negative"
"""Sign rule: zero or more (fees, balances, filled amounts, 24 h volumes)."""
ANY_SIGN = "any sign"
"""Sign rule: either sign (ratios such as `rose`)."""


def shown(value: object) -> str:
    """A wire value quoted for a log line or error: short, printable, never expensive.

    Containers are described, not printed; long text is cut; integers too wide to print are
    described by their size, so quoting a hostile value can never raise or allocate much.
    """
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 64:
            return f"an integer of {value.bit_length()} bits"
        return repr(value)
    if isinstance(value, Decimal):
        if len(value.as_tuple().digits) > MAX_LOG_TEXT:
            return f"a decimal of {len(value.as_tuple().digits)} digits"
        value = str(value)
    if isinstance(value, str):
        text = ascii(value[:MAX_LOG_TEXT])
        return text + ("..." if len(value) > MAX_LOG_TEXT else "")
    if isinstance(value, list | tuple | dict):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__}"


# Decimals -------------------------------------------------------------------------------------


def decimal(
    value: Any, *, sign: str = POSITIVE, decimals: int | None = None, exact: bool = True
) -> Decimal:
    """A decimal within the global bounds (see `decimals.from_wire`) and the sign rule.

    With `decimals` (a symbol's precision), the value must also quantize to that many decimals
    in the default context, and, if `exact`, carry no more non-zero decimals than that (trailing
    zeros are allowed: `"27000.500"` is a price of precision 2).
    """
    if sign == POSITIVE and type(value) is str:
        plain = _PLAIN_POSITIVE.get(decimals)
        if plain is not None and plain(value) is not None and (result := Decimal(value)):
            return result  # what the checks below return for it (see `plain_positive`)
    result, exponent = read(value)
    if sign == POSITIVE and result <= 0:
        raise ValueError(f"{shown(value)} is not positive")
    if sign == NON_NEGATIVE and result < 0:
        raise ValueError(f"{shown(value)} is negative")
    if decimals is not None and not result.is_zero():
        if result.adjusted() + 1 + decimals > DISPLAY_DIGITS:
            raise ValueError(f"{shown(value)} is too large for {decimals} decimals")
        if (
            exact
            and -exponent > decimals
            and -(exponent + trailing_zeros(result.as_tuple().digits)) > decimals
        ):
            raise ValueError(f"{shown(value)} has more than {decimals} decimals")
    return result


def plain_positive(decimals: int | None) -> str:
    """A regular expression of the one form a server of the protocol writes a price or amount
    in, `"27000.50"`: a string it fully matches is, unless zero, one `decimal` passes with
    `sign=POSITIVE` and these `decimals` (None or a precision, 0..18), and `Decimal(text)` is
    what `decimal` returns for it, with the same exponent.

    ASCII digits, at most 15 before an optional point (fewer if 28 digits in all would not
    fit) and at most `decimals` after it (13 without a precision), so the value is below
    10^15, has at most 28 digits and fits `decimals` exactly: every bound `read` and
    `decimal` check holds. Zero, a sign, an exponent, blanks or anything longer are left to
    the checks, which give the reason. `decimal` tries it first; a reader of many values (a
    depth push's new rows) may match it itself and call `decimal` for the rest.
    """
    fraction = MAX_SIGNIFICANT_DIGITS - MAX_INTEGER_DIGITS if decimals is None else decimals
    fraction = min(fraction, MAX_DECIMALS)
    whole = min(MAX_INTEGER_DIGITS, MAX_SIGNIFICANT_DIGITS - fraction, DISPLAY_DIGITS - fraction)
    return rf"[0-9]{{1,{whole}}}(?:\.[0-9]{{0,{fraction}}})?"


_PLAIN_POSITIVE = {
    decimals: re.compile(plain_positive(decimals)).fullmatch
    for decimals in (None, *range(MAX_PRECISION + 1))
}
"""`plain_positive` of every precision a symbol may have, and of none, as `decimal` tests it."""


# Integers -------------------------------------------------------------------------------------


def integer(value: Any, low: int, high: int) -> int:
    """An integer in `low..high`: a JSON integer, or ASCII digits as some servers send."""
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_DIGITS and _ascii_digits(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{shown(value)} is not an integer")
    if not low <= value <= high:
        raise ValueError(f"{shown(value)} is outside {low}..{high}")
    return value


def time_ms(value: Any) -> int:
    """A time in Unix milliseconds within 2000-01-01..2100-01-01 UTC (a fixed window: no clock)."""
    return integer(value, TIME_MIN_MS, TIME_MAX_MS)


def time_s(value: Any) -> int:
    """A kline open time in Unix seconds within 2000-01-01..2100-01-01 UTC."""
    return integer(value, TIME_MIN_S, TIME_MAX_S)


def precision(value: Any) -> int:
    """A symbol's price or amount precision: 0..18 decimals."""
    return integer(value, 0, MAX_PRECISION)


def enum(cls: type[E], value: Any) -> E:
    """A wire enum (`Side`, `OrderType`, `OrderStatus`) from its exact wire value."""
    if isinstance(value, str) and len(value) <= MAX_ID_DIGITS and _ascii_digits(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{shown(value)} is not a {cls.__name__}")
    try:
        return cls(value)
    except ValueError:
        raise ValueError(f"{shown(value)} is not a {cls.__name__}") from None


# Names and ids --------------------------------------------------------------------------------


def digits_id(value: Any) -> str:
    """An order or trade id: 1..20 ASCII digits (a JSON integer is accepted and written out)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**MAX_ID_DIGITS:
        return str(value)
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_DIGITS and _ascii_digits(value):
        return value
    raise ValueError(f"{shown(value)} is not an id of 1..{MAX_ID_DIGITS} digits")


def symbol_name(value: Any) -> str:
    """A symbol name such as `btcusdt`: 1..24 lower-case ASCII letters and digits."""
    return _name(value, MAX_SYMBOL_NAME, "symbol")


def coin_name(value: Any) -> str:
    """A coin name such as `btc`: 1..16 lower-case ASCII letters and digits."""
    return _name(value, MAX_COIN_NAME, "coin")


def fee_coin(value: Any) -> str:
    """The coin an order's fee is counted in; empty is allowed for an order with no fill yet."""
    return "" if isinstance(value, str) and value == "" else coin_name(value)


def _name(value: Any, limit: int, what: str) -> str:
    if (
        isinstance(value, str)
        and 0 < len(value) <= limit
        and value.isascii()
        and value.isalnum()
        and value == value.lower()
    ):
        return value
    raise ValueError(f"{shown(value)} is not a {what} name (1..{limit} of a-z, 0-9)")


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


# Books ----------------------------------------------------------------------------------------


def book_side(levels: Iterable[Level], *, descending: bool, what: str) -> tuple[Level, ...]:
    """One side of a book sorted best first, one level per price, at most 150 levels.

    A server of the protocol sends exactly that; another one's levels are repaired, not
    refused, with one log line per repair: sorted (asks ascending, bids descending), a
    price given twice kept at its first amount (which of the two is right cannot be known; the
    first never shows more than the server claimed), then cut to the best 150.
    """
    rows = levels if type(levels) is list else list(levels)
    if len(rows) <= MAX_LEVELS and _strictly_best_first(rows, descending):
        return tuple(rows)  # what every server of the protocol sends: nothing to repair
    ordered = sorted(rows, key=lambda level: level[0], reverse=descending)
    if ordered != rows:
        log.warning("%s were not sorted best first; sorted them", what)
    unique: list[Level] = []
    for level in ordered:
        if unique and unique[-1][0] == level[0]:
            continue
        unique.append(level)
    if len(unique) < len(ordered):
        log.warning("%s gave %d prices twice; kept the first", what, len(ordered) - len(unique))
    if len(unique) > MAX_LEVELS:
        log.warning("%s had %d levels; kept the best %d", what, len(unique), MAX_LEVELS)
        unique = unique[:MAX_LEVELS]
    return tuple(unique)


def _strictly_best_first(rows: list[Level], descending: bool) -> bool:
    """Whether prices strictly fall (bids) or rise (asks): sorted with one level per price.

    Decided by C-level comparisons over the price column, so the common, well-formed side
    costs a few microseconds instead of a sort and a Python loop per level.
    """
    prices = list(map(_PRICE, rows))
    better = operator.gt if descending else operator.lt
    return all(map(better, prices, prices[1:]))


_PRICE = operator.itemgetter(0)


def uncross(
    asks: tuple[Level, ...], bids: tuple[Level, ...], *, what: str
) -> tuple[tuple[Level, ...], tuple[Level, ...]]:
    """Drop the levels that cross, best bid and best ask together, until bid < ask.

    A book whose best bid reaches its best ask cannot be true (a matching engine would have
    traded them, and step aggregation only widens the spread); which side is wrong cannot be
    known, so both crossing levels go. Each side must already be sorted best first.
    """
    dropped = 0
    while asks and bids and bids[0][0] >= asks[0][0]:
        asks, bids = asks[1:], bids[1:]
        dropped += 1
    if dropped:
        log.warning("%s was crossed; dropped the %d best level(s) of each side", what, dropped)
    return asks, bids
