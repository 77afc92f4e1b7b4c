"""Ack, silence, expire and extend, from the key to Alertmanager's answer.

Every flow counts what the change would mute in the whole cluster, asks (typed when it mutes too
much), and only a yes sends; nothing waits on an open dialog. Read-only never gets here: the keys
are disabled and the transport refuses anyway.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from opsconsole.backends.errors import BackendError
from opsconsole.core.ack_state import DEFAULT_GRACE_SECONDS
from opsconsole.core.ack_summary import draft_summary
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.dashboard import AlertGroupView, AlertView, SilenceView
from opsconsole.core.durations import format_duration
from opsconsole.core.silence_blast_radius import ClusterAlert
from opsconsole.core.silence_draft import (
    SilenceDraft,
    SilenceInvalid,
    ack_comment,
    matchers_for_alert,
    parse_silence_duration,
)
from opsconsole.core.silence_extension import plan_extension
from opsconsole.core.silence_rows import SilenceRow, muted_by
from opsconsole.mutations.alert_scope import scope_for_pack
from opsconsole.mutations.identity import origin
from opsconsole.mutations.silences import SilenceService, error_hint
from opsconsole.refresh.context_silences import EveryContextSilences
from opsconsole.ui.pane_table import AlertGroupRowKey, AlertRowKey, PaneRow

if TYPE_CHECKING:
    from opsconsole.ui.app import OpsConsoleApp
    from opsconsole.ui.silence_form import RadiusRules
    from opsconsole.ui.silence_screens import SilencesScreen


@dataclass(frozen=True)
class Summary:
    """What a confirmation summarises (see :func:`opsconsole.core.ack_summary.draft_summary`)."""

    what: str = ""  # the alert acked; "" for a silence: the alerts it mutes, by name
    until_resolved: bool = False


class SilenceFlows:
    """The silence and ack flows of one console app (its current context's Alertmanagers)."""

    def __init__(self, app: OpsConsoleApp) -> None:
        self.app = app
        self._ack_reconciler: Any = None  # made on first use (it reads the grace from the options)
        self._ack_notes_said: set[str] = set()

    @property
    def service(self) -> SilenceService:
        return self.app.silence_service

    def ack(self, ref: PaneRow | None) -> None:
        """a: a short ACK silence pinned to the selected alert (after confirmation)."""
        app = self.app
        if not isinstance(ref, AlertRowKey):
            app.notify("select an alert (not a group header) to ack", severity="warning")
            return
        alert: AlertView = ref.alert
        now = app.options.clock()
        try:
            duration = parse_silence_duration(app.options.ack_duration)
        except SilenceInvalid as exc:
            app.notify(f"ack_duration: {exc}", severity="error")
            return
        author = app.options.author
        until_resolved = app.options.ack_until_resolved
        if until_resolved:
            try:
                duration = parse_silence_duration(app.options.ack_cap)
            except SilenceInvalid as exc:
                app.notify(f"ack_cap: {exc}", severity="error")
                return
        comment = ack_comment(author, origin(), until_resolved=until_resolved)
        draft = SilenceDraft(matchers_for_alert(alert.labels), now, now + duration, author, comment)
        how_long = (
            f"until it resolves (at most {format_duration(duration)})"
            if until_resolved
            else f"for {format_duration(duration)}"
        )
        what = " · ".join(x for x in (alert.alertname, alert.entity, alert.severity, alert.cluster) if x)
        summary = Summary(what, until_resolved)
        self._confirm_and_send(f"Ack {alert.alertname} {how_long}", draft, alert.cluster, summary)

    def reconcile_acks(self) -> None:
        """End until-resolved acks whose alert stayed resolved for the grace (as `acks reconcile`)."""
        from opsconsole.mutations.ack_reconcile import AckReconciler

        app = self.app
        if self._ack_reconciler is None:
            try:
                grace = parse_silence_duration(app.options.ack_resolve_grace)
            except SilenceInvalid:
                grace = DEFAULT_GRACE_SECONDS
            self._ack_reconciler = AckReconciler(grace)
        reconciler = self._ack_reconciler

        async def run() -> None:
            outcomes = await reconciler.run(self.service)
            # A state file that could not be used restarts every grace period: said once, not every pass.
            for note in dict.fromkeys(o.state_note for o in outcomes if o.state_note):
                if note not in self._ack_notes_said:
                    self._ack_notes_said.add(note)
                    app.notify(note, title="acks", severity="warning", markup=False)
            ended = [i for o in outcomes for i in o.expired]
            if ended:
                app.notify(f"ended {len(ended)} ack(s) whose alert resolved (see the mutations journal)")
                app.action_refresh()

        app.run_worker(run(), group="acks")

    def _radius_rules(self) -> RadiusRules:
        from opsconsole.ui.silence_form import RadiusRules  # the forms are imported when first opened

        scope = scope_for_pack(self.app.service.pack)
        return RadiusRules(scope.heartbeats, self.app.options.silence_blast_radius, scope.entity_labels)

    def _alerts_in_view(self, cluster: str) -> list[AlertGroupView]:
        """The alert groups this view shows, limited to one cluster's alerts."""
        board = self.app.board
        groups = board.alerts if board else []
        out = [replace(g, alerts=tuple(a for a in g.alerts if a.cluster == cluster)) for g in groups]
        return [g for g in out if g.alerts]

    def silence(self, ref: PaneRow | None) -> None:
        """s: the silence form, prefilled from the selected alert or group."""
        app = self.app
        if isinstance(ref, AlertRowKey):
            matchers = matchers_for_alert(ref.alert.labels)
            cluster = ref.alert.cluster
        elif isinstance(ref, AlertGroupRowKey):
            matchers = tuple(LabelMatcher(k, "=", v) for k, v in ref.group.key if v)
            cluster = next((a.cluster for a in ref.group.alerts), "")
        else:
            return
        from opsconsole.ui.silence_form import FormDefaults, SilenceFormScreen

        defaults = FormDefaults(", ".join(str(m) for m in matchers), app.options.author)
        form = SilenceFormScreen(
            defaults, self._alerts_in_view(cluster), app.options.clock, self._radius_rules()
        )

        def chosen(draft: SilenceDraft | None) -> None:
            if draft is not None:
                self._confirm_and_send(
                    "Create silence" + (f" on {cluster}" if cluster else ""), draft, cluster, Summary()
                )

        app.push_screen(form, chosen)

        async def count_cluster() -> None:
            try:
                alerts = await self.service.for_cluster(cluster).alerts()
            except BackendError as exc:
                form.show_cluster_alerts(None, exc.message)
                return
            form.show_cluster_alerts([ClusterAlert(a.fingerprint, a.labels) for a in alerts])

        app.run_worker(count_cluster(), group="detail")

    def _confirm_and_send(
        self, title: str, draft: SilenceDraft, cluster: str = "", summary: Summary | None = None
    ) -> None:
        try:
            draft.check()
        except SilenceInvalid as exc:
            self.app.notify(f"not sent: {exc}", severity="error")
            return
        service = self.service.for_cluster(cluster)

        def send() -> Awaitable[None]:
            return self._send_create(service, draft)

        self.app.run_worker(
            self._review(service, title, draft, cluster, send, summary=summary), group="mutation"
        )

    async def _review(
        self,
        service: SilenceService,
        title: str,
        draft: SilenceDraft,
        cluster: str | None,
        send: Callable[[], Awaitable[None]],
        note: str = "",
        summary: Summary | None = None,
    ) -> None:
        """Count what it mutes in the whole cluster, then ask (typed when it mutes too much); a yes
        starts ``send``. Nothing waits on the answer, so no worker hangs on an open dialog.
        ``cluster`` None: another context's, which this view does not show (no "in this view")."""
        app = self.app
        rules = self._radius_rules()
        in_view = (
            None
            if cluster is None
            else {a.fingerprint for g in self._alerts_in_view(cluster) for a in g.alerts}
        )
        try:
            radius = await service.blast_radius(
                draft,
                in_view=in_view,
                heartbeats=rules.heartbeats,
                limit=rules.limit,
                entity_labels=rules.entity_labels,
            )
        except BackendError as exc:
            self._report_failure(exc, prefix="not sent: could not count what it would mute: ")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                app.run_worker(send(), group="mutation")

        from opsconsole.ui.confirm_screens import ConfirmScreen, TypedConfirmScreen

        request = service.create_request(draft).describe()
        if radius.needs_confirmation:
            app.push_screen(TypedConfirmScreen(title, request, radius), answered)
        else:
            said = radius.summary() + (f"\n{note}" if note else "")
            lines = (
                draft_summary(
                    draft,
                    what=summary.what or radius.names() or "no alert now",
                    until_resolved=summary.until_resolved,
                    mutes=said,
                )
                if summary is not None
                else ()
            )
            app.push_screen(ConfirmScreen(title, request, said, summary=lines), answered)

    async def _send_create(self, service: SilenceService, draft: SilenceDraft) -> None:
        try:
            silence_id = await service.create(draft)
        except (BackendError, SilenceInvalid) as exc:
            self._report_failure(exc)
            return
        self.app.notify(f"silence {silence_id} created: {draft.matchers_text()}")
        self.app.action_refresh()

    def _report_failure(self, exc: BackendError | SilenceInvalid, prefix: str = "") -> None:
        if isinstance(exc, SilenceInvalid):
            self.app.notify(f"not sent: {exc}", severity="error", timeout=15)
            return
        hint = error_hint(exc)
        self.app.notify(
            prefix + exc.message + (f"\nhint: {hint}" if hint else ""), severity="error", timeout=15
        )

    def silences(self, every: bool = False) -> None:
        """S: the silences screen (as last refreshed, and refreshed now); ``every``: every context's
        (``:silences *``, or ``*`` on the screen)."""
        app = self.app
        reason = "this context is read-only" if app.service.backends.read_only else ""
        silences = app.board.silences if app.board else []
        from opsconsole.ui.silence_screens import SilencesScreen

        screen = SilencesScreen(
            silences,
            app.options.clock,
            reason,
            make_every=self._make_every if app.options.make_overview is not None else None,
            every_first=every,
            refresh_interval=app.options.refresh_interval,
            auto_refresh=app.options.auto_refresh,
        )
        app.push_screen(screen)
        app.action_refresh()

    def _make_every(self) -> EveryContextSilences:
        """Every context's silences: the contexts `:ctx *` knows, each with its own read-only setting."""
        make_overview = self.app.options.make_overview
        if make_overview is None:
            raise ValueError("one context only here")
        contexts = make_overview().contexts
        return EveryContextSilences(contexts, self.app.options.journal_path, self.app.options.clock)

    def change_requested(self, event: SilencesScreen.ChangeRequested) -> None:
        """e or x on the silences screen: extend by an hour, or expire (each after confirmation);
        several selected: one confirmation for all (:mod:`opsconsole.ui.silence_bulk`). On every
        context's screen each row's change goes to its own context's Alertmanager."""
        rows, every = event.rows, event.every

        def service_of(row: SilenceRow) -> SilenceService:
            return every.service_of(row) if every is not None else self._service_of(row.silence)

        if len(rows) > 1:
            from opsconsole.ui.silence_bulk import bulk_change

            if every is not None:
                muted = muted_by(rows)
            else:
                board = self.app.board
                groups = (board.alerts + board.alerts_outside) if board else []
                muted = muted_by([replace(r, muted=_muted_in(r, groups)) for r in rows])
            work = bulk_change(self.app, event.change, rows, muted, service_of, self._report_failure)
            self.app.run_worker(work, group="mutation")
            return
        row = rows[0]
        here = every is None  # this context's row: its alerts are in this view
        self.app.run_worker(self._change(row.silence, event.change, service_of(row), here), group="mutation")

    def _view_cluster(self, service: SilenceService) -> str:
        """The cluster name alerts of ``service``'s peers carry in this view ("" with one cluster)."""
        clusters = {p.endpoint.cluster or "" for p in self.service.peers}
        return (service.peers[0].endpoint.cluster or "") if len(clusters) > 1 and service.peers else ""

    def _service_of(self, silence: SilenceView) -> SilenceService:
        """The silence's own cluster: a change must go to the peers that hold it."""
        peer = next((p for p in self.service.peers if p.name == silence.source), None)
        return self.service.for_cluster(peer.endpoint.cluster or "" if peer else "")

    async def _change(self, view: SilenceView, change: str, service: SilenceService, here: bool) -> None:
        if change == "expire":
            from opsconsole.ui.confirm_screens import ConfirmScreen

            def answered(yes: bool | None) -> None:
                if yes:
                    self.app.run_worker(self._expire(service, view.id), group="mutation")

            request = service.expire_request(view.id).describe()
            self.app.push_screen(ConfirmScreen("Expire silence", request), answered)
            return
        try:
            await self._extend(service, view.id, here)
        except (BackendError, SilenceInvalid) as exc:
            self._report_failure(exc)

    async def _expire(self, service: SilenceService, silence_id: str) -> None:
        try:
            await service.expire(silence_id)
        except BackendError as exc:
            self._report_failure(exc)
            return
        self.app.notify(f"silence {silence_id} expired")
        self.app.action_refresh()

    async def _extend(self, service: SilenceService, silence_id: str, here: bool = True) -> None:
        """e: one more hour after its current end (an ended one is recreated, and the title says so)."""
        app = self.app
        current = await service.silence(silence_id)
        now = app.options.clock()
        expired = current.status.state == "expired"
        plan = plan_extension(current.ends_at.timestamp(), expired, now, by="1h")
        draft = service.extended(current, plan.new_end)
        title = "Recreate ended silence" if plan.recreate else "Extend silence by 1h"

        async def send() -> None:
            try:
                new_id = await service.create(draft)
            except (BackendError, SilenceInvalid) as exc:
                self._report_failure(exc)
                return
            if new_id == silence_id:
                app.notify(f"silence {silence_id}: {plan.describe()}")
            else:
                # Alertmanager could not update it in place (or it had ended): it made a new silence.
                app.notify(f"silence {silence_id} is now {new_id}: {plan.describe()}")
            app.action_refresh()

        in_view = self._view_cluster(service) if here else None
        await self._review(service, title, draft, in_view, send, note=plan.describe())


def _muted_in(row: SilenceRow, groups: Sequence[AlertGroupView]) -> tuple[tuple[str, str], ...]:
    """The board's alerts ``row``'s silence mutes now, as (fingerprint, alertname)."""
    ident = row.silence.id
    return tuple((a.fingerprint, a.alertname) for g in groups for a in g.alerts if ident in a.silenced_by)
