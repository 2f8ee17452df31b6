"""The signed endpoints' values to wire dicts and back: balances, orders and fills, and the
date parameters of the lists of orders and fills (PROTOCOL.md section 5).

Decoders go through `cdx.protocol.fields`, so every value passes the one gate; with `symbol`,
the symbol must match and prices and amounts fit its precisions.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cdx.model.account import Account, Balance, Fill
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import gate
from cdx.protocol.decimals import to_wire
from cdx.protocol.fields import (
    CodecError,
    amount_str,
    as_object,
    dec,
    decode_each,
    enum_of,
    field,
    optional_field,
    precisions,
    price_str,
    quote_str,
    same_symbol,
)
from cdx.protocol.gate import NON_NEGATIVE, POSITIVE
from cdx.protocol.limits import MAX_BALANCES

log = logging.getLogger(__name__)


# Account ---------------------------------------------------------------------------------------


def account_to_wire(account: Account) -> dict[str, Any]:
    """Balances are written exactly (fees make them longer than any symbol's precision)."""
    return {
        "total_asset": to_wire(account.total_asset, 8),
        "coin_list": [
            {
                "coin": b.coin,
                "normal": to_wire(b.available),
                "locked": to_wire(b.locked),
                "btcValuatin": to_wire(b.btc_value, 8),
            }
            for b in account.balances
        ],
    }


def balance_from_wire(obj: Any) -> Balance:
    """One entry of `coin_list`: `normal` is available; no amount may be negative."""
    return Balance(
        coin=field(obj, "coin", gate.coin_name),
        available=field(obj, "normal", dec(NON_NEGATIVE)),
        locked=field(obj, "locked", dec(NON_NEGATIVE)),
        btc_value=optional_field(obj, "btcValuatin", dec(NON_NEGATIVE)) or Decimal(0),
    )


def account_from_wire(data: Any) -> Account:
    """`data` of `/v1/account`: a malformed coin is skipped (logged), a coin given twice kept
    once (first); a bad `total_asset` is logged and read as 0. Refused whole only when `data`
    is not an object or `coin_list` is not a list."""
    obj = as_object(data, "account")
    coins = field(obj, "coin_list", lambda value: value)
    balances = decode_each(coins, balance_from_wire, "balances", MAX_BALANCES)
    unique: dict[str, Balance] = {}
    for balance in balances:
        unique.setdefault(balance.coin, balance)
    if len(unique) < len(balances):
        log.warning("balances: %d coins given twice; kept the first", len(balances) - len(unique))
    try:
        total = optional_field(obj, "total_asset", dec(NON_NEGATIVE))
    except CodecError as exc:
        log.warning("account: %s; read as 0", exc)
        total = None
    read = min(len(coins), MAX_BALANCES)  # decode_each refused `coins` unless it is a list
    return Account(
        balances=tuple(unique.values()),
        total_asset=total or Decimal(0),
        unreadable=read - len(balances),
    )


# Orders ----------------------------------------------------------------------------------------


def order_to_wire(order: Order, symbol: Symbol) -> dict[str, Any]:
    market_buy = order.type is OrderType.MARKET and order.side is Side.BUY
    return {
        "id": order.id,
        "symbol": order.symbol,
        "side": order.side.value,
        "type": int(order.type),
        "price": price_str(order.price, symbol),
        "volume": price_str(order.volume, symbol)
        if market_buy
        else amount_str(order.volume, symbol),
        "deal_volume": amount_str(order.deal_volume, symbol),
        "deal_money": quote_str(order.deal_money),
        "avg_price": price_str(order.avg_price, symbol),
        "fee": quote_str(order.fee),
        "fee_coin": order.fee_coin,
        "status": int(order.status),
        "status_msg": order.status.name,
        "created_at": order.created_at,
    }


def order_from_wire(obj: Any, *, symbol: Symbol | None = None) -> Order:
    """An ORDER of PROTOCOL.md section 5.

    A limit order's price is positive, a market order's may be 0 (rev 2); `volume` is positive
    and, except for a market buy (whose `volume` is quote), `deal_volume` never exceeds it.
    With `symbol`, the symbol must match and prices and amounts fit its precisions.
    """
    price_precision, amount_precision = precisions(symbol)
    side = field(obj, "side", enum_of(Side))
    kind = field(obj, "type", enum_of(OrderType))
    market_buy = kind is OrderType.MARKET and side is Side.BUY
    order = Order(
        id=field(obj, "id", gate.digits_id),
        symbol=same_symbol(field(obj, "symbol", gate.symbol_name), symbol),
        side=side,
        type=kind,
        price=field(
            obj,
            "price",
            dec(NON_NEGATIVE if kind is OrderType.MARKET else POSITIVE, price_precision),
        ),
        volume=field(
            obj, "volume", dec(POSITIVE, price_precision if market_buy else amount_precision)
        ),
        deal_volume=field(obj, "deal_volume", dec(NON_NEGATIVE, amount_precision)),
        deal_money=field(obj, "deal_money", dec(NON_NEGATIVE)),
        avg_price=field(obj, "avg_price", dec(NON_NEGATIVE, price_precision, exact=False)),
        fee=field(obj, "fee", dec(NON_NEGATIVE)),
        fee_coin=field(obj, "fee_coin", gate.fee_coin),
        status=field(obj, "status", enum_of(OrderStatus)),
        created_at=field(obj, "created_at", gate.time_ms),
    )
    if not market_buy and order.deal_volume > order.volume:
        raise CodecError(
            f"order {order.id}: deal_volume {order.deal_volume} exceeds volume {order.volume}"
        )
    return order


def fill_to_wire(fill: Fill, symbol: Symbol) -> dict[str, Any]:
    return {
        "id": fill.id,
        "symbol": fill.symbol,
        "side": fill.side.value,
        "price": price_str(fill.price, symbol),
        "volume": amount_str(fill.volume, symbol),
        "fee": quote_str(fill.fee),
        "feeCoin": fill.fee_coin,
        "ctime": fill.ctime,
        "order_id": fill.order_id,
    }


def fill_from_wire(obj: Any, *, symbol: Symbol | None = None) -> Fill:
    """One FILL of `myTrades`: price and volume positive, fee not negative."""
    price_precision, amount_precision = precisions(symbol)
    return Fill(
        id=field(obj, "id", gate.digits_id),
        symbol=same_symbol(field(obj, "symbol", gate.symbol_name), symbol),
        side=field(obj, "side", enum_of(Side)),
        price=field(obj, "price", dec(POSITIVE, price_precision)),
        volume=field(obj, "volume", dec(POSITIVE, amount_precision)),
        fee=field(obj, "fee", dec(NON_NEGATIVE)),
        fee_coin=field(obj, "feeCoin", gate.fee_coin),
        ctime=field(obj, "ctime", gate.time_ms),
        order_id=field(obj, "order_id", gate.digits_id),
    )


# Dates of the lists (rev 2) -------------------------------------------------------------------

DATE_TEXT_FORMAT = "%Y-%m-%d %H:%M:%S"
"""The legacy text form of `startDate` / `endDate` (rev 2), read as UTC."""

_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_DATE_MS = re.compile(r"[0-9]{1,16}")


def date_param_from_wire(value: str) -> int:
    """A `startDate` / `endDate` parameter as Unix ms: either Unix ms (decimal digits) or the
    legacy `yyyy-MM-dd HH:mm:ss` in UTC (rev 2). Anything else raises `CodecError`."""
    if not isinstance(value, str):
        raise CodecError(f"a date must be a string, got {gate.shown(value)}")
    if _DATE_MS.fullmatch(value):
        return int(value)
    if _DATE_TEXT.fullmatch(value):
        try:
            moment = datetime.strptime(value, DATE_TEXT_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise CodecError(f"{gate.shown(value)} is not a calendar date and time") from None
        return int(moment.timestamp()) * 1000
    raise CodecError(
        f"{gate.shown(value)} is neither Unix ms nor a UTC date as yyyy-MM-dd HH:mm:ss"
    )


def date_param_to_wire(ms: int) -> str:
    """A date parameter as this client sends it: Unix ms (the form every server reads)."""
    return str(ms)
