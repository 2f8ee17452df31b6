"""What the order form checks before an order is proposed: precision, size, balance.

Everything the exchange would refuse for precision, size or balance (PROTOCOL.md section 5) is
caught here, so a bad value never reaches the network. Pure functions of the form's text and
the server's rules, kept out of the widget so they can be fed anything (they never raise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cdx.model.account import Account
from cdx.model.order import OrderType, Side
from cdx.model.symbol import FEE_RATE, Symbol
from cdx.protocol.decimals import places
from cdx.ui.format import display_math, fmt_amount, fmt_exact, fmt_price, fmt_text


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


def validate(
    symbol: Symbol,
    side: Side,
    type: OrderType,
    price_text: str,
    amount_text: str,
    account: Account | None,
    reference: Decimal | None = None,
) -> Check:
    """Check an order the way the exchange will, and estimate its total and fee.

    `reference` is the best opposite price, used to estimate a market sell's proceeds and a
    market buy's received amount. Balance is only checked once the account is known. It runs
    on every keystroke and balance poll, so it never raises: arithmetic on the server's values
    (minimums, balances, the book) cannot trap, and what the user types is a bounded plain
    decimal before any arithmetic.
    """
    with display_math():
        return _validate(symbol, side, type, price_text, amount_text, account, reference)


def _validate(
    symbol: Symbol,
    side: Side,
    type: OrderType,
    price_text: str,
    amount_text: str,
    account: Account | None,
    reference: Decimal | None,
) -> Check:
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

    total, fee = _total_and_fee(side, type, volume, price, reference)
    if volume is not None and not errors:
        limit = _limit_error(symbol, side, type, volume, total, account)
        if limit:
            errors.append(("amount", limit))

    draft = None
    if not errors and volume is not None:
        fee_coin = symbol.fee_coin(side)
        draft = OrderDraft(symbol, side, type, volume, price, total, fee, fee_coin)
    return Check(draft, tuple(errors), total, fee)


def _total_and_fee(
    side: Side,
    type: OrderType,
    volume: Decimal | None,
    price: Decimal | None,
    reference: Decimal | None,
) -> tuple[Decimal | None, Decimal | None]:
    """The order's total in the quote coin and its fee, as far as they can be known yet."""
    if volume is None:
        return None, None
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
