"""The balances panel values each coin in the current symbol's quote coin and in BTC, with the
totals, against the seeded exchange's own balances and last prices; and it says `–` for a coin
no price values, never 0."""

from __future__ import annotations

import time
from decimal import Decimal as D
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from cdx.model.account import Account, Balance
from cdx.model.market import Ticker
from cdx.model.symbol import Symbol
from cdx.ui import STYLES_DIR
from cdx.ui.widgets.balance_table import ValuedIn
from cdx.ui.widgets.balances import BalancesPanel, balance_table

if TYPE_CHECKING:
    from conftest import Dashboard

BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, D("0.0001"), D("5"))
ETHUSDT = Symbol("ethusdt", "eth", "usdt", 2, 4, D("0.001"), D("5"))
SYMBOLS = {s.name: s for s in (BTCUSDT, ETHUSDT)}


def panel_lines(panel: BalancesPanel) -> list[str]:
    return [panel.render_line(y).text.rstrip() for y in range(panel.size.height)]


def row(panel: BalancesPanel, first: str) -> list[str]:
    """The visible row whose first cell is `first` (a coin, or Total), split into cells."""
    for line in panel_lines(panel):
        cells = line.split()
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no {first} row in {panel_lines(panel)}")


def expected_rows(dashboard: Dashboard) -> dict[str, tuple[str, str]]:
    """Per coin (upper case) and Total: (value in USDT, value in BTC) as the panel should
    write them, from the exchange's balances, BTC values and last prices."""
    engine = dashboard.exchange.engine
    now = int(time.time() * 1000)
    last = {name: engine.ticker(name, now).last for name in ("btcusdt", "ethusdt", "solusdt")}
    account = engine.account("demo")
    rows: dict[str, tuple[str, str]] = {}
    total_usdt, total_btc = D(0), D(0)
    for balance in account.balances:
        market = f"{balance.coin}usdt"
        usdt = balance.total if balance.coin == "usdt" else balance.total * last[market]
        rows[balance.coin.upper()] = (f"{usdt:,.2f}", f"{balance.btc_value:.8f}")
        total_usdt += usdt
        total_btc += balance.btc_value
    rows["Total"] = (f"{total_usdt:,.2f}", f"{total_btc:.8f}")
    return rows


async def test_each_coin_and_the_total_are_valued_in_usdt_and_btc(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        panel = app.query_one(BalancesPanel)
        await dashboard.until(pilot, lambda: "Total" in "".join(panel_lines(panel)), "totals")
        assert panel_lines(panel)[0].split() == [
            "Coin", "Available", "Locked", "≈USDT", "≈BTC",
        ]  # fmt: skip
        expected = expected_rows(dashboard)
        assert set(expected) == {"BTC", "USDT", "ETH", "SOL", "Total"}
        for first, (usdt, btc) in expected.items():
            assert row(panel, first)[-2:] == [usdt, btc], first
        assert row(panel, "USDT")[-2] == "100,000.00"


async def test_at_80x24_the_locked_column_goes_and_the_totals_move_to_the_border(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(80, 24)) as pilot:
        await dashboard.ready(pilot)
        panel = app.query_one(BalancesPanel)
        await dashboard.until(pilot, lambda: "Total" in str(panel.border_subtitle), "totals")
        expected = expected_rows(dashboard)
        assert panel_lines(panel)[0].split() == ["Coin", "Available", "≈USDT", "≈BTC"]
        assert row(panel, "BTC")[-2:] == list(expected["BTC"])
        usdt, btc = expected["Total"]
        assert str(panel.border_subtitle) == f"Total ≈USDT {usdt} ≈BTC {btc}"
        for line in panel_lines(panel):
            assert "…" not in line  # no number cut


async def test_a_btc_quoted_symbol_shows_one_value_column_in_btc(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        app.switch_symbol("ethbtc")
        panel = app.query_one(BalancesPanel)
        await dashboard.until(
            pilot, lambda: panel_lines(panel)[0].split()[-1:] == ["≈BTC"], "values in BTC"
        )
        app.repaint_now()
        await pilot.pause()
        assert panel_lines(panel)[0].split() == ["Coin", "Available", "Locked", "≈BTC"]
        assert [line.split()[0] for line in panel_lines(panel)[1:3]] == ["ETH", "BTC"]
        assert row(panel, "BTC")[-1] == "2.000000"  # the symbol's price precision


# ---------------------------------------------------------------- the panel on its own


class Host(App[None]):
    CSS_PATH = STYLES_DIR / "widgets.tcss"

    def __init__(self, panel: BalancesPanel) -> None:
        super().__init__()
        self.panel = panel

    def compose(self) -> ComposeResult:
        yield self.panel


def ticker(symbol: str, last: str) -> Ticker:
    price = D(last)
    return Ticker(symbol, 0, price, price, price, price, D(0), D(0), D(0))


ACCOUNT = Account(
    (
        Balance("btc", D("0.5"), D(0), btc_value=D("0.5")),
        Balance("usdt", D("1000"), D(0), btc_value=D("0.04")),
        Balance("eth", D("2"), D(0), btc_value=D("0.1")),
        Balance("xrp", D("300"), D(0)),  # the exchange could not price it either
    )
)


async def test_a_coin_no_price_values_shows_a_dash_and_no_total() -> None:
    panel = BalancesPanel()
    async with Host(panel).run_test(size=(60, 12)) as pilot:
        panel.show(ACCOUNT, focus_coins=("btc", "usdt"), value_in=BTCUSDT)
        panel.set_prices([ticker("btcusdt", "25000")], SYMBOLS)
        await pilot.pause()
        assert row(panel, "XRP")[-2:] == ["–", "–"]
        assert row(panel, "BTC")[-2:] == ["12,500.00", "0.50000000"]
        # No ethusdt price yet: through BTC, 0.1 x 25,000.
        assert row(panel, "ETH")[-2:] == ["2,500.00", "0.10000000"]
        assert row(panel, "Total")[-2:] == ["–", "–"]


async def test_values_follow_the_prices() -> None:
    panel = BalancesPanel()
    account = Account(ACCOUNT.balances[:3])
    async with Host(panel).run_test(size=(60, 12)) as pilot:
        panel.show(account, focus_coins=("btc", "usdt"), value_in=BTCUSDT)
        panel.set_prices([ticker("btcusdt", "25000"), ticker("ethusdt", "1500")], SYMBOLS)
        await pilot.pause()
        assert row(panel, "ETH")[-2] == "3,000.00"  # straight through ethusdt
        assert row(panel, "Total")[-2] == "16,500.00"
        panel.set_prices([ticker("btcusdt", "26000")], SYMBOLS)
        await pilot.pause()
        assert row(panel, "BTC")[-2] == "13,000.00"
        assert row(panel, "Total")[-2] == "17,000.00"


async def test_an_unreadable_account_keeps_question_marks_and_shows_no_total() -> None:
    panel = BalancesPanel()
    account = Account(ACCOUNT.balances[:1], unreadable=1)
    async with Host(panel).run_test(size=(60, 12)) as pilot:
        panel.show(account, focus_coins=("btc", "usdt"), value_in=BTCUSDT)
        panel.set_prices([ticker("btcusdt", "25000")], SYMBOLS)
        await pilot.pause()
        assert row(panel, "USDT")[1:] == ["?", "?", "?", "?"]
        assert row(panel, "BTC")[-2:] == ["12,500.00", "0.50000000"]
        assert not any(line.startswith(" Total") for line in panel_lines(panel))
        assert panel_lines(panel)[-1] == " 1 unreadable, see log"


# ---------------------------------------------------------------- any figures at all

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
figures = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([D("1e999999999"), D("-1e400"), D("0." + "0" * 40 + "1"), D(0)]),
)
coins = st.sampled_from(["btc", "usdt", "eth", "xrp", "\x1b[2J", "ＵＳＤＴ"])


@FUZZ
@given(
    st.lists(st.builds(Balance, coin=coins, available=figures, locked=figures, btc_value=figures)),
    st.dictionaries(st.tuples(coins, coins), figures.filter(lambda d: d.is_finite() and d > 0)),
    coins,
    st.integers(-3, 40),
    st.integers(0, 160),
)
def test_any_balances_and_prices_lay_out_within_the_width(
    balances: list[Balance],
    prices: dict[tuple[str, str], D],
    quote: str,
    decimals: int,
    width: int,
) -> None:
    table = balance_table(balances, width, ValuedIn(quote, decimals, prices))
    assert len(table.cells) == len(balances)
    if width >= 48:  # room for a coin name and one column of any number, cut and marked
        assert sum(table.widths) + len(table.widths) <= width
    for column in table.columns:
        assert all(cell.isprintable() for cell in (*column.cells, column.total))


async def test_while_money_is_locked_the_btc_column_goes_before_locked() -> None:
    panel = BalancesPanel()
    account = Account(
        (
            Balance("btc", D("4.21580897"), D(0), btc_value=D("4.21580897")),
            Balance("usdt", D("39800.01684213"), D("200"), btc_value=D("1.48")),
        )
    )
    async with Host(panel).run_test(size=(46, 8)) as pilot:
        panel.show(account, focus_coins=("btc", "usdt"), value_in=BTCUSDT)
        panel.set_prices([ticker("btcusdt", "27000")], SYMBOLS)
        await pilot.pause()
        assert panel_lines(panel)[0].split() == ["Coin", "Available", "Locked", "≈USDT"]
        assert row(panel, "USDT") == ["USDT", "39,800.01", "200", "40,000.01"]  # to the cent
        unlocked = Account((account.balances[0], Balance("usdt", D("40000"), D(0))))
        panel.show(unlocked, focus_coins=("btc", "usdt"), value_in=BTCUSDT)
        await pilot.pause()
        assert panel_lines(panel)[0].split() == ["Coin", "Available", "≈USDT", "≈BTC"]
