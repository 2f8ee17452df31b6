"""The default size per symbol: checked like the form's amount, kept private across sessions."""

from __future__ import annotations

import os
import stat
from decimal import Decimal as D
from pathlib import Path

import pytest

from cdx.model.symbol import Symbol
from cdx.ui.default_size import DefaultSizes, default_sizes_path, parse_size

BTC = Symbol("btcusdt", "btc", "usdt", 2, 6, D("0.0001"), D("5"))


def test_a_size_is_checked_like_the_forms_amount() -> None:
    assert parse_size(BTC, "0.5") == (D("0.5"), "")
    assert parse_size(BTC, " 1,000 ") == (D("1000"), "")
    for text, reason in (
        ("abc", "plain number"),
        ("1e3", "plain number"),
        ("-1", "positive"),
        ("0", "positive"),
        ("0.0000001", "at most 6 decimals"),
        ("0.00001", "below the minimum"),
    ):
        size, problem = parse_size(BTC, text)
        assert size is None and reason in problem, (text, problem)


def test_sizes_live_in_a_private_file_and_come_back_next_session(tmp_path: Path) -> None:
    path = tmp_path / "cdx" / "default-sizes.json"
    sizes = DefaultSizes(path)
    assert sizes.set("btcusdt", D("0.25")) == ""
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    again = DefaultSizes(path)
    assert again.get("btcusdt") == D("0.25") and again.problem == ""
    again.set("btcusdt", None)
    assert DefaultSizes(path).get("btcusdt") is None


def test_a_broken_file_costs_the_sizes_not_the_session(tmp_path: Path) -> None:
    path = tmp_path / "default-sizes.json"
    path.write_text('{"btcusdt": "1e999999", "ethusdt": "2", "x": 3}')
    sizes = DefaultSizes(path)
    assert sizes.get("ethusdt") == D(2)
    assert sizes.get("btcusdt") is None and sizes.get("x") is None
    path.write_text("not json")
    broken = DefaultSizes(path)
    assert broken.get("ethusdt") is None and "cannot read" in broken.problem


def test_a_symlinked_file_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text('{"btcusdt": "1"}')
    link = tmp_path / "default-sizes.json"
    link.symlink_to(target)
    sizes = DefaultSizes(link)
    assert sizes.get("btcusdt") is None and sizes.problem


def test_the_file_sits_in_the_state_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_sizes_path() == tmp_path / "cdx" / "default-sizes.json"
