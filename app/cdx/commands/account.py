"""Scriptable account commands: `cdx balances`, `orders`, `place`, `cancel`.

A contract for tools outside the project: a table on stdout (or JSON with `--json`), exit 0 on
success, 1 when the exchange refuses or cannot be reached (message on stderr), 2 on a usage
error. They act on a real account, so they need `--rest-url` (there is no point placing an
order on an embedded exchange that vanishes when the command ends; run `cdx sim` for a demo)
and the keys in `CDX_API_KEY` / `CDX_API_SECRET`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from cdx.client.credentials import Credentials
from cdx.client.errors import CdxError, OrderStateUnknown
from cdx.client.ratelimit import Priority
from cdx.client.rest import RestClient
from cdx.model.account import Account
from cdx.model.order import Order, OrderType, Side
from cdx.protocol.decimals import to_wire
from cdx.protocol.endpoints import MAX_PAGE_SIZE

EXIT_OK, EXIT_API, EXIT_USAGE = 0, 1, 2


def register(subparsers: Any) -> None:
    """Add `balances`, `orders`, `place` and `cancel` to the `cdx` parser."""
    balances = _command(subparsers, "balances", "show available and locked balances")
    balances.set_defaults(func=_runner(_balances))

    orders = _command(subparsers, "orders", "list open orders of a symbol")
    orders.add_argument("--symbol", required=True, type=str.lower, help="e.g. btcusdt")
    orders.add_argument(
        "--all", action="store_true", help="finished orders too, not only open ones"
    )
    orders.set_defaults(func=_runner(_orders))

    place = _command(subparsers, "place", "place an order")
    place.add_argument("--symbol", required=True, type=str.lower, help="e.g. btcusdt")
    place.add_argument("--side", required=True, choices=("buy", "sell"), type=str.lower)
    place.add_argument("--type", required=True, choices=("limit", "market"), type=str.lower)
    place.add_argument(
        "--volume",
        required=True,
        type=_positive_decimal,
        help="base amount; for a market buy, the quote amount to spend",
    )
    place.add_argument("--price", type=_positive_decimal, help="limit price (limit orders only)")
    place.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    place.set_defaults(func=_runner(_place), validate=_validate_place)

    cancel = _command(subparsers, "cancel", "cancel one order, or all open orders of a symbol")
    cancel.add_argument("--symbol", required=True, type=str.lower, help="e.g. btcusdt")
    which = cancel.add_mutually_exclusive_group(required=True)
    which.add_argument("order_id", nargs="?", type=_order_id, help="the order to cancel")
    which.add_argument("--all", action="store_true", help="cancel every open order of the symbol")
    cancel.set_defaults(func=_runner(_cancel))


def _command(subparsers: Any, name: str, help: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help,
        description=f"{help[0].upper()}{help[1:]}. Needs --rest-url and the API keys in "
        "CDX_API_KEY / CDX_API_SECRET. Exit 0 on success, 1 on an API error, 2 on a usage error.",
    )
    # SUPPRESS: a value given before the subcommand (`cdx --rest-url U balances`) is kept.
    parser.add_argument(
        "--rest-url", default=argparse.SUPPRESS, help="REST root of the exchange (required)"
    )
    parser.add_argument(
        "--ws-url", default=argparse.SUPPRESS, help="WebSocket URL (accepted for symmetry)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(parser=parser)
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
            print(f"{parser.prog}: {exc}", file=sys.stderr)
            return EXIT_API
        except ValueError as exc:  # a malformed URL
            print(f"{parser.prog}: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except BrokenPipeError:
            # The reader left (`cdx orders --json | head`): stop quietly, and keep the
            # interpreter's final flush of stdout from raising the same error again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_API

    return run


async def _with_client(rest_url: str, action: Action, args: argparse.Namespace) -> int:
    async with RestClient(rest_url, Credentials.from_env()) as rest:
        return await action(rest, args, sys.stdout)


# commands ---------------------------------------------------------------------------------


async def _balances(rest: RestClient, args: argparse.Namespace, out: TextIO) -> int:
    account = await rest.account(priority=Priority.USER)
    if args.json:
        _print_json(out, _account_json(account))
    else:
        rows = [
            [b.coin, to_wire(b.available), to_wire(b.locked), to_wire(b.total)]
            for b in account.balances
        ]
        _print_table(out, ["coin", "available", "locked", "total"], rows, numeric_from=1)
    return EXIT_OK


async def _orders(rest: RestClient, args: argparse.Namespace, out: TextIO) -> int:
    orders: list[Order] = []
    page = 1
    while True:
        if args.all:
            result = await rest.all_orders(
                args.symbol, page=page, page_size=MAX_PAGE_SIZE, priority=Priority.USER
            )
        else:
            result = await rest.open_orders(
                args.symbol, page=page, page_size=MAX_PAGE_SIZE, priority=Priority.USER
            )
        orders.extend(result.items)
        if not result.items or page * MAX_PAGE_SIZE >= result.count:
            break
        page += 1
    if args.json:
        _print_json(out, [_order_json(o) for o in orders])
    else:
        rows = [
            [
                o.id,
                o.side.value,
                o.type.name,
                to_wire(o.price),
                to_wire(o.volume),
                to_wire(o.deal_volume),
                o.status.name,
            ]
            for o in orders
        ]
        header = ["id", "side", "type", "price", "volume", "filled", "status"]
        _print_table(out, header, rows, numeric_from=3, numeric_to=6)
    return EXIT_OK


def _validate_place(args: argparse.Namespace) -> str | None:
    if args.type == "limit" and args.price is None:
        return "a limit order needs --price"
    if args.type == "market" and args.price is not None:
        return "a market order takes no --price"
    return None


async def _place(rest: RestClient, args: argparse.Namespace, out: TextIO) -> int:
    side = Side(args.side.upper())
    type = OrderType.LIMIT if args.type == "limit" else OrderType.MARKET
    what = f"{side.value} {type.name} {to_wire(args.volume)} {args.symbol}"
    if type is OrderType.LIMIT:
        what += f" @ {to_wire(args.price)}"
    elif side is Side.BUY:
        what += " (quote amount to spend)"
    if not args.yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            print(
                f"{args.parser.prog}: error: not on a terminal: refusing to place {what} "
                "without --yes",
                file=sys.stderr,
            )
            return EXIT_USAGE
        try:
            answer = await asyncio.to_thread(input, f"Place {what}? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("not placed", file=sys.stderr)
            return EXIT_API
    try:
        order_id = await rest.place_order(args.symbol, side, type, args.volume, args.price)
    except OrderStateUnknown as unknown:
        print(f"{args.parser.prog}: {unknown}; checking…", file=sys.stderr)
        found = await rest.reconcile(unknown)
        if found is None:
            print(f"{args.parser.prog}: the order was not placed", file=sys.stderr)
            return EXIT_API
        order_id = found.id
    if args.json:
        _print_json(out, {"order_id": order_id})
    else:
        print(f"placed {what}: order {order_id}", file=out)
    return EXIT_OK


async def _cancel(rest: RestClient, args: argparse.Namespace, out: TextIO) -> int:
    if args.all:
        await rest.cancel_all(args.symbol)
        if args.json:
            _print_json(out, {"symbol": args.symbol, "cancelled": "all"})
        else:
            print(f"cancelled all open orders of {args.symbol}", file=out)
    else:
        await rest.cancel_order(args.symbol, args.order_id)
        if args.json:
            _print_json(out, {"symbol": args.symbol, "cancelled": args.order_id})
        else:
            print(f"cancelled order {args.order_id}", file=out)
    return EXIT_OK


# output -----------------------------------------------------------------------------------


def _order_id(text: str) -> str:
    """An order id as the exchange writes them: a string of digits (PROTOCOL.md section 2)."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not an order id (digits only)")
    return text


def _positive_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a decimal number") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def _account_json(account: Account) -> dict[str, Any]:
    return {
        "total_asset_btc": to_wire(account.total_asset),
        "balances": [
            {
                "coin": b.coin,
                "available": to_wire(b.available),
                "locked": to_wire(b.locked),
                "total": to_wire(b.total),
            }
            for b in account.balances
        ],
    }


def _order_json(order: Order) -> dict[str, Any]:
    """An order as scripts see it: decimals as exact strings, enums by name."""
    return {
        "id": order.id,
        "symbol": order.symbol,
        "side": order.side.value,
        "type": order.type.name.lower(),
        "price": to_wire(order.price),
        "volume": to_wire(order.volume),
        "deal_volume": to_wire(order.deal_volume),
        "deal_money": to_wire(order.deal_money),
        "avg_price": to_wire(order.avg_price),
        "fee": to_wire(order.fee),
        "fee_coin": order.fee_coin,
        "status": order.status.name,
        "created_at": order.created_at,
    }


def _print_json(out: TextIO, value: Any) -> None:
    json.dump(value, out, indent=2)
    out.write("\n")


def _print_table(
    out: TextIO,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric_from: int,
    numeric_to: int | None = None,
) -> None:
    """Aligned columns, numbers right-aligned; plain text so scripts can `awk` it."""
    end = len(header) if numeric_to is None else numeric_to
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in [list(header), *rows]:
        cells = [
            cell.rjust(width) if numeric_from <= i < end else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip(), file=out)
