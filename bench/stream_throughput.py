"""How much the market stream costs on top of a bare WebSocket reader.

Both readers subscribe to the same depth channels of one embedded exchange running its
synthetic market at a high rate, side by side in the same run, for the same wall time. The
baseline only gunzips and parses JSON; `MarketStream` also decodes every level into `Decimal`
model objects and hands them to a consumer. The figure that matters is the ratio of frames
each handled (1.00 = the stream keeps up with a bare reader), not the absolute counts, which
depend on the machine.

Run: python bench/stream_throughput.py [--seconds 5] [--rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import time

import websockets

from cdx.client.stream import DepthEvent, MarketStream, StreamEvent
from cdx.protocol import channels, frames, messages
from cdx.server.runner import SimConfig, start_exchange
from cdx.sim.symbols import DEFAULT_SYMBOLS


async def bare_reader(ws_url: str, names: list[str], stop: asyncio.Event) -> int:
    """Count depth pushes with nothing but gunzip + json.loads (the baseline)."""
    count = 0
    async with websockets.connect(ws_url, max_size=None) as ws:
        for name in names:
            await ws.send(frames.encode_text(messages.Sub(name).encode()))
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.2)
            except TimeoutError:
                continue
            message = json.loads(gzip.decompress(raw) if isinstance(raw, bytes) else raw)
            if "ping" in message:
                await ws.send(json.dumps({"pong": message["ping"]}))
            elif "tick" in message and "depth" in message.get("channel", ""):
                count += 1
    return count


async def stream_reader(ws_url: str, names: list[str], stop: asyncio.Event) -> int:
    """Count the depth events `MarketStream` delivers, fully decoded."""
    count = 0

    def on_event(event: StreamEvent) -> None:
        nonlocal count
        if isinstance(event, DepthEvent):
            count += 1

    stream = MarketStream(ws_url, on_event)
    for name in names:
        stream.subscribe(name)
    task = asyncio.create_task(stream.run())
    await stop.wait()
    stream.stop()
    await task
    return count


async def main(seconds: float, rate: float) -> None:
    running = await start_exchange(SimConfig(seed=1, rate=rate))
    names = [channels.depth(symbol.name, step) for symbol in DEFAULT_SYMBOLS for step in (0, 1, 2)]
    stop = asyncio.Event()
    try:
        started = time.perf_counter()
        base = asyncio.create_task(bare_reader(running.ws_url, names, stop))
        ours = asyncio.create_task(stream_reader(running.ws_url, names, stop))
        await asyncio.sleep(seconds)
        stop.set()
        baseline, stream = await base, await ours
        elapsed = time.perf_counter() - started
    finally:
        await running.stop()
    print(f"channels={len(names)} rate={rate:g}Hz seconds={elapsed:.1f}")
    print(f"baseline frames={baseline} ({baseline / elapsed:.0f}/s)")
    print(f"stream   frames={stream} ({stream / elapsed:.0f}/s)")
    print(f"ratio stream/baseline = {stream / baseline:.2f}" if baseline else "no baseline frames")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.rate))
