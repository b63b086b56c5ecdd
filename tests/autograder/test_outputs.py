"""autograder.course.outputs: CSV cells no spreadsheet evaluates, text safe for a terminal, atomic writes."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.course.outputs import FORMULA_START, for_terminal, safe_cell, write_csv


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")'])
def test_safe_cell_defuses_every_formula_start(text):
    assert safe_cell(text) == "'" + text


def test_safe_cell_keeps_plain_values():
    assert [safe_cell(v) for v in ["s001", 3, 2.5, None, "Ada Lovelace"]] == ["s001", "3", "2.5", "", "Ada Lovelace"]


@given(st.lists(st.lists(st.text(max_size=20), min_size=1, max_size=4), min_size=1, max_size=5))
def test_write_csv_no_cell_starts_a_formula_and_values_survive(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "out.csv"
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    write_csv(path, [f"c{i}" for i in range(width)], rows)
    with path.open(newline="", encoding="utf-8") as f:
        back = list(csv.reader(f))[1:]
    for got, want in zip(back, rows, strict=True):
        for g, w in zip(got, want, strict=True):
            assert not g.startswith(FORMULA_START)
            assert g == (w if not w.startswith(FORMULA_START) else "'" + w)


def test_for_terminal_escapes_control_characters():
    assert for_terminal("a\x1b[31mred\x07\nb\u202e") == "a\\x1b[31mred\\x07\\nb\\u202e"
    assert for_terminal("plain ünïcode") == "plain ünïcode"
