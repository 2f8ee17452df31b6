"""What the order form checks before an order is proposed: precision, size, balance.

Everything the exchange would refuse for precision, size or balance (PROTOCOL.md section 5) is
caught here, so a bad value never reaches the network. Pure functions of the form's text and
the server's rules, kept out of the widget so they can be fed anything (they never raise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from cdx.model.account import Account
from cdx.model.book import Book
from cdx.model.order import OrderType, Side
from cdx.model.preview import Preview, crosses, estimate
from cdx.model.symbol import FEE_RATE, Symbol
from cdx.protocol.decimals import places
from cdx.ui.format import (
    display_math,
    fmt_amount,
    fmt_exact,
    fmt_price,
    fmt_text,
    under_display_math,
)


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """A validated order, ready to confirm. `volume` is in quote for a market buy.

    `total` is the quote value (an estimate for a market sell); `fee` is in `fee_coin`.
    """

    symbol: Symbol
    side: Side
    type: OrderType
    volume: Decimal
    price: Decimal | None
    total: Decimal | None
    fee: Decimal | None
    fee_coin: str
    preview: Preview | None = None
    """What the order would take from the book now, when it takes any (see `model.preview`)."""

    @property
    def market_buy(self) -> bool:
        return self.type is OrderType.MARKET and self.side is Side.BUY

    def describe(self) -> str:
        """The order in words, as the confirmation dialog states it."""
        s = self.symbol
        base, quote = fmt_text(s.base.upper(), 12), fmt_text(s.quote.upper(), 12)
        verb = "Buy" if self.side is Side.BUY else "Sell"
        fee_coin = fmt_text(self.fee_coin.upper(), 12)
        fee = (
            f", fee ≈ {fmt_amount(self.fee, _fee_decimals(self))} {fee_coin}"
            if self.fee is not None
            else ""
        )
        if self.market_buy:
            return (
                f"{verb} {base} for {fmt_price(self.volume, s.price_precision)} {quote} "
                f"(market){fee}"
            )
        amount = fmt_amount(self.volume, s.amount_precision)
        if self.type is OrderType.MARKET:
            estimate = (
                f", about {fmt_price(self.total, s.price_precision)} {quote}"
                if self.total is not None
                else ""
            )
            return f"{verb} {amount} {base} at market{estimate}{fee}"
        assert self.price is not None and self.total is not None
        return (
            f"{verb} {amount} {base} at {fmt_price(self.price, s.price_precision)} {quote} "
            f"(limit), total {exact(self.total, s.price_precision)} {quote}{fee}"
        )


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of validating the form: a draft, or per-field messages; plus the estimate."""

    draft: OrderDraft | None
    errors: tuple[tuple[str, str], ...]
    total: Decimal | None
    fee: Decimal | None
    preview: Preview | None = None
    crosses: bool = False
    """A limit order priced through the spread of the book given: it fills at once as a
    taker (known from the price alone, before any amount is typed)."""

    def error(self, field: str) -> str | None:
        return next((message for name, message in self.errors if name == field), None)

    @property
    def first_error(self) -> tuple[str, str] | None:
        return self.errors[0] if self.errors else None


def exact(value: Decimal, min_decimals: int) -> str:
    """A value the user pays, never rounded: all its decimals, at least `min_decimals`."""
    return fmt_exact(value, min_decimals)


def _fee_decimals(draft: OrderDraft) -> int:
    return draft.symbol.amount_precision + 2 if draft.side is Side.BUY else 8


_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{0,30})?|-?\.[0-9]{1,30}", re.ASCII)
"""What a user may type: plain ASCII digits with an optional fraction, no exponent, so no
arithmetic ever sees `1e999999999` (and `٢٠٠` or `0.001_0` are not numbers here)."""


def _number(text: str, what: str, decimals: int, unit: str) -> tuple[Decimal | None, str | None]:
    text = text.strip().replace(",", "")
    if not text:
        return None, f"{what} is required"
    if not _PLAIN_NUMBER.fullmatch(text):
        return None, f"{what} is not a number"
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, f"{what} is not a number"
    if not value.is_finite() or value <= 0:
        return None, f"{what} must be a positive number"
    if places(value) > decimals:
        return None, f"{what} allows at most {decimals} decimals ({unit})"
    return value, None


@under_display_math
def validate(
    symbol: Symbol,
    side: Side,
    type: OrderType,
    price_text: str,
    amount_text: str,
    account: Account | None,
    reference: Decimal | None = None,
    *,
    book: Book | None = None,
    step: int = 0,
) -> Check:
    """Check an order the way the exchange will, and estimate its total and fee.

    `reference` is the best opposite price, used to estimate a market sell's proceeds and a
    market buy's received amount when no `book` is given. With the `book` (aggregated at depth
    `step`), a market order or a limit order through the spread is walked against it
    (`Check.preview`) and the estimates come from that walk. Balance is only checked once the
    account is known. It runs on every keystroke, book push and balance poll, so it never
    raises: arithmetic on the server's values (minimums, balances, the book) cannot trap, and
    what the user types is a bounded plain decimal before any arithmetic.
    """
    base, quote = fmt_text(symbol.base.upper(), 12), fmt_text(symbol.quote.upper(), 12)
    errors: list[tuple[str, str]] = []
    price: Decimal | None = None
    if type is OrderType.LIMIT:
        price, message = _number(price_text, "Price", symbol.price_precision, quote)
        if message:
            errors.append(("price", message))
    market_buy = type is OrderType.MARKET and side is Side.BUY
    amount_decimals = symbol.price_precision if market_buy else symbol.amount_precision
    volume, message = _number(amount_text, "Amount", amount_decimals, quote if market_buy else base)
    if message:
        errors.append(("amount", message))

    preview = _preview(symbol, side, type, volume, price, book, step)
    total, fee = _total_and_fee(side, type, volume, price, reference, preview)
    if volume is not None and not errors:
        limit = _limit_error(symbol, side, type, volume, total, account)
        if limit:
            errors.append(("amount", limit))

    draft = None
    if not errors and volume is not None:
        fee_coin = symbol.fee_coin(side)
        draft = OrderDraft(symbol, side, type, volume, price, total, fee, fee_coin, preview)
    crossing = book is not None and price is not None and crosses(book, side, price)
    return Check(draft, tuple(errors), total, fee, preview, crossing)


def _preview(
    symbol: Symbol,
    side: Side,
    type: OrderType,
    volume: Decimal | None,
    price: Decimal | None,
    book: Book | None,
    step: int,
) -> Preview | None:
    """The walk of the book for an order that takes liquidity now; None for one that rests
    (a limit order short of the spread) or cannot be walked yet (no book, no valid amount)."""
    if book is None or volume is None or (type is OrderType.LIMIT and price is None):
        return None
    preview = estimate(book, side, type, volume, price, lot=symbol.lot, step=step)
    return preview if preview.crosses else None


def _total_and_fee(
    side: Side,
    type: OrderType,
    volume: Decimal | None,
    price: Decimal | None,
    reference: Decimal | None,
    preview: Preview | None = None,
) -> tuple[Decimal | None, Decimal | None]:
    """The order's total in the quote coin and its fee, as far as they can be known yet.

    A market order walked against the book (`preview`) takes its estimate from the walk, the
    best opposite price (`reference`) standing in without one.
    """
    if volume is None:
        return None, None
    if type is OrderType.MARKET and preview is not None and preview.base:
        if side is Side.BUY:
            return volume, preview.fee
        return preview.quote, preview.fee
    if type is OrderType.MARKET and side is Side.BUY:
        return volume, volume / reference * FEE_RATE if reference else None
    unit_price = price if type is OrderType.LIMIT else reference
    total = volume * unit_price if unit_price is not None else None
    if side is Side.BUY:
        return total, volume * FEE_RATE
    return total, total * FEE_RATE if total is not None else None


def _limit_error(
    symbol: Symbol,
    side: Side,
    type: OrderType,
    volume: Decimal,
    total: Decimal | None,
    account: Account | None,
) -> str:
    """Why the exchange would refuse this size (minimum amount or value, balance), or ""."""
    base, quote = fmt_text(symbol.base.upper(), 12), fmt_text(symbol.quote.upper(), 12)
    market_buy = type is OrderType.MARKET and side is Side.BUY
    if not market_buy and volume < symbol.min_amount:
        return f"Amount below the minimum {fmt_amount(symbol.min_amount)} {base}"
    if (market_buy or type is OrderType.LIMIT) and total is not None and total < symbol.min_value:
        return f"Total below the minimum {fmt_amount(symbol.min_value)} {quote}"
    if account is None:
        return ""
    coin = symbol.held_coin(side)
    need = total if side is Side.BUY else volume
    available = account.balance(coin).available
    shown = symbol.price_precision if side is Side.BUY else symbol.amount_precision
    if need is not None and need > available:
        return (
            f"Not enough {fmt_text(coin.upper(), 12)}: need {exact(need, shown)}, "
            f"available {exact(available, shown)}"
        )
    return ""


# Amount shortcuts: `max`, `25%` ------------------------------------------------------------

_SHORTCUT = re.compile(r"\s*(?:(max)|([0-9]{1,3}(?:\.[0-9]{1,2})?)\s*%)\s*", re.ASCII | re.I)
"""`max`, or a percentage of what is available (`25%`, `12.5%`), typed into the amount."""


@dataclass(frozen=True, slots=True)
class Shortcut:
    """What a shortcut resolves to: the amount as the field should show it (None when there is
    no usable one) and a note saying why not, or why the exchange would refuse it."""

    text: str | None
    note: str


def shortcut_share(text: str) -> Decimal | None:
    """The share of the available balance a shortcut asks for (`max` 1, `25%` 0.25), or None
    when `text` is not one (then it is an amount, or a mistake)."""
    found = _SHORTCUT.fullmatch(text)
    if found is None:
        return None
    if found.group(1):
        return Decimal(1)
    share = Decimal(found.group(2)) / 100
    return share if 0 < share <= 1 else None


def share_label(share: Decimal) -> str:
    """`max`, `25%`: how a share is named back to the user."""
    return "max" if share == 1 else f"{fmt_amount((share * 100).normalize())}%"


@under_display_math
def amount_for_share(
    symbol: Symbol,
    side: Side,
    type: OrderType,
    share: Decimal,
    price_text: str,
    account: Account | None,
) -> Shortcut:
    """The amount that spends `share` of the available balance, rounded down to what the
    exchange takes: a limit buy's base amount (available quote / price), a market buy's quote
    amount, a sell's base amount. Never raises (see `validate`)."""
    coin = fmt_text(symbol.held_coin(side).upper(), 12)
    if account is None:
        return Shortcut(None, "Balances not known yet: type the amount")
    available = account.balance(symbol.held_coin(side)).available
    if not available > 0:
        return Shortcut(None, f"No {coin} available")
    market_buy = type is OrderType.MARKET and side is Side.BUY
    price: Decimal | None = None
    if type is OrderType.LIMIT:
        price, _ = _number(price_text, "Price", symbol.price_precision, coin)
    if type is OrderType.LIMIT and side is Side.BUY:
        if price is None:
            return Shortcut(None, "Type the price first: the amount is counted from it")
        amount = (available * share / price).quantize(symbol.lot, ROUND_DOWN)
    else:
        amount = (available * share).quantize(symbol.tick if market_buy else symbol.lot, ROUND_DOWN)
    if not amount.is_finite():
        return Shortcut(None, f"{share_label(share)} of the available {coin} cannot be counted")
    decimals = symbol.price_precision if market_buy else symbol.amount_precision
    text = fmt_amount(amount, decimals, grouped=False, width=None) if amount > 0 else None
    return Shortcut(text, _below_minimum(symbol, type, side, share, amount, price))


def _below_minimum(
    symbol: Symbol,
    type: OrderType,
    side: Side,
    share: Decimal,
    amount: Decimal,
    price: Decimal | None,
) -> str:
    """Why the amount a shortcut gave would be refused for its size, or ""."""
    base, quote = fmt_text(symbol.base.upper(), 12), fmt_text(symbol.quote.upper(), 12)
    if type is OrderType.MARKET and side is Side.BUY:
        value, unit, minimum = amount, quote, symbol.min_value
    elif amount < symbol.min_amount:
        value, unit, minimum = amount, base, symbol.min_amount
    elif price is not None:
        value, unit, minimum = amount * price, quote, symbol.min_value
    else:
        return ""
    if value >= minimum:
        return ""
    # Short: the form's message line is 40 columns at 80x24.
    shown = fmt_amount(value, 2 if unit == quote else None)
    return f"{share_label(share)} = {shown} {unit}: below min {fmt_amount(minimum)}"


def share_of_available(
    draft: OrderDraft, account: Account | None
) -> tuple[Decimal, Decimal] | None:
    """(percentage of the available balance the order uses, that available amount), in the
    coin it spends; None while the account is unknown or nothing is available."""
    if account is None:
        return None
    with display_math():
        available = account.balance(draft.symbol.held_coin(draft.side)).available
        if not available > 0:
            return None
        if draft.side is Side.SELL or draft.market_buy:
            need = draft.volume
        else:
            need = draft.total if draft.total is not None else draft.volume
        return need / available * 100, available
