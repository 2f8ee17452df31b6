"""The embedded exchange's fixed market list, demo account and starting prices.

These are data, not configuration: the screenshots, snapshots and tests rely on them being the
same on every run.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from cdx.model.symbol import Symbol

DEFAULT_SYMBOLS: tuple[Symbol, ...] = (
    Symbol("btcusdt", "btc", "usdt", 2, 6, Decimal("0.0001"), Decimal("5")),
    Symbol("ethusdt", "eth", "usdt", 2, 4, Decimal("0.001"), Decimal("5")),
    Symbol("ethbtc", "eth", "btc", 6, 4, Decimal("0.001"), Decimal("0.0001")),
    Symbol("solusdt", "sol", "usdt", 3, 2, Decimal("0.1"), Decimal("5")),
)
"""Every symbol the embedded exchange lists, in the order `GET /v1/symbols` returns them."""

DEMO_BALANCES: Mapping[str, Decimal] = MappingProxyType(
    {
        "btc": Decimal("2"),
        "eth": Decimal("20"),
        "usdt": Decimal("100000"),
        "sol": Decimal("500"),
    }
)
"""What the demo account starts with: enough to trade every symbol both ways."""

DEMO_API_KEY = "demo"
"""The demo account's API key: `cdx`, `cdx sim` and `cdx doctor` open (or sign as) this
account unless told otherwise."""

DEMO_API_SECRET = "demo-secret"
"""The demo account's secret; public on purpose (the embedded exchange holds no real funds),
so `cdx sim` lets `--api-secret` or `CDX_SIM_API_SECRET` replace it."""

REFERENCE_PRICES: Mapping[str, Decimal] = MappingProxyType(
    {
        "btcusdt": Decimal("27000.00"),
        "ethusdt": Decimal("1800.00"),
        "ethbtc": Decimal("0.066700"),
        "solusdt": Decimal("21.500"),
    }
)
"""Mid prices the synthetic market starts from and slowly reverts to, so it never drifts away."""

TYPICAL_SIZES: Mapping[str, Decimal] = MappingProxyType(
    {
        "btcusdt": Decimal("0.05"),
        "ethusdt": Decimal("0.8"),
        "ethbtc": Decimal("0.8"),
        "solusdt": Decimal("40"),
    }
)
"""Median base amount of a synthetic maker's order; takers trade a fraction of it."""
