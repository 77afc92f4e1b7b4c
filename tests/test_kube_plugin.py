"""``kubectl opsconsole``: kubeconfig auth, service discovery, remembered choices and the API-server
service proxy, against a fake API server on loopback forwarding to the demo stack."""

from __future__ import annotations

import asyncio
import base64
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsconsole.backends.loki import LokiClient
from opsconsole.backends.loki_tail import LokiTailStream
from opsconsole.cli import main as console_main
from opsconsole.config import ContextSettings, EndpointSettings
from opsconsole.demo.stack import DemoUrls
from opsconsole.kube import plugin
from opsconsole.kube.choices import ChoiceStore
from opsconsole.kube.connect import discover
from opsconsole.kube.credentials import KubeConfigError, KubeSession
from opsconsole.kube.discovery import ServiceInfo, find_candidates, parse_service_list
from tests.support.demo_cluster import cluster_services, fake_service
from tests.support.fake_apiserver import (
    CLIENT_CERT_USER,
    FakeApiServer,
    exec_plugin_user,
    fake_apiserver,
    write_kubeconfig,
)

NS = 1_000_000_000


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Remembered choices and the config file live in the test's own directories."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    for name in ("PROMETHEUS", "ALERTMANAGER", "LOKI", "JAEGER"):
        monkeypatch.delenv(f"OPSCONSOLE_{name}_URL", raising=False)
    monkeypatch.delenv("OPSCONSOLE_CONTEXT", raising=False)
    return tmp_path


@pytest.fixture
def cluster(tmp_path: Path, live_demo: DemoUrls) -> Iterator[FakeApiServer]:
    with fake_apiserver(tmp_path, cluster_services(live_demo)) as server:
        server.tokens["t0ken-for-ops"] = "ops"
        yield server


def token_kubeconfig(tmp_path: Path, server: FakeApiServer, **kw: Any) -> Path:
    return write_kubeconfig(tmp_path / "kubeconfig", server, user={"token": "t0ken-for-ops"}, **kw)


def run_plugin(argv: list[str], stdin: str | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = plugin.run(
        argv,
        console_main,
        stdin=io.StringIO(stdin) if stdin is not None else io.StringIO(""),
        stdout=out,
    )
    return code, out.getvalue()


# -- discovery rules (pure) ------------------------------------------------------------------


def test_rules_recognise_the_common_installs_and_skip_what_does_not_serve_queries() -> None:
    urls = DemoUrls("http://p", "http://a", "http://l", "http://j")
    extra = [
        fake_service("vm", "vmselect-main", {"app.kubernetes.io/name": "vmselect"}, [("http", 8481)]),
        fake_service(
            "legacy",
            "prom-prometheus-server",
            {"app": "prometheus", "component": "server"},
            [("http", 80)],
        ),
        fake_service("legacy", "loki", {"app": "loki", "release": "loki"}, [("http-metrics", 3100)]),
        fake_service("legacy", "loki-headless", {"app": "loki"}, [("http-metrics", 3100)], headless=True),
        fake_service("odd", "jaeger", {}, [("query", 16686)]),
    ]
    services = parse_service_list({"items": [s.as_json() for s in cluster_services(urls) + extra]})
    found = find_candidates(services)
    described = {kind: [c.describe() for c in found[kind]] for kind in found}
    assert described == {
        "prometheus": [
            "monitoring/kps-kube-prometheus-stack-prometheus:http-web (kube-prometheus-stack)",
            "vm/vmselect-main:http/select/0/prometheus (VictoriaMetrics cluster)",
            "legacy/prom-prometheus-server:http (prometheus chart (legacy labels))",
            "monitoring/prometheus-operated:web (prometheus-operator)",
        ],
        "alertmanager": [
            "monitoring/kps-kube-prometheus-stack-alertmanager:http-web (kube-prometheus-stack)"
        ],
        "loki": [
            "loki/loki-gateway:http-metrics (Loki gateway)",
            "legacy/loki:http-metrics (loki-stack)",
        ],
        "jaeger": ["tracing/jaeger-query:http-query (Jaeger operator)", "odd/jaeger:query (name and port)"],
    }


def test_service_list_parsing_skips_odd_items_and_refuses_other_shapes() -> None:
    services = parse_service_list(
        {"items": [{"metadata": {"name": "ok", "namespace": "a"}, "spec": {"ports": [{"port": 1}]}}, 7, {}]}
    )
    assert [s.ref for s in services] == ["a/ok"]
    with pytest.raises(ValueError, match="ServiceList"):
        parse_service_list({"kind": "Status"})
    assert isinstance(services[0], ServiceInfo)


# -- kubeconfig authentication ---------------------------------------------------------------


def test_token_kubeconfig_discovers_and_checks_every_backend_through_the_proxy(
    tmp_path: Path, cluster: FakeApiServer, state_dir: Path
) -> None:
    code, out = run_plugin(["--kubeconfig", str(token_kubeconfig(tmp_path, cluster)), "--discover"])
    assert code == 0, out
    base = f"{cluster.url}/api/v1/namespaces"
    assert f"kube context fake at {cluster.url}; searched all namespaces" in out
    assert f"url: {base}/monitoring/services/kps-kube-prometheus-stack-prometheus:http-web/proxy" in out
    assert f"url: {base}/monitoring/services/kps-kube-prometheus-stack-alertmanager:http-web/proxy" in out
    assert f"url: {base}/loki/services/loki-gateway:http-metrics/proxy" in out
    assert f"url: {base}/tracing/services/jaeger-query:http-query/proxy" in out
    assert out.count("check: ok") == 4, out
    assert "also: monitoring/prometheus-operated:web (prometheus-operator)" in out
    assert "t0ken" not in out
    assert {r.user for r in cluster.received} == {"ops"}
    assert {r.method for r in cluster.received} == {"GET"}


def test_client_certificate_kubeconfig_with_inline_data(
    tmp_path: Path, cluster: FakeApiServer, state_dir: Path
) -> None:
    cert, key = cluster.client_cert_files(tmp_path)
    user = {
        "client-certificate-data": base64.b64encode(cert.read_bytes()).decode(),
        "client-key-data": base64.b64encode(key.read_bytes()).decode(),
    }
    config = write_kubeconfig(tmp_path / "kc", cluster, user=user, inline_ca=True)
    code, out = run_plugin(["--kubeconfig", str(config), "--discover"])
    assert code == 0, out
    assert out.count("check: ok") == 4, out
    assert {r.user for r in cluster.received} == {CLIENT_CERT_USER}


def test_exec_plugin_credentials_are_used_and_refreshed_before_they_expire(
    tmp_path: Path, cluster: FakeApiServer, state_dir: Path
) -> None:
    counter = tmp_path / "runs"
    cluster.tokens.update({f"short-{n}": f"exec-{n}" for n in range(1, 9)})
    # Expiring within the client's skew margin (5 min): every refresh runs the plugin again.
    user = exec_plugin_user(tmp_path, "short", counter, expires_in=60)
    config = write_kubeconfig(tmp_path / "kc", cluster, user=user)
    session = KubeSession(str(config))
    store = ChoiceStore(tmp_path / "c.json")
    try:
        token_file = session.credentials.token_file
        assert token_file is not None
        assert token_file.stat().st_mode & 0o077 == 0  # private to the user
        runs_at_start = counter.read_text().count("run")
        report = asyncio.run(discover(session.credentials, store=store, probe=False))
        assert report.choices["prometheus"].chosen is not None
        assert session.refresh() is True
        assert counter.read_text().count("run") == runs_at_start + 1
        asyncio.run(discover(session.credentials, store=store, probe=False))
    finally:
        session.close()
    users = [r.user for r in cluster.received]
    assert users == [f"exec-{runs_at_start}", f"exec-{runs_at_start + 1}"]
    assert not token_file.exists()  # the token does not outlive the session


def test_a_token_that_is_not_about_to_expire_is_not_fetched_again(
    tmp_path: Path, cluster: FakeApiServer, state_dir: Path
) -> None:
    counter = tmp_path / "runs"
    user = exec_plugin_user(tmp_path, "long", counter, expires_in=3600)
    session = KubeSession(str(write_kubeconfig(tmp_path / "kc", cluster, user=user)))
    try:
        assert session.refresh() is False
        assert session.refresh() is False
    finally:
        session.close()
    assert counter.read_text().count("run") == 1


def test_a_failing_exec_plugin_or_a_bad_kubeconfig_is_a_clear_error(
    tmp_path: Path, cluster: FakeApiServer, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "/nonexistent/aws-iam"}}
    config = write_kubeconfig(tmp_path / "kc", cluster, user=broken)
    with pytest.raises(KubeConfigError, match="kube context fake: credentials:"):
        KubeSession(str(config))
    code, _ = run_plugin(["--kubeconfig", str(tmp_path / "missing"), "--discover"])
    assert code == 2
    assert "kubectl opsconsole: kubeconfig" in capsys.readouterr().err
    # A YAML file that is no kubeconfig: the library raised TypeError, a traceback.
    (tmp_path / "list.yaml").write_text("- not\n- a kubeconfig\n")
    (tmp_path / "text.yaml").write_text("root:x:0:0:root:/root:/bin/bash\n")
    for wrong in ("list.yaml", "text.yaml"):
        code, _ = run_plugin(["--kubeconfig", str(tmp_path / wrong), "--discover"])
        assert code == 2
        assert capsys.readouterr().err == (
            f"kubectl opsconsole: kubeconfig {tmp_path / wrong}: not a kubeconfig (expected a mapping "
            "with clusters, contexts and users)\n"
        )
    good = token_kubeconfig(tmp_path, cluster)
    code, _ = run_plugin(["--kubeconfig", str(good), "--context", "prod", "--discover"])
    assert code == 2
    assert "no context 'prod' (known: fake)" in capsys.readouterr().err
    rejected = write_kubeconfig(tmp_path / "kc2", cluster, user={"token": "stolen"})
    code, _ = run_plugin(["--kubeconfig", str(rejected), "--discover"])
    assert code == 1
    assert "cannot list services in fake: 401: token rejected" in capsys.readouterr().err


def test_kubeconfig_env_with_several_files_is_merged_like_kubectl(
    tmp_path: Path, cluster: FakeApiServer, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_kubeconfig(tmp_path / "a", cluster, user={"token": "nope"}, context="other")
    second = token_kubeconfig(tmp_path, cluster, context="mine", user_name="ops")
    monkeypatch.setenv("KUBECONFIG", f"{first}:{second}")
    code, out = run_plugin(["--context", "mine", "--discover"])
    assert code == 0, out
    assert "kube context mine" in out
    # The first file's current context is the default, with its own (rejected) user.
    code, _ = run_plugin(["--discover"])
    assert code == 1
    assert {r.user for r in cluster.received} == {"ops", None}


# -- choosing ------------------------------------------------------------------------------


def test_the_user_chooses_among_several_matches_and_the_choice_is_remembered_per_context(
    tmp_path: Path, cluster: FakeApiServer, live_demo: DemoUrls, state_dir: Path
) -> None:
    cluster.services.append(
        fake_service(
            "vm",
            "vmsingle-main",
            {"app.kubernetes.io/name": "vmsingle"},
            [("http", 8429)],
            upstream=live_demo.prometheus,
        )
    )
    config = str(token_kubeconfig(tmp_path, cluster))
    code, out = run_plugin(["--kubeconfig", config, "--discover", "--choose"], stdin="9\n2\n")
    assert code == 0, out
    assert "Several Prometheus services match:" in out
    assert "'9' is not one of 1-3" in out
    assert "Prometheus    vm/vmsingle-main:http (VictoriaMetrics single (operator))  [chosen]" in out
    # Next time, without a terminal to ask on, the remembered choice is used.
    code, out = run_plugin(["--kubeconfig", config, "--discover"])
    assert "vm/vmsingle-main:http (VictoriaMetrics single (operator))  [remembered]" in out
    # Another kube context has its own choices: there the best match wins, and says how to pick.
    other = str(token_kubeconfig(tmp_path, cluster, context="staging"))
    code, out = run_plugin(["--kubeconfig", other, "--discover"])
    assert "kps-kube-prometheus-stack-prometheus:http-web (kube-prometheus-stack)  [best match" in out


# -- RBAC ----------------------------------------------------------------------------------


def test_proxy_refused_by_rbac_is_reported_and_the_configs_url_is_the_fallback(
    tmp_path: Path, cluster: FakeApiServer, live_demo: DemoUrls, state_dir: Path
) -> None:
    cluster.forbid_proxy.add("tracing")
    config = str(token_kubeconfig(tmp_path, cluster))
    code, out = run_plugin(["--kubeconfig", config, "--discover"])
    assert code == 0
    assert 'cannot get resource "services/proxy"' in out
    assert "the service proxy is not allowed: give --jaeger URL or set it in the config" in out
    session = KubeSession(config)
    try:
        report = asyncio.run(discover(session.credentials, store=ChoiceStore(tmp_path / "c.json")))
    finally:
        session.close()
    fallback = ContextSettings(jaeger=EndpointSettings(url=live_demo.jaeger), pack="pf-v5")
    settings = report.context_settings(fallback)
    assert settings.jaeger is not None and settings.jaeger.url == live_demo.jaeger
    assert settings.prometheus is not None and "/proxy" in settings.prometheus.url
    assert settings.pack == "pf-v5"


def test_without_cluster_wide_list_rights_the_usual_namespaces_are_searched(
    tmp_path: Path, cluster: FakeApiServer, state_dir: Path
) -> None:
    cluster.forbid_cluster_list = True
    code, out = run_plugin(["--kubeconfig", str(token_kubeconfig(tmp_path, cluster)), "--discover"])
    assert code == 0, out
    assert "note: listing services in all namespaces is forbidden" in out
    assert "searched namespaces default, monitoring, observability, prometheus, loki," in out
    assert "/api/v1/services" in [r.path for r in cluster.received]
    assert out.count("check: ok") == 4, out


def test_namespace_flag_limits_the_search(tmp_path: Path, cluster: FakeApiServer, state_dir: Path) -> None:
    code, out = run_plugin(
        ["--kubeconfig", str(token_kubeconfig(tmp_path, cluster)), "-n", "loki", "--discover"]
    )
    assert "searched namespace loki" in out
    assert "Prometheus    not found" in out
    assert code == 1  # neither Prometheus nor Alertmanager: nothing to run the console on
    assert next(r.path for r in cluster.received) == "/api/v1/namespaces/loki/services"


# -- the console through the proxy ---------------------------------------------------------


def test_opsconsole_commands_run_on_the_discovered_context_and_flags_still_win(
    tmp_path: Path,
    cluster: FakeApiServer,
    live_demo: DemoUrls,
    state_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = str(token_kubeconfig(tmp_path, cluster))
    code, _ = run_plugin(["--kubeconfig", config, "check"])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = {line.split()[0]: line for line in out.splitlines() if line.split()}
    for kind in ("prometheus", "alertmanager", "loki", "jaeger"):
        assert " ok " in lines[kind] and "/proxy" in lines[kind], out
    code, _ = run_plugin(["--kubeconfig", config, "check", "--jaeger", live_demo.jaeger])
    out = capsys.readouterr().out
    assert code == 0
    assert live_demo.jaeger in out


async def test_loki_tail_websocket_goes_through_the_service_proxy(
    tmp_path: Path, cluster: FakeApiServer, state_dir: Path
) -> None:
    session = KubeSession(str(token_kubeconfig(tmp_path, cluster)))
    try:
        report = await discover(session.credentials, store=ChoiceStore(tmp_path / "c.json"), probe=False)
        endpoint = report.endpoints()["loki"]
        stream = LokiTailStream(
            LokiClient(endpoint),
            '{namespace="progressive-framework-prod"}',
            start_ns=int((time.time() - 2) * NS),
        )
        lines = 0
        try:
            async with asyncio.timeout(20):
                async for batch in stream:
                    lines += len(batch.entries)
                    if lines and stream.status.state == "live":
                        break
        finally:
            await stream.client.aclose()
    finally:
        session.close()
    assert stream.status.state == "live"  # the websocket, not the polling fallback
    upgrades = [r for r in cluster.received if r.websocket]
    assert upgrades and "/services/loki-gateway:http-metrics/proxy/loki/api/v1/tail" in upgrades[0].path
    assert {r.user for r in cluster.received} == {"ops"}


def test_krew_manifest_names_the_installed_plugin_executable() -> None:
    """The manifest's bin must be the console script kubectl finds on PATH."""
    import tomllib

    from ruamel.yaml import YAML

    root = Path(__file__).resolve().parent.parent
    manifest = YAML(typ="safe", pure=True).load((root / "docs/krew/opsconsole.yaml").read_text())
    scripts = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]
    assert manifest["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2"
    assert manifest["kind"] == "Plugin" and manifest["metadata"]["name"] == "opsconsole"
    spec = manifest["spec"]
    assert {"version", "shortDescription", "description", "platforms"} <= set(spec)
    assert len(spec["shortDescription"]) <= 50  # krew-index's limit
    for platform in spec["platforms"]:
        assert {"selector", "uri", "sha256", "bin"} <= set(platform)
        assert platform["bin"] in scripts
        assert scripts[platform["bin"]] == "opsconsole.entry_points:kubectl_opsconsole"
