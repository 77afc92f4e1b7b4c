"""The postmortem timeline from hand-made boards and journal entries, in process: each kind of event
with its time, words and link, what was already so when the recording began, and a Markdown table
that no label value can break."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opsconsole.core.dashboard import (
    AlertGroupView,
    AlertView,
    BackendStatus,
    Dashboard,
    HealthRow,
    SilenceView,
    SloRow,
)
from opsconsole.core.incident_timeline import Links, TimelineBuilder, md, short_matchers
from opsconsole.core.slo import BurnRule, SloFigures
from tests.support.far_from_utc import far_from_utc_fixture  # noqa: F401 (the fixture far_from_utc)

T0 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC).timestamp()


pytestmark = pytest.mark.usefixtures("far_from_utc")


LINKS = Links("http://am", "http://prom")


def board(at: float, *, alerts: tuple[AlertView, ...] = (), **kwargs: object) -> Dashboard:
    out = Dashboard("prod", "core", T0 + at, 900.0, **kwargs)  # type: ignore[arg-type]
    out.alerts = [AlertGroupView((), alerts)] if alerts else []
    return out


def alert(state: str = "firing", starts_at: float = T0 + 30, entity: str | None = "db-1") -> AlertView:
    return AlertView("f1", "Disk", "warning", state, starts_at, "disk full", {}, {}, entity)  # type: ignore[arg-type]


def events(builder: TimelineBuilder) -> list[tuple[float, str, str, tuple[str, str] | None]]:
    return [(e.at - T0, e.kind, e.text, e.link) for e in builder.events()]


def test_links_point_at_the_alert_the_silence_and_the_series() -> None:
    board_links = Links.from_board(
        Dashboard(
            "p",
            "c",
            T0,
            900.0,
            backends=[
                BackendStatus("am-0", "alertmanager", "http://am-0"),
                BackendStatus("am-1", "alertmanager", "http://am-1"),
                BackendStatus("prom", "prometheus", "http://prom"),
            ],
        )
    )
    assert board_links == Links("http://am-0", "http://prom")
    assert LINKS.alertname('Disk "x"') == (
        "Alertmanager",
        "http://am/#/alerts?filter=%7Balertname%3D%22Disk%20%5C%22x%5C%22%22%7D",  # the quotes escaped
    )
    assert LINKS.silence("a/b") == ("silence", "http://am/#/silences/a%2Fb")
    assert LINKS.graph('up{pod="a"}') == (
        "Prometheus",
        "http://prom/graph?g0.expr=up%7Bpod%3D%22a%22%7D&g0.tab=0",
    )
    assert Links.from_board(Dashboard("p", "c", T0, 900.0)) == Links("", "")
    assert LINKS.alertname("a/b") == (
        "Alertmanager",
        "http://am/#/alerts?filter=%7Balertname%3D%22a%2Fb%22%7D",
    )
    assert LINKS.graph("x / 2") == ("Prometheus", "http://prom/graph?g0.expr=x%20%2F%202&g0.tab=0")
    # Half a surrogate pair (from a broken answer's JSON) has no UTF-8: the link is made, not a crash.
    assert LINKS.graph('up{pod="\udfff"}') == (
        "Prometheus",
        "http://prom/graph?g0.expr=up%7Bpod%3D%22%ED%BF%BF%22%7D&g0.tab=0",
    )
    assert Links().alertname("Disk") is None and Links().silence("s") is None and Links().graph("up") is None
    assert LINKS.silence("") is None and LINKS.graph("") is None


def test_an_alert_fires_changes_state_and_resolves_with_how_long_it_lasted() -> None:
    builder = TimelineBuilder(links=LINKS)
    builder.add(board(0))
    builder.add(board(60, alerts=(alert(),)))
    builder.add(board(120, alerts=(alert("inhibited"),)))
    builder.add(board(180, alerts=(alert(entity=None),)))
    builder.add(board(900))
    bare = TimelineBuilder()
    bare.add(board(0))
    bare.add(board(60, alerts=(AlertView("f2", "Cpu", "info", "firing", T0 + 10, "", {}, {}),)))
    assert [e.text for e in bare.events()] == ["**Cpu** (info) fired"]  # no summary: nothing after it
    link = LINKS.alertname("Disk")
    assert events(builder) == [
        (
            30.0,
            "fired",
            "**Disk** (warning) fired on db-1: disk full",
            link,
        ),  # when it started, not when seen
        (120.0, "inhibited", "**Disk** (warning) firing → inhibited on db-1: disk full", link),
        (180.0, "firing", "**Disk** (warning) inhibited → firing: disk full", link),
        (900.0, "resolved", "**Disk** (warning) resolved after 14m: disk full", link),
    ]


def test_what_was_already_so_at_the_start_is_said_at_the_start() -> None:
    builder = TimelineBuilder(links=LINKS)
    down = HealthRow(
        "core", "npa-1", "down", False, None, {}, since=T0 - 600, since_exact=True, entity_label="pod"
    )
    held = SilenceView("s1", "active", 'alertname="Disk"', "bob", "", T0 - 60, T0 + 3600)
    slo = SloRow("avail", "Avail", 0.99, "1d", _figures("page"))
    quiet = SloRow("lat", "Latency", 0.99, "1d", _figures("ok"))
    builder.add(
        board(0, alerts=(alert(starts_at=T0 - 120),), health=[down], silences=[held], slos=[slo, quiet])
    )
    texts = [(at, kind, text) for at, kind, text, _ in events(builder)]
    assert (
        0.0,
        "fired",
        "**Disk** (warning) was firing on db-1: disk full"
        " (firing since 02:58:00, before the recording began)",
    ) in texts
    assert (
        0.0,
        "silenced",
        'silenced by bob until 04:00:00: `alertname="Disk"` (before the recording began)',
    ) in texts
    assert (0.0, "slo", "SLO **Avail** (at the start) page (burn 1h 15.0x, 6h 2.0x)") in texts
    assert (0.0, "down", "agent **npa-1** down (before the recording began)") in texts
    assert len(texts) == 4  # an SLO at ok at the start is no event


def _figures(status: str, rule: BurnRule | None = None) -> SloFigures:
    return SloFigures(
        0.99, 86400.0, None, 0.5, {"1h": 15.04, "5m": None, "6h": 2.0}, status, rule, None, None
    )  # type: ignore[arg-type]


def test_an_slo_crossing_names_the_rates_and_the_rule() -> None:
    builder = TimelineBuilder(links=LINKS)
    rule = BurnRule("1h", "5m", 14.4, "page")
    q = (("sli", "sum(rate(x[5m]))"),)
    builder.add(board(0, slos=[SloRow("avail", "Avail|x", 0.99, "1d", _figures("ok"), q)]))
    builder.add(board(60, slos=[SloRow("avail", "Avail|x", 0.99, "1d", _figures("page", rule), q)]))
    builder.add(board(120, slos=[SloRow("avail", "Avail|x", 0.99, "1d", _figures("page", rule), q)]))
    builder.add(board(180, slos=[SloRow("avail", "Avail|x", 0.99, "1d", _figures("ticket"))]))
    quiet = SloFigures(0.99, 86400.0, None, 0.5, {"1h": None}, "ok", None, None, None)
    builder.add(board(240, slos=[SloRow("avail", "Avail|x", 0.99, "1d", quiet)]))
    assert events(builder) == [
        (
            60.0,
            "slo",
            "SLO **Avail\\|x** ok → page (burn 1h 15.0x, 6h 2.0x), rule 1h/5m > 14.4x (page)",
            LINKS.graph("sum(rate(x[5m]))"),
        ),
        (180.0, "slo", "SLO **Avail\\|x** page → ticket (burn 1h 15.0x, 6h 2.0x)", None),
        (240.0, "slo", "SLO **Avail\\|x** ticket → ok", None),  # no rate known: no "(burn)"
    ]


def test_an_agent_goes_down_when_it_did_and_comes_back() -> None:
    builder = TimelineBuilder(links=LINKS)

    def row(state: str, since: float | None = None, exact: bool = True, label: str = "") -> HealthRow:
        return HealthRow(
            "core", "npa-1", state, None, None, {}, since=since, since_exact=exact, entity_label=label
        )  # type: ignore[arg-type]

    labels = ("kubernetes_pod_name", "instance")
    builder.add(board(0, health=[row("ok")], entity_labels=labels, entity_display="pod"))
    builder.add(board(60, health=[row("down", T0 + 45)], entity_labels=labels, entity_display="pod"))
    builder.add(board(120, health=[row("down", T0 + 45)], entity_labels=labels, entity_display="pod"))
    builder.add(board(300, health=[row("degraded")], entity_labels=labels, entity_display="pod"))
    builder.add(board(360, health=[row("down", T0 + 999, label="instance")], entity_display="pod"))
    builder.add(board(420, health=[row("down", T0 + 400, exact=False)], entity_display="pod"))
    pod = LINKS.graph('up{kubernetes_pod_name="npa-1"}')
    assert events(builder) == [
        (45.0, "down", "pod **npa-1** down", pod),  # the exact start, not the refresh that saw it
        (300.0, "up", "pod **npa-1** back (degraded) after 4m down", pod),
        (360.0, "down", "pod **npa-1** down", LINKS.graph('up{instance="npa-1"}')),  # never after the refresh
    ]
    builder.add(board(480, health=[row("ok")]))
    builder.add(board(540, health=[row("down", T0 + 500, exact=False)]))
    assert events(builder)[-2:] == [
        (480.0, "up", "agent **npa-1** back (ok) after 2m down", LINKS.graph('up{instance="npa-1"}')),
        (540.0, "down", "agent **npa-1** down", LINKS.graph('up{instance="npa-1"}')),  # inexact: when seen
    ]


def test_silences_and_acks_start_and_end_with_who_and_whether_early() -> None:
    builder = TimelineBuilder(links=LINKS)
    silence = SilenceView(
        "s1", "active", 'alertname="Disk", pod="a", x="1"', "bob", "swap `disk`", T0 + 20, T0 + 600
    )
    ack = SilenceView("s2", "active", 'alertname="Cpu"', "alice", "ACK", T0 - 50, T0 + 90, ack_by="alice")
    gone = SilenceView("s3", "expired", 'alertname="Old"', "eve", "", T0, T0 + 10)
    builder.add(board(0))
    builder.add(board(60, silences=[silence, ack, gone]))
    builder.add(board(120, silences=[silence]))
    builder.add(board(700))
    assert events(builder) == [
        (
            0.0,
            "acked",
            'acked by alice until 03:01:30: `alertname="Cpu"`',
            LINKS.silence("s2"),
        ),  # not before T0
        (
            20.0,
            "silenced",
            'silenced by bob until 03:10:00: `alertname="Disk", pod="a" (+1 more)`: “swap \'disk\'”',
            LINKS.silence("s1"),
        ),
        (90.0, "unsilenced", 'ack of alice on `alertname="Cpu"` ended', LINKS.silence("s2")),
        (
            600.0,
            "unsilenced",
            'silence of bob on `alertname="Disk", pod="a" (+1 more)` ended',
            LINKS.silence("s1"),
        ),
    ]
    early = TimelineBuilder(links=LINKS)
    early.add(board(0, silences=[silence]))
    early.add(board(60))
    assert events(early)[-1][:3] == (
        60.0,
        "unsilenced",
        'silence of bob on `alertname="Disk", pod="a" (+1 more)` ended early (expired by someone)',
    )


def test_journal_entries_say_who_sent_what_and_how_it_went() -> None:
    builder = TimelineBuilder()
    body = {
        "createdBy": "alice",
        "comment": "ACK by alice",
        "matchers": [
            {"name": "alertname", "value": "Disk", "isRegex": False},
            {"name": "pod", "value": "a.*", "isRegex": True},
            "junk",
        ],
    }
    builder.add_change(T0 + 1, {"method": "POST", "path": "/api/v2/silences", "body": body, "outcome": "201"})
    builder.add_change(
        T0 + 2,
        {
            "method": "POST",
            "path": "/api/v2/silences",
            "body": {"comment": "swap|x"},
            "outcome": "refused: read-only",
        },
    )
    builder.add_change(
        T0 + 3, {"method": "POST", "path": "/api/v2/silences", "body": "not a dict", "outcome": "400"}
    )
    builder.add_change(T0 + 4, {"method": "DELETE", "path": "/api/v2/silence/abc", "outcome": "200"})
    builder.add_change(T0 + 5, {"method": "PUT", "path": "/x|y", "outcome": "405"})
    assert [(at, kind, text) for at, kind, text, _ in events(builder)] == [
        (1.0, "change", "alice sent an ack on `alertname=Disk, pod=~a.*`: “ACK by alice” → 201"),
        (2.0, "change", "someone sent a silence on ``: “swap\\|x” → refused: read-only"),
        (3.0, "change", "someone sent a silence on `` → 400"),
        (4.0, "change", "expired silence abc → 200"),
        (5.0, "change", "PUT /x\\|y → 405"),
    ]
    # A line of the journal missing its fields (cut short, edited by hand) says nothing, never "None".
    cut = TimelineBuilder()
    cut.add_change(T0, {"method": "DELETE"})
    cut.add_change(T0 + 1, {"path": "/api/v2/silences", "outcome": "201"})
    assert [e.text for e in cut.events()] == ["expired silence  → ", " /api/v2/silences → 201"]


def test_the_markdown_table_keeps_time_order_and_says_when_nothing_happened() -> None:
    empty = TimelineBuilder()
    assert empty.markdown("Incident") == (
        "## Incident\n\n\n| Time (UTC) | Event | Link |\n|---|---|---|\n"
        "| — | nothing fired, resolved, changed or went down | |\n"
    )
    builder = TimelineBuilder(links=LINKS)
    builder.add(board(0))
    builder.add_event(T0 - 30, "weird", "from ALERTS", ("Prometheus", "http://prom/x"))
    builder.add(board(60, alerts=(alert(starts_at=T0 + 60),)))
    builder.add_event(T0 + 60, "down", "tie: found after the alert")
    text = builder.markdown("Incident", notes=["recording has a gap"])
    disk_url = "http://am/#/alerts?filter=%7Balertname%3D%22Disk%22%7D"
    assert text.splitlines() == [
        "## Incident",
        "",
        "From 2026-11-30 02:59:30 UTC to 2026-11-30 03:01:00 UTC (2 refreshes).",
        "> ⚠ recording has a gap",
        "",
        "| Time (UTC) | Event | Link |",
        "|---|---|---|",
        "| 02:59:30 | • from ALERTS | [Prometheus](http://prom/x) |",
        f"| 03:01:00 | 🔥 **Disk** (warning) fired on db-1: disk full | [Alertmanager]({disk_url}) |",
        "| 03:01:00 | ✖ tie: found after the alert |  |",
    ]
    only_events = TimelineBuilder()
    only_events.add_event(T0 + 5, "change", "x")
    only_events.add_event(T0 + 1, "change", "y")
    assert "From 2026-11-30 03:00:01 UTC to 2026-11-30 03:00:05 UTC." in only_events.markdown("t")


def test_matchers_keep_the_name_and_what_tells_the_alert_apart() -> None:
    assert short_matchers('alertname="A", job="x", kubernetes_pod_name="p", zone="z"') == (
        'alertname="A", kubernetes_pod_name="p" (+2 more)'
    )
    assert short_matchers('pod=~"a", instance="i", alertname="A"') == 'alertname="A", pod=~"a" (+1 more)'
    assert short_matchers('job="x", zone="z", team="t"') == 'job="x", zone="z" (+1 more)'
    # Every operator: != and !~ used to be taken for a label named 'pod!~"a"'.
    assert short_matchers('zone="z", pod!~"a", alertname="A"') == 'alertname="A", pod!~"a" (+1 more)'
    assert short_matchers('zone="z", instance!="i", job="j"') == 'instance!="i" (+2 more)'
    assert short_matchers('alertname="A", , ') == 'alertname="A"'
    assert short_matchers('job="x", pod!="p", alertname="A"') == 'alertname="A", pod!="p" (+1 more)'
    assert short_matchers('instance="i", pod="p", job="j"', keep=1) == 'instance="i" (+2 more)'
    assert md("a\\|b`c\nd") == "a\\\\\\|b'c d"
    assert md("\x1b]52;c;Zm9v\x07pod\x1b[2J\u202e") == "pod\\\\u202e"  # no escape reaches the terminal


def test_at_the_edges_of_the_recording() -> None:
    """Started exactly at the first board: fired then, not "before the recording began"; an alert
    first seen later but older than the recording is told at its start, never before it."""
    builder = TimelineBuilder(links=LINKS)
    on_time = SilenceView("s1", "active", 'alertname="Disk"', "bob", "", T0, T0 + 600)
    later = SilenceView("s2", "pending", 'alertname="Cpu"', "bob", "", T0 + 300, T0 + 900)
    builder.add(board(0, alerts=(alert(starts_at=T0),), silences=[on_time, later]))
    old = AlertView("f2", "Cpu", "info", "firing", T0 - 100, "", {}, {})
    builder.add(board(60, alerts=(alert(starts_at=T0), old), silences=[on_time, later]))
    assert [(at, kind, text) for at, kind, text, _ in events(builder)] == [
        (0.0, "fired", "**Disk** (warning) fired on db-1: disk full"),
        (0.0, "silenced", 'silenced by bob until 03:10:00: `alertname="Disk"`'),
        (
            0.0,
            "silenced",
            'silenced by bob until 03:15:00: `alertname="Cpu"`',
        ),  # seen at the start: said then
        (0.0, "fired", "**Cpu** (info) fired"),
    ]
    was = TimelineBuilder(links=LINKS)
    was.add(board(0, alerts=(alert(starts_at=T0 - 1),)))
    assert [e.link for e in was.events()] == [LINKS.alertname("Disk")]
    assert (
        was.markdown("t").splitlines()[2]
        == "From 2026-11-30 03:00:00 UTC to 2026-11-30 03:00:00 UTC (1 refreshes)."
    )


def test_a_silence_gone_at_its_end_ended_and_each_change_of_a_board_is_seen() -> None:
    builder = TimelineBuilder(links=LINKS)
    first = SilenceView("s1", "active", 'alertname="A"', "bob", "", T0 - 10, T0 + 120)
    second = SilenceView("s2", "active", 'alertname="B"', "eve", "", T0 + 30, T0 + 600)
    slo_a = SloRow("a", "A", 0.99, "1d", _figures("ok"))
    builder.add(board(0, silences=[first], slos=[slo_a]))
    builder.add(
        board(60, silences=[first, second], slos=[slo_a, SloRow("b", "B", 0.99, "1d", _figures("ok"))])
    )
    builder.add(board(120, slos=[slo_a, SloRow("b", "B", 0.99, "1d", _figures("ticket"))]))
    new_c = SloRow("c", "C", 0.99, "1d", _figures("ok"))
    builder.add(board(180, slos=[new_c, slo_a, SloRow("b", "B", 0.99, "1d", _figures("page"))]))
    texts = [(at, kind, text) for at, kind, text, _ in events(builder)]
    assert (180.0, "slo", "SLO **B** ticket → page (burn 1h 15.0x, 6h 2.0x)") in texts  # after a new one
    assert (30.0, "silenced", 'silenced by eve until 03:10:00: `alertname="B"`') in texts  # after a known one
    assert (120.0, "unsilenced", 'silence of bob on `alertname="A"` ended') in texts  # at its end: not early
    assert (120.0, "slo", "SLO **B** ok → ticket (burn 1h 15.0x, 6h 2.0x)") in texts  # after an unchanged one
