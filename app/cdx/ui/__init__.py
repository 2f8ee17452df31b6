"""The Textual dashboard: the app, its screens and the market-data widgets.

`STYLES_DIR` is where the `.tcss` files live: inside the installed package (the wheel ships the
top-level `styles/` as `cdx/styles`) or, in an editable checkout, at the repository root. Apps
and tests load stylesheets from there so a widget looks the same everywhere.
"""

from __future__ import annotations

from pathlib import Path


def _find_styles_dir() -> Path:
    """The first of the packaged and the checkout `styles/` directories that exists."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "styles", package_dir.parent.parent / "styles"):
        if candidate.is_dir():
            return candidate
    return package_dir / "styles"


STYLES_DIR: Path = _find_styles_dir()
"""Directory holding `widgets.tcss` and `app.tcss`."""
