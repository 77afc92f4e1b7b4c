"""Hostile text from every source, end to end, as a terminal receives it.

A loopback stack (tests/support/hostile_stack.py) answers as Prometheus, Alertmanager, Loki and Jaeger with
escape sequences, C1 controls, bidi overrides and Rich markup in every label, value, annotation,
silence author and comment, log line and label, span name, tag, log and process field, version and
error body; the pack's display names and a user theme file are hostile too. The real console and
wallboard run in a pseudo-terminal and ``snapshot`` runs as a command; what they write must carry
the visible markers and nothing else of the attacks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.packs.schema import QueryPack
from opsconsole.resources import builtin_queries_dir
from tests.support.hostile_stack import FORBIDDEN, TRACE_ID, HostileStack, hostile_stack
from tests.support.pty_session import SGR, PtySession

PACK_SOURCE = builtin_queries_dir() / "progressive-framework.yaml"
# Shown as text: every C0 control but newline, DEL, C1, bidi and zero-width characters.
UNSAFE_TEXT = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
YAML_ATTACK = "\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2J\\u202e"


def label_names(pack: QueryPack) -> list[str]:
    """Every label the pack turns into rows: entities, RED groups, alert entities."""
    names: set[str] = set()
    if pack.health is not None:
        names |= {*pack.health.entity.type_labels, *pack.health.entity.instance_labels}
    if pack.red is not None:
        for group in pack.red.groups.values():
            names |= set(group.by)
    names |= {*pack.alerts.entity_instance_labels, *pack.alerts.entity_type_labels}
    return sorted(names)


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """XDG dirs holding a pack whose names are hostile and a theme file with a hostile value."""
    config = tmp_path / "config" / "opsconsole"
    (config / "packs").mkdir(parents=True)
    (config / "themes").mkdir(parents=True)
    source = PACK_SOURCE.read_text(encoding="utf-8")
    source = re.sub(
        r"(?m)^(\s*)display: (.+)$",
        lambda m: f'{m[1]}display: "{m[2]} {YAML_ATTACK}PACKNAME[blink]P[/blink]"',
        source,
    )
    source = re.sub(r"(?m)^  name: .+$", "  name: hostile", source, count=1)
    # Every alert of the hostile server is this pack's, so each pane and page draws its text.
    source = re.sub(r"(?m)^  matchers:\n(    - .*\n)+", "  matchers: []\n", source, count=1)
    assert "matchers: []" in source
    (config / "packs" / "hostile.yaml").write_text(source, encoding="utf-8")
    theme = f'name: evil\ndark: true\nstates:\n  crit: "{YAML_ATTACK}THEMEVALUE [blink]T[/blink]"\n'
    (config / "themes" / "evil.yaml").write_text(theme, encoding="utf-8")
    return {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }


@pytest.fixture
def stack() -> Iterator[HostileStack]:
    from opsconsole.packs.loader import load_packs

    pack = load_packs([(builtin_queries_dir(), "builtin")]).packs["progressive-framework"].pack
    with hostile_stack(label_names(pack)) as running:
        yield running


def backends(stack: HostileStack) -> list[str]:
    url = stack.url
    return ["--prometheus", url, "--alertmanager", url, "--loki", url, "--jaeger", url]


def assert_nothing_hostile(output: bytes) -> None:
    """No attack sequence, no C1 or bidi character, no OSC but Textual's pointer shape, no blink."""
    for sequence in FORBIDDEN:
        assert sequence not in output, (sequence, output[max(0, output.find(sequence) - 80) :][:160])
    assert set(re.findall(rb"\x1b\](\d*)", output)) <= {b"22"}
    assert not re.search("[\x80-\x9f]", output.decode("utf-8", "replace"))
    for match in SGR.finditer(output):
        parameters = match.group(1).decode().replace(":", ";").split(";")
        skip = 0
        for index, parameter in enumerate(parameters):
            if skip:
                skip -= 1
                continue
            if parameter in ("38", "48", "58"):  # extended colour: 5;N or 2;R;G;B follow
                skip = 2 if parameters[index + 1 : index + 2] == ["5"] else 4
                continue
            assert parameter != "5", "markup in the data made text blink"


def snapshot(stack: HostileStack, home: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    argv = [sys.executable, "-m", "opsconsole", "snapshot", *backends(stack), "--pack", "hostile", *args]
    return subprocess.run(argv, capture_output=True, env={**home, "PATH": "/usr/bin:/bin"}, timeout=120)


def test_snapshot_text_shows_the_markers_and_none_of_the_attacks(
    stack: HostileStack, home: dict[str, str]
) -> None:
    done = snapshot(stack, home)
    assert done.returncode in (0, 1), done.stderr.decode()
    assert_nothing_hostile(done.stdout)
    shown = done.stdout.decode()
    for marker in (
        "HL1",
        "ALERTNAME1",
        "SUMMARY1",
        "JSONLINE",
        "PLAINLINE",
        "PACKNAME",
        "[blink]MARKUP[/blink]",
    ):
        assert marker in shown, marker
    assert not UNSAFE_TEXT.search(shown), repr(UNSAFE_TEXT.search(shown))


def test_snapshot_json_holds_only_clean_strings(stack: HostileStack, home: dict[str, str]) -> None:
    done = snapshot(stack, home, "--json")
    assert done.returncode in (0, 1), done.stderr.decode()
    board = json.loads(done.stdout)

    def strings(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    found = list(strings(board))
    for text in found:
        assert not UNSAFE_TEXT.search(text), repr(text)
    joined = "\n".join(found)
    for marker in (
        "HL1",
        "LABELNAME1",
        "LABELVALUE1",
        "DESC1",
        "AUTHOR",
        "COMMENT",
        "FIELDVALUE",
        "PACKNAME",
    ):
        assert marker in joined, marker


def test_hostile_error_bodies_are_shown_clean(stack: HostileStack, home: dict[str, str]) -> None:
    stack.errors = True
    done = snapshot(stack, home)
    assert done.returncode == 1
    assert_nothing_hostile(done.stdout)
    shown = done.stdout.decode()
    assert "PROMERR" in shown
    assert "LOKIERR" in shown


def test_the_console_draws_every_source_without_passing_an_attack_on(
    stack: HostileStack, home: dict[str, str]
) -> None:
    session = PtySession(
        PtySession.python("-m", "opsconsole", "console", *backends(stack), "--pack", "hostile"),
        env=home,
        size=(200, 50),
    )
    try:
        session.wait_for(b"HL1", timeout=60)  # health and RED rows from hostile label values
        session.wait_for(b"evil.yaml", timeout=30, since_start=True)  # the broken theme's notice
        session.read_for(2)
        session.send(b":")
        session.read_for(0.5)  # the command prompt opens
        session.send(b"trace " + TRACE_ID.encode())
        session.read_for(0.5)
        session.send(b"\r")
        session.wait_for(b"OPERATION", timeout=30)
        session.send(b"j")
        session.wait_for(b"TAGVALUE", timeout=30)
        for key in (b"\x1b", b"2", b"i"):  # the alerts pane, its first alert (one line), every label
            session.send(key)
            session.read_for(1)
        session.wait_for(b"LABELNAME1", timeout=30)
        for key in (b"\x1b", b"S"):  # the silences screen
            session.send(key)
            session.read_for(1)
        session.wait_for(b"COMMENT", timeout=30)
        session.send(b"\x1b")
        session.read_for(1)
        session.send(b"q")
        session.wait_exit()
    finally:
        session.close()
    output = bytes(session.output)
    assert_nothing_hostile(output)
    for marker in (b"JSONLINE", b"PACKNAME", b"AUTHOR", b"SERVICE", b"[blink]MARKUP"):
        assert marker in output, marker


def test_the_wallboard_draws_every_page_without_passing_an_attack_on(
    stack: HostileStack, home: dict[str, str]
) -> None:
    session = PtySession(
        PtySession.python("-m", "opsconsole", "wallboard", *backends(stack), "--pack", "hostile"),
        env=home,
        size=(160, 45),
    )
    try:
        session.wait_for(b"WALLBOARD", timeout=60)
        # The first refresh's figures and alert list, however long a loaded machine takes to draw them.
        session.wait_for(b"ALERTNAME1", timeout=60, since_start=True)
        for page in (b"2", b"3", b"4"):
            session.send(page)
            session.read_for(1.5)
        session.send(b"q")
        session.wait_exit()
    finally:
        session.close()
    output = bytes(session.output)
    assert_nothing_hostile(output)
    for marker in (b"ALERTNAME1", b"HL1", b"PACKNAME"):
        assert marker in output, marker


def run_command(stack: HostileStack, home: dict[str, str], *argv: str) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "opsconsole", *argv, *backends(stack)]
    return subprocess.run(command, capture_output=True, env={**home, "PATH": "/usr/bin:/bin"}, timeout=120)


def test_silence_list_shows_authors_and_comments_clean(stack: HostileStack, home: dict[str, str]) -> None:
    done = run_command(stack, home, "silence", "list")
    assert done.returncode == 0, done.stderr.decode()
    assert_nothing_hostile(done.stdout)
    for marker in (b"AUTHOR", b"COMMENT", b"MATCHVALUE"):
        assert marker in done.stdout
    raw = run_command(stack, home, "silence", "list", "--json")
    assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", raw.stdout), "JSON escapes every control character"


def test_the_timeline_of_the_last_hour_is_clean(stack: HostileStack, home: dict[str, str]) -> None:
    # Built from Prometheus' ALERTS and `up` series, whose labels no model had cleaned: it wrote
    # OSC 52 (the clipboard), the window title and a screen clear to the terminal.
    done = run_command(stack, home, "timeline", "--since", "1h")
    assert done.returncode == 0, done.stderr.decode()
    assert_nothing_hostile(done.stdout)
    assert b"HL1kubernetes_pod_name" in done.stdout


def test_check_shows_versions_and_errors_clean(stack: HostileStack, home: dict[str, str]) -> None:
    done = run_command(stack, home, "check")
    assert_nothing_hostile(done.stdout + done.stderr)
    assert b"AMVERSION" in done.stdout
    stack.errors = True
    failed = run_command(stack, home, "check")
    assert failed.returncode != 0
    assert_nothing_hostile(failed.stdout + failed.stderr)
    assert b"PROMERR" in failed.stdout


def test_a_backend_error_is_clean_whoever_builds_it() -> None:
    error = BackendError(
        "prometheus",
        FailureKind.BAD_REQUEST,
        "\x1b]52;c;Zm9v\x07diagnosis\u202e",
        url="http://x/\x1b[2J",
        detail="\x9b2Jdetail\x85",
    )
    assert (error.diagnosis, error.url, error.detail) == ("diagnosis\\u202e", "http://x/", "detail\\x85")
    assert "\x1b" not in str(error)
