"""A failed screen snapshot, told in text: which lines of the picture differ, and how.

pytest-textual-snapshot reports a mismatch as an HTML page on the machine that ran the tests; on
CI that page is lost and the log only says "assert False". These helpers turn both SVGs back into
terminal lines (text, and the style class of each run of text) so the failure prints the lines
that changed.
"""

from __future__ import annotations

import difflib
import html
import pickle
import re
from collections import defaultdict

import pytest
from pytest_textual_snapshot import node_to_report_path

# One run of text in Rich's SVG export: its style class, column (in pixels), text and line.
_RUN = re.compile(
    r'<text class="(?P<cls>[^"]*)" x="(?P<x>[\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[\w-]*?line-(?P<line>\d+)\)">(?P<text>[^<]*)</text>'
)
# The per-run id Rich puts in class names (terminal-1234-r5): not a difference.
_UNIQUE_ID = re.compile(r"\bterminal-\d+-")
CELL_WIDTH = 12.2  # Rich's SVG export draws a cell 12.2 px wide


def svg_lines(svg: str) -> list[str]:
    """The terminal's lines in ``svg``, as text (cells the export left blank are spaces)."""
    runs = _runs(svg)
    if not runs:
        return []
    lines = []
    for number in range(max(runs) + 1):
        line = ""
        for _cls, column, text in runs.get(number, []):
            line = line.ljust(column) + text
        lines.append(line.rstrip())
    return lines


def svg_styled_lines(svg: str) -> list[str]:
    """Each line's runs as ``column:class:text``, so a change of colour alone shows too."""
    runs = _runs(svg)
    return [
        " ".join(f"{column}:{cls}:{text!r}" for cls, column, text in runs.get(number, []))
        for number in range(max(runs, default=-1) + 1)
    ]


def snapshot_difference(expected: str, actual: str) -> str:
    """What changed between two snapshot SVGs: a diff of their text, else of their styled runs;
    empty if the pictures are the same."""
    for view in (svg_lines, svg_styled_lines):
        diff = list(
            difflib.unified_diff(view(expected), view(actual), "expected", "actual", n=1, lineterm="")
        )
        if diff:
            return "\n".join(diff)
    return ""


def _runs(svg: str) -> dict[int, list[tuple[str, int, str]]]:
    runs: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for match in _RUN.finditer(_UNIQUE_ID.sub("terminal-", svg)):
        column = round(float(match["x"]) / CELL_WIDTH)
        runs[int(match["line"])].append(
            (match["cls"], column, html.unescape(match["text"]).replace("\xa0", " "))
        )
    for line in runs.values():
        line.sort(key=lambda run: run[1])
    return runs


def mismatch_report(node: pytest.Item) -> str:
    """What pytest-textual-snapshot recorded for ``node``'s last comparison, as the lines that differ."""
    # The plugin pickled it a moment ago, in this process's own temporary directory.
    data = pickle.loads(node_to_report_path(node).read_bytes())  # noqa: S301
    expected, actual = data[1], data[2]
    if not data[9]:
        return "no stored snapshot to compare with (--snapshot-update writes one)"
    difference = snapshot_difference(expected, actual)
    return f"the picture differs from the stored snapshot:\n{difference or '(only outside the text runs)'}"
