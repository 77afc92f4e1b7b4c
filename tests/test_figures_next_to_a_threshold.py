"""A figure next to its threshold reads as its level says.

A cell's level (``!``/``!!`` and the colour) comes from the value; the engineer reads the text. 2.96
under a crit of 3 was shown "3 !" beside an exact 3's "3 !!": the same text, two levels. The text
now takes as many more digits as it needs to read on the value's side of every threshold ("2.96 !"),
and the level stays the value's (the row's state, its order and its history are the value's too).
That it holds for every value, unit and threshold is tested in ``test_value_format``.
"""

from __future__ import annotations

import pytest

from opsconsole.commands.snapshot import as_json, as_text
from opsconsole.core.dashboard import Dashboard
from opsconsole.packs.schema import HealthSection, Thresholds
from opsconsole.refresh.health_rows import health_rows
from opsconsole.refresh.pane_output import cell
from opsconsole.ui.cells import health_cells
from opsconsole.ui.themes import load_themes
from tests.support.health_results import GRID, NOW, matrix, vector

CRIT_3 = Thresholds(warn=2, crit=3)


@pytest.mark.parametrize(
    ("value", "unit", "thresholds", "text", "level"),
    [
        (2.96, "", CRIT_3, "2.96", "warn"),  # was "3", which reads as crit
        (3, "", CRIT_3, "3", "crit"),
        (3.04, "", CRIT_3, "3", "crit"),  # 3 is crit too: no digit added
        (2.94, "", CRIT_3, "2.9", "warn"),  # 2.9 reads as warn: as it was
        (1.96, "", CRIT_3, "1.96", "ok"),  # "2" would read as warn
        (2.999, "", CRIT_3, "2.999", "warn"),  # as many digits as it takes
        (0.02996, "ratio", Thresholds(warn=0.01, crit=0.03), "2.996%", "warn"),  # was "3.00%"
        (0.9904, "ratio", Thresholds(warn=0.99, crit=0.5, direction="below"), "99.04%", "ok"),  # was 99.0%
        (0.2996, "s", Thresholds(warn=0.25, crit=0.3), "299.6ms", "warn"),  # was "300ms"
        (359.0, "s", Thresholds(warn=300, crit=330), "359s", "crit"),  # was "5m", which reads as 300 s
        (999.96, "conns", Thresholds(warn=500, crit=1000), "999.96 conns", "warn"),  # was "1000 conns"
        (9999.6, "", Thresholds(warn=5000, crit=10000), "9999.6", "warn"),  # was "10000"
        (1023.9, "bytes", Thresholds(warn=1000, crit=1024), "1023.9 B", "warn"),  # was "1024 B"
        (2.96, "", None, "3", "none"),  # no threshold, nothing to read it against: as it was
    ],
)
def test_a_cell_reads_as_its_level(
    value: float, unit: str, thresholds: Thresholds | None, text: str, level: str
) -> None:
    shown = cell(value, unit, thresholds, "q")
    assert (shown.text, shown.level, shown.value) == (text, level, value)


def test_every_surface_shows_the_same_text_and_level() -> None:
    """From Prometheus' answer to the console's cell, the snapshot's text and its --json."""
    section = HealthSection.model_validate(
        {
            "entity": {"type_label": ["job"], "instance_label": ["instance"]},
            "up": "up",
            "signals": {"conns": {"query": "conns", "thresholds": {"warn": 2, "crit": 3}}},
        }
    )
    near, at = {"job": "api", "instance": "near"}, {"job": "api", "instance": "at"}
    instant = {"health.up": vector((near, 1), (at, 1)), "health.signals.conns": vector((near, 2.96), (at, 3))}
    rows = health_rows(section, instant, {qid: matrix() for qid in instant}, GRID).rows
    board = Dashboard("prod", "pack", NOW, 900.0)
    board.health = rows
    by_name = {row.entity: row for row in rows}

    text = as_text(board)
    assert "conns 2.96 !" in text and "conns 3 !!" in text
    assert "conns 3 !\n" not in text + "\n"

    signals = {row["entity"]: row["signals"]["conns"] for row in as_json(board)["health"]}
    assert {k: (v["value"], v["text"], v["level"]) for k, v in signals.items()} == {
        "near": (2.96, "2.96", "warn"),
        "at": (3.0, "3", "crit"),
    }

    theme = load_themes()[0]["dark"]
    console = {name: health_cells(row, ["conns"], theme, NOW)[5].plain for name, row in by_name.items()}
    assert console == {"near": "! 2.96", "at": "!! 3"}
    # The wallboard draws no signal figure: its health page shows the row's state, from the level.
    assert by_name["near"].state == by_name["at"].state == "degraded"
