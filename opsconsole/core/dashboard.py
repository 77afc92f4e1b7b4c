"""What the main screen shows, as plain data: one model per pane plus its freshness.

The refresh service builds these from backend answers; widgets only render them. ``snapshot`` prints
the same objects, so the screen and the one-shot output cannot disagree.

Every model is a :class:`~opsconsole.core.untrusted_text.SanitizedModel`: the strings in it (label
values, annotations, log lines, error texts, names from packs) are made terminal-safe when it is
built, so every renderer gets clean text whichever way the model was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from opsconsole.core.ack_state import AckFacts, ack_facts
from opsconsole.core.severity import severity as severity_of
from opsconsole.core.silence_hygiene import SilenceHygiene
from opsconsole.core.slo import BurnRule, SloFigures
from opsconsole.core.untrusted_text import SanitizedModel

Level = Literal["ok", "warn", "crit", "none"]
HealthState = Literal["down", "unhealthy", "degraded", "ok", "unknown"]
PaneName = Literal["health", "red", "alerts", "slo", "logs"]
PANES: tuple[PaneName, ...] = ("health", "red", "alerts", "slo", "logs")

LEVEL_RANK: dict[Level, int] = {"crit": 0, "warn": 1, "ok": 2, "none": 3}
STATE_RANK: dict[HealthState, int] = {"down": 0, "unhealthy": 1, "degraded": 2, "unknown": 3, "ok": 4}


def severity_rank(severity: str) -> int:
    """Sort key: critical first, unknown severities after info."""
    return severity_of(severity).rank


@dataclass(frozen=True)
class Cell(SanitizedModel):
    """One number on screen: its value, how it is shown, its threshold level and its query id."""

    value: float | None
    text: str
    level: Level = "none"
    query_id: str = ""


@dataclass(frozen=True)
class HealthRow(SanitizedModel):
    """One entity instance (an agent) in the health pane."""

    entity_type: str
    entity: str
    state: HealthState
    up: bool | None
    health: Cell | None
    signals: dict[str, Cell]
    alerts: int = 0
    since: float | None = None
    since_exact: bool = False
    entity_label: str = ""  # the label that named it (the pack's identity rule: first label present)
    split: tuple[tuple[str, str], ...] = ()  # what tells it apart from another row of the same name

    @property
    def display(self) -> str:
        """The name shown: ``npa-1``, or ``npa-1 (job=npa)`` when two targets share a name."""
        if not self.split:
            return self.entity
        return f"{self.entity} ({', '.join(f'{k}={v}' for k, v in self.split)})"

    @property
    def row_id(self) -> str:
        """Unique among the pane's rows (two targets may share an entity name, never a row)."""
        return "\x1f".join([self.entity, *(f"{k}={v}" for k, v in self.split)])

    @property
    def sort_key(self) -> tuple[int, str, str, str]:
        """Down and unhealthy first, then by type and name."""
        return STATE_RANK[self.state], self.entity_type, self.entity, self.row_id


@dataclass(frozen=True)
class RedRow(SanitizedModel):
    """One row of a RED group (e.g. one agent type, one route)."""

    group: str
    group_display: str
    key: str
    labels: dict[str, str]
    rate: Cell
    errors: Cell
    p50: Cell
    p95: Cell
    p99: Cell
    history: dict[str, list[float | None]] = field(default_factory=dict)

    @property
    def row_id(self) -> str:
        """Unique among the pane's rows (label values are joined for show, not for identity)."""
        return "\x1f".join([self.group, *(f"{k}={v}" for k, v in self.labels.items())])

    @property
    def worst(self) -> Level:
        """The worst level of its cells (rows sort on it)."""
        cells = (self.rate, self.errors, self.p50, self.p95, self.p99)
        return min((c.level for c in cells), key=LEVEL_RANK.__getitem__)


@dataclass(frozen=True)
class SaturationRow(SanitizedModel):
    """One shared resource (a connection pool, a cache's memory): its value against its thresholds."""

    name: str
    display: str
    series: str  # which series of the query, by its legend labels ("" for a single value)
    value: Cell

    @property
    def row_id(self) -> str:
        """Unique among saturation rows."""
        return f"{self.name}\x1f{self.series}"


@dataclass(frozen=True)
class SilenceView(SanitizedModel):
    """A silence as the panes show it."""

    id: str
    state: Literal["active", "pending", "expired"]
    matchers: str
    created_by: str
    comment: str
    starts_at: float
    ends_at: float
    ack_by: str | None = None
    matching: int = 0
    source: str = ""
    ack_until_resolved: bool = False
    mutes: int = 0  # alerts whose silencedBy names it now (Alertmanager's word; ``matching`` is ours)

    def hygiene(self, now: float) -> SilenceHygiene:
        """What it mutes now and its marks (``mutes nothing``, ``ends within 1h``)."""
        return SilenceHygiene(self.state, self.mutes, self.ends_at, now)

    def ack_facts(self) -> AckFacts | None:
        """The ack this silence records (who, since, until), or None for an ordinary silence."""
        return ack_facts(self.ack_by, self.starts_at, self.ends_at, self.ack_until_resolved, self.id)

    def describe(self, now: float) -> str:
        """``ACK alice 3m · 12m left`` (:class:`AckFacts`) or ``silenced by bob until 14:05 UTC: why``."""
        facts = self.ack_facts()
        if facts is not None:
            return facts.text(now)
        until = datetime.fromtimestamp(self.ends_at, UTC).strftime("%H:%M UTC")
        return f"silenced by {self.created_by} until {until}: {self.comment}"


@dataclass(frozen=True)
class AlertView(SanitizedModel):
    """An Alertmanager alert reduced to what the panes show."""

    fingerprint: str
    alertname: str
    severity: str
    state: Literal["firing", "silenced", "inhibited", "unprocessed"]
    starts_at: float
    summary: str
    labels: dict[str, str]
    annotations: dict[str, str]
    entity: str | None = None
    entity_type: str | None = None
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    receivers: tuple[str, ...] = ()
    source: str = ""
    silences: tuple[SilenceView, ...] = ()
    cluster: str = ""

    @property
    def ack(self) -> SilenceView | None:
        """The ack silence muting this alert, if one does."""
        return next((s for s in self.silences if s.ack_by), None)


@dataclass(frozen=True)
class AlertGroupView(SanitizedModel):
    """Alerts sharing the values of the ``group_by`` labels."""

    key: tuple[tuple[str, str], ...]
    alerts: tuple[AlertView, ...]

    @property
    def severity(self) -> str:
        """The worst severity in the group."""
        return min((a.severity for a in self.alerts), key=severity_rank, default="")

    @property
    def oldest(self) -> float:
        """When the earliest alert of the group started."""
        return min(a.starts_at for a in self.alerts)

    @property
    def firing(self) -> int:
        """How many are not suppressed."""
        return sum(1 for a in self.alerts if a.state == "firing")


def group_order(group: AlertGroupView) -> tuple[bool, int, float, tuple[tuple[str, str], ...]]:
    """Where a group of alerts goes: firing before suppressed, worst severity, then the oldest."""
    return (group.firing == 0, severity_rank(group.severity), group.oldest, group.key)


@dataclass(frozen=True)
class SloRow(SanitizedModel):
    """One SLO line: its objective and window and the figures computed by :mod:`opsconsole.core.slo`."""

    name: str
    display: str
    objective: float
    window: str
    figures: SloFigures
    queries: tuple[tuple[str, str], ...] = ()
    problem: str = ""
    source: str = "pack"
    rules: tuple[BurnRule, ...] = ()

    @property
    def status(self) -> str:
        """ok, ticket, page, exhausted or no data."""
        return self.figures.status


@dataclass(frozen=True)
class LogRow(SanitizedModel):
    """One log line, already parsed."""

    ts_ns: int
    level: str
    entity: str
    message: str
    trace_id: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaneStatus(SanitizedModel):
    """Freshness of one pane: when it last succeeded and the error since then, if any.

    ``queries`` counts the pack queries behind the pane and ``empty`` names those that returned no
    data; ``notes`` says what else the pane could not show as asked (rows told apart, series left
    out). Nothing a pane leaves out is left out silently.
    """

    updated_at: float | None = None
    error: str | None = None
    error_at: float | None = None
    queries: int = 0
    empty: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # the backend's own warnings on a good answer (Loki's)

    def age(self, now: float) -> float | None:
        """Seconds since the last success."""
        return None if self.updated_at is None else max(0.0, now - self.updated_at)

    @property
    def all_empty(self) -> bool:
        """Every query of the pane returned nothing: the pane is empty for a reason to find."""
        return self.queries > 0 and len(self.empty) >= self.queries

    def emptiness(self) -> str:
        """``0 of 7 queries returned data: run `opsconsole packs doctor` `` or ``2 of 7 queries empty: …``."""
        if not self.empty:
            return ""
        if self.all_empty:
            return f"0 of {self.queries} queries returned data: run `opsconsole packs doctor`"
        short = [q.rsplit(".", 1)[-1] for q in self.empty]
        # Two groups' p99 are not one query: a name two share keeps its group (api.p99, hq.p99).
        names = ", ".join(
            ".".join(q.rsplit(".", 2)[-2:]) if short.count(name) > 1 else name
            for q, name in zip(self.empty, short, strict=True)
        )
        return f"{len(self.empty)} of {self.queries} queries empty ({names})"


@dataclass(frozen=True)
class BackendStatus(SanitizedModel):
    """Freshness of one backend for the header."""

    name: str
    kind: str
    url: str
    last_success: float | None = None
    error: str | None = None


# Where the alerts the pack leaves out are, after "3 outside this pack, ": a key in the console;
# in a snapshot's text and JSON, where they are listed; in a Markdown copy, how to see them.
CONSOLE_SHOWS_ALL = "`A` to show all"
SNAPSHOT_TEXT_SHOWS_ALL = "listed below under OUTSIDE THIS PACK"
SNAPSHOT_JSON_SHOWS_ALL = "listed in alerts_outside"
COPY_SHOWS_ALL = "not in this copy (`A` in the console shows them)"


@dataclass
class Dashboard(SanitizedModel):
    """Everything on the main screen at one moment."""

    context: str
    pack: str
    now: float
    range_seconds: float
    health: list[HealthRow] = field(default_factory=list)
    red: list[RedRow] = field(default_factory=list)
    alerts: list[AlertGroupView] = field(default_factory=list)
    slos: list[SloRow] = field(default_factory=list)
    logs: list[LogRow] = field(default_factory=list)
    status: dict[str, PaneStatus] = field(default_factory=dict)
    backends: list[BackendStatus] = field(default_factory=list)
    silences: list[SilenceView] = field(default_factory=list)
    queries: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    saturation: list[SaturationRow] = field(default_factory=list)
    # Alerts Alertmanager holds that the pack's matchers leave out (shown with `A`, always counted).
    alerts_outside: list[AlertGroupView] = field(default_factory=list)
    entity_display: str = "agent"
    entity_labels: tuple[str, ...] = ()  # the pack's identity rule: first label present names a row
    logs_unavailable: str = ""  # the pack's word on where its logs are, when not in Loki

    def pane_status(self, pane: str) -> PaneStatus:
        """Freshness of ``pane`` (empty status if it never ran)."""
        return self.status.get(pane, PaneStatus())

    @property
    def firing(self) -> int:
        """Firing alerts the pack's matchers select."""
        return sum(g.firing for g in self.alerts)

    @property
    def firing_outside(self) -> int:
        """Firing alerts in Alertmanager that the pack's matchers leave out."""
        return sum(g.firing for g in self.alerts_outside)

    def alert_groups(self, showing_all: bool = False) -> list[AlertGroupView]:
        """The pack's alert groups, and with ``showing_all`` those outside it among them, worst first:
        a critical alert outside the pack never sits below the pack's warnings."""
        if not showing_all:
            return list(self.alerts)
        return sorted([*self.alerts, *self.alerts_outside], key=group_order)

    @property
    def alerts_unknown(self) -> bool:
        """Nothing has answered for the alerts yet (Alertmanager down from the start, variables to
        set): no count is known, and "0 firing" would read as a quiet night."""
        status = self.pane_status("alerts")
        return status.updated_at is None and status.error is not None

    def alerts_title(self, showing_all: bool = False, outside: str = CONSOLE_SHOWS_ALL) -> str:
        """``9 firing, 3 outside this pack, `A` to show all``: never "0 firing" while alerts fire.

        ``outside``: where the alerts outside the pack are, in the words of what is read: the
        console's key, or where a snapshot lists them (``SNAPSHOT_TEXT_SHOWS_ALL``)."""
        if self.alerts_unknown:
            return "? firing, no answer yet"
        if showing_all:
            return f"{self.firing + self.firing_outside} firing, all alerts (`A`: this pack's only)"
        text = f"{self.firing} firing"
        if self.firing_outside:
            text += f", {self.firing_outside} outside this pack, {outside}"
        elif self.alerts_outside:
            held = sum(len(g.alerts) for g in self.alerts_outside)
            text += f", {held} suppressed outside this pack, {outside}"
        return text


Points = list[tuple[float, float]]


@dataclass(frozen=True)
class BudgetHistory(SanitizedModel):
    """Budget left across an SLO's window, for the chart on the SLO screen.

    ``kind`` is ``burndown`` (the current window's budget as it was spent, step by step; the last
    point is the budget left now) or ``rolling`` (the budget left of the window ending at each
    point, when only error ratios are recorded, e.g. Sloth).
    """

    times: tuple[float, ...]
    remaining: tuple[float | None, ...]
    kind: str
    error: str = ""
    # Whether asking again (r) can mend ``error``: a timeout, a 5xx, a refused connection. A context
    # without Prometheus or a query the server refuses is mended elsewhere, and ``error`` says where.
    retry: bool = False


@dataclass
class Detail(SanitizedModel):
    """The drill-down of one agent or service: charts over the range, its alerts, logs and queries."""

    title: str
    range_seconds: float
    charts: dict[str, list[tuple[str, Points]]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    queries: dict[str, str] = field(default_factory=dict)
    alerts: list[AlertView] = field(default_factory=list)
    logs: list[LogRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # the pack's (name, URL), filled in
