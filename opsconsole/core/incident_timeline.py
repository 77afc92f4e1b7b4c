"""What happened, in order, for the postmortem: from a sequence of dashboards (a recording) and the
changes sent (the mutation journal), the alerts that fired, resolved, were acked or silenced (by whom
and why), SLO burn-rate rule crossings and agents going down and coming back, as Markdown.

Pure logic: the caller reads the boards and the journal and names the backends' URLs for links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from opsconsole.core.dashboard import AlertView, Dashboard, SilenceView, SloRow
from opsconsole.core.durations import format_duration
from opsconsole.core.promql_strings import matcher, promql_string
from opsconsole.core.untrusted_text import sanitize

SLO_RANK = {"ok": 0, "no data": 0, "ticket": 1, "page": 2, "exhausted": 3}


@dataclass(frozen=True, order=True)
class TimelineEvent:
    """One line of the timeline."""

    at: float
    order: int  # ties keep the order events were found in
    kind: str = field(compare=False)  # fired, resolved, acked, silenced, unsilenced, slo, down, up, change
    text: str = field(compare=False)
    link: tuple[str, str] | None = field(default=None, compare=False)  # (label, URL)


@dataclass
class Links:
    """Where the reader of the postmortem can look further (base URLs of the backends, or "")."""

    alertmanager: str = ""
    prometheus: str = ""

    @classmethod
    def from_board(cls, board: Dashboard) -> Links:
        """The first Alertmanager's and the Prometheus' URLs the board names."""
        urls: dict[str, str] = {}
        for backend in board.backends:
            urls.setdefault(backend.kind, backend.url)
        return cls(urls.get("alertmanager", ""), urls.get("prometheus", ""))

    def alert(self, alert: AlertView) -> tuple[str, str] | None:
        """Alertmanager's page of the alerts of this name."""
        return self.alertname(alert.alertname)

    def alertname(self, name: str) -> tuple[str, str] | None:
        """Alertmanager's page of the alerts called ``name``."""
        if not self.alertmanager:
            return None
        matcher = _url_part(f"{{alertname={promql_string(name)}}}")
        return "Alertmanager", f"{self.alertmanager}/#/alerts?filter={matcher}"

    def silence(self, silence_id: str) -> tuple[str, str] | None:
        """Alertmanager's page of one silence."""
        if not self.alertmanager or not silence_id:
            return None
        return "silence", f"{self.alertmanager}/#/silences/{_url_part(silence_id)}"

    def graph(self, expr: str) -> tuple[str, str] | None:
        """Prometheus' graph of ``expr``."""
        if not self.prometheus or not expr:
            return None
        return "Prometheus", f"{self.prometheus}/graph?g0.expr={_url_part(expr)}&g0.tab=0"


@dataclass
class TimelineBuilder:
    """Feed boards oldest first (:meth:`add`) and changes (:meth:`add_change`); read :meth:`events`."""

    links: Links | None = None
    _events: list[TimelineEvent] = field(default_factory=list)
    _alerts: dict[str, AlertView] = field(default_factory=dict)
    _silences: dict[str, SilenceView] = field(default_factory=dict)
    _slos: dict[str, str] = field(default_factory=dict)
    _down: dict[str, float] = field(default_factory=dict)  # row id -> when first seen down
    _first: float | None = None
    _last: float | None = None
    frames: int = 0

    def _emit(self, at: float, kind: str, text: str, link: tuple[str, str] | None = None) -> None:
        self._events.append(TimelineEvent(at, len(self._events), kind, text, link))

    def add_event(self, at: float, kind: str, text: str, link: tuple[str, str] | None = None) -> None:
        """An event found elsewhere (the live timeline's ALERTS and up spells); ``text`` is Markdown."""
        self._first = at if self._first is None else min(self._first, at)
        self._last = at if self._last is None else max(self._last, at)
        self._emit(at, kind, text, link)

    def add(self, board: Dashboard) -> None:
        """One refresh: what changed since the previous one becomes events."""
        links = self.links or Links.from_board(board)
        self.links = links
        first = self._first is None
        if first:
            self._first = board.now
        self._last = board.now
        self.frames += 1
        self._alerts_changed(board, links, first)
        self._silences_changed(board, links, first)
        self._slos_changed(board, links, first)
        self._health_changed(board, links, first)

    def _alerts_changed(self, board: Dashboard, links: Links, first: bool) -> None:
        now = {a.fingerprint: a for g in (*board.alerts, *board.alerts_outside) for a in g.alerts}
        for fingerprint, alert in now.items():
            before = self._alerts.get(fingerprint)
            if before is None:
                started = alert.starts_at
                if first and started < board.now:
                    note = f" (firing since {clock_text(started)}, before the recording began)"
                    self._emit(board.now, "fired", alert_text(alert, "was firing") + note, links.alert(alert))
                else:
                    self._emit(
                        max(started, self._first or started),
                        "fired",
                        alert_text(alert, "fired"),
                        links.alert(alert),
                    )
            elif before.state != alert.state:
                self._emit(
                    board.now,
                    alert.state,
                    alert_text(alert, f"{before.state} → {alert.state}"),
                    links.alert(alert),
                )
        for fingerprint, alert in self._alerts.items():
            if fingerprint not in now:
                lasted = format_duration(board.now - alert.starts_at)
                self._emit(
                    board.now, "resolved", alert_text(alert, f"resolved after {lasted}"), links.alert(alert)
                )
        self._alerts = now

    def _silences_changed(self, board: Dashboard, links: Links, first: bool) -> None:
        now = {s.id: s for s in board.silences if s.state != "expired"}
        for silence_id, silence in now.items():
            if silence_id in self._silences:
                continue
            at = board.now if first else max(silence.starts_at, self._first or silence.starts_at)
            kind, text = _silence_text(silence)
            if first and silence.starts_at < board.now:
                text += " (before the recording began)"
            self._emit(at, kind, text, links.silence(silence_id))
        for silence_id, silence in self._silences.items():
            if silence_id not in now:
                what = "ack" if silence.ack_by else "silence"
                by = silence.ack_by or silence.created_by
                early = "" if board.now >= silence.ends_at else " early (expired by someone)"
                self._emit(
                    min(board.now, silence.ends_at) if not early else board.now,
                    "unsilenced",
                    f"{what} of {by} on `{md(short_matchers(silence.matchers))}` ended{early}",
                    links.silence(silence_id),
                )
        self._silences = now

    def _slos_changed(self, board: Dashboard, links: Links, first: bool) -> None:
        for slo in board.slos:
            before = self._slos.get(slo.name)
            self._slos[slo.name] = slo.status
            if before is None and (not first or SLO_RANK.get(slo.status, 0) == 0):
                continue
            if before == slo.status:
                continue
            was = "(at the start)" if before is None else f"{before} →"
            self._emit(
                board.now,
                "slo",
                f"SLO **{md(slo.display)}** {was} {slo.status}{_burn(slo)}",
                links.graph(slo.queries[0][1] if slo.queries else ""),
            )

    def _health_changed(self, board: Dashboard, links: Links, first: bool) -> None:
        seen = {row.row_id: row for row in board.health}
        label = board.entity_labels[0] if board.entity_labels else "instance"
        for row_id, row in seen.items():
            down = row.state == "down"
            if down and row_id not in self._down:
                self._down[row_id] = board.now
                since = row.since if row.since is not None and row.since_exact else board.now
                note = " (before the recording began)" if first else ""
                self._emit(
                    min(since, board.now) if not first else board.now,
                    "down",
                    f"{board.entity_display} **{md(row.display)}** down{note}",
                    links.graph(f"up{{{matcher(row.entity_label or label, '=', row.entity)}}}"),
                )
            elif not down and row_id in self._down:
                went = self._down.pop(row_id)
                self._emit(
                    board.now,
                    "up",
                    f"{board.entity_display} **{md(row.display)}** back ({row.state}) after "
                    f"{format_duration(board.now - went)} down",
                    links.graph(f"up{{{matcher(row.entity_label or label, '=', row.entity)}}}"),
                )

    def add_change(self, at: float, entry: Mapping[str, Any]) -> None:
        """One entry of the mutation journal: a silence or ack sent, an expiry, a refusal."""
        body = entry.get("body") if isinstance(entry.get("body"), dict) else {}
        assert isinstance(body, dict)
        method, path = str(entry.get("method", "")), str(entry.get("path", ""))
        outcome = str(entry.get("outcome", ""))
        who = str(body.get("createdBy", "") or "someone")
        comment = str(body.get("comment", ""))
        matchers = ", ".join(
            f"{m.get('name')}{'=~' if m.get('isRegex') else '='}{m.get('value')!s}"
            for m in body.get("matchers", [])
            if isinstance(m, dict)
        )
        if method == "POST" and "silence" in path:
            what = "an ack" if comment.lower().startswith("ack") else "a silence"
            text = f"{who} sent {what} on `{md(short_matchers(matchers))}`"
            text += f": “{md(comment)}”" if comment else ""
        elif method == "DELETE":
            text = f"expired silence {md(path.rsplit('/', 1)[-1])}"
        else:
            text = f"{md(method)} {md(path)}"
        self._emit(at, "change", f"{text} → {md(outcome)}")

    def events(self) -> list[TimelineEvent]:
        """Every event, in time order."""
        return sorted(self._events)

    def markdown(self, title: str, notes: Iterable[str] = ()) -> str:
        """The timeline as a Markdown section for the postmortem."""
        out = [f"## {title}", ""]
        if self._first is not None and self._last is not None:
            counted = f" ({self.frames} refreshes)" if self.frames else ""
            out.append(f"From {_stamp(self._first)} to {_stamp(self._last)}{counted}.")
        out.extend(f"> ⚠ {note}" for note in notes)
        out += ["", "| Time (UTC) | Event | Link |", "|---|---|---|"]
        for event in self.events():
            link = f"[{event.link[0]}]({event.link[1]})" if event.link else ""
            out.append(f"| {clock_text(event.at)} | {ICON.get(event.kind, '•')} {event.text} | {link} |")
        if not self._events:
            out.append("| — | nothing fired, resolved, changed or went down | |")
        return "\n".join(out) + "\n"


ICON = {
    "fired": "🔥",
    "resolved": "✅",
    "silenced": "🔕",
    "acked": "👀",
    "unsilenced": "🔔",
    "inhibited": "🔇",
    "firing": "🔥",
    "slo": "📉",
    "down": "✖",
    "up": "↑",
    "change": "✍",
}


def alert_text(alert: AlertView, verb: str) -> str:
    where = f" on {md(alert.entity)}" if alert.entity else ""
    summary = f": {md(alert.summary)}" if alert.summary else ""
    return f"**{md(alert.alertname)}** ({md(alert.severity)}) {verb}{where}{summary}"


def _silence_text(silence: SilenceView) -> tuple[str, str]:
    until = clock_text(silence.ends_at)
    if silence.ack_by:
        return (
            "acked",
            f"acked by {md(silence.ack_by)} until {until}: `{md(short_matchers(silence.matchers))}`",
        )
    why = f": “{md(silence.comment)}”" if silence.comment else ""
    matchers = md(short_matchers(silence.matchers))
    return "silenced", f"silenced by {md(silence.created_by)} until {until}: `{matchers}`{why}"


def short_matchers(text: str, keep: int = 2) -> str:
    """``alertname=X, pod=Y (+9 more)``: an ack pins every label of its alert, a timeline line
    needs the alert's name and what tells it apart (the rest is behind the silence's link)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    named = [p for p in parts if p.startswith("alertname")]
    pod = [p for p in parts if _label_of(p) in ("kubernetes_pod_name", "pod", "instance")]
    chosen = (named + [p for p in pod if p not in named])[:keep] or parts[:keep]
    rest = len(parts) - len(chosen)
    return ", ".join(chosen) + (f" (+{rest} more)" if rest > 0 else "")


def _label_of(matcher: str) -> str:
    """The label a matcher text is about: ``pod`` of ``pod="x"``, ``pod!="x"``, ``pod=~"x"``, ``pod!~"x"``."""
    return re.split(r"[=!~]", matcher, maxsplit=1)[0].strip()


def _burn(slo: SloRow) -> str:
    figures = slo.figures
    rule = figures.firing_rule
    rates = ", ".join(f"{w} {b:.1f}x" for w, b in figures.burn_rates.items() if b is not None)
    text = f" (burn {rates})" if rates else ""
    if rule is not None:
        text += f", rule {rule.long}/{rule.short} > {rule.factor:g}x ({rule.severity})"
    return text


def _url_part(text: str) -> str:
    """``text`` percent-encoded for a link. A lone surrogate (half a pair, which a hostile or broken
    answer's JSON can hold) has no UTF-8: its bytes are encoded as they stand instead of ending the
    command with an encoding error."""
    return quote(text, safe="", errors="surrogatepass")


def md(text: str) -> str:
    """Terminal and table-cell safe: no escape sequence, control or bidi character reaches the
    terminal (label values from Prometheus' ALERTS and ``up`` series are the server's, uncleaned),
    no pipe ends a cell, no newline ends a row, no backtick breaks code."""
    text = sanitize(text, keep_newlines=True)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").replace("\n", " ")


def clock_text(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S")


def _stamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
