"""Every context in one view, in process: a context's row from its board (firing by severity, acks,
agents down, the worst budget, each backend's freshness), a refresh that failed keeping the last good
figures with their age, and the alerts of every context merged without doubles."""

from __future__ import annotations

import pytest

from opsconsole.core.context_overview import (
    BackendFreshness,
    ContextRow,
    MergedAlert,
    context_row,
    failed_row,
    filter_merged,
    merged_alerts,
    refreshed_row,
)
from opsconsole.core.dashboard import (
    AlertGroupView,
    AlertView,
    BackendStatus,
    Dashboard,
    HealthRow,
    SilenceView,
    SloRow,
)
from opsconsole.core.slo import SloFigures

NOW = 1_000_000.0


def alert(
    fp: str, severity: str, state: str = "firing", starts_at: float = NOW - 60, **extra: object
) -> AlertView:
    return AlertView(fp, f"A{fp}", severity, state, starts_at, "", {"alertname": f"A{fp}"}, {}, **extra)  # type: ignore[arg-type]


def slo(name: str, consumed: float | None) -> SloRow:
    figures = SloFigures(0.99, 86400.0, None, consumed, {}, "ok", None, None, None)
    return SloRow(name, name.title(), 0.99, "1d", figures)


def health(entity: str, state: str) -> HealthRow:
    return HealthRow("core", entity, state, state != "down", None, {})  # type: ignore[arg-type]


def busy_board() -> Dashboard:
    ack = SilenceView("s1", "active", "", "alice", "", NOW - 60, NOW + 60, ack_by="alice")
    board = Dashboard("prod", "core", NOW, 900.0, entity_display="pod")
    board.alerts = [
        AlertGroupView((), (alert("1", "critical"), alert("2", "warning"), alert("3", "page"))),
        AlertGroupView((), (alert("4", "critical", "silenced", silences=(ack,)),)),
    ]
    board.alerts_outside = [AlertGroupView((), (alert("5", "critical"), alert("6", "info", "inhibited")))]
    board.health = [health("a", "down"), health("b", "ok"), health("c", "unhealthy")]
    board.slos = [slo("latency", 0.2), slo("nodata", None), slo("avail", 0.7)]
    board.backends = [
        BackendStatus("prometheus", "prometheus", "http://p", last_success=NOW - 5),
        BackendStatus("loki", "loki", "http://l", last_success=NOW - 100, error="503"),
        BackendStatus("jaeger", "jaeger", "http://j"),
    ]
    return board


def test_a_row_counts_every_firing_alert_by_severity_and_the_acks() -> None:
    row = context_row(busy_board(), read_only=True)
    # Outside the pack's matchers too; "page" is not one of the two columns: "other".
    assert row.firing == {"critical": 2, "warning": 1, "other": 1} and row.firing_total == 4
    assert (row.acked, row.down, row.agents, row.entity_display) == (1, 1, 3, "pod")
    assert row.worst_budget is not None and row.worst_budget[0] == "Avail"
    assert row.worst_budget[1] == pytest.approx(0.3)  # the least left, "nodata" ignored
    assert (row.context, row.pack, row.read_only, row.as_of, row.error) == ("prod", "core", True, NOW, "")
    assert [b.text(NOW + 10) for b in row.backends] == ["prometheus 15s", "loki ✖", "jaeger never"]


def test_the_row_in_the_words_of_every_view() -> None:
    row = context_row(busy_board(), read_only=True)
    texts = row.texts(NOW + 30)
    assert texts == {
        "context": "prod (ro)",
        "firing": "2 1 1",
        "acked": "1",
        "down": "1/3",
        "budget": "30.0% Avail",
        "budget_percent": "30.0%",
        "backends": "prometheus 35s loki ✖ jaeger never",
        "status": "⚠ no answer from loki",
        "age": "30s",
    }
    data = row.as_json(NOW + 30)
    assert data["firing"] == {"critical": 2, "warning": 1, "other": 1} and data["firing_total"] == 4
    assert data["worst_budget"]["slo"] == "Avail" and data["error"] is None and data["read_only"] is True
    assert data["backends"][1] == {"name": "loki", "last_success": NOW - 100, "error": "503"}
    assert (data["acked"], data["down"], data["agents"], data["as_of"], data["pack"]) == (
        1,
        1,
        3,
        NOW,
        "core",
    )
    assert data["text"] == texts and data["context"] == "prod"


def test_a_quiet_context_reads_zeros_and_an_overspent_budget_zero() -> None:
    board = Dashboard("lab", "core", NOW, 900.0)
    board.slos = [slo("avail", 1.7)]
    texts = context_row(board).texts(NOW)
    assert texts["firing"] == "0 0 0" and texts["budget"] == "0.0% Avail" and texts["status"] == "ok"
    assert texts["backends"] == "—" and texts["context"] == "lab" and texts["down"] == "0/0"
    assert context_row(Dashboard("lab", "core", NOW, 900.0)).texts(NOW)["budget"] == "—"
    assert context_row(board).as_json(NOW)["worst_budget"] == {"slo": "Avail", "remaining": 0.0}
    assert context_row(Dashboard("lab", "core", NOW, 900.0)).as_json(NOW)["worst_budget"] is None


def test_no_backend_answering_is_a_failure_with_the_last_good_figures() -> None:
    last_good = context_row(busy_board())
    dead = Dashboard("prod", "core2", NOW + 120, 900.0)
    dead.backends = [
        BackendStatus("prometheus", "prometheus", "http://p", error="connection refused"),
        BackendStatus("loki", "loki", "http://l", error="timeout"),
    ]
    row = refreshed_row(dead, last_good)
    assert row.error == "no backend answered (connection refused)"
    assert row.firing == last_good.firing and row.as_of == NOW  # the figures, with their age
    assert row.pack == "core2" and [b.name for b in row.backends] == ["prometheus", "loki"]
    texts = row.texts(NOW + 120)
    assert texts["status"] == "✖ no backend answered (connection refused) (figures 2m old)"
    assert texts["firing"] == "2 1 1" and texts["age"] == "2m"
    # Never seen: nothing to show but the error.
    first = refreshed_row(dead, None, read_only=True)
    assert (first.as_of, first.read_only, first.firing) == (None, True, {})
    assert first.texts(NOW)["status"] == "✖ no backend answered (connection refused)"
    assert first.texts(NOW)["firing"] == "—" and first.texts(NOW)["age"] == "never answered"
    assert {first.texts(NOW)[k] for k in ("acked", "down", "budget", "budget_percent")} == {"—"}
    # One backend still answering: the refresh stands.
    dead.backends.append(BackendStatus("jaeger", "jaeger", "http://j", last_success=NOW))
    assert refreshed_row(dead, last_good).error == ""
    assert refreshed_row(Dashboard("prod", "core", NOW, 900.0), last_good).error == ""  # no backends at all


def test_a_failed_refresh_keeps_the_last_good_row() -> None:
    last_good = ContextRow("prod", acked=3, as_of=NOW - 60)
    assert failed_row("prod", "timeout", last_good) == ContextRow(
        "prod", acked=3, as_of=NOW - 60, error="timeout"
    )
    assert failed_row("prod", "timeout", None, read_only=True) == ContextRow(
        "prod", read_only=True, error="timeout"
    )
    assert BackendFreshness("prometheus", NOW + 5, None).text(NOW) == "prometheus 0s"  # clock skew


def _board(context: str, *alerts: AlertView) -> Dashboard:
    board = Dashboard(context, "core", NOW, 900.0)
    board.alerts = [AlertGroupView((), alerts)]
    return board


def test_contexts_sharing_an_alertmanager_show_its_alerts_once() -> None:
    shared = frozenset({"http://am-0", "http://am-1"})
    boards = [
        ("prod", _board("prod", alert("1", "warning")), shared),
        ("prod-ro", _board("prod-ro", alert("1", "warning")), frozenset({"http://am-1"})),
        ("prod-ro", _board("prod-ro", alert("1", "warning")), frozenset({"http://am-1"})),  # listed twice
        ("lab", _board("lab", alert("1", "warning")), frozenset({"http://lab"})),
        ("x", _board("x", alert("1", "warning")), frozenset()),  # no Alertmanager URL: its own
        ("y", _board("y", alert("1", "warning")), frozenset()),
        ("prod", _board("prod", alert("1", "warning", cluster="eu")), shared),  # another cluster's
    ]
    merged = merged_alerts(boards)
    assert [(m.contexts, m.alert.cluster) for m in merged] == [
        (("prod", "prod-ro"), ""),
        (("lab",), ""),
        (("x",), ""),
        (("y",), ""),
        (("prod",), "eu"),
    ]


def test_a_group_keeps_every_peer_and_a_double_does_not_hide_the_next_alert() -> None:
    boards = [
        ("a", _board("a", alert("1", "warning")), frozenset({"http://am-0", "http://am-2"})),
        (
            "b",
            _board("b", alert("1", "warning"), alert("2", "warning")),
            frozenset({"http://am-0", "http://am-1"}),
        ),
        ("c", _board("c", alert("1", "warning")), frozenset({"http://am-2"})),  # a's other peer
    ]
    assert [(m.contexts, m.alert.fingerprint) for m in merged_alerts(boards)] == [
        (("a", "b", "c"), "1"),
        (("b",), "2"),
    ]


def test_a_context_on_both_peers_joins_two_contexts_seen_before_it() -> None:
    boards = [
        ("a", _board("a", alert("1", "warning")), frozenset({"http://am-0"})),
        ("b", _board("b", alert("1", "warning")), frozenset({"http://am-1"})),
        ("both", _board("both", alert("1", "warning")), frozenset({"http://am-0", "http://am-1"})),
    ]
    assert [m.contexts for m in merged_alerts(boards)] == [("a", "b", "both")]


def test_merged_alerts_read_firing_first_then_by_severity_then_oldest() -> None:
    board = _board(
        "prod",
        alert("held", "critical", "silenced", NOW - 9000),
        alert("info-old", "info", starts_at=NOW - 5000),
        alert("warn", "warning", starts_at=NOW - 100),
        alert("crit-new", "critical", starts_at=NOW - 10),
        alert("crit-old", "critical", starts_at=NOW - 500),
        alert("pending", "critical", "unprocessed", NOW - 8000),
    )
    merged = merged_alerts([("prod", board, frozenset({"http://am"}))])
    assert [m.alert.fingerprint for m in merged] == [
        "crit-old",
        "crit-new",
        "warn",
        "info-old",
        "held",
        "pending",
    ]


def test_the_filter_keeps_a_row_if_any_of_its_contexts_matches() -> None:
    rows = [
        MergedAlert(("prod", "prod-ro"), alert("1", "critical")),
        MergedAlert(("lab",), alert("2", "critical")),
    ]
    kept, error = filter_merged(rows, "@context=prod-ro")
    assert [m.alert.fingerprint for m in kept] == ["1"] and error == ""
    assert filter_merged(rows, "")[0] == rows
    assert filter_merged(rows, "@cluster=x")[1] != ""


def test_each_figure_of_a_row_in_its_words_at_the_edges() -> None:
    row = ContextRow(
        "prod",
        worst_budget=("Avail API", 0.9),
        as_of=NOW,
        backends=(
            BackendFreshness("loki", None, "503"),
            BackendFreshness("jaeger", None, "timeout"),
        ),
    )
    texts = row.texts(NOW)
    assert texts["budget"] == "90.0% Avail API" and texts["budget_percent"] == "90.0%"
    assert texts["age"] == "0s" and texts["status"] == "⚠ no answer from loki, jaeger"
    assert row.as_json(NOW)["firing"] == {"critical": 0, "warning": 0, "other": 0}
    never = ContextRow("prod", worst_budget=("Avail", 0.9))  # figures without a refresh: none shown
    assert never.texts(NOW)["budget"] == "—" and never.texts(NOW)["budget_percent"] == "—"
    assert failed_row("prod", "timeout", None).read_only is False
    live = Dashboard("prod", "core", NOW, 900.0)
    live.backends = [BackendStatus("prometheus", "prometheus", "http://p", last_success=NOW)]
    assert refreshed_row(live, None, read_only=True).read_only is True
    assert refreshed_row(live, None).read_only is False
