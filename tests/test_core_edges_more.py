"""More edges found by the core mutation run: selector order, trend baselines, state changes at the
last point, tiny ranges, preferred split labels, braces in the alert filter, the wallboard's worst
budget, an alert without a name, and YAML documents with their line numbers."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from opsconsole.core.alert_filter import AlertFilter
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.dashboard import AlertView, Dashboard, SloRow
from opsconsole.core.located_yaml import describe_validation_error, load_yaml_documents
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.core.promql_text import selector_parts
from opsconsole.core.query_step import choose_step, points
from opsconsole.core.row_keys import RowKeys
from opsconsole.core.search_text import parse_trace_query
from opsconsole.core.silence_blast_radius import NAMES_SHOWN, BlastRadius, ClusterAlert, blast_radius
from opsconsole.core.silence_draft import SilenceDraft
from opsconsole.core.slo import error_budget, evaluate
from opsconsole.core.state_since import state_began, state_since
from opsconsole.core.trend import trend
from opsconsole.core.wallboard_figures import worst_budget


def test_a_bare_selector_seen_before_its_ranged_form_gives_way_to_it() -> None:
    (only,) = selector_parts('x{a="1"} + on() rate(x{a="1"}[5m])')
    assert only.range_seconds == 300.0


@pytest.mark.parametrize(
    ("values", "direction"),
    [
        ([5, 5, 0, 0, 0, 0, 5], "up"),  # against the first half (5, 5, 0), not a third
        ([10, 10, 10, 9.05], "flat"),  # 9.5% of the baseline, the larger of the two
        ([0, 0, 0, 0.05], "up"),  # a small number rising from zero is a rise
    ],
)
def test_trend_baselines(values: list[float], direction: str) -> None:
    assert trend(values) == direction


def _up(value: float) -> str:
    return "up" if value >= 1 else "down"


def test_the_state_is_the_last_points() -> None:
    assert state_since([(0.0, 1), (15.0, 0)], _up) == (15.0, True)
    assert state_began([(0.0, "crit"), (15.0, "ok")], "crit") == (15.0, True)
    assert state_began([(0.0, "ok"), (15.0, "ok"), (30.0, "ok")], "crit") == (30.0, True)


def test_degenerate_ranges() -> None:
    assert choose_step(0.0, 0.0, 10, scrape_interval=0.0) == 1.0  # never a zero step
    assert points(100, 0, 15) == 0


def test_a_preferred_label_splits_namesakes_before_an_alphabetically_earlier_one() -> None:
    series = [{"agent_id": "a1", "az": "x", "pod": "p1"}, {"agent_id": "a1", "az": "y", "pod": "p2"}]
    assert RowKeys.from_series(["agent_id"], series, "up").splits == {"a1": ("pod",)}
    several = [{"agent_id": "a1", "j": j, "z": z} for j, z in (("x", "1"), ("x", "2"), ("y", "1"))]
    (note,) = RowKeys.from_series(["agent_id"], several, "up").notes
    assert note.endswith("told apart by j, z")


def _alert(**labels: str) -> AlertView:
    return AlertView("fp", "Down", "warning", "firing", 0.0, "", labels, {})


@pytest.mark.parametrize("text", ['{team="db"} down', "{ down }", '{team="db", env=~"p.*"}'])
def test_braces_around_matchers_are_not_words(text: str) -> None:
    alert_filter = AlertFilter.parse(text)
    assert all(word.isalnum() for word in alert_filter.words)
    assert alert_filter.keeps(_alert(alertname="Down", team="db", env="prod"))


def _slo(name: str, ratio: float | None) -> SloRow:
    return SloRow(name, name.upper(), 0.999, "30d", evaluate(0.999, 30 * 86400.0, ratio, {}))


def test_the_wallboard_names_the_slo_with_the_least_budget_left() -> None:
    board = Dashboard(
        "ctx", "pack", 0.0, 3600.0, slos=[_slo("a", 0.0005), _slo("b", 0.0009), _slo("c", None)]
    )
    assert worst_budget(board) == ("B", pytest.approx(0.1))
    assert worst_budget(Dashboard("ctx", "pack", 0.0, 3600.0, slos=[_slo("c", None)])) is None


def test_an_alert_without_a_name_is_a_question_mark_and_long_lists_count_the_rest() -> None:
    assert ClusterAlert("1", {"instance": "h:9"}).describe() == "? (h:9)"
    muted = tuple(ClusterAlert(str(i), {"alertname": f"A{i:02d}"}) for i in range(NAMES_SHOWN + 1))
    radius = BlastRadius(muted, len(muted), None, (), 0.5)
    assert radius.names().endswith(f"A{NAMES_SHOWN - 1:02d} and 1 more")


class _Pack(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    size: int


def test_every_yaml_document_keeps_its_lines_and_errors_name_them() -> None:
    text = "name: a\nsize: 1\n---\n# second\nname: b\nsize: big\ncolour: red\n"
    first, second = load_yaml_documents(text, "packs.yaml")
    assert (first.data, first.first_line) == ({"name": "a", "size": 1}, 1)
    assert second.first_line == 5
    with pytest.raises(ValidationError) as invalid:
        _Pack.model_validate(second.data)
    assert describe_validation_error(invalid.value, second) == [
        "packs.yaml:6: size: Input should be a valid integer, unable to parse string as an integer",
        "packs.yaml:7: colour: unknown field (check the spelling; see the docs for the allowed fields)",
    ]
    with pytest.raises(ValidationError) as missing:
        _Pack.model_validate({"name": "x"})
    assert describe_validation_error(missing.value, first, ("packs", 0)) == [
        "packs.yaml:1: packs.0.size: required field is missing"
    ]


def test_the_blast_radius_keeps_the_entity_labels_it_names_alerts_by() -> None:
    draft = SilenceDraft((LabelMatcher("alertname", "=", "Down"),), 0.0, 60.0, "a", "b")
    alerts = [ClusterAlert("1", {"alertname": "Down", "pod": "p-1", "instance": "h:9"})]
    radius = blast_radius(draft, alerts, entity_labels=("pod",))
    assert radius.entity_labels == ("pod",)
    assert radius.names() == "Down (p-1)"


def test_a_trace_search_without_a_service_asks_for_one() -> None:
    with pytest.raises(ValueError) as missing:
        parse_trace_query("errors since=1h")
    assert str(missing.value) == "which service? add service=NAME"


@pytest.mark.parametrize("objective", [0.0, 1.0, -0.5, 99.9])
def test_an_objective_must_be_strictly_between_0_and_1(objective: float) -> None:
    with pytest.raises(ValueError, match="objective must be between 0 and 1"):
        error_budget(objective)


def test_a_new_log_buffer_has_dropped_nothing_and_needs_room_for_a_row() -> None:
    assert (LogBuffer(3).dropped, LogBuffer(3).received) == (0, 0)
    with pytest.raises(ValueError, match=r"^capacity must be at least 1$"):
        LogBuffer(0)
