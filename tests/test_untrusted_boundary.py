"""One sanitising boundary: every model a renderer draws cleans its own text.

Hypothesis puts hostile text (escape sequences, C1 controls, bidi overrides, Rich markup, very long
values) into every string of every model the console, the wallboard and ``snapshot`` draw from,
built the way the code builds them (constructors, and step by step for the mutable ones). Then:

* every string reachable in the model is terminal-safe;
* what the renderers make of it (console cells, wallboard tables, span details, ``snapshot``
  text and JSON) carries no escape sequence but the renderer's own colours, no C1 control and no
  bidi override, and markup in the data has no effect (no blink, no hyperlink, no crash).

The models are generated from their type hints, so a field added later is covered without
touching this test.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import re
import types
import typing
from collections.abc import Iterator
from typing import Any, Literal, get_args, get_origin

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from rich.text import Text

from opsconsole.backends.jaeger_models import Span, SpanLog, Trace
from opsconsole.commands.snapshot import as_json, as_text
from opsconsole.core import dashboard as models
from opsconsole.core.log_buffer import LogBuffer
from opsconsole.core.slo import BurnRule, SloFigures
from opsconsole.core.trace_layout import build_waterfall
from opsconsole.core.untrusted_text import MAX_FIELD_CHARS, CleanDict, CleanList, clean, sanitize
from opsconsole.ui import cells
from opsconsole.ui.themes import load_themes
from opsconsole.ui.trace_details import span_details
from opsconsole.ui.wallboard_tables import alert_table, health_table, slo_table

# What a hostile exporter, log line or proxy might send, in pieces hypothesis recombines.
HOSTILE_PIECES = [
    "\x1b[2J\x1b[H",  # CSI: clear the screen, cursor home
    "\x1b[6n",  # CSI: ask the terminal to answer (a device status report)
    "\x1b[31;5m",  # CSI: colour and blink
    "\x1b]52;c;cm0gLXJmIH4=\x07",  # OSC 52: write the clipboard (BEL)
    "\x1b]52;c;cm0gLXJmIH4=\x1b\\",  # OSC 52 (ST)
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b]0;owned\x07",  # OSC: window title
    "\x1bP+q544e\x1b\\",  # DCS
    "\x1b]52;c;unterminated",  # an OSC cut off
    "\x9b2J",  # 8-bit CSI
    "\x9d52;c;Zm9v\x9c",  # 8-bit OSC
    "\x85\x90\x9f",  # C1 controls
    "\x00\x07\x08\r\x7f",  # C0 controls and DEL
    "\n",
    "\u202eevil\u202c",  # bidi override
    "\u2066\u2069\u200f\u061c",  # bidi isolates and marks
    "\u200b\ufeff",  # zero-width
    "\udfff\ud800",  # lone surrogates: nothing prints them in UTF-8
    "[blink]MARKUP[/blink]",
    "[link=https://evil.example]LINK[/link]",
    "[@click=app.quit]CLICK[/]",
    "[/]",
    "[bold",
    "npa-2",
    "café ☕ 日本",
]
hostile = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=4)), min_size=1, max_size=4
).map("".join)
over_long = st.integers(MAX_FIELD_CHARS - 2, MAX_FIELD_CHARS + 50).map(lambda n: "\x1b[1m" + "x" * n)
text = st.one_of(hostile, hostile, hostile, over_long)

# Only what a terminal shows as text: no C0 but tab, no DEL, no C1, no bidi or zero-width, no
# lone surrogate.
UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\ud800-\udfff]"
)
ROW_MODELS = (
    models.Cell,
    models.HealthRow,
    models.RedRow,
    models.SilenceView,
    models.AlertView,
    models.AlertGroupView,
    models.SloRow,
    models.LogRow,
    models.PaneStatus,
    models.BackendStatus,
    models.BudgetHistory,
    models.Dashboard,
    models.Detail,
    SloFigures,
    BurnRule,
)


def strategy_for(hint: Any, depth: int = 0, words: st.SearchStrategy[str] = text) -> st.SearchStrategy[Any]:
    """Values of type ``hint``, with ``words`` (hostile text) wherever a string goes."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is str:
        return words
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers(0, 2**62)
    if hint is float:
        return st.floats(-1e6, 1e10, allow_nan=False)
    if hint is type(None):
        return st.none()
    if origin is Literal:
        return st.sampled_from(args)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(a, depth, words) for a in args))
    if origin is dict:
        return st.dictionaries(
            strategy_for(args[0], depth, words), strategy_for(args[1], depth, words), max_size=3
        )
    if origin is list:
        return st.lists(strategy_for(args[0], depth, words), max_size=2 if depth < 2 else 1)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy_for(args[0], depth, words), max_size=2).map(tuple)
        return st.tuples(*(strategy_for(a, depth, words) for a in args))
    if dataclasses.is_dataclass(hint):
        return model(hint, depth + 1, words)
    raise AssertionError(f"no strategy for {hint!r}: teach this test the new field type")


@functools.cache
def model(cls: type, depth: int = 0, words: st.SearchStrategy[str] = text) -> st.SearchStrategy[Any]:
    """Instances of dataclass ``cls`` built through its constructor, every field generated (each
    strategy built once: drawn from anew for every example, hypothesis redid its set-up each time)."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: strategy_for(hints[f.name], depth, words) for f in dataclasses.fields(cls) if f.init}
    if "objective" in fields:  # packs only accept objectives strictly between 0 and 1
        fields["objective"] = st.floats(0.5, 0.99999)
    if cls is models.AlertGroupView:  # grouping never makes an empty group
        alert = model(models.AlertView, depth + 1, words)
        fields["alerts"] = st.lists(alert, min_size=1, max_size=2).map(tuple)
    return st.builds(cls, **fields)


def strings(value: Any, seen: set[int] | None = None) -> Iterator[str]:
    """Every string reachable from ``value`` (fields, dict keys and values, items, properties)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key, seen)
            yield from strings(item, seen)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from strings(item, seen)
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from strings(getattr(value, field.name), seen)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from strings(getattr(value, name), seen)


def assert_safe(value: Any) -> None:
    for found in strings(value):
        assert not UNSAFE.search(found), repr(found[:200])
        assert len(found) <= MAX_FIELD_CHARS


THEME = load_themes()[0]["dark"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the renderer's own colours: SGR only


def rendered(*renderables: Any) -> str:
    """What a real terminal would receive for these renderables."""
    out = io.StringIO()
    # 16 colours: then an SGR parameter 5 can only mean blink (in 256 colours it is part of 38;5;N).
    console = Console(file=out, force_terminal=True, color_system="standard", width=200, legacy_windows=False)
    for renderable in renderables:
        console.print(renderable)
    return out.getvalue()


def assert_terminal_safe(output: str) -> None:
    """Only SGR colours, printable text and newlines: no other escape, no C1, no bidi, no blink."""
    parameters = {p for sgr in ANSI.findall(output) for p in sgr[2:-1].split(";")}
    assert "5" not in parameters, "markup in the data made text blink"
    rest = ANSI.sub("", output).replace("\n", "")
    assert "\x1b" not in rest, repr(rest[rest.index("\x1b") - 20 :][:60])
    assert not UNSAFE.search(rest), repr(UNSAFE.search(rest))


def cells_of(board: models.Dashboard) -> list[Text]:
    """Every console cell the main screen's panes draw for this board."""
    out: list[Text] = []
    signals = sorted({name for row in board.health for name in row.signals})
    for row in board.health:
        out += cells.health_cells(row, signals, THEME, board.now)
    for red in board.red:
        out += cells.red_cells(red, THEME)
    for group in board.alerts:
        out += cells.alert_group_cells(group, THEME, board.now)
        for alert in group.alerts:
            out += cells.alert_cells(alert, THEME, board.now)
    for slo in board.slos:
        out += cells.slo_cells(slo, THEME)
    for line in board.logs:
        out += cells.log_cells(line, THEME)
    return out


def wallboard_tables(board: models.Dashboard) -> list[Table | Text]:
    """The wallboard's pages for this board."""
    alerts = [a for g in board.alerts for a in g.alerts]
    return [
        alert_table(alerts, THEME, now=board.now, width=160),
        slo_table(board, THEME),
        health_table(board, THEME),
    ]


# No shrinking: a failure is reported as found (shrinking boards of hostile text takes minutes).
PROFILE = settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROFILE
@given(st.data())
def test_every_row_model_cleans_every_string_it_is_built_with(data: st.DataObject) -> None:
    for cls in ROW_MODELS:
        assert_safe(data.draw(model(cls), label=cls.__name__))


@PROFILE
@given(board=model(models.Dashboard), extra=st.lists(text, max_size=3), label=text)
def test_a_board_built_step_by_step_stays_clean(
    board: models.Dashboard, extra: list[str], label: str
) -> None:
    """The refresh service and ``detail`` fill mutable models after making them."""
    board.notices.extend(extra)
    board.notices.append(label)
    board.queries[label] = label
    board.status[label] = models.PaneStatus(error=label)
    board.context = label
    board.logs = [models.LogRow(0, label, label, label, label, {label: label})]
    detail = models.Detail(title=label, range_seconds=60)
    detail.errors.append(label)
    detail.queries[label] = label
    detail.units.setdefault(label, label)
    detail.charts.setdefault(label, []).append((label, [(1.0, 2.0)]))
    detail.charts = {label: [(label, [(1.0, 2.0)])]}
    assert_safe(board)
    assert_safe(detail)


@PROFILE
@given(board=model(models.Dashboard, words=hostile))
def test_what_the_renderers_draw_is_terminal_safe(board: models.Dashboard) -> None:
    assert_terminal_safe(rendered(*cells_of(board)))
    assert_terminal_safe(rendered(*wallboard_tables(board)))
    snapshot_text = as_text(board)
    assert not UNSAFE.search(snapshot_text.replace("\n", "")), "snapshot text"
    snapshot_json = json.dumps(as_json(board))
    assert_safe(json.loads(snapshot_json))


@PROFILE
@given(
    service=text,
    operation=text,
    tags=st.dictionaries(text, text, max_size=3),
    process=st.dictionaries(text, text, max_size=3),
    log=st.dictionaries(text, text, max_size=3),
    warning=text,
)
def test_trace_spans_are_clean_and_drawn_safely(
    service: str,
    operation: str,
    tags: dict[str, str],
    process: dict[str, str],
    log: dict[str, str],
    warning: str,
) -> None:
    span = Span(
        trace_id="ab" * 16,
        span_id="cd" * 8,
        operation=operation,
        service=service,
        start_us=1,
        duration_us=2,
        tags=tags,
        logs=[SpanLog(timestamp_us=1, fields=log)],
        process_tags=process,
        warnings=[warning],
    )
    trace = Trace(trace_id="ab" * 16, spans=[span], warnings=[warning])
    assert_safe(trace)
    waterfall = build_waterfall(trace.spans)
    assert_terminal_safe(rendered(span_details(trace.spans[0], trace, waterfall, 0)))


@PROFILE
@given(row=model(models.LogRow))
def test_log_rows_come_back_from_the_buffer_as_they_went_in(row: models.LogRow) -> None:
    buffer = LogBuffer(4)
    seq = buffer.append(row)
    assert buffer.get(seq) == row
    assert_safe(buffer.get(seq))


def test_clean_text_is_kept_as_is_and_not_copied() -> None:
    labels = {"agent_id": "npa-2", "team": "café"}
    row = models.RedRow("agents", "Agents", "npa", labels, *(models.Cell(1.0, "1"),) * 5)
    assert row.labels is labels
    assert clean(labels) is labels
    assert sanitize("npa-2") == "npa-2"


def test_keys_that_differ_only_in_what_cleaning_removed_stay_apart() -> None:
    """Never silently merged: two label names must not become one."""
    row = models.LogRow(0, "info", "", "m", "", {"a\x1b[1m": "one", "a": "two"})
    assert sorted(row.fields.items()) == [("a", "one"), ("a#2", "two")] or sorted(row.fields.items()) == [
        ("a", "two"),
        ("a#2", "one"),
    ]


def test_over_long_values_are_cut_and_say_so() -> None:
    cell = models.Cell(None, "x" * (MAX_FIELD_CHARS + 10))
    assert len(cell.text) <= MAX_FIELD_CHARS
    kept, _, note = cell.text.partition("…(+")
    assert note.endswith(" characters)")
    assert len(kept) + int(note.split()[0].replace(",", "")) == MAX_FIELD_CHARS + 10
    assert models.Cell(None, cell.text) == cell, "cleaning again changes nothing"


def test_mutable_models_clean_what_is_added_later() -> None:
    detail = models.Detail(title="t", range_seconds=60)
    assert isinstance(detail.errors, CleanList) and isinstance(detail.queries, CleanDict)
    detail.errors.insert(0, "\x1b]52;c;x\x07boom")
    detail.errors[1:] = ["\x9b2Jsliced"]
    detail.errors += ["\u202eadded"]
    detail.queries.update({"q\x1b": "v\x1b"}, extra="\x07")
    assert detail.errors == ["boom", "sliced", "\\u202eadded"]
    assert detail.queries == {"q": "v", "extra": "\\x07"}
