"""The exchange's promises under any sequence of orders, cancels and refusals (hypothesis).

Whatever users do: funds are conserved per coin (accounts plus the fee account), nothing goes
negative, locked funds are exactly what open orders hold, the book is never crossed, and every
trade has a maker and a taker on opposite sides.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal as D

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cdx.model.order import OrderStatus, OrderType, Side
from cdx.protocol.decimals import to_wire
from cdx.protocol.errors import ErrorCode
from cdx.protocol.refusal import Refusal
from cdx.sim.engine import Engine
from cdx.sim.symbols import DEFAULT_SYMBOLS

SYMBOLS = {s.name: s for s in DEFAULT_SYMBOLS[:3]}
CENTER = {"btcusdt": D("27000.00"), "ethusdt": D("1800.00"), "ethbtc": D("0.066700")}
KEYS = ("alice", "bob", "carol")
START = {"btc": D("1"), "eth": D("10"), "usdt": D("30000")}
EXPECTED_REFUSALS = {ErrorCode.TOO_SMALL, ErrorCode.INSUFFICIENT_BALANCE}

lots = st.one_of(st.integers(1, 300), st.integers(1, 30_000))


class ExchangeMachine(RuleBasedStateMachine):
    """Three users trading three symbols around fixed centre prices, so orders often cross."""

    @initialize()
    def open_accounts(self) -> None:
        self.engine = Engine(list(SYMBOLS.values()))
        for key in KEYS:
            self.engine.open_account(key, START)
        self.now = 1_700_000_000_000

    def state(self) -> object:
        return (
            {key: self.engine.balances_of(key) for key in KEYS},
            {name: self.engine.raw_levels(name) for name in SYMBOLS},
            {
                key: self.engine.all_orders(key, name, None, None)
                for key in KEYS
                for name in SYMBOLS
            },
            self.engine.fee_balances(),
        )

    def place(
        self, key: str, symbol: str, side: Side, type: OrderType, volume: str, price: str | None
    ) -> None:
        before = self.state()
        try:
            order = self.engine.place_order(key, symbol, side, type, volume, price, self.now)
        except Refusal as exc:
            assert exc.code in EXPECTED_REFUSALS, exc
            assert self.state() == before, "a refused order changed the exchange"
            return
        if type is OrderType.MARKET:
            assert order.status in (OrderStatus.FILLED, OrderStatus.EXPIRED)
            assert not order.is_open
        else:
            assert order.deal_volume <= order.volume

    @rule(
        key=st.sampled_from(KEYS),
        symbol=st.sampled_from(sorted(SYMBOLS)),
        side=st.sampled_from(Side),
        offset=st.integers(-25, 25),
        count=lots,
    )
    def place_limit(self, key: str, symbol: str, side: Side, offset: int, count: int) -> None:
        sym = SYMBOLS[symbol]
        price = CENTER[symbol] + sym.tick * offset
        volume = sym.min_amount * count
        self.place(key, symbol, side, OrderType.LIMIT, to_wire(volume), to_wire(price))

    @rule(
        key=st.sampled_from(KEYS),
        symbol=st.sampled_from(sorted(SYMBOLS)),
        side=st.sampled_from(Side),
        count=lots,
    )
    def place_market(self, key: str, symbol: str, side: Side, count: int) -> None:
        sym = SYMBOLS[symbol]
        if side is Side.BUY:
            volume = (sym.min_value * count / 4).quantize(sym.tick)
        else:
            volume = sym.min_amount * count
        self.place(key, symbol, side, OrderType.MARKET, to_wire(volume), None)

    @rule(
        key=st.sampled_from(KEYS),
        symbol=st.sampled_from(sorted(SYMBOLS)),
        volume=st.text(max_size=12),
        price=st.text(max_size=12),
    )
    def place_garbage(self, key: str, symbol: str, volume: str, price: str) -> None:
        before = self.state()
        try:
            self.engine.place_order(key, symbol, Side.BUY, OrderType.LIMIT, volume, price, self.now)
        except Refusal as exc:
            assert exc.code in EXPECTED_REFUSALS | {
                ErrorCode.BAD_PRECISION,
                ErrorCode.BAD_PARAMETER,
            }
            assert self.state() == before
            return

    @rule(data=st.data(), key=st.sampled_from(KEYS), symbol=st.sampled_from(sorted(SYMBOLS)))
    def cancel(self, data: st.DataObject, key: str, symbol: str) -> None:
        orders = self.engine.all_orders(key, symbol, None, None)
        if not orders:
            return
        order = data.draw(st.sampled_from(orders))
        canceller = data.draw(st.sampled_from(KEYS))
        before = self.state()
        try:
            cancelled = self.engine.cancel_order(canceller, symbol, order.id, self.now)
        except Refusal as exc:
            if canceller != key:
                assert exc.code is ErrorCode.ORDER_NOT_FOUND
            else:
                assert exc.code is ErrorCode.ORDER_FINAL
                assert not self.engine.get_order(key, symbol, order.id).is_open
            assert self.state() == before
            return
        assert canceller == key and cancelled.status is OrderStatus.CANCELED

    @rule(key=st.sampled_from(KEYS), symbol=st.sampled_from(sorted(SYMBOLS)))
    def cancel_all(self, key: str, symbol: str) -> None:
        self.engine.cancel_all(key, symbol, self.now)
        assert self.engine.open_orders(key, symbol) == []

    @rule(ms=st.integers(0, 120_000))
    def wait(self, ms: int) -> None:
        self.now += ms

    # The exchange's promises -------------------------------------------------------------------

    @invariant()
    def funds_are_conserved(self) -> None:
        totals: defaultdict[str, D] = defaultdict(D)
        for key in KEYS:
            for coin, (avail, lock) in self.engine.balances_of(key).items():
                totals[coin] += avail + lock
        for coin, fee in self.engine.fee_balances().items():
            totals[coin] += fee
        for coin, start in START.items():
            assert totals[coin] == start * len(KEYS), coin

    @invariant()
    def nothing_is_negative(self) -> None:
        for key in KEYS:
            for coin, (avail, lock) in self.engine.balances_of(key).items():
                assert avail >= 0 and lock >= 0, (key, coin, avail, lock)

    @invariant()
    def locked_is_what_open_orders_hold(self) -> None:
        for key in KEYS:
            holds = self.engine.holds_of(key)
            for coin, (_, lock) in self.engine.balances_of(key).items():
                assert lock == holds.get(coin, 0), (key, coin)

    @invariant()
    def book_is_never_crossed_and_matches_open_orders(self) -> None:
        for name in SYMBOLS:
            book = self.engine.book(name, 0, self.now)
            assert not book.crossed
            asks, bids = self.engine.raw_levels(name)
            resting = {Side.SELL: D(0), Side.BUY: D(0)}
            for key in KEYS:
                for order in self.engine.open_orders(key, name):
                    assert order.status in (OrderStatus.NEW, OrderStatus.PART_FILLED)
                    assert 0 <= order.deal_volume < order.volume
                    resting[order.side] += order.volume - order.deal_volume
            assert sum(amount for _, amount in asks) == resting[Side.SELL]
            assert sum(amount for _, amount in bids) == resting[Side.BUY]

    @invariant()
    def every_trade_has_a_maker_and_a_taker_on_opposite_sides(self) -> None:
        for name in SYMBOLS:
            fills = defaultdict(list)
            for key in KEYS:
                for fill in self.engine.fills(key, name):
                    fills[fill.id].append(fill)
            for trade in self.engine.trades(name):
                pair = fills[trade.id]
                assert len(pair) == 2
                taker = next(f for f in pair if f.side is trade.side)
                maker = next(f for f in pair if f.side is not trade.side)
                assert int(maker.order_id) < int(taker.order_id), "the maker rested first"
                for fill in pair:
                    assert (fill.price, fill.volume) == (trade.price, trade.amount)

    @invariant()
    def ticker_agrees_with_the_tape_and_the_book(self) -> None:
        for name in SYMBOLS:
            ticker = self.engine.ticker(name, self.now)
            assert ticker.low <= ticker.open <= ticker.high
            assert ticker.low <= ticker.last <= ticker.high
            trades = self.engine.trades(name, 1)
            if trades:
                assert ticker.last == trades[0].price
            book = self.engine.book(name, 0, self.now)
            assert (ticker.buy, ticker.sell) == (book.best_bid, book.best_ask)


ExchangeMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestExchangePromises = ExchangeMachine.TestCase
