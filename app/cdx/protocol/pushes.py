"""Server pushes of PROTOCOL.md section 6 as values.

A server pushes `TickerPush`, `DepthPush`, `TradePush` and `KlinePush`; each value's `encode()`
gives the JSON object of the wire, and `parse_push` reads one back through the one gate of
`cdx.protocol.codec` (a bad level, trade or bar costs that entry, a bad `ts` the push).
Re-exported by `cdx.protocol.messages`, where callers find every message shape.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from cdx.model.book import Book
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.symbol import Symbol
from cdx.protocol import channels, codec, gate
from cdx.protocol.channels import Channel, ChannelKind
from cdx.protocol.frames import DepthText
from cdx.protocol.market_data import DepthMemo
from cdx.protocol.replies import MessageError


@dataclass(frozen=True, slots=True)
class PushBody:
    """What a push says, encoded, without when it is sent.

    The server encodes it once per change of the channel, compares it with what a connection
    was last sent, and stamps it with `at(ts)` for every connection that wants it.
    """

    channel: str
    tick: dict[str, Any]

    def at(self, ts: int) -> dict[str, Any]:
        return {"channel": self.channel, "ts": ts, "tick": self.tick}


@dataclass(frozen=True, slots=True)
class TickerPush:
    """The 24 h statistics of a ticker channel (no best bid/ask on this channel)."""

    ticker: Ticker
    ts: int

    @property
    def channel(self) -> str:
        return channels.ticker(self.ticker.symbol)

    def body(self, symbol: Symbol) -> PushBody:
        return PushBody(self.channel, codec.ticker_to_push_tick(self.ticker, symbol))

    def encode(self, symbol: Symbol) -> dict[str, Any]:
        return self.body(symbol).at(self.ts)


@dataclass(frozen=True, slots=True)
class DepthPush:
    """A full snapshot of a depth channel at `step` (not a diff): replace what was shown."""

    symbol: str
    step: int
    book: Book
    ts: int

    @property
    def channel(self) -> str:
        return channels.depth(self.symbol, self.step)

    def body(self, symbol: Symbol) -> PushBody:
        return PushBody(self.channel, codec.depth_to_push_tick(self.book, symbol, self.step))

    def encode(self, symbol: Symbol) -> dict[str, Any]:
        return self.body(symbol).at(self.ts)


@dataclass(frozen=True, slots=True)
class TradePush:
    """Every trade since the previous push of the channel, newest first as sent."""

    symbol: str
    trades: tuple[Trade, ...]
    ts: int

    @property
    def channel(self) -> str:
        return channels.trade(self.symbol)

    def body(self, symbol: Symbol) -> PushBody:
        data = [codec.trade_to_push(trade, symbol) for trade in self.trades]
        return PushBody(self.channel, {"data": data})

    def encode(self, symbol: Symbol) -> dict[str, Any]:
        return self.body(symbol).at(self.ts)


@dataclass(frozen=True, slots=True)
class KlinePush:
    """The current bar of a kline channel of `interval` (`1min` .. `1month`)."""

    symbol: str
    interval: str
    kline: Kline
    ts: int

    @property
    def channel(self) -> str:
        return channels.kline(self.symbol, self.interval)

    def body(self, symbol: Symbol) -> PushBody:
        return PushBody(self.channel, codec.kline_to_push_tick(self.kline, symbol))

    def encode(self, symbol: Symbol) -> dict[str, Any]:
        return self.body(symbol).at(self.ts)


Push = TickerPush | DepthPush | TradePush | KlinePush


def parse_push(
    message: Mapping[str, Any],
    symbols: Mapping[str, Symbol] | None = None,
    memos: MutableMapping[str, DepthMemo] | None = None,
) -> Push:
    """A push: its channel must be one of the protocol, its `ts` pass the gate and its `tick`
    be an object (any of these wrong refuses the push); with the channel's symbol in
    `symbols`, prices and amounts must also fit its precisions.

    `memos` (channel name -> `DepthMemo`, kept by the reader) makes depth decoding
    incremental: a reader that keeps one converts only the levels that changed since the
    channel's recent pushes, and gets the same `Book` as without it."""
    name = message.get("channel")
    channel = channels.parse(name) if isinstance(name, str) else None
    if channel is None:
        raise MessageError(f"push on {gate.shown(name)}, not a channel of the protocol")
    symbol = symbols.get(channel.symbol) if symbols is not None else None
    try:
        ts = codec.time_ms(message.get("ts"))
        tick = message.get("tick")
        if not isinstance(tick, Mapping):
            raise codec.CodecError(f"'tick' is {gate.shown(tick)}, not an object")
        memo = None
        if memos is not None and channel.kind is ChannelKind.DEPTH:
            memo = memos.get(channel.name) or memos.setdefault(channel.name, DepthMemo())
        return _push(channel, ts, tick, symbol, memo)
    except codec.CodecError as exc:
        raise MessageError(f"push on {channel.name}: {exc}") from None


def parse_depth_text(
    text: DepthText,
    symbols: Mapping[str, Symbol] | None = None,
    memos: MutableMapping[str, DepthMemo] | None = None,
) -> Push:
    """`parse_push(text.message(), symbols, memos)`, without parsing the text when it can.

    With `memos`, a depth channel's rows are looked up by their text (`depth_from_text`);
    anything the gate would refuse or repair by skipping (a bad `ts`, a refused row) and any
    other channel go the long way, so the push, or the error and log lines, are the same."""
    channel = channels.parse(text.channel)
    if memos is not None and channel is not None and channel.kind is ChannelKind.DEPTH:
        try:
            ts = gate.time_ms(text.ts)
        except ValueError:
            return parse_push(text.message(), symbols, memos)
        symbol = symbols.get(channel.symbol) if symbols is not None else None
        memo = memos.get(text.channel) or memos.setdefault(text.channel, DepthMemo())
        book = codec.depth_from_text(text, symbol=symbol, memo=memo)
        if book is not None:
            return DepthPush(channel.symbol, channel.step, book, ts)
    return parse_push(text.message(), symbols, memos)


def _push(
    channel: Channel,
    ts: int,
    tick: Mapping[str, Any],
    symbol: Symbol | None,
    memo: DepthMemo | None = None,
) -> Push:
    match channel.kind:
        case ChannelKind.TICKER:
            return TickerPush(codec.ticker_from_push(channel.symbol, ts, tick, symbol=symbol), ts)
        case ChannelKind.DEPTH:
            book = codec.depth_from_push(ts, tick, symbol=symbol, memo=memo)
            return DepthPush(channel.symbol, channel.step, book, ts)
        case ChannelKind.TRADE:
            return TradePush(channel.symbol, codec.trades_from_push(tick, symbol=symbol), ts)
        case ChannelKind.KLINE:
            bar = codec.kline_from_push(tick, symbol=symbol)
            return KlinePush(channel.symbol, channel.interval, bar, ts)
    raise codec.CodecError(f"no push on {channel.name}")


def snapshot_channel(message: Mapping[str, Any] | DepthText) -> str | None:
    """The channel of a push that replaces the previous one whole (depth and ticker: full
    snapshots, PROTOCOL.md section 6), or None for every other message.

    Read from the decoded frame before the gate, so a reader that fell behind can skip the
    snapshots a newer one of the same channel replaces without checking them. Trade pushes
    (each carries different trades) and kline pushes (a bar's last update before the next
    bar) are not snapshots of this kind; heartbeats and replies are not pushes.
    """
    if isinstance(message, DepthText):
        name: Any = message.channel
    elif "event_rep" in message:
        return None
    else:
        name = message.get("channel")
    if type(name) is not str:
        return None
    channel = channels.parse(name)
    if channel is None or channel.kind not in (ChannelKind.DEPTH, ChannelKind.TICKER):
        return None
    return name
