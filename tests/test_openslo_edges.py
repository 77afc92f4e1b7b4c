"""OpenSLO import, field by field: every refusal says file, line, field and why, every problem in a
file is reported (not only the first), and what is accepted is imported exactly."""

from __future__ import annotations

import pytest

from opsconsole.packs.openslo import OpenSloError, import_openslo


def slo(
    objectives: str = "[{target: 0.99}]",
    window: str = "[{duration: 28d, isRolling: true}]",
    ratio: str = "{good: {metricSource: {type: Prometheus, spec: {query: ok_total}}},"
    " total: {metricSource: {type: Prometheus, spec: {query: all_total}}}}",
    extra: str = "",
    name: str = "name: api",
) -> str:
    return (
        "apiVersion: openslo/v1\n"
        "kind: SLO\n"
        f"metadata: {{{name}}}\n"
        "spec:\n"
        f"  indicator: {{spec: {{ratioMetric: {ratio}}}}}\n"
        f"  timeWindow: {window}\n"
        f"  objectives: {objectives}\n"
        f"{extra}"
    )


def problems(text: str) -> list[str]:
    with pytest.raises(OpenSloError) as caught:
        import_openslo(text, "x.yaml")
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_a_minimal_slo_is_imported_exactly() -> None:
    [one] = import_openslo(slo(), "x.yaml")
    assert one.name == "api"
    assert one.section == {
        "display": "api",
        "objective": 0.99,
        "window": "28d",
        "ratio": {"good": "sum(rate(ok_total[$window]))", "total": "sum(rate(all_total[$window]))"},
    }


@pytest.mark.parametrize(
    ("duration", "window"), [("90m", "90m"), ("12h", "12h"), ("30d", "30d"), ("2w", "14d"), ("1w", "7d")]
)
def test_rolling_durations_are_kept_and_weeks_become_days(duration: str, window: str) -> None:
    [one] = import_openslo(slo(window=f"[{{duration: {duration}}}]"), "x.yaml")
    assert one.section["window"] == window


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("[]", "x.yaml:6: spec.timeWindow: exactly one time window is required"),
        (
            "[{duration: 7d}, {duration: 28d}]",
            "x.yaml:6: spec.timeWindow: exactly one time window is required",
        ),
        ("[7d]", "x.yaml:6: spec.timeWindow: exactly one time window is required"),
        ("{duration: 7d}", "x.yaml:6: spec.timeWindow: exactly one time window is required"),
        (
            "[{duration: 1M, calendar: {startTime: '2026-01-01'}}]",
            "x.yaml:6: spec.timeWindow.0: calendar windows are not supported (only rolling windows)",
        ),
        (
            "[{isRolling: false, duration: 28d}]",
            "x.yaml:6: spec.timeWindow.0: calendar windows are not supported (only rolling windows)",
        ),
        (
            "[{duration: 1.5h}]",
            "x.yaml:6: spec.timeWindow.0.duration: '1.5h' is not a rolling duration the console can query"
            " (use m, h, d or w, e.g. 28d)",
        ),
        (
            "[{duration: 28d1h}]",
            "x.yaml:6: spec.timeWindow.0.duration: '28d1h' is not a rolling duration the console can query"
            " (use m, h, d or w, e.g. 28d)",
        ),
        (
            "[{isRolling: true}]",
            "x.yaml:6: spec.timeWindow.0.duration: '' is not a rolling duration the console can query"
            " (use m, h, d or w, e.g. 28d)",
        ),
    ],
)
def test_a_window_the_console_cannot_query_is_refused(window: str, expected: str) -> None:
    assert problems(slo(window=window)) == [expected]


def test_a_missing_window_is_refused() -> None:
    text = slo().replace("  timeWindow: [{duration: 28d, isRolling: true}]\n", "")
    assert problems(text) == ["x.yaml:4: spec.timeWindow: exactly one time window is required"]


@pytest.mark.parametrize(
    ("objectives", "expected"),
    [
        ("[]", "x.yaml:7: spec.objectives: at least one objective is required"),
        ("{target: 0.99}", "x.yaml:7: spec.objectives: at least one objective is required"),
        ("[0.99]", "x.yaml:7: spec.objectives.0: an objective must be a mapping"),
        (
            "[{displayName: x}]",
            "x.yaml:7: spec.objectives.0: target (e.g. 0.999) or targetPercent (e.g. 99.9) is required",
        ),
        ("[{target: high}]", "x.yaml:7: spec.objectives.0.target: not a number: 'high'"),
        ("[{targetPercent: [1]}]", "x.yaml:7: spec.objectives.0.targetPercent: not a number: [1]"),
        (
            "[{target: 0}]",
            "x.yaml:7: spec.objectives.0.target: must be between 0 and 1 (or 0 and 100 as a percent), got 0",
        ),
        (
            "[{target: 1}]",
            "x.yaml:7: spec.objectives.0.target: must be between 0 and 1 (or 0 and 100 as a percent), got 1",
        ),
        (
            "[{targetPercent: 100}]",
            "x.yaml:7: spec.objectives.0.targetPercent: must be between 0 and 1 (or 0 and 100 as a percent),"
            " got 100",
        ),
    ],
)
def test_an_objective_without_a_usable_target_is_refused(objectives: str, expected: str) -> None:
    assert problems(slo(objectives=objectives)) == [expected]


def test_targets_as_ratio_or_percent() -> None:
    [one] = import_openslo(slo(objectives="[{targetPercent: 99.5}]"), "x.yaml")
    assert one.section["objective"] == pytest.approx(0.995)
    [both] = import_openslo(slo(objectives="[{target: 0.9, targetPercent: 99}]"), "x.yaml")
    assert both.section["objective"] == 0.9  # target wins
    [text] = import_openslo(slo(objectives="[{target: '0.95'}]"), "x.yaml")
    assert text.section["objective"] == 0.95


def test_several_objectives_are_named_after_their_display_names_or_their_place() -> None:
    text = slo(
        objectives="[{displayName: Gold Tier!, target: 0.999}, {target: 0.99},"
        " {displayName: '!!', target: 0.9}]",
        name="name: api, displayName: API",
    )
    names = [(s.name, s.section["display"], s.section["objective"]) for s in import_openslo(text, "x.yaml")]
    assert names == [
        ("api-gold-tier", "API: Gold Tier!", 0.999),
        ("api-2", "API: 2", 0.99),
        ("api-objective", "API: !!", 0.9),
    ]


def test_one_objective_takes_the_slos_own_name_and_title() -> None:
    [one] = import_openslo(slo(objectives="[{displayName: Gold, target: 0.99}]"), "x.yaml")
    assert (one.name, one.section["display"]) == ("api", "api")
    [titled] = import_openslo(slo(name="name: api, displayName: The API"), "x.yaml")
    assert (titled.name, titled.section["display"]) == ("api", "The API")


@pytest.mark.parametrize("name", ["displayName: x", "name: ''", "name: [a]"])
def test_an_slo_without_a_name_is_refused(name: str) -> None:
    assert problems(slo(name=name)) == ["x.yaml:3: metadata.name: required field is missing"]


def test_a_budgeting_method_other_than_occurrences_is_refused() -> None:
    text = slo(extra="  budgetingMethod: Timeslices\n")
    assert problems(text) == [
        "x.yaml:8: spec.budgetingMethod: Timeslices budgeting is not supported"
        " (only Occurrences: bad events over all events)"
    ]
    [one] = import_openslo(slo(extra="  budgetingMethod: Occurrences\n"), "x.yaml")
    assert one.name == "api"


def test_every_problem_of_a_file_is_reported() -> None:
    text = slo(window="[]", objectives="[{target: 2}, 0.5]", extra="  budgetingMethod: RatioTimeslices\n")
    text = text.replace("apiVersion: openslo/v1", "apiVersion: openslo/v2")
    assert problems(text) == [
        "x.yaml:1: apiVersion: expected openslo/v1, got 'openslo/v2'",
        "x.yaml:8: spec.budgetingMethod: RatioTimeslices budgeting is not supported"
        " (only Occurrences: bad events over all events)",
        "x.yaml:6: spec.timeWindow: exactly one time window is required",
        "x.yaml:7: spec.objectives.0.target: must be between 0 and 1 (or 0 and 100 as a percent), got 2",
        "x.yaml:7: spec.objectives.1: an objective must be a mapping",
    ]


def test_a_file_without_slos_says_so() -> None:
    sli = "apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: a}\nspec: {}\n"
    assert problems(sli) == ["x.yaml:1: (document): no kind: SLO documents found"]
    assert problems("---\n---\n") == ["x.yaml:1: (document): no kind: SLO documents found"]
    assert problems("apiVersion: v2\nkind: Other\n") == [
        "x.yaml:1: apiVersion: expected openslo/v1, got 'v2'"
    ]


def test_empty_documents_are_skipped() -> None:
    [one] = import_openslo("---\n" + slo() + "---\n", "x.yaml")
    assert one.name == "api"


def sli_doc(
    name: str,
    ratio: str = "{good: {metricSource: {type: Prometheus, spec: {query: ok}}},"
    " total: {metricSource: {type: Prometheus, spec: {query: all}}}}",
) -> str:
    return f"apiVersion: openslo/v1\nkind: SLI\nmetadata: {{name: {name}}}\nspec:\n  ratioMetric: {ratio}\n"


def ref_slo(ref: str) -> str:
    return slo().replace("  indicator: {spec: {ratioMetric: ", f"  indicatorRef: {ref}\n  x: {{y: {{z: ")


def test_an_indicator_ref_names_an_sli_of_the_file() -> None:
    text = (
        sli_doc("b")
        + "---\n"
        + sli_doc(
            "a",
            "{bad: {metricSource: {type: prometheus, spec: {promql: e}}},"
            " total: {metricSource: {type: prometheus, spec: {promql: t}}}}",
        )
    )
    [one] = import_openslo(text + "---\n" + ref_slo("a"), "x.yaml")
    assert one.section["ratio"] == {"bad": "sum(rate(e[$window]))", "total": "sum(rate(t[$window]))"}


def test_an_unknown_indicator_ref_lists_the_slis_there_are() -> None:
    text = sli_doc("b") + "---\n" + sli_doc("a") + "---\n" + ref_slo("c")
    assert problems(text) == ["x.yaml:17: spec.indicatorRef: no SLI named 'c' (SLIs: a, b)"]
    assert problems(ref_slo("c")) == [
        "x.yaml:5: spec.indicatorRef: no SLI named 'c' (SLIs: none in this file)"
    ]
    no_ref = slo().replace("  indicator: {spec: {ratioMetric: ", "  x: {y: {z: ")
    assert problems(no_ref) == ["x.yaml:4: spec.indicatorRef: no SLI named None (SLIs: none in this file)"]


TOTAL = " total: {metricSource: {type: Prometheus, spec: {query: c}}}}"
GOOD = "x.yaml:5: spec.indicator.spec.ratioMetric.good.metricSource"


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (
            "{total: {metricSource: {type: Prometheus, spec: {query: all}}}}",
            "x.yaml:5: spec.indicator.spec.ratioMetric: needs total and exactly one of good or bad",
        ),
        (
            "{good: {metricSource: {type: Prometheus, spec: {query: a}}},"
            " bad: {metricSource: {type: Prometheus, spec: {query: b}}}," + TOTAL,
            "x.yaml:5: spec.indicator.spec.ratioMetric: needs total and exactly one of good or bad",
        ),
        (
            "{good: {metricSource: {type: Prometheus, spec: {query: a}}}}",
            "x.yaml:5: spec.indicator.spec.ratioMetric: needs total and exactly one of good or bad",
        ),
        (
            "{good: {metricSource: {spec: {query: a}}}," + TOTAL,
            GOOD + ".type: only Prometheus sources are supported, got ''",
        ),
        (
            "{good: a_total," + TOTAL,
            GOOD + ".type: only Prometheus sources are supported, got ''",
        ),
        (
            "{good: {metricSource: {type: Prometheus, spec: {query: '  '}}}," + TOTAL,
            GOOD + ".spec.query: a PromQL query is required",
        ),
        (
            "{good: {metricSource: {type: Prometheus}}," + TOTAL,
            GOOD + ".spec.query: a PromQL query is required",
        ),
        (
            "{good: {metricSource: {type: Prometheus, spec: {query: 'a{'}}}," + TOTAL,
            GOOD + ".spec.query: not valid PromQL:",
        ),
        (
            "{good: {metricSource: {type: Prometheus, spec: {query: 'a[5m]'}}}," + TOTAL,
            GOOD + ".spec.query: must be a series selector (the console adds the window), got 'a[5m]'",
        ),
    ],
)
def test_a_ratio_the_console_cannot_measure_is_refused(ratio: str, expected: str) -> None:
    [problem] = problems(slo(ratio=ratio))
    assert problem.startswith(expected)


def test_an_indicator_without_a_ratio_metric_is_refused() -> None:
    text = slo().replace("  indicator: {spec: {ratioMetric: ", "  indicator: {spec: {other: ")
    assert problems(text) == ["x.yaml:5: spec.indicator.spec: a ratioMetric SLI is required"]


def test_counters_are_rated_gauges_summed_and_selectors_trimmed() -> None:
    gauge = "{counter: false, bad: {metricSource: {type: PROMETHEUS, spec: {query: ' errs{a=\"1\"} '}}},"
    gauge += " total: {metricSource: {type: Prometheus, spec: {query: all}}}}"
    [one] = import_openslo(slo(ratio=gauge), "x.yaml")
    assert one.section["ratio"] == {
        "bad": 'sum(sum_over_time(errs{a="1"}[$window]))',
        "total": "sum(sum_over_time(all[$window]))",
    }
    counter = gauge.replace("counter: false", "counter: true")
    [two] = import_openslo(slo(ratio=counter), "x.yaml")
    assert two.section["ratio"]["bad"] == 'sum(rate(errs{a="1"}[$window]))'
    unsaid = gauge.replace("counter: false, ", "")
    [three] = import_openslo(slo(ratio=unsaid), "x.yaml")
    assert three.section["ratio"]["total"] == "sum(rate(all[$window]))"


@pytest.mark.parametrize("spec", ["5", "just text", "[1, 2]"])
def test_a_spec_that_is_not_a_mapping_is_reported_not_a_crash(spec: str) -> None:
    text = f"apiVersion: openslo/v1\nkind: SLO\nmetadata: {{name: api}}\nspec: {spec}\n"
    found = problems(text)
    assert "x.yaml:4: spec.timeWindow: exactly one time window is required" in found
    assert "x.yaml:4: spec.objectives: at least one objective is required" in found
