"""What the console and the wallboard import before their first frame: no screen they do not show
first (each is imported when it first opens), and, before the wallboard's first refresh, no
Textual at all (launch.open_wallboard imports it beside that refresh)."""

from __future__ import annotations

import json
import subprocess
import sys

from opsconsole.ui.app import OpsConsoleApp

# Opened by a key, a row or a command, never on the first frame.
SCREENS = (
    "opsconsole.ui.screens",
    "opsconsole.ui.logs_screen",
    "opsconsole.ui.slo_screen",
    "opsconsole.ui.trace_screens",
    "opsconsole.ui.trace_search_screen",
    "opsconsole.ui.silence_screens",
    "opsconsole.ui.silence_form",
    "opsconsole.ui.confirm_screens",
    "opsconsole.ui.overview_screen",
)


def _modules_after(code: str) -> set[str]:
    """Every module a fresh interpreter holds after ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_apps_import_no_screen_before_it_is_opened() -> None:
    console = _modules_after("import opsconsole.ui.app")
    assert "opsconsole.ui.main_screen" in console  # the probe sees the app's own modules
    assert sorted(console.intersection(SCREENS)) == []
    assert sorted(m for m in console if "jaeger" in m) == []  # the trace screens' models
    wallboard = _modules_after("import opsconsole.ui.wallboard")
    assert "opsconsole.ui.wallboard_tables" in wallboard
    # Nor the console's main screen, its panes and its prompt.
    assert (
        sorted(wallboard.intersection({*SCREENS, "opsconsole.ui.main_screen", "opsconsole.ui.panes"})) == []
    )


def test_the_screens_messages_reach_the_app_by_their_handler_names() -> None:
    """The app handles its screens' messages by name (``on_<screen>_<message>``), so that it need
    not import them: a screen or message renamed would otherwise go unheard, silently."""
    from opsconsole.ui.logs_screen import LineFilterChanged
    from opsconsole.ui.silence_screens import SilencesScreen
    from opsconsole.ui.trace_screens import TraceScreen
    from opsconsole.ui.trace_search_screen import TraceSearchScreen

    for message in (
        LineFilterChanged,
        SilencesScreen.ChangeRequested,
        TraceScreen.TraceRequested,
        TraceSearchScreen.SearchRequested,
        TraceSearchScreen.TraceChosen,
    ):
        assert callable(getattr(OpsConsoleApp, message.handler_name, None)), message.handler_name


def test_the_wallboard_starts_its_first_refresh_before_textual_is_imported() -> None:
    """What ``opsconsole wallboard`` runs before launch.open_wallboard starts the first refresh
    (the command line, the context, the packs, the themes, the options, the settings of that
    refresh) imports no Textual."""
    modules = _modules_after(
        "from opsconsole import launch\n"
        "from opsconsole.cli import build_parser, resolve_from_args\n"
        "from opsconsole.commands.wallboard import default_pages\n"
        "from opsconsole.refresh.session import load_pack_set\n"
        "from opsconsole.ui.wallboard_options import wallboard_refresh_settings\n"
        "import opsconsole.ui.recording_hook\n"
        "args = build_parser().parse_args(['wallboard', '--prometheus', 'http://127.0.0.1:9'])\n"
        "args.read_only = True\n"
        "context = resolve_from_args(args)\n"
        "options = launch.wallboard_options(context, load_pack_set(context), pack=None, variables={},\n"
        "    theme=None, pages=default_pages(1), rotate_seconds=30.0)\n"
        "assert options.themes and wallboard_refresh_settings(options.pages).panes\n"
        "options.make_service()\n"
    )
    assert "opsconsole.refresh.service" in modules and "pydantic" in modules  # the probe sees them
    assert sorted(m for m in modules if m.split(".")[0] == "textual") == []
