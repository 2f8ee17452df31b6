"""API credentials: where they come from, and the guarantee that the secret is never printed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

ENV_KEY = "CDX_API_KEY"
ENV_SECRET = "CDX_API_SECRET"


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key and its secret.

    The secret is excluded from `repr` (and so from logs and tracebacks that show the object);
    it only ever enters the signing function, never the wire.
    """

    api_key: str
    secret: str = field(repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Credentials | None:
        """Credentials from `CDX_API_KEY` / `CDX_API_SECRET`, or None if either is unset or empty.

        Keys never come from the command line, where other users could read them in the
        process list; without them cdx works read-only on market data.
        """
        api_key = environ.get(ENV_KEY, "").strip()
        secret = environ.get(ENV_SECRET, "")
        if not api_key or not secret:
            return None
        return cls(api_key, secret)
