"""The balances panel's table as text: which columns fit, and every cell formatted.

Pure, so it can be fed any value: it never raises. Columns are Coin, Available, Locked, the
value in the current symbol's quote coin (`≈USDT`) and the value in BTC (`≈BTC`), plus a
Total row under the values. When the panel is narrow a whole column goes rather than digits
being cut: Locked first while nothing is locked (else after the BTC value), then the BTC
value, then the quote value; only then are available amounts cut (marked, see
`cdx.ui.format`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from cdx.model.account import Balance
from cdx.model.valuation import BTC, Pair, valued
from cdx.ui.format import (
    NOT_A_NUMBER,
    NUMBER_WIDTH,
    align_points,
    display_math,
    fmt_amount,
    fmt_text,
)
from cdx.ui.format import places as places_of

NO_VALUE = "–"
"""A coin held that no price values: unknown worth, never shown as 0."""

BTC_DECIMALS = 8
"""BTC values are shown to the satoshi, as the exchange computes them."""

DROP_ORDER = ("locked", "btc", "value")
"""Columns dropped, in this order, when the panel is too narrow for all of them; while some
money is locked, Locked stays longer (`HELD_DROP_ORDER`)."""

HELD_DROP_ORDER = ("btc", "locked", "value")


@dataclass(frozen=True, slots=True)
class ValuedIn:
    """What to value balances in: the quote coin of the current symbol, the decimals its
    values are shown with (the symbol's price precision), and the last prices known."""

    quote: str
    decimals: int
    prices: Mapping[Pair, Decimal] = field(default_factory=dict)
    coin_decimals: Mapping[str, int] = field(default_factory=dict)
    """The decimals a coin's amounts are shown with (the current symbol's precisions): a
    balance of `99,900.02219614` USDT reads `99,900.02`, rounded down, and leaves room."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of numbers: its key, header, a cell per balance and the Total row's cell."""

    key: str
    header: str
    cells: tuple[str, ...]
    total: str = ""

    @property
    def width(self) -> int:
        return max(len(self.header), len(self.total), *(len(cell) for cell in self.cells))


@dataclass(frozen=True, slots=True)
class BalanceTable:
    """The panel's text: per balance (coin, available, locked, the balance); the columns that
    fit, in order; whether the locked column fits; and whether a Total row is shown."""

    cells: tuple[tuple[str, str, str, Balance], ...]
    coin_width: int
    columns: tuple[Column, ...]
    show_locked: bool
    has_total: bool

    @property
    def widths(self) -> tuple[int, ...]:
        return (self.coin_width, *(column.width for column in self.columns))


def balance_table(
    balances: Sequence[Balance],
    width: int,
    valued_in: ValuedIn | None = None,
    unknown: frozenset[str] = frozenset(),
    *,
    complete: bool = True,
) -> BalanceTable:
    """Lay out `balances` for a panel `width` cells wide (0: not laid out yet, show all).

    `unknown` coins (their entry may be among the unreadable ones) show `?` in every column;
    an account that is not `complete` (entries were unreadable) has no Total row.
    Value columns appear only when something in them has a value.
    """
    coins = [fmt_text(b.coin.upper(), 12) for b in balances]
    coin_w = max([len("Total") if valued_in else 4, *(len(coin) for coin in coins)])
    known = [b.coin not in unknown for b in balances]
    shown = valued_in.coin_decimals if valued_in else {}
    places = [shown.get(b.coin) for b in balances]
    columns = [
        _amounts("available", "Available", [b.available for b in balances], known, places=places),
        _amounts("locked", "Locked", [b.locked for b in balances], known, places=places),
        *(_value_columns(balances, valued_in, known, complete) if valued_in else ()),
    ]
    with display_math():  # a server's sNaN must not trap a comparison
        held = any(b.locked != 0 for b, ok in zip(balances, known, strict=True) if ok)
    columns = _fit(columns, coin_w, width, HELD_DROP_ORDER if held else DROP_ORDER)
    room = width - coin_w - 3 - sum(1 + c.width for c in columns if c.key != "available")
    if width and columns[0].width > room:
        amounts = [b.available for b in balances]
        columns[0] = _amounts("available", "Available", amounts, known, max(room, 0), places)
    cells = tuple(
        zip(
            coins, columns[0].cells, _cells(columns, "locked", len(balances)), balances, strict=True
        )
    )
    show_locked = any(column.key == "locked" for column in columns)
    # Totals of an account with unreadable entries are unknown: no row (the panel's note says
    # why, and keeps its line).
    has_total = complete and any(column.total for column in columns)
    return BalanceTable(cells, coin_w, tuple(columns), show_locked, has_total)


def _fit(columns: list[Column], coin_w: int, width: int, order: Sequence[str]) -> list[Column]:
    """Drop whole columns, in `order`, until the row fits `width`; Available always stays."""
    for key in order:
        if not width or 1 + coin_w + sum(1 + c.width for c in columns) <= width:
            break
        columns = [column for column in columns if column.key != key]
    return columns


def _cells(columns: Sequence[Column], key: str, rows: int) -> tuple[str, ...]:
    column = next((c for c in columns if c.key == key), None)
    return column.cells if column is not None else ("",) * rows


def _amounts(
    key: str,
    header: str,
    values: Sequence[Decimal],
    known: Sequence[bool],
    room: int = NUMBER_WIDTH,
    places: Sequence[int | None] = (),
) -> Column:
    # Balances come normalized ("2", "0.5"): line the decimal points up instead. A coin with
    # display decimals shows at most those (`ValuedIn.coin_decimals`).
    decimals = list(places) or [None] * len(values)
    texts = [
        fmt_amount(value, _at_most(value, most), width=room) if ok else NOT_A_NUMBER
        for value, ok, most in zip(values, known, decimals, strict=True)
    ]
    return Column(key, header, tuple(align_points(texts)))


def _value_columns(
    balances: Sequence[Balance], valued_in: ValuedIn, known: Sequence[bool], complete: bool
) -> list[Column]:
    """The `≈QUOTE` and `≈BTC` columns, each only when it values something; one column when
    the quote coin is BTC itself."""
    worth = valued(balances, valued_in.quote, valued_in.prices)
    everything_known = complete and all(known)
    quote = fmt_text(valued_in.quote.upper(), 8)
    pairs = [("value", f"≈{quote}", worth.values, worth.total, valued_in.decimals)]
    if valued_in.quote != BTC:
        pairs.append(("btc", "≈BTC", worth.btc, worth.total_btc, BTC_DECIMALS))
    columns = []
    for key, header, values, total, decimals in pairs:
        if not any(v is not None for v, ok in zip(values, known, strict=True) if ok):
            continue
        texts = [
            _value(v, decimals) if ok else NOT_A_NUMBER for v, ok in zip(values, known, strict=True)
        ]
        total_text = _value(total, decimals) if everything_known else NOT_A_NUMBER
        *aligned, total_aligned = align_points([*texts, total_text])
        columns.append(Column(key, header, tuple(aligned), total_aligned))
    return columns


def _at_most(value: Decimal, most: int | None) -> int | None:
    """`most` decimals when the value has more, else as written (None)."""
    if most is None or not value.is_finite():
        return None
    with display_math():
        return most if places_of(value) > most else None


def _value(value: Decimal | None, decimals: int) -> str:
    return NO_VALUE if value is None else fmt_amount(value, decimals)
