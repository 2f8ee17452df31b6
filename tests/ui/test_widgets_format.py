"""Display formatting: what numbers look like on screen, straight from Decimal."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from cdx.ui.format import (
    align_points,
    fmt_amount,
    fmt_compact,
    fmt_pct,
    fmt_price,
    fmt_seconds,
    fmt_time,
)


def test_price_has_the_symbols_decimals_and_thousands_separators() -> None:
    assert fmt_price(D("27000.5"), 2) == "27,000.50"
    assert fmt_price(D("0.066713"), 6) == "0.066713"
    assert fmt_price(D("27001"), 0) == "27,001"
    assert fmt_price(D("27000.50"), 2, grouped=False) == "27000.50"


def test_amount_is_rounded_down_so_it_never_shows_more_than_there_is() -> None:
    assert fmt_amount(D("0.0199999"), 6) == "0.019999"
    assert fmt_amount(D("1234.5"), 2) == "1,234.50"


def test_amount_without_decimals_keeps_its_own_up_to_eight() -> None:
    assert fmt_amount(D("0.500000")) == "0.500000"
    assert fmt_amount(D("0.123456789012")) == "0.12345678"
    assert fmt_amount(D("100")) == "100"


@pytest.mark.parametrize(
    ("rose", "text"),
    [
        (D("0.0071"), "+0.71%"),
        (D("-0.0123"), "-1.23%"),
        (D("0"), "+0.00%"),
        (D("-0.00001"), "+0.00%"),
        (D("1.5"), "+150.00%"),
    ],
)
def test_change_is_a_signed_percentage(rose: D, text: str) -> None:
    assert fmt_pct(rose) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("12.345"), "12.34"),
        (D("1234.5678"), "1.23k"),
        (D("4560000"), "4.56M"),
        (D("999999"), "1.00M"),
        (D("7.2e12"), "7.20T"),
        (D("-1500"), "-1.50k"),
    ],
)
def test_compact_volume(value: D, text: str) -> None:
    assert fmt_compact(value) == text


def test_trade_time_is_utc_clock_time() -> None:
    assert fmt_time(1_700_000_000_999) == "22:13:20"


def test_ages_are_short() -> None:
    assert fmt_seconds(0.42) == "0.4s"
    assert fmt_seconds(17.9) == "17s"
    assert fmt_seconds(185) == "3m05s"
    assert fmt_seconds(7300) == "2h01m"


def test_decimal_points_line_up_in_a_column() -> None:
    column = [text.rjust(11) for text in align_points(["2", "0.5", "100,000.125"])]
    assert column == ["      2    ", "      0.5  ", "100,000.125"]
    assert {line.index(".") for line in column if "." in line} == {7}
