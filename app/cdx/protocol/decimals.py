"""Decimal values on the wire (PROTOCOL.md section 2): strings without exponent.

Parsing is strict on the way in to the server (a parameter must be a plain positive decimal)
and lenient on the way in to the client (JSON numbers are accepted, never as binary floats).
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from cdx.protocol.limits import (
    MAX_DECIMALS,
    MAX_INTEGER_DIGITS,
    MAX_LOG_TEXT,
    MAX_NUMBER_TEXT,
    MAX_SIGNIFICANT_DIGITS,
)

_PLAIN = re.compile(r"^[0-9]{1,30}(?:\.[0-9]{1,30})?$")
_WIRE = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,6})?$")
"""A decimal as a lenient client reads one: ASCII only; the exponent is for other servers."""
_FAST = re.compile(r"^-?([0-9]{1,15})(?:\.([0-9]{0,18}))?$")
"""A plain decimal whose text alone shows it within bounds (15 whole digits, 18 decimals)."""
_MAX_INT_BITS = 64
"""An integer in a decimal field wider than this is far out of range; refused before `Decimal()`."""
_SLACK_DIGITS = 20
"""Zeros tolerated past the bounds (`1.000...0` with trailing zeros) before refusing unread."""


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


def read(value: object) -> tuple[Decimal, int]:
    """`from_wire(value)` and the exponent it is written with (0 or less), for precision checks.

    The common case, a plain string such as `"27000.50"` that is plainly within bounds, is
    decided from its text alone (a depth push holds 600 of them); anything else goes the long
    way through `from_wire`.
    """
    if type(value) is str:
        match = _FAST.match(value)
        if match is not None:
            whole, fraction = match.groups("")
            if len(whole) + len(fraction) <= MAX_SIGNIFICANT_DIGITS or (
                len(whole.lstrip("0")) + len(fraction) <= MAX_SIGNIFICANT_DIGITS
            ):
                result = Decimal(value)
                if value[0] != "-" or not result.is_zero():
                    return result, -len(fraction)
    result = from_wire(value)
    exponent = result.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    return result, exponent


def from_wire(value: object) -> Decimal:
    """A decimal field of a response, checked for range: the only way one becomes a `Decimal`.

    Accepts a string, an int, or a JSON number already read as `Decimal`. Refuses, with
    `DecimalFormatError`, anything else (a bool, a float), text longer than `MAX_NUMBER_TEXT`
    (before `Decimal()` ever sees it), anything but ASCII digits with an optional sign, point
    and exponent (no `NaN`, `Infinity`, `_`, blanks inside, or non-ASCII digits), a magnitude
    of 10^15 or more, more than 18 decimals, or more than 28 significant digits (trailing
    zeros past either are dropped, see `bounded`). What it returns is finite, has no positive
    exponent and no negative zero, and fits the default context exactly, so it formats as fixed
    point with no surprise and simple arithmetic on it is exact.
    """
    if isinstance(value, bool):
        raise DecimalFormatError(f"{value!r} is not a decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if value.bit_length() > _MAX_INT_BITS:
            raise DecimalFormatError(f"an integer of {value.bit_length()} bits is out of range")
        result = Decimal(value)
    elif isinstance(value, str):
        if len(value) > MAX_NUMBER_TEXT:
            raise DecimalFormatError(
                f"{_quoted(value)} is longer than {MAX_NUMBER_TEXT} characters"
            )
        text = value.strip()
        if not _WIRE.match(text):
            raise DecimalFormatError(f"{_quoted(value)} is not a decimal")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise DecimalFormatError(f"{_quoted(value)} is not a decimal") from None
    else:
        raise DecimalFormatError(f"{type(value).__name__} is not a decimal")
    return bounded(result)


def bounded(value: Decimal) -> Decimal:
    """`value` if it is finite, below 10^15 in magnitude, has at most 18 decimals and at most
    28 significant digits.

    Decided from `as_tuple()`/`adjusted()` only, never by arithmetic on the unchecked value, so
    `1E+999999999` or a million digits cost nothing. A positive exponent is written out
    (`1E+3` becomes `1000`), zero loses its sign, and trailing zeros past 18 decimals or past
    28 digits are dropped. 28 digits is the default context's precision: `abs`, negation and
    quantizing to 8 decimals of a value that passed are exact, never silently rounded.
    """
    if not value.is_finite():
        raise DecimalFormatError(f"{_quoted(value)} is not finite")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    if len(digits) > MAX_INTEGER_DIGITS + MAX_DECIMALS + _SLACK_DIGITS:
        raise DecimalFormatError(f"a decimal of {len(digits)} digits is out of range")
    if value.is_zero():
        if exponent < -MAX_DECIMALS - _SLACK_DIGITS:
            raise DecimalFormatError(f"{_quoted(value)} has more than {MAX_DECIMALS} decimals")
        return Decimal((0, (0,), max(min(exponent, 0), -MAX_DECIMALS)))
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        raise DecimalFormatError(
            f"{_quoted(value)} is out of range (|x| < 10^{MAX_INTEGER_DIGITS})"
        )
    if exponent > 0:
        return Decimal((sign, digits + (0,) * exponent, 0))
    extra = max(-MAX_DECIMALS - exponent, len(digits) - MAX_SIGNIFICANT_DIGITS)
    if extra <= 0:
        return value
    # drop trailing zeros while there are too many decimals or digits, then insist
    drop = min(extra, trailing_zeros(digits), -exponent)
    digits, exponent = digits[: len(digits) - drop], exponent + drop
    if exponent < -MAX_DECIMALS:
        raise DecimalFormatError(f"{_quoted(value)} has more than {MAX_DECIMALS} decimals")
    if len(digits) > MAX_SIGNIFICANT_DIGITS:
        raise DecimalFormatError(
            f"{_quoted(value)} has more than {MAX_SIGNIFICANT_DIGITS} significant digits"
        )
    return Decimal((sign, digits, exponent))


def trailing_zeros(digits: tuple[int, ...]) -> int:
    """How many of a `DecimalTuple`'s digits at the end are 0."""
    count = 0
    for digit in reversed(digits):
        if digit:
            break
        count += 1
    return count


def _quoted(value: object) -> str:
    """A refused value for a message: short and printable, however long or odd the original."""
    if isinstance(value, Decimal):
        digits = value.as_tuple().digits
        if len(digits) > MAX_LOG_TEXT:
            return f"a decimal of {len(digits)} digits"
        value = str(value)
    text = value if isinstance(value, str) else type(value).__name__
    return repr(text[:MAX_LOG_TEXT]) + ("..." if len(text) > MAX_LOG_TEXT else "")


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
