"""CPU cost of turning a depth push into model objects, against what parsing alone costs.

The frames are real depth snapshots written by the embedded exchange's engine from a moving
synthetic market, each 100 ms after the last (PROTOCOL.md section 6: at most 10 pushes a
second), so consecutive frames differ as a live channel's do. Five pipelines run over the same
frames in the same run; the absolute times depend on the machine, the ratios are the figures:

- floor: zlib inflate + `json.loads` into plain strings, no checks and no `Decimal`: the least
  a reader with cdx's JSON parser (the standard `json`) pays to see the frame's values;
- naive: gzip + `json.loads` + `Decimal()` of every price and amount, no checks;
- full: our reader without memory (`frames.decode` + `messages.parse_server`): every level
  through the gate, as each push was read before the incremental path;
- incremental, JSON: `frames.decode` + a `DepthMemo` per channel: what a frame costs that is
  not in the layout our server writes (another server of the family);
- incremental: `frames.read` + a `DepthMemo` per channel, as `MarketStream` reads: a depth
  push in the server's layout is checked by one pattern and its rows looked up by their text.

`floor/incremental` is the share of the floor's speed the incremental reader reaches (issue
12's goal is at least 2/3); `naive/incremental` how many times faster it is than the naive
pipeline. The floor uses the parser cdx uses, so the ratio compares like with like; if orjson
is installed its floor is printed too, for reference only (issue 12 first measured against
it; cdx does not use it: it reads floats as binary floats, see `envelope.loads_json`). Every
pipeline's output is checked against the full decode first.

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

orjson_loads: Callable[[bytes], Any] | None
try:  # a reference figure only: cdx does not use orjson
    from orjson import loads as orjson_loads
except ImportError:  # pragma: no cover - depends on the machine
    orjson_loads = None


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


def best_of(repeat: int, pipelines: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Each pipeline's best time over `repeat` rounds, the pipelines taking turns in each
    round, so a change of the machine's load touches them all alike."""
    times: dict[str, list[float]] = {name: [] for name in pipelines}
    for _ in range(repeat):
        for name, work in pipelines.items():
            started = time.perf_counter()
            work()
            times[name].append(time.perf_counter() - started)
    return {name: min(seconds) for name, seconds in times.items()}


def main(count: int, repeat: int) -> None:
    data = capture(count)
    symbols = {symbol.name: symbol for symbol in DEFAULT_SYMBOLS}

    def floor() -> list[Any]:
        return [json.loads(zlib.decompress(raw, 31)) for raw in data]

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

    def incremental_json() -> list[Any]:
        memos: dict[str, DepthMemo] = {}
        return [messages.parse_server(frames.decode(raw), symbols, memos) for raw in data]

    def incremental() -> list[Any]:
        memos: dict[str, DepthMemo] = {}
        return [messages.parse_server(frames.read(raw), symbols, memos) for raw in data]

    want = list(map(repr, full()))
    for pipeline in (incremental_json, incremental):
        if [repr(push) for push in pipeline()] != want:  # repr shows each exponent
            raise SystemExit(f"{pipeline.__name__} differs from the full decode")
    if not isinstance(frames.read(data[0]), frames.DepthText):
        raise SystemExit("the server's depth frames are not read as text")
    pipelines: dict[str, Callable[[], object]] = {
        "floor (zlib+json)": floor,
        "naive (gzip+json+Decimal)": naive,
        "full decode (gate, no memo)": full,
        "incremental, JSON-parsed": incremental_json,
        "incremental decode": incremental,
    }
    if orjson_loads is not None:
        loads = orjson_loads
        pipelines["zlib+orjson (reference)"] = lambda: [loads(zlib.decompress(r, 31)) for r in data]
    best = best_of(repeat, pipelines)
    first = json.loads(gzip.decompress(data[0]))["tick"]
    print(f"frames={count} levels/frame={len(first['asks'])}+{len(first['buys'])} parser=json")
    for name, seconds in best.items():
        print(f"{name:30} {seconds / count * 1e6:7.1f} us/frame")
    base, ours = best["floor (zlib+json)"], best["incremental decode"]
    slow, whole = best["naive (gzip+json+Decimal)"], best["full decode (gate, no memo)"]
    via_json = best["incremental, JSON-parsed"]
    print(f"ratio floor/incremental = {base / ours:.2f}")
    print(f"ratio floor/incremental-json = {base / via_json:.2f}")
    print(f"ratio naive/incremental = {slow / ours:.2f}")
    print(f"ratio full/incremental = {whole / ours:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    main(args.frames, args.repeat)
