"""Key, time-window and signature checks of signed requests (PROTOCOL.md section 3).

Run in the protocol's order: api_key known (`100003`), time window (`100006`), signature
(`100005`). Messages never contain the secret or the expected signature.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from cdx.protocol import signing
from cdx.protocol.errors import ErrorCode
from cdx.protocol.refusal import Refusal


class Credentials:
    """The API keys the front accepts and their secrets; the repr shows keys only."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        self._secrets = dict(secrets)

    def __repr__(self) -> str:
        return f"Credentials(keys={sorted(self._secrets)!r})"

    def __contains__(self, api_key: object) -> bool:
        return api_key in self._secrets

    def authenticate(self, params: Mapping[str, str], now_ms: int) -> str:
        """The api_key of a correctly signed, fresh request; else `Refusal` with the code.

        `params` must already have passed the shape checks (`time` is a decimal integer).
        """
        api_key = params["api_key"]
        secret = self._secrets.get(api_key)
        if secret is None:
            raise Refusal(ErrorCode.UNKNOWN_API_KEY, "unknown api_key; check the configured key")
        sent = int(params["time"])
        if not signing.time_in_window(now_ms, sent):
            offset = sent - now_ms
            raise Refusal(
                ErrorCode.TIME_WINDOW,
                f"time {sent} is {offset:+d} ms from server time {now_ms} "
                f"(allowed ±{signing.TIME_WINDOW_MS} ms); check the system clock",
            )
        expected = signing.sign(params, secret)
        if not hmac.compare_digest(expected.encode(), params["sign"].encode()):
            raise Refusal(
                ErrorCode.BAD_SIGNATURE,
                "sign does not match the parameters; check the api secret and that the "
                "values signed are exactly the values sent",
            )
        return api_key
