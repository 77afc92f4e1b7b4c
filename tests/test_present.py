"""One vocabulary for every renderer: a severity, a state, an age mean the same in the console,
the wallboard and ``opsconsole snapshot`` (these disagreed before core/present.py)."""

from __future__ import annotations

from opsconsole.commands.snapshot import as_text
from opsconsole.core.dashboard import AlertGroupView, AlertView, Dashboard, HealthRow
from opsconsole.core.present import is_critical, severity_level, since_text
from opsconsole.core.severity import severity
from opsconsole.core.wallboard_figures import firing

NOW = 1_700_000_000.0


def alert(name: str, sev: str, starts_at: float, state: str = "firing") -> AlertView:
    return AlertView(
        fingerprint=name,
        alertname=name,
        severity=sev,
        state=state,  # type: ignore[arg-type]
        starts_at=starts_at,
        summary="",
        labels={"alertname": name, "severity": sev},
        annotations={},
    )


def board_with(*alerts: AlertView) -> Dashboard:
    board = Dashboard("ctx", "pack", NOW, 900.0)
    board.alerts = [AlertGroupView(key=(), alerts=tuple(alerts))]
    return board


def test_page_is_critical_everywhere() -> None:
    page = alert("Paged", "page", NOW - 60)
    assert is_critical(page)
    assert severity_level(page) == "crit"
    assert severity("Page") == severity("critical")  # label values are matched without case


def test_wallboard_sorts_page_with_critical_before_warning() -> None:
    warning = alert("Warned", "warning", NOW - 3600)  # older, but less urgent
    page = alert("Paged", "page", NOW - 60)
    error = alert("Errored", "error", NOW - 120)
    unknown = alert("Odd", "sev-x", NOW - 7200)
    assert [a.alertname for a in firing(board_with(unknown, warning, error, page))] == [
        "Paged",
        "Errored",
        "Warned",
        "Odd",
    ]


def test_held_back_alerts_are_neither_critical_nor_coloured() -> None:
    silenced = alert("Paged", "page", NOW - 60, state="silenced")
    assert not is_critical(silenced)
    assert severity_level(silenced) == "muted"
    assert not is_critical(alert("Warned", "warning", NOW))


def test_since_keeps_the_mark_of_an_inexact_start() -> None:
    assert since_text(NOW, NOW - 900, exact=False) == ">15m"
    assert since_text(NOW, NOW - 720, exact=True) == "12m"
    assert since_text(NOW, None, exact=True) == "—"


def test_text_snapshot_names_the_label_of_a_fallback_entity() -> None:
    board = Dashboard("ctx", "pack", NOW, 900.0, entity_labels=("kubernetes_pod_name", "instance"))
    row = dict(entity_type="core", up=True, health=None, signals={}, since=NOW - 900, since_exact=False)
    board.health = [
        HealthRow(entity="npa-1", state="ok", entity_label="kubernetes_pod_name", **row),  # type: ignore[arg-type]
        HealthRow(entity="10.0.0.7:9100", state="down", entity_label="instance", **row),  # type: ignore[arg-type]
    ]
    lines = as_text(board).splitlines()
    fallback = next(line for line in lines if "10.0.0.7:9100" in line)
    first = next(line for line in lines if "npa-1" in line)
    assert "(by instance)" in fallback and "✖ DOWN" in fallback and ">15m" in fallback
    assert "(by " not in first
