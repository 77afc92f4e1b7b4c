"""The panes a refresh builds, registered in one table: what builds each, which backend answers it,
and where its rows go on the :class:`Dashboard` (typed accessors, not attribute names)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from opsconsole.core.dashboard import Dashboard
from opsconsole.refresh.pane_output import PaneOutput
from opsconsole.refresh.panes.alerts import AlertsPane
from opsconsole.refresh.panes.health import health_pane
from opsconsole.refresh.panes.logs import LogsPane
from opsconsole.refresh.panes.red import red_pane
from opsconsole.refresh.panes.run import PaneRun, RefreshSettings
from opsconsole.refresh.panes.saturation import saturation_pane
from opsconsole.refresh.panes.slo import SloPane

Backend = Literal["prometheus", "alertmanager", "loki"]


@dataclass(frozen=True)
class Pane:
    """One pane of the refresh: ``build`` its output, ``put`` its rows on a board, ``rows`` of a
    board (what a failed refresh keeps); ``outside``/``put_outside`` for the alerts the pack leaves out."""

    name: str
    backend: Backend
    build: Callable[[PaneRun], Awaitable[PaneOutput]]
    rows: Callable[[Dashboard], Any]
    put: Callable[[Dashboard, Any], None]
    outside: Callable[[Dashboard], Any] = lambda board: None
    put_outside: Callable[[Dashboard, Any], None] = lambda board, extra: None


def _put_health(board: Dashboard, rows: Any) -> None:
    board.health = rows


def _put_saturation(board: Dashboard, rows: Any) -> None:
    board.saturation = rows


def _put_red(board: Dashboard, rows: Any) -> None:
    board.red = rows


def _put_slos(board: Dashboard, rows: Any) -> None:
    board.slos = rows


def _put_alerts(board: Dashboard, rows: Any) -> None:
    board.alerts = rows


def _put_alerts_outside(board: Dashboard, extra: Any) -> None:
    board.alerts_outside = extra or []


def _put_logs(board: Dashboard, rows: Any) -> None:
    board.logs = rows


def pane_table(slo: SloPane, alerts: AlertsPane, logs: LogsPane) -> tuple[Pane, ...]:
    """Every pane in refresh order, built by these stateful builders and the stateless ones."""
    return (
        Pane("health", "prometheus", health_pane, lambda b: b.health, _put_health),
        Pane("saturation", "prometheus", saturation_pane, lambda b: b.saturation, _put_saturation),
        Pane("red", "prometheus", red_pane, lambda b: b.red, _put_red),
        Pane("slo", "prometheus", slo, lambda b: b.slos, _put_slos),
        Pane(
            "alerts",
            "alertmanager",
            alerts,
            lambda b: b.alerts,
            _put_alerts,
            lambda b: b.alerts_outside,
            _put_alerts_outside,
        ),
        Pane("logs", "loki", logs, lambda b: b.logs, _put_logs),
    )


__all__ = ["AlertsPane", "LogsPane", "Pane", "PaneRun", "RefreshSettings", "SloPane", "pane_table"]
