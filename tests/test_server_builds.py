"""How the test command builds the Go test servers: cache, stamps, placeholders, failures, toolchain.

The real builds take minutes and run in the test command itself (their results are what the
real-server tests start); here a fake ``go`` on PATH records what it was asked to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from opsconsole import server_builds
from opsconsole.server_builds import BuildError, GoServer
from tests.support.loopback_http import Received, Reply, scripted_server

SERVER = GoServer(
    name="fakeserver",
    version="1.2.3",
    module="example.com/fakeserver",
    module_version="v0.102.3",
    commands=("./cmd/fakeserver", "./cmd/faketool"),
    ldflags=("-X example.com/version.Version=1.2.3",),
    placeholders=("ui/app/dist/index.html",),
)

FAKE_GO = """#!/usr/bin/env python3
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["FAKE_GO_CALLS"], "a") as calls:
    calls.write(json.dumps({"args": args, "cwd": os.getcwd(), "env": {
        k: os.environ.get(k) for k in ("GOTOOLCHAIN", "CGO_ENABLED", "GOFLAGS", "GOWORK")}}) + "\\n")
if args[:1] == ["version"]:
    print("go version " + os.environ.get("FAKE_GO_VERSION", "go1.26.8") + " linux/amd64")
elif args[:2] == ["mod", "download"]:
    print(json.dumps({"Path": "example.com/fakeserver", "Dir": os.environ["FAKE_MODULE_DIR"]}))
elif args[:1] == ["build"]:
    if os.environ.get("FAKE_GO_FAIL"):
        print("cmd/fakeserver/main.go:3:2: undefined: missingThing", file=sys.stderr)
        sys.exit(1)
    out = Path(args[args.index("-o") + 1])
    for package in [a for a in args if a.startswith("./cmd/")]:
        assert Path(package, "main.go").is_file(), package  # built inside the copied module
        (out / Path(package).name).write_text("binary")
    assert Path("ui/app/dist/index.html").is_file()  # the placeholder go:embed needs
"""


@pytest.fixture
def fake_go(tmp_path: Path) -> dict[str, str]:
    """An environment whose ``go`` is the fake above, with a module source like the module cache's."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    go = bin_dir / "go"
    go.write_text(FAKE_GO)
    go.chmod(0o755)
    module = tmp_path / "modcache" / "example.com" / "fakeserver@v0.102.3"
    for command in ("fakeserver", "faketool"):
        (module / "cmd" / command).mkdir(parents=True)
        (module / "cmd" / command / "main.go").write_text("package main\n")
    (module / "ui").mkdir()
    for path in [*module.rglob("*"), module]:  # read-only, as the module cache keeps it
        path.chmod(path.stat().st_mode & ~0o222)
    return {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin",
        "HOME": str(tmp_path),
        "FAKE_GO_CALLS": str(tmp_path / "calls.jsonl"),
        "FAKE_MODULE_DIR": str(module),
        server_builds.CACHE_ENV: str(tmp_path / "cache"),
    }


def _calls(env: dict[str, str]) -> list[dict[str, object]]:
    path = Path(env["FAKE_GO_CALLS"])
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("go version go1.26.8 linux/amd64", (1, 26, 8)),
        ("go version go1.26 linux/amd64", (1, 26, 0)),
        ("go version go1.26rc1 linux/amd64", (1, 26, 0)),
        ("go version devel go1.27-abcdef linux/amd64", (999, 0, 0)),
        ("not go at all", None),
    ],
)
def test_go_versions_are_read_from_go_version(text: str, version: tuple[int, int, int] | None) -> None:
    assert server_builds.parse_go_version(text) == version


def test_module_zip_hash_is_the_one_go_records(tmp_path: Path) -> None:
    """The h1 that Go 1.26.8's ``go mod download`` printed for exactly this module zip."""
    archive = tmp_path / "m.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("example.com/m@v1.0.0/go.mod", "module example.com/m\n")
        zipped.writestr("example.com/m@v1.0.0/m.go", "package m\n\nconst Answer = 42\n")
    assert server_builds.go_dirhash(archive) == "h1:Vg3mT0TO0jtl8somLZ1HM0h680zze1dmv8viOSKDk/g="


def test_a_missing_build_names_the_command_that_builds_it(tmp_path: Path) -> None:
    env = {server_builds.CACHE_ENV: str(tmp_path)}
    with pytest.raises(BuildError) as err:
        server_builds.binary_path(SERVER, "fakeserver", env)
    assert "python3 -m opsconsole.devenv servers" in str(err.value)
    assert str(tmp_path / "fakeserver-1.2.3") in str(err.value)


def test_builds_once_into_the_cache_and_says_so(
    fake_go: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    server_builds.ensure_built([SERVER], fake_go)
    out = capsys.readouterr().out
    assert "building fakeserver 1.2.3 from example.com/fakeserver@v0.102.3 (fakeserver, faketool)" in out
    assert "built fakeserver 1.2.3 in " in out
    where = Path(fake_go[server_builds.CACHE_ENV]) / "fakeserver-1.2.3"
    assert server_builds.binary_path(SERVER, "faketool", fake_go) == where / "bin" / "faketool"
    stamp = json.loads((where / server_builds.STAMP).read_text())
    assert stamp["module"] == "example.com/fakeserver@v0.102.3"
    assert stamp["go"] == "go version go1.26.8 linux/amd64"
    build = next(c for c in _calls(fake_go) if c["args"][0] == "build")  # type: ignore[index]
    args = build["args"]
    assert isinstance(args, list)
    assert "-X example.com/version.Version=1.2.3" in args[args.index("-ldflags") + 1]
    # The user's Go settings cannot change what is built, nor pull in another toolchain.
    assert build["env"] == {
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
        "GOFLAGS": "-mod=readonly -buildvcs=false",
        "GOWORK": "off",
    }
    assert not list(where.parent.glob(".fakeserver-1.2.3-*"))  # the staging directory is gone

    calls_before = len(_calls(fake_go))
    server_builds.ensure_built([SERVER], fake_go)
    assert "test servers cached in" in capsys.readouterr().out
    assert len(_calls(fake_go)) == calls_before  # nothing built, go not even asked its version


def test_an_unstamped_directory_is_rebuilt(fake_go: dict[str, str]) -> None:
    """A build that died half-way leaves binaries without a stamp: that is not a cached build."""
    where = Path(fake_go[server_builds.CACHE_ENV]) / "fakeserver-1.2.3" / "bin"
    where.mkdir(parents=True)
    for name in SERVER.binaries:
        (where / name).write_text("half")
    assert not server_builds.is_built(SERVER, fake_go)
    server_builds.ensure_built([SERVER], fake_go)
    assert (where / "fakeserver").read_text() == "binary"


def test_a_failed_build_fails_with_gos_words(
    fake_go: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**fake_go, "FAKE_GO_FAIL": "1"}
    with pytest.raises(BuildError) as err:
        server_builds.ensure_built([SERVER], env)
    assert "building fakeserver 1.2.3 failed (exit 1)" in str(err.value)
    assert "undefined: missingThing" in str(err.value)
    assert not server_builds.is_built(SERVER, env)
    monkeypatch.setattr(server_builds, "SERVERS", (SERVER,))
    assert server_builds.main([], env) == 1
    assert "FAILED to build the test servers" in capsys.readouterr().err


def _toolchain_zip(path: Path, platform: str) -> None:
    prefix = f"golang.org/toolchain@v0.0.1-go{server_builds.TOOLCHAIN}.{platform}/"
    with zipfile.ZipFile(path, "w") as zipped:
        info = zipfile.ZipInfo(prefix + "bin/go")
        info.external_attr = (stat.S_IFREG | 0o755) << 16
        zipped.writestr(info, FAKE_GO)
        zipped.writestr(prefix + "VERSION", f"go{server_builds.TOOLCHAIN}\n")


def test_too_old_a_go_fetches_the_pinned_toolchain_from_the_proxy(
    fake_go: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = server_builds._platform()
    archive = tmp_path / "toolchain.zip"
    _toolchain_zip(archive, platform)
    monkeypatch.setitem(server_builds.TOOLCHAIN_SUMS, platform, server_builds.go_dirhash(archive))

    def proxy(request: Received) -> Reply:
        assert request.path == f"/golang.org/toolchain/@v/v0.0.1-go{server_builds.TOOLCHAIN}.{platform}.zip"
        return Reply(200, archive.read_bytes(), {"Content-Type": "application/zip"})

    with scripted_server(proxy) as server:
        env = {**fake_go, "FAKE_GO_VERSION": "go1.21.0", "GOPROXY": f"{server.url},direct"}
        go = server_builds.find_go(env)
        assert go == Path(env[server_builds.CACHE_ENV]) / f"go-{server_builds.TOOLCHAIN}" / "bin" / "go"
        assert os.access(go, os.X_OK)
        assert server_builds.find_go(env) == go  # fetched once
        assert len(server.received) == 1


def test_a_toolchain_with_the_wrong_hash_is_refused(
    fake_go: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = server_builds._platform()
    archive = tmp_path / "toolchain.zip"
    _toolchain_zip(archive, platform)
    digest = hashlib.sha256(b"something else").digest()
    monkeypatch.setitem(server_builds.TOOLCHAIN_SUMS, platform, "h1:" + digest.hex())
    with scripted_server(lambda _: Reply(200, archive.read_bytes())) as server:
        env = {**fake_go, "PATH": "/nonexistent", "GOPROXY": server.url}
        with pytest.raises(BuildError) as err:
            server_builds.find_go(env)
    assert "refusing it" in str(err.value)
    assert not (Path(env[server_builds.CACHE_ENV]) / f"go-{server_builds.TOOLCHAIN}").exists()
