"""The alerts pane's filter at its edges: suppressed alerts, a bad matcher's words, and words
that match only the alert's own text (written when mutation testing found these unpinned)."""

from __future__ import annotations

import pytest

from opsconsole.core.alert_filter import AlertFilter
from opsconsole.core.dashboard import AlertView


def _alert(state: str, **labels: str) -> AlertView:
    return AlertView("fp", labels.get("alertname", "A"), "warning", state, 0.0, "", labels, {})  # type: ignore[arg-type]


def test_by_default_nothing_is_hidden() -> None:
    shown = AlertFilter.parse("")
    assert (shown.show_silenced, shown.show_inhibited, shown.error, shown.active) == (True, True, "", False)
    assert all(shown.keeps(_alert(state)) for state in ("firing", "silenced", "inhibited", "unprocessed"))


def test_hiding_inhibited_alerts_hides_only_those() -> None:
    hide = AlertFilter.parse("", show_inhibited=False)
    assert not hide.keeps(_alert("inhibited"))
    assert hide.keeps(_alert("firing"))
    assert hide.keeps(_alert("silenced"))
    assert hide.active


def test_a_bad_matcher_says_why_and_the_rest_still_filters() -> None:
    found = AlertFilter.parse('code=~"5(" team="db"')
    assert found.error == "invalid regex in code=~: missing ): 5("  # as Alertmanager (Go, RE2) reads it
    assert [str(m) for m in found.matchers] == ['team="db"']


def test_a_word_matches_within_one_value_not_across_two() -> None:
    alert = _alert("firing", alertname="Down", team="db")
    assert AlertFilter.parse("own").keeps(alert)
    assert not AlertFilter.parse("xx").keeps(alert)
    assert not AlertFilter.parse("downdb").keeps(alert)


@pytest.mark.parametrize(
    "typed", ["@cluster=prod", "@cluster!=prod", '@cluster=~"eu.*"', '@cluster!~"eu.*"', "@cluster !~ eu"]
)
def test_an_unknown_at_name_is_named_alone_whatever_the_operator(typed: str) -> None:
    found = AlertFilter.parse(typed)
    assert (found.error, found.matchers) == ("unknown @cluster: the only @ name is @context", ())


@pytest.mark.parametrize("typed", ["@contexts=prod", "@context_x=prod", "@contex=prod"])
def test_a_name_that_only_begins_like_context_is_unknown_not_a_filter_on_nothing(typed: str) -> None:
    found = AlertFilter.parse(typed)
    name = typed.split("=")[0]
    assert (found.error, found.matchers) == (f"unknown {name}: the only @ name is @context", ())
    assert found.keeps(_alert("firing"), "prod")


def test_context_is_read_with_any_operator_and_spaces() -> None:
    alert = _alert("firing")
    assert AlertFilter.parse("@context != prod").keeps(alert, "staging")
    assert not AlertFilter.parse("@context != prod").keeps(alert, "prod")
    assert AlertFilter.parse('@context=~"prod|eu"').keeps(alert, "eu")


def test_an_unknown_at_name_drops_only_itself() -> None:
    found = AlertFilter.parse('@cluster=prod team="db" @zone=a severity=page')
    assert found.error == "unknown @zone: the only @ name is @context"  # the last one said
    assert [str(m) for m in found.matchers] == ['team="db"', 'severity="page"']


def test_without_a_context_the_context_label_is_empty_like_any_missing_label() -> None:
    """A board of one context is filtered without naming it: ``@context`` then reads as ``""``."""
    alert = _alert("firing", team="db")
    assert AlertFilter.parse('@context=""').keeps(alert)
    assert not AlertFilter.parse('@context=~".+"').keeps(alert)
    assert AlertFilter.parse('@context=~"prod|"').keeps(alert)
    assert not AlertFilter.parse('@context=""').keeps(alert, "prod")
