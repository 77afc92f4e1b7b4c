"""Every context in one print-out: ``snapshot --all-contexts`` (text and ``--json``), from the rows and
merged alerts of :mod:`opsconsole.core.context_overview`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from opsconsole.core.context_overview import ContextRow, MergedAlert
from opsconsole.core.durations import format_duration
from opsconsole.core.untrusted_text import sanitize

COLUMNS = (
    ("context", "CONTEXT", 14),
    ("firing", "FIRING c w o", 12),
    ("acked", "ACKED", 5),
    ("down", "DOWN", 7),
    ("budget", "WORST BUDGET", 26),
    ("backends", "BACKENDS", 0),
)


def overview_text(rows: list[ContextRow], alerts: list[MergedAlert], now: float) -> str:
    """The overview as plain text: a row per context, then every context's alerts merged."""
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    out = [f"opsconsole overview · {len(rows)} contexts · {stamp}", ""]
    out.append("  ".join(f"{title:<{width}}" if width else title for _, title, width in COLUMNS))
    for row in rows:
        texts = row.texts(now)
        cells = [
            f"{sanitize(texts[key]):<{width}}" if width else sanitize(texts[key]) for key, _, width in COLUMNS
        ]
        out.append("  ".join(cells).rstrip())
        if row.error:
            out.append(f"  {texts['status']}")
    out += ["", f"ALERTS, every context ({len(alerts)})"]
    for merged in alerts:
        alert = merged.alert
        ack = alert.ack.ack_facts() if alert.ack is not None else None
        tail = f"  [{ack.text(now)}]" if ack is not None else ""
        out.append(
            f"  {','.join(merged.contexts):<14} {alert.severity.upper():<9} {alert.state:<10} "
            f"{alert.alertname:<28} {alert.entity or '—':<10} {format_duration(now - alert.starts_at):>6}"
            f"  {alert.summary}{tail}"
        )
    return "\n".join(out)


def overview_json(rows: list[ContextRow], alerts: list[MergedAlert], now: float) -> dict[str, Any]:
    """The same as JSON: ``contexts`` (raw figures and their ``text``) and the merged ``alerts``."""
    merged = []
    for m in alerts:
        alert = m.alert
        ack = alert.ack.ack_facts() if alert.ack is not None else None
        merged.append(
            {
                "contexts": list(m.contexts),
                "fingerprint": alert.fingerprint,
                "alertname": alert.alertname,
                "severity": alert.severity,
                "state": alert.state,
                "entity": alert.entity,
                "cluster": alert.cluster,
                "starts_at": alert.starts_at,
                "summary": alert.summary,
                "labels": alert.labels,
                "ack": ack.as_json(now) if ack is not None else None,
            }
        )
    return {"now": now, "contexts": [r.as_json(now) for r in rows], "alerts": merged}
