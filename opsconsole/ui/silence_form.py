"""The silence form: matchers, duration, author and a required comment, with a live preview of what
the silence would mute among every alert of the cluster."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from opsconsole.core.dashboard import AlertGroupView, AlertView
from opsconsole.core.silence_blast_radius import (
    DEFAULT_BLAST_RADIUS,
    DEFAULT_HEARTBEATS,
    BlastRadius,
    ClusterAlert,
    blast_radius,
)
from opsconsole.core.silence_draft import (
    SilenceDraft,
    SilenceInvalid,
    parse_draft_matchers,
    parse_silence_duration,
)
from opsconsole.core.silence_extension import parse_end_time
from opsconsole.ui.key_footer import KeyFooter


@dataclass(frozen=True)
class FormDefaults:
    """What the form starts with."""

    matchers: str
    author: str
    duration: str = "1h"
    comment: str = ""


@dataclass(frozen=True)
class RadiusRules:
    """What makes a silence need a typed confirmation (see ``core.silence_blast_radius``)."""

    heartbeats: tuple[str, ...] = DEFAULT_HEARTBEATS
    limit: float = DEFAULT_BLAST_RADIUS
    entity_labels: tuple[str, ...] = ()


SHORT_HEIGHT = 36
FORM_BREAKPOINTS = [(0, "-short"), (SHORT_HEIGHT, "-tall")]


class SilenceFormScreen(ModalScreen[SilenceDraft | None]):
    """Matchers, duration, author and a required comment, with a live preview of what it mutes.

    The preview counts among every alert of the cluster once the app has fetched them
    (:meth:`show_cluster_alerts`); until then, among the alerts this view shows.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Review and send", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]
    # Below this height the inputs lose their borders (one row each, as Textual's compact inputs):
    # with them, at 80x24 the preview of what the silence mutes had no room left and was cut.
    VERTICAL_BREAKPOINTS = FORM_BREAKPOINTS
    DEFAULT_CSS = """
    SilenceFormScreen { align: center middle; }
    SilenceFormScreen.-short Input, SilenceFormScreen.-short Input:focus { border: none; height: 1;
        padding: 0 1; }
    SilenceFormScreen.-short Input:focus { background-tint: $foreground 15%; }
    SilenceFormScreen > Vertical { width: 110; max-width: 100%; height: auto; max-height: 95%;
        border: thick $primary; background: $surface; padding: 0 1; }
    SilenceFormScreen Input { margin: 0 0 0 0; }
    SilenceFormScreen #silence-problems { color: $error; height: auto; }
    SilenceFormScreen #silence-preview { height: auto; max-height: 12; }
    """

    def __init__(
        self,
        defaults: FormDefaults,
        groups: Sequence[AlertGroupView],
        clock: Callable[[], float],
        rules: RadiusRules | None = None,
    ) -> None:
        super().__init__()
        self.defaults = defaults
        self.groups = list(groups)
        self.clock = clock
        self.rules = rules or RadiusRules()
        self.draft: SilenceDraft | None = None
        self.radius: BlastRadius | None = None
        self.cluster_alerts: list[ClusterAlert] | None = None
        self.cluster_error = ""

    @property
    def view_alerts(self) -> dict[str, AlertView]:
        """The alerts this view shows, by fingerprint."""
        return {a.fingerprint: a for group in self.groups for a in group.alerts}

    def compose(self) -> Any:
        d = self.defaults
        with Vertical():
            yield Label(Text("New silence", style="bold"))
            yield Label("Matchers (amtool syntax: =, !=, =~, !~)")
            yield Input(d.matchers, id="silence-matchers")
            yield Label("Duration: 15m, 1h, 4h, 1d, or any like 90m; or an end time HH:MM (UTC)")
            yield Input(d.duration, id="silence-duration")
            yield Label("Author")
            yield Input(d.author, id="silence-author")
            yield Label("Comment (required: why, so the next person on call knows)")
            yield Input(
                d.comment, id="silence-comment", placeholder="e.g. npa-2 rollback in progress, INC-1234"
            )
            yield Static(id="silence-problems")
            with VerticalScroll(id="silence-preview"):
                yield Static(id="silence-preview-text")
            yield Static(Text("tab: next field     ctrl+s: review and send     Esc: cancel", style="bold"))
        yield KeyFooter()  # the modal's keys, over the dimmed main screen's

    def on_mount(self) -> None:
        self._update()
        self.query_one("#silence-comment", Input).focus()

    def show_cluster_alerts(self, alerts: Sequence[ClusterAlert] | None, error: str = "") -> None:
        """Every current alert of the cluster (or why they could not be had); the preview recounts."""
        self.cluster_alerts = None if alerts is None else list(alerts)
        self.cluster_error = error
        if self.is_attached:
            self._update()

    @on(Input.Changed)
    def _changed(self, _: Input.Changed) -> None:
        self._update()

    @on(Input.Submitted)
    def _submitted(self, _: Input.Submitted) -> None:
        self.action_submit()

    def _value(self, name: str) -> str:
        return self.query_one(f"#silence-{name}", Input).value

    def _end(self, now: float) -> float:
        text = self._value("duration").strip()
        if len(text) == 5 and text[2] == ":":
            return parse_end_time(text, now)
        return now + parse_silence_duration(text)

    def _build(self) -> SilenceDraft:
        now = self.clock()
        return SilenceDraft(
            parse_draft_matchers(self._value("matchers")),
            now,
            self._end(now),
            self._value("author"),
            self._value("comment"),
        )

    def _radius(self, draft: SilenceDraft) -> BlastRadius:
        shown = self.view_alerts
        if self.cluster_alerts is not None:
            alerts, in_view = self.cluster_alerts, set(shown)
        else:
            alerts = [ClusterAlert(a.fingerprint, a.labels) for a in shown.values()]
            in_view = None
        rules = self.rules
        return blast_radius(
            draft,
            alerts,
            in_view=in_view,
            heartbeats=rules.heartbeats,
            limit=rules.limit,
            entity_labels=rules.entity_labels,
        )

    def _update(self) -> None:
        problems = self.query_one("#silence-problems", Static)
        text = self.query_one("#silence-preview-text", Static)
        try:
            draft = self._build()
        except SilenceInvalid as exc:
            self.draft = None
            problems.update(Text(f"✖ {exc}"))
            text.update(Text(""))
            return
        issues = draft.problems()
        radius = self._radius(draft)
        self.radius = radius
        problems.update(Text("\n".join(f"✖ {p}" for p in issues)))
        self.draft = None if issues else draft
        table = Table.grid(padding=(0, 2))
        until = datetime.fromtimestamp(draft.ends_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        if self.cluster_alerts is not None:
            head = radius.summary()
        else:
            noun = "alert" if radius.count == 1 else "alerts"
            why = (
                f"could not count the rest of the cluster: {self.cluster_error}"
                if self.cluster_error
                else ("counting every alert of the cluster…")
            )
            head = f"matches {radius.count} {noun} in this view ({why})"
        table.add_row(Text(f"{head} · until {until}", style="bold"), "")
        for reason in radius.reasons():
            table.add_row(Text(f"⚠ typed confirmation needed: {reason}", style="bold"), "")
        shown = self.view_alerts
        for alert in sorted(radius.muted, key=lambda a: (a.fingerprint not in shown, a.describe())):
            view = shown.get(alert.fingerprint)
            if view is not None:
                table.add_row(Text(f"  {view.alertname}"), Text(view.entity or view.summary))
            else:
                described = alert.describe(self.rules.entity_labels)
                table.add_row(Text(f"  {described}"), Text("outside this pack"))
        text.update(table)

    def action_submit(self) -> None:
        """Close with the draft when it is valid (the caller asks for confirmation).

        Keys typed just before ctrl+s may still wait in the focused field's queue (fast typing, a
        paste without bracketed paste): the fields are read only after that field has taken them.
        """
        field = self.focused
        if field is None:
            self._submit_now()
        else:
            field.call_later(self._submit_now)

    def _submit_now(self) -> None:
        if not self.is_attached:
            return
        self._update()
        if self.draft is not None:
            self.dismiss(self.draft)

    def action_cancel(self) -> None:
        """Close without a draft."""
        self.dismiss(None)
