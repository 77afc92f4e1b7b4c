"""Shared fixtures: real Prometheus and Alertmanager on loopback, and a scrape target we control.

The real servers come in releases (Debian's packages and the current ones, see
``tests/support/real_servers.py``); a test runs against ``DEFAULT_RELEASE`` unless it is marked
``every_release``, and the release is in its id (``[prom3.16.0-am0.35.0]``).
"""

from __future__ import annotations

import gc
import inspect
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import settings
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app
from textual.pilot import Pilot

from opsconsole import server_builds
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.ui.screenshots import picture_steady
from tests.support.demo_fixtures import demo_in_another_process, running_demo
from tests.support.http_client import http_client
from tests.support.real_jaeger import RunningJaeger, start_jaeger
from tests.support.real_servers import (
    DEFAULT_RELEASE,
    RELEASES,
    TEST_RULES,
    RunningAlertmanager,
    RunningServer,
    ServerRelease,
    free_port,
    prometheus_config,
    start_alertmanager,
    start_prometheus,
    wait_until,
)
from tests.support.snapshot_text import mismatch_report

# Property tests are about results, not speed: hypothesis's default 200 ms per example measures the
# machine, and on a loaded one failed whatever the code (498 ms seen in a mutation run's clean pass).
settings.register_profile("opsconsole", deadline=None)
settings.load_profile("opsconsole")

# Where the developer's own files live, read once before any test changes the environment: the
# isolation test checks nothing was written there.
REAL_HOME = Path.home()
# Go keeps its module and build caches under HOME by default; a test that builds a server must
# still find them after HOME is swapped (they are caches, not the user's settings).
_GO_DIRS = {
    "GOPATH": str(REAL_HOME / "go"),
    "GOMODCACHE": str(REAL_HOME / "go" / "pkg" / "mod"),
    "GOCACHE": str(REAL_HOME / ".cache" / "go-build"),
}


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME and XDG dirs, and no OPSCONSOLE_* or NO_COLOR from the developer.

    Nothing a test does reaches the user's config, state (the mutations journal), cache or data,
    and no result depends on the developer's own config or environment. Subprocesses inherit it.
    """
    home = tmp_path_factory.mktemp("home")
    for name, value in _GO_DIRS.items():
        if name not in os.environ:
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(home))
    for variable, folder in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
    ):
        monkeypatch.setenv(variable, str(home / folder))
    for name in list(os.environ):
        # Where the test command built the servers is the test environment's, not a console setting.
        if name == server_builds.CACHE_ENV:
            continue
        if name.startswith("OPSCONSOLE_") or name == "NO_COLOR":
            monkeypatch.delenv(name)
    # Not inside the developer's tmux: a copy would go to its buffers and clipboard (copy_markdown.py).
    monkeypatch.delenv("TMUX", raising=False)
    # A UTF-8 locale whatever the developer's: the console picks its symbols by it (ui/symbols.py).
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_CTYPE"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After each test (its fixtures torn down): collect what it left in reference cycles, then
    exempt every survivor from later collections.

    A test process keeps growing what lives for the session (modules, the frozen demo's caches,
    Textual's classes), and each full collection walked all of it again: about a fifth of a UI test
    file's CPU went to the collector, two thirds of that in full passes. What a test creates is still
    collected, here and by the collector during the next tests; only what outlived its test is
    walked no more (what the console does once after its first refresh, ui/shell.py). A finalizer's
    error (an unraisable exception) from a cycle of this test now shows up in this test's teardown.
    """
    gc.collect()
    gc.freeze()


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool], request: pytest.FixtureRequest) -> Callable[..., bool]:
    """pytest-textual-snapshot's comparison, taken once the picture holds still
    (:func:`picture_steady`), which on a mismatch also prints the lines of the picture that changed:
    its HTML report stays on the machine that ran the tests, and CI keeps only the log."""

    changes: list[int] = []

    def compare(*args: Any, run_before: Callable[[Pilot[Any]], Any] | None = None, **kwargs: Any) -> bool:
        async def then_steady(pilot: Pilot[Any]) -> None:
            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result
            changes.append(await picture_steady(pilot))

        same = snap_compare(*args, run_before=then_steady, **kwargs)
        if not same:
            print(mismatch_report(request.node))
            print(f"the picture changed {changes[-1]} times after the test's own waits")
        return same

    return compare


# Files that take a minute or more, longest first (``--durations`` of a whole run): collected first, so
# that the test command's processes (pytest-xdist, files kept whole) start them early and none runs
# one alone at the end (by name, the soaks came among the last). The three single tests of two minutes
# and more in a loaded whole run come first: a file of one test cannot be shared out, and behind the
# first processes' files they started minutes late (the second soak at 154 s in a run of the long files).
LONG_FILES = (
    "test_soak.py",
    "test_soak_sees_a_leak.py",
    "test_screenshots_current.py",
    "test_fault_matrix.py",
    "test_readme_examples.py",
    "test_ui_silences.py",
    "test_ui_state_snapshots.py",
    "test_ui_snapshots.py",
    "test_ui_pilot.py",
    "test_terminal_session.py",
    "test_builtin_packs_real.py",
    "test_context_overview.py",
    "test_ui_logs_traces.py",
    "test_wallboard.py",
    "test_parser_fuzzing.py",
    "test_hostile_sources.py",
    # Half a minute to a minute and a half each with two processes at a load of 9 (suite_cpu.py).
    "test_untrusted_boundary.py",
    "test_demo_promql_conformance.py",
    "test_trace_navigation.py",
    "test_incident_timeline.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long files first, longest first; every other test keeps its place."""
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FILES)))


def pytest_configure(config: pytest.Config) -> None:
    """pytest-xdist hands files out in the order above, not sorted by their number of tests.

    Its default (``--loadscope-reorder``) sorts the files by how many tests they hold, which undid
    the order above: test_cli_flags.py's 576 quick tests went first and the soaks wherever their
    count put them.
    """
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadfile`` (the test command's) keeps a long file from queuing behind another long
    one in the same process (``tests/support/long_files_apart.py``); other choices are xdist's."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.support.long_files_apart import LongFilesApart

    return LongFilesApart(config, log, long_files=LONG_FILES)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class ScrapeTarget:
    """A prometheus_client registry served on loopback, with metrics the tests drive."""

    address: str
    registry: CollectorRegistry
    requests: Counter
    in_flight: Gauge
    latency: Histogram


@pytest.fixture(scope="session")
def scrape_target() -> Iterator[ScrapeTarget]:
    """Exposes opsconsole_test_* metrics on a free loopback port."""
    registry = CollectorRegistry()
    requests = Counter("opsconsole_test_requests", "Requests handled", ["status"], registry=registry)
    in_flight = Gauge("opsconsole_test_in_flight", "Requests in flight", registry=registry)
    latency = Histogram(
        "opsconsole_test_latency_seconds", "Latency", buckets=(0.1, 0.5, 1.0, 2.5), registry=registry
    )
    requests.labels(status="ok").inc(100)
    requests.labels(status="error").inc(5)
    in_flight.set(3)
    for value in (0.05, 0.2, 0.7, 2.0):
        latency.observe(value)
    server: WSGIServer = make_server("127.0.0.1", 0, make_wsgi_app(registry), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ScrapeTarget(f"127.0.0.1:{server.server_port}", registry, requests, in_flight, latency)
    finally:
        server.shutdown()
        server.server_close()


def _parametrized_by_marker(metafunc: pytest.Metafunc, name: str) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        if name in ([n.strip() for n in names.split(",")] if isinstance(names, str) else names):
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that starts real servers names the release it ran against; contract tests add the demo."""
    if "server_release" not in metafunc.fixturenames or _parametrized_by_marker(metafunc, "server_release"):
        return
    marked = metafunc.definition.get_closest_marker("every_release") is not None
    releases = RELEASES if marked else (DEFAULT_RELEASE,)
    if "contract_side" in metafunc.fixturenames:
        # The same contract against each real release and once against the demo's simulator.
        sides = [pytest.param("demo", DEFAULT_RELEASE, id="demo")]
        sides += [pytest.param("real", r, id=f"real-{r.test_id}") for r in releases]
        # Session scope: tests are grouped by side and release, so each release's servers start once
        # (parametrized per test, the order alternated releases and restarted them around most tests).
        metafunc.parametrize(("contract_side", "server_release"), sides, indirect=True, scope="session")
        return
    metafunc.parametrize("server_release", releases, indirect=True, ids=[r.test_id for r in releases])


@pytest.fixture(scope="session")
def server_release(request: pytest.FixtureRequest) -> ServerRelease:
    """The Prometheus/Alertmanager release under test (parametrized by ``pytest_generate_tests``)."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def contract_side(request: pytest.FixtureRequest, server_release: ServerRelease) -> str:
    """``real`` or ``demo``: which side of a contract test runs (parametrized with the release)."""
    del server_release  # in the closure so that the real side can start that release's servers
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def real_alertmanager(
    tmp_path_factory: pytest.TempPathFactory, server_release: ServerRelease
) -> Iterator[RunningAlertmanager]:
    """A real Alertmanager of ``server_release`` on loopback, clustering off."""
    server = start_alertmanager(tmp_path_factory.mktemp("alertmanager"), release=server_release)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def am_cluster(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningAlertmanager, RunningAlertmanager]]:
    """Two real Alertmanagers gossiping on loopback (an HA pair)."""
    first_port = free_port()
    first = start_alertmanager(tmp_path_factory.mktemp("am-a"), cluster_port=first_port)
    try:
        second = start_alertmanager(
            tmp_path_factory.mktemp("am-b"), cluster_peers=[f"127.0.0.1:{first_port}"]
        )
        try:
            yield first, second
        finally:
            second.stop()
    finally:
        first.stop()


@pytest.fixture(scope="session")
def real_prometheus(
    tmp_path_factory: pytest.TempPathFactory,
    scrape_target: ScrapeTarget,
    real_alertmanager: RunningAlertmanager,
    server_release: ServerRelease,
) -> Iterator[RunningServer]:
    """The release's Prometheus scraping ``scrape_target`` every second, alerting to ``real_alertmanager``.

    Ready once the target has been scraped and the always-firing alert reached Alertmanager.
    """
    tmp = tmp_path_factory.mktemp("prometheus")
    config = prometheus_config([scrape_target.address], real_alertmanager.url, Path("{rules}"))
    server = start_prometheus(tmp, config, rules=TEST_RULES, release=server_release)
    try:

        def scraped() -> bool:
            body = http_client().get(f"{server.url}/api/v1/query", params={"query": "up"}).json()
            return bool(body["data"]["result"])

        def delivered() -> bool:
            alerts = http_client().get(f"{real_alertmanager.url}/api/v2/alerts").json()
            return any(a["labels"].get("alertname") == "OpsconsoleTestAlwaysFiring" for a in alerts)

        wait_until(scraped, timeout=30, what="first scrape of the test target")
        wait_until(delivered, timeout=30, what="OpsconsoleTestAlwaysFiring in Alertmanager")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def real_jaeger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningJaeger]:
    """A real Jaeger v2 (in-memory storage, built by the test command) with every port on loopback."""
    server = start_jaeger(tmp_path_factory.mktemp("jaeger"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def frozen_demo() -> Iterator[tuple[DemoStack, DemoUrls]]:
    """The demo stack with a frozen clock, mid-incident (shared: tests must not mutate it)."""
    with running_demo() as running:
        yield running


@pytest.fixture(scope="session")
def live_demo() -> Iterator[DemoUrls]:
    """A demo stack on the wall clock, mid-incident (for API contracts that use real time).

    It serves from a process of its own: the tests that use it time the answers (fault matrix,
    live tail), and a busy test process must not make a healthy backend look slow.
    """
    with demo_in_another_process() as (urls, _):
        yield urls
