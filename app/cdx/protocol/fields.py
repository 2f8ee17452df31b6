"""How one wire field passes the gate, how a wire list is read entry by entry, and how values
are written back (PROTOCOL.md section 2).

The decoders of `market_data`, `history` and `account` are built from these pieces, so every
value from the wire passes `cdx.protocol.gate` the same way: a field converter raises
`CodecError` naming the field and nothing else, and `decode_each` skips and logs an entry that
fails instead of refusing its list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypeVar

from cdx.model.symbol import Symbol
from cdx.protocol import gate
from cdx.protocol.decimals import normalized_str, to_wire
from cdx.protocol.gate import POSITIVE
from cdx.protocol.limits import MAX_PAGE_ITEMS

log = logging.getLogger(__name__)

T = TypeVar("T")


class CodecError(ValueError):
    """A wire value with a missing field, a wrong type, an unknown enum value, or a value the
    gate refuses (out of range, wrong sign, too many decimals, senseless)."""


def field(obj: Any, name: str, convert: Callable[[Any], T]) -> T:
    """`obj[name]` through `convert` (a gate check): any failure is a `CodecError` naming the
    field, so a decoder reports which field was wrong and raises nothing else."""
    if not isinstance(obj, Mapping):
        raise CodecError(f"expected an object holding {name!r}, got {type(obj).__name__}")
    if name not in obj:
        raise CodecError(f"missing field {name!r}")
    try:
        return convert(obj[name])
    except (ValueError, TypeError) as exc:
        raise CodecError(f"field {name!r}: {exc}") from None


def optional_field(obj: Mapping[str, Any], name: str, convert: Callable[[Any], T]) -> T | None:
    """A field a server may omit or send as null or empty."""
    value = obj.get(name)
    absent = value is None or (isinstance(value, str) and value == "")
    return None if absent else field(obj, name, convert)


def as_object(value: Any, what: str) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else a `CodecError` saying what was expected."""
    if not isinstance(value, Mapping):
        raise CodecError(f"{what} is not an object ({gate.shown(value)})")
    return value


def dec(
    sign: str = POSITIVE, decimals: int | None = None, *, exact: bool = True
) -> Callable[[Any], Decimal]:
    """A field converter: a decimal checked by the gate for `sign` and, if known, `decimals`."""
    return lambda value: gate.decimal(value, sign=sign, decimals=decimals, exact=exact)


def enum_of(cls: Any) -> Callable[[Any], Any]:
    """A field converter: the wire enum `cls` (`Side`, `OrderType`, `OrderStatus`) by the gate."""
    return lambda value: gate.enum(cls, value)


def precisions(symbol: Symbol | None) -> tuple[int | None, int | None]:
    """(price, amount) precisions to check against, or (None, None) for an unknown symbol."""
    if symbol is None:
        return None, None
    return symbol.price_precision, symbol.amount_precision


def same_symbol(name: str, symbol: Symbol | None) -> str:
    """`name`, if it is the symbol asked for: an answer about another symbol is not this one's."""
    if symbol is not None and name != symbol.name:
        raise CodecError(f"symbol {gate.shown(name)} where {symbol.name} was asked for")
    return name


def time_ms(value: Any) -> int:
    """A push's `ts` (or any wire time in ms) checked by the gate; `CodecError` if it is not.

    A push whose `ts` fails is skipped whole: its frame, not one entry, is wrong.
    """
    try:
        return gate.time_ms(value)
    except ValueError as exc:
        raise CodecError(f"'ts': {exc}") from None


def decode_each(
    items: Any, decode: Callable[[Any], T], what: str, limit: int = MAX_PAGE_ITEMS
) -> list[T]:
    """Decode every entry of a wire list, skipping those that fail, in the order given.

    Entries past `limit` are not decoded at all. Skipped entries are logged once per list
    (how many, and the first reason), so a hostile server cannot flood the log line by line.
    Raises `CodecError` only when `items` is not a list.
    """
    if not isinstance(items, list):
        raise CodecError(f"{what}: expected a list, got {gate.shown(items)}")
    if len(items) > limit:
        log.warning("%s: %d entries; read the first %d", what, len(items), limit)
        items = items[:limit]
    decoded: list[T] = []
    first_error = ""
    skipped = 0
    for item in items:
        try:
            decoded.append(decode(item))
        except CodecError as exc:
            skipped += 1
            first_error = first_error or str(exc)
    if skipped:
        log.warning("%s: skipped %d of %d malformed (%s)", what, skipped, len(items), first_error)
    return decoded


def quote_str(value: Decimal) -> str:
    """Quote amounts, fees and ratios: as many decimals as they need, no exponent."""
    return normalized_str(value)


def price_str(value: Decimal, symbol: Symbol) -> str:
    """A price in the symbol's price precision, rounded half to even."""
    return to_wire(value.quantize(symbol.tick, rounding=ROUND_HALF_EVEN))


def amount_str(value: Decimal, symbol: Symbol) -> str:
    """A base amount cut down to the symbol's amount precision: never more than there is."""
    return to_wire(value, symbol.amount_precision)
