"""Stale means stop: how the dashboard shows data it must not be traded from, and says why.

`MarketState.staleness` decides (age past `TRADE_STALE_AFTER_S`, or the link down after it was
up); this module turns its answer into what the user sees: the ladder and the ticker dimmed
(CSS class `-stale`) and labelled `STALE 3s`, and the sentence the order form and the
confirmation refuse with. The label counts whole seconds and is only written when it changes,
so a stale screen left alone repaints once a second, and a live one never (issue 12's idle
cost).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdx.ui.format import fmt_seconds
from cdx.ui.state import Staleness

if TYPE_CHECKING:
    from textual.widget import Widget

    from cdx.ui.widgets.order_form import OrderForm
    from cdx.ui.widgets.ticker_bar import TickerBar

STALE_CLASS = "-stale"


def stale_label(staleness: Staleness | None) -> str | None:
    """`STALE 3s`, `STALE 3s reconnecting`; None when the data is live.

    Whole seconds below a minute (`fmt_seconds` beyond), so the text changes at most once a
    second.
    """
    if staleness is None:
        return None
    age = staleness.age
    parts = ["STALE"]
    if age is not None:
        parts.append(fmt_seconds(age) if age >= 10 else f"{int(age)}s")
    if staleness.why:
        parts.append(staleness.why)
    return " ".join(parts)


def refusal(staleness: Staleness | None) -> str | None:
    """Why an order is not sent from this data (None when it may be): the age to a tenth of a
    second, what is wrong with the link, and what to do."""
    if staleness is None:
        return None
    why = f", {staleness.why}" if staleness.why else ""
    if staleness.age is None:
        what = f"No live market data{f' ({staleness.why})' if staleness.why else ''}"
    else:
        what = f"Book is {staleness.age:.1f} s old (stale{why})"
    return f"{what}: not sending; wait for live data"


class StaleMarks:
    """Puts one staleness on the ladder, the ticker and the form, writing only changes.

    The ladder is a row-cached widget of its own: it is dimmed by its CSS class (the styles
    apply `text-opacity` over its cached lines) and labelled in its bottom border, whose
    text it does not draw itself.
    """

    def __init__(self) -> None:
        self._label: str | None = None
        self._subtitle: str | None = None

    @property
    def label(self) -> str | None:
        """What is shown now (`STALE 3s ...`), None while live."""
        return self._label

    def show(
        self,
        staleness: Staleness | None,
        *,
        ladder: Widget,
        ticker: TickerBar,
        form: OrderForm,
    ) -> None:
        """Show `staleness` (None: live) on the three widgets; cheap when nothing changed."""
        form.set_stale(refusal(staleness))
        label = stale_label(staleness)
        if label == self._label:
            return
        was_stale, self._label = self._label is not None, label
        stale = label is not None
        ladder.set_class(stale, STALE_CLASS)
        ticker.set_stale(label)
        if stale:
            if not was_stale:
                self._subtitle = ladder.border_subtitle  # another part's text, given back
            ladder.border_subtitle = label
        elif was_stale:
            ladder.border_subtitle = self._subtitle or ""
