"""The bounds a value from the wire must meet before it becomes a model object.

Data, not code: the gate (`cdx.protocol.gate`), the JSON reader (`envelope.loads_json`) and the
frame reader (`frames.decode`) read them from here, and tests build hostile values just past
them. Each bound is far beyond anything a server of PROTOCOL.md sends, and close enough that
nothing past the gate can blow up on a value that met it: every checked decimal formats with
`format(x, ",f")`, and a price or amount checked against its symbol quantizes to that symbol's
precision within the default 28-digit `decimal` context.
"""

from __future__ import annotations

# Decimals -------------------------------------------------------------------------------------

MAX_NUMBER_TEXT = 64
"""Characters of a number (string or JSON literal) read at all; longer is refused unread."""

MAX_INTEGER_DIGITS = 15
"""A decimal's magnitude is below 10^15: a quadrillion of anything is not a real quantity."""

MAX_DECIMALS = 18
"""Decimals a value may carry (PROTOCOL.md section 9.3: balances have at most 18)."""

MAX_SIGNIFICANT_DIGITS = 28
"""Digits a decimal may carry in all (Python's default context precision), so arithmetic such
as `abs`, negation or a sum of two is exact: `999999999999999.999999999999999999` (33 digits)
is refused, `99999999999.99999999` kept."""

MAX_PRECISION = 18
"""A symbol's `price_precision` and `amount_precision` lie in 0..18."""

DISPLAY_DIGITS = 28
"""Significant digits of Python's default decimal context: a price or amount checked against
its symbol has at most this many digits once quantized to the symbol's precision, so the UI's
`quantize` can never raise `InvalidOperation`."""

# Integers -------------------------------------------------------------------------------------

TIME_MIN_MS = 946_684_800_000
"""2000-01-01T00:00:00Z in Unix ms: the earliest time a push, trade or order may carry."""

TIME_MAX_MS = 4_102_444_800_000
"""2100-01-01T00:00:00Z in Unix ms: the latest. protocol/ has no clock, so the window is fixed,
wide enough for any clock skew and narrow enough that `datetime` formats every value in it."""

TIME_MIN_S = TIME_MIN_MS // 1000
"""The same window in seconds, for kline open times (the only times the wire gives in seconds)."""

TIME_MAX_S = TIME_MAX_MS // 1000

MAX_ID_DIGITS = 20
"""Order and trade ids are ASCII digit strings of 1..20 characters (an unsigned 64-bit id)."""

MAX_SYMBOL_NAME = 24
"""A symbol name (`btcusdt`) is 1..24 lower-case ASCII letters and digits."""

MAX_COIN_NAME = 16
"""A coin name (`btc`) is 1..16 lower-case ASCII letters and digits."""

# Lists ----------------------------------------------------------------------------------------

MAX_LEVELS_READ = 1000
"""Rows of one book side decoded at all (the protocol sends at most 150; a server that sends
more, unsorted, is repaired from the first thousand)."""

MAX_TRADES = 1000
"""Trades decoded from one answer or push (REST gives 100, a `req` 50; a push carries every
trade since the previous one)."""

MAX_KLINES = 1000
"""Bars decoded from one answer (the protocol gives up to 300)."""

MAX_BALANCES = 1000
"""Coins decoded from one account answer."""

MAX_SYMBOLS = 2000
"""Symbols decoded from one `/v1/symbols` answer."""

MAX_PAGE_ITEMS = 1000
"""Orders or fills decoded from one page (`pageSize` is at most 200)."""

MAX_PAGE_COUNT = 10**MAX_ID_DIGITS - 1
"""The largest `count` (items over all pages) a paged answer may claim: no more items than
there are ids. A reader still never pages past its own page cap, whatever the count."""

# Bytes ----------------------------------------------------------------------------------------

MAX_JSON_TEXT = 4 * 1024 * 1024
"""Bytes (or characters) of one JSON document read: a body or an inflated frame."""

MAX_FRAME_INFLATED = 4 * 1024 * 1024
"""Bytes a gzip frame may inflate to; the largest real frame (two 150-level sides) is ~15 kB."""

MAX_JSON_DEPTH = 32
"""Nesting of arrays and objects in one document; the protocol's deepest is 5."""

MAX_LOG_TEXT = 60
"""Characters of a refused wire value quoted in a log line."""
