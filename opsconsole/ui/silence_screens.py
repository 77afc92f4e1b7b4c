"""Silence form with live preview, confirmation of exactly what is sent, and the silences screen."""

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
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from opsconsole.core.dashboard import AlertGroupView, AlertView, SilenceView
from opsconsole.core.durations import format_duration
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


class ConfirmScreen(ModalScreen[bool]):
    """Shows exactly what will be sent (and what it mutes); ``y``/Enter sends, ``n``/Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Send"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1; }
    ConfirmScreen #confirm-request { height: auto; max-height: 30; }
    """

    def __init__(self, title: str, request: str, note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.request = request
        self.note = note

    def compose(self) -> Any:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            if self.note:
                yield Static(Text(self.note))
            yield Static(Text("This request will be sent:"))
            with VerticalScroll(id="confirm-request"):
                yield Static(Text(self.request))
            yield Static(Text("y / Enter: send     n / Esc: cancel", style="bold"))

    def action_answer(self, value: bool) -> None:
        """Close with the answer."""
        self.dismiss(value)


class TypedConfirmScreen(ModalScreen[bool]):
    """For a silence that mutes too much: says why and what, and sends only once the count is typed.

    ``y`` is not enough here: a reflex keypress must not mute a cluster's pager or its heartbeat.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    TypedConfirmScreen { align: center middle; }
    TypedConfirmScreen > Vertical { width: 100; max-width: 100%; height: auto; max-height: 95%;
        border: thick $error; background: $surface; padding: 0 1; }
    TypedConfirmScreen #typed-reasons { color: $error; height: auto; }
    TypedConfirmScreen #typed-request { height: auto; max-height: 12; }
    TypedConfirmScreen #typed-problem { color: $error; height: auto; }
    """

    def __init__(self, title: str, request: str, radius: BlastRadius) -> None:
        super().__init__()
        self.title_text = title
        self.request = request
        self.radius = radius
        self.expected = str(radius.count)

    def compose(self) -> Any:
        radius = self.radius
        with Vertical():
            yield Label(Text(f"Careful: {self.title_text}", style="bold"))
            yield Static(Text("\n".join(f"⚠ {reason}" for reason in radius.reasons())), id="typed-reasons")
            yield Static(Text(f"{radius.summary()}: {radius.names()}"), id="typed-names")
            yield Static(Text("This request will be sent:"))
            with VerticalScroll(id="typed-request"):
                yield Static(Text(self.request))
            yield Label(
                f"Type {self.expected} (the number of alerts it mutes) and Enter to send; Esc cancels"
            )
            yield Input(id="typed-answer", placeholder=self.expected)
            yield Static(id="typed-problem")

    def on_mount(self) -> None:
        self.query_one("#typed-answer", Input).focus()

    @on(Input.Submitted, "#typed-answer")
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.expected:
            self.dismiss(True)
            return
        self.query_one("#typed-problem", Static).update(
            Text(f"✖ type {self.expected} exactly to send, or Esc to cancel")
        )

    def action_cancel(self) -> None:
        """Esc: nothing is sent."""
        self.dismiss(False)


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


class SilenceFormScreen(ModalScreen[SilenceDraft | None]):
    """Matchers, duration, author and a required comment, with a live preview of what it mutes.

    The preview counts among every alert of the cluster once the app has fetched them
    (:meth:`show_cluster_alerts`); until then, among the alerts this view shows.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Review and send", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = """
    SilenceFormScreen { align: center middle; }
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


class SilencesScreen(Screen[None]):
    """Active, pending and expired silences: who, until when, why, how many alerts each mutes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("x", "expire", "Expire"),
        Binding("e", "extend", "Extend 1h"),
        Binding("slash", "filter", "Filter"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
    DEFAULT_CSS = """
    SilencesScreen #silences-title { height: 1; text-style: bold; }
    SilencesScreen DataTable { height: 1fr; }
    SilencesScreen Input { display: none; height: 1; border: none; }
    SilencesScreen Input.-visible { display: block; }
    """

    def __init__(
        self, silences: Sequence[SilenceView], clock: Callable[[], float], read_only: str = ""
    ) -> None:
        super().__init__()
        self.silences = list(silences)
        self.clock = clock
        self.read_only = read_only
        self.filter_text = ""

    def compose(self) -> Any:
        yield Static(id="silences-title")
        yield DataTable(cursor_type="row", id="silences-table")
        yield Input(placeholder="filter: text in matchers, author or comment", id="silences-filter")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("State", "Ends", "Matches", "By", "Comment", "Matchers")
        self.show(self.silences)
        table.focus()

    def show(self, silences: Sequence[SilenceView]) -> None:
        """Render (again) with fresh silences."""
        self.silences = list(silences)
        table: DataTable[Text] = self.query_one(DataTable)
        now = self.clock()
        table.clear()
        needle = self.filter_text.lower()
        shown = 0
        for s in self.silences:
            haystack = f"{s.matchers} {s.created_by} {s.comment}".lower()
            if needle and needle not in haystack:
                continue
            shown += 1
            if s.state == "expired":
                ends = f"ended {format_duration(now - s.ends_at)} ago"
            else:
                ends = f"in {format_duration(s.ends_at - now)}"
            state = "ACK" if s.ack_by and s.state == "active" else s.state
            table.add_row(
                Text(state, style="bold" if s.state == "active" else "dim"),
                Text(ends),
                Text(str(s.matching)),
                Text(s.created_by),
                Text(s.comment[:60]),
                Text(s.matchers),
                key=s.id,
            )
        title = f"Silences ({shown} of {len(self.silences)})"
        if self.filter_text:
            title += f" · filter /{self.filter_text}"
        if self.read_only:
            title += f" · read-only: {self.read_only}"
        self.query_one("#silences-title", Static).update(Text(title))

    def selected(self) -> SilenceView | None:
        """The silence under the cursor."""
        table: DataTable[Text] = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((s for s in self.silences if s.id == key), None)

    def action_cursor_down(self) -> None:
        """j."""
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        """k."""
        self.query_one(DataTable).action_cursor_up()

    def action_filter(self) -> None:
        """/: filter by text in matchers, author or comment."""
        box = self.query_one("#silences-filter", Input)
        box.add_class("-visible")
        box.value = self.filter_text
        box.focus()

    @on(Input.Changed, "#silences-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.show(self.silences)

    @on(Input.Submitted, "#silences-filter")
    def _filter_done(self, _: Input.Submitted) -> None:
        self.query_one("#silences-filter", Input).remove_class("-visible")
        self.query_one(DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Mutating keys are shown disabled in read-only mode."""
        if action in ("expire", "extend") and self.read_only:
            return None
        return True

    class ChangeRequested(Message):
        """The user asked to expire or extend a silence; the app confirms and sends."""

        def __init__(self, silence: SilenceView, change: str) -> None:
            super().__init__()
            self.silence = silence
            self.change = change

    def action_expire(self) -> None:
        """x: expire the selected silence."""
        silence = self.selected()
        if silence is not None and silence.state != "expired":
            self.post_message(self.ChangeRequested(silence, "expire"))

    def action_extend(self) -> None:
        """e: push the selected silence's end one hour past now."""
        silence = self.selected()
        if silence is not None:
            self.post_message(self.ChangeRequested(silence, "extend"))
