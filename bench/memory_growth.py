"""Whether the dashboard's memory stays flat when left open, and what its garbage collections
cost, against a minimal Textual Line-API ladder fed the same market at the same time.

cdx is left open all day. An hour of a normal market (5 changes per second per book, the
embedded exchange's default) is replayed compressed: the exchange runs here, in a thread, at
`--rate` changes per second (default 50, ten times normal), so `--seconds 360` is an hour's
changes. What compression does not replay: an hour of wall-clock time (timers, the data age,
candles that close on the clock). Both apps run at once, each in its own process on a 120x40
pseudo-terminal (Textual's real Linux driver, so every strip cache fills as on a terminal).

Each child samples itself every `--every` seconds into a JSON-lines file: resident memory
(`/proc/self/statm`), live objects the collector tracks, and every garbage collection's
generation and pause (`gc.callbacks`; the thread's CPU time, so a loaded machine's waits
for a core are not counted as the collection's). To tell objects from the allocator, also
Python's allocated blocks (`sys.getallocatedblocks`), malloc's bytes held and in use
(glibc's `mallinfo2`), both again just after each full collection (what is alive, without
the garbage waiting for the next one), and the entries of Textual's `Region` caches. With
`--trace` the cdx child also runs `tracemalloc` and, at the end, writes what grew over the
second half (after a full collection at both ends) by allocating traceback, by line and by
type (tracing slows it and its own tables inflate the resident size). `--keep DIR` keeps
the samples.

Figures: resident memory after the warm-up and at the end, its growth over the second half
(flat means about 0) for cdx and the baseline, the same growth of blocks, of malloc's bytes
and of blocks alive after full collections, and cdx's slowest collection and full
collections per minute.

    .venv/bin/python -m bench.memory_growth [--seconds 360] [--rate 50] [--trace] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import gc
import json
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

SYMBOL = "btcusdt"
SEED = 7
NORMAL_RATE = 5.0
KINDS = ("cdx", "lineapi")
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


class _MallInfo2(ctypes.Structure):
    """glibc's `struct mallinfo2`: what malloc holds from the system and what of it is in use."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _malloc_figures() -> dict[str, int]:
    """malloc's own view (glibc only, else empty): bytes held from the system in its heaps
    (`arena`, main and thread arenas), in use by the program (`uordblks`), free inside them
    (`fordblks`: fragmentation when it grows while use does not), and in mmapped blocks."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return {}
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return {
        "malloc_arena": info.arena,
        "malloc_used": info.uordblks,
        "malloc_free": info.fordblks,
        "malloc_mmap": info.hblkhd,
    }


def _region_caches() -> int:
    """Entries in Textual's `Region` method caches (`lru_cache`, bounded: 1,024-4,096 each),
    which fill slowly as a dashboard repaints spans it never repainted before."""
    geometry = sys.modules.get("textual.geometry")
    if geometry is None:
        return 0
    total = 0
    for method in vars(geometry.Region).values():
        info = getattr(method, "cache_info", None)
        if info is not None:
            total += info().currsize
    return total


def _census() -> Counter[str]:
    """Objects the collector tracks (outside a frozen heap), by type."""
    return Counter(
        f"{type(thing).__module__}.{type(thing).__qualname__}" for thing in gc.get_objects()
    )


# ------------------------------------------------------------------------------- the children


class Sampler:
    """Samples this process's memory and garbage collections into a JSON-lines file."""

    def __init__(self, path: str, trace: bool, garbage: bool = False, trim: bool = False) -> None:
        self.path = path
        self.trim = trim
        self.trace = trace
        self.garbage = garbage
        self.started = time.perf_counter()
        self.pauses: list[tuple[int, float]] = []
        self.floors: list[tuple[float, int, int]] = []
        """(t, Python's allocated blocks, malloc's bytes in use) just after each full
        collection: what is alive, without the garbage waiting for the next one."""
        self._gc_started = 0.0
        self._warm_snapshot: object = None
        self._census: Counter[str] = Counter()
        gc.callbacks.append(self._on_gc)
        if trace:
            import tracemalloc

            tracemalloc.start(8)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        # CPU time of this thread, not wall time: on a loaded machine a collection's wall
        # time is mostly waiting for a core, which says nothing about the collection.
        if phase == "start":
            self._gc_started = time.thread_time()
        else:
            self.pauses.append((info["generation"], time.thread_time() - self._gc_started))
            if info["generation"] == 2:
                if self.trim:  # a trial: give malloc's free pages back after each one
                    ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
                used = _malloc_figures().get("malloc_used", 0)
                at = time.perf_counter() - self.started
                self.floors.append((at, sys.getallocatedblocks(), used))

    def sample(self) -> None:
        with open("/proc/self/statm") as statm:
            rss = int(statm.read().split()[1]) * PAGE
        pauses, self.pauses = self.pauses, []
        floors, self.floors = self.floors, []
        line = {
            "t": time.perf_counter() - self.started,
            "rss": rss,
            "objects": len(gc.get_objects()),
            "gc": pauses,
            "floors": floors,
            "frozen": gc.get_freeze_count(),
            "blocks": sys.getallocatedblocks(),
            "region_caches": _region_caches(),
            **_malloc_figures(),
        }
        if self.trace:
            import tracemalloc

            line["traced"] = tracemalloc.get_traced_memory()[0]
        with open(self.path, "a") as out:
            out.write(json.dumps(line) + "\n")

    def warm(self) -> None:
        """With `--garbage`, from here on what collections free is kept to be counted
        (`gc.DEBUG_SAVEALL`)."""
        if self.garbage:
            gc.collect()
            gc.set_debug(gc.DEBUG_SAVEALL)

    def half_way(self) -> None:
        """With `--trace`, the reference of its growth report (the second half's growth):
        what is alive after a full collection, by allocating line and by type."""
        if self.trace:
            import tracemalloc

            gc.collect()
            self._census = _census()
            self._warm_snapshot = tracemalloc.take_snapshot()

    def report_growth(self) -> None:
        """The commonest types the collector tracks (outside a frozen heap) and, with
        `--trace`, the sources that grew most since the warm-up."""
        kinds = Counter(type(thing).__qualname__ for thing in gc.get_objects())
        with open(self.path + ".types", "w") as out:
            for name, count in kinds.most_common(12):
                out.write(f"{count:8d}  {name}\n")
        if self.garbage:
            gc.collect()
            gc.set_debug(0)
            found = Counter(
                f"{type(thing).__module__}.{type(thing).__qualname__}" for thing in gc.garbage
            )
            gc.garbage.clear()
            with open(self.path + ".garbage", "w") as out:
                for name, count in found.most_common(25):
                    out.write(f"{count:8d}  {name}\n")
        if not self.trace or self._warm_snapshot is None:
            return
        import tracemalloc

        gc.collect()
        grown = _census()
        grown.subtract(self._census)
        now = tracemalloc.take_snapshot()
        stats = now.compare_to(self._warm_snapshot, "traceback")  # type: ignore[arg-type]
        with open(self.path + ".growth", "w") as out:
            total = sum(stat.size_diff for stat in stats)
            out.write(f"{total / 1024:+9.1f} KiB traced in all, after a full collection\n")
            for stat in stats[:15]:
                frames = [f"{frame.filename}:{frame.lineno}" for frame in stat.traceback]
                out.write(f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d}  ")
                out.write(" <- ".join(reversed(frames[-5:])) + "\n")
            out.write("by line allocated:\n")
            for stat in now.compare_to(self._warm_snapshot, "lineno")[:10]:  # type: ignore[arg-type]
                out.write(f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d}  ")
                out.write(f"{stat.traceback[0].filename}:{stat.traceback[0].lineno}\n")
            out.write("tracked objects by type, change:\n")
            for name, count in sorted(grown.items(), key=lambda item: -abs(item[1]))[:15]:
                out.write(f"{count:+8d}  {name}\n")


def _schedule(sampler: Sampler, every: float, warm_at: float, end_at: float) -> None:
    """Sample every `every` s on the running loop; warm snapshot at `warm_at`; exit at
    `end_at` (the caller's app exits there)."""
    loop = asyncio.get_running_loop()

    def tick() -> None:
        sampler.sample()
        loop.call_later(every, tick)

    loop.call_later(every, tick)
    loop.call_later(warm_at, sampler.warm)
    loop.call_later(warm_at + (end_at - warm_at) / 2, sampler.half_way)
    loop.call_later(max(end_at - 0.5, 0), sampler.report_growth)


async def _run_child(kind: str, rest_url: str, ws_url: str, args: argparse.Namespace) -> None:
    from bench.terminal_cost import _baseline_app

    cdx = kind == "cdx"
    sampler = Sampler(args.report, args.trace and cdx, args.garbage and cdx, args.trim and cdx)
    if args.gc_threshold and kind == "cdx":
        gc.set_threshold(*(int(n) for n in args.gc_threshold.split(",")))
    _schedule(sampler, args.every, args.warmup, args.seconds)
    if kind == "cdx":
        from cdx.client.rest import RestClient
        from cdx.commands.dashboard import tend_heap
        from cdx.ui.app import DashboardApp

        async with RestClient(rest_url) as rest:
            app = DashboardApp(rest, ws_url, SYMBOL)
            asyncio.get_running_loop().call_later(args.seconds, app.exit)
            if not args.no_settle:  # as the `cdx` command does
                tending = tend_heap(app)
            await app.run_async()
            if not args.no_settle:
                tending.cancel()
    else:
        baseline = _baseline_app(kind, ws_url)
        asyncio.get_running_loop().call_later(args.seconds, baseline.exit)  # type: ignore[attr-defined]
        await baseline.run_async()  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------- the parent


def _spawn(
    kind: str, rest_url: str, ws_url: str, report: str, args: argparse.Namespace
) -> tuple[subprocess.Popen[bytes], int]:
    import fcntl
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", COLUMNS="120")
    env["LINES"] = "40"
    env.pop("TEXTUAL", None)
    argv = [sys.executable, "-m", "bench.memory_growth", "--child", kind, rest_url, ws_url]
    argv += ["--report", report, "--seconds", str(args.seconds), "--every", str(args.every)]
    argv += ["--warmup", str(args.warmup)] + (["--trace"] if args.trace else [])
    argv += ["--no-settle"] if args.no_settle else []
    argv += ["--garbage"] if args.garbage else []
    argv += ["--trim"] if args.trim else []
    argv += ["--gc-threshold", args.gc_threshold] if args.gc_threshold else []
    child = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    os.close(slave)
    return child, master


def _drain(masters: list[int], until: float) -> None:
    """Read and drop what the children draw, as a terminal would, until `until`."""
    while (left := until - time.monotonic()) > 0 and masters:
        ready, _, _ = select.select(masters, [], [], min(left, 1.0))
        for fd in ready:
            try:
                if not os.read(fd, 65536):
                    masters.remove(fd)
            except OSError:
                masters.remove(fd)


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (t, value)."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    num = sum((t - mean_t) * (v - mean_v) for t, v in points)
    den = sum((t - mean_t) ** 2 for t, _ in points)
    return num / den if den else 0.0


def summarise(kind: str, lines: list[dict[str, object]], warmup: float) -> dict[str, float]:
    """Figures of one child's samples: memory after warm-up, at the end, growth; GC pauses."""
    warm = [line for line in lines if float(line["t"]) >= warmup]  # type: ignore[arg-type]
    if len(warm) < 2:
        raise RuntimeError(f"{kind}: too few samples after the warm-up")
    second_half = warm[len(warm) // 2 :]
    rss = [(float(x["t"]), int(x["rss"]) / MIB) for x in warm]  # type: ignore[arg-type]
    half_rss = [(float(x["t"]), int(x["rss"]) / MIB) for x in second_half]  # type: ignore[arg-type]
    span_min = (rss[-1][0] - rss[0][0]) / 60
    pauses = [(g, s) for x in warm for g, s in x["gc"]]  # type: ignore[attr-defined]
    full = [s for g, s in pauses if g == 2]
    half_span = half_rss[-1][0] - half_rss[0][0]
    figures = {
        f"mem_{kind}_rss_warm_mib": rss[0][1],
        f"mem_{kind}_rss_end_mib": rss[-1][1],
        f"mem_{kind}_rss_peak_mib": max(v for _, v in rss),
        f"mem_{kind}_growth_second_half_mib": _slope(half_rss) * half_span,
        f"mem_{kind}_objects_end": float(warm[-1]["objects"]),  # type: ignore[arg-type]
        f"mem_{kind}_objects_frozen": float(warm[-1]["frozen"]),  # type: ignore[arg-type]
        f"mem_{kind}_objects_growth": float(warm[-1]["objects"]) - float(warm[0]["objects"]),  # type: ignore[arg-type]
        f"gc_{kind}_pause_max_ms": max((s for _, s in pauses), default=0.0) * 1000,
        f"gc_{kind}_full_per_min": len(full) / span_min if span_min else 0.0,
        f"gc_{kind}_full_max_ms": max(full, default=0.0) * 1000,
        f"gc_{kind}_full_median_ms": statistics.median(full) * 1000 if full else 0.0,
        f"gc_{kind}_pauses_over_50ms": float(sum(s > 0.05 for _, s in pauses)),
        f"gc_{kind}_time_pct": 100 * sum(s for _, s in pauses) / (span_min * 60 or 1),
    }
    # What grew over the second half besides the resident size: Python's allocated blocks
    # (objects), and malloc's bytes in use and held (held but unused: fragmentation).
    for key, name, scale in (
        ("blocks", "blocks_growth_second_half", 1.0),
        ("region_caches", "region_cache_entries_growth_second_half", 1.0),
        ("malloc_used", "malloc_used_growth_second_half_mib", MIB),
        ("malloc_arena", "malloc_arena_growth_second_half_mib", MIB),
        ("malloc_mmap", "malloc_mmap_growth_second_half_mib", MIB),
    ):
        if key in second_half[0]:
            points = [(float(x["t"]), int(x[key]) / scale) for x in second_half]  # type: ignore[arg-type]
            figures[f"mem_{kind}_{name}"] = _slope(points) * half_span
    floors = [floor for x in second_half for floor in x.get("floors", ())]  # type: ignore[attr-defined]
    if len(floors) > 1:  # what is alive, sampled just after each full collection
        blocks = [(t, float(n)) for t, n, _ in floors]
        used = [(t, u / MIB) for t, _, u in floors]
        figures[f"mem_{kind}_blocks_after_full_growth_second_half"] = _slope(blocks) * half_span
        figures[f"mem_{kind}_malloc_used_after_full_growth_second_half_mib"] = (
            _slope(used) * half_span
        )
    return figures


def measure(
    seconds: float = 360.0,
    rate: float = 50.0,
    trace: bool = False,
    settle: bool = True,
    gc_threshold: str = "",
    garbage: bool = False,
    keep: str = "",
    trim: bool = False,
) -> dict[str, float]:
    from cdx.server.runner import BackgroundExchange, SimConfig

    args = argparse.Namespace(seconds=seconds, every=max(seconds / 60, 1.0), trace=trace)
    args.no_settle = not settle
    args.gc_threshold = gc_threshold
    args.garbage = garbage
    args.trim = trim
    args.warmup = min(30.0, seconds / 4)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("XDG_STATE_HOME", tmp)
        reports = {kind: os.path.join(tmp, f"{kind}.jsonl") for kind in KINDS}
        with BackgroundExchange(SimConfig(seed=SEED, rate=rate)) as live:
            spawned = {
                kind: _spawn(kind, live.rest_url, live.ws_url, reports[kind], args)
                for kind in KINDS
            }
            try:
                # The children exit on their own at `seconds` (after --trace's report).
                _drain([master for _, master in spawned.values()], time.monotonic() + seconds + 90)
            finally:
                for child, master in spawned.values():
                    if child.poll() is None:
                        child.send_signal(signal.SIGTERM)
                    try:
                        child.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        child.kill()
                        child.wait()
                    os.close(master)
        print(
            f"   {rate / NORMAL_RATE:.0f}x a normal market for {seconds:.0f} s "
            f"= {seconds * rate / NORMAL_RATE / 60:.0f} min of normal-market changes"
        )
        for kind in KINDS:
            with open(reports[kind]) as lines:
                samples = [json.loads(line) for line in lines]
            figures.update(summarise(kind, samples, args.warmup))
            cycles = Path(reports[kind] + ".garbage")
            if cycles.exists():
                print(f"   {kind}: what collections freed after the warm-up (in cycles), by type")
                for line in cycles.read_text().splitlines():
                    print("     " + line)
            types = Path(reports[kind] + ".types")
            if types.exists():
                print(f"   {kind}: objects the collector tracks at the end, by type")
                for line in types.read_text().splitlines()[:8]:
                    print("     " + line)
            growth = Path(reports[kind] + ".growth")
            if growth.exists():
                print(f"   tracemalloc, {kind}: largest growth since the warm-up")
                for line in growth.read_text().splitlines():
                    print("     " + line)
        if keep:  # the raw samples, for a closer look than these figures
            import shutil

            os.makedirs(keep, exist_ok=True)
            for path in Path(tmp).glob("*.jsonl*"):
                shutil.copy(path, keep)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory_growth", description=__doc__)
    parser.add_argument("--seconds", type=float, default=360.0)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--trace", action="store_true")
    parser.add_argument(
        "--no-settle", action="store_true", help="cdx's heap left unfrozen (before cdx.ui.heap)"
    )
    parser.add_argument(
        "--gc-threshold", default="", help="cdx's gc.set_threshold, e.g. 7000,10,10 (a trial)"
    )
    parser.add_argument(
        "--garbage", action="store_true", help="count what cdx's collections free, by type"
    )
    parser.add_argument(
        "--trim", action="store_true", help="cdx calls malloc_trim(0) after full collections"
    )
    parser.add_argument("--keep", default="", help="copy the children's samples to this folder")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "REST", "WS"), help=argparse.SUPPRESS)
    parser.add_argument("--report", default="", help=argparse.SUPPRESS)
    parser.add_argument("--every", type=float, default=5.0, help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=float, default=30.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(_run_child(*args.child, args))
        return 0
    figures = measure(
        args.seconds,
        args.rate,
        args.trace,
        not args.no_settle,
        args.gc_threshold,
        args.garbage,
        args.keep,
        args.trim,
    )
    for name, value in figures.items():
        print(f"{name} = {value:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
