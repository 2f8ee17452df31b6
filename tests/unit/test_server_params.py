"""Parameter decoding and shape checks of the front (PROTOCOL.md sections 1 and 3: 100004)."""

from __future__ import annotations

import pytest

from cdx.protocol import endpoints
from cdx.protocol.errors import ErrorCode
from cdx.protocol.refusal import Refusal
from cdx.server.params import collect, decode, decode_body

SIGNED = {"api_key": "demo", "time": "1700000000000", "sign": "x"}


def _refused(call: object) -> Refusal:
    with pytest.raises(Refusal) as info:
        call()  # type: ignore[operator]
    assert info.value.code is ErrorCode.BAD_PARAMETER
    return info.value


@pytest.mark.parametrize(
    "text",
    ["a", "a=1&b", "a=1&&b=2", '{"symbol":"btcusdt"}', "%FF=1", "symbol=%FE%FF"],
)
def test_garbage_is_refused(text: str) -> None:
    _refused(lambda: decode(text, "query string"))


def test_non_utf8_body_is_refused() -> None:
    _refused(lambda: decode_body(b"symbol=\xff\xfe"))


def test_form_decoding_keeps_duplicates_and_blank_values() -> None:
    assert decode("a=1&a=&b=x+y%2B", "q") == [("a", "1"), ("a", ""), ("b", "x y+")]


def test_duplicate_parameter_is_refused_even_if_one_is_empty() -> None:
    refusal = _refused(lambda: collect(endpoints.TICKER, [("symbol", ""), ("symbol", "btcusdt")]))
    assert "symbol" in refusal.msg


def test_empty_value_is_absent() -> None:
    assert collect(endpoints.DEPTH, [("symbol", "btcusdt"), ("type", "")]) == {"symbol": "btcusdt"}
    _refused(lambda: collect(endpoints.KLINES, [("symbol", ""), ("period", "1")]))


def test_unknown_parameter_is_named() -> None:
    refusal = _refused(lambda: collect(endpoints.SYMBOLS, [("foo", "1")]))
    assert "'foo'" in refusal.msg


@pytest.mark.parametrize("name", ["api_key", "time", "sign"])
def test_signed_endpoints_require_the_signature_parameters(name: str) -> None:
    pairs = [(k, v) for k, v in SIGNED.items() if k != name]
    refusal = _refused(lambda: collect(endpoints.ACCOUNT_INFO, pairs))
    assert name in refusal.msg


@pytest.mark.parametrize("time", ["1.5", "-1", "1e12", " 1", "NaN", "１２"])
def test_time_must_be_a_decimal_integer(time: str) -> None:
    _refused(lambda: collect(endpoints.ACCOUNT_INFO, [*{**SIGNED, "time": time}.items()]))


@pytest.mark.parametrize(
    ("name", "value"),
    [("page", "0"), ("page", "x"), ("pageSize", "0"), ("pageSize", "201"), ("pageSize", "-5")],
)
def test_paging_bounds(name: str, value: str) -> None:
    pairs = [*SIGNED.items(), ("symbol", "btcusdt"), (name, value)]
    _refused(lambda: collect(endpoints.OPEN_ORDERS, pairs))


def test_paging_limits_are_accepted() -> None:
    pairs = [*SIGNED.items(), ("symbol", "btcusdt"), ("page", "1"), ("pageSize", "200")]
    assert collect(endpoints.OPEN_ORDERS, pairs)["pageSize"] == "200"


@pytest.mark.parametrize(
    "extra",
    [
        {"side": "buy", "type": "1", "price": "1"},
        {"side": "BUY", "type": "3", "price": "1"},
        {"side": "BUY", "type": "1"},
        {"side": "BUY", "type": "1", "price": "1", "fee_is_user_exchange_coin": "2"},
        {"side": "BUY", "type": "1", "price": "1", "fee_is_user_exchange_coin": "true"},
    ],
)
def test_order_shape(extra: dict[str, str]) -> None:
    pairs = [*SIGNED.items(), ("symbol", "btcusdt"), ("volume", "1"), *extra.items()]
    _refused(lambda: collect(endpoints.PLACE_ORDER, pairs))


def test_market_order_with_empty_price_is_fine() -> None:
    pairs = [*SIGNED.items(), ("symbol", "btcusdt"), ("volume", "10"), ("side", "BUY")]
    params = collect(endpoints.PLACE_ORDER, [*pairs, ("type", "2"), ("price", "")])
    assert "price" not in params


@pytest.mark.parametrize("price", ["27000.50", "0", "junk"])
def test_market_order_price_is_accepted_whatever_it_is(price: str) -> None:
    """rev 2: legacy clients send a price with a market order; it is signed and ignored."""
    pairs = [*SIGNED.items(), ("symbol", "btcusdt"), ("volume", "10"), ("side", "BUY")]
    params = collect(endpoints.PLACE_ORDER, [*pairs, ("type", "2"), ("price", price)])
    assert params["price"] == price


@pytest.mark.parametrize("value", ["0", "1"])
def test_fee_is_user_exchange_coin_zero_or_one_is_accepted(value: str) -> None:
    pairs = [*SIGNED.items(), ("symbol", "btcusdt"), ("volume", "1"), ("side", "BUY")]
    extra = [("type", "1"), ("price", "27000"), ("fee_is_user_exchange_coin", value)]
    assert collect(endpoints.PLACE_ORDER, [*pairs, *extra])["fee_is_user_exchange_coin"] == value


@pytest.mark.parametrize(
    "endpoint", [endpoints.OPEN_ORDERS, endpoints.ALL_ORDERS, endpoints.MY_TRADES]
)
@pytest.mark.parametrize(
    ("value", "accepted"), [("1", True), ("0", True), ("2", False), ("asc", False), ("01", False)]
)
def test_sort_is_one_or_zero(endpoint: endpoints.Endpoint, value: str, accepted: bool) -> None:
    pairs = [*SIGNED.items(), ("symbol", "btcusdt"), ("sort", value)]
    if accepted:
        assert collect(endpoint, pairs)["sort"] == value
    else:
        assert "sort" in _refused(lambda: collect(endpoint, pairs)).msg


@pytest.mark.parametrize("endpoint", [endpoints.ALL_ORDERS, endpoints.MY_TRADES])
@pytest.mark.parametrize(
    "value", ["1700000000000", "0", "2023-11-14 22:13:20", "2024-02-29 00:00:00"]
)
def test_dates_as_unix_ms_or_legacy_text_are_accepted(
    endpoint: endpoints.Endpoint, value: str
) -> None:
    pairs = [*SIGNED.items(), ("symbol", "btcusdt"), ("startDate", value), ("endDate", value)]
    assert collect(endpoint, pairs)["startDate"] == value


@pytest.mark.parametrize(
    "value",
    [
        "2023-11-14",
        "2023-11-14T22:13:20",
        "2023-11-14 22:13:20Z",
        "2023-11-14 22:13:20.000",
        "2023-02-30 00:00:00",
        "2023-11-14 24:00:00",
        "2023-1-4 2:3:4",
        "1700000000000\n",
        "-1",
        "1.7e12",
        "１７００",
        "12345678901234567",
    ],
)
def test_other_dates_are_refused(value: str) -> None:
    pairs = [*SIGNED.items(), ("symbol", "btcusdt"), ("endDate", value)]
    assert "endDate" in _refused(lambda: collect(endpoints.ALL_ORDERS, pairs)).msg


def test_depth_type_and_kline_period() -> None:
    _refused(lambda: collect(endpoints.DEPTH, [("symbol", "btcusdt"), ("type", "step3")]))
    _refused(lambda: collect(endpoints.KLINES, [("symbol", "btcusdt"), ("period", "2")]))
    params = collect(endpoints.KLINES, [("symbol", "btcusdt"), ("period", "1440")])
    assert params["period"] == "1440"
    for period in ("10080", "43200"):
        assert collect(endpoints.KLINES, [("symbol", "btcusdt"), ("period", period)])
    _refused(lambda: collect(endpoints.KLINES, [("symbol", "btcusdt"), ("period", "20160")]))
