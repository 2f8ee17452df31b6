"""`cdx place` checks an order with the order form's rules before anything is sent.

The form (`cdx.ui.order_check.validate`) refuses what the exchange would refuse for precision,
size or balance; the command line applies the same function to the same rules, read from the
exchange (`GET /v1/symbols`) and the account, so a value the form would refuse never reaches
the network from a script either. `cdx.ui.order_check` is pure (no Textual), so this costs no
start-up time.

A local refusal exits 1, "not placed", like the exchange's own refusal of the same order did:
a script that treats 1 as "not placed, see stderr" keeps working, and exit 2 stays what it is
documented to be, an argument cdx cannot read as written.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from cdx.client.ratelimit import Priority
from cdx.client.rest import RestClient
from cdx.model.order import OrderType, Side
from cdx.ui.order_check import validate

FLAGS = {"price": "--price", "amount": "--volume"}
"""The option each field of the form is typed as on the command line."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the order is not sent: the form's message and the option it is about."""

    message: str
    flag: str

    def __str__(self) -> str:
        return f"{self.message} ({self.flag})" if self.flag else self.message


async def refusal(rest: RestClient, args: argparse.Namespace) -> Refusal | None:
    """The form's objection to the order of `args`, or None when it may be sent.

    Reads the symbol's rules and the account (for the balance); a `CdxError` from those reads
    propagates: the caller reports it as not placed, since nothing was sent.
    """
    symbols = await rest.symbols()
    symbol = next((s for s in symbols if s.name == args.symbol), None)
    if symbol is None:
        return Refusal(f"the exchange lists no symbol {args.symbol}", "--symbol")
    account = await rest.account(priority=Priority.USER)
    side = Side(args.side.upper())
    order_type = OrderType.LIMIT if args.type == "limit" else OrderType.MARKET
    price_text = format(args.price, "f") if args.price is not None else ""
    check = validate(symbol, side, order_type, price_text, format(args.volume, "f"), account)
    first = check.first_error
    if first is None:
        return None
    field, message = first
    return Refusal(message, FLAGS.get(field, ""))
