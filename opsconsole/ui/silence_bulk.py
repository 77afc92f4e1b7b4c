"""Expire or extend several selected silences at once, through the same safe path as one.

One confirmation shows every request and what the silences mute now (the alerts that notify again
once they are gone); a read-only context never gets that far (the keys are disabled, and the service
refuses). A silence whose extension would need its own blast-radius confirmation is left to be
extended alone, never sent unconfirmed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from opsconsole.backends.errors import BackendError
from opsconsole.core.dashboard import SilenceView
from opsconsole.core.silence_draft import SilenceDraft, SilenceInvalid
from opsconsole.core.silence_extension import plan_extension
from opsconsole.core.silence_rows import SilenceRow
from opsconsole.mutations.silences import SilenceService
from opsconsole.ui.confirm_screens import ConfirmScreen


def muted_note(muted: Sequence[str]) -> str:
    """``They mute 3 alerts now: AgentDown, HighLatency`` (what notifies again without them)."""
    names = ", ".join(sorted(set(muted))) or "nothing"
    return f"They mute {len(muted)} alerts now: {names}."


async def bulk_change(
    app: Any,
    change: str,
    rows: Sequence[SilenceRow],
    muted: Sequence[str],
    service_of: Callable[[SilenceRow], SilenceService],
    report: Callable[[BackendError | SilenceInvalid, str], None],
) -> None:
    """Ask once for every selected silence, then send each (to its own context's Alertmanager, on
    the every-context screen); failures are reported one by one. ``muted``: the names of the alerts
    they mute now (an alert two of them hold, once)."""
    now = app.options.clock()
    note = muted_note(muted)
    silences = [r.silence for r in rows]
    services = [service_of(r) for r in rows]
    if change == "expire":
        plans: list[tuple[SilenceView, SilenceService, SilenceDraft | None]] = [
            (s, service, None) for s, service in zip(silences, services, strict=True)
        ]
        requests = [service.expire_request(s.id).describe() for s, service, _ in plans]
        title = f"Expire {len(silences)} silences"
    else:
        plans = []
        for view, service in zip(silences, services, strict=True):
            try:
                current = await service.silence(view.id)
            except BackendError as exc:
                report(exc, f"{view.id}: ")
                return
            plan = plan_extension(
                current.ends_at.timestamp(), current.status.state == "expired", now, by="1h"
            )
            draft = service.extended(current, plan.new_end)
            radius = await service.blast_radius(draft)
            if radius.needs_confirmation:
                why = "; ".join(radius.reasons())
                app.notify(
                    f"silence {view.id} needs its own confirmation ({why}): extend it alone", severity="error"
                )
                return
            plans.append((view, service, draft))
        requests = [service.create_request(d).describe() for _, service, d in plans if d is not None]
        title = f"Extend {len(silences)} silences by 1h"

    async def send() -> None:
        done = 0
        for view, service, draft in plans:
            try:
                if draft is None:
                    await service.expire(view.id)
                else:
                    await service.create(draft)
            except (BackendError, SilenceInvalid) as exc:
                report(exc, f"{view.id}: ")
                continue
            done += 1
        verb = "expired" if change == "expire" else "extended"
        app.notify(f"{verb} {done} of {len(plans)} silences")
        app.action_refresh()

    def answered(yes: bool | None) -> None:
        if yes:
            app.run_worker(send(), group="mutation")

    app.push_screen(ConfirmScreen(title, "\n\n".join(requests), note=note), answered)
