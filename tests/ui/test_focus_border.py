"""The panel holding the focus says so with its border, as the stylesheet's accent: the order
form while an order is typed, the orders panel once it has the focus, never both."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.color import Color
from textual.widget import Widget

from cdx.ui.widgets.order_form import OrderForm
from cdx.ui.widgets.orders_panel import OrdersPanel

if TYPE_CHECKING:
    from conftest import Dashboard


def lit(widget: Widget) -> bool:
    """Whether `widget`'s border is drawn in the theme's accent colour."""
    accent = Color.parse(widget.app.get_css_variables()["accent"])
    _, color = widget.styles.border_top
    return color == accent


async def test_the_border_follows_the_focus_between_form_and_orders(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        form, orders = app.query_one(OrderForm), app.query_one(OrdersPanel)
        assert not lit(form) and not lit(orders)
        await pilot.press("b")
        await dashboard.until(pilot, lambda: lit(form), "the form lit")
        assert not lit(orders)
        await pilot.press("tab")  # from the price to the amount: still inside the form
        await pilot.pause()
        assert lit(form) and not lit(orders)
        await pilot.press("escape")
        orders.open_orders.focus()
        await dashboard.until(pilot, lambda: lit(orders), "the orders lit")
        assert not lit(form)
        app.ladder.focus()
        await dashboard.until(pilot, lambda: not lit(orders), "the orders dark")
        assert not lit(form)
