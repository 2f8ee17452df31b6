"""The depth ladder as a user sees it: asks above bids, the selector, the cursor, own orders."""

from __future__ import annotations

from decimal import Decimal as D

from textual.app import App, ComposeResult
from textual.geometry import Region

from cdx.model.book import Book, Level
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui import STYLES_DIR
from cdx.ui.widgets.ladder import OWN_MARKER, Ladder

BTC = Symbol("btcusdt", "btc", "usdt", 2, 6, D("0.0001"), D("5"))

ASKS: tuple[Level, ...] = (
    (D("27001.13"), D("0.250000")),
    (D("27001.50"), D("1.000000")),
    (D("27002.00"), D("0.500000")),
    (D("27003.00"), D("2.000000")),
)
BIDS: tuple[Level, ...] = (
    (D("27000.99"), D("1.000000")),
    (D("27000.50"), D("0.300000")),
    (D("26999.00"), D("4.000000")),
    (D("26998.00"), D("5.000000")),
)
BOOK = Book(ASKS, BIDS, time=1_700_000_000_000)


def order(side: Side, price: str, status: OrderStatus = OrderStatus.NEW) -> Order:
    return Order(
        id="1",
        symbol="btcusdt",
        side=side,
        type=OrderType.LIMIT,
        price=D(price),
        volume=D("0.010000"),
        deal_volume=D(0),
        deal_money=D(0),
        avg_price=D(0),
        fee=D(0),
        fee_coin="btc",
        status=status,
        created_at=0,
    )


class LadderApp(App[None]):
    CSS_PATH = STYLES_DIR / "widgets.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.picked: list[Ladder.PricePicked] = []
        self.steps: list[int] = []

    def compose(self) -> ComposeResult:
        yield Ladder()

    def on_ladder_price_picked(self, message: Ladder.PricePicked) -> None:
        self.picked.append(message)

    def on_ladder_step_changed(self, message: Ladder.StepChanged) -> None:
        self.steps.append(message.step)


def lines(ladder: Ladder) -> list[str]:
    return [ladder.render_line(y).text for y in range(ladder.size.height)]


def row_of(ladder: Ladder, price: str) -> str:
    matches = [line for line in lines(ladder) if f" {price} " in line]
    assert len(matches) == 1, (price, lines(ladder))
    return matches[0]


async def test_asks_above_spread_line_above_bids_best_prices_in_the_middle() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        text = lines(ladder)
        spread = next(y for y, line in enumerate(text) if "spread" in line)
        assert "27,001.13" in text[spread - 1]  # best ask right above the spread line
        assert "27,000.99" in text[spread + 1]  # best bid right below it
        assert "27,003.00" in text[spread - 4]  # worst shown ask at the top
        assert "spread 0.14" in text[spread]
        ask_ys = [y for y, line in enumerate(text) if "27,00" in line and y < spread]
        bid_ys = [y for y, line in enumerate(text) if ("27,00" in line or "26,99" in line)]
        assert max(ask_ys) < spread < min(y for y in bid_ys if y > spread)


async def test_columns_show_price_amount_and_cumulative_amount_from_the_spread_out() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        header = lines(ladder)[1]
        assert header.index("Price") < header.index("Amount") < header.index("Total")
        assert row_of(ladder, "27,002.00").split()[:3] == ["27,002.00", "0.500000", "1.750000"]
        assert row_of(ladder, "26,999.00").split()[:3] == ["26,999.00", "4.000000", "5.300000"]


async def test_depth_bars_grow_with_cumulative_amount() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        bars = [
            row_of(ladder, price).count("█") for price in ("27,000.99", "26,999.00", "26,998.00")
        ]
        assert bars[0] < bars[1] < bars[2]


async def test_own_orders_are_marked_at_their_level_at_step0() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0, [order(Side.BUY, "26999.00"), order(Side.SELL, "27002.00")])
        await pilot.pause()
        assert row_of(ladder, "26,999.00").startswith(OWN_MARKER)
        assert row_of(ladder, "27,002.00").startswith(OWN_MARKER)
        assert not row_of(ladder, "27,000.99").startswith(OWN_MARKER)
        marked = [line for line in lines(ladder) if line.startswith(OWN_MARKER)]
        assert len(marked) == 2


async def test_own_orders_are_marked_at_their_bucket_at_step1_bid_floor_ask_ceiling() -> None:
    step1 = Book(
        asks=((D("27001.2"), D("0.25")), (D("27001.5"), D("1")), (D("27002.0"), D("0.5"))),
        bids=((D("27000.9"), D("1")), (D("27000.5"), D("0.3")), (D("26999.0"), D("4"))),
    )
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        # A bid at 27000.97 rests in the 27000.9 bucket, an ask at 27001.13 in the 27001.2 one.
        own = [order(Side.BUY, "27000.97"), order(Side.SELL, "27001.13")]
        ladder.step = 1
        ladder.show(step1, BTC, 1, own)
        await pilot.pause()
        assert row_of(ladder, "27,000.9").startswith(OWN_MARKER)
        assert row_of(ladder, "27,001.2").startswith(OWN_MARKER)
        assert not row_of(ladder, "27,001.5").startswith(OWN_MARKER)


async def test_own_order_deeper_than_the_view_takes_the_outermost_row() -> None:
    deep_bids = (*BIDS, *((D(26990) - i, D("1.000000")) for i in range(20)))
    deep = Book(ASKS, deep_bids, time=1)
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(deep, BTC, 0, [order(Side.BUY, "26975.00")])
        await pilot.pause()
        shown = lines(ladder)
        marked = [line for line in shown if line.startswith(OWN_MARKER)]
        assert len(marked) == 1 and " 26,975.00 " in marked[0]
        # It is the last bid row, with the true cumulative depth down to its level
        # (1 + 0.3 + 4 + 5 + 16 levels of 1).
        bid_rows = [line for line in shown if "," in line and shown.index(line) > 2]
        assert bid_rows[-1] == marked[0]
        assert "26.300000" in marked[0]
        # The best bid is still where it was.
        assert any(" 27,000.99 " in line for line in shown)


async def test_finished_orders_are_not_marked() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0, [order(Side.BUY, "26999.00", OrderStatus.CANCELED)])
        await pilot.pause()
        assert not any(line.startswith(OWN_MARKER) for line in lines(ladder))


async def test_selector_highlights_the_step_chosen() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        assert "[step0]  step1   step2" in lines(ladder)[0]
        ladder.step = 2
        ladder.show(BOOK, BTC, 2)
        await pilot.pause()
        assert "step0   step1  [step2]" in lines(ladder)[0]


async def test_bracket_keys_change_the_step_and_ask_the_app_for_that_book() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.press("right_square_bracket")
        assert ladder.step == 1
        assert app.steps == [1]
        assert "[step1]" in lines(ladder)[0]
        # Until the step1 snapshot arrives the step0 book is shown aggregated at step1.
        assert "27,001.2" in " ".join(lines(ladder))
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert ladder.step == 0
        assert app.steps == [1, 0]  # step0 is the finest: the second `[` does nothing


async def test_cursor_moves_with_up_and_down_across_the_spread() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        ladder.focus()
        await pilot.pause()
        # The cursor starts at the spread, on the best ask.
        assert (ladder.cursor_side, ladder.cursor_price) == (Side.SELL, D("27001.13"))
        await pilot.press("up")
        assert ladder.cursor_price == D("27001.50")
        await pilot.press("down", "down")
        assert (ladder.cursor_side, ladder.cursor_price) == (Side.BUY, D("27000.99"))
        await pilot.press("down")
        assert ladder.cursor_price == D("27000.50")


async def test_enter_on_an_ask_row_picks_sell_and_on_a_bid_row_buy_at_its_price() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        ladder.focus()
        await pilot.press("up", "enter")
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        assert [(m.side, m.price) for m in app.picked] == [
            (Side.SELL, D("27001.50")),
            (Side.BUY, D("27000.50")),
        ]


async def test_enter_before_any_book_picks_nothing() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.picked == []


async def test_cursor_row_is_highlighted() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        ladder.focus()
        await pilot.press("down")
        cursor_style = ladder.get_component_rich_style("ladder--cursor")
        y = next(y for y, line in enumerate(lines(ladder)) if "27,000.99" in line)
        styles = {segment.style for segment in ladder.render_line(y) if segment.text.strip()}
        assert styles and all(style.bgcolor == cursor_style.bgcolor for style in styles)


async def test_ladder_fills_any_height_half_asks_half_bids() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 9)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        text = lines(ladder)
        assert len(ladder.rows) == 9
        spread = next(y for y, line in enumerate(text) if "spread" in line)
        assert text[spread - 1].split()[0] == "27,001.13"
        assert text[spread + 1].split()[0] == "27,000.99"
        assert sum("27,00" in line for line in text[:spread]) == 3


async def test_narrow_ladder_drops_bars_then_the_cumulative_column() -> None:
    app = LadderApp()
    async with app.run_test(size=(32, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        assert "█" not in "".join(lines(ladder))
        assert "Total" in lines(ladder)[1]
        await pilot.resize_terminal(24, 14)
        await pilot.pause()
        assert "Total" not in lines(ladder)[1]
        assert row_of(ladder, "27,001.13").split() == ["27,001.13", "0.250000"]
        assert all(len(line) == 24 for line in lines(ladder))


async def test_show_repaints_only_the_lines_that_changed() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        repainted: list[Region] = []
        original = ladder.refresh

        def spy(*regions: Region, **kwargs: bool) -> Ladder:
            repainted.extend(regions or [ladder.size.region])
            return original(*regions, **kwargs)

        ladder.refresh = spy  # type: ignore[method-assign]
        ladder.show(BOOK, BTC, 0)
        assert repainted == []
        # The deepest shown ask changes; the bids hold the deepest total, so the bar scale
        # stays and only that one row differs.
        asks = (*ASKS[:3], (D("27003.00"), D("2.100000")))
        ladder.show(Book(asks, BIDS), BTC, 0)
        y = next(y for y, line in enumerate(lines(ladder)) if "27,003.00" in line)
        assert repainted and {region.y for region in repainted} == {y}
        # Only the cells that changed: the price stayed, so its cells are not rewritten.
        price_end = lines(ladder)[y].index("27,003.00") + len("27,003.00")
        assert all(region.x >= price_end for region in repainted)


async def test_empty_ladder_says_it_is_waiting() -> None:
    app = LadderApp()
    async with app.run_test(size=(40, 10)) as pilot:
        ladder = app.query_one(Ladder)
        await pilot.pause()
        assert any("waiting for depth" in line for line in lines(ladder))
        ladder.show(BOOK, BTC, 0)
        ladder.clear()
        await pilot.pause()
        assert any("waiting for depth" in line for line in lines(ladder))


async def test_clicking_a_row_picks_its_price() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        y = next(y for y, line in enumerate(lines(ladder)) if "26,999.00" in line)
        await pilot.click(Ladder, offset=(3, y))
        await pilot.pause()
        assert [(m.side, m.price) for m in app.picked] == [(Side.BUY, D("26999.00"))]
        assert ladder.cursor_price == D("26999.00")


async def test_a_theme_switch_repaints_in_the_new_colours() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        y = next(y for y, line in enumerate(lines(ladder)) if "27,000.99" in line)

        def price_colour() -> object:
            segment = next(s for s in ladder.render_line(y) if "27,000.99" in s.text)
            assert segment.style is not None
            return segment.style.color

        before = price_colour()
        app.theme = "nord"
        await pilot.pause()
        assert price_colour() != before
        assert price_colour() == ladder.get_component_rich_style("ladder--bid").color


async def test_a_late_book_of_the_old_step_does_not_undo_the_users_step() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.press("right_square_bracket")
        ladder.show(BOOK, BTC, 0)  # pushed before the app switched its subscription
        await pilot.pause()
        assert ladder.step == 1
        assert "[step1]" in lines(ladder)[0]
        assert "27,001.2" in " ".join(lines(ladder))
        ladder.show(Book(((D("27001.2"), D("1")),), ((D("27000.9"), D("1")),)), BTC, 1)
        ladder.show(BOOK, BTC, 0)  # the step is the user's: a book never changes it
        await pilot.pause()
        assert ladder.step == 1
        assert "[step1]" in lines(ladder)[0]


async def test_going_finer_shows_loading_until_the_finer_book_arrives() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.step = 1
        ladder.show(BOOK, BTC, 1)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert ladder.step == 0
        assert any("loading step0" in line for line in lines(ladder))
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        assert not any("loading" in line for line in lines(ladder))
