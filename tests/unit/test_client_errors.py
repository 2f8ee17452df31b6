"""Error mapping and credentials: the messages a user sees, and the secret never shown."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cdx.client.credentials import Credentials
from cdx.client.errors import (
    ApiError,
    AuthError,
    CdxError,
    OrderRejected,
    OrderStateUnknown,
    RateLimited,
    error_for,
)
from cdx.model.order import OrderType, Side
from cdx.protocol.errors import AUTH_CODES, ORDER_REJECT_CODES, ErrorCode


@pytest.mark.parametrize("code", sorted(AUTH_CODES))
def test_credential_and_clock_codes_are_auth_errors(code) -> None:
    assert type(error_for(code, "")) is AuthError


@pytest.mark.parametrize("code", sorted(ORDER_REJECT_CODES))
def test_codes_that_refuse_the_users_request_are_order_rejections(code) -> None:
    assert type(error_for(code, "")) is OrderRejected


def test_rate_limited_carries_the_wait() -> None:
    error = error_for(ErrorCode.RATE_LIMITED, "too frequent", retry_after_ms=250)
    assert isinstance(error, RateLimited) and error.retry_after_ms == 250


def test_unknown_code_is_a_plain_api_error_with_the_servers_words() -> None:
    error = error_for("999999", "something new")
    assert type(error) is ApiError
    assert str(error) == "something new"


def test_every_protocol_code_has_an_actionable_message() -> None:
    for code in ErrorCode:
        if code is ErrorCode.OK:
            continue
        error = error_for(code, "")
        assert str(error) and str(error) != f"error {code.value}", code


def test_message_names_the_fix_and_keeps_the_servers_words() -> None:
    error = error_for(ErrorCode.BAD_SIGNATURE, "sign does not match")
    assert (
        str(error) == "signature rejected: is CDX_API_SECRET right? (server: sign does not match)"
    )
    assert error.code == "100005" and error.msg == "sign does not match"


def test_every_client_error_is_a_cdx_error() -> None:
    unknown = OrderStateUnknown("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("1"), None, 0)
    for error in (error_for("100005", ""), unknown):
        assert isinstance(error, CdxError)
    assert "check open orders before placing it again" in str(unknown)


def test_secret_is_never_in_the_repr() -> None:
    credentials = Credentials("demo", "very-secret-value")
    assert "very-secret-value" not in repr(credentials)
    assert "very-secret-value" not in str(credentials)


def test_credentials_come_from_the_environment() -> None:
    env = {"CDX_API_KEY": "demo", "CDX_API_SECRET": "demo-secret"}
    assert Credentials.from_env(env) == Credentials("demo", "demo-secret")


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"CDX_API_KEY": "demo"},
        {"CDX_API_SECRET": "x"},
        {"CDX_API_KEY": "", "CDX_API_SECRET": "x"},
    ],
)
def test_without_both_keys_there_are_no_credentials(env) -> None:
    assert Credentials.from_env(env) is None
