"""What the main screen's models say about themselves: row identity, order, group figures, the
alerts pane's title, pane emptiness and silence descriptions (pure data, no screen)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from opsconsole.core import dashboard as models
from opsconsole.core.dashboard import (
    AlertGroupView,
    AlertView,
    Cell,
    Dashboard,
    HealthRow,
    PaneStatus,
    RedRow,
    SaturationRow,
    SilenceView,
    SloRow,
)
from opsconsole.core.slo import SloFigures

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp()


def health(entity: str, state: models.HealthState = "ok", kind: str = "npa", **more: object) -> HealthRow:
    return HealthRow(kind, entity, state, True, None, {}, **more)  # type: ignore[arg-type]


def alert(
    name: str, severity: str = "warning", state: str = "firing", at: float = NOW, **more: object
) -> AlertView:
    return AlertView(f"fp-{name}", name, severity, state, at, "", {}, {}, **more)  # type: ignore[arg-type]


def silence(**more: object) -> SilenceView:
    fields: dict[str, object] = {
        "id": "s1",
        "state": "active",
        "matchers": 'alertname="X"',
        "created_by": "bob",
        "comment": "deploy",
        "starts_at": NOW - 600,
        "ends_at": NOW + 1800,
    }
    return SilenceView(**(fields | more))  # type: ignore[arg-type]


def test_severity_rank_puts_critical_first_and_unknown_last() -> None:
    ranks = [models.severity_rank(s) for s in ("critical", "warning", "info", "whatever")]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == 4


def test_a_health_row_shows_its_split_only_when_it_has_one() -> None:
    assert health("npa-1").display == "npa-1"
    assert health("npa-1").row_id == "npa-1"
    split = health("npa-1", split=(("job", "npa"), ("instance", "10.0.0.1:9100")))
    assert split.display == "npa-1 (job=npa, instance=10.0.0.1:9100)"
    assert split.row_id == "npa-1\x1fjob=npa\x1finstance=10.0.0.1:9100"


def test_health_rows_sort_down_first_then_by_type_and_name() -> None:
    rows = [
        health("b", "ok"),
        health("a", "ok", kind="wpa"),
        health("c", "unknown"),
        health("d", "degraded"),
        health("e", "unhealthy"),
        health("f", "down"),
        health("a", "ok"),
        health("a", "ok", split=(("job", "x"),)),
    ]
    ordered = [(r.state, r.entity_type, r.display) for r in sorted(rows, key=lambda r: r.sort_key)]
    assert ordered == [
        ("down", "npa", "f"),
        ("unhealthy", "npa", "e"),
        ("degraded", "npa", "d"),
        ("unknown", "npa", "c"),
        ("ok", "npa", "a"),
        ("ok", "npa", "a (job=x)"),
        ("ok", "npa", "b"),
        ("ok", "wpa", "a"),
    ]
    assert health("x", "down").sort_key == (0, "npa", "x", "x")


def red(labels: dict[str, str], *levels: models.Level) -> RedRow:
    cells = [Cell(1.0, "1", level) for level in levels]
    return RedRow("agents", "Agents", "k", labels, *cells)


def test_a_red_row_is_identified_by_its_group_and_every_label() -> None:
    row = red({"agent_type": "npa", "route": "/a"}, "ok", "ok", "ok", "ok", "ok")
    assert row.row_id == "agents\x1fagent_type=npa\x1froute=/a"
    assert red({}, "ok", "ok", "ok", "ok", "ok").row_id == "agents"


def test_a_red_rows_worst_level_is_its_worst_cell() -> None:
    assert red({}, "ok", "ok", "ok", "ok", "ok").worst == "ok"
    assert red({}, "none", "none", "none", "none", "none").worst == "none"
    assert red({}, "ok", "none", "ok", "ok", "ok").worst == "ok"
    assert red({}, "ok", "ok", "ok", "ok", "warn").worst == "warn"
    assert red({}, "ok", "warn", "ok", "crit", "ok").worst == "crit"
    assert red({}, "crit", "ok", "ok", "ok", "ok").worst == "crit"


def test_a_saturation_row_is_identified_by_name_and_series() -> None:
    row = SaturationRow("pool", "DB pool", 'pool="a"', Cell(0.5, "50%"))
    assert row.row_id == 'pool\x1fpool="a"'


def test_an_ordinary_silence_says_who_until_when_and_why() -> None:
    view = silence()
    assert view.ack_facts() is None
    until = datetime.fromtimestamp(NOW + 1800, UTC).strftime("%H:%M")
    assert view.describe(NOW) == f"silenced by bob until {until} UTC: deploy"
    assert until == "12:30"


def test_a_silences_end_is_in_utc_whatever_the_machines_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+05:30: a local time would read 18:00
    time.tzset()
    try:
        assert silence().describe(NOW).startswith("silenced by bob until 12:30 UTC")
    finally:
        monkeypatch.undo()
        time.tzset()


def test_an_ack_silence_says_who_acked_and_for_how_long() -> None:
    ack = silence(ack_by="alice", id="s9")
    facts = ack.ack_facts()
    assert facts is not None
    assert (facts.by, facts.since, facts.until, facts.until_resolved, facts.silence_id) == (
        "alice",
        NOW - 600,
        NOW + 1800,
        False,
        "s9",
    )
    assert ack.describe(NOW) == facts.text(NOW)
    assert ack.describe(NOW).startswith("ACK alice")
    resolved = silence(ack_by="alice", ack_until_resolved=True)
    assert resolved.describe(NOW).endswith("until resolved")


def test_silence_hygiene_uses_the_silences_own_figures() -> None:
    hygiene = silence(mutes=0, ends_at=NOW + 60).hygiene(NOW)
    assert (hygiene.state, hygiene.mutes, hygiene.ends_at, hygiene.now) == ("active", 0, NOW + 60, NOW)
    assert silence(mutes=2).hygiene(NOW).mutes == 2


def test_an_alerts_ack_is_the_first_silence_with_an_author_of_the_ack() -> None:
    plain = silence(id="plain")
    ack = silence(id="ack", ack_by="alice")
    other = silence(id="ack2", ack_by="carol")
    assert alert("A", silences=(plain, ack, other)).ack == ack
    assert alert("A", silences=(plain,)).ack is None
    assert alert("A").ack is None


def test_a_group_shows_its_worst_severity_oldest_start_and_firing_count() -> None:
    group = AlertGroupView(
        (("alertname", "X"),),
        (
            alert("a", "info", "firing", NOW - 10),
            alert("b", "critical", "silenced", NOW - 300),
            alert("c", "warning", "inhibited", NOW - 20),
            alert("d", "warning", "firing", NOW - 5),
        ),
    )
    assert group.severity == "critical"
    assert group.oldest == NOW - 300
    assert group.firing == 2
    assert AlertGroupView((), ()).severity == ""


def test_an_slo_rows_status_is_its_figures_status() -> None:
    figures = SloFigures(0.999, 30 * 86400, 0.99, 10.0, {}, "page", None, None, None)
    assert SloRow("avail", "Availability", 0.999, "30d", figures).status == "page"


def test_a_panes_age_counts_from_its_last_success_and_never_goes_negative() -> None:
    assert PaneStatus().age(NOW) is None
    assert PaneStatus(updated_at=NOW - 12).age(NOW) == 12
    assert PaneStatus(updated_at=NOW + 5).age(NOW) == 0.0


def test_a_pane_says_how_many_queries_came_back_empty() -> None:
    assert PaneStatus(queries=3).emptiness() == ""
    assert not PaneStatus(queries=3).all_empty
    some = PaneStatus(queries=7, empty=("health.npa.up", "health.wpa.errors"))
    assert not some.all_empty
    assert some.emptiness() == "2 of 7 queries empty (up, errors)"
    assert PaneStatus(queries=3, empty=("up",)).emptiness() == "1 of 3 queries empty (up)"
    # Two groups' p99 read "p99, p99": one query or two, and whose?
    twice = PaneStatus(queries=15, empty=("red.api.p50", "red.api.p99", "red.hq.p99"))
    assert twice.emptiness() == "3 of 15 queries empty (p50, api.p99, hq.p99)"
    every = PaneStatus(queries=2, empty=("a.b", "c"))
    assert every.all_empty
    assert every.emptiness() == "0 of 2 queries returned data: run `opsconsole packs doctor`"
    assert PaneStatus(queries=1, empty=("a", "b")).all_empty
    assert not PaneStatus(queries=0, empty=()).all_empty
    assert not PaneStatus(queries=0, empty=("a",)).all_empty


def board(**more: object) -> Dashboard:
    return Dashboard("prod", "pack", NOW, 3600, **more)  # type: ignore[arg-type]


def test_a_pane_that_never_ran_has_an_empty_status() -> None:
    ran = PaneStatus(updated_at=NOW)
    dashboard = board(status={"health": ran})
    assert dashboard.pane_status("health") is ran
    assert dashboard.pane_status("logs") == PaneStatus()


def group(*states: str) -> AlertGroupView:
    return AlertGroupView((), tuple(alert(f"a{i}", state=s) for i, s in enumerate(states)))


def test_the_alerts_title_counts_firing_alerts_of_the_pack() -> None:
    dashboard = board(alerts=[group("firing", "silenced"), group("firing", "firing")])
    assert dashboard.firing == 3
    assert dashboard.firing_outside == 0
    assert dashboard.alerts_title() == "3 firing"


def test_the_alerts_title_says_what_fires_outside_the_pack() -> None:
    dashboard = board(alerts=[group("firing")], alerts_outside=[group("firing", "silenced"), group("firing")])
    assert dashboard.firing_outside == 2
    assert dashboard.alerts_title() == "1 firing, 2 outside this pack, `A` to show all"
    assert dashboard.alerts_title(showing_all=True) == "3 firing, all alerts (`A`: this pack's only)"


def test_the_alerts_title_says_suppressed_alerts_outside_the_pack() -> None:
    dashboard = board(alerts_outside=[group("silenced", "inhibited"), group("silenced")])
    assert dashboard.alerts_title() == "0 firing, 3 suppressed outside this pack, `A` to show all"
    assert board().alerts_title() == "0 firing"
    assert board().alerts_title(showing_all=True) == "0 firing, all alerts (`A`: this pack's only)"


def test_the_pane_order_and_the_ranks() -> None:
    assert models.PANES == ("health", "red", "alerts", "slo", "logs")
    assert sorted(models.LEVEL_RANK, key=models.LEVEL_RANK.__getitem__) == ["crit", "warn", "ok", "none"]
    assert sorted(models.STATE_RANK, key=models.STATE_RANK.__getitem__) == [
        "down",
        "unhealthy",
        "degraded",
        "unknown",
        "ok",
    ]


def test_defaults_of_a_fresh_dashboard_and_detail() -> None:
    dashboard = board()
    assert (dashboard.health, dashboard.alerts, dashboard.status, dashboard.notices) == ([], [], {}, [])
    assert (dashboard.entity_display, dashboard.entity_labels, dashboard.logs_unavailable) == (
        "agent",
        (),
        "",
    )
    detail = models.Detail("npa-1", 3600)
    assert (detail.charts, detail.alerts, detail.errors, detail.links) == ({}, [], [], [])
    assert Cell(1.0, "1").level == "none"
    assert Cell(1.0, "1").query_id == ""
    row = health("n")
    assert (row.alerts, row.since, row.since_exact, row.entity_label, row.split) == (0, None, False, "", ())
