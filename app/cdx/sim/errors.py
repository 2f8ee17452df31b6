"""The refusal the engine raises (to be replaced by `cdx.protocol.refusal.Refusal`)."""

from __future__ import annotations

from cdx.protocol.errors import ErrorCode


class EngineError(Exception):
    """A request the exchange refuses; `msg` names the parameter and what is wrong, for a user."""

    def __init__(self, code: ErrorCode, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg

    def __repr__(self) -> str:
        return f"EngineError({self.code.value!r}, {self.msg!r})"
