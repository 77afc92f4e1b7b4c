"""The pieces every pane's rows are made of: a cell (value, text, level, query), which of two values
is the worse, whether an answer holds data, and samples placed on rows with what could not be
placed or had to be merged said in the notes' exact words."""

from __future__ import annotations

import math

from opsconsole.backends.prometheus_models import QueryResult
from opsconsole.core.row_keys import RowKey
from opsconsole.packs.schema import Thresholds
from opsconsole.refresh.pane_output import cell, has_data, high_is_bad, key_values, samples_by
from tests.support.health_results import NOW, vector

ABOVE = Thresholds.model_validate({"warn": 0.5, "crit": 0.9})
BELOW = Thresholds.model_validate({"warn": 0.5, "direction": "below"})


def _scalar(value: float) -> QueryResult:
    return QueryResult.model_validate({"result_type": "scalar", "scalar": [NOW, str(value)]})


def test_a_cell_has_its_value_text_level_and_query() -> None:
    shown = cell(0.95, "ratio", ABOVE, "red.api.errors")
    assert (shown.value, shown.text, shown.level, shown.query_id) == (0.95, "95.0%", "crit", "red.api.errors")
    missing = cell(None, "ratio", ABOVE, "red.api.errors")
    assert (missing.value, missing.text, missing.level, missing.query_id) == (
        None,
        "—",
        "none",
        "red.api.errors",
    )


def test_high_is_the_worse_unless_the_thresholds_say_below() -> None:
    assert (high_is_bad(None), high_is_bad(ABOVE), high_is_bad(BELOW)) == (True, True, False)


def test_an_answer_has_data_only_with_a_value_that_is_not_nan() -> None:
    assert has_data(_scalar(0.0)) is True
    assert has_data(_scalar(math.nan)) is False
    assert has_data(vector(({"a": "1"}, math.nan), ({"a": "2"}, 0.0))) is True
    assert has_data(vector(({"a": "1"}, math.nan))) is False
    assert has_data(vector()) is False


def _by_job(metric: dict[str, str]) -> tuple[tuple[str, str], ...] | None:
    return key_values(metric, ["job"]) if "job" in metric else None


def test_samples_are_placed_on_rows_and_what_is_not_placed_is_counted() -> None:
    notes: list[str] = []
    out = samples_by(
        vector(
            ({"__name__": "a"}, 1.0),  # names no row, listed first
            ({"job": "api"}, math.nan),  # no data: skipped, the rest still read
            ({"job": "api", "pod": "1"}, 3.0),
            ({"job": "db"}, 2.0),
            ({"pod": "2"}, 5.0),  # names no row either
        ),
        _by_job,  # type: ignore[arg-type]
        high_bad=True,
        query_id="saturation.pool",
        notes=notes,
    )
    assert out == {(("job", "api"),): 3.0, (("job", "db"),): 2.0}
    assert notes == ["saturation.pool: 2 series name no row (missing the pack's entity labels)"]


def test_three_samples_on_one_row_keep_the_worse_and_the_note_counts_them() -> None:
    for high_bad, kept in ((True, 9.0), (False, 1.0)):
        notes: list[str] = []
        out = samples_by(
            vector(
                ({"job": "api", "pod": "1"}, 4.0), ({"job": "api", "pod": "2"}, 9.0), ({"job": "api"}, 1.0)
            ),
            _by_job,  # type: ignore[arg-type]
            high_bad=high_bad,
            query_id="q",
            notes=notes,
            row_word="agent",
        )
        assert out == {(("job", "api"),): kept}
        assert notes == ["q: 3 series share the agent 'api'; the worse value is shown"]


def test_the_shared_row_is_named_by_its_display_else_its_values_else_no_labels() -> None:
    notes: list[str] = []
    samples_by(
        vector(({"pod": "npa-1", "c": "x"}, 1.0), ({"pod": "npa-1", "c": "y"}, 2.0)),
        lambda m: RowKey(m["pod"], "pod"),
        high_bad=True,
        query_id="q",
        notes=notes,
    )
    samples_by(
        vector(({"route": "/a", "m": "GET"}, 1.0), ({"route": "/a", "m": "PUT"}, 2.0)),
        lambda m: key_values(m, ["route", "x"]),
        high_bad=True,
        query_id="q",
        notes=notes,
    )
    samples_by(
        vector(({"a": "1"}, 1.0), ({"a": "2"}, 2.0)),
        lambda m: (),
        high_bad=True,
        query_id="q",
        notes=notes,
    )
    assert notes == [
        "q: 2 series share the row 'npa-1'; the worse value is shown",
        "q: 2 series share the row '/a '; the worse value is shown",
        "q: 2 series share the row '(no labels)'; the worse value is shown",
    ]


def test_a_scalar_answer_is_the_value_of_the_row_without_labels() -> None:
    notes: list[str] = []
    assert samples_by(
        _scalar(7.0), lambda m: key_values(m, ["job"]), high_bad=True, query_id="q", notes=notes
    ) == {(("job", ""),): 7.0}
    assert (
        samples_by(
            _scalar(math.nan), lambda m: key_values(m, ["job"]), high_bad=True, query_id="q", notes=notes
        )
        == {}
    )
    # No row takes a value without labels: the scalar has nowhere to go.
    assert samples_by(_scalar(7.0), lambda m: None, high_bad=True, query_id="q", notes=notes) == {}
    assert notes == []
