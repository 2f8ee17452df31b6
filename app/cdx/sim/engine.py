"""The embedded exchange's engine: one object that puts the ledger, the books and the market
statistics together behind the calls the server makes.

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
- after matching the book is never crossed;
- order ids and trade ids are decimal integers that strictly increase and are never reused.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from cdx.model.account import Account, Fill
from cdx.model.book import Book, Level, aggregate
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import FEE_RATE, Symbol
from cdx.protocol.decimals import normalized_str
from cdx.protocol.errors import ErrorCode
from cdx.protocol.refusal import Refusal
from cdx.sim.admission import Admitted, admit
from cdx.sim.ledger import EXACT, Holder, Ledger, btc_rate, exact
from cdx.sim.matching import OrderBook, market_outcome, match
from cdx.sim.orders import ZERO, LiveOrder
from cdx.sim.statistics import KLINE_PERIODS, TRADES_KEPT, DayStats, MarketStatistics

__all__ = ["KLINE_PERIODS", "TRADES_KEPT", "Engine"]

log = logging.getLogger(__name__)

_ROSE = Decimal("0.0001")


class _Market:
    """Everything the engine keeps per symbol: the book, the statistics and a change counter."""

    def __init__(self, symbol: Symbol) -> None:
        self.symbol = symbol
        self.book = OrderBook()
        self.stats = MarketStatistics()
        self.version = 0
        self.levels_cache: tuple[int, tuple[list[Level], list[Level]]] | None = None

    def record(self, trade: Trade) -> None:
        self.stats.record(trade)
        self.version += 1

    def last_price(self) -> Decimal:
        """The last trade's price; before any trade the mid of the book (or its one side, or 0)."""
        if self.stats.last is not None:
            return self.stats.last
        bid, ask = self.book.bids.best(), self.book.asks.best()
        if bid is not None and ask is not None:
            return ((bid + ask) / 2).quantize(self.symbol.tick, ROUND_HALF_EVEN)
        return bid if bid is not None else ask if ask is not None else ZERO


class Engine:
    """Matching engine and ledger of the embedded exchange, for any number of symbols.

    Every public method takes the API key of the account it acts for; the server has already
    authenticated it. Refusals raise `Refusal` with the protocol's code and leave the state
    unchanged.
    """

    def __init__(self, symbols: Sequence[Symbol], *, fee_rate: Decimal = FEE_RATE) -> None:
        self.symbols: Mapping[str, Symbol] = {s.name: s for s in symbols}
        self.fee_rate = fee_rate
        self._markets = {s.name: _Market(s) for s in symbols}
        self._ledger = Ledger(fee_rate)
        self._orders: dict[str, LiveOrder] = {}
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
        self._ledger.open_account(api_key, balances, record_history=record_history)

    def has_account(self, api_key: str) -> bool:
        return self._ledger.has(api_key)

    def account(self, api_key: str) -> Account:
        """Every coin of every symbol (zeros included), valued in BTC at last prices."""
        prices = [(market.symbol, market.last_price()) for market in self._markets.values()]
        return self._ledger.statement(api_key, self._coins, lambda coin: btc_rate(coin, prices))

    def fee_balances(self) -> Mapping[str, Decimal]:
        """What the internal fee account has collected, per coin (for conservation checks)."""
        return self._ledger.fee_balances()

    def _market(self, symbol: str) -> _Market:
        market = self._markets.get(symbol)
        if market is None:
            raise Refusal(
                ErrorCode.UNKNOWN_SYMBOL, f"symbol {symbol[:20]!r} is not listed on this exchange"
            )
        return market

    # Orders ------------------------------------------------------------------------------------

    @exact
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
        already refused a missing price on a limit order and bad side/type with 100004. A
        market order's price is ignored (rev 2): its ORDER shows zero.
        """
        holder = self._ledger.holder(api_key)
        market = self._market(symbol)
        request = admit(market.symbol, side, type, volume, price)
        funds = self._ledger.require(holder, request.coin, request.needed)
        order = self._accept(api_key, holder, market.symbol, request, now_ms)
        if order.type is OrderType.LIMIT:
            self._ledger.lock(funds, request.needed)

        def execute(maker: LiveOrder, qty: Decimal) -> None:
            self._trade(market, order, maker, qty, now_ms)

        match(market.book, order, market.symbol.lot, execute)
        self._after_matching(market, holder, order)
        snapshot = order.snapshot()
        if holder.record_history:
            log.debug(
                "order %s %s %s %s volume %s price %s: %s, filled %s",
                order.id,
                symbol,
                order.side.value,
                order.type.name,
                volume,
                price,
                order.status.name,
                normalized_str(order.deal_volume),
            )
        if order.status.is_final:
            self._forget_if_unrecorded(order)
        return snapshot

    def _accept(
        self, api_key: str, holder: Holder, sym: Symbol, request: Admitted, now_ms: int
    ) -> LiveOrder:
        """Give an admitted request its id and record it as the account's order."""
        order = LiveOrder(
            id=str(self._next_order_id),
            owner=api_key,
            symbol=sym,
            side=request.side,
            type=request.type,
            price=request.price if request.price is not None else ZERO.quantize(sym.tick),
            volume=request.volume,
            created_at=now_ms,
        )
        self._next_order_id += 1
        self._orders[order.id] = order
        holder.orders.setdefault(sym.name, {})[order.id] = order
        return order

    def _after_matching(self, market: _Market, holder: Holder, order: LiveOrder) -> None:
        """A market order ends; a limit order with a rest joins the book, else it is filled."""
        if order.type is OrderType.MARKET:
            order.status = market_outcome(order, market.book, market.symbol.lot)
        elif order.remaining > 0:
            order.status = OrderStatus.PART_FILLED if order.deal_volume else OrderStatus.NEW
            market.book.side(order.side).add(order)
            holder.open.setdefault(market.symbol.name, {})[order.id] = order
            market.version += 1
        else:
            order.status = OrderStatus.FILLED

    def _trade(
        self, market: _Market, taker: LiveOrder, maker: LiveOrder, qty: Decimal, now_ms: int
    ) -> None:
        """One trade of `qty` base at the maker's price: funds and fees, both orders, the tape
        and both owners' fills. (`match` takes a filled maker off the book.)"""
        price = maker.price
        buyer, seller = (taker, maker) if taker.side is Side.BUY else (maker, taker)
        fees = self._ledger.settle(buyer, seller, price, qty)
        for order, fee in zip((buyer, seller), fees, strict=True):
            order.deal_volume += qty
            order.deal_money += price * qty
            order.fee += fee
        if maker.remaining == 0:
            maker.status = OrderStatus.FILLED
            del self._ledger.owner(maker).open[market.symbol.name][maker.id]
        else:
            maker.status = OrderStatus.PART_FILLED
        trade = self._new_trade(market, price, qty, taker.side, now_ms)
        for order, fee in zip((buyer, seller), fees, strict=True):
            self._ledger.record_fill(order, trade, fee)
        if maker.status is OrderStatus.FILLED:
            self._forget_if_unrecorded(maker)

    def _new_trade(
        self, market: _Market, price: Decimal, amount: Decimal, side: Side, ts: int
    ) -> Trade:
        trade = Trade(str(self._next_trade_id), price, amount, side, ts)
        self._next_trade_id += 1
        market.record(trade)
        return trade

    def _forget_if_unrecorded(self, order: LiveOrder) -> None:
        holder = self._ledger.owner(order)
        if not holder.record_history:
            self._orders.pop(order.id, None)
            holder.orders.get(order.symbol.name, {}).pop(order.id, None)

    @exact
    def cancel_order(self, api_key: str, symbol: str, order_id: str, now_ms: int) -> Order:
        """Cancel one open order and unlock what it held; 110006 unknown, 110007 already final."""
        order = self._find(api_key, symbol, order_id)
        if order.status.is_final:
            raise Refusal(
                ErrorCode.ORDER_FINAL,
                f"order {order.id} is already {order.status.name} and cannot be cancelled",
            )
        return self._cancel(order)

    @exact
    def cancel_all(self, api_key: str, symbol: str, now_ms: int) -> list[Order]:
        """Cancel every open order of the account in `symbol`; returns them, newest first."""
        holder = self._ledger.holder(api_key)
        self._market(symbol)
        orders = list(holder.open.get(symbol, {}).values())
        return [self._cancel(order) for order in reversed(orders)]

    def _cancel(self, order: LiveOrder) -> Order:
        market = self._markets[order.symbol.name]
        self._ledger.release(order)
        market.book.side(order.side).remove(order)
        del self._ledger.owner(order).open[order.symbol.name][order.id]
        order.status = OrderStatus.CANCELED
        market.version += 1
        snapshot = order.snapshot()
        self._forget_if_unrecorded(order)
        return snapshot

    def get_order(self, api_key: str, symbol: str, order_id: str) -> Order:
        """One of the account's orders; 110006 when it is unknown or another account's."""
        return self._find(api_key, symbol, order_id).snapshot()

    def _find(self, api_key: str, symbol: str, order_id: str) -> LiveOrder:
        self._ledger.holder(api_key)
        self._market(symbol)
        order = self._orders.get(order_id)
        if order is None or order.owner != api_key or order.symbol.name != symbol:
            raise Refusal(
                ErrorCode.ORDER_NOT_FOUND,
                f"order_id {order_id[:24]!r} is not an order of this account in {symbol}",
            )
        return order

    def _holder_in(self, api_key: str, symbol: str) -> Holder:
        holder = self._ledger.holder(api_key)
        self._market(symbol)
        return holder

    def open_orders(self, api_key: str, symbol: str) -> list[Order]:
        """The account's resting orders in `symbol`, newest first."""
        holder = self._holder_in(api_key, symbol)
        return [o.snapshot() for o in reversed(holder.open.get(symbol, {}).values())]

    def open_order_ids(self, api_key: str, symbol: str) -> set[str]:
        """Ids of the account's resting orders in `symbol`: a cheap check for a busy caller."""
        return set(self._holder_in(api_key, symbol).open.get(symbol, ()))

    def all_orders(
        self, api_key: str, symbol: str, start_ms: int | None, end_ms: int | None
    ) -> list[Order]:
        """Open and final orders created within [start_ms, end_ms] (each bound optional)."""
        holder = self._holder_in(api_key, symbol)
        return [
            o.snapshot()
            for o in reversed(holder.orders.get(symbol, {}).values())
            if (start_ms is None or o.created_at >= start_ms)
            and (end_ms is None or o.created_at <= end_ms)
        ]

    def fills(
        self,
        api_key: str,
        symbol: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[Fill]:
        """The account's own fills in `symbol` within [start_ms, end_ms] (each bound
        optional), newest first."""
        holder = self._holder_in(api_key, symbol)
        return [
            fill
            for fill in reversed(holder.fills.get(symbol, []))
            if (start_ms is None or fill.ctime >= start_ms)
            and (end_ms is None or fill.ctime <= end_ms)
        ]

    # Market data -------------------------------------------------------------------------------

    def raw_levels(self, symbol: str) -> tuple[list[Level], list[Level]]:
        """(asks ascending, bids descending), remaining amounts summed per price."""
        market = self._market(symbol)
        cached = market.levels_cache
        if cached is None or cached[0] != market.version:
            book = market.book
            cached = market.levels_cache = (
                market.version,
                (book.asks.levels(), book.bids.levels()),
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
        last = market.last_price()
        stats = market.stats.day(now_ms) or DayStats(last, last, last, ZERO, ZERO)
        with localcontext(EXACT):
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
            buy=market.book.bids.best(),
            sell=market.book.asks.best(),
        )

    def trades(self, symbol: str, limit: int = 100) -> list[Trade]:
        """The last `limit` public trades, newest first."""
        return self._market(symbol).stats.recent(limit)

    def trade_seq(self, symbol: str) -> int:
        """The number of the latest trade; `trades_after` with it returns only newer ones."""
        return self._market(symbol).stats.trade_seq

    def trades_after(self, symbol: str, after_seq: int) -> tuple[int, list[Trade]]:
        """Trades recorded since sequence number `after_seq`, oldest first, and the new number.

        Start with `after_seq=0` or with a number returned earlier; a caller that fell more than
        `TRADES_KEPT` behind gets the ones still kept.
        """
        return self._market(symbol).stats.after(after_seq)

    def klines(self, symbol: str, period_min: int, now_ms: int, limit: int = 300) -> list[Kline]:
        """Up to `limit` bars ending with the current one, oldest first; gaps are flat bars."""
        market = self._market(symbol)
        if period_min not in KLINE_PERIODS:
            raise Refusal(
                ErrorCode.BAD_PARAMETER,
                f"period must be one of {', '.join(map(str, KLINE_PERIODS))} (minutes)",
            )
        return market.stats.klines(period_min, now_ms, limit)

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
        return self._new_trade(self._market(symbol), price, amount, side, ts)

    # Introspection for tests and the synthetic market ------------------------------------------

    def balances_of(self, api_key: str) -> Mapping[str, tuple[Decimal, Decimal]]:
        """coin -> (available, locked) of one account, for every coin it has touched."""
        return self._ledger.balances_of(api_key)

    def holds_of(self, api_key: str) -> Mapping[str, Decimal]:
        """coin -> what the account's open orders hold, which must equal its locked amounts."""
        return self._ledger.holds_of(api_key)

    def accounts(self) -> list[str]:
        """Every open account's api_key (tests sum funds over them)."""
        return self._ledger.api_keys()
