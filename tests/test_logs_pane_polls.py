"""The logs pane when the refresh polls Loki (snapshots, the wallboard's fallback), in process: a
backlog of the range's last hour first, oldest line first, then only the lines since the newest
one seen, none twice; Loki's warnings of this refresh; and an empty pane that says why."""

from __future__ import annotations

import asyncio
from typing import Any

from opsconsole.backends.loki_models import LogEntry, LokiQueryResult
from opsconsole.packs.schema import QueryPack
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.panes.logs import LOG_KEEP, LogsPane
from opsconsole.refresh.panes.run import PaneRun, RefreshSettings
from opsconsole.refresh.queries import PackQueries
from opsconsole.refresh.scrape_intervals import ScrapeIntervalCache

NS = 1_000_000_000
NOW = 1_700_000_000.25
SELECTOR = '{app="shop"}'


def _pack(logs: dict[str, Any] | None) -> QueryPack:
    raw: dict[str, Any] = {"apiVersion": "opsconsole.dev/v1", "kind": "QueryPack", "metadata": {"name": "t"}}
    if logs is not None:
        raw["logs"] = logs
    return QueryPack.model_validate(raw)


def _entry(ts_ns: int, line: str) -> LogEntry:
    return LogEntry(ts_ns=ts_ns, line=line, labels={"app": "shop"})


class FakeLoki:
    """Serves ``lines`` like Loki's client: the backlog newest first up to its limit, then every
    line in ``[start, end)`` oldest first, leaving out those already ``seen`` and adding the rest
    to it; records each request."""

    def __init__(self, lines: list[LogEntry], warning: str = "") -> None:
        self.lines = lines
        self.warning = warning
        self.backlogs: list[dict[str, Any]] = []
        self.since: list[dict[str, Any]] = []

    async def query_range(
        self,
        logql: str,
        start_ns: int,
        end_ns: int,
        *,
        limit: int = 100,
        direction: str = "backward",
        step: float | None = None,
    ) -> LokiQueryResult:
        self.backlogs.append(
            {"logql": logql, "start_ns": start_ns, "end_ns": end_ns, "limit": limit, "direction": direction}
        )
        inside = [e for e in self.lines if start_ns <= e.ts_ns < end_ns]
        newest = sorted(inside, key=lambda e: e.ts_ns, reverse=True)[:limit]
        return LokiQueryResult(
            result_type="streams", entries=newest, warnings=[self.warning] if self.warning else []
        )

    async def lines_since(
        self,
        logql: str,
        start_ns: int,
        end_ns: int,
        *,
        seen: set[tuple[Any, ...]] | None = None,
        limit: int = 1000,
        max_lines: int | None = None,
        warnings: list[str] | None = None,
    ) -> list[LogEntry]:
        self.since.append({"logql": logql, "start_ns": start_ns, "end_ns": end_ns, "seen": set(seen or ())})
        if warnings is not None and self.warning:
            warnings.append(self.warning)
        inside = sorted((e for e in self.lines if start_ns <= e.ts_ns < end_ns), key=lambda e: e.ts_ns)
        seen = set() if seen is None else seen
        fresh = [e for e in inside if e.key not in seen]
        seen.update(e.key for e in fresh)
        return fresh


def _run(
    pane: LogsPane,
    loki: FakeLoki | None,
    *,
    now: float = NOW,
    range_seconds: float = 900.0,
    poll_logs: bool = True,
    logs: dict[str, Any] | None = None,
) -> Any:
    pack = _pack({"selector": SELECTOR, "pipeline": "| json"} if logs is None else logs)
    queries = PackQueries(pack, {}, refresh_interval=5.0, scrape_intervals=ScrapeIntervalCache())
    settings = RefreshSettings(range_seconds=range_seconds, poll_logs=poll_logs)
    backends = BackendSet(loki=loki)  # type: ignore[arg-type]
    return asyncio.run(pane(PaneRun(now, settings, queries, backends, None)))


def test_the_first_refresh_reads_the_last_hour_of_the_range_oldest_line_first() -> None:
    at = int(NOW * NS)
    old = _entry(at - 4000 * NS, "before the hour")  # outside the backlog's hour
    lines = [_entry(at - 30 * NS, "third"), _entry(at - 3000 * NS, "first"), _entry(at - 60 * NS, "second")]
    loki = FakeLoki([old, *lines], warning="partial answer")
    pane = LogsPane()
    out = _run(pane, loki, range_seconds=7200.0)  # a two-hour range: the backlog is its last hour
    assert loki.backlogs == [
        {
            "logql": '{app="shop"} | json',
            "start_ns": int((NOW - 3600) * NS),
            "end_ns": at + 1,  # the line written at this very nanosecond is in
            "limit": 200,
            "direction": "backward",
        }
    ]
    assert loki.since == []
    assert [r.message for r in out.rows] == ["first", "second", "third"]
    assert [r.ts_ns for r in out.rows] == sorted(r.ts_ns for r in out.rows)
    assert out.queries == 1
    assert out.empty == []
    assert out.notes == []
    assert pane.warnings == ["partial answer"]
    assert pane.cursor_ns == at - 30 * NS


def test_a_short_range_reads_its_own_length_back() -> None:
    loki = FakeLoki([])
    _run(LogsPane(), loki, range_seconds=900.0)
    assert loki.backlogs[0]["start_ns"] == int((NOW - 900) * NS)


def test_later_refreshes_ask_only_since_the_newest_line_and_show_none_twice() -> None:
    at = int(NOW * NS)
    # Two lines at the newest nanosecond of the backlog: the next query starts there, inclusive.
    twins = [_entry(at - 10 * NS, "twin a"), _entry(at - 10 * NS, "twin b")]
    loki = FakeLoki([_entry(at - 50 * NS, "older"), *twins])
    pane = LogsPane()
    _run(pane, loki)
    loki.lines += [_entry(at + 3 * NS, "new 1"), _entry(at + 4 * NS, "new 2")]
    loki.warning = "this refresh's warning"
    out = _run(pane, loki, now=NOW + 5)
    assert len(loki.backlogs) == 1
    (asked,) = loki.since
    assert asked["logql"] == '{app="shop"} | json'
    assert asked["start_ns"] == at - 10 * NS
    assert asked["end_ns"] == int((NOW + 5) * NS) + 1
    # Only the keys at the cursor's nanosecond are kept: older lines cannot come again.
    assert asked["seen"] == {e.key for e in twins}
    assert [r.message for r in out.rows] == ["older", "twin a", "twin b", "new 1", "new 2"]
    assert pane.warnings == ["this refresh's warning"]
    assert pane.cursor_ns == at + 4 * NS
    assert pane.seen == {loki.lines[-1].key}
    # A refresh with nothing new keeps the rows, the cursor and the one key at it.
    loki.warning = ""
    again = _run(pane, loki, now=NOW + 10)
    assert [r.message for r in again.rows] == ["older", "twin a", "twin b", "new 1", "new 2"]
    assert loki.since[-1]["start_ns"] == at + 4 * NS
    assert pane.warnings == []


def test_the_pane_keeps_only_the_newest_lines() -> None:
    at = int(NOW * NS)
    loki = FakeLoki([_entry(at - 100 * NS, "backlog")])
    pane = LogsPane()
    _run(pane, loki)
    loki.lines += [_entry(at + i, f"line {i}") for i in range(1, LOG_KEEP + 1)]
    out = _run(pane, loki, now=NOW + 5)
    assert len(out.rows) == LOG_KEEP
    assert out.rows[0].message == "line 1"
    assert out.rows[-1].message == f"line {LOG_KEEP}"


def test_an_empty_tail_says_its_query_returned_nothing_and_asks_the_backlog_again() -> None:
    loki = FakeLoki([])
    pane = LogsPane()
    out = _run(pane, loki)
    assert out.rows == []
    assert out.queries == 1
    assert out.empty == ["logs.tail"]
    assert pane.cursor_ns is None
    _run(pane, loki, now=NOW + 5)
    assert len(loki.backlogs) == 2
    assert loki.since == []


def test_an_empty_pane_says_why_unless_the_console_tails_or_the_pack_says_where_its_logs_are() -> None:
    loki = FakeLoki([_entry(int(NOW * NS) - NS, "x")])
    tailing = _run(LogsPane(), loki, poll_logs=False)  # the console's own tail fills the pane
    assert (tailing.rows, tailing.notes, tailing.queries) == ([], [], 0)
    no_loki = _run(LogsPane(), None)
    assert (no_loki.rows, no_loki.notes) == ([], ["no Loki in this context"])
    unavailable = _run(LogsPane(), loki, logs={"unavailable": "in Elasticsearch, index shop-*"})
    assert (unavailable.rows, unavailable.notes) == ([], [])
    assert loki.backlogs == [] and loki.since == []
    pack = _pack(None)
    queries = PackQueries(pack, {}, refresh_interval=5.0, scrape_intervals=ScrapeIntervalCache())
    run = PaneRun(NOW, RefreshSettings(), queries, BackendSet(loki=loki), None)  # type: ignore[arg-type]
    no_logs = asyncio.run(LogsPane()(run))
    assert (no_logs.rows, no_logs.notes) == ([], ["no logs in this pack"])
