"""CPU cost of turning a depth push into model objects, against what parsing alone costs.

The frames are real depth snapshots written by the embedded exchange's engine from a moving
synthetic market, each 100 ms after the last (PROTOCOL.md section 6: at most 10 pushes a
second), so consecutive frames differ as a live channel's do. Four pipelines run over the same
frames in the same run; the absolute times depend on the machine, the ratios are the figures:

- floor: zlib inflate + JSON parse into plain strings (orjson if it is installed, else the
  standard `json`): no checks and no `Decimal`, the least any reader pays;
- naive: gzip + `json.loads` + `Decimal()` of every price and amount, no checks;
- full: our reader without memory (`frames.decode` + `messages.parse_server`): every level
  through the gate, as each push was read before the incremental path;
- incremental: the same reader keeping one `DepthMemo` per channel, as `MarketStream` does.

`floor/incremental` is the share of the floor's speed the incremental reader reaches (issue
12's goal is at least 2/3); `naive/incremental` how many times faster it is than the naive
pipeline. Every pipeline's output is checked against the full decode first.

Run: python bench/decode_cost.py [--frames 300] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from cdx.protocol import channels, codec, frames, messages
from cdx.protocol.market_data import DepthMemo
from cdx.sim.engine import Engine
from cdx.sim.market import SyntheticMarket
from cdx.sim.symbols import DEFAULT_SYMBOLS, DEMO_BALANCES

try:  # the floor is the fastest parser available here; cdx itself does not need it
    import orjson

    PARSER = "orjson"
    parse: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - depends on the machine
    PARSER = "json"
    parse = json.loads


def capture(count: int) -> list[bytes]:
    """Depth frames as the server sends them, taken from a moving synthetic market."""
    engine = Engine(DEFAULT_SYMBOLS)
    engine.open_account("demo", DEMO_BALANCES)
    market = SyntheticMarket(engine, seed=1)
    now = 1_700_000_000_000
    market.bootstrap(now)
    symbol = engine.symbols["btcusdt"]
    out = []
    for _ in range(count):
        now += 100
        market.tick(now)
        tick = codec.depth_to_push_tick(engine.book("btcusdt", 0, now), symbol, 0)
        out.append(
            frames.encode({"channel": channels.depth("btcusdt", 0), "ts": now, "tick": tick})
        )
    return out


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main(count: int, repeat: int) -> None:
    data = capture(count)
    symbols = {symbol.name: symbol for symbol in DEFAULT_SYMBOLS}

    def floor() -> list[Any]:
        return [parse(zlib.decompress(raw, 31)) for raw in data]

    def naive() -> list[Any]:
        out = []
        for raw in data:
            tick = json.loads(gzip.decompress(raw))["tick"]
            out.append(
                tuple(
                    tuple((Decimal(price), Decimal(amount)) for price, amount in tick[side])
                    for side in ("asks", "buys")
                )
            )
        return out

    def full() -> list[Any]:
        return [messages.parse_server(frames.decode(raw), symbols) for raw in data]

    def incremental() -> list[Any]:
        memos: dict[str, DepthMemo] = {}
        return [messages.parse_server(frames.decode(raw), symbols, memos) for raw in data]

    want = full()
    if incremental() != want or [repr(push) for push in incremental()] != list(map(repr, want)):
        raise SystemExit("incremental decode differs from the full decode")
    base, slow = best_of(repeat, floor), best_of(repeat, naive)
    whole, ours = best_of(repeat, full), best_of(repeat, incremental)
    first = json.loads(gzip.decompress(data[0]))["tick"]
    print(f"frames={count} levels/frame={len(first['asks'])}+{len(first['buys'])} parser={PARSER}")
    for name, seconds in (
        (f"floor (zlib+{PARSER})", base),
        ("naive (gzip+json+Decimal)", slow),
        ("full decode (gate, no memo)", whole),
        ("incremental decode", ours),
    ):
        print(f"{name:30} {seconds / count * 1e6:7.1f} us/frame")
    print(f"ratio floor/incremental = {base / ours:.2f}")
    print(f"ratio naive/incremental = {slow / ours:.2f}")
    print(f"ratio full/incremental = {whole / ours:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    main(args.frames, args.repeat)
