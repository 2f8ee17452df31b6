"""Starting and stopping the embedded exchange: in the running event loop or on a thread.

`start_exchange` is what tests and `cdx sim` await; `BackgroundExchange` gives the same thing
to synchronous callers (the dashboard, sync tests) by running it on its own loop and thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import pickle
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

from aiohttp import web

from cdx.server.app import HUB, PARSER_LIMIT, WS_PATH, create_app
from cdx.server.auth import Credentials
from cdx.server.faults import Faults
from cdx.sim.engine import Engine
from cdx.sim.market import SyntheticMarket
from cdx.sim.symbols import DEFAULT_SYMBOLS, DEMO_API_KEY, DEMO_API_SECRET, DEMO_BALANCES

logger = logging.getLogger(__name__)

Clock = Callable[[], int]


def wall_clock_ms() -> int:
    """Unix time in ms: the server clock unless a test injects its own."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class SimConfig:
    """How to run the embedded exchange; defaults give a live demo market on a free port.

    `rate` is synthetic market changes per second per book (0 freezes the market after its
    bootstrap). `clock` (ms) drives the time window, rate-limit windows, timestamps and ping
    values; a frozen clock with `rate=0` gives byte-stable snapshots. Ping settings are in
    seconds. The secret never appears in the repr.
    """

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 0
    api_key: str = DEMO_API_KEY
    api_secret: str = field(default=DEMO_API_SECRET, repr=False)
    rate: float = 5.0
    clock: Clock | None = None
    ping_interval: float = 10.0
    ping_timeout: float = 30.0


class RunningExchange:
    """A serving exchange: its URLs, its engine and fault switches, and how to stop it."""

    def __init__(
        self,
        *,
        rest_url: str,
        ws_url: str,
        engine: Engine,
        faults: Faults,
        runner: web.AppRunner,
        tasks: list[asyncio.Task[None]],
    ) -> None:
        self.rest_url = rest_url
        self.ws_url = ws_url
        self.engine = engine
        self.faults = faults
        self._runner = runner
        self._tasks = tasks
        self._stopped = False

    def __repr__(self) -> str:
        return f"RunningExchange(rest_url={self.rest_url!r}, ws_url={self.ws_url!r})"

    async def stop(self) -> None:
        """Stop the market, close every socket and free the port; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._runner.cleanup()


async def start_exchange(config: SimConfig, sock: socket.socket | None = None) -> RunningExchange:
    """Build the engine, open the demo account, start the market and serve on `config.port`,
    or on `sock`, a socket already bound and listening (the dashboard binds one before it
    starts the exchange, so it knows the URL at once and need not wait for the exchange).

    Returns once the port is listening; everything runs in the calling event loop.
    """
    clock = config.clock or wall_clock_ms
    engine, market = _new_market(config.seed, config.api_key, clock(), config.clock is not None)
    faults = Faults()
    app = create_app(
        engine,
        faults,
        Credentials({config.api_key: config.api_secret}),
        clock,
        ping_interval=config.ping_interval,
        ping_timeout=config.ping_timeout,
    )
    runner = web.AppRunner(
        app,
        access_log=None,
        shutdown_timeout=1.0,
        max_line_size=PARSER_LIMIT,
        max_field_size=PARSER_LIMIT,
    )
    await runner.setup()
    site: web.BaseSite = (
        web.TCPSite(runner, config.host, config.port)
        if sock is None
        else web.SockSite(runner, sock)
    )
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    host, port = runner.addresses[0][:2]
    url_host = f"[{host}]" if ":" in host else host
    tasks = [asyncio.create_task(app[HUB].watch_faults(), name="exchange-faults")]
    if config.rate > 0:
        tasks.append(
            asyncio.create_task(_run_market(market, config.rate, clock), name="exchange-market")
        )
    logger.info("embedded exchange serving on %s:%d", host, port)
    return RunningExchange(
        rest_url=f"http://{url_host}:{port}",
        ws_url=f"ws://{url_host}:{port}{WS_PATH}",
        engine=engine,
        faults=faults,
        runner=runner,
        tasks=tasks,
    )


def _bootstrap(seed: int, api_key: str, now_ms: int) -> tuple[Engine, SyntheticMarket]:
    engine = Engine(DEFAULT_SYMBOLS)
    engine.open_account(api_key, DEMO_BALANCES)
    market = SyntheticMarket(engine, seed=seed)
    market.bootstrap(now_ms)
    return engine, market


@functools.lru_cache(maxsize=4)
def _bootstrapped(seed: int, api_key: str, now_ms: int) -> bytes:
    return pickle.dumps(_bootstrap(seed, api_key, now_ms), protocol=pickle.HIGHEST_PROTOCOL)


def _new_market(
    seed: int, api_key: str, now_ms: int, repeatable: bool
) -> tuple[Engine, SyntheticMarket]:
    """A fresh engine with its day of seeded history and the demo account.

    Bootstrapping is a pure function of (seed, key, time) but costs a few hundred ms, so under
    an injected clock (tests start many exchanges at the same frozen time) a pickled copy of
    the first one is reused; each caller still gets its own independent objects.
    """
    if repeatable:
        try:
            engine, market = pickle.loads(_bootstrapped(seed, api_key, now_ms))
        except (pickle.PicklingError, TypeError, AttributeError):
            logger.debug("engine cannot be pickled; bootstrapping from scratch", exc_info=True)
        else:
            return engine, market
    return _bootstrap(seed, api_key, now_ms)


async def _run_market(market: SyntheticMarket, rate: float, clock: Clock) -> None:
    """Tick the synthetic market `rate` times a second; a late tick is skipped, not queued."""
    loop = asyncio.get_running_loop()
    period = 1.0 / rate
    next_at = loop.time()
    while True:
        next_at += period
        delay = next_at - loop.time()
        if delay < 0:
            next_at = loop.time()
            delay = 0
        await asyncio.sleep(delay)
        try:
            market.tick(clock())
        except Exception:
            logger.exception("synthetic market tick failed; the market keeps running")


class BackgroundExchange:
    """`start_exchange` on its own thread and event loop, for synchronous callers.

    `start()` blocks until the port is listening (and re-raises a startup failure); `stop()`
    blocks until it is closed. The engine lives on that thread's loop: read it from another
    thread only while the market is frozen (`rate=0`) or accept a racy view.
    """

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._exchange: RunningExchange | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stop: asyncio.Event | None = None

    def __repr__(self) -> str:
        state = self._exchange.rest_url if self._exchange else "not running"
        return f"BackgroundExchange({state})"

    def start(self) -> BackgroundExchange:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._main, name="cdx-exchange", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise self._error
        return self

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            self._exchange = await start_exchange(self.config)
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await self._exchange.stop()

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()
        self._thread = None

    def __enter__(self) -> BackgroundExchange:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _running(self) -> RunningExchange:
        if self._exchange is None:
            raise RuntimeError("the exchange is not running; call start() first")
        return self._exchange

    @property
    def rest_url(self) -> str:
        return self._running().rest_url

    @property
    def ws_url(self) -> str:
        return self._running().ws_url

    @property
    def engine(self) -> Engine:
        return self._running().engine

    @property
    def faults(self) -> Faults:
        return self._running().faults
