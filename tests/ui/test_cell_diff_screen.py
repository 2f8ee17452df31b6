"""The terminal shows what Textual drew, though only changed cells are written (`CellDiff`).

Frames written the way Textual writes them (a cursor move, a colour, text, a reset) are played
on a small terminal model twice: as Textual wrote them, and as `CellDiff` re-encoded them. The
two screens must be the same after every frame, and the re-encoded frames must be smaller.
"""

from __future__ import annotations

import random
import re

import pytest
from rich.cells import get_character_cell_size

from cdx.ui.cell_diff import CellDiff

WIDTH, HEIGHT = 40, 8
STYLES = ("38;2;224;224;224;48;2;37;37;37", "38;2;185;60;91;48;2;37;37;37", "1;38;5;9", "")
CHARS = "0123456789.,abc █▌│世界"

_TOKEN = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07]*\x07")


class Terminal:
    """Cells as a terminal keeps them: cursor moves, SGR, text; a wide character fills two."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], tuple[str, str]] = {}
        self.x = self.y = 0
        self.sgr = ""

    def play(self, data: str) -> None:
        position = 0
        for match in _TOKEN.finditer(data):
            self._text(data[position : match.start()])
            self._escape(match.group(1) or "", match.group(2) or "")
            position = match.end()
        self._text(data[position:])

    def _escape(self, params: str, final: str) -> None:
        if params.startswith("?"):
            return
        if final == "H":
            row, _, column = params.partition(";")
            self.y, self.x = int(row or 1) - 1, int(column or 1) - 1
        elif final == "C":
            self.x += int(params or 1)
        elif final == "m":
            if params in ("", "0"):
                self.sgr = ""
            elif params.startswith("0;"):
                self.sgr = params[2:]
            else:
                self.sgr = f"{self.sgr};{params}" if self.sgr else params
        elif final == "J":
            self.cells.clear()

    def _text(self, text: str) -> None:
        for char in text:
            if char == "\r":
                self.x = 0
            elif char == "\n":
                self.y += 1
            else:
                width = get_character_cell_size(char)
                for x in range(self.x, self.x + width):
                    self._break_wide(x)
                self.cells[(self.x, self.y)] = (char, self.sgr)
                if width == 2:
                    self.cells[(self.x + 1, self.y)] = ("", self.sgr)
                self.x += width

    def _break_wide(self, x: int) -> None:
        """Writing over half of a wide character blanks its other half (as xterm does)."""
        text, sgr = self.cells.get((x, self.y), (" ", ""))
        if text == "":
            self.cells[(x - 1, self.y)] = (" ", sgr)
        elif get_character_cell_size(text) == 2:
            self.cells[(x + 1, self.y)] = (" ", sgr)

    def screen(self) -> list[list[tuple[str, str]]]:
        return [[self.cells.get((x, y), (" ", "")) for x in range(WIDTH)] for y in range(HEIGHT)]


def textual_frame(rng: random.Random, lines: list[list[tuple[str, str]]]) -> str:
    """Change a few spans and write them as Textual does: each span from its start, each
    segment with its colour and a reset, inside a synchronized update."""
    parts = ["\x1b[?2026h"]
    for _ in range(rng.randint(1, 6)):
        y = rng.randrange(HEIGHT)
        x = rng.randrange(WIDTH - 4)
        length = rng.randint(1, WIDTH - x - 2)
        parts.append(f"\x1b[{y + 1};{x + 1}H")
        cells = 0
        while cells < length:
            style = rng.choice(STYLES)
            text = "".join(rng.choice(CHARS) for _ in range(rng.randint(1, 5)))
            fitted = ""
            for char in text:
                width = get_character_cell_size(char)
                if cells + width > length:
                    break
                fitted += char
                cells += width
            if not fitted:
                fitted, cells = " ", cells + 1
            parts.append(f"\x1b[{style}m{fitted}\x1b[0m" if style else fitted)
    parts.append(f"\x1b[{HEIGHT};1H\x1b[?2026l")
    return "".join(parts)


@pytest.mark.parametrize("seed", range(8))
def test_the_diffed_stream_draws_the_same_screen_as_textuals(seed: int) -> None:
    rng = random.Random(seed)
    as_drawn, as_sent = Terminal(), Terminal()
    diff = CellDiff()
    full = "\x1b[2J" + "".join(f"\x1b[{y + 1};1H" + " " * WIDTH for y in range(HEIGHT))
    as_drawn.play(full)
    as_sent.play(diff.encode(full))
    drawn_bytes = sent_bytes = 0
    for step in range(400):
        frame = textual_frame(rng, as_drawn.screen())
        sent = diff.encode(frame)
        as_drawn.play(frame)
        as_sent.play(sent)
        drawn_bytes += len(frame.encode())
        sent_bytes += len(sent.encode())
        sent_screen, drawn_screen = as_sent.screen(), as_drawn.screen()
        wrong = [
            (x, y, a, b)
            for y, (line_a, line_b) in enumerate(zip(sent_screen, drawn_screen, strict=True))
            for x, (a, b) in enumerate(zip(line_a, line_b, strict=True))
            if a != b
        ]
        assert not wrong, (step, wrong[:3], frame, sent)
        assert (as_sent.x, as_sent.y) == (as_drawn.x, as_drawn.y)  # the cursor where Textual put it
    assert sent_bytes < drawn_bytes


def test_a_frame_that_changes_nothing_writes_no_cells() -> None:
    diff = CellDiff()
    frame = "\x1b[?2026h\x1b[3;5H\x1b[38;2;1;2;3mdata live\x1b[0m\x1b[1;1H\x1b[?2026l"
    diff.encode(frame)
    again = diff.encode(frame)
    assert "data" not in again and "38;2" not in again
    assert again.startswith("\x1b[?2026h") and again.endswith("\x1b[?2026l")


def test_a_new_screen_is_written_in_full() -> None:
    """After the alternate screen is entered (start, resume), nothing on it is known."""
    diff = CellDiff()
    frame = "\x1b[1;1H\x1b[38;5;9mcdx\x1b[0m"
    diff.encode(frame)
    assert "cdx" not in diff.encode(frame)
    assert "cdx" in diff.encode("\x1b[?1049h" + frame)


def test_leaving_the_alternate_screen_hands_the_cursor_back() -> None:
    """Quitting must leave the shell's cursor where it was: no move after the screen switch
    (a trailing move once put the shell prompt in the middle of a line)."""
    cells = CellDiff()
    cells.encode("\x1b[?1049h\x1b[1;1Hhello\x1b[3;7H\x1b[31mx\x1b[0m\x1b[20;40H")
    tail = cells.encode("\x1b[1;1Hhello\x1b[?1049l\x1b[?25h")
    after_switch = tail.split("\x1b[?1049l", 1)[1]
    assert not re.search(r"\x1b\[\d*;?\d*[HfCG]", after_switch), repr(after_switch)
