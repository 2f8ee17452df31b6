"""Request parameters: decoding the query string or form body, and checking their shape.

This is step two of PROTOCOL.md section 3 (`100004`): everything that can be judged from the
parameters alone, before the key, the clock or the signature are looked at. Values the
engine judges against a symbol (precision, minimums, balances) pass through as raw strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

from cdx.protocol import codec, endpoints
from cdx.protocol.endpoints import Endpoint
from cdx.protocol.errors import ErrorCode
from cdx.protocol.refusal import Refusal

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 64
"""More fields than any endpoint takes; more than this is refused before parsing them all."""

_INTEGER = re.compile(r"[0-9]{1,16}")
_SHOWN = 40


def _bad(msg: str) -> Refusal:
    return Refusal(ErrorCode.BAD_PARAMETER, msg)


def _shown(value: str) -> str:
    """A value quoted for an error message, cut short so a huge value cannot flood the reply."""
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "...")


def decode(text: str, where: str) -> list[tuple[str, str]]:
    """The `name=value` pairs of a query string or form body, in order, duplicates kept.

    Anything that is not well-formed `application/x-www-form-urlencoded` UTF-8 is refused.
    """
    if not text:
        return []
    try:
        return parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise _bad(f"the {where} is not valid UTF-8 after percent-decoding") from None
    except ValueError:
        raise _bad(f"the {where} is not name=value pairs joined by '&'") from None


def decode_body(body: bytes) -> list[tuple[str, str]]:
    """The pairs of a form body; bytes that are not UTF-8 are refused."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("the request body is not UTF-8 form data") from None
    return decode(text, "request body")


def collect(endpoint: Endpoint, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The endpoint's parameters as a dict, checked for presence and shape.

    A name given twice is refused even if one value is empty; then empty values are dropped
    (empty means absent), names the endpoint does not take are refused, and required ones
    must be present. Signed endpoints also require `api_key`, `time` and `sign`.
    """
    seen: dict[str, str] = {}
    for name, value in pairs:
        if name in seen:
            raise _bad(f"parameter {_shown(name)} is given more than once")
        seen[name] = value
    params = {name: value for name, value in seen.items() if value != ""}
    for name in sorted(params):
        if name not in endpoint.allowed:
            raise _bad(f"{endpoint.path} does not take parameter {_shown(name)}")
    required = endpoint.required + (endpoints.SIGNED_PARAMS if endpoint.signed else ())
    for name in required:
        if name not in params:
            raise _bad(f"parameter {name!r} is missing")
    for name, value in params.items():
        check = _CHECKS.get((endpoint.name, name)) or _CHECKS.get(("", name))
        if check is not None:
            check(name, value)
    if endpoint is endpoints.PLACE_ORDER:
        _check_order_price(params)
    return params


def _check_order_price(params: dict[str, str]) -> None:
    """A limit order needs a price; a market order's price, if sent, is ignored (rev 2)."""
    if params["type"] == "1" and "price" not in params:
        raise _bad("parameter 'price' is missing: a limit order (type 1) needs a price")


def integer(name: str, value: str) -> int:
    """A decimal integer string (ASCII digits only, no sign): what `time` must be."""
    if not _INTEGER.fullmatch(value):
        raise _bad(f"parameter {name!r} must be a decimal integer, got {_shown(value)}")
    return int(value)


def _one_of(choices: tuple[str, ...]) -> Callable[[str, str], None]:
    def check(name: str, value: str) -> None:
        if value not in choices:
            allowed = ", ".join(choices)
            raise _bad(f"parameter {name!r} must be one of {allowed}, got {_shown(value)}")

    return check


def _in_range(low: int, high: int | None) -> Callable[[str, str], None]:
    def check(name: str, value: str) -> None:
        number = integer(name, value)
        if number < low or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise _bad(f"parameter {name!r} must be an integer {bounds}, got {_shown(value)}")

    return check


def _integer_check(name: str, value: str) -> None:
    integer(name, value)


def date(name: str, value: str) -> int:
    """`startDate` / `endDate` as Unix ms: sent as ms or as `yyyy-MM-dd HH:mm:ss` UTC (rev 2)."""
    try:
        return codec.date_param_from_wire(value)
    except codec.CodecError:
        raise _bad(
            f"parameter {name!r} must be Unix ms or a UTC date as yyyy-MM-dd HH:mm:ss, "
            f"got {_shown(value)}"
        ) from None


def _date_check(name: str, value: str) -> None:
    date(name, value)


def _order_id(name: str, value: str) -> None:
    if not value.isascii() or not value.isdigit():
        raise _bad(f"parameter {name!r} must be an order id (digits), got {_shown(value)}")


_CHECKS: dict[tuple[str, str], Callable[[str, str], None]] = {
    ("", "time"): _integer_check,
    ("", "startDate"): _date_check,
    ("", "endDate"): _date_check,
    ("", "sort"): _one_of(endpoints.SORT_VALUES),
    ("", "fee_is_user_exchange_coin"): _one_of(endpoints.FEE_COIN_VALUES),
    ("", "page"): _in_range(1, None),
    ("", "pageSize"): _in_range(1, endpoints.MAX_PAGE_SIZE),
    ("", "side"): _one_of(("BUY", "SELL")),
    ("", "order_id"): _order_id,
    ("", "type"): _one_of(("1", "2")),
    (endpoints.DEPTH.name, "type"): _one_of(endpoints.DEPTH_TYPES),
    ("", "period"): _one_of(tuple(str(p) for p in endpoints.KLINE_PERIODS_MIN)),
}
"""Shape checks by (endpoint name or "" for any, parameter name)."""
