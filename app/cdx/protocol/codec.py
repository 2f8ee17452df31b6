"""Model values to wire dicts and back (PROTOCOL.md sections 5 and 6): one import for every
encoder and decoder of the REST answers and push contents.

The server encodes with the `*_to_*` functions and the client decodes with `*_from_*`; both are
pinned by literal JSON in tests so a shared mistake cannot hide.

Decoding is the gate of STYLE.md section 7: every value passes `cdx.protocol.gate` (types,
ranges, precisions, sense) before a model object exists. A decoder of one entry raises
`CodecError` naming the field, never returns a half-parsed value, and raises nothing else
whatever it is given. A decoder of a list (`decode_each` and the `*s_from_*` functions) skips
and logs the entries that fail, so one bad level, trade, balance, symbol or order costs that
entry, not the message; it raises `CodecError` only when the list itself is missing or not a
list. Decoders of market data take an optional `symbol`: with it, prices and amounts must also
fit the symbol's precisions.

The functions live by what they hold: `fields` (how one field passes the gate, lists entry by
entry, how values are written), `market_data` (symbols, tickers, last prices, depth),
`history` (trades and bars) and `account` (balances, orders, fills, dates of their lists).
"""

from __future__ import annotations

from cdx.protocol.account import (
    DATE_TEXT_FORMAT,
    account_from_wire,
    account_to_wire,
    balance_from_wire,
    date_param_from_wire,
    date_param_to_wire,
    fill_from_wire,
    fill_to_wire,
    order_from_wire,
    order_to_wire,
)
from cdx.protocol.depth_text import depth_from_text
from cdx.protocol.fields import (
    CodecError,
    amount_str,
    decode_each,
    price_str,
    quote_str,
    time_ms,
)
from cdx.protocol.history import (
    kline_from_push,
    kline_from_rest,
    kline_to_push_tick,
    kline_to_rest,
    klines_from_req,
    klines_from_rest,
    trade_from_push,
    trade_from_rest,
    trade_to_push,
    trade_to_rest,
    trades_from_push,
    trades_from_req,
    trades_from_rest,
)
from cdx.protocol.market_data import (
    depth_from_push,
    depth_from_rest,
    depth_to_push_tick,
    depth_to_rest,
    prices_from_rest,
    prices_to_rest,
    symbol_from_wire,
    symbol_to_wire,
    symbols_from_wire,
    ticker_from_push,
    ticker_from_rest,
    ticker_to_push_tick,
    ticker_to_rest,
    tickers_from_rest,
    tickers_to_rest,
)

__all__ = [
    "DATE_TEXT_FORMAT",
    "CodecError",
    "account_from_wire",
    "account_to_wire",
    "amount_str",
    "balance_from_wire",
    "date_param_from_wire",
    "date_param_to_wire",
    "decode_each",
    "depth_from_push",
    "depth_from_rest",
    "depth_from_text",
    "depth_to_push_tick",
    "depth_to_rest",
    "fill_from_wire",
    "fill_to_wire",
    "kline_from_push",
    "kline_from_rest",
    "kline_to_push_tick",
    "kline_to_rest",
    "klines_from_req",
    "klines_from_rest",
    "order_from_wire",
    "order_to_wire",
    "price_str",
    "prices_from_rest",
    "prices_to_rest",
    "quote_str",
    "symbol_from_wire",
    "symbol_to_wire",
    "symbols_from_wire",
    "ticker_from_push",
    "ticker_from_rest",
    "ticker_to_push_tick",
    "ticker_to_rest",
    "tickers_from_rest",
    "tickers_to_rest",
    "time_ms",
    "trade_from_push",
    "trade_from_rest",
    "trade_to_push",
    "trade_to_rest",
    "trades_from_push",
    "trades_from_req",
    "trades_from_rest",
]
