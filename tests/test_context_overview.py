"""Every context in one view: a row per context, their alerts merged, and a context that hangs
delaying nobody. The contexts point at the demo stack (and one at a socket that never answers)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.cli import main
from opsconsole.config import Overrides, load_config, resolve_context
from opsconsole.core.alert_filter import AlertFilter
from opsconsole.core.context_overview import ContextRow, filter_merged
from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.refresh.context_overview import ContextOverviewService
from opsconsole.refresh.session import build_service, choose_pack, load_pack_set

HANG_TIMEOUT = 3.0  # the hung context's endpoint timeout: its deadline is this plus the slack


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """A TCP port that accepts connections and never answers (a wedged proxy)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        server.close()


def _config(path: Path, urls: DemoUrls, hang: str) -> Path:
    demo = (
        f"prometheus: {{url: '{urls.prometheus}'}}, alertmanagers: [{{url: '{urls.alertmanager}'}}], "
        f"loki: {{url: '{urls.loki}'}}"
    )
    path.write_text(
        "contexts:\n"
        f"  prod: {{{demo}}}\n"
        # The same Alertmanager seen from a second, read-only context: its alerts are not doubled.
        f"  prod-ro: {{read_only: true, {demo}}}\n"
        f"  dr-site: {{prometheus: {{url: '{hang}', timeout: {HANG_TIMEOUT}}}, "
        f"alertmanagers: [{{url: '{hang}', timeout: {HANG_TIMEOUT}}}]}}\n"
    )
    return path


def test_a_hanging_context_delays_nobody_and_says_so(
    frozen_demo: tuple[DemoStack, DemoUrls], hanging_url: str, tmp_path: Path
) -> None:
    _, urls = frozen_demo
    config, path = load_config(_config(tmp_path / "config.yaml", urls, hanging_url))
    contexts = [
        resolve_context(config, Overrides(context=n), config_path=path) for n in sorted(config.contexts)
    ]
    packs = load_pack_set(contexts[0])

    def make(context: object) -> object:
        return build_service(context, packs, choose_pack(context, packs))  # type: ignore[arg-type]

    arrived: dict[str, float] = {}
    start = time.monotonic()
    overview = ContextOverviewService(contexts, make)  # type: ignore[arg-type]

    def on_row(row: ContextRow) -> None:
        arrived[row.context] = time.monotonic() - start

    async def once() -> list[ContextRow]:
        try:
            return await overview.refresh(on_row)
        finally:
            await overview.aclose()

    rows = {r.context: r for r in asyncio.run(once())}
    # The others came in their own time, before the hung one's deadline passed.
    assert arrived["prod"] < arrived["dr-site"] and arrived["prod-ro"] < arrived["dr-site"]
    assert arrived["dr-site"] >= HANG_TIMEOUT
    hung = rows["dr-site"]
    assert hung.error and hung.as_of is None
    assert hung.texts(time.time())["status"].startswith("✖")
    prod = rows["prod"]
    assert not prod.error and prod.firing_total > 0 and prod.agents > 0
    assert rows["prod-ro"].read_only and not prod.read_only
    # Merged: one row per alert although two contexts see that Alertmanager.
    merged = overview.merged()
    assert merged and all(m.contexts == ("prod", "prod-ro") for m in merged)
    assert len({(m.alert.cluster, m.alert.fingerprint) for m in merged}) == len(merged)
    kept, error = filter_merged(merged, "@context=prod-ro")
    assert not error and kept == merged
    kept, _ = filter_merged(merged, "@context=staging")
    assert kept == []


def test_snapshot_of_every_context_as_json_agrees_with_the_rows(
    frozen_demo: tuple[DemoStack, DemoUrls],
    hanging_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, urls = frozen_demo
    config = _config(tmp_path / "config.yaml", urls, hanging_url)
    code = main(["--config", str(config), "snapshot", "--all-contexts", "--json"])
    out, _ = capsys.readouterr()
    assert code == 1  # a context did not answer
    data = json.loads(out)
    rows = {r["context"]: r for r in data["contexts"]}
    assert list(rows) == ["dr-site", "prod", "prod-ro"]
    prod = rows["prod"]
    assert prod["firing_total"] == sum(prod["firing"].values()) > 0
    assert prod["text"]["firing"] == " ".join(
        str(prod["firing"][s]) for s in ("critical", "warning", "other")
    )
    assert prod["text"]["down"] == f"{prod['down']}/{prod['agents']}"
    assert rows["dr-site"]["error"] and rows["dr-site"]["text"]["firing"] == "—"
    assert all(a["contexts"] == ["prod", "prod-ro"] for a in data["alerts"])
    code = main(["--config", str(config), "snapshot", "--all-contexts"])
    out, _ = capsys.readouterr()
    assert "opsconsole overview · 3 contexts" in out and "dr-site" in out and "✖" in out


def test_the_filter_knows_only_context_as_an_at_name() -> None:
    assert AlertFilter.parse("@context=prod").matchers[0].value == "prod"
    assert "only @ name is @context" in AlertFilter.parse("@cluster=prod").error
