"""What a confirmation says before an ack or a silence is sent, read in five lines: who, which
alert(s), until when (or until resolved), the matchers, and what it mutes. The exact request stays
one key away on the confirmation; this is what a person checks at 3 a.m."""

from __future__ import annotations

from datetime import UTC, datetime

from opsconsole.core.durations import format_duration
from opsconsole.core.silence_draft import SilenceDraft

MATCHERS_INLINE = 3  # more than this: "14: alertname=..., ..." (the line may be cut; r shows all)


def draft_summary(
    draft: SilenceDraft, *, what: str, until_resolved: bool = False, mutes: str = ""
) -> list[tuple[str, str]]:
    """(label, text) lines: ``Who``, ``Alert`` (``what``: the alert or what the matchers select),
    ``Until``, ``Matchers``, and ``Mutes`` when given (the blast radius's summary)."""
    until = datetime.fromtimestamp(draft.ends_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    length = format_duration(max(0.0, draft.ends_at - draft.starts_at))
    when = (
        f"until the alert resolves (at most {length}: {until})"
        if until_resolved
        else f"{length}, until {until}"
    )
    count = len(draft.matchers)
    # An ack pins every label of its alert: the count first, as the line may be cut at the width.
    matchers = f"{count}: {draft.matchers_text()}" if count > MATCHERS_INLINE else draft.matchers_text()
    lines = [
        ("Who", f"{draft.created_by} · comment: {draft.comment}"),
        ("Alert", what),
        ("Until", when),
        ("Matchers", matchers),
    ]
    if mutes:
        lines.append(("Mutes", mutes))
    return lines
