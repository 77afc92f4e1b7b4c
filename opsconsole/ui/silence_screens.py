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

from opsconsole.core.dashboard import AlertGroupView, SilenceView
from opsconsole.core.silence_draft import (
    Preview,
    PreviewAlert,
    SilenceDraft,
    SilenceInvalid,
    parse_draft_matchers,
    parse_silence_duration,
    preview,
)
from opsconsole.core.value_format import format_duration


class ConfirmScreen(ModalScreen[bool]):
    """Shows exactly what will be sent; ``y``/Enter sends, ``n``/Esc cancels."""

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

    def __init__(self, title: str, request: str) -> None:
        super().__init__()
        self.title_text = title
        self.request = request

    def compose(self) -> Any:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield Static(Text("This request will be sent:"))
            with VerticalScroll(id="confirm-request"):
                yield Static(Text(self.request))
            yield Static(Text("y / Enter: send     n / Esc: cancel", style="bold"))

    def action_answer(self, value: bool) -> None:
        """Close with the answer."""
        self.dismiss(value)


@dataclass(frozen=True)
class FormDefaults:
    """What the form starts with."""

    matchers: str
    author: str
    duration: str = "1h"
    comment: str = ""


class SilenceFormScreen(ModalScreen[SilenceDraft | None]):
    """Matchers, duration, author and a required comment, with a live preview of what it mutes."""

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
        self, defaults: FormDefaults, groups: Sequence[AlertGroupView], clock: Callable[[], float]
    ) -> None:
        super().__init__()
        self.defaults = defaults
        self.groups = list(groups)
        self.clock = clock
        self.draft: SilenceDraft | None = None
        self.preview_result: Preview | None = None

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
            yield Static(Text("ctrl+s: review and send     Esc: cancel", style="bold"))

    def on_mount(self) -> None:
        self._update()
        self.query_one("#silence-comment", Input).focus()

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
        if len(text) == 5 and text[2] == ":" and text.replace(":", "").isdigit():
            hour, minute = int(text[:2]), int(text[3:])
            if hour > 23 or minute > 59:
                raise SilenceInvalid(f"not a time of day: {text}")
            today = datetime.fromtimestamp(now, UTC).replace(
                hour=hour, minute=minute, second=0, microsecond=0
            )
            end = today.timestamp()
            return end if end > now else end + 86400
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
        alerts = [
            PreviewAlert(a.fingerprint, a.labels, group.key)
            for group in self.groups
            for a in group.alerts
            if a.state != "silenced"
        ]
        result = preview(draft, alerts)
        self.preview_result = result
        if result.everything:
            issues.append("it would mute every active alert; narrow the matchers")
        problems.update(Text("\n".join(f"✖ {p}" for p in issues)))
        self.draft = None if issues else draft
        table = Table.grid(padding=(0, 2))
        until = datetime.fromtimestamp(draft.ends_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        table.add_row(Text(f"{result.summary()} · until {until}", style="bold"), "")
        hit = set(result.fingerprints)
        for group in self.groups:
            for alert in group.alerts:
                if alert.fingerprint in hit:
                    table.add_row(Text(f"  {alert.alertname}"), Text(alert.entity or alert.summary))
        text.update(table)

    def action_submit(self) -> None:
        """Close with the draft when it is valid (the caller asks for confirmation)."""
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
