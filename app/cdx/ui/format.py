"""Number and time formatting for display: `Decimal` in, `str` out, never through a float.

Every widget formats through here so a price looks the same in the ladder, the ticker and the
watchlist. Amounts are rounded toward zero (a balance never shows more than there is); prices
and percentages are rounded half-even.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from cdx.protocol.decimals import places

MAX_AMOUNT_DECIMALS = 8
"""Amounts given without a precision are shown with at most this many decimals."""

_COMPACT_SUFFIXES: tuple[tuple[Decimal, str], ...] = (
    (Decimal(1), ""),
    (Decimal(10) ** 3, "k"),
    (Decimal(10) ** 6, "M"),
    (Decimal(10) ** 9, "B"),
    (Decimal(10) ** 12, "T"),
)


def _fixed(value: Decimal, decimals: int, rounding: str, *, grouped: bool) -> str:
    decimals = max(decimals, 0)
    quantum = Decimal(1).scaleb(-decimals)
    rounded = value.quantize(quantum, rounding=rounding)
    if rounded.is_zero():
        rounded = abs(rounded)  # never "-0.00"
    spec = f",.{decimals}f" if grouped else f".{decimals}f"
    return format(rounded, spec)


def fmt_price(value: Decimal, decimals: int, *, grouped: bool = True) -> str:
    """A price with exactly `decimals` decimals and thousands separators: `27,000.50`."""
    return _fixed(value, decimals, ROUND_HALF_EVEN, grouped=grouped)


def fmt_amount(value: Decimal, decimals: int | None = None, *, grouped: bool = True) -> str:
    """An amount with `decimals` decimals (default: as written, at most 8), rounded down."""
    if decimals is None:
        decimals = min(places(value), MAX_AMOUNT_DECIMALS)
    return _fixed(value, decimals, ROUND_DOWN, grouped=grouped)


def fmt_pct(rose: Decimal) -> str:
    """A ratio (`rose` = last / open - 1) as a signed percentage: `0.0071` -> `+0.71%`."""
    return f"{_signed(rose * 100, 2)}%"


def _signed(value: Decimal, decimals: int) -> str:
    text = _fixed(value, decimals, ROUND_HALF_EVEN, grouped=False)
    return text if text.startswith("-") else f"+{text}"


def fmt_compact(value: Decimal, decimals: int = 2) -> str:
    """A large quantity in a few characters: `1234.5` -> `1.23k`, `4560000` -> `4.56M`.

    Values below a thousand keep `decimals` decimals; the suffix moves up when rounding would
    reach a thousand (`999999` -> `1.00M`, not `1000.00k`).
    """
    magnitude = abs(value)
    for index, (scale, suffix) in enumerate(_COMPACT_SUFFIXES):
        scaled = _fixed(magnitude / scale, decimals, ROUND_HALF_EVEN, grouped=False)
        last = index == len(_COMPACT_SUFFIXES) - 1
        if Decimal(scaled) < 1000 or last:
            sign = "-" if value < 0 and Decimal(scaled) != 0 else ""
            return f"{sign}{scaled}{suffix}"
    raise AssertionError("unreachable")  # pragma: no cover


def fmt_time(ts_ms: int) -> str:
    """Unix milliseconds as `HH:MM:SS` in UTC (the tape's clock; servers speak UTC)."""
    return datetime.fromtimestamp(ts_ms // 1000, tz=UTC).strftime("%H:%M:%S")


def fmt_seconds(seconds: float) -> str:
    """An age in seconds for the status bar: `0.4s` below ten seconds, then `17s`, `3m05s`."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def align_points(texts: Sequence[str]) -> list[str]:
    """Pad formatted numbers on the right so that their decimal points line up in a column.

    `["2", "0.5", "100,000.125"]` -> `["2    ", "0.5  ", "100,000.125"]`, ready to right-align.
    """
    fractions = [len(text) - text.index(".") if "." in text else 0 for text in texts]
    widest = max(fractions, default=0)
    return [
        text + " " * (widest - fraction) for text, fraction in zip(texts, fractions, strict=True)
    ]
