"""`opsconsole check` against live real servers and against dead, wrong and unauthorised ones."""

from __future__ import annotations

import json

import pytest

from opsconsole.cli import main
from tests.support.loopback_http import Received, Reply, scripted_server
from tests.support.real_servers import RunningAlertmanager, RunningServer, free_port


@pytest.mark.real_backend
def test_reports_live_prometheus_and_alertmanager(
    real_prometheus: RunningServer, real_alertmanager: RunningAlertmanager, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--prometheus", real_prometheus.url, "--alertmanager", real_alertmanager.url])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert " ok " in lines["prometheus"] and real_prometheus.version in lines["prometheus"]
    assert " ok " in lines["alertmanager"] and real_alertmanager.version in lines["alertmanager"]


@pytest.mark.real_backend
def test_json_output_and_dead_port_fails(
    real_prometheus: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    code = main(["check", "--json", "--prometheus", real_prometheus.url, "--alertmanager", dead])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    by_backend = {r["backend"]: r for r in report["results"]}
    assert by_backend["prometheus"]["ok"] is True
    assert by_backend["prometheus"]["latency_ms"] > 0
    assert by_backend["alertmanager"] == {
        "backend": "alertmanager",
        "url": dead,
        "ok": False,
        "required": True,
        "version": None,
        "latency_ms": None,
        "detail": "connection refused",
        "proxy": None,
    }


def test_wrong_url_gets_404_diagnosis(capsys: pytest.CaptureFixture[str]) -> None:
    def not_loki(request: Received) -> Reply:
        return Reply(404, "404 page not found", {"Content-Type": "text/plain"})

    with scripted_server(not_loki) as server:
        code = main(["check", "--prometheus", server.url])
    out = capsys.readouterr().out
    assert code == 1
    assert "404: is this a Prometheus URL?" in out


def test_wrong_token_is_reported_as_rejected(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def guarded(request: Received) -> Reply:
        if request.headers.get("Authorization") != "Bearer right-token":
            return Reply(401, "Unauthorized", {"Content-Type": "text/plain"})
        return Reply(200, '{"status":"success","data":{"version":"9.9.9"}}')

    monkeypatch.setenv("PROM_TOKEN", "wrong-token")
    with scripted_server(guarded) as server:
        config = tmp_path / "config.yaml"  # type: ignore[operator]
        config.write_text(
            "contexts:\n  prod:\n    prometheus:\n"
            f"      url: {server.url}\n      auth: {{bearer_token_env: PROM_TOKEN}}\n"
        )
        code = main(["check", "--config", str(config)])
        sent = [r.headers.get("Authorization") for r in server.received]
    out = capsys.readouterr().out
    assert code == 1
    assert "401: token rejected" in out
    assert "wrong-token" not in out, "the token must never be printed"
    assert set(sent) == {"Bearer wrong-token"}


def test_optional_backend_failure_does_not_fail_the_check(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"  # type: ignore[operator]
    config.write_text(
        f"contexts:\n  dev:\n    jaeger: {{url: 'http://127.0.0.1:{free_port()}', required: false}}\n"
    )
    code = main(["check", "--config", str(config)])
    out = capsys.readouterr().out
    assert code == 0
    assert "fail (optional)" in out


def test_nothing_configured_says_how_to_configure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("OPSCONSOLE_PROMETHEUS_URL", "OPSCONSOLE_ALERTMANAGER_URL", "OPSCONSOLE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    assert main(["check"]) == 2
    assert "--prometheus URL" in capsys.readouterr().err


def test_the_proxy_each_backend_goes_through_is_named_without_its_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a proxy, "connection refused" may be the proxy's answer: the report says which."""
    dead_proxy = f"http://ops:hunter2@127.0.0.1:{free_port()}"
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    monkeypatch.setenv("NO_PROXY", "alertmanager.invalid")
    backends = [
        "--prometheus",
        "http://prometheus.invalid:9090",
        "--alertmanager",
        "http://alertmanager.invalid",
    ]
    code = main(["check", *backends])
    out = capsys.readouterr().out
    assert code == 1
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    shown = dead_proxy.replace("ops:hunter2@", "")
    assert lines["prometheus"].endswith(f"connection refused (via proxy {shown})"), out
    assert "proxy" not in lines["alertmanager"], out  # NO_PROXY: straight to a name that does not resolve
    assert "hunter2" not in out and "ops:" not in out
    main(["check", "--json", *backends])
    by_backend = {r["backend"]: r for r in json.loads(capsys.readouterr().out)["results"]}
    assert by_backend["prometheus"]["proxy"] == shown
    assert by_backend["alertmanager"]["proxy"] is None
