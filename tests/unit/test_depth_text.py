"""A depth push read from its text (`frames.read`, as the stream reads) gives exactly what
parsing it and decoding it in full gives: the same push (values and the exponents they are
written with) or the same error, and the same log lines, for any sequence of frames, hostile
ones and ones in another layout included. Only rows the channel has not sent recently are
converted, and a new row the gate refuses is refused however many rows around it were seen."""

from __future__ import annotations

import gzip
import operator
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_depth_incremental import gate_log

from cdx.model.book import MAX_LEVELS, Book
from cdx.model.symbol import Symbol
from cdx.protocol import frames, gate, messages
from cdx.protocol.market_data import DepthMemo

TS = 1_700_000_000_000
SYMBOL = Symbol("btcusdt", "btc", "usdt", 2, 6, Decimal("0.0001"), Decimal("1"))
SYMBOLS = {"btcusdt": SYMBOL}
DEPTH = "market_btcusdt_depth_step0"

# Few prices and amounts, so frames repeat rows (the memo's case), with what a hostile server
# sends: zero, too many decimals, junk, signs, exponents, blanks, numbers instead of strings.
good_price = st.sampled_from(["100.00", "100.5", "101.25", "99.99", "102", "98.10", "0100.5"])
good_amount = st.sampled_from(["0.5", "1.000000", "2.25", "0.000001", "3", "7."])
bad_value = st.sampled_from(
    ["0", "0.00", "1.1234567", "100.001", "1.2.3", ".5", "", "-1", "1e3", " 1", "1" * 70, "٣"]
)
number = st.sampled_from([100, 1.5, 0, -2, True, None])
value = st.one_of(good_price, good_amount, bad_value, number)
row = st.one_of(
    st.tuples(good_price, good_amount).map(list),
    st.tuples(good_price, good_amount).map(list),
    st.tuples(good_price, good_amount).map(list),
    st.tuples(good_price, value).map(list),
    st.lists(value, min_size=0, max_size=3),
    st.sampled_from(["100.00", {"100.00": "1"}, 5, None]),
)
side = st.one_of(st.lists(row, max_size=10), st.sampled_from([None, "x", {"a": 1}]))
channel = st.sampled_from(
    [DEPTH, DEPTH, DEPTH, "market_ethusdt_depth_step1", "market_btcusdt_ticker", "depth"]
)
ts = st.sampled_from([TS, TS, TS + 100, 0, 1, 10**20, "1700000000000"])


def frame_of(channel: Any, ts: Any, asks: Any, buys: Any) -> bytes:
    return frames.encode({"channel": channel, "ts": ts, "tick": {"asks": asks, "buys": buys}})


def outcome(
    frame: bytes, memos: dict[str, DepthMemo] | None, *, as_text: bool = True
) -> tuple[str, list[str]]:
    """What reading a frame gave: the message written out exactly, or the error, and the log
    lines of the gate. `as_text` reads as the stream does; otherwise parsed, without memory."""
    with gate_log() as logged:
        try:
            decoded = frames.read(frame, memos) if as_text else frames.decode(frame)
        except frames.FrameError as exc:
            shown = f"malformed frame: {exc}"
        else:  # the stream catches only `MessageError` here: anything else is a bug
            try:
                shown = repr(messages.parse_server(decoded, SYMBOLS, memos))  # repr: exponents
            except messages.MessageError as exc:
                shown = f"malformed message: {exc}"
    return shown, logged


def full(frame: bytes) -> tuple[str, list[str]]:
    return outcome(frame, None, as_text=False)


def test_a_depth_push_as_the_server_writes_it_is_kept_as_text() -> None:
    frame = frame_of(DEPTH, TS, [["101.00", "1"], ["102.00", "2.5"]], [])
    text = frames.read(frame)
    assert isinstance(text, frames.DepthText)
    assert (text.channel, text.ts, text.asks, text.buys) == (
        DEPTH,
        TS,
        b'["101.00","1"],["102.00","2.5"]',
        b"",
    )
    assert text.message() == frames.decode(frame)
    assert outcome(frame, {}) == full(frame)


@pytest.mark.parametrize(
    "text",
    [
        '{"channel": "market_btcusdt_depth_step0", "ts": 1700000000000, '
        '"tick": {"asks": [["101.00", "1"]], "buys": []}}',
        '{"ts":1700000000000,"channel":"market_btcusdt_depth_step0",'
        '"tick":{"asks":[["101.00","1"]],"buys":[]}}',
        '{"channel":"market_btcusdt_depth_step0","ts":1700000000000,'
        '"tick":{"buys":[],"asks":[["101.00","1"]]}}',
        '{"channel":"market_btcusdt_depth_step0","ts":1700000000000,'
        '"tick":{"asks":[[101.00,"1"]],"buys":[]}}',
        '{"channel":"market_btcusdt_depth_step0","ts":1700000000000,'
        '"tick":{"asks":[["101.00","1"],],"buys":[]}}',
        '{"channel":"market_btcusdt_depth_step0","ts":01700000000000,'
        '"tick":{"asks":[["101.00","1"]],"buys":[]}}',
        '{"channel":"market_btcusdt_depth_step0","ts":1700000000000,'
        '"tick":{"asks":[["101.00","1"]["102.00","1"]],"buys":[]}}',
        '{"channel":"market_btcusdt_depth_step0","ts":1700000000000,'
        '"tick":{"asks":[["101.00","\\u0031"]],"buys":[]}}',
        '{"channel":"market_btcusdt_depth_step0","ts":1700000000000,'
        '"tick":{"asks":[["101.00","1"]],"buys":[]},"x":1}',
        '{"channel":"market_btcusdt_depth_step0","ts":1700000000000,'
        '"tick":{"asks":[["101.00","1"]],"buys":[]}}\n',
    ],
)
def test_a_depth_push_written_another_way_is_parsed(text: str) -> None:
    frame = gzip.compress(text.encode())
    try:
        kept = isinstance(frames.read(frame), frames.DepthText)
    except frames.FrameError:
        kept = False  # not JSON at all
    assert not kept
    assert outcome(frame, {}) == full(frame)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(channel, ts, side, side), min_size=1, max_size=6))
def test_reading_from_text_is_the_full_decode(pushes: list[tuple[Any, Any, Any, Any]]) -> None:
    memos: dict[str, DepthMemo] = {}
    for push in pushes:
        frame = frame_of(*push)
        assert outcome(frame, memos) == full(frame)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    at=st.integers(min_value=0, max_value=10_000),
    byte=st.sampled_from(b'"[]{},.:\\ 0159-eax'),
    insert=st.booleans(),
)
def test_a_damaged_frame_is_read_as_parsing_it_reads_it(at: int, byte: int, insert: bool) -> None:
    """One byte of a good frame changed or inserted anywhere: the frame's layout check must
    let through only what JSON reads the same way."""
    good = frame_of(DEPTH, TS, [["101.00", "1"], ["102.00", "2.5"]], [["100.00", "3"]])
    text = bytearray(gzip.decompress(good))
    at %= len(text) + 1
    if insert or at == len(text):
        text.insert(at, byte)
    else:
        text[at] = byte
    memos: dict[str, DepthMemo] = {}
    outcome(good, memos)  # the channel has seen the good frame's rows
    frame = gzip.compress(bytes(text))
    assert outcome(frame, memos) == full(frame)


def test_a_new_bad_row_among_rows_seen_is_refused_and_never_remembered() -> None:
    seen = [["101.00", "1"], ["102.00", "2"], ["103.00", "3"]]
    memos: dict[str, DepthMemo] = {}
    first = frame_of(DEPTH, TS, seen, [["100.00", "1"]])
    assert outcome(first, memos) == full(first)
    for bad in (["101.50", "0.000000"], ["101.50", "1.1234567"], ["101.505", "1"]):
        frame = frame_of(DEPTH, TS + 100, [seen[0], bad, *seen[1:]], [["100.00", "1"]])
        shown, logged = outcome(frame, memos)
        assert (shown, logged) == full(frame)
        assert "101.5" not in shown
        assert logged and "skipped 1 of 4 malformed" in logged[0]
        assert outcome(frame, memos) == (shown, logged)  # refused again, not remembered


def test_unchanged_rows_keep_their_levels_and_only_new_rows_are_converted() -> None:
    memos: dict[str, DepthMemo] = {}
    first = messages.parse_server(
        frames.read(frame_of(DEPTH, TS, [["101.00", "1"], ["102.00", "2"]], [["100.00", "3"]])),
        SYMBOLS,
        memos,
    )
    second = messages.parse_server(
        frames.read(frame_of(DEPTH, TS + 1, [["101.00", "1"], ["102.00", "2.5"]], [])),
        SYMBOLS,
        memos,
    )
    assert isinstance(first, messages.DepthPush) and isinstance(second, messages.DepthPush)
    assert second.book.asks[0] is first.book.asks[0]
    assert second.book.asks[1] == (Decimal("102.00"), Decimal("2.5"))
    assert second.book.bids == ()


def test_repairs_and_cuts_are_logged_as_the_full_decode_logs_them() -> None:
    """Unsorted, a price twice, crossed, more than 150 levels: repaired as before, same lines."""
    many = [[f"{1000 + i}.00", "1"] for i in range(MAX_LEVELS + 10)]
    for asks, buys in (
        ([["102.00", "1"], ["101.00", "1"]], [["100.00", "1"]]),
        ([["101.00", "1"], ["101.00", "2"]], [["100.00", "1"]]),
        ([["101.00", "1"], ["103.00", "1"]], [["102.00", "1"], ["100.00", "1"]]),
        (many, []),
    ):
        memos: dict[str, DepthMemo] = {}
        for _ in range(2):  # first read, then with every row remembered
            frame = frame_of(DEPTH, TS, asks, buys)
            shown, logged = outcome(frame, memos)
            assert (shown, logged) == full(frame)
            assert logged


def test_without_memos_a_depth_text_is_decoded_in_full() -> None:
    frame = frame_of(DEPTH, TS, [["101.00", "1"]], [["100.00", "2"]])
    assert repr(messages.parse_server(frames.read(frame), SYMBOLS)) == full(frame)[0]


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet="0123456789.", max_size=36)
    | st.text(alphabet="0123456789.-+eE _x", max_size=8),
    decimals=st.sampled_from([None, 0, 1, 2, 6, 8, 13, 18]),
)
def test_the_plain_form_is_decided_as_the_checks_decide_it(text: str, decimals: int | None) -> None:
    """`gate.decimal` decides `"27000.50"` by a pattern first: whatever it lets through is
    exactly what the full checks give (the same value, written with the same exponent)."""

    def checked() -> str:
        try:
            return repr(gate.decimal(text, sign=gate.POSITIVE, decimals=decimals))
        except ValueError as exc:
            return f"refused: {exc}"

    fast = checked()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gate, "_PLAIN_POSITIVE", {})
        assert fast == checked()


def test_the_servers_depth_pushes_are_read_from_their_text() -> None:
    """What the server sends for a depth channel takes the text path and reads back whole."""
    book = Book(
        asks=((Decimal("27001.00"), Decimal("0.250000")),),
        bids=((Decimal("27000.00"), Decimal("1.000000")),),
        time=TS,
    )
    push = messages.DepthPush("btcusdt", 0, book, TS)
    frame = frames.encode(push.encode(SYMBOL))
    assert isinstance(frames.read(frame), frames.DepthText)
    assert messages.parse_server(frames.read(frame), SYMBOLS, {}) == push


@settings(max_examples=300, deadline=None)
@given(
    frame=st.one_of(
        st.binary(max_size=120),
        st.binary(max_size=120).map(gzip.compress),
        st.text(max_size=120),
        st.text(alphabet='{}[]",:0123456789.abceknst_', max_size=160).map(
            lambda text: gzip.compress(text.encode())
        ),
    )
)
def test_read_raises_only_frame_error_and_agrees_with_decode(frame: bytes | str) -> None:
    try:
        decoded = frames.read(frame)
    except frames.FrameError as exc:
        with pytest.raises(frames.FrameError) as also:
            frames.decode(frame)
        assert str(also.value) == str(exc)
        return
    whole = decoded.message() if isinstance(decoded, frames.DepthText) else decoded
    assert whole == frames.decode(frame)


_ONE_PATTERN = re.compile(
    rb'\{"channel":"[a-z0-9_]{1,64}","ts":[1-9][0-9]{0,17},"tick":\{"asks":\['
    rb'(?:\["[0-9.]{1,64}","[0-9.]{1,64}"\](?:,\["[0-9.]{1,64}","[0-9.]{1,64}"\])*)?'
    rb'\],"buys":\['
    rb'(?:\["[0-9.]{1,64}","[0-9.]{1,64}"\](?:,\["[0-9.]{1,64}","[0-9.]{1,64}"\])*)?'
    rb"\]\}\}"
)
"""The layout as one pattern over the whole text, as it was first checked: the rows looked
up and matched one by one must keep exactly the frames it keeps."""

side_text = st.one_of(
    st.lists(st.tuples(good_price, good_amount), max_size=4).map(
        lambda rows: ",".join(f'["{price}","{amount}"]' for price, amount in rows)
    ),
    st.text(alphabet='[]",0123456789.\nb', max_size=40),
)


@settings(max_examples=400, deadline=None)
@given(asks=side_text, buys=side_text, cold=st.booleans())
def test_the_layout_is_what_one_pattern_over_the_text_keeps(
    asks: str, buys: str, cold: bool
) -> None:
    """Rows the channel's memo holds are looked up, not matched again: with or without them
    remembered, a frame is kept as text exactly when the whole pattern matches it, and
    then it holds what parsing it gives."""
    text = f'{{"channel":"{DEPTH}","ts":{TS},"tick":{{"asks":[{asks}],"buys":[{buys}]}}}}'
    memos: dict[str, DepthMemo] = {}
    if not cold:  # the channel's memo holds the good rows
        good = frame_of(DEPTH, TS, [[p, a] for p in ("100.00", "102") for a in ("0.5", "3")], [])
        outcome(good, memos)
    frame = gzip.compress(text.encode())
    try:
        decoded = frames.read(frame, memos)
    except frames.FrameError:
        decoded = None
    kept = isinstance(decoded, frames.DepthText)
    assert kept == (_ONE_PATTERN.fullmatch(text.encode()) is not None)
    if isinstance(decoded, frames.DepthText):
        message = frames.decode(frame)
        assert decoded.message() == message
        for rows, name in ((decoded.ask_rows.text, "asks"), (decoded.buy_rows.text, "buys")):
            assert [row.decode().split('","') for row in rows] == message["tick"][name]


@pytest.mark.parametrize(
    "asks",
    [
        '["101.00","1\n102.00","2"]',  # a newline inside a row: not JSON
        '["101.00","1"],["102.00","2\n"]',
        '["101.00","1"],["10\n2.00","2"]',
    ],
)
def test_a_row_holding_a_newline_is_not_taken_for_two(asks: str) -> None:
    memos: dict[str, DepthMemo] = {}
    outcome(frame_of(DEPTH, TS, [["101.00", "1"], ["102.00", "2"]], []), memos)
    text = f'{{"channel":"{DEPTH}","ts":{TS},"tick":{{"asks":[{asks}],"buys":[]}}}}'
    frame = gzip.compress(text.encode())
    with pytest.raises(frames.FrameError):
        frames.read(frame, memos)
    assert outcome(frame, memos) == full(frame)


def test_a_depth_push_in_two_gzip_members_reads_as_one() -> None:
    text = gzip.decompress(frame_of(DEPTH, TS, [["101.00", "1"]], [["100.00", "2"]]))
    frame = gzip.compress(text[:30]) + gzip.compress(text[30:])
    assert isinstance(frames.read(frame), frames.DepthText)
    assert outcome(frame, {}) == full(frame)
    for damaged in (frame + b"x", gzip.compress(text) + b"\x1f\x8b", frame[:-3]):
        assert outcome(damaged, {}) == full(damaged)


def test_a_full_memo_keeps_both_sides_of_the_last_push() -> None:
    """The memo starts over past `MEMO_LIMIT` rows with the rows of the push that filled it,
    of both sides, so the next push converts only what changed: here the bids, which never
    change, are not converted again."""
    memos: dict[str, DepthMemo] = {}
    buys = [[f"{1000 - i}.00", "1"] for i in range(40)]
    step = 0
    while True:
        asks = [[f"{2000 + step * 40 + i}.00", "1"] for i in range(40)]
        frame = frame_of(DEPTH, TS, asks, buys)
        pushed = messages.parse_server(frames.read(frame, memos), SYMBOLS, memos)
        step += 1
        if len(memos[DEPTH].levels((2, 6))) <= 80 < step * 80:
            break  # this push filled the memo, which kept only its rows
    again = messages.parse_server(frames.read(frame, memos), SYMBOLS, memos)
    assert isinstance(pushed, messages.DepthPush) and isinstance(again, messages.DepthPush)
    assert all(map(operator.is_, again.book.asks, pushed.book.asks))
    assert all(map(operator.is_, again.book.bids, pushed.book.bids))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pushes=st.lists(st.tuples(channel, ts, side, side), min_size=1, max_size=6),
    known=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_frames_read_together_then_handled_give_what_each_gives(
    pushes: list[tuple[Any, Any, Any, Any]], known: list[bool]
) -> None:
    """As the stream reads a backlog: the frames looked up in the memos first, then each
    handled in turn, some with the symbol unknown (other precisions: the memo starts over),
    so what a frame found when it was read may be out of date when it is handled. Twice,
    the second time with the memos the first left."""
    memos: dict[str, DepthMemo] = {}
    batch = [frame_of(*push) for push in pushes]
    for symbol_known in (known[:6], known[6:]):
        decoded = [read_or_none(frame, memos) for frame in batch]
        for frame, message, knows in zip(batch, decoded, symbol_known, strict=False):
            symbols = SYMBOLS if knows else {}
            assert handled(message, symbols, memos) == handled(
                read_or_none(frame, None), symbols, None
            )


def read_or_none(frame: bytes, memos: dict[str, DepthMemo] | None) -> Any:
    with gate_log():
        try:
            return frames.read(frame, memos) if memos is not None else frames.decode(frame)
        except frames.FrameError:
            return None


def handled(
    message: Any, symbols: dict[str, Symbol], memos: dict[str, DepthMemo] | None
) -> tuple[str, list[str]]:
    with gate_log() as logged:
        try:
            shown = repr(messages.parse_server(message, symbols, memos)) if message else ""
        except messages.MessageError as exc:
            shown = f"malformed message: {exc}"
    return shown, logged


def test_a_row_found_under_other_precisions_is_checked_again() -> None:
    """Read while the memo held levels for an unknown symbol, handled once the symbol is
    known: the row the symbol's precision refuses is refused, as reading it in full does."""
    memos: dict[str, DepthMemo] = {}
    frame = frame_of(DEPTH, TS, [["100.001", "1"]], [["99.00", "1"]])
    first = handled(read_or_none(frame, memos), {}, memos)
    assert "100.001" in first[0]  # no precision to refuse it yet
    message = read_or_none(frame, memos)
    assert isinstance(message, frames.DepthText) and message.ask_rows.found[0] is not None
    assert handled(message, SYMBOLS, memos) == handled(frames.decode(frame), SYMBOLS, None)
    assert "100.001" not in handled(read_or_none(frame, memos), SYMBOLS, memos)[0]
