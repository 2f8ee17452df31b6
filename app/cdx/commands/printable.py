"""Server text made safe for a terminal and a log file.

A coin name, an id or an error message comes from whoever runs the server. Printed raw, an ESC
starts a terminal control sequence (retitle the window, rewrite the screen, fake a prompt), a
bidi override reverses what the user reads, and a newline forges another log line. Everything
the CLI prints or logs that did not come from our own code passes through `printable` first.

`cell_width` measures what the terminal will show, so tables of such text stay aligned.
"""

from __future__ import annotations

import logging
import unicodedata

_SHOWN_AS_IS = frozenset("\n")
"""What `printable_lines` keeps: the line breaks of a traceback or a multi-line report."""


def printable(text: object, *, keep: frozenset[str] = frozenset()) -> str:
    """`text` with every character a terminal would act on instead of show written as an escape.

    Escaped: C0 controls (newline and tab included), DEL, C1 controls, ESC, bidi overrides and
    isolates, zero-width and other format characters, line/paragraph separators, surrogates,
    private-use and unassigned code points; `\\x1b`, `\\u202e` or `\\U000e0001` take their
    place, so the user still sees that something was there. Characters in `keep` pass
    unchanged. Any other character (letters of every script, digits, punctuation, symbols,
    spaces) passes unchanged, so ordinary text reads as the server wrote it.
    """
    string = text if isinstance(text, str) else str(text)
    if string.isprintable() and not keep:
        # isprintable() is False for every category escaped below (and for all but the
        # ASCII space among separators), so the common case costs one scan.
        return string
    return "".join(char if char in keep or not _escaped(char) else _escape(char) for char in string)


def printable_lines(text: object) -> str:
    """Like `printable`, but line breaks stay: for tracebacks and multi-line reports."""
    return printable(text, keep=_SHOWN_AS_IS)


def cell_width(text: str) -> int:
    """Terminal columns `text` takes (East Asian wide characters 2, combining marks 0).

    Meant for text already made `printable`, which has no control characters left.
    """
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def ljust(text: str, width: int) -> str:
    """`text` padded on the right to `width` terminal columns."""
    return text + " " * max(0, width - cell_width(text))


def rjust(text: str, width: int) -> str:
    """`text` padded on the left to `width` terminal columns."""
    return " " * max(0, width - cell_width(text)) + text


class PrintableFormatter(logging.Formatter):
    """A log formatter that escapes what a record carries, so no log line holds a raw control.

    The message is kept to one line (a server string cannot forge a second record); a
    traceback keeps its line breaks but has every other control escaped, since exception
    messages quote server text too.
    """

    def format(self, record: logging.LogRecord) -> str:
        record.message = printable(record.getMessage())
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + printable_lines(record.exc_text)
        if record.stack_info:
            text += "\n" + printable_lines(self.formatStack(record.stack_info))
        return text


def _escaped(char: str) -> bool:
    if char == " ":
        return False
    # Cc controls, Cf format (bidi, zero width), Cs surrogates, Co private use, Cn unassigned,
    # Zl/Zp line and paragraph separators, Zs other spaces (no-break, em, ideographic...):
    # all of these either act on the terminal or hide what the text really is.
    return unicodedata.category(char)[0] in ("C", "Z")


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
