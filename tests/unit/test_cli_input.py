"""What the command line accepts: numbers, ports, hosts and URLs are checked as they are parsed,
so every bad value is a usage error (exit 2, one message) before anything is sent or computed;
and what it prints of a server's text is escaped."""

from __future__ import annotations

import argparse
import io
import logging
import sys
import time
import unicodedata
from decimal import Decimal

import pytest

from cdx import cli
from cdx.commands import arguments
from cdx.commands.printable import PrintableFormatter, cell_width, ljust, printable, rjust
from cdx.commands.table import print_table

DEAD_URL = "http://127.0.0.1:9"
"""Nothing listens here: a command that got past its arguments would fail with exit 1."""


@pytest.fixture(autouse=True)
def private_state(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setenv("CDX_API_KEY", "demo")
    monkeypatch.setenv("CDX_API_SECRET", "demo-secret")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def place(volume: str = "0.01", price: str = "20000") -> list[str]:
    return [
        "place", "--rest-url", DEAD_URL, "--symbol", "btcusdt", "--side", "buy",
        "--type", "limit", "--volume", volume, "--price", price, "--yes",
    ]  # fmt: skip


# numbers -----------------------------------------------------------------------------------

BAD_NUMBERS = [
    "1e999999999", "1e3", "1E3", "٢٠٠٠٠", "０.００１", "0.001_0", "1_000", "+1", "-1", " 1", "1 ",
    "NaN", "nan", "Infinity", "-Infinity", "inf", "sNaN", ".5", "5.", "1.2.3", "0x10", "", "1,5",
    "1\n", "\u00b2", "1" * 41, "0." + "0" * 39 + "1",
]  # fmt: skip


@pytest.mark.parametrize("text", BAD_NUMBERS)
def test_a_number_that_is_not_plain_ascii_decimal_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.positive_decimal(text)


@pytest.mark.parametrize("text", ["0", "0.000", "00"])
def test_zero_is_refused_as_not_positive(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="above zero"):
        arguments.positive_decimal(text)


@pytest.mark.parametrize(
    ("text", "value"), [("1", "1"), ("0.001", "0.001"), ("27000.50", "27000.50"), ("007", "7")]
)
def test_a_plain_decimal_is_taken_exactly(text: str, value: str) -> None:
    assert arguments.positive_decimal(text) == Decimal(value)


@pytest.mark.parametrize("text", ["1e999999999", "٢٠٠٠٠", "０.００１", "0.001_0", "NaN", "+1"])
def test_place_with_a_bad_volume_is_a_usage_error_before_anything_is_sent(
    capsys: pytest.CaptureFixture[str], text: str
) -> None:
    started = time.perf_counter()
    code, out, err = run_cli(capsys, *place(volume=text))
    assert (code, out) == (2, "")
    assert "argument --volume" in err and "plain decimal" in err
    assert "Traceback" not in err
    assert "cannot reach" not in err  # refused before connecting
    assert time.perf_counter() - started < 2


def test_place_with_a_bad_price_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, *place(price="Infinity"))
    assert code == 2
    assert "argument --price" in err


def test_the_message_shows_the_bad_value_escaped_and_cut_short(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(capsys, *place(volume="1\x1b[2J" + "9" * 100_000))
    assert code == 2
    assert "\x1b" not in err
    assert "\\x1b" in err
    assert len(err) < 2000


# ports, hosts, seeds, rates ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["70000", "65536", "-1", "abc", "", "٨٠", "1e3", " 80", "8_0"])
def test_a_bad_listen_port_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.listen_port(text)


@pytest.mark.parametrize("text", ["0", "7", "-7", str(2**63 - 1)])
def test_a_seed_is_any_64_bit_integer(text: str) -> None:
    assert arguments.seed(text) == int(text)


@pytest.mark.parametrize("text", ["0", "8700", "65535"])
def test_a_listen_port_in_range_is_taken(text: str) -> None:
    assert arguments.listen_port(text) == int(text)


@pytest.mark.parametrize(
    "argv",
    [
        ["sim", "--port", "70000"],
        ["sim", "--port", "-1"],
        ["sim", "--port", "abc"],
        ["sim", "--seed", "9" * 5000],
        ["sim", "--seed", "٣"],
        ["sim", "--seed", "--5"],
        ["sim", "--rate", "1e-300"],
        ["sim", "--rate", "nan"],
        ["sim", "--rate", "1000000"],
        ["sim", "--host", "a" * 100_000],
        ["sim", "--host", "bad host"],
        ["sim", "--host", "a" * 64 + ".example"],
    ],
    ids=["port-70000", "port-negative", "port-abc", "seed-huge", "seed-arabic", "seed-double-minus",
         "rate-exponent", "rate-nan", "rate-huge", "host-100k", "host-space", "host-long-label"],
)  # fmt: skip
def test_sim_with_a_bad_value_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert (code, out) == (2, "")
    assert "error: argument" in err
    assert "Traceback" not in err
    assert len(err) < 2000


# URLs --------------------------------------------------------------------------------------

BAD_URLS = {
    "port-out-of-range": "http://127.0.0.1:70000",
    "port-negative": "http://127.0.0.1:-1",
    "port-not-a-number": "http://127.0.0.1:abc",
    "port-zero": "http://127.0.0.1:0",
    "100-kB": "http://" + "a" * 100_000 + ".com",
    "bad-scheme": "ftp://127.0.0.1:8700",
    "no-scheme": "127.0.0.1:8700",
    "no-host": "http://",
    "no-host-path": "http:///v1",
    "space": "http://127.0.0.1 :8700",
    "control": "http://127.0.0.1:8700/\x1b[2J",
    "newline": "http://127.0.0.1:8700\n",
    "nul": "http://127.0.0.1\x00:8700",
    "bidi": "http://127.0.0.1:8700/\u202e",
    "bad-ipv6": "http://[::1:8700",
    "not-ipv6": "http://[zz::1]:8700",
    "bad-idna": "http://☃.com",
    "label-too-long": "http://" + "a" * 64 + ".com",
    "query": "http://127.0.0.1:8700/?x=1",
    "password": "http://user:hunter2@127.0.0.1:8700",
    "user-only": "http://user@127.0.0.1:8700",
}


@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_a_bad_rest_url_is_refused(url: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.rest_url(url)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8700", "https://api.crypto.com", "http://[::1]:8700/", "http://localhost"],
)
def test_a_good_rest_url_is_taken_as_written(url: str) -> None:
    assert arguments.rest_url(url) == url


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8700/kline-api/ws", "ws://127.0.0.1:70000/kline-api/ws", "ws://"]
)
def test_a_bad_ws_url_is_refused(url: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.ws_url(url)


def _commands_with(url_flag: str, url: str) -> list[list[str]]:
    """Every command that takes the URL flags, with `url` in `url_flag`."""
    rest = url if url_flag == "--rest-url" else DEAD_URL
    ws = url if url_flag == "--ws-url" else "ws://127.0.0.1:9/kline-api/ws"
    urls = ["--rest-url", rest, "--ws-url", ws]
    return [
        urls,  # the dashboard
        ["balances", *urls],
        ["orders", "--symbol", "btcusdt", *urls],
        [*urls, "balances"],
        ["doctor", *urls],
    ]


@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_every_command_refuses_a_bad_rest_url_with_exit_2(
    capsys: pytest.CaptureFixture[str], url: str
) -> None:
    for argv in _commands_with("--rest-url", url):
        code, out, err = run_cli(capsys, *argv)
        assert (code, out) == (2, ""), argv[:1]
        assert "error: argument --rest-url" in err
        assert "Traceback" not in err
        assert "\x1b" not in err and "\x00" not in err and "\u202e" not in err
        assert "hunter2" not in err  # a password in a URL is never repeated back
        assert len(err) < 3000


@pytest.mark.parametrize(
    "url", ["ws://127.0.0.1:70000/kline-api/ws", "http://127.0.0.1:9/kline-api/ws", "ws://"]
)
def test_every_command_refuses_a_bad_ws_url_with_exit_2(
    capsys: pytest.CaptureFixture[str], url: str
) -> None:
    for argv in _commands_with("--ws-url", url):
        code, _, err = run_cli(capsys, *argv)
        assert code == 2, argv[:1]
        assert "error: argument --ws-url" in err


# symbols and ids ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["btc\x1busdt", "btc usdt", "ｂｔｃ", "", "a" * 33, "-btc"])
def test_a_symbol_that_is_not_short_ascii_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.symbol(text)


def test_a_symbol_is_lower_cased() -> None:
    assert arguments.symbol("BTCUSDT") == "btcusdt"


@pytest.mark.parametrize("text", ["٢", "²", "1 ", "-1", "1" * 41, "0x1"])
def test_an_order_id_of_anything_but_ascii_digits_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        arguments.order_id(text)


def test_argparse_errors_quote_what_was_typed_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(capsys, "balances", "--rest-url", DEAD_URL, "\x1b]0;owned\x07")
    assert code == 2
    assert "unrecognized arguments" in err
    assert "\x1b" not in err and "\x07" not in err


# printable ---------------------------------------------------------------------------------

HOSTILE = {
    "esc": "\x1b[2J",
    "osc-title": "\x1b]0;owned\x07",
    "c1-csi": "\x9b31m",
    "del": "a\x7fb",
    "nul": "a\x00b",
    "newline": "a\nfake log line",
    "carriage-return": "a\rb",
    "tab": "a\tb",
    "bidi-override": "usdt\u202ebtc",
    "bidi-isolate": "\u2066x\u2069",
    "rlm": "a\u200fb",
    "zero-width": "a\u200bb",
    "line-separator": "a\u2028b",
    "bom": "\ufeffa",
    "surrogate": "a\udcffb",
    "tag": "a\U000e0041b",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_printable_leaves_no_character_a_terminal_acts_on(text: str) -> None:
    shown = printable(text)
    assert all(c == " " or unicodedata.category(c)[0] not in "CZ" for c in shown), repr(shown)
    assert shown.isprintable()


def test_printable_shows_what_was_escaped() -> None:
    assert printable("b\x1btc\u202e") == "b\\x1btc\\u202e"


@pytest.mark.parametrize("text", ["btc", "Bitcoin 比特币", "éthereum", "a b", "x\\x1b", "🚀"])
def test_printable_keeps_ordinary_text(text: str) -> None:
    assert printable(text) == text


def test_wide_and_combining_characters_keep_columns_aligned() -> None:
    assert cell_width("比特币") == 6
    assert cell_width("e\u0301") == 1
    assert ljust("比", 4) == "比  "
    assert rjust("ab", 4) == "  ab"


def test_log_records_are_escaped_and_stay_one_line() -> None:
    formatter = PrintableFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord(
        "cdx", logging.WARNING, __file__, 1, "server said %s", ("\x1b[2J\nINFO forged",), None
    )
    text = formatter.format(record)
    assert text == "WARNING server said \\x1b[2J\\x0aINFO forged"


def test_a_traceback_in_the_log_keeps_its_lines_but_not_its_controls() -> None:
    formatter = PrintableFormatter("%(message)s")
    try:
        raise ValueError("bad coin \x1b]0;owned\x07")
    except ValueError:
        record = logging.LogRecord(
            "cdx", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    text = formatter.format(record)
    assert text.startswith("failed\nTraceback")
    assert "\x1b" not in text and "\x07" not in text
    assert "bad coin \\x1b]0;owned\\x07" in text


def test_a_table_of_escaped_and_wide_names_stays_aligned() -> None:
    out = io.StringIO()
    rows = [
        [printable("b\x1b[2Jtc"), "1.5"],
        ["比特币", "22"],
        [printable("usdt\u202e"), "333"],
        ["e\u0301th", "4"],
    ]
    print_table(out, ["coin", "total"], rows, numeric={1})
    lines = out.getvalue().splitlines()
    assert [c for c in out.getvalue() if unicodedata.category(c) == "Cc" and c != "\n"] == []
    assert {cell_width(line) for line in lines} == {cell_width(lines[0])}
