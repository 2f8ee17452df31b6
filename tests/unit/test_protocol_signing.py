"""PROTOCOL.md section 3: the golden vectors, verbatim."""

from __future__ import annotations

import hashlib

import pytest

from cdx.protocol.signing import sign, signed_params, signing_string, time_in_window

GOLDEN = [
    (
        {"api_key": "demo", "time": "1700000000000"},
        "demo-secret",
        "api_keydemotime1700000000000demo-secret",
        "946be53c549b6717d2407f2c31724fcf9d08c87e3c8923adf5abcd25077febec",
    ),
    (
        {
            "api_key": "demo",
            "time": "1700000000123",
            "symbol": "btcusdt",
            "side": "BUY",
            "type": "1",
            "volume": "0.0100",
            "price": "27000.50",
        },
        "demo-secret",
        "api_keydemoprice27000.50sideBUYsymbolbtcusdttime1700000000123type1volume0.0100demo-secret",
        "1a686a48fffc9da8eb723e98b2877ff240c2fef30164b6e8edc75c2831d8bad4",
    ),
    (
        {
            "api_key": "demo",
            "time": "1700000000456",
            "symbol": "ethusdt",
            "side": "BUY",
            "type": "2",
            "volume": "250.00",
            "price": "",
        },
        "demo-secret",
        "api_keydemosideBUYsymbolethusdttime1700000000456type2volume250.00demo-secret",
        "6d319dae1db5e131a45a4eb769d1d4e2413a249817b02d3b654bdfdcf3138c94",
    ),
    (
        {
            "api_key": "demo",
            "time": "1700000000789",
            "symbol": "btcusdt",
            "page": "1",
            "pageSize": "50",
        },
        "demo-secret",
        "api_keydemopage1pageSize50symbolbtcusdttime1700000000789demo-secret",
        "766c40e017d86ddd2d3142ba0339bf9f09d82079e9560e6285cc87763fc3668f",
    ),
    (
        {"api_key": "Ab9xQ2", "time": "1700000001000", "symbol": "ethbtc", "order_id": "1042"},
        "s3cr3t/+=",
        "api_keyAb9xQ2order_id1042symbolethbtctime1700000001000s3cr3t/+=",
        "20d5fa64a1027e1f58d8e935dc7e78a685d6c2e65ed668798ba382cdc8775c90",
    ),
]


@pytest.mark.parametrize(("params", "secret", "string", "expected"), GOLDEN)
def test_golden_signing_string(
    params: dict[str, str], secret: str, string: str, expected: str
) -> None:
    assert signing_string(params, secret) == string


@pytest.mark.parametrize(("params", "secret", "string", "expected"), GOLDEN)
def test_golden_sign(params: dict[str, str], secret: str, string: str, expected: str) -> None:
    assert sign(params, secret) == expected


def test_sign_parameter_itself_is_not_signed() -> None:
    params = {"api_key": "demo", "time": "1700000000000"}
    assert sign({**params, "sign": "whatever"}, "demo-secret") == sign(params, "demo-secret")


def test_names_sort_as_bytes_upper_case_first() -> None:
    assert signing_string({"b": "1", "B": "2", "a": "3"}, "") == "B2a3b1"


def test_signed_params_drop_empty_values_and_carry_the_right_sign() -> None:
    out = signed_params({"symbol": "ethusdt", "price": ""}, "demo", "demo-secret", 1700000000000)
    assert "price" not in out
    assert out["time"] == "1700000000000"
    recomputed = hashlib.sha256(b"api_keydemosymbolethusdttime1700000000000demo-secret").hexdigest()
    assert out["sign"] == recomputed


def test_signed_params_never_contain_the_secret() -> None:
    out = signed_params({"symbol": "btcusdt"}, "demo", "demo-secret", 1)
    assert "demo-secret" not in "".join(out.values())


@pytest.mark.parametrize(
    ("skew", "accepted"), [(0, True), (5000, True), (-5000, True), (5001, False), (-5001, False)]
)
def test_time_window_is_five_seconds_inclusive(skew: int, accepted: bool) -> None:
    assert time_in_window(1_700_000_000_000, 1_700_000_000_000 + skew) is accepted
