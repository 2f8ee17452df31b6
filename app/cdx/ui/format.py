"""Number, time and text formatting for display: `Decimal` in, `str` out, never through a float.

Every widget formats through here so a price looks the same in the ladder, the ticker and the
watchlist. Amounts are rounded toward zero (a balance never shows more than there is); prices
and percentages are rounded half-even.

These functions never raise, whatever finite or infinite `Decimal` (or precision) they are
given: they compute in a private decimal context, so a huge, tiny or over-precise value cannot
trip the caller's context. And no number is ever wider than `width` characters unless marked:

- decimals that do not fit are cut and the text ends in `…` (`27,000.12345…`): there is more;
- an integer part that does not fit becomes a compact form with a suffix (`1.23T`) or, beyond
  thousands of trillions, a mantissa and exponent (`1.00e400`); NaN and infinities show as `?`.

So a column sized for `width` never hides digits silently.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    localcontext,
)
from typing import ParamSpec, TypeVar

from cdx.protocol.decimals import places

MAX_AMOUNT_DECIMALS = 8
"""Amounts given without a precision are shown with at most this many decimals."""

MAX_DECIMALS = 18
"""The most decimals shown (PROTOCOL.md: precisions are 0-18); a larger precision is clamped."""

NUMBER_WIDTH = 20
"""The widest a formatted number gets unless the caller asks for less (or more)."""

MIN_WIDTH = 8
"""Narrower requests are raised to this, the room a compact form needs (`-999.99k`)."""

MAX_TEXT = 40
"""Server strings (coin and symbol names, ids, messages) are cut to this many characters."""

NOT_A_NUMBER = "?"
HUGE = "huge"
"""A magnitude whose exponent alone is wider than the column (beyond 10^99999 at 8 columns)."""
NO_TIME = "--:--:--"

FIT_CACHE_SIZE = 4096
"""Formatted numbers remembered: a few screens of prices, amounts and totals."""

MAX_FIXED_DIGITS = 60
"""A value with more integer digits is always shown compact, however wide the column."""

_SAFE = Context(prec=100, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])
"""More digits than any value shown in fixed point has (`MAX_FIXED_DIGITS` + `MAX_DECIMALS`);
nothing traps (results are checked)."""

_COMPACT_SUFFIXES: tuple[tuple[Decimal, str], ...] = (
    (Decimal(1), ""),
    (Decimal(10) ** 3, "k"),
    (Decimal(10) ** 6, "M"),
    (Decimal(10) ** 9, "B"),
    (Decimal(10) ** 12, "T"),
)


def _clamp_decimals(decimals: int) -> int:
    return min(max(decimals, 0), MAX_DECIMALS)


def _fixed_text(value: Decimal, decimals: int, rounding: str, *, grouped: bool) -> str:
    """`value` in fixed point; the caller made sure its integer part is short."""
    with localcontext(_SAFE):
        rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=rounding)
        if rounded.is_zero():
            rounded = abs(rounded)  # never "-0.00"
        spec = f",.{decimals}f" if grouped else f".{decimals}f"
        return format(rounded, spec)


def _fit(value: Decimal, decimals: int, rounding: str, *, grouped: bool, width: int | None) -> str:
    if not value.is_finite():
        return NOT_A_NUMBER
    if value:
        return _fit_cached(value, decimals, rounding, grouped, width)
    return _fit_finite(value, decimals, rounding, grouped, width)


@functools.lru_cache(maxsize=FIT_CACHE_SIZE)
def _fit_cached(
    value: Decimal, decimals: int, rounding: str, grouped: bool, width: int | None
) -> str:
    """`_fit_finite`, remembered: a ladder formats every level's price, amount and total on
    every push, and most of them are the same numbers as on the last one. Only for values
    other than zero: equal non-zero decimals format alike however they are written, but zeros
    do not (`0E+100` is equal to `0` and shown in another form)."""
    return _fit_finite(value, decimals, rounding, grouped, width)


def _fit_finite(
    value: Decimal, decimals: int, rounding: str, grouped: bool, width: int | None
) -> str:
    decimals = _clamp_decimals(decimals)
    limit = max(width, MIN_WIDTH) if width is not None else None
    integer_digits = value.adjusted() + 1
    if integer_digits > min(limit or MAX_FIXED_DIGITS, MAX_FIXED_DIGITS):
        return _compact(value, limit or NUMBER_WIDTH)
    text = _fixed_text(value, decimals, rounding, grouped=grouped)
    if limit is None or len(text) <= limit:
        return text
    whole, dot, _ = text.partition(".")
    if dot and len(whole) + 2 < limit:
        return text[: limit - 1] + "…"
    return _compact(value, limit)


def _compact(value: Decimal, width: int) -> str:
    """A value too wide for fixed point: suffixed below 10^15, else mantissa and exponent."""
    for text in (fmt_compact(value), _scientific(value, 1), _scientific(value, 0)):
        if len(text) <= width:
            return text
    return f"-{HUGE}" if value < 0 else HUGE


def _scientific(value: Decimal, decimals: int) -> str:
    with localcontext(_SAFE):
        exponent = value.adjusted()
        mantissa = value.scaleb(-exponent).quantize(
            Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN
        )
        return f"{mantissa}e{exponent}"


def fmt_price(
    value: Decimal, decimals: int, *, grouped: bool = True, width: int | None = NUMBER_WIDTH
) -> str:
    """A price with exactly `decimals` decimals and thousands separators: `27,000.50`.

    At most `width` characters (marked when cut, see the module); `width=None` for a value
    that must be read in full (the order form's prefill).
    """
    return _fit(value, decimals, ROUND_HALF_EVEN, grouped=grouped, width=width)


def fmt_amount(
    value: Decimal,
    decimals: int | None = None,
    *,
    grouped: bool = True,
    width: int | None = NUMBER_WIDTH,
) -> str:
    """An amount with `decimals` decimals (default: as written, at most 8), rounded down."""
    if decimals is None:
        decimals = min(places(value), MAX_AMOUNT_DECIMALS) if value.is_finite() else 0
    return _fit(value, decimals, ROUND_DOWN, grouped=grouped, width=width)


def fmt_exact(value: Decimal, min_decimals: int, *, width: int | None = None) -> str:
    """A value the user pays, never rounded: all its decimals, at least `min_decimals`."""
    if not value.is_finite():
        return NOT_A_NUMBER
    with localcontext(_SAFE):
        written = places(value.normalize())
    return fmt_amount(value, max(written, min_decimals), width=width)


def fmt_pct(rose: Decimal, *, width: int = 10) -> str:
    """A ratio (`rose` = last / open - 1) as a signed percentage: `0.0071` -> `+0.71%`."""
    if not rose.is_finite():
        return NOT_A_NUMBER
    with localcontext(_SAFE):
        percent = rose.scaleb(2)
    text = _fit(percent, 2, ROUND_HALF_EVEN, grouped=False, width=width - 2)
    return f"{text if text.startswith('-') else '+' + text}%"


def fmt_compact(value: Decimal, decimals: int = 2) -> str:
    """A large quantity in a few characters: `1234.5` -> `1.23k`, `4560000` -> `4.56M`.

    Values below a thousand keep `decimals` decimals; the suffix moves up when rounding would
    reach a thousand (`999999` -> `1.00M`, not `1000.00k`). From a thousand trillion on, a
    mantissa and exponent (`1.20e18`).
    """
    if not value.is_finite():
        return NOT_A_NUMBER
    decimals = _clamp_decimals(decimals)
    with localcontext(_SAFE):
        magnitude = abs(value)
        if magnitude.adjusted() >= 15:
            return _scientific(value, decimals)
        for index, (scale, suffix) in enumerate(_COMPACT_SUFFIXES):
            scaled = _fixed_text(magnitude / scale, decimals, ROUND_HALF_EVEN, grouped=False)
            last = index == len(_COMPACT_SUFFIXES) - 1
            if Decimal(scaled) < 1000 or last:
                sign = "-" if value < 0 and Decimal(scaled) != 0 else ""
                return f"{sign}{scaled}{suffix}"
    raise AssertionError("unreachable")  # pragma: no cover


def fmt_time(ts_ms: int) -> str:
    """Unix milliseconds as `HH:MM:SS` in UTC (the tape's clock; servers speak UTC).

    A time no calendar can hold (years beyond 9999, or before 1) shows as `--:--:--`.
    """
    try:
        return datetime.fromtimestamp(ts_ms // 1000, tz=UTC).strftime("%H:%M:%S")
    except (OverflowError, OSError, ValueError, TypeError):
        return NO_TIME


def fmt_seconds(seconds: float) -> str:
    """An age in seconds for the status bar: `0.4s` below ten seconds, then `17s`, `3m05s`."""
    if not math.isfinite(seconds):
        return "?"
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def fmt_text(text: str, width: int = MAX_TEXT) -> str:
    """A server string made safe for the screen: controls, escapes and bidi overrides shown as
    `\\xNN` / `\\uNNNN` (never sent to the terminal), cut to `width` characters with `…`."""
    if not text.isprintable():
        text = "".join(
            ch
            if ch.isprintable()
            else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
            for ch in text
        )
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def align_points(texts: Sequence[str]) -> list[str]:
    """Pad formatted numbers on the right so that their decimal points line up in a column.

    `["2", "0.5", "100,000.125"]` -> `["2    ", "0.5  ", "100,000.125"]`, ready to right-align.
    """
    fractions = [len(text) - text.index(".") if "." in text else 0 for text in texts]
    widest = max(fractions, default=0)
    return [
        text + " " * (widest - fraction) for text, fraction in zip(texts, fractions, strict=True)
    ]


def display_math() -> AbstractContextManager[Context]:
    """A decimal context for arithmetic done only to draw (sums, bar lengths, spreads).

    Server values may be huge or over-precise; in the caller's default context a sum of them
    traps (`Overflow`, `InvalidOperation`). Here nothing traps: a result out of range becomes
    infinite or NaN, which the formatters show as `?` and bar builders treat as nothing.
    """
    return localcontext(_SAFE)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def under_display_math(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """`func` run inside `display_math()`: for a function that works on server values on
    every keystroke or push and so must never trap."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with display_math():
            return func(*args, **kwargs)

    return wrapper
