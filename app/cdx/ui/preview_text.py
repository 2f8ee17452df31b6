"""The order preview in words: two short lines for the order form, a paragraph for the dialog.

`cdx.model.preview` computes what an order would take from the book; this says it. The form's
lines must fit its width (40 columns at 80x24) without cutting a word, so each line is tried in
a few forms, from the most explicit to the most compact (shorter numbers, shorter words), and
the first that fits is shown. The dialog has room for whole sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cdx.model.account import Account
from cdx.model.order import OrderType, Side
from cdx.model.preview import Preview
from cdx.model.symbol import FEE_RATE, Symbol
from cdx.ui.format import (
    display_math,
    fmt_amount,
    fmt_compact,
    fmt_exact,
    fmt_price,
    fmt_text,
)
from cdx.ui.order_check import Check, OrderDraft, share_of_available

FEE_PERCENT = fmt_amount((FEE_RATE * 100).normalize())
"""The exchange's fee as the dialog names it (`0.1`)."""

CROSSING = "Crosses the spread: fills at once as a taker"
"""What the form says of a limit price through the spread (`b` prefills the best ask)."""


@dataclass(frozen=True, slots=True)
class FormPreview:
    """The form's preview: up to two `lines`, and a `note` for the message line (the rest
    that rests, or why it is not all filled) that is a `warning` when the order would not
    fill as asked."""

    lines: tuple[str, ...] = ()
    note: str = ""
    warning: bool = False


def first_fit(variants: Sequence[str], width: int) -> str:
    """The first text no wider than `width`; the last, cut with `…`, if none is."""
    for text in variants:
        if len(text) <= width:
            return text
    return fmt_text(variants[-1], width) if variants else ""


def signed_pct(value: Decimal) -> str:
    """A percentage with its sign and three decimals: `+0.031%`."""
    return f"{signed(value, 3)}%"


def signed(value: Decimal, decimals: int) -> str:
    """A price difference with its sign: `+8.41`, `-0.50`."""
    text = fmt_price(value, decimals, width=12)
    return text if text.startswith("-") else "+" + text


def total_line(check: Check, symbol: Symbol, side: Side, order_type: OrderType, width: int) -> str:
    """`Total 2,700.816 USDT  fee ≈ 0.0001 BTC`, fitted to `width` (the fee goes first).

    A limit order's total is what the user pays, never rounded; a market order's is an
    estimate (≈), shown at the price precision.
    """
    if check.total is None:
        return ""
    base, quote = _names(symbol)
    with display_math():
        if order_type is OrderType.MARKET:
            total = f"≈ {fmt_price(check.total, symbol.price_precision)}"
        else:
            total = fmt_exact(check.total, symbol.price_precision)
        head = f"Total {total} {quote}"
        if check.fee is None:
            return first_fit([head], width)
        coin = base if side is Side.BUY else quote
        decimals = symbol.amount_precision + 2 if side is Side.BUY else symbol.price_precision + 2
        fee = _trimmed(fmt_amount(check.fee, decimals))
        short = _trimmed(fmt_amount(check.fee, decimals - 2))
        variants = [f"{head}  fee ≈ {fee} {coin}", f"{head} fee {short} {coin}", head]
        return first_fit(variants, width)


def _trimmed(number: str) -> str:
    """`0.00010000` -> `0.0001`: an estimate's trailing zeros say nothing."""
    if "." not in number or not number[-1].isdigit():
        return number
    return number.rstrip("0").rstrip(".")


def _names(symbol: Symbol) -> tuple[str, str]:
    return fmt_text(symbol.base.upper(), 12), fmt_text(symbol.quote.upper(), 12)


def _received(preview: Preview, symbol: Symbol, *, compact: bool = False) -> str:
    """What lands in the account once the fee is taken, in its coin (`0.036975 BTC`);
    `compact` with fewer digits, for a narrow form."""
    base, quote = _names(symbol)
    net = preview.net_received
    if preview.side is Side.BUY:
        decimals = min(symbol.amount_precision, 4) if compact else symbol.amount_precision
        return f"{fmt_amount(net, decimals)} {base}"
    text = fmt_compact(net) if compact and net >= 1000 else fmt_amount(net, symbol.price_precision)
    return f"{text} {quote}"


def _unfilled(preview: Preview, symbol: Symbol) -> str:
    """What would not fill at once, in the order's own unit."""
    base, quote = _names(symbol)
    if preview.type is OrderType.MARKET and preview.side is Side.BUY:
        return f"{fmt_amount(preview.unfilled, symbol.price_precision)} {quote}"
    return f"{fmt_amount(preview.unfilled, symbol.amount_precision)} {base}"


def form_preview(check: Check, symbol: Symbol, order_type: OrderType, width: int) -> FormPreview:
    """The form's preview of `check` for a content `width`: nothing for an order that rests."""
    preview = check.preview
    if preview is None:
        if order_type is OrderType.LIMIT and check.crosses:
            return FormPreview((CROSSING,))
        return FormPreview()
    with display_math():
        if not preview.base:
            side = "asks" if preview.side is Side.BUY else "bids"
            return FormPreview((), f"No {side} in the book: nothing fills now", warning=True)
        return FormPreview(_form_lines(preview, symbol, width), *_form_note(preview, symbol, width))


def _form_lines(preview: Preview, symbol: Symbol, width: int) -> tuple[str, str]:
    base, _ = _names(symbol)
    p = symbol.price_precision
    assert preview.average is not None and preview.worst is not None
    avg, worst = fmt_price(preview.average, p), fmt_price(preview.worst, p)
    avg_short, worst_short = (
        fmt_price(value, p, width=8) for value in (preview.average, preview.worst)
    )
    if preview.type is OrderType.LIMIT:
        amount = fmt_amount(preview.base, symbol.amount_precision)
        first = [
            f"Taker now: {amount} {base} at avg {avg}",
            f"Taker now {amount} {base} avg {avg}",
            f"Taker {fmt_amount(preview.base, 4)} {base} avg {avg_short}",
        ]
    else:
        first = [
            f"Get ≈ {_received(preview, symbol)} at avg {avg}",
            f"Get ≈ {_received(preview, symbol)} avg {avg}",
            f"≈ {_received(preview, symbol, compact=True)} avg {avg_short}",
        ]
    second = [f"worst {worst}"]
    pct, slip = preview.slippage_pct, preview.slippage
    if pct is not None and slip is not None:
        second = [
            f"worst {worst}  slippage {signed_pct(pct)} ({signed(slip, p)})",
            f"worst {worst}  slip {signed_pct(pct)} ({signed(slip, p)})",
            f"worst {worst}  slip {signed_pct(pct)}",
            f"worst {worst_short} {signed_pct(pct)}",
        ]
    return first_fit(first, width), first_fit(second, width)


def _form_note(preview: Preview, symbol: Symbol, width: int) -> tuple[str, bool]:
    """(message-line note, whether it warns): the rest of a limit order, what a market order
    larger than the visible book leaves unfilled, or else the coarser step the book has."""
    step = f"From the step{preview.step} book: prices rounded" if preview.step else ""
    if preview.type is OrderType.LIMIT:
        if not preview.unfilled:
            return step, False
        rest = _unfilled(preview, symbol)
        return first_fit([f"The rest, {rest}, rests at your price", f"{rest} rests"], width), False
    if not preview.beyond_depth:
        return step, False
    left = _unfilled(preview, symbol)
    variants = [
        f"Larger than the visible book: {left} unfilled",
        f"Larger than the book: {left} unfilled",
        f"Beyond the book: {left} unfilled",
        f"Beyond the book: {left}",
    ]
    return first_fit(variants, width), True


def dialog_lines(draft: OrderDraft, account: Account | None) -> tuple[list[str], str]:
    """(lines, warning) for the confirmation dialog: the preview and the share of the available
    balance; the warning (shown in the error colour) when the order is larger than the visible
    book, or a market order has nothing to fill against."""
    with display_math():
        lines, warning = _dialog_preview(draft)
        share = share_of_available(draft, account)
        if share is not None:
            percent, available = share
            coin = fmt_text(draft.symbol.held_coin(draft.side).upper(), 12)
            decimals = (
                draft.symbol.price_precision
                if draft.side is Side.BUY
                else draft.symbol.amount_precision
            )
            lines.append(
                f"Uses {fmt_price(percent, 2)}% of the {fmt_amount(available, decimals)} "
                f"{coin} available"
            )
        return lines, warning


def _dialog_preview(draft: OrderDraft) -> tuple[list[str], str]:
    preview = draft.preview
    symbol = draft.symbol
    if preview is None:
        if draft.type is OrderType.MARKET:
            return [], "No book yet: what it fills cannot be estimated"
        return ["Rests in the book as a maker: it does not cross the spread"], ""
    if not preview.base:
        side = "asks" if draft.side is Side.BUY else "bids"
        return [], f"No {side} in the book: nothing would fill now"
    base, quote = _names(symbol)
    p = symbol.price_precision
    assert preview.average is not None and preview.worst is not None
    book = "the book" if not preview.step else f"the step{preview.step} book (prices rounded)"
    levels = f"{preview.levels} level" + ("s" if preview.levels != 1 else "")
    prices = f"average {fmt_price(preview.average, p)}, worst {fmt_price(preview.worst, p)} {quote}"
    if draft.type is OrderType.LIMIT:
        lines = [
            "Crosses the spread: fills now as a taker, up to "
            f"{fmt_amount(preview.base, symbol.amount_precision)} {base}",
            f"at {prices} ({levels}" + (f" of {book})" if preview.step else ")"),
        ]
    else:
        lines = [
            f"Estimate from {book}, {levels}:",
            f"Receive ≈ {_received(preview, symbol)} after the {FEE_PERCENT} % fee",
            prices[:1].upper() + prices[1:],
        ]
    slippage, pct = preview.slippage, preview.slippage_pct
    if slippage is not None and pct is not None and preview.mid is not None:
        lines.append(
            f"Slippage {signed_pct(pct)} ({signed(slippage, p)} {quote}) against the mid "
            f"{fmt_price(preview.mid, p + 1)}"
        )
    return lines, _dialog_rest(draft, preview, lines)


def _dialog_rest(draft: OrderDraft, preview: Preview, lines: list[str]) -> str:
    """Add what happens to the part that does not fill at once; the warning, if any."""
    symbol = draft.symbol
    left = _unfilled(preview, symbol)
    if draft.type is OrderType.LIMIT:
        if preview.unfilled and draft.price is not None:
            _, quote = _names(symbol)
            price = fmt_price(draft.price, symbol.price_precision)
            lines.append(f"The rest, {left}, rests at {price} {quote} as a maker")
        if preview.beyond_depth:
            lines.append("The book shown ends before your price: more may fill at once")
        return ""
    if preview.beyond_depth:
        return f"Larger than the visible book: {left} would not fill (it expires)"
    return ""
