"""One-shot commands start without the console's libraries: what a process imports is most of
what ``opsconsole snapshot`` costs before its first request (benchmarks/snapshot_vs_curl.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.real_servers import RunningServer

# Drawing (Textual and what it brings), httpx's own command-line client, the kubectl plugin's
# client, and ruamel, which parses packs only when the parsed-YAML cache does not have them.
NOT_FOR_ONE_SHOT = ("textual", "rich", "click", "pygments", "plotext", "kubernetes", "ruamel")

PROBE = """
import json, sys
from opsconsole.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, sorted(sys.modules)]), file=sys.stderr)
"""


def _run(*argv: str) -> tuple[int, set[str]]:
    """The exit code and the top-level packages imported."""
    code, modules = _run_full(*argv)
    return code, {m.split(".")[0] for m in modules}


def _run_full(*argv: str) -> tuple[int, set[str]]:
    """The exit code and every module imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=60, env=os.environ
    )
    code, modules = json.loads(done.stderr.strip().splitlines()[-1])
    return code, set(modules)


@pytest.mark.real_backend
def test_one_shot_commands_import_nothing_they_do_not_use(
    real_prometheus: RunningServer, real_alertmanager: RunningServer
) -> None:
    code, first = _run("packs", "list")  # the first run of a fresh cache parses the packs
    assert code == 0
    assert "ruamel" in first, "a fresh cache parses with ruamel (else this test proves nothing)"
    backends = ("--prometheus", real_prometheus.url, "--alertmanager", real_alertmanager.url)
    for argv in (
        ("packs", "list"),
        ("snapshot", "--json", "--pack", "meta", *backends),
        ("silence", "list", *backends),
    ):
        code, modules = _run(*argv)
        assert code in (0, 3), argv  # 3: a pane had no data on these test servers
        assert sorted(modules.intersection(NOT_FOR_ONE_SHOT)) == [], argv
    # Every command registers its flags at start; the trace command's Jaeger client and models
    # are imported only when a trace is asked for.
    code, modules = _run_full("snapshot", "--json", "--pack", "meta", *backends)
    assert code in (0, 3)
    assert "opsconsole.backends.prometheus" in modules  # the probe sees opsconsole's own modules
    assert sorted(m for m in modules if "jaeger" in m or "trace_layout" in m) == []
    # A snapshot polls Loki; the websocket library is the live tail's alone.
    assert sorted(m for m in modules if m.startswith("websockets")) == []
    # What a snapshot does not do is not imported either: other commands (the parser registers the
    # command named alone), the drill-downs, the live log tail, Loki's client without a Loki, the
    # silence and ack mutations, the demo.
    assert sorted(m for m in modules if m.startswith("opsconsole.commands.")) == [
        "opsconsole.commands.packs",  # --var's parser
        "opsconsole.commands.snapshot",
    ]
    not_for_snapshot = (
        "opsconsole.refresh.drill",
        "opsconsole.refresh.log_tail",
        "opsconsole.backends.loki",
        "opsconsole.backends.loki_tail",
        "opsconsole.core.log_buffer",
        "opsconsole.mutations",
        "opsconsole.demo",
        "opsconsole.packs.openslo",
    )
    assert sorted(m for m in modules if m.startswith(not_for_snapshot)) == []


def test_the_console_starts_without_the_demo_stack_or_the_chart_library() -> None:
    """The console's first frame waits for its imports: the demo's simulated servers (aiohttp) and
    the charts' library (plotext) are loaded when a demo starts or a chart is first shown."""
    code = (
        "import json, sys\n"
        "import opsconsole.launch, opsconsole.ui.app, opsconsole.commands.console\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    modules = set(json.loads(done.stdout))
    assert "textual" in modules  # the console itself is there
    assert sorted(modules & {"aiohttp", "plotext", "textual_plotext", "yaml", "ruamel"}) == []


def test_the_console_starts_its_first_refresh_before_textual_is_imported() -> None:
    """Parsing, the context, the packs, the themes, the options and the recording hook: what runs
    before launch.open_console starts the first refresh imports no Textual, which takes longer
    than the refresh's requests and is imported beside them."""
    code = (
        "import json, sys\n"
        "from opsconsole.cli import build_parser\n"
        "from opsconsole.commands.console import console_setup\n"
        "import opsconsole.launch, opsconsole.ui.recording_hook\n"
        "options = console_setup(build_parser().parse_args(['--prometheus', 'http://127.0.0.1:9']))\n"
        "assert options.themes and options.pack\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    modules = set(json.loads(done.stdout))
    assert "opsconsole" in modules and "pydantic" in modules  # the probe sees what was imported
    assert "textual" not in modules


def test_a_config_file_that_validates_is_read_without_ruamel(tmp_path: Path) -> None:
    """The config is read by the fast YAML reader; ruamel (about 20 to 50 ms of a start) only
    parses one that fails, to name the line. The packs come from the parsed-YAML cache, warmed by
    a first start."""
    config = tmp_path / "config.yaml"
    config.write_text(
        "current_context: prod\nrefresh_interval: 10\ncontexts:\n  prod:\n"
        "    prometheus:\n      url: http://127.0.0.1:9\n      timeout: 7\n"
        "    alertmanagers:\n      - url: http://127.0.0.1:10\n"
    )
    code = (
        "import json, sys\n"
        "from opsconsole.cli import build_parser\n"
        "from opsconsole.commands.console import console_setup\n"
        "from opsconsole.config import ConfigError\n"
        "try:\n"
        "    options = console_setup(build_parser().parse_args([]))\n"
        "    said = [options.context, options.refresh_interval]\n"
        "except ConfigError as exc:\n"
        "    said = [str(exc)]\n"
        "print(json.dumps([said, sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    env = {**os.environ, "OPSCONSOLE_CONFIG": str(config)}

    def start() -> tuple[list[Any], set[str]]:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True, env=env
        )
        said, modules = json.loads(done.stdout)
        return said, set(modules)

    start()  # the packs and themes into the cache
    said, modules = start()
    assert said == ["prod", 10.0]  # the config was read (else this proves nothing)
    assert "ruamel" not in modules
    config.write_text(config.read_text().replace("timeout: 7", "timeout: 7\n      timout: 8"))
    said, modules = start()
    assert "ruamel" in modules
    assert said[0].startswith(f"{config}:8: contexts.prod.prometheus.timout: unknown field"), said
