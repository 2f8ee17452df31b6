"""Write only the terminal cells that change: a shadow of the screen between Textual and the tty.

Textual repaints whole segments of a line, each with its full colour sequence and a reset
(`ESC[38;2;r;g;b;48;2;r;g;bm` + text + `ESC[0m`): a total whose last two digits moved costs
the terminal some 60 bytes, and 80 % of what the dashboard wrote was colour codes. Over SSH,
all day, that is the product's cost. `CellDiff` keeps what the terminal shows, cell by cell,
reads each frame Textual writes, and sends only cells whose character or style differs, moving
the cursor and switching colour only when it must. The screen looks exactly as Textual drew
it: a frame is re-encoded, never reinterpreted.

What it does not model (anything but cursor moves, SGR and text), it passes through; an escape
that may change cells it cannot see (erase, scroll, a screen switch) makes it forget the
shadow, so the next frame is written in full. `CellDiffDriver` is Textual's Linux driver with
this in its `write`.
"""

from __future__ import annotations

import re

from rich.cells import get_character_cell_size
from textual.drivers.linux_driver import LinuxDriver

from cdx.ui.cell_shadow import Shadow

_TOKEN = re.compile(
    r"(\x1b\[([0-9;?<>=]*)([ -/]*[@-~])"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC (title, clipboard)
    r"|\x1b[^\[\]])"  # other two-character escapes
)
"""Split on this, a frame is text, then (escape, CSI parameters, CSI final, text) over and
over; parameters and final are None for an escape that is not a CSI."""


def _narrow_characters() -> str:
    """ASCII and the box, block and shape characters panels are drawn with, that take one
    cell each: text made only of these takes the fast path (no width lookup per character)."""
    chars = [chr(code) for code in (*range(0x20, 0x7F), *range(0x2000, 0x2800))]
    return "".join(char for char in chars if get_character_cell_size(char) == 1)


NARROW = frozenset(_narrow_characters())
_NARROW_SET_HOLDS = NARROW.issuperset
_NARROW_RUN = re.compile("[" + re.escape("".join(sorted(NARROW))) + "]+")
_PRIVATE = frozenset("?<>=")
"""First characters of private CSI parameters (`?25h`): not cell moves nor colours."""
_FORGET = frozenset("JKLMPSTX@r")
"""CSI finals that erase, insert, delete or scroll: cells change where the shadow cannot see."""


class CellDiff:
    """Re-encodes Textual's output so only changed cells reach the terminal.

    `encode(data)` takes what Textual would write and returns what to write instead. Textual's
    own cursor and style (where its next character would land, in which style) are followed as
    it writes; the terminal's (`_tx`, `_ty`, `_term_sgr`) as this writes. After each call the
    terminal's cursor is where Textual left its own, and the style is reset, as Textual's are.
    """

    def __init__(self) -> None:
        self.shadow = Shadow()
        self._x = self._y = 0
        self._sgr = ""
        self._tx: int | None = None
        self._ty: int | None = None
        self._term_sgr = ""
        self._out: list[str] = []
        self._pending: list[tuple[tuple[int, int], str, str, int]] = []
        self._in_order = False  # a wide character is involved: write exactly in Textual's order
        self._placed = False  # the cursor was placed since the last screen switch

    def forget(self) -> None:
        """The terminal's content is unknown (a new screen, a resume): write everything next."""
        self.shadow.clear()
        self._tx = self._ty = None

    def encode(self, data: str) -> str:
        out = self._out = []
        parts = iter(_TOKEN.split(data))
        text = next(parts)
        if text:
            self._text(text)
        for escape, params, final, text in zip(parts, parts, parts, parts, strict=True):
            if final == "m" and params[:1] not in _PRIVATE:
                self._style(params)  # most of a frame: a colour, text, a reset
            else:
                self._escape(escape, params, final)
            if text:
                self._text(text)
        self._flush()
        if self._term_sgr:
            out.append("\x1b[0m")
            self._term_sgr = ""
        if self._placed and (self._tx, self._ty) != (self._x, self._y):
            # Leave the cursor where Textual put it; never after a screen switch, which hands
            # the cursor back to the terminal (leaving the alternate screen restores it).
            out.append(f"\x1b[{self._y + 1};{self._x + 1}H")
            self._tx, self._ty = self._x, self._y
        return "".join(out)

    def _escape(self, escape: str, params: str | None, final: str | None) -> None:
        if final is None or params is None:  # OSC or a two-character escape: no cell, no move
            self._pass(escape)
            if escape in ("\x1b7", "\x1b8", "\x1bc"):
                self.forget()
            return
        private = params[:1] in ("?", "<", ">", "=")
        if final in "HfCG" and not private:
            self._placed = True
        if final == "m" and not private:
            self._style(params)
        elif final in ("H", "f") and not private:
            numbers = [int(n) if n else 1 for n in params.split(";")] if params else []
            self._y = (numbers[0] if numbers else 1) - 1
            self._x = (numbers[1] if len(numbers) > 1 else 1) - 1
        elif final == "C" and not private:
            self._x += int(params) if params else 1
        elif final == "G" and not private:
            self._x = (int(params) if params else 1) - 1
        elif final in "ABDd" and not private:
            self._pass(escape)  # a relative move: followed, then trusted no more
            count = int(params) if params else 1
            if final == "A":
                self._y -= count
            elif final == "B":
                self._y += count
            elif final == "D":
                self._x -= count
            else:
                self._y = count - 1
            self._tx = self._ty = None
        else:
            self._pass(escape)
            if private and params[1:] in ("1049", "47", "1047"):
                self.forget()
                self._placed = False
            elif final in _FORGET or not (private or final in "hlnqtc"):
                self.forget()  # also any move it does not follow: write from scratch

    def _style(self, params: str) -> None:
        if params in ("", "0"):
            self._sgr = ""
        elif params.startswith("0;"):
            self._sgr = params[2:]
        else:
            self._sgr = f"{self._sgr};{params}" if self._sgr else params

    def _text(self, text: str) -> None:
        if _NARROW_SET_HOLDS(text):
            self._narrow(text)  # nearly always: one-cell characters only
            return
        position = 0
        for match in _NARROW_RUN.finditer(text):
            if match.start() > position:
                self._chars(text[position : match.start()])
            self._narrow(match.group(0))
            position = match.end()
        if position < len(text):
            self._chars(text[position:])

    def _narrow(self, text: str) -> None:
        """A run of one-cell characters: the common case. A run the terminal already shows
        is skipped at once; otherwise each cell is compared with the row's."""
        x, y, sgr = self._x, self._y, self._sgr
        end = x + len(text)
        shadow = self.shadow
        self._x = end
        if shadow.holds(x, y, text, sgr):
            return
        row = shadow.row(y, end) if x >= 0 else None
        if row is None:
            self._x = x
            for char in text:
                self._put(char)
            return
        chars, sgrs = row
        pending = self._pending
        for at, char in enumerate(text, x):
            old = chars[at]
            if old != char or sgrs[at] != sgr:
                if old is not None and old not in NARROW:
                    self._breaks_wide((at, y))
                chars[at] = char
                sgrs[at] = sgr
                pending.append(((at, y), char, sgr, 1))

    def _chars(self, text: str) -> None:
        for char in text:
            if char == "\r":
                self._x = 0
            elif char == "\n":
                self._y += 1
            elif char >= " ":
                width = get_character_cell_size(char)
                if width == 1:
                    self._put(char)
                elif width == 2:
                    self._put_wide(char)
                else:
                    self._put_combining(char)
            else:
                self._pass(char)  # a bell or the like: not a cell
                if char != "\x07":
                    self._tx = self._ty = None  # it may have moved the cursor

    def _put(self, char: str) -> None:
        at = (self._x, self._y)
        cell = (char, self._sgr)
        broke = self._breaks_wide(at)
        if broke or self.shadow.get(at) != cell:
            self._emit(at, char)
            self.shadow[at] = cell
        self._x += 1

    def _put_wide(self, char: str) -> None:
        at, second = (self._x, self._y), (self._x + 1, self._y)
        cell, tail = (char, self._sgr), ("", self._sgr)
        if self.shadow.get(at) != cell or self.shadow.get(second) != tail:
            self._breaks_wide(at)
            self._breaks_wide(second)
            self._emit(at, char, width=2)
            self.shadow[at], self.shadow[second] = cell, tail
        self._x += 2

    def _put_combining(self, char: str) -> None:
        """A zero-width mark joins the cell before it: that cell is written again, whole."""
        at = (self._x - 1, self._y)
        text, sgr = self.shadow.get(at, ("", self._sgr))
        self.shadow[at] = (text + char, sgr)
        self._emit(at, text + char)

    def _breaks_wide(self, at: tuple[int, int]) -> bool:
        """Writing over half of a wide character blanks its other half on most terminals:
        that half is forgotten, so it is written again if Textual draws it."""
        x, y = at
        text = self.shadow.get(at, ("x", ""))[0]
        if text == "":  # the second half of a wide character
            self.shadow.pop((x - 1, y), None)
            self._in_order = True
            return True
        if get_character_cell_size(text[:1]) == 2:
            self.shadow.pop((x + 1, y), None)
            self._in_order = True
        return False

    def _pass(self, sequence: str) -> None:
        """Write something that is not a cell, after the cells Textual wrote before it."""
        self._flush()
        self._out.append(sequence)

    def _emit(self, at: tuple[int, int], text: str, width: int = 1) -> None:
        self._placed = True
        self._pending.append((at, text, self._sgr, width))
        if width != 1:
            self._in_order = True

    def _flush(self) -> None:
        """Write the changed cells one style at a time: a cursor move costs a few bytes, a
        colour switch some thirty, and cells of one style are scattered over many rows (every
        price in the ladder, every amount)."""
        pending, self._pending = self._pending, []
        if self._in_order:
            # A wide character overlaps or blanks a neighbour: Textual's order decides.
            self._in_order = False
            for at, text, sgr, width in pending:
                self._write(at, text, width, sgr)
            return
        latest = {at: (text, sgr, width) for at, text, sgr, width in pending}
        by_style: dict[str, list[tuple[int, int, str, int]]] = {}
        for (x, y), (text, sgr, width) in latest.items():
            by_style.setdefault(sgr, []).append((y, x, text, width))
        styles = sorted(by_style, key=lambda sgr: sgr != self._term_sgr)
        for sgr in styles:
            for y, x, text, width in _runs(sorted(by_style[sgr])):
                self._write((x, y), text, width, sgr)

    def _write(self, at: tuple[int, int], text: str, width: int, sgr: str) -> None:
        x, y = at
        out = self._out
        if (self._tx, self._ty) != (x, y):
            if self._ty == y and self._tx is not None and 0 < x - self._tx <= 9999:
                gap = x - self._tx
                out.append("\x1b[C" if gap == 1 else f"\x1b[{gap}C")
            else:
                out.append(f"\x1b[{y + 1};{x + 1}H")
        if self._term_sgr != sgr:
            out.append(f"\x1b[0;{sgr}m" if sgr else "\x1b[0m")
            self._term_sgr = sgr
        out.append(text)
        self._tx, self._ty = x + width, y
        if self._tx >= 9999:
            self._tx = None


def _runs(cells: list[tuple[int, int, str, int]]) -> list[tuple[int, int, str, int]]:
    """Sorted (y, x, text, width) cells of one style joined where each starts where the one
    before ends: written as one piece, which is what cell after cell would write (no cursor
    move between them), at one call instead of one per cell. Not past column 9999, where
    `_write` stops trusting the cursor."""
    runs: list[tuple[int, int, str, int]] = []
    texts: list[str] = []
    run_y = run_x = end = -1
    for y, x, text, width in cells:
        if y == run_y and x == end and end < 9999:
            texts.append(text)
            end += width
            continue
        if texts:
            runs.append((run_y, run_x, "".join(texts), end - run_x))
        run_y, run_x, end, texts = y, x, x + width, [text]
    if texts:
        runs.append((run_y, run_x, "".join(texts), end - run_x))
    return runs


class CellDiffDriver(LinuxDriver):
    """Textual's Linux driver, writing only the cells that changed (see `CellDiff`)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._cells = CellDiff()

    def start_application_mode(self) -> None:
        """A fresh screen (start, or back from a suspend): nothing on it is known."""
        self._cells.forget()
        super().start_application_mode()

    def write(self, data: str) -> None:
        super().write(self._cells.encode(data))
