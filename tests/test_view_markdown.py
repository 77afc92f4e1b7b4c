"""``y``'s Markdown, pane by pane: the title names context, pack and time; a filter and a pane's
error are said; every pane's table has its columns in the screen's order; a cell can neither end
the row nor escape the table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opsconsole.core.dashboard import (
    AlertGroupView,
    AlertView,
    Cell,
    Dashboard,
    HealthRow,
    LogRow,
    PaneStatus,
    RedRow,
    SaturationRow,
    SloRow,
)
from opsconsole.core.slo import SloFigures
from opsconsole.core.view_markdown import cell, view_markdown
from tests.support.far_from_utc import far_from_utc_fixture  # noqa: F401 (the fixture far_from_utc)

NOW = datetime(2026, 11, 30, 3, 4, 5, tzinfo=UTC).timestamp()


pytestmark = pytest.mark.usefixtures("far_from_utc")


def lines(board: Dashboard, pane: str, **kwargs: object) -> list[str]:
    return view_markdown(board, pane, **kwargs).splitlines()  # type: ignore[arg-type]


def test_a_cell_escapes_backslash_then_pipe_and_is_never_empty() -> None:
    assert cell("a\\|b") == "a\\\\\\|b"  # the backslash first, or "\|" would read as an escaped pipe
    assert cell(" two\nlines ") == "two lines"
    assert cell("") == "—" and cell("  ") == "—"
    assert cell(3) == "3"


def test_the_title_filter_and_a_pane_error_with_the_data_age() -> None:
    board = Dashboard("prod|eu", "core", NOW, 900.0)
    board.status["health"] = PaneStatus(updated_at=NOW - 120, error="HTTP 503 | upstream")
    out = lines(board, "health", filter_text="@state=down")
    assert out[0] == "**HEALTH** · context prod\\|eu · pack core · 2026-11-30 03:04:05 UTC"
    assert out[1] == "_filtered: @state=down_"
    assert out[2] == "> ⚠ HTTP 503 \\| upstream (data from 2m ago)"
    assert out[3] == ""
    never = Dashboard("prod", "core", NOW, 900.0, status={"red": PaneStatus(error="timeout")})
    assert lines(never, "red")[1] == "> ⚠ timeout (data from 0s ago)"
    assert not any(line.startswith(("_filtered", "> ⚠")) for line in lines(never, "health"))


def test_health_lists_each_signal_column_once_in_first_seen_order() -> None:
    board = Dashboard("prod", "core", NOW, 900.0, entity_display="pod")
    common = dict(entity_type="core", up=True, health=None)
    board.health = [
        HealthRow(
            entity="a", state="down", signals={"cpu": Cell(0.9, "90%")}, since=NOW - 300, alerts=2, **common
        ),  # type: ignore[arg-type]
        HealthRow(
            entity="b", state="ok", signals={"mem": Cell(1, "1 GiB"), "cpu": Cell(0.1, "10%")}, **common
        ),  # type: ignore[arg-type]
        HealthRow(entity="c", state="degraded", signals={}, since=NOW - 60, **common),  # type: ignore[arg-type]
    ]
    assert lines(board, "health")[2:] == [
        "| pod | state | since | alerts | health | cpu | mem |",
        "|---|---|---|---|---|---|---|",
        "| a | ✖ DOWN | 5m | 2 | — | 90% | — |",
        "| b | ● ok | — | — | — | 10% | 1 GiB |",
        "| c | ◆ degraded | 1m | — | — | — | — |",
    ]


def _alert(name: str, entity: str | None = None) -> AlertView:
    return AlertView(name, name, "warning", "firing", NOW - 600, f"{name} is bad", {}, {}, entity)


def test_alerts_outside_the_pack_only_when_showing_all() -> None:
    board = Dashboard("prod", "core", NOW, 900.0)
    board.alerts = [AlertGroupView((), (_alert("Disk", "db-1"),))]
    board.alerts_outside = [AlertGroupView((), (_alert("Cpu"),))]
    pack_only = lines(board, "alerts")
    assert pack_only[2:] == [
        "1 firing, 1 outside this pack, not in this copy (`A` in the console shows them)",
        "",
        "| severity | state | alert | on | for | summary |",
        "|---|---|---|---|---|---|",
        "| warning | firing | Disk | db-1 | 10m | Disk is bad |",
    ]
    every = lines(board, "alerts", showing_all=True)
    assert every[2] == "2 firing, all alerts (`A`: this pack's only)"
    assert every[-1] == "| warning | firing | Cpu | — | 10m | Cpu is bad |"


def test_showing_all_puts_a_critical_outside_the_pack_above_the_packs_warnings() -> None:
    board = Dashboard("prod", "core", NOW, 900.0)
    board.alerts = [AlertGroupView((), (_alert("Disk", "db-1"),))]
    outside = AlertView("Api", "Api", "critical", "firing", NOW - 60, "Api is down", {}, {}, "api")
    board.alerts_outside = [AlertGroupView((), (outside,))]
    assert lines(board, "alerts", showing_all=True)[-2:] == [
        "| critical | firing | Api | api | 1m | Api is down |",
        "| warning | firing | Disk | db-1 | 10m | Disk is bad |",
    ]


def test_red_slo_and_log_tables() -> None:
    board = Dashboard("prod", "core", NOW, 900.0)
    board.red = [
        RedRow(
            "agents",
            "Agents",
            "npa",
            {},
            Cell(1, "12/s"),
            Cell(0, "0.1%"),
            Cell(0, "5ms"),
            Cell(0, "20ms"),
            Cell(0, "90ms"),
        )
    ]
    figures = SloFigures(0.999, 30 * 86400, 0.999, 0.25, {}, "ok", None, None, None)
    board.slos = [SloRow("avail", "Availability", 0.999, "30d", figures)]
    board.logs = [LogRow(int((NOW + 1.5) * 1e9), "error", "npa-1", "boom | x", "t1")]
    assert lines(board, "red")[2:] == [
        "| group | key | rate | errors | p50 | p95 | p99 |",
        "|---|---|---|---|---|---|---|",
        "| Agents | npa | 12/s | 0.1% | 5ms | 20ms | 90ms |",
    ]
    assert lines(board, "slo")[2:] == [
        "| SLO | objective | budget left | status |",
        "|---|---|---|---|",
        "| Availability | 99.9% / 30d | 75.0% (32m of 43m) | ok |",
    ]
    assert lines(board, "logs")[2:] == [
        "| time | level | entity | message |",
        "|---|---|---|---|",
        "| 03:04:06 | error | npa-1 | boom \\| x |",
    ]
    tail = [LogRow(int(NOW * 1e9), "info", "npa-2", "from the tail", "t2")]
    assert lines(board, "logs", logs=tail)[-1] == "| 03:04:05 | info | npa-2 | from the tail |"
    assert (
        lines(board, "logs", logs=[])[-1] == "|---|---|---|---|"
    )  # the console's empty tail, not the board's
    assert view_markdown(board, "logs").endswith("|\n")


def test_figures_keep_their_level_marks_and_the_health_pane_its_shared_resources() -> None:
    """As the console and `snapshot` show them: "1.1 GiB !!", the health figure, and the shared
    resources the health pane shows among its rows (the copy had none of them)."""
    board = Dashboard("prod", "core", NOW, 900.0, entity_display="pod")
    board.health = [
        HealthRow(
            entity="npa-1",
            entity_type="npa",
            state="degraded",
            up=True,
            health=Cell(2.96, "2.96", "warn"),
            signals={"memory": Cell(1.2e9, "1.1 GiB", "crit")},
        )
    ]
    board.saturation = [
        SaturationRow(name="pg", display="PostgreSQL conns used", series="", value=Cell(0.35, "35.0%", "ok"))
    ]
    board.red = [
        RedRow(
            "agents",
            "Agents",
            "npa",
            {},
            Cell(1, "12/s"),
            Cell(0.06, "6%", "crit"),
            Cell(0, "5ms"),
            Cell(0, "20ms"),
            Cell(1.1, "1.10s", "warn"),
        )
    ]
    assert lines(board, "health")[2:] == [
        "| pod | state | since | alerts | health | memory |",
        "|---|---|---|---|---|---|",
        "| npa-1 | ◆ degraded | — | — | 2.96 ! | 1.1 GiB !! |",
        "",
        "**Shared resources**",
        "",
        "| resource | value |",
        "|---|---|",
        "| PostgreSQL conns used | 35.0% |",
    ]
    assert lines(board, "red")[-1] == "| Agents | npa | 12/s | 6% !! | 5ms | 20ms | 1.10s ! |"


def test_a_copy_of_an_empty_or_partial_pane_says_why() -> None:
    board = Dashboard("prod", "core", NOW, 900.0)
    board.status = {
        "health": PaneStatus(updated_at=NOW, queries=2, empty=("health.up", "health.memory")),
        "saturation": PaneStatus(updated_at=NOW, queries=1, empty=("saturation.pg",)),
        "red": PaneStatus(
            updated_at=NOW,
            queries=3,
            empty=("red.api.p99",),
            notes=("rows by `route`: no series carries it",),
        ),
        "logs": PaneStatus(updated_at=NOW, warnings=("query was split",)),
    }
    health = lines(board, "health")
    assert health[1] == "> ⚠ 0 of 2 queries returned data: run `opsconsole packs doctor`"
    assert "> ⚠ 0 of 1 queries returned data: run `opsconsole packs doctor`" in health[3:]
    assert lines(board, "red")[1:3] == [
        "> ⚠ 1 of 3 queries empty (p99)",
        "> ⚠ rows by `route`: no series carries it",
    ]
    assert lines(board, "logs")[1] == "> △ query was split"
