"""One widget's display failure stays in that widget (issue 10).

Everything on screen was a server's number once. The protocol gate checks values before they
become model objects, but a value that slips through, or a bug in a line builder, must cost at
most the panel that shows it: that panel says "display error, see log" and the rest of the
screen keeps updating. Textual ends the whole app on an exception raised while rendering, in a
timer or in a message handler, so every place that formats server data is entered through
`contained`, and every dashboard widget mixes in `Contained`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, overload

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

log = logging.getLogger(__name__)

DISPLAY_ERROR = "display error, see log"
"""What a widget shows in place of its content after a failure (the traceback is in the log)."""

F = TypeVar("F", bound=Callable[..., Any])

_RENDERERS = ("render", "render_line")


class FailureLog:
    """Logs a failure with its traceback once, and repeats of the same failure quietly.

    A panel fed a bad value ten times a second would otherwise fill the log with one traceback
    per repaint; a different failure (another place, type or message) is logged in full.
    """

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._last: tuple[str, type[BaseException], str] | None = None

    def failed(self, where: str, exc: BaseException) -> bool:
        """Record a failure; True if it is new (logged with its traceback)."""
        signature = (where, type(exc), str(exc)[:200])
        if signature == self._last:
            log.debug("%s: %s failed again: %s", self._owner, where, type(exc).__name__)
            return False
        self._last = signature
        log.error("%s: %s failed; shown as a display error", self._owner, where, exc_info=exc)
        return True

    def recovered(self) -> bool:
        """The owner worked again; True if it had failed (a repeat is then logged again)."""
        if self._last is None:
            return False
        log.info("%s: display recovered", self._owner)
        self._last = None
        return True


@overload
def contained(method: F) -> F: ...
@overload
def contained(*, default: object) -> Callable[[F], F]: ...
def contained(method: Callable[..., Any] | None = None, *, default: object = None) -> Any:
    """Make a method of a `Contained` widget (or of the app) unable to raise `Exception`.

    On failure the owner's `contained_failure(where, exc)` is told and `default` returned
    (for `render` / `render_line`, the owner's error rendering instead). A method that is not a
    renderer and returns normally, with no contained failure inside it either, tells
    `contained_success()`: fresh data drew without trouble, so the panel may show it again.
    The owner counts failures in `contained_failures`.
    """

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        if getattr(function, "__contained__", False):
            return function
        name = function.__name__
        renderer = name in _RENDERERS

        @functools.wraps(function)
        def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
            if renderer and self.display_failure is not None:
                return self.failure_rendering(name, *args)
            failures = self.contained_failures
            try:
                result = function(self, *args, **kwargs)
            except Exception as exc:
                self.contained_failures += 1
                self.contained_failure(function.__qualname__, exc)
                return self.failure_rendering(name, *args) if renderer else default
            if not renderer and self.contained_failures == failures:
                self.contained_success()
            return result

        guarded.__contained__ = True  # type: ignore[attr-defined]
        return guarded

    return decorate(method) if method is not None else decorate


class Contained:
    """Mixin (listed first) for a widget whose rendering and `@contained` methods never take
    the app down: `class Ladder(Contained, Widget)`.

    `render` and `render_line`, wherever the subclass gets them from, are wrapped
    automatically, so a new widget cannot forget; its entry points that lay out or format
    server data (`show`, `_update`, ...) are marked `@contained`. After a failure the widget
    draws one line, `DISPLAY_ERROR` in its `display--error` component style, until an entry
    point succeeds again. Widgets whose content is drawn by child widgets override
    `show_display_failure`.

    A plain mixin rather than a `Widget` base: Textual inherits CSS and component classes
    along the first base only, which must stay the real widget class (`DataTable`, `Vertical`).
    """

    ERROR_CLASS: ClassVar[str] = "display--error"

    display_failure: str | None = None
    """Why the widget shows `DISPLAY_ERROR` instead of its content, or None."""

    contained_failures: int = 0
    """How many contained calls have failed so far (an inner failure spoils an outer success)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("COMPONENT_CLASSES", set())
        cls.COMPONENT_CLASSES = {*own, cls.ERROR_CLASS}  # type: ignore[attr-defined]
        for name in _RENDERERS:
            method = getattr(cls, name)
            if method is not getattr(Widget, name):
                setattr(cls, name, contained(method))

    @property
    def _failure_log(self: Any) -> FailureLog:
        failures = self.__dict__.get("_contained_failures")
        if failures is None:
            failures = self.__dict__["_contained_failures"] = FailureLog(type(self).__name__)
        return failures

    def contained_failure(self: Any, where: str, exc: Exception) -> None:
        """An entry point or renderer failed: log it and show the widget as failed."""
        self._failure_log.failed(where, exc)
        if self.display_failure is None:
            self.display_failure = f"{type(exc).__name__}: {exc}"[:200]
            self.show_display_failure(DISPLAY_ERROR)

    def contained_success(self: Any) -> None:
        """An entry point succeeded: draw the content again if the widget had failed."""
        if self.display_failure is not None:
            self.display_failure = None
            self._failure_log.recovered()
            self.show_display_failure(None)

    def show_display_failure(self: Any, text: str | None) -> None:
        """Show `text` instead of the content (None: the content again). Repaints by default."""
        if self.is_attached:
            self.refresh(layout=True)

    def failure_rendering(self: Any, renderer: str, *args: Any) -> Any:
        """What `render` / `render_line` return while the widget shows a failure."""
        try:
            style = self.get_component_rich_style(self.ERROR_CLASS)
        except Exception:  # styles not resolvable (yet): plain is better than a crash
            style = Style(italic=True)
        if renderer == "render":
            return Text(f" {DISPLAY_ERROR}", style=style, no_wrap=True, end="")
        width = self.size.width
        y = args[0] if args else 0
        text = f" {DISPLAY_ERROR}" if y == 0 else ""
        return Strip([Segment(text, style)]).crop_extend(0, width, self.rich_style)
