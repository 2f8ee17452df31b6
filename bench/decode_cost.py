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
  push in the server's layout is split into its rows' text, looked up in the channel's memo
  (a row found there is in the layout), and only new rows are matched and converted. Each
  round starts with empty memos, as a new stream does.

`floor/incremental` is the share of the floor's speed the incremental reader reaches (issue
12's goal is at least 2/3); `naive/incremental` how many times faster it is than the naive
pipeline. The floor uses the parser cdx uses, so the ratio compares like with like; if orjson
is installed its floor is printed too, for reference only (issue 12 first measured against
it; cdx does not use it: it reads floats as binary floats, see `envelope.loads_json`). Every
pipeline's output is checked against the full decode first; then each reads every frame and
drops the result at the next, as a stream does (see `best_of`), in turns, best of the rounds.

Run: python bench/decode_cost.py [--frames 300] [--repeat 9]
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


Reader = Callable[[bytes], object]
"""One pipeline reading one frame; a new one (with an empty memo) is started for each round."""


def best_of(
    repeat: int, data: list[bytes], pipelines: dict[str, Callable[[], Reader]]
) -> dict[str, float]:
    """Each pipeline's best time over `repeat` rounds of reading every frame, the pipelines
    taking turns in each round, so a change of the machine's load touches them all alike.

    Each result is dropped as the next frame is read, as a stream does (the consumer keeps
    the newest book): keeping all of them would charge the collector's walks over them to
    the pipeline that allocates most containers, the floor's JSON lists."""
    times: dict[str, list[float]] = {name: [] for name in pipelines}
    for _ in range(repeat):
        for name, start in pipelines.items():
            read = start()
            started = time.perf_counter()
            for raw in data:
                read(raw)
            times[name].append(time.perf_counter() - started)
    return {name: min(seconds) for name, seconds in times.items()}


def main(count: int, repeat: int) -> None:
    data = capture(count)
    symbols = {symbol.name: symbol for symbol in DEFAULT_SYMBOLS}

    def floor(raw: bytes) -> Any:
        return json.loads(zlib.decompress(raw, 31))

    def naive(raw: bytes) -> Any:
        tick = json.loads(gzip.decompress(raw))["tick"]
        return tuple(
            tuple((Decimal(price), Decimal(amount)) for price, amount in tick[side])
            for side in ("asks", "buys")
        )

    def full(raw: bytes) -> Any:
        return messages.parse_server(frames.decode(raw), symbols)

    def incremental_json() -> Reader:
        memos: dict[str, DepthMemo] = {}
        return lambda raw: messages.parse_server(frames.decode(raw), symbols, memos)

    def incremental() -> Reader:
        memos: dict[str, DepthMemo] = {}
        return lambda raw: messages.parse_server(frames.read(raw, memos), symbols, memos)

    want = [repr(full(raw)) for raw in data]  # repr shows each exponent
    for start in (incremental_json, incremental):
        read = start()
        if [repr(read(raw)) for raw in data] != want:
            raise SystemExit(f"{start.__name__} differs from the full decode")
    if not isinstance(frames.read(data[0]), frames.DepthText):
        raise SystemExit("the server's depth frames are not read as text")
    pipelines: dict[str, Callable[[], Reader]] = {
        "floor (zlib+json)": lambda: floor,
        "naive (gzip+json+Decimal)": lambda: naive,
        "full decode (gate, no memo)": lambda: full,
        "incremental, JSON-parsed": incremental_json,
        "incremental decode": incremental,
    }
    if orjson_loads is not None:
        loads = orjson_loads
        pipelines["zlib+orjson (reference)"] = lambda: lambda raw: loads(zlib.decompress(raw, 31))
    best = best_of(repeat, data, pipelines)
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
