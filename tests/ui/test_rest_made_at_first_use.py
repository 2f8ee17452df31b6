"""The `cdx` command gives the dashboard a function that makes its REST client, so that the
HTTP library is imported after the first frame: the client is made once, when loading starts,
and the dashboard then shows and trades as with a client given outright."""

from __future__ import annotations

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.server.runner import RunningExchange
from cdx.ui.app import DashboardApp
from pilot_wait import until

DEMO = Credentials("demo", "demo-secret")


async def test_a_dashboard_given_a_rest_maker_shows_the_market_and_the_balances(
    exchange: RunningExchange,
) -> None:
    made: list[RestClient] = []

    def make_rest() -> RestClient:
        made.append(RestClient(exchange.rest_url, DEMO))
        return made[-1]

    app = DashboardApp(make_rest, exchange.ws_url, "btcusdt", read_only=False, poll_interval=0.2)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(
                pilot,
                lambda: app.market.book("btcusdt", 0) is not None and app.account is not None,
                "book and account",
            )
            app.repaint_now()
            await pilot.pause()
            panel = app.balances
            shown = [panel.render_line(y).text for y in range(panel.size.height)]
            assert any("100,000" in line for line in shown), shown
            assert not app.read_only
            assert len(made) == 1 and app.rest is made[0]
    finally:
        for rest in made:
            await rest.aclose()
