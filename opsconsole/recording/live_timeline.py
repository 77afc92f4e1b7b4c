"""``opsconsole timeline --since 2h``: the timeline from the live backends, for an incident nobody
recorded: Prometheus' ``ALERTS`` and ``up`` series (fired, resolved, down, back), Alertmanager's
silences (acked and silenced, by whom and why) and the mutation journal (every change sent from here).
SLO burn-rate crossings need the SLO figures of every refresh: only a recording has them, and the
output says so."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from typing import Any

from opsconsole.backends.errors import BackendError
from opsconsole.core.durations import format_duration, parse_duration
from opsconsole.core.incident_timeline import Links, TimelineBuilder, clock_text, md, short_matchers
from opsconsole.core.promql_strings import promql_string
from opsconsole.core.silence_draft import parse_ack

MAX_POINTS = 600  # a range query's points per series: a step of 12 s over 2 h
ENTITY_LABELS = ("kubernetes_pod_name", "pod", "instance", "job")


def live_timeline(args: argparse.Namespace) -> str:
    """The Markdown timeline of the last ``args.since`` (``ConfigError``/``ValueError`` for bad input)."""
    from opsconsole.cli import resolve_from_args
    from opsconsole.mutations.silences import default_journal_path
    from opsconsole.recording.journal_follow import JournalFollower, entry_time
    from opsconsole.refresh.backends_set import BackendSet

    since = parse_duration(args.since)
    now = time.time()
    if not 0 < since < now:
        # 0s asked for nothing and printed an empty timeline; 1000000d ended in "year -711 is out
        # of range".
        raise ValueError(f"--since {args.since}: give a span longer than 0s that starts after 1970")
    context = resolve_from_args(args)
    backends = BackendSet.for_context(context)
    start = now - since
    step = max(15.0, since / MAX_POINTS)
    prom_url = context.settings.prometheus.url if context.settings.prometheus else ""
    am_url = context.settings.alertmanagers[0].url if context.settings.alertmanagers else ""
    from opsconsole.config import redact_url

    builder = TimelineBuilder(Links(redact_url(am_url), redact_url(prom_url)))
    notes = [
        "SLO burn-rate crossings are in recordings only (`opsconsole record`): nothing here asks for them"
    ]

    async def gather() -> None:
        try:
            if backends.prometheus is not None:
                try:
                    alerts = await backends.prometheus.query_range(
                        'ALERTS{alertstate="firing"}', start, now, step
                    )
                    _alert_spells(builder, alerts.matrix, start, now, step)
                    up = await backends.prometheus.query_range("up", start, now, step)
                    _down_spells(builder, up.matrix, start, now, step)
                except BackendError as exc:  # the rest of the timeline still stands
                    notes.append(f"Prometheus: {exc}")
            else:
                notes.append("no Prometheus configured: no alerts fired or resolved, no agents down")
            for client in backends.alertmanagers[:1]:
                try:
                    _silences(builder, await client.silences(), start)
                except BackendError as exc:
                    notes.append(f"Alertmanager: {exc}")
        finally:
            await backends.aclose()

    asyncio.run(gather())
    journal = JournalFollower(default_journal_path())
    for entry in journal.new_entries():
        at = entry_time(entry)
        if at is not None and at >= start:
            builder.add_change(at, entry)
    return builder.markdown(f"Timeline: context {context.name}, the last {format_duration(since)}", notes)


def _spells(points: Sequence[tuple[float, float]], step: float, want: Any) -> list[tuple[float, float]]:
    """(start, end) of runs of points where ``want(value)``; a gap over 1.5 steps ends a run."""
    spells: list[tuple[float, float]] = []
    begun: float | None = None
    last: float | None = None
    for at, value in points:
        if not want(value):
            if begun is not None and last is not None:
                spells.append((begun, at))
            begun = last = None
            continue
        if begun is None or last is None or at - last > step * 1.5:
            if begun is not None and last is not None:
                spells.append((begun, last + step))
            begun = at
        last = at
    if begun is not None and last is not None:
        spells.append((begun, float("inf")))
    return spells


def _entity(labels: dict[str, str]) -> str:
    return next((labels[k] for k in ENTITY_LABELS if labels.get(k)), "")


def _alert_spells(
    builder: TimelineBuilder, series: Sequence[Any], start: float, now: float, step: float
) -> None:
    links = builder.links or Links()
    for one in series:
        labels = dict(one.metric)
        name = labels.get("alertname", "?")
        where = f" on {md(_entity(labels))}" if _entity(labels) else ""
        text = f"**{md(name)}** ({md(labels.get('severity', 'none'))})"
        link = links.alertname(name)
        for begun, ended in _spells(one.values, step, lambda v: v > 0):
            early = " (already firing when the range began)" if begun <= start + step else ""
            builder.add_event(begun, "fired", f"{text} fired{where}{early}", link)
            if ended != float("inf") and ended < now - step:
                builder.add_event(
                    ended, "resolved", f"{text} resolved{where} after {format_duration(ended - begun)}", link
                )


def _down_spells(
    builder: TimelineBuilder, series: Sequence[Any], start: float, now: float, step: float
) -> None:
    links = builder.links or Links()
    for one in series:
        labels = dict(one.metric)
        entity = _entity(labels) or "?"
        link = links.graph(f"up{{instance={promql_string(labels.get('instance', ''))}}}")
        for begun, ended in _spells(one.values, step, lambda v: v == 0):
            builder.add_event(begun, "down", f"target **{md(entity)}** down", link)
            if ended != float("inf"):
                builder.add_event(
                    ended,
                    "up",
                    f"target **{md(entity)}** back after {format_duration(ended - begun)} down",
                    link,
                )


def _silences(builder: TimelineBuilder, silences: Sequence[Any], start: float) -> None:
    links = builder.links or Links()
    for silence in silences:
        begun = silence.starts_at.timestamp()
        ends = silence.ends_at.timestamp()
        matchers = short_matchers(
            ", ".join(f"{m.name}{'=~' if m.is_regex else '='}{m.value}" for m in silence.matchers)
        )
        ack = parse_ack(silence.comment, ends)
        until = clock_text(ends)
        if begun >= start:
            if ack is not None:
                text = f"acked by {md(ack.who)} until {until}: `{md(matchers)}`"
                builder.add_event(begun, "acked", text, links.silence(silence.id))
            else:
                why = f": “{md(silence.comment)}”" if silence.comment else ""
                text = f"silenced by {md(silence.created_by)} until {until}: `{md(matchers)}`{why}"
                builder.add_event(begun, "silenced", text, links.silence(silence.id))
        if silence.status.state == "expired" and ends >= start:
            who = ack.who if ack else silence.created_by
            builder.add_event(
                ends,
                "unsilenced",
                f"{'ack' if ack else 'silence'} of {md(who)} on `{md(matchers)}` ended",
                links.silence(silence.id),
            )
