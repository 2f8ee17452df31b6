"""How long a key takes to reach the screen: Enter in the order form until the confirmation
dialog is written, and the confirming Enter until the pending order's row is written, against
a minimal Textual app that pushes a modal on Enter, in the same run.

Method: both apps run in this process under Textual's test harness (`run_test`, the same
pilot the UI tests use) with a driver that is not headless, so every frame is composed and
rendered to terminal bytes as it would be for a real terminal; the driver records when each
frame's bytes were written instead of writing them. A key is injected exactly as the terminal
driver delivers one (`driver.send_message(Key)`), and its latency is the time until the first
frame whose text contains what the user waits for: the dialog's title, then the order's row
(`BUY  20,000.01`, a price used once). The market is the embedded exchange at its default
pace, in a child process as `cdx` runs it; the baseline app runs while it is running too.

Figures: p50/p90/p99 of each, and the ratio of the dashboard's p90 to the baseline's p90.

Run alone: python -m bench.key_latency [--samples 40]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.drivers.headless_driver import HeadlessDriver
from textual.screen import ModalScreen
from textual.widgets import Static

SIZE = (120, 40)
Stamp = tuple[float, float]
"""(wall seconds, the app thread's CPU seconds)."""
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]")


class RecordingDriver(HeadlessDriver):
    """A driver that renders like a terminal's (not headless) and records each frame's text
    with the time it was written, for `Frames.wait`."""

    frames: Frames | None = None

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        frames = RecordingDriver.frames
        if frames is not None:
            frames.add((time.perf_counter(), time.thread_time()), data)


class Frames:
    """What the app wrote, and waiters for a frame whose text matches a pattern."""

    def __init__(self) -> None:
        self._waiters: list[tuple[re.Pattern[str], asyncio.Future[Stamp]]] = []

    def add(self, at: Stamp, data: str) -> None:
        if not self._waiters:
            return
        text = ANSI.sub("", data)
        for pattern, future in list(self._waiters):
            if not future.done() and pattern.search(text):
                future.set_result(at)
                self._waiters.remove((pattern, future))

    def expect(self, pattern: str) -> asyncio.Future[Stamp]:
        """A future set to the write time of the first frame matching `pattern` from now."""
        future: asyncio.Future[Stamp] = asyncio.get_running_loop().create_future()
        self._waiters.append((re.compile(pattern), future))
        return future


def send(app: App[object], key: str) -> Stamp:
    """Deliver one key as the terminal driver would; returns when it was sent."""
    character = key if len(key) == 1 else None
    event = events.Key(key, character)
    event.set_sender(app)
    sent = (time.perf_counter(), time.thread_time())
    assert app._driver is not None
    app._driver.send_message(event)
    return sent


async def latency(app: App[object], frames: Frames, key: str, pattern: str) -> Stamp:
    """Seconds from `key` to the first frame written that matches `pattern` (10 s at most):
    (wall time, CPU time of the app's thread meanwhile). The CPU time is the work on the key's
    path, which a loaded machine stretches far less than the wall time."""
    future = frames.expect(pattern)
    sent = send(app, key)
    written = await asyncio.wait_for(future, 10.0)
    return (written[0] - sent[0], written[1] - sent[1])


async def settle(seconds: float = 0.15) -> None:
    """A pause between samples, as between a user's keystrokes, so samples do not queue."""
    await asyncio.sleep(seconds)


# The baseline: the least a Textual app does to show a dialog on Enter ------------------------


class Question(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(False)", "Abort")]

    def compose(self) -> ComposeResult:
        yield Static("Place order?\nBuy 0.001 BTC at 20,000.00 USDT")


class MinimalModalApp(App[None]):
    """One line of text; Enter pushes a modal with two lines, Escape closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "ask", "Ask")]
    CSS = "Question { align: center middle; } Question > Static { width: 50; height: 4; }"

    def compose(self) -> ComposeResult:
        yield Static("cdx baseline")

    def action_ask(self) -> None:
        self.push_screen(Question())


async def baseline_samples(frames: Frames, samples: int) -> list[Stamp]:
    app = MinimalModalApp()
    app.driver_class = RecordingDriver
    out = []
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await pilot.pause(0.3)
        for _ in range(samples):
            out.append(await latency(app, frames, "enter", r"Place order\?"))
            await settle()
            send(app, "escape")
            await settle()
    return out


# The dashboard ---------------------------------------------------------------------------------


async def dashboard_samples(
    frames: Frames,
    rest_url: str,
    ws_url: str,
    samples: int,
    settle_heap: bool = True,
    alternate: bool = False,
) -> tuple[list[Stamp], list[Stamp]]:
    """(Enter → dialog, confirming Enter → row) for `samples` limit buys far below the book.

    With `settle_heap`, the heap is settled once the screen is full, as the `cdx` command
    does (`cdx.ui.heap`); without it, as before that was adopted. With `alternate`, the
    heap is frozen for even samples and thawed for odd ones: the two arms share one run's
    load, market and allocation history (for a before/after on a noisy machine)."""
    from cdx.client.credentials import Credentials
    from cdx.client.rest import RestClient
    from cdx.commands.dashboard import tend_heap
    from cdx.sim.symbols import DEMO_API_KEY, DEMO_API_SECRET
    from cdx.ui.app import DashboardApp

    dialog, row = [], []
    lost = 0
    async with RestClient(rest_url, Credentials(DEMO_API_KEY, DEMO_API_SECRET)) as rest:
        app = DashboardApp(rest, ws_url, "btcusdt")
        app.driver_class = RecordingDriver
        async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
            await until(lambda: app.account is not None and app.market.book("btcusdt", 0))
            tending = None
            if settle_heap:  # as the `cdx` command runs: settled, full collections when quiet
                tending = tend_heap(app)
                await until(lambda: gc.get_freeze_count() > 0, what="the heap settled")
            await pilot.pause(0.5)
            for index in range(samples):
                if alternate:  # even samples on a frozen start-up heap, odd on a thawed one
                    gc.freeze() if index % 2 == 0 else gc.unfreeze()
                price = Decimal("20000.01") + index * Decimal("0.01")
                # On a loaded machine the previous order's screens may still be closing:
                # start each order once they are, and time Enter only once the form holds
                # what was typed (what is measured is Enter, not the typing before it).
                lost += await type_order(app, str(price))
                await settle()
                dialog.append(await latency(app, frames, "enter", r"Place order\?"))
                await settle()
                grouped = f"{price:,.2f}".replace(".", r"\.")
                row.append(await latency(app, frames, "enter", rf"BUY\s+{grouped}"))
                await settle(0.3)
                send(app, "escape")  # back from the orders table to the ladder
                await settle()
            send(app, "C")
            await settle()
            send(app, "enter")
            await settle(0.5)
            if tending is not None:
                tending.cancel()
    gc.unfreeze()  # the baseline's next round runs on an unfrozen heap, as it did before
    if lost:
        print(f"   typed orders that lost keys and were typed again: {lost} of {samples}")
    return dialog, row


async def type_order(app: App[object], price: str, tries: int = 3) -> int:
    """Open the form from the ladder and type a buy at `price`; how many tries lost keys.

    On a loaded machine the focus sometimes moves while the keys are typed (the previous
    order's screens closing late), and the form then lacks what was typed: Escape, focus the
    ladder, type again. Only Enter is timed, so a retyped order still counts.
    """
    for attempt in range(tries):
        await until(lambda: not app.confirm.is_open, what="the dialog to close")
        app.ladder.focus()  # type: ignore[attr-defined]
        await until(lambda: app.ladder.has_focus, what="the ladder's focus")  # type: ignore[attr-defined]
        for key in ["b", *price, "tab", *"0.001"]:
            send(app, key)
            await asyncio.sleep(0.01)
        try:
            await until(lambda: _typed(app, price), timeout=3.0, what=f"the order at {price}")
        except TimeoutError:
            send(app, "escape")
            await settle(0.5)
            continue
        return attempt
    raise TimeoutError(f"the order at {price} lost keys {tries} times")


async def until(
    condition: Callable[[], object], timeout: float = 20.0, what: str = "the dashboard's data"
) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        await asyncio.sleep(0.05)


def _typed(app: App[object], price: str) -> bool:
    """Whether the order form holds `price` and the amount typed after it."""
    from textual.widgets import Input

    values = {field.id: field.value for field in app.query(Input)}
    return values.get("price") == price and values.get("amount") == "0.001"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(samples: int, settle_heap: bool = True, alternate: bool = False) -> dict[str, float]:
    from cdx.commands.dashboard import spawn_embedded_exchange, stop_embedded_exchange

    frames = Frames()
    RecordingDriver.frames = frames
    with tempfile.TemporaryDirectory() as state:
        os.environ["XDG_STATE_HOME"] = state  # the child's log file
        rest_url, ws_url, child = spawn_embedded_exchange()
        try:
            base = await baseline_samples(frames, samples // 2)
            dialog, row = await dashboard_samples(frames, rest_url, ws_url, samples, settle_heap)
            base += await baseline_samples(frames, samples - samples // 2)
        finally:
            stop_embedded_exchange(child)
    ms = 1000.0
    base_cpu, dialog_cpu, row_cpu = ([c for _, c in v] for v in (base, dialog, row))
    base, dialog, row = ([w for w, _ in v] for v in (base, dialog, row))
    figures = {
        "baseline_modal_p50_ms": statistics.median(base) * ms,
        "baseline_modal_p90_ms": pct(base, 0.9) * ms,
        "enter_to_dialog_p50_ms": statistics.median(dialog) * ms,
        "enter_to_dialog_p90_ms": pct(dialog, 0.9) * ms,
        "enter_to_dialog_p99_ms": pct(dialog, 0.99) * ms,
        "enter_to_dialog_over_baseline_p90": pct(dialog, 0.9) / pct(base, 0.9),
        "confirm_to_row_p50_ms": statistics.median(row) * ms,
        "confirm_to_row_p90_ms": pct(row, 0.9) * ms,
        "confirm_to_row_p99_ms": pct(row, 0.99) * ms,
        "confirm_to_row_max_ms": max(row) * ms,
        # The first dialog of a session builds its screen's styles; the rest reuse them.
        "enter_to_dialog_first_ms": dialog[0] * ms,
        "enter_to_dialog_max_after_first_ms": max(dialog[1:], default=0.0) * ms,
        "confirm_to_row_first_ms": row[0] * ms,
        "confirm_to_row_max_after_first_ms": max(row[1:], default=0.0) * ms,
        # CPU time of the app's thread from the key to the frame: the work on the key's path.
        "baseline_modal_cpu_p90_ms": pct(base_cpu, 0.9) * ms,
        "enter_to_dialog_cpu_p50_ms": statistics.median(dialog_cpu) * ms,
        "enter_to_dialog_cpu_p90_ms": pct(dialog_cpu, 0.9) * ms,
        "enter_to_dialog_cpu_over_baseline_p90": pct(dialog_cpu, 0.9) / pct(base_cpu, 0.9),
        "confirm_to_row_cpu_p50_ms": statistics.median(row_cpu) * ms,
        "confirm_to_row_cpu_p90_ms": pct(row_cpu, 0.9) * ms,
    }
    if alternate:
        for arm, name in ((0, "frozen"), (1, "thawed")):
            for what, values in (("enter_to_dialog", dialog), ("confirm_to_row", row)):
                part = values[arm::2]
                figures[f"{what}_{name}_p50_ms"] = statistics.median(part) * ms
                figures[f"{what}_{name}_p90_ms"] = pct(part, 0.9) * ms
                figures[f"{what}_{name}_max_ms"] = max(part) * ms
    return figures


def measure(
    samples: int = 40, settle_heap: bool = True, alternate: bool = False
) -> dict[str, float]:
    return asyncio.run(run(samples, settle_heap, alternate))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument(
        "--no-settle", action="store_true", help="leave the heap unfrozen (as before cdx.ui.heap)"
    )
    parser.add_argument(
        "--alternate", action="store_true", help="frozen and thawed heap on alternate samples"
    )
    args = parser.parse_args()
    for name, value in measure(args.samples, not args.no_settle, args.alternate).items():
        print(f"{name} = {value:.3f}")


if __name__ == "__main__":
    main()
