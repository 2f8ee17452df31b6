"""Key bindings as data: what the help screen, the command palette and the dialogs' key lines
are built from, so no key is ever spelled twice (once bound, once described by hand).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

KEY_NAMES: dict[str, str] = {
    "enter": "Enter",
    "escape": "Esc",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "up": "up",
    "down": "down",
    "pageup": "PageUp",
    "pagedown": "PageDown",
    "home": "Home",
}
"""How a few named keys are written for people (the rest as the footer writes them)."""


class KeyDisplay(Protocol):
    """What can turn a binding into the text a footer shows (a Textual `App`)."""

    def get_key_display(self, binding: Binding) -> str: ...


def declared(owner: type[DOMNode]) -> list[Binding]:
    """The bindings a class declares itself (not those it inherits from Textual), described."""
    bindings: Iterable[BindingType] = owner.__dict__.get("BINDINGS", [])
    return [binding for binding in Binding.make_bindings(bindings) if binding.description]


def priority_actions(bindings: Iterable[BindingType]) -> frozenset[str]:
    """The action names (without arguments) of the priority bindings among `bindings`."""
    return frozenset(
        binding.action.split("(", 1)[0]
        for binding in Binding.make_bindings(bindings)
        if binding.priority
    )


def key_label(app: KeyDisplay, binding: Binding) -> str:
    """A binding's key(s) as the footer shows them (`ctrl+p` -> `^p`), single characters as
    typed; a binding of several keys lists them all."""
    if binding.key_display:
        return binding.key_display
    return ", ".join(
        KEY_NAMES.get(key) or app.get_key_display(Binding(key, ""))
        for key in binding.key.split(",")
    )


def hint(app: KeyDisplay, owner: type[DOMNode], *ids: str) -> str:
    """One line of `owner`'s keys, grouped by action: `Enter / y: confirm    Esc / n: abort`.

    Only the bindings named by `ids` when any are given, in declaration order; the words are
    the first binding's description of each action.
    """
    actions: dict[str, tuple[list[str], str]] = {}
    for binding in declared(owner):
        if ids and binding.id not in ids:
            continue
        keys, _ = actions.setdefault(binding.action, ([], binding.description.lower()))
        keys.append(key_label(app, binding))
    return "    ".join(f"{' / '.join(keys)}: {words}" for keys, words in actions.values())


TRADING_KEYS = "b,s,B,S,c,C,x,m"
"""The keys that place, cancel or move orders: off in read-only mode."""


def _dashboard(
    key: str, action: str, description: str, id: str, tooltip: str = "", *, show: bool = True
) -> Binding:
    """A dashboard key: priority (routed as it is read), and shown as typed when a symbol."""
    display = {"question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]"}
    return Binding(
        key,
        action,
        description,
        key_display=display.get(key, "/" if key == "slash" else None),
        priority=True,
        id=id,
        tooltip=tooltip,
        show=show,
    )


DASHBOARD_BINDINGS: list[BindingType] = [
    # Help and Quit come first: the footer cuts what does not fit, and at 80 columns a user
    # must still see how to find every other key.
    _dashboard("question_mark", "help", "Help", "help", "Help: every key of the dashboard"),
    _dashboard("q", "quit", "Quit", "quit", "Quit cdx"),
    # Third, so that it shows at 80 columns too, where it is the way to the hidden panels.
    _dashboard(
        "v", "side_panel", "Panels", "side-panel", "Panels: show the trades / watchlist in turn"
    ),
    _dashboard("b", "limit('BUY')", "Buy", "limit-buy", "Limit buy: order form at a price"),
    _dashboard("s", "limit('SELL')", "Sell", "limit-sell", "Limit sell: order form at a price"),
    _dashboard("B", "market('BUY')", "Mkt buy", "market-buy", "Market buy: spend quote coin"),
    _dashboard("S", "market('SELL')", "Mkt sell", "market-sell", "Market sell at the market"),
    _dashboard("c", "cancel", "Cancel", "cancel", "Cancel the selected order"),
    # Secondary (or shown elsewhere: the ladder's selector line shows the steps): kept out of
    # the footer so the primary keys fit, still in `?` help and the palette.
    _dashboard(
        "C",
        "cancel_all",
        "Cancel all",
        "cancel-all",
        "Cancel all orders of the symbol",
        show=False,
    ),
    _dashboard("o", "orders_tab", "Orders", "orders-tab", "Orders panel: Open, History, Fills"),
    _dashboard(
        "x",
        "ladder_cancel",
        "Cancel at price",
        "ladder-cancel",
        "Cancel our orders at the ladder cursor's price",
        show=False,
    ),
    _dashboard(
        "m",
        "ladder_move",
        "Move order",
        "ladder-move",
        "Move our order at the cursor's price: m, go to the new price, m or Enter",
        show=False,
    ),
    _dashboard(
        "left_square_bracket",
        "step(-1)",
        "Finer",
        "step-finer",
        "Finer depth step: aggregate the ladder less",
        show=False,
    ),
    _dashboard(
        "right_square_bracket",
        "step(1)",
        "Coarser",
        "step-coarser",
        "Coarser depth step: aggregate the ladder more",
        show=False,
    ),
    _dashboard("slash", "pick_symbol", "Symbol", "pick-symbol", "Pick symbol: type to filter"),
    Binding("ctrl+p", "command_palette", "Palette", id="command-palette"),
    # Read-only: the trading keys above are hidden, and this says why when one is pressed
    # (`cdx.ui.trading_gate`). No description: not a key of its own in the help or footer.
    Binding(TRADING_KEYS, "refuse_trading", show=False, priority=True, id="refuse-trading"),
]
"""The dashboard's own keys (README's Keys table); the id names each for a keymap, the
tooltip is its command palette entry (and the footer's tooltip)."""
