"""A dashboard left open all day holds no more for it: what repainting keeps is bounded.

The ladder, the tape and the watchlist repaint only the spans of their lines that changed
(`RowLines`). Textual also noted each such span in a set that only a `render()` widget ever
reads and clears; a Line-API widget never did, so every span not seen before stayed for the
rest of the session (the ladder's memory grew for as long as the market moved).
"""

from __future__ import annotations

from decimal import Decimal as D

from textual.app import App, ComposeResult

from cdx.model.market import Trade
from cdx.model.order import Side
from cdx.model.symbol import Symbol
from cdx.ui import STYLES_DIR
from cdx.ui.widgets.trades_tape import TradesTape

BTC = Symbol("btcusdt", "btc", "usdt", 2, 6, D("0.0001"), D("5"))
T0 = 1_700_000_000_000


class Host(App[None]):
    CSS_PATH = STYLES_DIR / "widgets.tcss"

    def __init__(self, tape: TradesTape) -> None:
        super().__init__()
        self.tape = tape

    def compose(self) -> ComposeResult:
        yield self.tape


async def test_a_tape_that_repainted_many_different_spans_keeps_none_of_them() -> None:
    tape = TradesTape()
    async with Host(tape).run_test(size=(40, 12)) as pilot:
        for n in range(300):  # prices and amounts that change different digits each time
            price = D(27000) + D(n * 37 % 1000) / 100
            amount = D(n * 7919 % 100000) / 10**6
            tape.add_trades([Trade(str(n), price, amount, Side.BUY, T0 + n * 1000)], BTC)
            if n % 50 == 0:
                await pilot.pause()
        await pilot.pause()
        # What the user sees is the newest trade on top...
        assert tape.render_line(1).text.split()[1] == f"{D(27000) + D(299 * 37 % 1000) / 100:,}"
        # ...and nothing of the 300 repaints is held (before: hundreds of regions, growing).
        assert len(tape._dirty_regions) == 0
