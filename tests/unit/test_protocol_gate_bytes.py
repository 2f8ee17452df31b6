"""Frames and bodies are bounded before they are parsed: size, inflation and nesting.

Issue 10 family 10 (a 300 kB frame that inflates to 300 MB) and the deeply nested body of
family 7, at the protocol layer: each becomes the module's own error, fast, never a
`RecursionError` or a memory blow-up.
"""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib
from decimal import Decimal

import pytest

from cdx.protocol import codec, envelope, frames, limits, messages


def deflate_bomb(size: int) -> bytes:
    """A gzip frame of a few hundred kB that inflates to `size` bytes of blanks."""
    packer = zlib.compressobj(9, wbits=31)
    chunk = b" " * (1024 * 1024)
    parts = [packer.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + packer.flush()


def test_frame_that_inflates_to_300_mb_is_refused_fast_without_allocating_it() -> None:
    bomb = deflate_bomb(300 * 1024 * 1024)
    assert len(bomb) < 400_000
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(frames.FrameError, match="inflates past"):
            frames.decode(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1.0
    assert peak < 3 * limits.MAX_FRAME_INFLATED


def test_frame_just_under_the_inflation_limit_is_read() -> None:
    padding = " " * (limits.MAX_FRAME_INFLATED - 100)
    frame = gzip.compress(('{"ping": 1700000000000}' + padding).encode())
    assert messages.parse_server(frames.decode(frame)) == messages.Ping(1700000000000)


def test_truncated_gzip_frame_is_a_frame_error() -> None:
    frame = gzip.compress(b'{"ping": 1700000000000}')
    with pytest.raises(frames.FrameError, match="truncated"):
        frames.decode(frame[:-6])


def test_trailing_garbage_after_the_gzip_stream_is_a_frame_error() -> None:
    with pytest.raises(frames.FrameError, match="trailing"):
        frames.decode(gzip.compress(b'{"a": 1}') + b"garbage")


def test_two_gzip_members_are_one_frame() -> None:
    frame = gzip.compress(b'{"a": ') + gzip.compress(b"1}")
    assert frames.decode(frame) == {"a": 1}


def test_members_together_may_not_pass_the_limit() -> None:
    half = deflate_bomb(3 * 1024 * 1024)
    with pytest.raises(frames.FrameError, match="inflates past"):
        frames.decode(half + half)


@pytest.mark.parametrize("depth", [limits.MAX_JSON_DEPTH + 1, 5_000, 200_000])
def test_deeply_nested_frame_is_a_frame_error_never_recursion(depth: int) -> None:
    text = '{"a": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(frames.FrameError, match="nested"):
        frames.decode(text)
    with pytest.raises(frames.FrameError, match="nested"):
        frames.decode(gzip.compress(text.encode()))


@pytest.mark.parametrize("depth", [limits.MAX_JSON_DEPTH + 1, 100_000])
def test_deeply_nested_body_is_an_envelope_error(depth: int) -> None:
    body = b'{"code": "0", "msg": "suc", "data": ' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(envelope.EnvelopeError, match="nested"):
        envelope.parse(body)


def test_nesting_up_to_the_limit_is_read() -> None:
    depth = limits.MAX_JSON_DEPTH
    assert envelope.loads_json("[" * depth + "]" * depth) is not None


def test_body_over_the_size_limit_is_refused_unread() -> None:
    body = b'{"code": "0", "msg": "' + b"x" * limits.MAX_JSON_TEXT + b'"}'
    with pytest.raises(envelope.EnvelopeError, match="bytes"):
        envelope.parse(body)


def test_long_or_non_finite_numbers_cost_their_field_not_the_message() -> None:
    digits = "9" * 5000
    data = envelope.loads_json(
        '{"tick": {"asks": [[' + digits + ', "1"], [NaN, "1"], [Infinity, "1"], '
        '["27001.00", -Infinity], ["27002.00", "1"]], "bids": [], "time": 1700000000000}}'
    )
    book = codec.depth_from_rest(data)
    assert book.asks == ((Decimal("27002.00"), Decimal("1")),)


def test_giant_integer_in_a_frame_is_not_converted() -> None:
    message = frames.decode('{"ping": ' + "1" * 10_000 + "}")
    with pytest.raises(messages.MessageError):
        messages.parse_server(message)  # not a ping, and no other message either


def test_json_number_exponent_past_decimal_limits_is_unreadable_not_an_error() -> None:
    value = envelope.loads_json("[1e99999999999999999999]")[0]
    assert isinstance(value, envelope.Unreadable)


def test_server_msg_is_capped() -> None:
    body = b'{"code": "100004", "msg": "' + b"m" * 100_000 + b'", "data": null}'
    assert len(envelope.parse(body).msg) <= envelope.MAX_MSG_TEXT + 3


def test_documented_push_still_decodes_from_a_gzip_frame() -> None:
    frame = gzip.compress(
        b'{"channel":"market_btcusdt_depth_step0","ts":1700000000000,"tick":{"asks":'
        b'[["27001.00","0.250000"]],"buys":[["27000.00","1.000000"]]}}'
    )
    message = frames.decode(frame)
    book = codec.depth_from_push(message["ts"], message["tick"])
    assert book.best_bid == Decimal("27000.00") and book.best_ask == Decimal("27001.00")


@pytest.mark.parametrize(
    "code", ['""', '"' + "1" * 17 + '"', '"0\\u001b[2J"', "true", "1.5", "null"]
)
def test_envelope_code_that_is_not_a_code_is_not_an_envelope(code: str) -> None:
    with pytest.raises(envelope.EnvelopeError, match="code"):
        envelope.parse('{"code": ' + code + ', "msg": "suc", "data": null}')


def test_envelope_code_as_a_json_integer_is_read() -> None:
    assert envelope.parse(b'{"code": 110005, "msg": "insufficient", "data": null}').code == "110005"
