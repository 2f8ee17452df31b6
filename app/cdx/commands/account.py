"""Scriptable account commands: `cdx balances`, `orders`, `place`, `cancel`.

A contract for tools outside the project: a table on stdout (or JSON with `--json`), exit 0 on
success, 1 when the exchange refuses or cannot be reached (message on stderr), 2 on a usage
error. `cdx place` says which of three ways the placement ended, each with its own code: 0
placed (the new id on stdout), 1 not placed, 3 unknown (the answer was lost and reconcile could
not tell: the order may or may not be in the book, so a script must check before placing it
again, never retry blindly). They act on a real account, so they need `--rest-url` (there is
no point placing an order on an embedded exchange that vanishes when the command ends; run
`cdx sim` for a demo) and the keys in `CDX_API_KEY` / `CDX_API_SECRET`.

What a person at a terminal gets on top, and a script (stdin not a terminal) does not: `place`
asks before sending (a script must say `--yes`), `cancel --all` asks before cancelling the N
open orders it read (a script's `cancel --all` cancels at once, as it always did); declining
exits 1. `place` first checks the order with the order form's rules (`place_check`), so what
the form would refuse is "not placed" (exit 1) and never reaches the network. Table columns
and JSON fields are only ever added after the existing ones (`account_output`).

Every string the server sent (coin names, ids, messages) is escaped before it reaches the
terminal (`printable`): the server is not trusted to write control sequences to it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TextIO

from cdx.client.cancellation import CancelEnd, CancelResult, confirm_cancel
from cdx.client.credentials import Credentials
from cdx.client.errors import CdxError
from cdx.client.placement import (
    NotPlaced,
    OrderRequest,
    Outcome,
    Placed,
    Unknown,
    send_order,
    settle,
)
from cdx.client.ratelimit import Priority, RateLimiter
from cdx.client.rest import OpenOrderList, OrderList, RestClient
from cdx.commands import account_output as output
from cdx.commands import arguments, place_check
from cdx.commands.printable import printable
from cdx.commands.table import print_json, print_table
from cdx.model.order import OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol.decimals import to_wire

log = logging.getLogger(__name__)

EXIT_OK, EXIT_API, EXIT_USAGE = 0, 1, 2
EXIT_NOT_PLACED = EXIT_API
EXIT_UNKNOWN = 3
"""`cdx place`: the order may or may not have been placed; check open orders first."""
EXIT_DECLINED = EXIT_API
"""`cdx cancel --all` on a terminal: the user did not confirm, nothing was cancelled."""

CHECK_FIRST = "check open orders before placing again"

_ACCOUNT_EXITS = "Exit 0 on success, 1 on an API or connection error, 2 on a usage error."
_PLACE_EXITS = (
    "The order is checked with the order form's rules first; what they refuse is not sent. "
    "Exit 0 placed (the new order id is printed), 1 not placed (refused by those rules or by "
    "the exchange, or not confirmed), "
    "2 usage error, 3 unknown: the answer was lost and the order may or may not have been "
    f"placed; {CHECK_FIRST}, never retry blindly."
)


def register(subparsers: Any) -> None:
    """Add `balances`, `orders`, `place` and `cancel` to the `cdx` parser."""
    balances = _command(subparsers, "balances", "show available and locked balances")
    balances.add_argument(
        "--in",
        dest="value_in",
        metavar="COIN",
        type=arguments.coin,
        help="add each coin's value in COIN (e.g. usdt) and in BTC, and a total row",
    )
    balances.set_defaults(func=_runner(_balances))

    orders = _command(subparsers, "orders", "list open orders of a symbol")
    orders.add_argument("--symbol", required=True, type=arguments.symbol, help="e.g. btcusdt")
    orders.add_argument(
        "--all", action="store_true", help="finished orders too, not only open ones"
    )
    orders.set_defaults(func=_runner(_orders))

    place = _command(subparsers, "place", "place an order", exits=_PLACE_EXITS)
    place.add_argument("--symbol", required=True, type=arguments.symbol, help="e.g. btcusdt")
    place.add_argument("--side", required=True, choices=("buy", "sell"), type=str.lower)
    place.add_argument("--type", required=True, choices=("limit", "market"), type=str.lower)
    place.add_argument(
        "--volume",
        required=True,
        type=arguments.positive_decimal,
        help="base amount; for a market buy, the quote amount to spend (plain decimal: 0.001)",
    )
    place.add_argument(
        "--price", type=arguments.positive_decimal, help="limit price (limit orders only)"
    )
    place.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    place.set_defaults(func=_runner(_place), validate=_validate_place)

    cancel = _command(
        subparsers,
        "cancel",
        "cancel one order, or all open orders of a symbol",
        exits="On a terminal, --all asks first (declining exits 1). " + _ACCOUNT_EXITS,
    )
    cancel.add_argument("--symbol", required=True, type=arguments.symbol, help="e.g. btcusdt")
    which = cancel.add_mutually_exclusive_group(required=True)
    which.add_argument("order_id", nargs="?", type=arguments.order_id, help="the order to cancel")
    which.add_argument("--all", action="store_true", help="cancel every open order of the symbol")
    cancel.add_argument(
        "--yes", "-y", action="store_true", help="--all: do not ask for confirmation"
    )
    cancel.set_defaults(func=_runner(_cancel))


def _command(
    subparsers: Any, name: str, help: str, exits: str = _ACCOUNT_EXITS
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help,
        description=f"{help[0].upper()}{help[1:]}. Needs --rest-url and the API keys in "
        f"CDX_API_KEY / CDX_API_SECRET. {exits}",
    )
    # SUPPRESS: a value given before the subcommand (`cdx --rest-url U balances`) is kept.
    parser.add_argument(
        "--rest-url",
        type=arguments.rest_url,
        default=argparse.SUPPRESS,
        help="REST root of the exchange (required)",
    )
    parser.add_argument(
        "--ws-url",
        type=arguments.ws_url,
        default=argparse.SUPPRESS,
        help="WebSocket URL (accepted for symmetry)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(parser=parser, command_log=True)
    return parser


Action = Callable[[RestClient, argparse.Namespace, TextIO], Awaitable[int]]


def _runner(action: Action) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        parser: argparse.ArgumentParser = args.parser
        rest_url = getattr(args, "rest_url", None)
        if not rest_url:
            parser.print_usage(sys.stderr)
            print(
                f"{parser.prog}: error: --rest-url is required (run `cdx sim` for a demo exchange)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        validate = getattr(args, "validate", None)
        problem = validate(args) if validate else None
        if problem:
            parser.print_usage(sys.stderr)
            print(f"{parser.prog}: error: {problem}", file=sys.stderr)
            return EXIT_USAGE
        try:
            return asyncio.run(_with_client(rest_url, action, args))
        except CdxError as exc:
            print(f"{parser.prog}: {printable(exc)}", file=sys.stderr)
            return EXIT_API
        except ValueError as exc:  # a URL or setting the client refuses to use
            print(f"{parser.prog}: error: {printable(exc)}", file=sys.stderr)
            return EXIT_USAGE
        except BrokenPipeError:
            _reader_left()
            return EXIT_API

    return run


async def _with_client(rest_url: str, action: Action, args: argparse.Namespace) -> int:
    # The budget is shared with a dashboard (or another script) on the same key and server.
    limiter = RateLimiter.shared_with_other_processes(rest_url)
    async with RestClient(rest_url, Credentials.from_env(), limiter) as rest:
        return await action(rest, args, sys.stdout)


# commands ---------------------------------------------------------------------------------


async def _balances(rest: RestClient, args: argparse.Namespace, out: TextIO) -> int:
    account = await rest.account(priority=Priority.USER)
    worth = None
    if args.value_in:
        # Market data (its own budget): the same last prices the dashboard values with.
        symbols = await rest.symbols()
        tickers = await rest.tickers(output.symbol_map(symbols))
        worth = output.valuation(account, args.value_in, symbols, tickers)
    if args.json:
        print_json(out, output.balances_json(account, worth))
    else:
        header, rows = output.balance_rows(account, worth)
        print_table(out, header, rows, numeric=range(1, len(header)))
    if account.unreadable:
        print(
            f"{args.parser.prog}: warning: {account.unreadable} balance entries of the answer "
            "were unreadable and are not listed (see the log)",
            file=sys.stderr,
        )
    return EXIT_OK


async def _orders(rest: RestClient, args: argparse.Namespace, out: TextIO) -> int:
    """Every order the exchange lists, read page by page up to the client's page limit: a
    server that counts 10^9 orders gets a partial list and a warning, not an endless loop."""
    listed: OpenOrderList | OrderList
    if args.all:
        listed = await rest.every_order(args.symbol, priority=Priority.USER)
    else:
        listed = await rest.every_open_order(args.symbol, priority=Priority.USER)
    orders = listed.items
    symbol = (await _symbols(rest)).get(args.symbol)
    if args.json:
        print_json(out, [output.order_json(o, symbol) for o in orders])
    else:
        rows = [output.order_row(o, symbol) for o in orders]
        print_table(out, output.ORDER_HEADER, rows, numeric={3, 4, 5, 7})
    if not listed.complete:
        print(
            f"{args.parser.prog}: warning: the list may be incomplete: the exchange counted "
            "more orders than it listed, or they changed while cdx read them page by page",
            file=sys.stderr,
        )
    return EXIT_OK


async def _symbols(rest: RestClient) -> Mapping[str, Symbol]:
    """The symbols' coins and precisions, to say what an order's amount is in; without them
    (the list cannot be read) the orders are still listed, their amounts without a coin."""
    try:
        return output.symbol_map(await rest.symbols())
    except CdxError as exc:
        log.warning("cannot read the symbols, amounts are shown without their coin: %s", exc)
        return {}


def _validate_place(args: argparse.Namespace) -> str | None:
    if args.type == "limit" and args.price is None:
        return "a limit order needs --price"
    if args.type == "market" and args.price is not None:
        return "a market order takes no --price"
    return None


async def _place(rest: RestClient, args: argparse.Namespace, out: TextIO) -> int:
    side = Side(args.side.upper())
    type = OrderType.LIMIT if args.type == "limit" else OrderType.MARKET
    request = OrderRequest(args.symbol, side, type, args.volume, args.price)
    what = f"{side.value} {type.name} {to_wire(args.volume)} {args.symbol}"
    if type is OrderType.LIMIT:
        what += f" @ {to_wire(args.price)}"
    elif side is Side.BUY:
        what += " (quote amount to spend)"
    prog = args.parser.prog
    if not args.yes and not (sys.stdin.isatty() and sys.stdout.isatty()):
        print(
            f"{prog}: error: not on a terminal: refusing to place {what} without --yes",
            file=sys.stderr,
        )
        return EXIT_USAGE
    refused = await _checked_locally(rest, args)
    if refused:
        print(f"{prog}: not placed: {printable(refused)}; nothing was sent", file=sys.stderr)
        return EXIT_NOT_PLACED
    if not args.yes and not await _confirmed(f"Place {what}? [y/N] ", sys.stdout):
        print("not placed", file=sys.stderr)
        return EXIT_NOT_PLACED
    outcome = await _placement_outcome(rest, request, what, prog)
    return _report(outcome, what, args, out)


async def _checked_locally(rest: RestClient, args: argparse.Namespace) -> str:
    """Why the order form would refuse this order ("" if it would not): checked before the
    confirmation, so nobody confirms an order that cannot be placed. Nothing is sent yet, so
    a failed read of the rules is "not placed" too."""
    try:
        refusal = await place_check.refusal(rest, args)
    except CdxError as exc:
        return f"cannot check the order before sending it: {exc}"
    return str(refusal) if refusal is not None else ""


async def _confirmed(prompt: str, stream: TextIO) -> bool:
    """Ask on the terminal; only `y` or `yes` confirms (end of input does not)."""

    def ask() -> str:
        print(prompt, end="", file=stream, flush=True)
        return sys.stdin.readline()

    answer = await asyncio.to_thread(ask)
    return answer.strip().lower() in ("y", "yes")


async def _placement_outcome(
    rest: RestClient, request: OrderRequest, what: str, prog: str
) -> Outcome | str:
    """How the placement ended, settled with the exchange if the answer was lost.

    Returns an `Outcome`, or the reason text of an unknown outcome that has no `Unknown` to
    carry it: an error nobody expected (a body nested too deep to parse, a bug) or an
    interrupt while the request was out. Once the request may have left, only the exchange
    knows, so none of these may be reported as "not placed".
    """
    try:
        outcome = await send_order(rest, request)
        if isinstance(outcome, Unknown):
            cause = outcome.lost.cause or "no answer"
            print(
                f"{prog}: the answer was lost ({printable(cause)}); checking the exchange's "
                "orders…",
                file=sys.stderr,
                flush=True,
            )
            outcome = await settle(rest, outcome)
    except asyncio.CancelledError:
        log.warning("placement of %s interrupted while the request was out", what)
        return f"order {what} may or may not have been placed: interrupted"
    except Exception as exc:
        log.exception("placement of %s ended in an unexpected error", what)
        return (
            f"order {what} may or may not have been placed: unexpected "
            f"{type(exc).__name__}: {str(exc)[:200]}"
        )
    return outcome


def _report(outcome: Outcome | str, what: str, args: argparse.Namespace, out: TextIO) -> int:
    """Print the one outcome (placed on stdout, the others on stderr) and return its exit code,
    which stands even if the reader of stdout has gone."""
    prog = args.parser.prog
    if isinstance(outcome, Placed):
        order_id = printable(outcome.order_id)
        try:
            if args.json:
                print_json(out, {"order_id": outcome.order_id})
            else:
                print(f"placed {what}: order {order_id}", file=out, flush=True)
        except BrokenPipeError:
            _reader_left()
        except (OSError, ValueError):  # stdout closed or unwritable: the order stands
            log.exception("placed order %s, but could not print it", outcome.order_id)
        return EXIT_OK
    if isinstance(outcome, NotPlaced):
        print(f"{prog}: {printable(outcome.reason)}", file=sys.stderr)
        return EXIT_NOT_PLACED
    reason = outcome.reason if isinstance(outcome, Unknown) else outcome
    if "may or may not have been placed" not in reason:
        reason = f"order {what} may or may not have been placed: {reason}"
    if CHECK_FIRST not in reason:
        reason = f"{reason.rstrip('; .')}; {CHECK_FIRST}"
    print(f"{prog}: {printable(reason)}", file=sys.stderr)
    return EXIT_UNKNOWN


async def _cancel(rest: RestClient, args: argparse.Namespace, out: TextIO) -> int:
    if args.all:
        if not args.yes and sys.stdin.isatty():
            listed = await rest.every_open_order(args.symbol, priority=Priority.USER)
            count = f"{len(listed.items)}{'' if listed.complete else '+'}"
            orders = "order" if count == "1" else "orders"
            question = f"Cancel all {count} open {args.symbol.upper()} {orders}? [y/N] "
            # On stderr: stdout stays the command's answer (`--json`), even when piped.
            if listed.items and not await _confirmed(question, sys.stderr):
                print("nothing cancelled", file=sys.stderr)
                return EXIT_DECLINED
        await rest.cancel_all(args.symbol)
        if args.json:
            print_json(out, {"symbol": args.symbol, "cancelled": "all"})
        else:
            print(f"cancelled all open orders of {args.symbol}", file=out)
    else:
        await rest.cancel_order(args.symbol, args.order_id)
        return _report_cancel(await confirm_cancel(rest, args.symbol, args.order_id), args, out)
    return EXIT_OK


def _report_cancel(result: CancelResult, args: argparse.Namespace, out: TextIO) -> int:
    """Print how one cancel ended: `cancelled order N` (exit 0) only once the exchange shows
    the order CANCELED; filled or ended before the cancel is exit 1; accepted but not final
    within the deadline is exit 3 (it may still fill: check before acting on it)."""
    order_id = printable(args.order_id)
    order = result.order
    if args.json:
        status = order.status.name if order is not None else None
        print_json(
            out,
            {
                "symbol": args.symbol,
                "order_id": args.order_id,
                "end": result.end.name,
                "status": status,
            },
        )
    elif result.end is CancelEnd.CANCELLED:
        print(f"cancelled order {order_id}", file=out)
    prog = args.parser.prog
    if result.end is CancelEnd.CANCELLED:
        if order is not None and order.deal_volume > 0:
            print(f"{prog}: order {order_id} had filled {order.deal_volume} first", file=sys.stderr)
        return EXIT_OK
    if result.end is CancelEnd.ACCEPTED:
        print(
            f"{prog}: cancel of order {order_id} accepted, not final yet "
            f"({printable(result.detail)}); it may still fill: check it with cdx orders",
            file=sys.stderr,
        )
        return EXIT_UNKNOWN
    print(f"{prog}: order {order_id} {result.end.value}: not cancelled", file=sys.stderr)
    return EXIT_API


def _reader_left() -> None:
    """The reader of stdout left (`cdx orders --json | head`): keep the interpreter's final
    flush of stdout from raising the same error again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
