"""The user's kubeconfig, read by the official Kubernetes Python client.

We use ``kubernetes.config`` only to resolve *who we are and where the API server is*: it
implements every kubeconfig rule kubectl follows (``KUBECONFIG`` with several files merged,
``--context``, inline or file CA and client certificates, tokens and token files, exec
credential plugins returning a token or a client certificate, ``insecure-skip-tls-verify``).
The requests themselves go through opsconsole's own transports, so read-only mode, retries
and error diagnosis are the same as for every other backend.

Tokens land in a private (0600) file that the transports re-read when it changes; a daemon
thread re-runs an exec plugin before its credential expires, so an EKS/GKE token that lives
fifteen minutes does not end a long on-call session in 401s.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsconsole.config import AuthSettings, ConfigError, EndpointSettings, TlsSettings

REFRESH_EVERY_SECONDS = 30.0


class KubeConfigError(ConfigError):
    """The kubeconfig cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class KubeCredentials:
    """Where the API server is and how to authenticate to it. Never print ``token_file``'s content."""

    context: str
    server: str
    namespace: str
    namespace_from_flag: bool
    token_file: Path | None
    ca_file: Path | None
    cert_file: Path | None
    key_file: Path | None
    insecure: bool

    def endpoint(self, url: str | None = None, *, timeout: float = 10.0) -> EndpointSettings:
        """Endpoint settings for ``url`` (default: the API server) with these credentials."""
        return EndpointSettings(
            url=url or self.server,
            timeout=timeout,
            auth=AuthSettings(bearer_token_file=self.token_file),
            tls=TlsSettings(
                ca_file=self.ca_file,
                cert_file=self.cert_file,
                key_file=self.key_file,
                insecure_skip_verify=self.insecure,
            ),
        )


class _LogCapture(logging.Handler):
    """The client reports exec-plugin failures with ``logging.error``; we want them as errors."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_PRIVATE_DIR: Path | None = None


def _private_dir() -> Path:
    """One 0700 directory per process for tokens and the certificates the client writes out.

    The client caches the files it writes by content for the whole process, so they must outlive
    one session; the directory goes when the process exits.
    """
    global _PRIVATE_DIR
    if _PRIVATE_DIR is None:
        _PRIVATE_DIR = Path(tempfile.mkdtemp(prefix="opsconsole-kube-"))
        atexit.register(shutil.rmtree, _PRIVATE_DIR, True)
    return _PRIVATE_DIR


def _kubeconfig_path(kubeconfig: str | None, environ: dict[str, str] | os._Environ[str]) -> str:
    if kubeconfig:
        return kubeconfig
    # Read KUBECONFIG now, not when the client module was imported.
    return environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")


def kubectl_current_context(paths: str) -> str | None:
    """The current context as kubectl picks it from a ``KUBECONFIG`` list: the first file that sets it.

    The Python client lets the last file win, which would connect to a different cluster than
    ``kubectl`` does with the same environment.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe", pure=True)
    for path in paths.split(os.pathsep):
        if not path:
            continue
        try:
            with open(os.path.expanduser(path), encoding="utf-8") as handle:
                data = yaml.load(handle)
        except (OSError, YAMLError):
            continue
        if isinstance(data, dict) and data.get("current-context"):
            return str(data["current-context"])
    return None


class KubeSession:
    """Loaded credentials for one kube context, kept fresh while the console runs."""

    def __init__(
        self,
        kubeconfig: str | None = None,
        context: str | None = None,
        namespace: str | None = None,
        *,
        workdir: Path | None = None,
    ) -> None:
        from kubernetes import client as kube_client
        from kubernetes import config as kube_config

        self._dir = workdir or _private_dir()
        path = _kubeconfig_path(kubeconfig, os.environ)
        self._configuration: Any = kube_client.Configuration()
        capture = _LogCapture()
        root = logging.getLogger()
        root.addHandler(capture)
        try:
            contexts, current = kube_config.list_kube_config_contexts(path)  # type: ignore[no-untyped-call]
            first_current = kubectl_current_context(path)
            context_name = str(context or first_current or (current or {}).get("name") or "")
            chosen = next((c for c in contexts if c.get("name") == context_name), None)
            if chosen is None:
                known = ", ".join(sorted(str(c.get("name")) for c in contexts)) or "none"
                raise KubeConfigError(f"kubeconfig {path}: no context {context_name!r} (known: {known})")
            context_namespace = (chosen.get("context") or {}).get("namespace")
            kube_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=path,
                context=context_name,
                client_configuration=self._configuration,
                persist_config=False,
                temp_file_path=str(self._dir),
            )
        except KubeConfigError:
            raise
        except kube_config.ConfigException as exc:
            raise KubeConfigError(f"kubeconfig {path}: {exc}") from None
        except OSError as exc:
            raise KubeConfigError(f"kubeconfig {path}: {exc.strerror or exc}") from None
        except (TypeError, AttributeError, KeyError, ValueError):
            # The library reads a YAML file that is no kubeconfig (a list or a text at the top, a
            # context that is not a mapping) with these, not its ConfigException; its message
            # ("'str' object does not support item assignment") would not tell the user anything.
            raise KubeConfigError(
                f"kubeconfig {path}: not a kubeconfig (expected a mapping with clusters, contexts and users)"
            ) from None
        finally:
            root.removeHandler(capture)
        if capture.messages:
            # An exec plugin that failed leaves no credentials; say why instead of a later 401.
            raise KubeConfigError(f"kube context {context_name}: credentials: {capture.messages[-1]}")
        config = self._configuration
        self._token_path = Path(tempfile.mkstemp(prefix="token-", dir=self._dir)[1])
        token = self._current_token()
        if token is None and not config.cert_file:
            raise KubeConfigError(
                f"kube context {context_name}: no token, client certificate or exec plugin to log in with"
            )
        if token is not None:
            self._write_token(token)
        self.credentials = KubeCredentials(
            context=context_name,
            server=str(config.host).rstrip("/"),
            namespace=namespace or context_namespace or "default",
            namespace_from_flag=namespace is not None,
            token_file=self._token_path if token is not None else None,
            ca_file=Path(config.ssl_ca_cert) if config.ssl_ca_cert else None,
            cert_file=Path(config.cert_file) if config.cert_file else None,
            key_file=Path(config.key_file) if config.key_file else None,
            insecure=not config.verify_ssl,
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _current_token(self) -> str | None:
        # get_api_key_with_prefix runs the client's refresh hook: an exec plugin whose
        # credential is about to expire is run again here.
        value = self._configuration.get_api_key_with_prefix("BearerToken")
        if not value:
            return None
        value = str(value)
        return value.removeprefix("Bearer ").strip() if value.startswith("Bearer ") else value

    def _write_token(self, token: str) -> None:
        temporary = self._token_path.with_suffix(".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(token)
        os.replace(temporary, self._token_path)  # readers see the old or the new token, never half

    def refresh(self) -> bool:
        """Re-run an expiring exec plugin; True when the token changed."""
        if self.credentials.token_file is None:
            return False
        try:
            token = self._current_token()
        except Exception:
            return False
        if token is None:
            return False
        try:
            changed = self._token_path.read_text(encoding="utf-8") != token
        except OSError:
            changed = True
        if changed:
            self._write_token(token)
        return changed

    def start_refreshing(self, interval: float = REFRESH_EVERY_SECONDS) -> None:
        """Keep the token fresh in the background until :meth:`close`."""
        if self._thread is not None or self.credentials.token_file is None:
            return

        def loop() -> None:
            while not self._stop.wait(interval):
                self.refresh()

        self._thread = threading.Thread(target=loop, name="kube-credentials", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop refreshing and delete the token file."""
        self._stop.set()
        self._token_path.unlink(missing_ok=True)
