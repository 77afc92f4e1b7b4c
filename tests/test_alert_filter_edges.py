"""The alerts pane's filter at its edges: suppressed alerts, a bad matcher's words, and words
that match only the alert's own text (written when mutation testing found these unpinned)."""

from __future__ import annotations

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
    assert found.error.startswith("invalid regex in code=~: missing ), unterminated subpattern")
    assert [str(m) for m in found.matchers] == ['team="db"']


def test_a_word_matches_within_one_value_not_across_two() -> None:
    alert = _alert("firing", alertname="Down", team="db")
    assert AlertFilter.parse("own").keeps(alert)
    assert not AlertFilter.parse("xx").keeps(alert)
    assert not AlertFilter.parse("downdb").keeps(alert)
