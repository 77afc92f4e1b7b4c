"""The detail screen's charts start at zero in round steps: a rate moving from 17.8111 to 17.8315 req/s
is drawn flat, not as a cliff from top to bottom, and the axis's end ticks say the range."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from textual.app import App
from textual_plotext import PlotextPlot

from opsconsole.core.chart_axis import y_axis
from opsconsole.core.dashboard import Detail
from opsconsole.ui.screens import DetailScreen
from opsconsole.ui.themes import load_themes


@pytest.mark.parametrize(
    ("values", "labels"),
    [
        ([17.8111, 17.8315], ("0", "5", "10", "15", "20")),  # the case that looked like a cliff
        ([16.7, 11.4], ("0", "5", "10", "15", "20")),  # a real drop keeps its true size
        ([4.41, 0.68], ("0", "2", "4", "6")),
        ([9.1], ("0", "2.5", "5.0", "7.5", "10.0")),
        ([747.4, 425.9], ("0", "200", "400", "600", "800")),
        ([0.0, 0.0], ("0", "0.25", "0.50", "0.75", "1.00")),  # nothing happening: a line on the floor
        ([], ("0", "0.25", "0.50", "0.75", "1.00")),
        ([0.00012, 0.0003], ("0", "0.0001", "0.0002", "0.0003")),
        ([-3.0, 5.0], ("-4", "-2", "0", "2", "4", "6")),  # data below zero keeps it
        ([123456.0], ("0", "50k", "100k", "150k")),
        ([10_000.0], ("0", "2.5k", "5.0k", "7.5k", "10.0k")),  # k from ten thousand on, steps in k
        ([9_999.0], ("0", "2.5k", "5.0k", "7.5k", "10.0k")),  # the top tick decides, not the data
        ([2.5e9], ("0", "1G", "2G", "3G")),  # not 1000M: the largest unit that stays short
        ([2.5e6], ("0", "1M", "2M", "3M")),  # not 2000k
        ([1.9e6], ("0", "0.5M", "1.0M", "1.5M", "2.0M")),  # 2.0M is shorter than 2000k
        ([9e8], ("0", "0.25G", "0.50G", "0.75G", "1.00G")),  # as short as 1000M: the larger unit
        ([7.9e8], ("0", "200M", "400M", "600M", "800M")),  # not 0.8G: the top tick reaches no G
        ([1000.0], ("0", "250", "500", "750", "1000")),  # not 1.00k, wider than 1000
        ([1.5e13], ("0", "5T", "10T", "15T")),
        ([-2.5e9, 1e9], ("-3G", "-2G", "-1G", "0", "1G")),  # below zero, the same units
        ([2e-7], ("0", "5.0e-8", "1.0e-7", "1.5e-7", "2.0e-7")),  # not 0.0000002
        ([1e24], ("0", "2.5e23", "5.0e23", "7.5e23", "1.0e24")),  # beyond every unit
        ([math.nan, 3.0, math.inf], ("0", "1", "2", "3")),  # NaN and ±Inf samples do not set the range
        ([5e-324], ("0", "0.25", "0.50", "0.75", "1.00")),  # too small to divide: a unit range
    ],
)
def test_the_axis_starts_at_zero_and_ends_on_a_round_step(
    values: list[float], labels: tuple[str, ...]
) -> None:
    assert y_axis(values).labels() == labels


@example([5e-324])  # a span that divides to zero
@given(st.lists(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), max_size=50))
def test_every_value_and_zero_are_inside_and_steps_are_even(values: list[float]) -> None:
    axis = y_axis(values)
    assert axis.low <= 0.0 <= axis.high
    steps = [b - a for a, b in zip(axis.ticks, axis.ticks[1:], strict=False)]
    slack = steps[0] * 1e-6  # rounding noise (17.999999999 ends at 18, not one step higher)
    assert all(axis.low - slack <= v <= axis.high + slack for v in values)
    assert len(axis.ticks) >= 2 and all(math.isclose(s, steps[0], rel_tol=1e-6) for s in steps)
    assert (axis.ticks[0], axis.ticks[-1]) == (axis.low, axis.high)
    # Not a needlessly tall axis: at most one step above the data (or the unit range for all zero).
    assert axis.high - max([0.0, *values]) < steps[0] * (1 + 1e-9) or axis.high == 1.0


class _DetailApp(App[None]):
    def __init__(self, screen: DetailScreen) -> None:
        super().__init__()
        self.detail_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.detail_screen)


def _chart_text(screen: DetailScreen, name: str) -> list[str]:
    widget = screen.query_one(f"#chart-{name}", PlotextPlot)
    rendered: Any = widget.render()
    return [line.rstrip() for line in rendered.plain.splitlines()]


async def test_a_nearly_flat_rate_is_drawn_flat_near_its_value_with_the_range_on_the_axis() -> None:
    now = 1_795_000_000.0
    points = [(now - 900 + 15 * i, 17.8111 + (0.0204 if i > 40 else 0.0)) for i in range(61)]
    detail = Detail(
        title="npa", range_seconds=900.0, charts={"rate": [("npa", points)]}, units={"rate": "req/s"}
    )
    screen = DetailScreen("npa", load_themes()[0]["dark"])
    async with _DetailApp(screen).run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen.show(detail)
        await pilot.pause()
        await pilot.pause()
        lines = _chart_text(screen, "rate")
    ticks = [line.split("┤")[0].strip() for line in lines if "┤" in line]
    assert ticks[0] == "20" and ticks[-1] == "0", lines  # the range, top and bottom
    assert not any(t.startswith("17.8") for t in ticks), ticks  # not scaled to the data's own span
    # The line (one row, flat) is near the top: 17.8 of 20, not half at the top and half at the bottom.
    rows = [i for i, line in enumerate(lines) if "▄" in line or "▀" in line or "█" in line or "⣿" in line]
    plotted = [i for i, line in enumerate(lines) if "┤" in line or "│" in line]
    assert rows, lines
    assert max(rows) - min(rows) <= 1, lines
    assert min(rows) - min(plotted) < (max(plotted) - min(plotted)) / 3, lines


_SCALES = {"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}


def _read_back(label: str) -> float:
    """The number a label says (``2.5k`` is 2500)."""
    if label[-1] in _SCALES:
        return float(label[:-1]) * _SCALES[label[-1]]
    return float(label)


@example([5e-324])  # subnormal: a span that divides to zero
@example([1e-20])  # a step needing more than twelve decimals
@example([-1.7e308, 1.7e308])  # a span beyond the largest float
@example([1.7e308])
@example([-5e-324, 5e-324])
@example([1e24])
@example([1.7976931168853849e308, -1.7976931150876954e308])  # vast, and its two halves near equal
@given(st.lists(st.floats(), max_size=20))
def test_labels_never_fail_and_say_each_tick_shortly(values: list[float]) -> None:
    axis = y_axis(values)
    labels = axis.labels()
    assert len(labels) == len(axis.ticks)
    gaps = [b - a for a, b in zip(axis.ticks, axis.ticks[1:], strict=False)]
    assert all(g > 0 for g in gaps)  # increasing, no tick twice
    for label, tick in zip(labels, axis.ticks, strict=True):
        # Each label is its tick, to far better than the distance between two ticks.
        assert abs(_read_back(label) - tick) <= max(gaps) * 1e-3, (label, tick)
    vast = math.isinf(axis.high - axis.low)  # labelled at its two ends and zero, not in steps
    if len(gaps) > 1 and not vast and all(math.isclose(g, gaps[0]) for g in gaps):
        # Round steps (not the ends of a span too vast for them): short labels. Equal gaps alone
        # did not tell them apart: a vast span's two halves can be equal to a billionth.
        assert max(len(label) for label in labels) <= len("-1.7e-308"), labels


def test_values_at_the_ends_of_the_float_range_give_an_axis_not_a_crash() -> None:
    axis = y_axis([-1.7e308, 1.7e308])
    assert axis.ticks == (-1.7e308, 0.0, 1.7e308)
    assert len(axis.labels()) == 3
    assert y_axis([1.7e308]).labels()[0] == "0"
