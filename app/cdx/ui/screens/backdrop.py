"""The dimmed dashboard behind a dialog, drawn from the strips the dashboard already has.

A dialog's screen is translucent, so Textual draws the screen beneath as its background:
it renders that screen through Rich, splits the result into lines again and blends the
colours of every segment, and it does so twice per dialog (when the dialog's screen resumes
and when it is sized). In a profile of Enter → dialog that was half of the time to the frame.
The same picture is made here from the beneath screen's composed strips, each distinct style
blended once (a screen uses a few dozen): what the user sees is unchanged, the work is a
fraction.

It reads the screen's compositor, which Textual does not publish; should that ever fail,
the dialog falls back to Textual's own drawing instead of failing to open.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.color import Color
from textual.css.styles import RulesMap
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, RichVisual, Visual
from textual.widget import Widget

log = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")

_TINTED: dict[Color, dict[RichStyle | None, RichStyle]] = {}
_TINTED_MAX = 4096
"""Styles seen under a dialog, tinted once each per veil colour; a few dozen in practice,
bounded anyway."""


def tints(color: Color) -> dict[RichStyle | None, RichStyle]:
    """The styles already tinted with `color`, by the style they were."""
    found = _TINTED.get(color)
    if found is None or len(found) >= _TINTED_MAX:
        found = _TINTED[color] = {}
    return found


def tinted(style: RichStyle | None, color: Color) -> RichStyle:
    """`style` under a veil of `color` (with alpha), without links or meta: the colours
    blended as Textual blends a translucent screen's background."""
    plain = RichStyle() if style is None else style.clear_meta_and_links()
    foreground = style.color if style is not None else None
    background = style.bgcolor if style is not None else None
    return plain + RichStyle.from_color(
        (Color.from_rich_color(foreground) + color).rich_color if foreground else None,
        (Color.from_rich_color(background) + color).rich_color if background else None,
    )


class Backdrop(Visual):
    """The screen beneath `drawn_by`, tinted."""

    def __init__(self, veiled: BackgroundScreen, drawn_by: Widget) -> None:
        self.veiled = veiled
        self.drawn_by = drawn_by

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        lines = height if height is not None else self.veiled.screen.size.height
        try:
            return self._tint_beneath(width, lines)
        except Exception:  # Textual's private drawing changed: draw it Textual's way
            log.exception("dialog backdrop: falling back to Textual's translucent drawing")
            return RichVisual(self.drawn_by, self.veiled).render_strips(
                width, height, style, options
            )

    def _tint_beneath(self, width: int, height: int) -> list[Strip]:
        color = self.veiled.color
        known = tints(color)
        lines = self.veiled.screen._compositor.render_strips()
        strips = []
        for line in lines[:height]:
            segments = []
            for text, style, control in line:
                if control:
                    segments.append(Segment(text, style, control))
                    continue
                veiled = known.get(style)
                if veiled is None:
                    veiled = known[style] = tinted(style, color)
                segments.append(Segment(text, veiled))
            strips.append(Strip(segments, line.cell_length).crop_extend(0, width, None))
        blank = Strip.blank(width, tinted(None, color))
        return strips + [blank] * (height - len(strips))

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.veiled.screen.size.height


class DialogScreen(ModalScreen[ResultT]):
    """A modal screen over the dimmed dashboard, its backdrop drawn by `Backdrop` and kept
    for as long as the dialog is open (the screen beneath is not redrawn under a dialog)."""

    _backdrop: Backdrop | None = None

    def render(self) -> RenderableType | Visual:
        drawn = super().render()
        if not isinstance(drawn, BackgroundScreen):
            return drawn
        kept = self._backdrop
        if (
            kept is None
            or kept.veiled.screen is not drawn.screen
            or kept.veiled.color != drawn.color
        ):
            kept = self._backdrop = Backdrop(drawn, self)
        return kept
