"""The one exception the front raises to refuse a request with an envelope code."""

from __future__ import annotations

from cdx.protocol.errors import ErrorCode


class Refused(Exception):
    """A request refused with `code`; `msg` is safe to send (it never holds a secret).

    `status` overrides the HTTP status the code normally travels with (404, 405, 413).
    """

    def __init__(self, code: ErrorCode, msg: str, *, status: int | None = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status if status is not None else code.http_status
