"""Contexts, precedence (flags > env > file), error locations, secrets and redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsconsole.cli import main
from opsconsole.config import (
    ConfigError,
    ConsoleConfig,
    Overrides,
    load_config,
    parse_config,
    resolve_context,
    resolve_credentials,
)

FILE = """\
current_context: prod
contexts:
  prod:
    prometheus:
      url: https://prom.prod:9090
      auth:
        bearer_token: inline-secret-token
        headers: {X-Api-Key: header-secret}
    alertmanagers:
      - url: https://am-0.prod:9093
    loki:
      url: https://loki.prod
      auth: {username: ops, password: loki-secret-pw}
  staging:
    read_only: true
    prometheus: {url: "http://u:url-secret@prom.staging:9090"}
"""


@pytest.fixture
def config() -> ConsoleConfig:
    return parse_config(FILE, "config.yaml")


def test_file_alone_picks_current_context(config: ConsoleConfig) -> None:
    resolved = resolve_context(config, Overrides(), environ={})
    assert resolved.name == "prod"
    assert resolved.settings.prometheus is not None
    assert resolved.settings.prometheus.url == "https://prom.prod:9090"
    assert resolved.sources["prometheus"] == "config"


def test_env_beats_file_and_flags_beat_env(config: ConsoleConfig) -> None:
    env = {
        "OPSCONSOLE_PROMETHEUS_URL": "http://env:9090",
        "OPSCONSOLE_ALERTMANAGER_URL": "http://a:1, http://b:2",
    }
    by_env = resolve_context(config, Overrides(), environ=env)
    assert by_env.settings.prometheus is not None and by_env.settings.prometheus.url == "http://env:9090"
    assert [a.url for a in by_env.settings.alertmanagers] == ["http://a:1", "http://b:2"]
    assert by_env.sources["prometheus"] == "env OPSCONSOLE_PROMETHEUS_URL"
    by_flag = resolve_context(
        config, Overrides(prometheus="http://flag:9090", alertmanagers=["http://c:3"]), environ=env
    )
    assert by_flag.settings.prometheus is not None and by_flag.settings.prometheus.url == "http://flag:9090"
    assert [a.url for a in by_flag.settings.alertmanagers] == ["http://c:3"]
    assert by_flag.sources["prometheus"] == "flag"


def test_overridden_url_does_not_inherit_credentials(config: ConsoleConfig) -> None:
    resolved = resolve_context(config, Overrides(prometheus="http://elsewhere:9090"), environ={})
    assert resolved.settings.prometheus is not None
    assert resolved.settings.prometheus.auth.bearer_token is None


def test_context_choice_flag_over_env(config: ConsoleConfig) -> None:
    assert resolve_context(config, Overrides(), environ={"OPSCONSOLE_CONTEXT": "staging"}).name == "staging"
    assert (
        resolve_context(config, Overrides(context="prod"), environ={"OPSCONSOLE_CONTEXT": "staging"}).name
        == "prod"
    )
    with pytest.raises(ConfigError, match="unknown context 'nope' \\(known: prod, staging\\)"):
        resolve_context(config, Overrides(context="nope"), environ={})


def test_read_only_can_be_switched_on_but_never_off(config: ConsoleConfig) -> None:
    assert not resolve_context(config, Overrides(), environ={}).read_only
    assert resolve_context(config, Overrides(), environ={"OPSCONSOLE_READ_ONLY": "1"}).read_only
    assert resolve_context(config, Overrides(read_only=True), environ={}).read_only
    staging = resolve_context(config, Overrides(context="staging"), environ={"OPSCONSOLE_READ_ONLY": "0"})
    assert staging.read_only


def test_no_file_at_all_gives_an_implicit_default_context() -> None:
    resolved = resolve_context(
        ConsoleConfig(), Overrides(), environ={"OPSCONSOLE_LOKI_URL": "http://loki:3100"}
    )
    assert resolved.name == "default"
    assert [kind for kind, _ in resolved.endpoints()] == ["loki"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "contexts:\n  prod:\n    prometheus:\n      url: http://x\n      timout: 3\n",
            "cfg.yaml:5: contexts.prod.prometheus.timout: unknown field",
        ),
        (
            "contexts:\n  prod:\n    prometheus:\n      url: ftp://x\n",
            "cfg.yaml:4: contexts.prod.prometheus.url: Value error, expected an http:// or https:// URL",
        ),
        (
            "contexts:\n  prod:\n    read_only: sometimes\n",
            "cfg.yaml:3: contexts.prod.read_only: Input should be a valid boolean",
        ),
        ("contexts:\n  prod: [\n", "cfg.yaml:2: invalid YAML"),
        ("contexts:\n  a: {}\n  a: {}\n", "cfg.yaml:3: invalid YAML"),
    ],
)
def test_errors_name_file_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(text, "cfg.yaml")
    assert str(err.value).startswith(expected), str(err.value)


def test_missing_explicit_file_is_an_error_but_missing_default_is_not(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml", environ={})
    config, path = load_config(None, environ={"XDG_CONFIG_HOME": str(tmp_path)})
    assert path is None and config.contexts == {}


def test_a_config_file_that_is_not_utf8_is_a_config_error_not_a_crash(tmp_path: Path) -> None:
    # Saved as Latin-1: every command died with a UnicodeDecodeError traceback.
    path = tmp_path / "config.yaml"
    path.write_bytes(b"current_context: caf\xe9\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    assert str(err.value) == f"{path}: not UTF-8 text (at byte offset 20): save the config file as UTF-8"


def test_credentials_come_from_env_and_file_and_never_show_in_repr(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("file-token\n")
    config = parse_config(
        "contexts:\n  a:\n    loki:\n      url: http://l\n"
        f"      auth: {{bearer_token_file: {token}, tenant_id: t1}}\n",
        "c.yaml",
    )
    assert config.contexts["a"].loki is not None
    creds = resolve_credentials(config.contexts["a"].loki.auth, environ={})
    assert creds.headers == {"X-Scope-OrgID": "t1", "Authorization": "Bearer file-token"}
    assert "file-token" not in repr(creds)
    missing = parse_config(
        "contexts:\n  a:\n    loki:\n      url: http://l\n      auth: {bearer_token_env: NOPE}\n", "c.yaml"
    )
    assert missing.contexts["a"].loki is not None
    with pytest.raises(ConfigError, match="environment variable NOPE is not set"):
        resolve_credentials(missing.contexts["a"].loki.auth, environ={})


def test_config_view_redacts_every_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(FILE)
    for context in ("prod", "staging"):
        assert main(["config", "view", "--config", str(path), "--context", context]) == 0
    out = capsys.readouterr().out
    for secret in ("inline-secret-token", "header-secret", "loki-secret-pw", "url-secret"):
        assert secret not in out
    assert out.count("<redacted>") >= 4
    assert "https://prom.prod:9090" in out


def test_config_contexts_lists_and_marks_current(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(FILE)
    assert main(["config", "contexts", "--config", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("* prod")
    assert lines[1].startswith("  staging") and "read-only" in lines[1]


def test_bad_config_exits_2_with_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("contexts:\n  prod:\n    promethus: {url: http://x}\n")
    assert main(["config", "view", "--config", str(path)]) == 2
    assert f"{path}:3: contexts.prod.promethus: unknown field" in capsys.readouterr().err


def test_a_misspelt_config_field_names_the_one_it_meant_and_errors_come_in_file_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "contexts:\n"
        "  prod:\n"
        "    alertmangers: [{url: http://am}]\n"  # 3
        "    prometheus:\n"
        "      url: http://x\n"
        "      timout: 3\n"  # 6
        "      zzz: 1\n"  # 7: no field is like it
        "log_bufer: 10\n"  # 8: a top-level field, after the contexts in the file
    )
    assert main(["config", "view", "--config", str(path)]) == 2
    said = capsys.readouterr().err.removeprefix("opsconsole: config error: ").splitlines()
    assert said == [
        f"{path}:3: contexts.prod.alertmangers: unknown field: did you mean `alertmanagers`?",
        f"{path}:6: contexts.prod.prometheus.timout: unknown field: did you mean `timeout`?",
        f"{path}:7: contexts.prod.prometheus.zzz: unknown field (allowed here: url, name, cluster, timeout, "
        "required, auth, tls)",
        f"{path}:8: log_bufer: unknown field: did you mean `log_buffer`?",
    ]
