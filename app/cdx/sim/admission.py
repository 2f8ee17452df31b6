"""Whether an order request may enter the book: shape, precision and size (PROTOCOL.md 5).

Everything judged against the symbol alone lives here, in the protocol's order (110003 before
110004); the balance check (110005) needs the ledger and follows in the engine. Nothing here
changes state, so a refusal leaves the exchange as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cdx.model.order import OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol.decimals import DecimalFormatError, normalized_str, parse_param, places
from cdx.protocol.errors import ErrorCode
from cdx.protocol.refusal import Refusal


@dataclass(frozen=True, slots=True)
class Admitted:
    """A checked order request: what it trades, and what it needs of which coin.

    `volume` is base, except for a market buy where it is the quote to spend; `price` is None
    for a market order. `needed` of `coin` must be available (a limit order locks it).
    """

    side: Side
    type: OrderType
    volume: Decimal
    price: Decimal | None
    coin: str
    needed: Decimal


def admit(sym: Symbol, side: Side, type: OrderType, volume: str, price: str | None) -> Admitted:
    """The request as numbers, or `Refusal` with the first code that refuses it."""
    try:
        side, type = Side(side), OrderType(type)
    except ValueError:
        raise Refusal(
            ErrorCode.BAD_PARAMETER, "side must be BUY or SELL and type 1 (limit) or 2 (market)"
        ) from None
    if price == "" or type is OrderType.MARKET:
        price = None  # rev 2: a market order's price, if sent, is ignored
    market_buy = type is OrderType.MARKET and side is Side.BUY
    qty = _positive("volume", volume, sym.price_precision if market_buy else sym.amount_precision)
    limit_price: Decimal | None = None
    if type is OrderType.LIMIT:
        if price is None:
            raise Refusal(ErrorCode.BAD_PARAMETER, "price is required for a limit order")
        limit_price = _positive("price", price, sym.price_precision)
    _check_size(sym, market_buy, volume, qty, limit_price)
    needed = qty
    if side is Side.BUY and limit_price is not None:
        needed = limit_price * qty
    return Admitted(side, type, qty, limit_price, sym.held_coin(side), needed)


def _check_size(
    sym: Symbol, market_buy: bool, volume: str, qty: Decimal, limit_price: Decimal | None
) -> None:
    """110004: a market buy spends at least `min_value`, others trade at least `min_amount`
    and a limit order is worth at least `min_value`."""
    if market_buy:
        if qty < sym.min_value:
            raise Refusal(
                ErrorCode.TOO_SMALL,
                f"volume {volume} {sym.quote} is below the minimum order value "
                f"{normalized_str(sym.min_value)} {sym.quote}",
            )
        return
    if qty < sym.min_amount:
        raise Refusal(
            ErrorCode.TOO_SMALL,
            f"volume {volume} {sym.base} is below the minimum amount "
            f"{normalized_str(sym.min_amount)} {sym.base}",
        )
    if limit_price is not None and limit_price * qty < sym.min_value:
        raise Refusal(
            ErrorCode.TOO_SMALL,
            f"price x volume = {normalized_str(limit_price * qty)} {sym.quote} is below the "
            f"minimum order value {normalized_str(sym.min_value)} {sym.quote}",
        )


def _positive(name: str, text: str, decimals: int) -> Decimal:
    """A parameter as a plain positive decimal with at most `decimals` places, else 110003."""
    try:
        value = parse_param(text)
    except DecimalFormatError:
        raise Refusal(
            ErrorCode.BAD_PRECISION, f"{name} must be a plain positive decimal such as 1.25"
        ) from None
    if value <= 0:
        raise Refusal(ErrorCode.BAD_PRECISION, f"{name} must be greater than zero")
    if places(value) > decimals:
        raise Refusal(ErrorCode.BAD_PRECISION, f"{name} {text} has more than {decimals} decimals")
    return value
