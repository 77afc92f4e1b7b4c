"""The alerts filter box: matchers (amtool syntax) and free text together."""

from __future__ import annotations

from opsconsole.core.alert_filter import AlertFilter
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.dashboard import AlertView


def alert(name: str, state: str = "firing", **labels: str) -> AlertView:
    return AlertView(
        fingerprint=name,
        alertname=name,
        severity=labels.get("severity", ""),
        state=state,  # type: ignore[arg-type]
        starts_at=0.0,
        summary="",
        labels={"alertname": name, **labels},
        annotations={"summary": f"{name} summary"},
    )


def test_matchers_and_words_are_separated() -> None:
    parsed = AlertFilter.parse('severity="critical", service=~"agents|db" npa Down')
    assert parsed.matchers == (
        LabelMatcher("severity", "=", "critical"),
        LabelMatcher("service", "=~", "agents|db"),
    )
    assert parsed.words == ("npa", "down")


def test_keeps_applies_all_conditions() -> None:
    wanted = AlertFilter.parse('service=~"agents|db" npa')
    assert wanted.keeps(alert("Down", service="agents", agent_id="npa-3"))
    assert not wanted.keeps(alert("Down", service="web", agent_id="npa-3"))
    assert not wanted.keeps(alert("Down", service="db", agent_id="wpa-1"))


def test_suppressed_toggles_and_bad_regex() -> None:
    hide = AlertFilter.parse("", show_silenced=False)
    assert hide.active
    assert not hide.keeps(alert("Muted", state="silenced"))
    assert hide.keeps(alert("Inhibited", state="inhibited"))
    broken = AlertFilter.parse('agent_id=~"("')
    assert broken.error
