"""A config of three contexts on the demo: prod, prod-ro (read-only) and staging, whose backends refuse
connections. The overview, the wallboard's contexts page and `snapshot --all-contexts` read it."""

from __future__ import annotations

from pathlib import Path

from opsconsole.demo.stack import DemoUrls
from tests.support.ui_harness import HEALTHY_STACK_TIMEOUT

DEAD = "http://127.0.0.1:9"
# prod and prod-ro are healthy: their timeout only has to outlast a loaded machine (see ui_harness).
HEALTHY = HEALTHY_STACK_TIMEOUT


def write_three_contexts(urls: DemoUrls, tmp_path: Path) -> Path:
    """The config file; the Alertmanager peer is named (its port changes every run, a snapshot must not)."""
    path = tmp_path / "config.yaml"
    demo = (
        f"prometheus: {{url: '{urls.prometheus}', timeout: {HEALTHY:g}}}, "
        f"alertmanagers: [{{url: '{urls.alertmanager}', name: am, timeout: {HEALTHY:g}}}], "
        f"loki: {{url: '{urls.loki}', timeout: {HEALTHY:g}}}"
    )
    path.write_text(
        "contexts:\n"
        f"  prod: {{{demo}}}\n"
        f"  prod-ro: {{read_only: true, {demo}}}\n"
        f"  staging: {{prometheus: {{url: '{DEAD}'}}, alertmanagers: [{{url: '{DEAD}'}}]}}\n"
    )
    return path
