"""Shared flags mean the same before and after the command: every shared flag x every command x both.

The commands come from the parser itself, so a new command is in the table the day it is added.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from opsconsole.cli import build_parser, main, resolve_from_args
from opsconsole.config import ConfigError
from opsconsole.shared_flags import BEFORE, SHARED_FLAGS, Leaf, SharedFlag, leaves

LEAVES = list(leaves(build_parser()))
SAMPLE = {
    "config": "some-config.yaml",
    "context": "prod",
    "prometheus": "http://prom.example:9090",
    "alertmanager": "http://am.example:9093",
    "loki": "http://loki.example:3100",
    "jaeger": "http://jaeger.example:16686",
    "pack": "freeagentics",
    "var": "namespace=prod",
    "theme": "light",
    "symbols": "ascii",
}
OTHER = {**SAMPLE, "config": "other.yaml", "context": "staging", "prometheus": "http://other:9090"}
OTHER |= {"alertmanager": "http://other:9093", "loki": "http://other:3100", "jaeger": "http://other:1"}
OTHER |= {"pack": "meta", "var": "namespace=dev", "theme": "dark", "symbols": "unicode"}


def _words(flag: SharedFlag, sample: dict[str, str] = SAMPLE) -> list[str]:
    return [flag.option] if flag.action == "store_true" else [flag.option, sample[flag.dest]]


def _expected(flag: SharedFlag) -> Any:
    if flag.action == "store_true":
        return True
    if flag.action == "append":
        return [SAMPLE[flag.dest]]
    return Path(SAMPLE[flag.dest]) if flag.dest == "config" else SAMPLE[flag.dest]


def _required(leaf: Leaf) -> list[str]:
    """The smallest command line the command accepts: its path, its required positionals and flags
    (not an optional positional: ``timeline FILE`` is a mode that takes fewer flags, tested apart)."""
    words = leaf.path.split()
    for action in leaf.parser._actions:
        if action.option_strings:
            if action.required:
                words += [action.option_strings[0], "x"]
        elif not isinstance(action, argparse._SubParsersAction) and action.nargs not in ("?", "*"):
            words.append("x")
    return words


def _parse(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        _parse(argv)
    assert exited.value.code == 2
    return capsys.readouterr().err


def test_every_command_is_in_the_table() -> None:
    paths = {leaf.path for leaf in LEAVES}
    # The parser's own commands, not a copy of them: a sanity check that the walk reaches nested ones.
    assert {"console", "check", "silence add", "silence extend", "ack", "packs render", "demo"} <= paths
    assert len(paths) == len(LEAVES)


@pytest.mark.parametrize("flag", SHARED_FLAGS, ids=lambda f: f.option)
@pytest.mark.parametrize("leaf", LEAVES, ids=lambda leaf: leaf.path.replace(" ", "-"))
def test_a_shared_flag_means_the_same_before_and_after_the_command(
    leaf: Leaf, flag: SharedFlag, capsys: pytest.CaptureFixture[str]
) -> None:
    command = _required(leaf)
    before = [*_words(flag), *command]
    after = [*command, *_words(flag)]
    if flag.dest in leaf.accepts:
        parsed_before, parsed_after = _parse(before), _parse(after)
        assert getattr(parsed_before, flag.dest) == _expected(flag)
        assert vars(parsed_before) == vars(parsed_after)
        assert not any(name.startswith(BEFORE) for name in vars(parsed_before))
        # Said twice the same way is fine; said two different ways is an error, never a silent pick.
        assert vars(_parse([*_words(flag), *command, *_words(flag)])) == vars(parsed_before)
        if flag.action != "store_true":
            err = _refused([*_words(flag), *command, *_words(flag, OTHER)], capsys)
            assert f"{flag.option} was given before and after the command with different values" in err
        return
    # A flag the command does not take is refused in front of it, with the command named ...
    err = _refused(before, capsys)
    assert f"{flag.option} does not apply to `opsconsole {leaf.path}`" in err
    if flag.option in leaf.own_options:
        # ... and where the command has a flag of its own with that spelling, the message says so.
        assert "its own" in err
        _parse(after)
    else:
        # ... and after it, in the same words (not argparse's "unrecognized arguments").
        assert f"{flag.option} does not apply to `opsconsole {leaf.path}`" in _refused(after, capsys)


@pytest.mark.parametrize(
    ("argv", "refusal"),
    [
        (["--theme", "dark", "snapshot"], "--theme does not apply to `opsconsole snapshot`"),
        (["snapshot", "--theme", "dark"], "--theme does not apply to `opsconsole snapshot`"),
        (["snapshot", "--theme=dark"], "--theme does not apply to `opsconsole snapshot`"),
        (["--symbols", "ascii", "snapshot"], "--symbols does not apply to `opsconsole snapshot`"),
        (["snapshot", "--symbols", "ascii"], "--symbols does not apply to `opsconsole snapshot`"),
        # abbreviated, as argparse reads it before the command
        (["snapshot", "--sym", "ascii"], "--symbols does not apply to `opsconsole snapshot`"),
        # record and timeline draw nothing either (they took --theme and never read it) ...
        (["--theme", "light", "record"], "--theme does not apply to `opsconsole record`"),
        (["record", "--theme", "light"], "--theme does not apply to `opsconsole record`"),
        (
            ["--theme", "light", "timeline", "--since", "2h"],
            "--theme does not apply to `opsconsole timeline`",
        ),
        (["timeline", "--since", "2h", "--theme=light"], "--theme does not apply to `opsconsole timeline`"),
        # ... and the timeline is the same whatever the pack (the ALERTS and up series, every silence)
        (["timeline", "--since", "2h", "--pack", "meta"], "--pack does not apply to `opsconsole timeline`"),
        (["--var", "a=b", "timeline", "--since", "2h"], "--var does not apply to `opsconsole timeline`"),
        # overview reads every context: no --context, and no backend URL (one context's)
        (["overview", "--context", "prod"], "--context does not apply to `opsconsole overview`"),
        (["--context", "prod", "overview"], "--context does not apply to `opsconsole overview`"),
        (
            ["overview", "--prometheus", "http://p:9090"],
            "--prometheus does not apply to `opsconsole overview`",
        ),
        # replay asks no backend
        (
            ["replay", "f", "--prometheus", "http://p:9090"],
            "--prometheus does not apply to `opsconsole replay`",
        ),
        (["--read-only", "replay", "f"], "--read-only does not apply to `opsconsole replay`"),
        # config contexts lists the file's contexts: a URL or --read-only changes no line of it
        (
            ["config", "contexts", "--loki", "http://l:3100"],
            "--loki does not apply to `opsconsole config contexts`",
        ),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_a_flag_a_command_does_not_read_is_refused_in_one_wording(
    argv: list[str], refusal: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert f"error: {refusal}\n" in _refused(argv, capsys)


def test_overview_context_is_not_read_as_its_context_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse would take ``--context`` for an abbreviation of overview's ``--context-timeout``: a
    number given to it was a timeout, silently."""
    assert "--context does not apply to `opsconsole overview`" in _refused(
        ["overview", "--context", "30"], capsys
    )
    assert _parse(["overview", "--context-timeout", "30"]).context_timeout == 30.0


@pytest.mark.parametrize(
    ("command", "flags", "refusal"),
    [
        # A recording: no backend is asked, no pack chosen.
        (
            ["snapshot", "--replay", "f.opsrec"],
            ["--prometheus", "http://p:9090"],
            "`opsconsole snapshot --replay`",
        ),
        (["snapshot", "--replay", "f.opsrec"], ["--pack", "meta"], "`opsconsole snapshot --replay`"),
        (["snapshot", "--replay", "f.opsrec"], ["--context", "prod"], "`opsconsole snapshot --replay`"),
        (["timeline", "f.opsrec"], ["--alertmanager", "http://a:9093"], "`opsconsole timeline FILE`"),
        (["timeline", "f.opsrec"], ["--config", "c.yaml"], "`opsconsole timeline FILE`"),
        # Every context of the config file: --context and a URL name one.
        (["snapshot", "--all-contexts"], ["--context", "prod"], "`opsconsole snapshot --all-contexts`"),
        (["snapshot", "--all-contexts"], ["--loki", "http://l:3100"], "`opsconsole snapshot --all-contexts`"),
        (
            ["silence", "list", "--all-contexts"],
            ["--context", "prod"],
            "`opsconsole silence list --all-contexts`",
        ),
        (
            ["silence", "list", "--all-contexts"],
            ["--alertmanager", "http://a:9093"],
            "`opsconsole silence list --all-contexts`",
        ),
        # The demo stack is no context (these said "would not be used" in words of their own).
        (["wallboard", "--demo"], ["--prometheus", "http://p:9090"], "`opsconsole wallboard --demo`"),
        (["wallboard", "--demo"], ["--pack", "meta"], "`opsconsole wallboard --demo`"),
        (["demo", "--serve-only"], ["--read-only"], "`opsconsole demo --serve-only`"),
        (["demo", "--serve-only"], ["--theme", "light"], "`opsconsole demo --serve-only`"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_a_mode_refuses_the_flags_it_does_not_read_before_or_after_the_command(
    command: list[str], flags: list[str], refusal: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in ([*flags, *command], [*command, *flags]):
        err = _refused(argv, capsys)
        assert f"error: {flags[0]} does not apply to {refusal}; " in err, argv
    # The command takes them without the mode: the mode is what refuses them.
    mode = {"--replay", "f.opsrec", "--all-contexts", "--demo", "--serve-only"}
    without = [w for w in command if w not in mode] + (["--since", "2h"] if command[0] == "timeline" else [])
    _parse([*without, *flags])


@pytest.mark.parametrize(
    "argv",
    [
        ["snapshot", "--replay", "f.opsrec", "--logs", "3", "--json"],
        ["snapshot", "--all-contexts", "--read-only", "--pack", "meta", "--var", "a=b", "--config", "c.yaml"],
        ["silence", "list", "--all-contexts", "--read-only", "--config", "c.yaml"],
        ["timeline", "f.opsrec", "--output", "t.md"],
        ["wallboard", "--demo", "--theme", "high-contrast", "--read-only"],
        ["--theme", "dark", "replay", "f.opsrec"],  # was refused: replay's --theme was its own, after it
        ["replay", "f.opsrec", "--config", "c.yaml"],
        ["--read-only", "--theme", "light", "--pack", "meta", "overview"],
    ],
    ids=" ".join,
)
def test_a_mode_takes_what_it_reads(argv: list[str]) -> None:
    _parse(argv)


def test_no_command_means_the_console_with_the_flags_given() -> None:
    args = _parse(["--prometheus", SAMPLE["prometheus"], "--read-only", "--theme", "light"])
    assert (args.command, args.prometheus, args.read_only, args.theme) == (
        "console",
        SAMPLE["prometheus"],
        True,
        "light",
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--read-only", "silence", "expire", "x"],
        ["silence", "expire", "x", "--read-only"],
        ["--read-only", "ack", "x"],
        ["ack", "x", "--read-only"],
        ["--read-only"],
        ["--read-only", "snapshot"],
    ],
    ids=" ".join,
)
def test_read_only_in_either_position_reaches_the_context(argv: list[str]) -> None:
    resolved = resolve_from_args(_parse(["--alertmanager", "http://am.example:9093", *argv]))
    assert resolved.read_only
    assert [e.url for e in resolved.settings.alertmanagers] == ["http://am.example:9093"]


def test_context_before_the_command_chooses_the_context(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "current_context: prod\n"
        "contexts:\n"
        "  prod: {alertmanagers: [{url: 'http://prod:9093'}]}\n"
        "  staging: {read_only: true, alertmanagers: [{url: 'http://staging:9093'}]}\n"
    )
    for argv in (
        ["--config", str(config), "--context", "staging", "silence", "add", "a=b", "--comment", "x"],
        ["silence", "add", "a=b", "--comment", "x", "--config", str(config), "--context", "staging"],
    ):
        resolved = resolve_from_args(_parse(argv))
        assert resolved.name == "staging"
        assert resolved.read_only


@pytest.mark.parametrize("value", ["banana", "2", "enabled"])
def test_a_read_only_env_value_that_is_not_a_boolean_is_an_error(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSCONSOLE_READ_ONLY", value)
    with pytest.raises(ConfigError, match="OPSCONSOLE_READ_ONLY"):
        resolve_from_args(_parse(["--alertmanager", "http://am.example:9093", "check"]))


@pytest.mark.parametrize(("value", "read_only"), [("1", True), ("yes", True), ("0", False), ("", False)])
def test_read_only_env_values(value: str, read_only: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSCONSOLE_READ_ONLY", value)
    assert resolve_from_args(_parse(["check"])).read_only is read_only


def test_packs_render_uses_the_context_in_force_like_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "current_context: us\n"
        "contexts:\n  us: {variables: {namespace: pf-us}}\n  eu: {variables: {namespace: pf-eu}}\n"
    )
    render = ["packs", "render", "progressive-framework", "--config", str(config)]
    assert main(render) == 0
    assert 'namespace=~"pf-us|"' in capsys.readouterr().out
    monkeypatch.setenv("OPSCONSOLE_CONTEXT", "eu")
    assert main(render) == 0
    assert 'namespace=~"pf-eu|"' in capsys.readouterr().out
    assert main(["--context", "us", *render]) == 0
    assert 'namespace=~"pf-us|"' in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "env", "read_only"),
    [
        (["demo"], "", False),
        (["--read-only", "demo"], "", True),
        (["demo", "--read-only"], "", True),
        (["demo"], "1", True),
    ],
)
def test_the_demo_console_is_read_only_when_asked_any_way(
    argv: list[str], env: str, read_only: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsconsole import launch
    from opsconsole.demo.stack import DemoUrls

    opened: list[bool] = []

    def fake_demo_console(**kwargs: Any) -> int:
        opened.append(kwargs["read_only"])
        return 0

    monkeypatch.setattr(launch, "run_demo_console", fake_demo_console)
    if env:
        monkeypatch.setenv("OPSCONSOLE_READ_ONLY", env)
    assert main(argv) == 0
    assert opened == [read_only]
    # ... and what it is given reaches the clients the demo console builds.
    urls = DemoUrls("http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9")
    service = launch.demo_options(urls, read_only=read_only).make_service("demo", "progressive-framework")
    assert service.backends.read_only is read_only
    assert all(am.http.read_only is read_only for am in service.backends.alertmanagers)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["snapshot", "--all-contexts", "--replay", "r.opsrec"],
            "--replay prints one recorded context; --all-contexts asks every context: choose one",
        ),
        (["snapshot", "--all-contexts", "--at", "+1m"], "--at needs --replay FILE"),
        (["snapshot", "--context-timeout", "30"], "--context-timeout needs --all-contexts"),
    ],
)
def test_snapshot_options_the_chosen_way_would_not_read_are_refused(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each was ignored: the snapshot asked every context, or waited its endpoints' own timeout."""
    assert main(argv) == 2
    assert f"opsconsole snapshot: {said}" in capsys.readouterr().err
