"""The one CSV writer: text a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import io

import pytest

from workflows.reports.csv_export import FORMULA_STARTS, safe_cell, write_csv


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_text_cell_starting_like_a_formula_gets_an_apostrophe(start):
    shown = "\n" if start == "\r" else start  # a carriage return is written as a (quoted) line break
    assert safe_cell(f"{start}HYPERLINK(\"http://evil.example\")") == f"'{shown}HYPERLINK(\"http://evil.example\")"


@pytest.mark.parametrize("value", ["Login problems", "P1", "all", "a=b", " =1+1", "'quoted", ""])
def test_other_text_is_kept_as_it_is(value):
    assert safe_cell(value) == value


def test_numbers_stay_numbers_and_none_is_empty():
    assert [safe_cell(v) for v in (-5, -0.5, 3, 95.0, None)] == [-5, -0.5, 3, 95.0, ""]


def test_write_csv_neutralises_every_cell_and_quotes_as_csv_does():
    text = write_csv(("metric", "@scope"), [("kb_gap", '=HYPERLINK("http://x","a,b")'), ("-x", -1), ("\tx", "\ry")])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["metric", "'@scope"], ["kb_gap", '\'=HYPERLINK("http://x","a,b")'], ["'-x", "-1"], ["'\tx", "'\ny"]]
