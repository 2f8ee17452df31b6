"""The synthetic market: full books and a day of history at once, movement, determinism."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal as D

import pytest

from cdx.model.order import OrderStatus, OrderType, Side
from cdx.sim.engine import Engine
from cdx.sim.market import SyntheticMarket
from cdx.sim.symbols import DEFAULT_SYMBOLS, DEMO_BALANCES, REFERENCE_PRICES

T0 = 1_700_000_000_000
TICK_MS = 500


def started(seed: int = 7) -> tuple[Engine, SyntheticMarket]:
    engine = Engine(DEFAULT_SYMBOLS)
    engine.open_account("demo", DEMO_BALANCES)
    market = SyntheticMarket(engine, seed=seed)
    market.bootstrap(T0)
    return engine, market


def run(market: SyntheticMarket, ticks: int, start: int = T0) -> int:
    now = start
    for _ in range(ticks):
        now += TICK_MS
        market.tick(now)
    return now


def books(engine: Engine, now: int) -> list[object]:
    return [engine.book(name, 0, now) for name in engine.symbols]


@pytest.fixture(scope="module")
def bootstrapped() -> Engine:
    return started()[0]


@pytest.mark.parametrize("symbol", [s.name for s in DEFAULT_SYMBOLS])
def test_bootstrap_fills_every_book_around_the_reference(bootstrapped: Engine, symbol: str) -> None:
    book = bootstrapped.book(symbol, 0, T0)
    assert len(book.asks) >= 15 and len(book.bids) >= 15
    assert not book.crossed
    reference = REFERENCE_PRICES[symbol]
    assert book.best_bid < reference < book.best_ask
    assert book.best_ask - book.best_bid < reference * D("0.002")


@pytest.mark.parametrize("symbol", [s.name for s in DEFAULT_SYMBOLS])
def test_bootstrap_writes_300_minute_bars_and_24h_stats(bootstrapped: Engine, symbol: str) -> None:
    bars = bootstrapped.klines(symbol, 1, T0)
    assert len(bars) == 300
    assert bars[-1].open_time == (T0 - T0 % 60_000) // 1000
    assert sum(bar.vol > 0 for bar in bars) == 299  # the current minute has not traded yet
    ticker = bootstrapped.ticker(symbol, T0)
    assert ticker.vol > 0 and ticker.amount > 0
    assert ticker.low <= ticker.open <= ticker.high
    assert ticker.last == REFERENCE_PRICES[symbol]
    assert len(bootstrapped.trades(symbol)) == 100


def test_the_market_moves() -> None:
    engine, market = started()
    before = books(engine, T0)
    first_seq = {name: engine.trade_seq(name) for name in engine.symbols}
    now = run(market, 120)
    after = books(engine, now)
    for name, old, new in zip(engine.symbols, before, after, strict=True):
        assert old != new, f"{name} book did not change"
        assert engine.trade_seq(name) > first_seq[name], f"{name} did not trade"
        assert not engine.book(name, 0, now).crossed
    assert any(engine.ticker(n, now).last != REFERENCE_PRICES[n] for n in engine.symbols)


def test_same_seed_gives_the_same_market() -> None:
    one, market_one = started(seed=42)
    two, market_two = started(seed=42)
    now = run(market_one, 60)
    run(market_two, 60)
    assert books(one, now) == books(two, now)
    assert [one.trades(n) for n in one.symbols] == [two.trades(n) for n in two.symbols]


def test_another_seed_gives_another_market() -> None:
    one, market_one = started(seed=1)
    two, market_two = started(seed=2)
    now = run(market_one, 20)
    run(market_two, 20)
    assert books(one, now) != books(two, now)


def test_the_market_never_touches_the_demo_account() -> None:
    engine, market = started()
    before = engine.balances_of("demo")
    run(market, 50)
    assert engine.balances_of("demo") == before
    assert engine.open_orders("demo", "btcusdt") == []


def test_a_demo_bid_at_the_top_of_the_book_gets_filled_by_takers() -> None:
    engine, market = started(seed=3)
    best_bid = engine.book("btcusdt", 0, T0).best_bid
    assert best_bid is not None
    order = engine.place_order(
        "demo", "btcusdt", Side.BUY, OrderType.LIMIT, "0.01", str(best_bid + D("0.01")), T0
    )
    now = T0
    for _ in range(400):
        now = run(market, 1, now)
        if engine.get_order("demo", "btcusdt", order.id).deal_volume > 0:
            break
    assert engine.get_order("demo", "btcusdt", order.id).status in (
        OrderStatus.PART_FILLED,
        OrderStatus.FILLED,
    )


def test_funds_are_conserved_while_the_market_runs() -> None:
    engine, market = started()

    def totals() -> dict[str, D]:
        sums: defaultdict[str, D] = defaultdict(D)
        for key in engine.accounts():
            for coin, (avail, lock) in engine.balances_of(key).items():
                assert avail >= 0 and lock >= 0
                sums[coin] += avail + lock
        for coin, fee in engine.fee_balances().items():
            sums[coin] += fee
        return dict(sums)

    start = totals()
    now = run(market, 100)
    assert totals() == start
    for key in engine.accounts():
        holds = engine.holds_of(key)
        for coin, (_, lock) in engine.balances_of(key).items():
            assert lock == holds.get(coin, 0)
    assert all(not engine.book(n, 0, now).crossed for n in engine.symbols)
