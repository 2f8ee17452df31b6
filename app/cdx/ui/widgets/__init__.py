"""The dashboard's market-data widgets; each module holds one widget, named for what it shows."""

from __future__ import annotations

from cdx.ui.widgets.ladder import Ladder

__all__ = ["Ladder"]
