"""CPU cost of turning a depth push into model objects, against plain gunzip + json.loads.

The frames are real 150-level depth snapshots written by the embedded exchange's engine. The
baseline and our decoder run over the same frames in the same run; the ratio says how much the
`Decimal` model costs over parsing alone (the absolute times depend on the machine).

Run: python bench/decode_cost.py [--frames 300] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections.abc import Callable

from cdx.protocol import channels, codec, frames
from cdx.sim.engine import Engine
from cdx.sim.market import SyntheticMarket
from cdx.sim.symbols import DEFAULT_SYMBOLS, DEMO_BALANCES


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


def best_of(repeat: int, work: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main(count: int, repeat: int) -> None:
    data = capture(count)

    def baseline() -> None:
        for raw in data:
            json.loads(gzip.decompress(raw))

    def ours() -> None:
        for raw in data:
            message = frames.decode(raw)
            codec.depth_from_push(message["ts"], message["tick"])

    base, model = best_of(repeat, baseline), best_of(repeat, ours)
    print(
        f"frames={count} levels/frame={len(json.loads(gzip.decompress(data[0]))['tick']['asks'])}"
    )
    print(f"baseline {base / count * 1e6:.0f} us/frame")
    print(f"decode   {model / count * 1e6:.0f} us/frame")
    print(f"ratio decode/baseline = {model / base:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    main(args.frames, args.repeat)
