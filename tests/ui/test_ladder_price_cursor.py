"""The ladder as a price ladder: the cursor is a price, the whole book scrolls, gaps add up."""

from __future__ import annotations

from decimal import Decimal as D

from test_widgets_ladder import ASKS, BIDS, BOOK, BTC, LadderApp, lines, order, row_of

from cdx.model.book import Book
from cdx.model.order import Side
from cdx.ui import STYLES_DIR
from cdx.ui.widgets.ladder import OWN_MARKER, Ladder
from cdx.ui.widgets.ladder_layout import VACANT

DEEP = Book(
    tuple((D(27001) + i, D("1.000000")) for i in range(150)),
    tuple((D(27000) - i, D("1.000000")) for i in range(150)),
    time=1,
)
"""150 levels a side, one unit each: asks 27,001..27,150, bids 27,000..26,851."""


def cursor_line(ladder: Ladder) -> tuple[int, str]:
    """(screen row, text) of the highlighted row."""
    text = lines(ladder)
    [y] = [y for y, row in enumerate(ladder.rows) if row.cursor]
    return y, text[y]


async def test_cursor_starts_on_the_best_ask_once_the_first_book_arrives() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        await pilot.pause()
        assert ladder.cursor_price is None
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        assert (ladder.cursor_side, ladder.cursor_price) == (Side.SELL, D("27001.13"))
        assert " 27,001.13 " in cursor_line(ladder)[1]


async def test_cursor_stays_on_its_price_while_levels_come_and_go_around_it() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        ladder.focus()
        await pilot.press("down")  # the best bid, 27,000.99
        assert ladder.cursor_price == D("27000.99")
        # Two better bids arrive above it and the level below it goes.
        bids = ((D("27001.05"), D("1")), (D("27001.01"), D("1")), BIDS[0], *BIDS[2:])
        ladder.show(Book(ASKS, bids), BTC, 0)
        await pilot.pause()
        assert (ladder.cursor_side, ladder.cursor_price) == (Side.BUY, D("27000.99"))
        assert " 27,000.99 " in cursor_line(ladder)[1]
        await pilot.press("down")  # one price down is now 26,999.00 (27,000.50 is gone)
        assert ladder.cursor_price == D("26999.00")


async def test_a_vanished_level_keeps_its_price_as_an_empty_row_until_the_cursor_leaves() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        ladder.focus()
        await pilot.press("up")  # 27,001.50
        ladder.show(Book((ASKS[0], *ASKS[2:]), BIDS), BTC, 0)
        await pilot.pause()
        assert ladder.cursor_price == D("27001.50")
        _, text = cursor_line(ladder)
        assert text.split()[:2] == ["27,001.50", VACANT]
        # Still in price order: between 27,001.13 and 27,002.00.
        text_lines = lines(ladder)
        assert text_lines.index(row_of(ladder, "27,002.00")) < text_lines.index(text)
        assert text_lines.index(text) < text_lines.index(row_of(ladder, "27,001.13"))
        await pilot.press("down")
        assert ladder.cursor_price == D("27001.13")
        assert not any("27,001.50" in line for line in lines(ladder))


async def test_page_down_and_up_move_cursor_and_view_through_the_whole_book() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(DEEP, BTC, 0)
        ladder.focus()
        await pilot.pause()
        row, _ = cursor_line(ladder)
        await pilot.press("pagedown")
        assert ladder.cursor_side is Side.BUY
        first_page = ladder.cursor_price
        assert first_page is not None and first_page < D(27000)
        assert cursor_line(ladder)[0] == row  # the view moved with the cursor
        assert not any("spread" in line for line in lines(ladder))
        for _ in range(40):
            await pilot.press("pagedown")
        assert ladder.cursor_price == D(26851)  # the last bid of 150
        assert "26,851.00" in lines(ladder)[-1]
        await pilot.press("pageup")
        assert ladder.cursor_price is not None and ladder.cursor_price > D(26851)


async def test_scrolled_view_holds_its_prices_while_the_book_moves() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(DEEP, BTC, 0)
        ladder.focus()
        await pilot.press("pagedown", "pagedown")
        price = ladder.cursor_price
        row, _ = cursor_line(ladder)
        # Three new best bids push every bid three levels deeper.
        better = tuple((D("27000.5") - D("0.1") * i, D("1")) for i in range(3))
        ladder.show(Book(DEEP.asks, (*better, *DEEP.bids)), BTC, 0)
        await pilot.pause()
        assert ladder.cursor_price == price
        assert cursor_line(ladder)[0] == row


async def test_home_recentres_on_the_spread() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(DEEP, BTC, 0)
        ladder.focus()
        await pilot.press("pagedown", "pagedown", "pagedown", "home")
        assert (ladder.cursor_side, ladder.cursor_price) == (Side.BUY, D(27000))
        text = lines(ladder)
        spread = next(y for y, line in enumerate(text) if "spread" in line)
        assert "27,001.00" in text[spread - 1] and "27,000.00" in text[spread + 1]
        assert spread == 2 + (len(text) - 2 - 1) // 2  # in the middle of the body


async def test_levels_between_the_view_and_a_pinned_own_order_show_as_a_gap_that_adds_up() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(DEEP, BTC, 0, [order(Side.BUY, "26950.00")])
        await pilot.pause()
        text = lines(ladder)
        pinned = row_of(ladder, "26,950.00")
        assert pinned.startswith(OWN_MARKER) and text[-1] == pinned
        gap = text[-2]
        # The shown bids reach 26,997; the gap holds 26,996 .. 26,951: 46 levels of 1.
        assert "26,997.00" in text[-3] and "4.000000" in text[-3]
        assert gap.split()[:4] == ["⋯", "46", "levels", "46.000000"]
        assert gap.split()[4] == "50.000000"  # cumulative at the gap's far end
        assert pinned.split()[3] == "51.000000"  # 4 shown + 46 hidden + its own


async def test_the_cursor_walks_into_a_gap_and_the_view_follows() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(DEEP, BTC, 0, [order(Side.BUY, "26950.00")])
        ladder.focus()
        await pilot.pause()
        for _ in range(5):  # best ask -> 27,000 -> ... -> 26,996, the first hidden bid
            await pilot.press("down")
        assert ladder.cursor_price == D(26996)
        assert " 26,996.00 " in cursor_line(ladder)[1]
        assert lines(ladder)[-1] == row_of(ladder, "26,950.00")  # still pinned below


class StaleLadderApp(LadderApp):
    """The stale part's contract: `-stale` on the ladder restyles it through CSS only."""

    CSS_PATH = STYLES_DIR / "widgets.tcss"
    CSS = """
    Ladder.-stale > .ladder--ask { color: #777777; }
    Ladder.-stale { background: #202020; }
    """


async def test_toggling_the_stale_class_repaints_the_cached_rows_in_its_style() -> None:
    app = StaleLadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        await pilot.pause()
        y = lines(ladder).index(row_of(ladder, "27,002.00"))

        def price_style() -> tuple[object, object]:
            segment = next(s for s in ladder.render_line(y) if "27,002.00" in s.text)
            assert segment.style is not None
            return segment.style.color, segment.style.bgcolor

        live = price_style()
        ladder.add_class("-stale")
        await pilot.pause()
        stale = price_style()
        assert stale != live
        assert stale[0] is not None and stale[0].triplet == (0x77, 0x77, 0x77)
        ladder.remove_class("-stale")
        await pilot.pause()
        assert price_style() == live


async def test_scrolled_below_our_order_it_is_pinned_to_the_top_with_the_gap_under_it() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(DEEP, BTC, 0, [order(Side.BUY, "26998.00")])
        ladder.focus()
        await pilot.press("pagedown", "pagedown", "pagedown")
        text = lines(ladder)
        assert text[2].startswith(OWN_MARKER) and " 26,998.00 " in text[2]
        gap = text[3].split()
        count = int(gap[1])
        first_shown = D(text[4].split()[0].replace(",", ""))
        # Every level between our order and the first row shown is in the gap, and the
        # totals add up: ours (3 levels deep) + the gap = the total just above the view.
        assert first_shown == D("26998") - count - 1
        assert D(gap[4]) == D(3 + count)
        assert D(text[4].split()[2]) == D(3 + count + 1)


async def test_a_coarser_step_keeps_the_cursor_on_the_bucket_of_its_price() -> None:
    app = LadderApp()
    async with app.run_test(size=(60, 14)) as pilot:
        ladder = app.query_one(Ladder)
        ladder.show(BOOK, BTC, 0)
        ladder.focus()
        await pilot.press("down")  # the best bid, 27,000.99
        await pilot.press("right_square_bracket")
        assert (ladder.cursor_side, ladder.cursor_price) == (Side.BUY, D("27000.9"))
        assert " 27,000.9 " in cursor_line(ladder)[1]
