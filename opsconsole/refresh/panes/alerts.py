"""The alerts pane: every Alertmanager peer's alerts, one per (cluster, fingerprint), split into the
pack's (its matchers) and the rest, with the silences that hold them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

from opsconsole.backends.alertmanager_models import Alert, Silence
from opsconsole.core.alert_grouping import group_alerts
from opsconsole.core.alert_matchers import LabelMatcher, parse_matchers
from opsconsole.core.dashboard import AlertView, SilenceView
from opsconsole.core.row_keys import first_label
from opsconsole.core.silence_draft import parse_ack
from opsconsole.packs.schema import AlertsSection
from opsconsole.packs.variables import expand
from opsconsole.refresh.backend_health import BackendHealth
from opsconsole.refresh.pane_output import PaneOutput
from opsconsole.refresh.panes.run import PaneRun


class AlertsPane:
    """Builds the alert groups (rows) and those outside the pack (``extra``); keeps the silences."""

    def __init__(self, health: BackendHealth) -> None:
        self.health = health
        self.silences: list[SilenceView] = []

    async def __call__(self, run: PaneRun) -> PaneOutput:
        """Every alert is fetched and the pack's matchers applied here, so what they leave out is
        known without a second request."""
        peers = run.backends.alertmanagers
        if not peers:  # "0 firing" alone would read as a quiet night
            return PaneOutput([], extra=[], notes=["no Alertmanager in this context"])
        spec = run.queries.pack.alerts
        matchers = [m for text in spec.matchers for m in parse_matchers(expand(text, run.queries.values))]
        # Alerts and silences in one round trip (one after the other, an unreachable peer cost
        # its timeout twice).
        answers, silence_answers = await asyncio.gather(
            asyncio.gather(*(am.alerts() for am in peers), return_exceptions=True),
            asyncio.gather(*(am.silences() for am in peers), return_exceptions=True),
        )
        silences: dict[str, Silence] = {}
        silence_source: dict[str, str] = {}
        for am, found in zip(peers, silence_answers, strict=True):
            if not isinstance(found, BaseException):
                for silence in found:
                    silences.setdefault(silence.id, silence)
                    silence_source.setdefault(silence.id, am.name)
        # Peers of one HA cluster report the same alerts: keep one per (cluster, fingerprint). Peers
        # without a cluster name are taken to be one cluster, the usual way HA peers are listed.
        raw: dict[tuple[str, str], tuple[Alert, str]] = {}
        clusters = {am.endpoint.cluster or "" for am in peers}
        failures = []
        for am, answer in zip(peers, answers, strict=True):
            if isinstance(answer, BaseException):
                failures.append(answer)
                self.health.mark(f"alertmanager {am.name}", None, answer)
                continue
            self.health.mark(f"alertmanager {am.name}", run.now, None)
            for alert in answer:
                raw.setdefault((am.endpoint.cluster or "", alert.fingerprint), (alert, am.name))
        if failures and len(failures) == len(answers):
            raise failures[0]
        views = {sid: silence_view(s, silence_source[sid], raw.values()) for sid, s in silences.items()}
        self.silences = sorted(views.values(), key=_silence_order)
        group_by = list(run.settings.group_by or spec.group_by)
        mine: list[AlertView] = []
        others: list[AlertView] = []
        for (cluster, _), (alert, source) in raw.items():
            view = alert_view(spec, alert, source, views, cluster if len(clusters) > 1 else "")
            (mine if all(m.matches(alert.labels) for m in matchers) else others).append(view)
        return PaneOutput(group_alerts(mine, group_by), extra=group_alerts(others, group_by))


def alert_view(
    spec: AlertsSection, alert: Alert, source: str, silences: Mapping[str, SilenceView], cluster: str = ""
) -> AlertView:
    """One alert as the panes show it, named by the pack's entity labels."""
    if alert.silenced:
        state = "silenced"
    elif alert.inhibited:
        state = "inhibited"
    elif alert.status.state == "unprocessed":
        state = "unprocessed"
    else:
        state = "firing"
    labels, annotations = alert.labels, alert.annotations
    entity = first_label(labels, spec.entity_instance_labels)
    entity_type = first_label(labels, spec.entity_type_labels)
    return AlertView(
        fingerprint=alert.fingerprint,
        alertname=labels.get("alertname", "?"),
        severity=labels.get("severity", ""),
        state=state,  # type: ignore[arg-type]
        starts_at=alert.starts_at.timestamp(),
        summary=annotations.get("summary") or annotations.get("description", ""),
        labels=labels,
        annotations=annotations,
        entity=entity[1] if entity else None,
        entity_type=entity_type[1] if entity_type else None,
        silenced_by=tuple(alert.status.silenced_by),
        inhibited_by=tuple(alert.status.inhibited_by),
        receivers=tuple(r.name for r in alert.receivers),
        source=source,
        silences=tuple(silences[i] for i in alert.status.silenced_by if i in silences),
        cluster=cluster,
    )


def silence_view(silence: Silence, source: str, alerts: Iterable[tuple[Alert, str]]) -> SilenceView:
    """A silence with the number of current alerts it matches and the ack it records, if any."""
    matchers = [
        LabelMatcher(m.name, m.operator, m.value)  # type: ignore[arg-type]
        for m in silence.matchers
    ]
    alerts = list(alerts)
    matching = sum(1 for alert, _ in alerts if all(m.matches(alert.labels) for m in matchers))
    mutes = sum(1 for alert, _ in alerts if silence.id in alert.status.silenced_by)
    ack = parse_ack(silence.comment, silence.ends_at.timestamp())
    return SilenceView(
        id=silence.id,
        state=silence.status.state,
        matchers=", ".join(m.to_filter() for m in silence.matchers),
        created_by=silence.created_by,
        comment=silence.comment,
        starts_at=silence.starts_at.timestamp(),
        ends_at=silence.ends_at.timestamp(),
        ack_by=ack.who if ack else None,
        ack_until_resolved=bool(ack and ack.until_resolved),
        mutes=mutes,
        matching=matching if silence.status.state != "expired" else 0,
        source=source,
    )


def _silence_order(view: SilenceView) -> tuple[int, float]:
    return {"active": 0, "pending": 1, "expired": 2}[view.state], view.ends_at
