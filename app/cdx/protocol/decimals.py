"""Decimal values on the wire (PROTOCOL.md section 2): strings without exponent.

Parsing is strict on the way in to the server (a parameter must be a plain positive decimal)
and lenient on the way in to the client (JSON numbers are accepted, never as binary floats).
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

_PLAIN = re.compile(r"^[0-9]{1,30}(?:\.[0-9]{1,30})?$")


class DecimalFormatError(ValueError):
    """A value that is not a decimal as the protocol writes them."""


def parse_param(text: str) -> Decimal:
    """A request parameter as a `Decimal`: digits with an optional fraction, nothing else.

    Rejects signs, exponents, `NaN`, `Infinity`, blanks and absurdly long values, so the server
    never has to reason about them.
    """
    if not _PLAIN.match(text):
        raise DecimalFormatError(f"{text[:40]!r} is not a plain decimal")
    return Decimal(text)


def from_wire(value: object) -> Decimal:
    """A decimal field of a response: a string, an int, or a JSON number already read as Decimal.

    Raises `DecimalFormatError` for anything else (a bool, a float, `NaN`, a non-numeric string).
    """
    if isinstance(value, bool):
        raise DecimalFormatError(f"{value!r} is not a decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise DecimalFormatError(f"{value[:40]!r} is not a decimal") from None
    else:
        raise DecimalFormatError(f"{type(value).__name__} is not a decimal")
    if not result.is_finite():
        raise DecimalFormatError(f"{value!r} is not finite")
    return result


def places(value: Decimal) -> int:
    """How many decimals `value` is written with (`Decimal("1.50")` has 2)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def to_wire(value: Decimal, decimals: int | None = None) -> str:
    """A decimal as the protocol writes it: fixed point, never an exponent.

    With `decimals`, the value is quantized (rounded down) to that many places first.
    """
    if decimals is not None:
        value = quantize_down(value, decimals)
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def quantize_down(value: Decimal, decimals: int) -> Decimal:
    """Round toward zero to `decimals` places: never shows more than there is."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN)


def normalized_str(value: Decimal) -> str:
    """A value with trailing zeros removed, still without exponent (for quote amounts, fees)."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text
