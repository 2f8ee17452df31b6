"""Synthetic liquidity for the embedded exchange: market makers and takers that move the price.

Internal accounts (never the demo account) quote a few dozen levels a side around a fair price
that random-walks and slowly reverts to the symbol's reference price, and takers now and then
cross the spread. Everything comes from one `random.Random(seed)` and the `now_ms` arguments,
so the same seed and the same clock give the same market, tick for tick.

Random draws are floats, but they only ever choose whole numbers of ticks and lots; prices and
amounts are `Decimal` throughout.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_UP, Decimal

from cdx.model.order import Order, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol.decimals import to_wire
from cdx.protocol.refusal import Refusal
from cdx.sim.engine import Engine
from cdx.sim.symbols import REFERENCE_PRICES, TYPICAL_SIZES

log = logging.getLogger(__name__)

MAKER_KEY = "sim-maker"
TAKER_KEY = "sim-taker"
"""Internal accounts; the server knows no secret for them, so no client can sign as them."""

_FUNDING = Decimal(10) ** 9
LEVELS_PER_SIDE = 60
HISTORY_MINUTES = 1440

_SPAN_BP = Decimal("100")  # how far from the inside the makers quote, in basis points of price
_HALF_SPREAD_BP = Decimal("0.5")
_TICK_SIGMA_BP = Decimal("0.5")  # fair-price move per tick (one standard deviation)
_MINUTE_SIGMA_BP = Decimal("5")  # history move per minute
# Share of the gap to the reference price closed per tick: weak enough that the price wanders a
# few percent like a real one, strong enough that a long-running exchange never drifts away.
_REVERSION = 0.00001
_CHURN = 0.04  # chance that a maker order is cancelled and requoted in a tick
_TAKE = 0.35  # chance of a taker order per symbol per tick
_TAKER_SCALE = 1 / 3  # takers trade smaller amounts than makers quote
_BP = Decimal("0.0001")


@dataclass(slots=True)
class _Quoting:
    """How one symbol is quoted; the fair price is the only part that changes."""

    symbol: Symbol
    reference: Decimal
    fair: Decimal
    span: int  # ticks from the inside to the deepest quote
    half_spread: int  # ticks
    sigma: float  # ticks per tick
    minute_sigma: float  # ticks per history minute
    typical_lots: int
    quotes: dict[str, tuple[Side, Decimal]] = field(default_factory=dict)
    """The makers' orders believed open: id -> (side, price)."""


class SyntheticMarket:
    """Market makers and takers (internal accounts, not the demo account) that move the market.

    Call `bootstrap` once, then `tick` a few times a second (the server decides how often; each
    tick moves every symbol). Not thread-safe, like the engine it drives.
    """

    def __init__(self, engine: Engine, *, seed: int = 0) -> None:
        self._engine = engine
        self._rng = random.Random(seed)
        for key in (MAKER_KEY, TAKER_KEY):
            if not engine.has_account(key):
                coins = {c for s in engine.symbols.values() for c in (s.base, s.quote)}
                engine.open_account(
                    key, {coin: _FUNDING for coin in sorted(coins)}, record_history=False
                )
        self._quoting = [
            _quoting(symbol, REFERENCE_PRICES.get(name) or engine.ticker(name, 0).last)
            for name, symbol in engine.symbols.items()
        ]
        self._quoting = [q for q in self._quoting if q.reference > 0]

    def fair_price(self, symbol: str) -> Decimal:
        """Where the makers currently centre their quotes."""
        for q in self._quoting:
            if q.symbol.name == symbol:
                return q.fair
        raise KeyError(symbol)

    def bootstrap(self, now_ms: int) -> None:
        """Write a day of history ending at the reference price, then fill every book.

        Afterwards klines have 1-minute bars for the last 24 h and the ticker has 24 h stats.
        """
        for q in self._quoting:
            self._write_history(q, now_ms)
            self._requote(q, now_ms)

    def tick(self, now_ms: int) -> None:
        """One round of changes per symbol: the fair price moves, makers requote, maybe a taker."""
        for q in self._quoting:
            self._move_fair(q)
            self._requote(q, now_ms)
            if self._rng.random() < _TAKE:
                self._take(q, now_ms)

    # History -----------------------------------------------------------------------------------

    def _write_history(self, q: _Quoting, now_ms: int) -> None:
        rng = self._rng
        tick = q.symbol.tick
        current_minute = now_ms - now_ms % 60_000
        # Walk backwards from the reference so that the history ends where the book starts.
        closes = [round(q.reference / tick)]
        for _ in range(HISTORY_MINUTES - 1):
            moved = closes[-1] + round(rng.gauss(0, q.minute_sigma))
            closes.append(max(moved, 1))
        closes.reverse()
        previous = closes[0]
        for index, close in enumerate(closes):
            minute = current_minute - (HISTORY_MINUTES - index) * 60_000
            count = rng.randint(1, 4)
            offsets = sorted(rng.randrange(60_000) for _ in range(count))
            for n, offset in enumerate(offsets):
                if n == count - 1:
                    ticks = close
                else:
                    low, high = sorted((previous, close))
                    spread = max(q.half_spread * 4, 1)
                    ticks = max(rng.randint(low - spread, high + spread), 1)
                side = Side.BUY if rng.random() < 0.5 else Side.SELL
                self._engine.record_history_trade(
                    q.symbol.name,
                    tick * ticks,
                    self._size(q, scale=_TAKER_SCALE),
                    side,
                    minute + offset,
                )
            previous = close

    # Makers ------------------------------------------------------------------------------------

    def _move_fair(self, q: _Quoting) -> None:
        tick = q.symbol.tick
        # The pull is added to the random draw before rounding to whole ticks, so even a pull of
        # a fraction of a tick shifts the odds; the price itself stays a Decimal.
        pull = float((q.reference - q.fair) / tick) * _REVERSION
        moved = q.fair + round(self._rng.gauss(pull, q.sigma)) * tick
        q.fair = max(moved, tick * (q.half_spread + q.span + 1))

    def _requote(self, q: _Quoting, now_ms: int) -> None:
        engine, rng, sym = self._engine, self._rng, q.symbol
        tick = sym.tick
        inner_bid = q.fair - q.half_spread * tick
        inner_ask = q.fair + q.half_spread * tick
        reach = q.span * tick
        counts = {Side.BUY: 0, Side.SELL: 0}
        still_open = engine.open_order_ids(MAKER_KEY, sym.name)
        quotes = q.quotes
        for order_id in list(quotes):
            if order_id not in still_open:
                del quotes[order_id]
                continue
            side, price = quotes[order_id]
            if side is Side.BUY:
                stale = price > inner_bid or price < inner_bid - reach
            else:
                stale = price < inner_ask or price > inner_ask + reach
            if stale or rng.random() < _CHURN:
                engine.cancel_order(MAKER_KEY, sym.name, order_id, now_ms)
                del quotes[order_id]
            else:
                counts[side] += 1
        for side in (Side.BUY, Side.SELL):
            for _ in range(LEVELS_PER_SIDE - counts[side]):
                # Squaring a uniform draw crowds orders towards the inside, as real books are;
                # deeper orders are larger.
                depth = rng.random() ** 2
                offset = int(q.span * depth)
                price = inner_bid - offset * tick if side is Side.BUY else inner_ask + offset * tick
                size = self._size(q, scale=1 + 2 * depth)
                order = self._place(MAKER_KEY, q, side, OrderType.LIMIT, size, price, now_ms)
                if order is not None and order.is_open:
                    quotes[order.id] = (side, price)

    # Takers ------------------------------------------------------------------------------------

    def _take(self, q: _Quoting, now_ms: int) -> None:
        rng, sym = self._rng, q.symbol
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        size = self._size(q, scale=_TAKER_SCALE)
        if rng.random() < 0.5:
            if side is Side.BUY:
                spend = (size * q.fair).quantize(sym.tick, ROUND_UP)
                self._place(TAKER_KEY, q, side, OrderType.MARKET, spend, None, now_ms)
            else:
                self._place(TAKER_KEY, q, side, OrderType.MARKET, size, None, now_ms)
            return
        levels = self._engine.raw_levels(sym.name)
        opposite = levels[0] if side is Side.BUY else levels[1]
        if not opposite:
            return
        # A marketable limit a few levels deep; whatever it does not fill is withdrawn.
        depth = opposite[min(rng.randrange(3), len(opposite) - 1)][0]
        order = self._place(TAKER_KEY, q, side, OrderType.LIMIT, size, depth, now_ms)
        if order is not None and order.is_open:
            self._engine.cancel_order(TAKER_KEY, sym.name, order.id, now_ms)

    # Orders ------------------------------------------------------------------------------------

    def _size(self, q: _Quoting, *, scale: float) -> Decimal:
        """A base amount in whole lots, log-normal around `scale` times the typical size."""
        lots = max(1, int(self._rng.lognormvariate(0, 0.9) * q.typical_lots * scale))
        return q.symbol.lot * lots

    def _place(
        self,
        key: str,
        q: _Quoting,
        side: Side,
        type: OrderType,
        volume: Decimal,
        price: Decimal | None,
        now_ms: int,
    ) -> Order | None:
        """Place one order for an internal account, raised to the symbol's minimums."""
        sym = q.symbol
        if price is not None:
            volume = max(volume, sym.min_amount)
            if price * volume < sym.min_value:
                volume = (sym.min_value / price).quantize(sym.lot, ROUND_UP)
        elif side is Side.SELL:
            volume = max(volume, sym.min_amount)
        else:
            volume = max(volume, sym.min_value)
        try:
            return self._engine.place_order(
                key,
                sym.name,
                side,
                type,
                to_wire(volume),
                to_wire(price) if price is not None else None,
                now_ms,
            )
        except Refusal as exc:
            log.warning("synthetic %s order on %s refused: %s", side, sym.name, exc.msg)
            return None


def _quoting(symbol: Symbol, reference: Decimal) -> _Quoting:
    """Quoting parameters that scale with the symbol's price and precision."""
    tick = symbol.tick

    def in_ticks(bp: Decimal) -> Decimal:
        return reference * bp * _BP / tick

    typical = TYPICAL_SIZES.get(symbol.name, symbol.min_amount * 100)
    return _Quoting(
        symbol=symbol,
        reference=reference,
        fair=reference.quantize(tick, ROUND_HALF_EVEN),
        span=max(LEVELS_PER_SIDE, int(in_ticks(_SPAN_BP))),
        half_spread=max(1, int(in_ticks(_HALF_SPREAD_BP))),
        sigma=float(in_ticks(_TICK_SIGMA_BP)),
        minute_sigma=float(in_ticks(_MINUTE_SIGMA_BP)),
        typical_lots=max(1, int(typical / symbol.lot)),
    )
