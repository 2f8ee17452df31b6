"""Reading the market stream's backlog together, and which of its snapshots are replaced.

Behind, the stream drops to the newest: frames that have already arrived are read together (a
slow link delivers a backlog in bursts; a busy UI leaves the loop late), and of the depth and
ticker pushes among them (full snapshots) only the newest per channel needs decoding; trade and
kline pushes, replies and heartbeats are all handled, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from cdx.protocol import messages
from cdx.protocol.frames import DepthText

MAX_BATCH = 1000
"""Frames read together at most when more have already arrived: a backlog of minutes at 10
pushes a second per channel is read in a few batches, and memory stays bounded by this many
decoded frames (each bounded by `frames.decode`)."""


async def drain(ws: ClientConnection, batch: list[str | bytes]) -> None:
    """Append to `batch` the frames that have already arrived, without waiting for more.

    `recv()` returns at once while websockets holds a frame; a zero timeout ends the first
    wait (cancelling `recv()` loses nothing). Two empty tries in a row (each lets the loop
    read the socket once) end the batch, and so does `MAX_BATCH` or a closed connection
    (the next `recv()` reports it, after this batch is handled).
    """
    empty = 0
    while len(batch) < MAX_BATCH and empty < 2:
        try:
            async with asyncio.timeout(0):
                batch.append(await ws.recv())
            empty = 0
        except TimeoutError:
            empty += 1
        except websockets.ConnectionClosed:
            return


def replaced_snapshots(
    decoded: Sequence[Mapping[str, Any] | DepthText],
) -> tuple[dict[int, list[int]], set[int]]:
    """Of decoded frames that arrived together, the snapshots a newer one replaces.

    Returns the index of each channel's newest snapshot mapped to the indices of all of that
    channel's snapshots (oldest first, so a reader can fall back to an older one if the newest
    fails the gate), and the indices of the older snapshots, which need not be decoded.
    """
    snapshots: dict[str, list[int]] = {}
    for index, message in enumerate(decoded):
        channel = messages.snapshot_channel(message)
        if channel is not None:
            snapshots.setdefault(channel, []).append(index)
    newest = {indices[-1]: indices for indices in snapshots.values()}
    skip = {index for indices in snapshots.values() for index in indices[:-1]}
    return newest, skip
