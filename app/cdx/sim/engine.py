"""The embedded exchange's matching engine: accounts, order books, trades and market statistics.

Pure and synchronous: no I/O, no asyncio, no clock (time is always a `now_ms` argument), so the
server can call it from its event loop and tests can drive it step by step. It is not
thread-safe; one caller at a time.

The promises callers and tests rely on (PROTOCOL.md section 5):

- price-time priority per symbol; a crossing limit order trades at the resting orders' prices,
  then rests; a market order takes what the book offers and its rest ends EXPIRED;
- funds are conserved per coin: what a trade takes from one account goes to another or, as the
  0.1 % fee, to the internal fee account;
- available and locked balances never go negative, and an account's locked amount is exactly
  what its open orders hold (a limit buy holds price x remaining quote, a sell remaining base);
- after matching the book is never crossed.
"""

from __future__ import annotations

import bisect
import functools
import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import ParamSpec, TypeVar

from cdx.model.account import Account, Balance, Fill
from cdx.model.book import Book, Level, aggregate
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol.decimals import DecimalFormatError, normalized_str, parse_param, places
from cdx.protocol.errors import ErrorCode

log = logging.getLogger(__name__)

ZERO = Decimal(0)
DAY_MS = 86_400_000
KLINE_PERIODS: tuple[int, ...] = (1, 5, 15, 30, 60, 1440)
"""Kline periods in minutes that `klines` serves (PROTOCOL.md section 5)."""

TRADES_KEPT = 1000
"""Public trades remembered per symbol; `trades` serves at most 100 of them."""

_BARS_KEPT = {1: 1500}  # one day of 1-minute bars for the 24 h ticker, plus margin
_BARS_KEPT_DEFAULT = 320
_ROSE = Decimal("0.0001")
_SATOSHI = Decimal("0.00000001")

# Balances are sums of products of prices, amounts and the fee rate; a wide context keeps
# every one of them exact, so funds are conserved to the last digit.
_EXACT = Context(prec=80)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _exact(method: Callable[_P, _R]) -> Callable[_P, _R]:
    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(_EXACT):
            return method(*args, **kwargs)

    return wrapper


class EngineError(Exception):
    """A request the exchange refuses; `msg` names the parameter and what is wrong, for a user."""

    def __init__(self, code: ErrorCode, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg

    def __repr__(self) -> str:
        return f"EngineError({self.code.value!r}, {self.msg!r})"


@dataclass(slots=True)
class _Funds:
    available: Decimal = ZERO
    locked: Decimal = ZERO


@dataclass(slots=True)
class _Account:
    funds: dict[str, _Funds]
    record_history: bool
    open: dict[str, dict[str, _LiveOrder]] = field(default_factory=dict)
    """symbol -> order id -> open order, in id order."""
    orders: dict[str, dict[str, _LiveOrder]] = field(default_factory=dict)
    """symbol -> order id -> every order kept (open and final), in id order."""
    fills: dict[str, list[Fill]] = field(default_factory=dict)

    def coin(self, coin: str) -> _Funds:
        funds = self.funds.get(coin)
        if funds is None:
            funds = self.funds[coin] = _Funds()
        return funds


@dataclass(slots=True)
class _LiveOrder:
    """The engine's mutable record of one order; callers only ever see `Order` snapshots."""

    id: str
    owner: str = field(repr=False)
    symbol: Symbol
    side: Side
    type: OrderType
    price: Decimal
    volume: Decimal
    created_at: int
    deal_volume: Decimal = ZERO
    deal_money: Decimal = ZERO
    fee: Decimal = ZERO
    status: OrderStatus = OrderStatus.NEW

    @property
    def is_market_buy(self) -> bool:
        return self.type is OrderType.MARKET and self.side is Side.BUY

    @property
    def remaining(self) -> Decimal:
        """Base amount still to fill (not meaningful for a market buy)."""
        return self.volume - self.deal_volume

    @property
    def hold(self) -> Decimal:
        """What this order keeps locked while it rests: quote for a buy, base for a sell."""
        if self.status.is_final or self.type is OrderType.MARKET:
            return ZERO
        if self.side is Side.BUY:
            return self.price * self.remaining
        return self.remaining

    def snapshot(self) -> Order:
        return Order(
            id=self.id,
            symbol=self.symbol.name,
            side=self.side,
            type=self.type,
            price=self.price,
            volume=self.volume,
            deal_volume=self.deal_volume,
            deal_money=self.deal_money,
            avg_price=(self.deal_money / self.deal_volume).quantize(
                self.symbol.tick, ROUND_HALF_EVEN
            )
            if self.deal_volume
            else ZERO,
            fee=self.fee,
            fee_coin=self.symbol.base if self.side is Side.BUY else self.symbol.quote,
            status=self.status,
            created_at=self.created_at,
        )


class _BookSide:
    """One side of a book: price levels, each a FIFO of orders (dicts keep insertion order)."""

    def __init__(self, *, bids: bool) -> None:
        self._bids = bids
        self._prices: list[Decimal] = []  # ascending
        self._levels: dict[Decimal, dict[str, _LiveOrder]] = {}

    def best(self) -> Decimal | None:
        if not self._prices:
            return None
        return self._prices[-1] if self._bids else self._prices[0]

    def first_at(self, price: Decimal) -> _LiveOrder:
        return next(iter(self._levels[price].values()))

    def add(self, order: _LiveOrder) -> None:
        level = self._levels.get(order.price)
        if level is None:
            level = self._levels[order.price] = {}
            bisect.insort(self._prices, order.price)
        level[order.id] = order

    def remove(self, order: _LiveOrder) -> None:
        level = self._levels[order.price]
        del level[order.id]
        if not level:
            del self._levels[order.price]
            del self._prices[bisect.bisect_left(self._prices, order.price)]

    def levels(self) -> list[Level]:
        """(price, summed remaining) best first."""
        prices = reversed(self._prices) if self._bids else iter(self._prices)
        return [
            (price, sum((o.remaining for o in self._levels[price].values()), ZERO))
            for price in prices
        ]


@dataclass(slots=True)
class _Bar:
    open_time: int  # seconds
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vol: Decimal = ZERO
    amount: Decimal = ZERO

    def add(self, price: Decimal, amount: Decimal) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.vol += amount
        self.amount += price * amount

    def kline(self) -> Kline:
        return Kline(
            self.open_time, self.open, self.high, self.low, self.close, self.vol, self.amount
        )


@dataclass(frozen=True, slots=True)
class _Stats:
    open: Decimal
    high: Decimal
    low: Decimal
    vol: Decimal
    amount: Decimal


class _Market:
    """Everything the engine keeps per symbol: the book, the public tape and the bars."""

    def __init__(self, symbol: Symbol) -> None:
        self.symbol = symbol
        self.asks = _BookSide(bids=False)
        self.bids = _BookSide(bids=True)
        self.trades: deque[Trade] = deque(maxlen=TRADES_KEPT)
        self.trade_seq = 0
        self.last: Decimal | None = None
        self.bars: dict[int, dict[int, _Bar]] = {period: {} for period in KLINE_PERIODS}
        self.version = 0
        self.levels_cache: tuple[int, tuple[list[Level], list[Level]]] | None = None
        self.stats_cache: tuple[tuple[int, int], _Stats | None] | None = None

    def side(self, side: Side) -> _BookSide:
        return self.bids if side is Side.BUY else self.asks

    def record(self, trade: Trade) -> None:
        self.trades.append(trade)
        self.trade_seq += 1
        self.last = trade.price
        seconds = trade.ts // 1000
        for period, bars in self.bars.items():
            open_time = seconds - seconds % (period * 60)
            bar = bars.get(open_time)
            if bar is None:
                bar = bars[open_time] = _Bar(
                    open_time, trade.price, trade.price, trade.price, trade.price
                )
                kept = _BARS_KEPT.get(period, _BARS_KEPT_DEFAULT)
                if len(bars) > kept:
                    del bars[min(bars)]
            bar.add(trade.price, trade.amount)
        self.version += 1


class Engine:
    """Matching engine and ledger of the embedded exchange, for any number of symbols.

    Every public method takes the API key of the account it acts for; the server has already
    authenticated it. Refusals raise `EngineError` with the protocol's code and leave the state
    unchanged.
    """

    def __init__(self, symbols: Sequence[Symbol], *, fee_rate: Decimal = Decimal("0.001")) -> None:
        self.symbols: Mapping[str, Symbol] = {s.name: s for s in symbols}
        self.fee_rate = fee_rate
        self._markets = {s.name: _Market(s) for s in symbols}
        self._accounts: dict[str, _Account] = {}
        self._orders: dict[str, _LiveOrder] = {}
        self._fees: dict[str, Decimal] = {}
        self._next_order_id = 1000
        self._next_trade_id = 1
        coins: dict[str, None] = {}
        for s in symbols:
            coins.setdefault(s.base)
            coins.setdefault(s.quote)
        self._coins = tuple(coins)

    # Accounts ----------------------------------------------------------------------------------

    def open_account(
        self, api_key: str, balances: Mapping[str, Decimal], *, record_history: bool = True
    ) -> None:
        """Create an account holding `balances` (all available).

        `record_history=False` is for the synthetic market's internal accounts: their finished
        orders and fills are forgotten at once, so a long-running exchange does not grow.
        """
        if api_key in self._accounts:
            raise ValueError("an account with this api_key is already open")
        for coin, amount in balances.items():
            if amount < 0:
                raise ValueError(f"opening balance of {coin} is negative")
        self._accounts[api_key] = _Account(
            funds={coin: _Funds(available=Decimal(amount)) for coin, amount in balances.items()},
            record_history=record_history,
        )

    def has_account(self, api_key: str) -> bool:
        return api_key in self._accounts

    def account(self, api_key: str) -> Account:
        """Every coin of every symbol (zeros included), valued in BTC at last prices."""
        acct = self._account(api_key)
        coins = list(self._coins) + [c for c in acct.funds if c not in self._coins]
        balances = []
        total = ZERO
        for coin in coins:
            funds = acct.funds.get(coin, _Funds())
            rate = self._btc_rate(coin, frozenset())
            value = ZERO
            if rate is not None:
                value = ((funds.available + funds.locked) * rate).quantize(_SATOSHI, ROUND_DOWN)
            total += value
            balances.append(Balance(coin, _tidy(funds.available), _tidy(funds.locked), value))
        return Account(tuple(balances), total)

    def fee_balances(self) -> Mapping[str, Decimal]:
        """What the internal fee account has collected, per coin (for conservation checks)."""
        return dict(self._fees)

    def _account(self, api_key: str) -> _Account:
        acct = self._accounts.get(api_key)
        if acct is None:
            raise EngineError(ErrorCode.UNKNOWN_API_KEY, "api_key is not known to this exchange")
        return acct

    def _market(self, symbol: str) -> _Market:
        market = self._markets.get(symbol)
        if market is None:
            raise EngineError(
                ErrorCode.UNKNOWN_SYMBOL, f"symbol {symbol[:20]!r} is not listed on this exchange"
            )
        return market

    def _btc_rate(self, coin: str, seen: frozenset[str]) -> Decimal | None:
        """BTC per unit of `coin` at last prices, through at most one intermediate coin."""
        if coin == "btc":
            return Decimal(1)
        seen = seen | {coin}
        for market in self._markets.values():
            symbol = market.symbol
            price = self._last_price(market)
            if not price:
                continue
            if symbol.base == coin and symbol.quote == "btc":
                return price
            if symbol.quote == coin and symbol.base == "btc":
                return 1 / price
        if len(seen) > 2:
            return None
        for market in self._markets.values():
            symbol = market.symbol
            price = self._last_price(market)
            if symbol.base == coin and symbol.quote not in seen and price:
                rate = self._btc_rate(symbol.quote, seen)
                if rate is not None:
                    return price * rate
        return None

    # Orders ------------------------------------------------------------------------------------

    @_exact
    def place_order(
        self,
        api_key: str,
        symbol: str,
        side: Side,
        type: OrderType,
        volume: str,
        price: str | None,
        now_ms: int,
    ) -> Order:
        """Check, accept and match an order; returns it as it stands after matching.

        Checks run in PROTOCOL.md order (110002, 110003, 110004, 110005); the caller has
        already refused a price on a market order, a missing price on a limit order and bad
        side/type with 100004.
        """
        acct = self._account(api_key)
        market = self._market(symbol)
        sym = market.symbol
        try:
            side, type = Side(side), OrderType(type)
        except ValueError:
            raise EngineError(
                ErrorCode.BAD_PARAMETER, "side must be BUY or SELL and type 1 (limit) or 2 (market)"
            ) from None
        if price == "":
            price = None
        if type is OrderType.MARKET and price is not None:
            raise EngineError(ErrorCode.BAD_PARAMETER, "price must be empty for a market order")
        market_buy = type is OrderType.MARKET and side is Side.BUY
        qty = _positive(
            "volume", volume, sym.price_precision if market_buy else sym.amount_precision
        )
        limit_price: Decimal | None = None
        if type is OrderType.LIMIT:
            if price is None:
                raise EngineError(ErrorCode.BAD_PARAMETER, "price is required for a limit order")
            limit_price = _positive("price", price, sym.price_precision)

        if market_buy:
            if qty < sym.min_value:
                raise EngineError(
                    ErrorCode.TOO_SMALL,
                    f"volume {volume} {sym.quote} is below the minimum order value "
                    f"{_plain(sym.min_value)} {sym.quote}",
                )
        else:
            if qty < sym.min_amount:
                raise EngineError(
                    ErrorCode.TOO_SMALL,
                    f"volume {volume} {sym.base} is below the minimum amount "
                    f"{_plain(sym.min_amount)} {sym.base}",
                )
            if limit_price is not None and limit_price * qty < sym.min_value:
                raise EngineError(
                    ErrorCode.TOO_SMALL,
                    f"price x volume = {_plain(limit_price * qty)} {sym.quote} is below the "
                    f"minimum order value {_plain(sym.min_value)} {sym.quote}",
                )

        if side is Side.BUY:
            coin = sym.quote
            needed = qty if limit_price is None else limit_price * qty
        else:
            coin = sym.base
            needed = qty
        funds = acct.coin(coin)
        if funds.available < needed:
            raise EngineError(
                ErrorCode.INSUFFICIENT_BALANCE,
                f"the order needs {_plain(needed)} {coin} but only {_plain(funds.available)} "
                f"{coin} is available",
            )

        order = _LiveOrder(
            id=str(self._next_order_id),
            owner=api_key,
            symbol=sym,
            side=side,
            type=type,
            price=limit_price if limit_price is not None else ZERO.quantize(sym.tick),
            volume=qty,
            created_at=now_ms,
        )
        self._next_order_id += 1
        self._orders[order.id] = order
        acct.orders.setdefault(symbol, {})[order.id] = order
        if type is OrderType.LIMIT:
            funds.available -= needed
            funds.locked += needed

        self._match(market, order, now_ms)

        if type is OrderType.MARKET:
            self._finish_market(market, order)
        elif order.remaining > 0:
            order.status = OrderStatus.PART_FILLED if order.deal_volume else OrderStatus.NEW
            market.side(side).add(order)
            acct.open.setdefault(symbol, {})[order.id] = order
            market.version += 1
        else:
            order.status = OrderStatus.FILLED
        snapshot = order.snapshot()
        if acct.record_history:
            log.debug(
                "order %s %s %s %s volume %s price %s: %s, filled %s",
                order.id,
                symbol,
                side.value,
                type.name,
                volume,
                price,
                order.status.name,
                _plain(order.deal_volume),
            )
        if order.status.is_final:
            self._forget_if_unrecorded(order)
        return snapshot

    def _finish_market(self, market: _Market, order: _LiveOrder) -> None:
        """A market order ends FILLED when it did all it could, EXPIRED when liquidity ran out.

        A market buy that stopped because its leftover quote cannot pay for one more lot at the
        best ask is complete (FILLED); the leftover simply stays available.
        """
        if not order.deal_volume:
            order.status = OrderStatus.EXPIRED
        elif order.is_market_buy:
            left = order.volume - order.deal_money
            one_lot = order.deal_money / order.deal_volume * market.symbol.lot
            ran_out = market.asks.best() is None and left >= one_lot
            order.status = OrderStatus.EXPIRED if ran_out else OrderStatus.FILLED
        else:
            order.status = OrderStatus.FILLED if order.remaining == 0 else OrderStatus.EXPIRED

    def _match(self, market: _Market, taker: _LiveOrder, now_ms: int) -> None:
        book = market.side(taker.side.opposite)
        lot = market.symbol.lot
        while True:
            best = book.best()
            if best is None:
                return
            if taker.type is OrderType.LIMIT and (
                best > taker.price if taker.side is Side.BUY else best < taker.price
            ):
                return
            maker = book.first_at(best)
            if taker.is_market_buy:
                money = taker.volume - taker.deal_money
                affordable = (money / best).quantize(lot, rounding=ROUND_DOWN)
                if affordable * best > money:  # the division rounded up onto a lot boundary
                    affordable -= lot
                qty = min(affordable, maker.remaining)
            else:
                qty = min(taker.remaining, maker.remaining)
            if qty <= 0:
                return
            self._execute(market, taker, maker, qty, now_ms)
            if not taker.is_market_buy and taker.remaining == 0:
                return

    def _execute(
        self, market: _Market, taker: _LiveOrder, maker: _LiveOrder, qty: Decimal, now_ms: int
    ) -> None:
        """One trade of `qty` base at the maker's price; moves funds and fees, records it."""
        sym = market.symbol
        price = maker.price
        money = price * qty
        buyer, seller = (taker, maker) if taker.side is Side.BUY else (maker, taker)
        buyer_acct = self._accounts[buyer.owner]
        seller_acct = self._accounts[seller.owner]

        buyer_quote = buyer_acct.coin(sym.quote)
        if buyer.type is OrderType.LIMIT:
            buyer_quote.locked -= buyer.price * qty
            buyer_quote.available += (buyer.price - price) * qty
        else:
            buyer_quote.available -= money
        buyer_fee = qty * self.fee_rate
        buyer_acct.coin(sym.base).available += qty - buyer_fee

        seller_base = seller_acct.coin(sym.base)
        if seller.type is OrderType.LIMIT:
            seller_base.locked -= qty
        else:
            seller_base.available -= qty
        seller_fee = money * self.fee_rate
        seller_acct.coin(sym.quote).available += money - seller_fee

        self._fees[sym.base] = self._fees.get(sym.base, ZERO) + buyer_fee
        self._fees[sym.quote] = self._fees.get(sym.quote, ZERO) + seller_fee

        for order, fee in ((buyer, buyer_fee), (seller, seller_fee)):
            order.deal_volume += qty
            order.deal_money += money
            order.fee += fee

        if maker.remaining == 0:
            maker.status = OrderStatus.FILLED
            market.side(maker.side).remove(maker)
            maker_acct = self._accounts[maker.owner]
            del maker_acct.open[sym.name][maker.id]
        else:
            maker.status = OrderStatus.PART_FILLED

        trade = Trade(str(self._next_trade_id), price, qty, taker.side, now_ms)
        self._next_trade_id += 1
        market.record(trade)
        for order, fee in ((buyer, buyer_fee), (seller, seller_fee)):
            acct = self._accounts[order.owner]
            if acct.record_history:
                fill = Fill(
                    id=trade.id,
                    symbol=sym.name,
                    side=order.side,
                    price=price,
                    volume=qty,
                    fee=fee,
                    fee_coin=sym.base if order.side is Side.BUY else sym.quote,
                    ctime=now_ms,
                    order_id=order.id,
                )
                acct.fills.setdefault(sym.name, []).append(fill)
        if maker.status is OrderStatus.FILLED:
            self._forget_if_unrecorded(maker)

    def _forget_if_unrecorded(self, order: _LiveOrder) -> None:
        acct = self._accounts[order.owner]
        if not acct.record_history:
            self._orders.pop(order.id, None)
            acct.orders.get(order.symbol.name, {}).pop(order.id, None)

    @_exact
    def cancel_order(self, api_key: str, symbol: str, order_id: str, now_ms: int) -> Order:
        """Cancel one open order and unlock what it held; 110006 unknown, 110007 already final."""
        order = self._find(api_key, symbol, order_id)
        if order.status.is_final:
            raise EngineError(
                ErrorCode.ORDER_FINAL,
                f"order {order.id} is already {order.status.name} and cannot be cancelled",
            )
        return self._cancel(order)

    @_exact
    def cancel_all(self, api_key: str, symbol: str, now_ms: int) -> list[Order]:
        """Cancel every open order of the account in `symbol`; returns them, newest first."""
        acct = self._account(api_key)
        self._market(symbol)
        orders = list(acct.open.get(symbol, {}).values())
        return [self._cancel(order) for order in reversed(orders)]

    def _cancel(self, order: _LiveOrder) -> Order:
        acct = self._accounts[order.owner]
        market = self._markets[order.symbol.name]
        hold = order.hold
        funds = acct.coin(order.symbol.quote if order.side is Side.BUY else order.symbol.base)
        funds.locked -= hold
        funds.available += hold
        market.side(order.side).remove(order)
        del acct.open[order.symbol.name][order.id]
        order.status = OrderStatus.CANCELED
        market.version += 1
        snapshot = order.snapshot()
        self._forget_if_unrecorded(order)
        return snapshot

    def get_order(self, api_key: str, symbol: str, order_id: str) -> Order:
        """One of the account's orders; 110006 when it is unknown or another account's."""
        return self._find(api_key, symbol, order_id).snapshot()

    def _find(self, api_key: str, symbol: str, order_id: str) -> _LiveOrder:
        self._account(api_key)
        self._market(symbol)
        order = self._orders.get(order_id)
        if order is None or order.owner != api_key or order.symbol.name != symbol:
            raise EngineError(
                ErrorCode.ORDER_NOT_FOUND,
                f"order_id {order_id[:24]!r} is not an order of this account in {symbol}",
            )
        return order

    def open_orders(self, api_key: str, symbol: str) -> list[Order]:
        """The account's resting orders in `symbol`, newest first."""
        acct = self._account(api_key)
        self._market(symbol)
        return [o.snapshot() for o in reversed(acct.open.get(symbol, {}).values())]

    def open_order_ids(self, api_key: str, symbol: str) -> set[str]:
        """Ids of the account's resting orders in `symbol`: a cheap check for a busy caller."""
        acct = self._account(api_key)
        self._market(symbol)
        return set(acct.open.get(symbol, ()))

    def all_orders(
        self, api_key: str, symbol: str, start_ms: int | None, end_ms: int | None
    ) -> list[Order]:
        """Open and final orders created within [start_ms, end_ms] (each bound optional)."""
        acct = self._account(api_key)
        self._market(symbol)
        return [
            o.snapshot()
            for o in reversed(acct.orders.get(symbol, {}).values())
            if (start_ms is None or o.created_at >= start_ms)
            and (end_ms is None or o.created_at <= end_ms)
        ]

    def fills(self, api_key: str, symbol: str) -> list[Fill]:
        """The account's own fills in `symbol`, newest first."""
        acct = self._account(api_key)
        self._market(symbol)
        return list(reversed(acct.fills.get(symbol, [])))

    # Market data -------------------------------------------------------------------------------

    def raw_levels(self, symbol: str) -> tuple[list[Level], list[Level]]:
        """(asks ascending, bids descending), remaining amounts summed per price."""
        market = self._market(symbol)
        cached = market.levels_cache
        if cached is None or cached[0] != market.version:
            cached = market.levels_cache = (
                market.version,
                (market.asks.levels(), market.bids.levels()),
            )
        asks, bids = cached[1]
        return list(asks), list(bids)

    def book(self, symbol: str, step: int, now_ms: int) -> Book:
        """The whole book aggregated at `step` (PROTOCOL.md section 5), 150 levels a side."""
        market = self._market(symbol)
        asks, bids = self.raw_levels(symbol)
        return aggregate(asks, bids, step, market.symbol.price_precision, time=now_ms)

    def ticker(self, symbol: str, now_ms: int) -> Ticker:
        """24 h rolling statistics (from 1-minute bars); best bid/ask as `buy`/`sell`.

        Before the first trade, `last` is the mid of the book (or its only side, or zero).
        """
        market = self._market(symbol)
        last = self._last_price(market)
        stats = self._stats(market, now_ms)
        if stats is None:
            stats = _Stats(last, last, last, ZERO, ZERO)
        with localcontext(_EXACT):
            rose = (last / stats.open - 1).quantize(_ROSE, ROUND_HALF_EVEN) if stats.open else ZERO
        return Ticker(
            symbol=symbol,
            time=now_ms,
            open=stats.open,
            high=stats.high,
            low=stats.low,
            last=last,
            vol=stats.vol,
            amount=stats.amount,
            rose=rose,
            buy=market.bids.best(),
            sell=market.asks.best(),
        )

    def _last_price(self, market: _Market) -> Decimal:
        if market.last is not None:
            return market.last
        bid, ask = market.bids.best(), market.asks.best()
        if bid is not None and ask is not None:
            return ((bid + ask) / 2).quantize(market.symbol.tick, ROUND_HALF_EVEN)
        return bid if bid is not None else ask if ask is not None else ZERO

    def _stats(self, market: _Market, now_ms: int) -> _Stats | None:
        key = (market.trade_seq, now_ms // 60_000)
        if market.stats_cache is not None and market.stats_cache[0] == key:
            return market.stats_cache[1]
        since = (now_ms - DAY_MS) // 1000
        bars = sorted(
            (bar for t, bar in market.bars[1].items() if t + 60 > since and t * 1000 <= now_ms),
            key=lambda bar: bar.open_time,
        )
        stats = None
        if bars:
            stats = _Stats(
                open=bars[0].open,
                high=max(bar.high for bar in bars),
                low=min(bar.low for bar in bars),
                vol=sum((bar.vol for bar in bars), ZERO),
                amount=sum((bar.amount for bar in bars), ZERO),
            )
        market.stats_cache = (key, stats)
        return stats

    def trades(self, symbol: str, limit: int = 100) -> list[Trade]:
        """The last `limit` public trades, newest first."""
        market = self._market(symbol)
        trades = market.trades
        return [trades[-1 - i] for i in range(min(limit, len(trades)))]

    def trade_seq(self, symbol: str) -> int:
        """The number of the latest trade; `trades_after` with it returns only newer ones."""
        return self._market(symbol).trade_seq

    def trades_after(self, symbol: str, after_seq: int) -> tuple[int, list[Trade]]:
        """Trades recorded since sequence number `after_seq`, oldest first, and the new number.

        Start with `after_seq=0` or with a number returned earlier; a caller that fell more than
        `TRADES_KEPT` behind gets the ones still kept.
        """
        market = self._market(symbol)
        new = market.trade_seq - max(after_seq, 0)
        if new <= 0:
            return market.trade_seq, []
        kept = list(market.trades)
        return market.trade_seq, kept[-min(new, len(kept)) :]

    def klines(self, symbol: str, period_min: int, now_ms: int, limit: int = 300) -> list[Kline]:
        """Up to `limit` bars ending with the current one, oldest first; gaps are flat bars."""
        market = self._market(symbol)
        if period_min not in KLINE_PERIODS:
            raise EngineError(
                ErrorCode.BAD_PARAMETER,
                f"period must be one of {', '.join(map(str, KLINE_PERIODS))} (minutes)",
            )
        bars = market.bars[period_min]
        if not bars or limit <= 0:
            return []
        width = period_min * 60
        seconds = now_ms // 1000
        current = seconds - seconds % width
        first = current - (limit - 1) * width
        before = [t for t in bars if t < first]
        prev: Decimal | None = bars[max(before)].close if before else None
        result: list[Kline] = []
        for open_time in range(first, current + 1, width):
            bar = bars.get(open_time)
            if bar is not None:
                result.append(bar.kline())
                prev = bar.close
            elif prev is not None:
                result.append(Kline(open_time, prev, prev, prev, prev, ZERO, ZERO))
        return result

    def version(self, symbol: str) -> int:
        """A number that grows whenever `symbol`'s book or trades change."""
        return self._market(symbol).version

    # History -----------------------------------------------------------------------------------

    def record_history_trade(
        self, symbol: str, price: Decimal, amount: Decimal, side: Side, ts: int
    ) -> Trade:
        """Write a public trade no account took part in (the synthetic market's past).

        It feeds the tape, the klines and the ticker like any other trade but moves no funds.
        """
        market = self._market(symbol)
        trade = Trade(str(self._next_trade_id), price, amount, side, ts)
        self._next_trade_id += 1
        market.record(trade)
        return trade

    # Introspection for tests and the synthetic market ------------------------------------------

    def balances_of(self, api_key: str) -> Mapping[str, tuple[Decimal, Decimal]]:
        """coin -> (available, locked) of one account, for every coin it has touched."""
        acct = self._account(api_key)
        return {coin: (f.available, f.locked) for coin, f in acct.funds.items()}

    def holds_of(self, api_key: str) -> Mapping[str, Decimal]:
        """coin -> what the account's open orders hold, which must equal its locked amounts."""
        acct = self._account(api_key)
        holds: dict[str, Decimal] = {}
        for symbol, orders in acct.open.items():
            sym = self.symbols[symbol]
            for order in orders.values():
                coin = sym.quote if order.side is Side.BUY else sym.base
                holds[coin] = holds.get(coin, ZERO) + order.hold
        return holds

    def accounts(self) -> list[str]:
        """Every open account's api_key (tests sum funds over them)."""
        return list(self._accounts)


def _positive(name: str, text: str, decimals: int) -> Decimal:
    """A parameter as a plain positive decimal with at most `decimals` places, else 110003."""
    try:
        value = parse_param(text)
    except DecimalFormatError:
        raise EngineError(
            ErrorCode.BAD_PRECISION, f"{name} must be a plain positive decimal such as 1.25"
        ) from None
    if value <= 0:
        raise EngineError(ErrorCode.BAD_PRECISION, f"{name} must be greater than zero")
    if places(value) > decimals:
        raise EngineError(
            ErrorCode.BAD_PRECISION, f"{name} {text} has more than {decimals} decimals"
        )
    return value


def _plain(value: Decimal) -> str:
    """A value for a message: no exponent, no trailing zeros."""
    return normalized_str(value)


def _tidy(value: Decimal) -> Decimal:
    """The same value without trailing zeros (and never in exponent form)."""
    if not value:
        return ZERO
    value = value.normalize()
    exponent = value.as_tuple().exponent
    return value.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else value
