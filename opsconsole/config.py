"""Settings: named contexts (one per cluster or environment), each naming its backends.

Precedence, highest first: command-line flags > ``OPSCONSOLE_*`` environment
variables > the config file. A user can start with no file at all: flags or
environment variables alone make an implicit context called ``default``.

Secrets never live in these models as plain strings: tokens and passwords are
``SecretStr`` (or the name of an env var / file holding them) and are only read
when a client is built (:func:`resolve_credentials`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from opsconsole.core.located_yaml import YamlSyntaxError, describe_validation_error, load_yaml
from opsconsole.core.silence_blast_radius import DEFAULT_BLAST_RADIUS

BackendKind = Literal["prometheus", "alertmanager", "loki", "jaeger"]
BACKEND_KINDS: tuple[BackendKind, ...] = ("prometheus", "alertmanager", "loki", "jaeger")
REDACTED = "<redacted>"


class ConfigError(ValueError):
    """The configuration cannot be used; the message names file, line and field."""


class _Strict(BaseModel):
    # defer_build: a model's validator is built when first used, not at import; a one-shot command
    # uses few of them. pydantic >= 2.14 builds it under a lock, so threads may validate at once.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, hide_input_in_errors=True)


class AuthSettings(_Strict):
    """How to authenticate to one endpoint. Prefer ``*_env`` / ``*_file`` over inline secrets."""

    bearer_token: SecretStr | None = Field(None, description="Inline bearer token (discouraged).")
    bearer_token_env: str | None = Field(None, description="Env var holding the bearer token.")
    bearer_token_file: Path | None = Field(None, description="File holding the bearer token.")
    username: str | None = Field(None, description="Basic-auth user name.")
    password: SecretStr | None = Field(None, description="Inline basic-auth password (discouraged).")
    password_env: str | None = Field(None, description="Env var holding the basic-auth password.")
    password_file: Path | None = Field(None, description="File holding the basic-auth password.")
    headers: dict[str, SecretStr] = Field(
        default_factory=dict, description="Extra request headers (values are treated as secrets)."
    )
    tenant_id: str | None = Field(None, description="Sent as X-Scope-OrgID (Mimir, Loki, Tempo, Cortex).")

    @model_validator(mode="after")
    def _one_way_to_log_in(self) -> AuthSettings:
        """Refuse what each client would have to settle its own way (requests, httpx and the
        websocket tail did, differently): a token and a password together, a password without a
        user, a header that a credential also sets."""
        token = any((self.bearer_token, self.bearer_token_env, self.bearer_token_file))
        password = any((self.password, self.password_env, self.password_file))
        if token and (self.username or password):
            raise ValueError("set a bearer token or a username and password, not both")
        if password and not self.username:
            raise ValueError("a password needs a username")
        names = [name.lower() for name in self.headers]
        if len(names) != len(set(names)):
            raise ValueError("headers names one header twice (header names ignore case)")
        if "authorization" in names and (token or self.username):
            raise ValueError("headers sets Authorization, which the token or username also sets: keep one")
        if "x-scope-orgid" in names and self.tenant_id:
            raise ValueError("headers sets X-Scope-OrgID, which tenant_id also sets: keep one")
        return self


class TlsSettings(_Strict):
    """TLS for one endpoint. Verification is on unless explicitly skipped."""

    ca_file: Path | None = Field(None, description="PEM bundle of CAs to trust instead of the system's.")
    cert_file: Path | None = Field(None, description="Client certificate (PEM).")
    key_file: Path | None = Field(None, description="Client key (PEM) when not inside cert_file.")
    insecure_skip_verify: bool = Field(False, description="Skip certificate checks (prints a warning).")


class EndpointSettings(_Strict):
    """One backend endpoint: URL (including any path prefix), timeout, auth and TLS."""

    url: str = Field(description="Base URL including any prefix, e.g. https://mimir/prometheus")
    name: str | None = Field(None, description="Display name; for Alertmanagers, the peer name.")
    cluster: str | None = Field(
        None, description="Alertmanager HA cluster this peer belongs to (peers are de-duplicated)."
    )
    timeout: float = Field(10.0, gt=0, le=600, description="Seconds before a request is abandoned.")
    required: bool = Field(True, description="Whether `opsconsole check` fails when this is down.")
    auth: AuthSettings = Field(default_factory=AuthSettings)
    tls: TlsSettings = Field(default_factory=TlsSettings)

    @model_validator(mode="before")
    @classmethod
    def _credentials_out_of_the_url(cls, data: Any) -> Any:
        """``https://user:password@host`` becomes ``https://host`` with that username and password
        under ``auth``: every client then logs in the same way (requests ignored them, httpx and the
        tail sent them), and the URL, shown in errors and on screen, holds no secret."""
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            return data
        parts = urlsplit(data["url"].strip())
        if parts.username is None and parts.password is None:
            return data
        auth = data.get("auth")
        given = auth.model_dump(exclude_defaults=True) if isinstance(auth, BaseModel) else dict(auth or {})
        if any(given.get(k) for k in ("bearer_token", "bearer_token_env", "bearer_token_file", "username")):
            # Said without the URL: it holds a password.
            raise ValueError("the URL holds a username and password and auth sets credentials too: keep one")
        host = parts.hostname or ""
        netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
        given["username"] = unquote(parts.username or "")
        if parts.password is not None:
            given["password"] = SecretStr(unquote(parts.password))
        return {**data, "url": urlunsplit(parts._replace(netloc=netloc)), "auth": given}

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        if parts.query or parts.fragment:
            # Each client joined the API's path to such a URL differently, and lost the query.
            raise ValueError(
                f"the URL has a query or fragment ({value!r}): give the base URL; "
                "a tenant goes in auth.tenant_id, other parameters in auth.headers"
            )
        # One path for every client: httpx and urllib3 remove "." and ".." segments, the live
        # tail's websocket library sends them as given (curl removes them too).
        path = without_dot_segments(parts.path)
        if path != parts.path:
            return urlunsplit(parts._replace(path=path)).rstrip("/")
        return value.strip().rstrip("/")


def without_dot_segments(path: str) -> str:
    """``path`` with its "." and ".." segments resolved (RFC 3986, section 5.2.4)."""
    segments = path.split("/")
    if not any(segment in {".", ".."} for segment in segments):
        return path
    out: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    if segments[-1] in {".", ".."}:
        out.append("")  # "/a/b/.." is the folder "/a/", not the file "/a"
    return "/" + "/".join(out)


class ContextSettings(_Strict):
    """One cluster or environment: its backends and how the console behaves there."""

    prometheus: EndpointSettings | None = None
    alertmanagers: list[EndpointSettings] = Field(default_factory=list)
    loki: EndpointSettings | None = None
    jaeger: EndpointSettings | None = None
    read_only: bool = Field(False, description="Refuse every mutating request in this context.")
    pack: str | None = Field(None, description="Query pack shown by default in this context.")
    variables: dict[str, str] = Field(default_factory=dict, description="Pack variable overrides.")
    author: str | None = Field(None, description="Author recorded on silences and acks.")


class ConsoleConfig(_Strict):
    """The whole config file."""

    current_context: str | None = None
    contexts: dict[str, ContextSettings] = Field(default_factory=dict)
    theme: str = "dark"
    packs_dir: Path | None = None
    refresh_interval: float = Field(5.0, gt=0)
    ack_duration: str = "15m"
    ack_until_resolved: bool = Field(
        False, description="Acks (the console's `a`, `opsconsole ack`) last until the alert resolves."
    )
    ack_cap: str = Field(
        "24h", description="Longest an until-resolved ack lasts if its alert never resolves."
    )
    ack_resolve_grace: str = Field(
        "5m", description="How long an alert must stay resolved before its until-resolved ack is expired."
    )
    silence_blast_radius: float = Field(
        DEFAULT_BLAST_RADIUS,
        gt=0,
        le=1,
        description="Share of all current alerts of a cluster a silence or ack may mute before it needs "
        "an explicit confirmation (typed in the console, --force on the command line).",
    )
    author: str | None = None
    log_buffer: int = Field(50_000, ge=100, le=5_000_000, description="Log lines kept by the tail.")
    symbols: Literal["auto", "unicode", "ascii"] = Field(
        "auto",
        description="Marks like the health pane's alert flag: auto (ASCII when the locale is not UTF-8), "
        "unicode or ascii; OPSCONSOLE_SYMBOLS overrides.",
    )


@dataclass(frozen=True)
class Overrides:
    """What the command line said; ``None`` means "not given"."""

    context: str | None = None
    prometheus: str | None = None
    alertmanagers: Sequence[str] = ()
    loki: str | None = None
    jaeger: str | None = None
    read_only: bool = False


@dataclass(frozen=True)
class ResolvedContext:
    """The context in force after flags, environment and file were merged."""

    name: str
    settings: ContextSettings
    config: ConsoleConfig
    config_path: Path | None
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def read_only(self) -> bool:
        """Whether mutating requests are refused."""
        return self.settings.read_only

    def endpoints(self) -> list[tuple[BackendKind, EndpointSettings]]:
        """Every configured endpoint, in display order."""
        out: list[tuple[BackendKind, EndpointSettings]] = []
        if self.settings.prometheus:
            out.append(("prometheus", self.settings.prometheus))
        out.extend(("alertmanager", am) for am in self.settings.alertmanagers)
        if self.settings.loki:
            out.append(("loki", self.settings.loki))
        if self.settings.jaeger:
            out.append(("jaeger", self.settings.jaeger))
        return out


def default_config_path() -> Path:
    """``$XDG_CONFIG_HOME/opsconsole/config.yaml`` (platformdirs' user config dir)."""
    return user_config_dir() / "config.yaml"


def user_config_dir() -> Path:
    """opsconsole's folder in the XDG config dir (platformdirs)."""
    return Path(platformdirs.user_config_dir("opsconsole", appauthor=False))


def default_packs_dir() -> Path:
    """Where users drop their own query packs."""
    return user_config_dir() / "packs"


def default_themes_dir() -> Path:
    """Where users drop their own themes."""
    return user_config_dir() / "themes"


def parse_config(text: str, source: str) -> ConsoleConfig:
    """Validate config text; errors name ``source``, line and field.

    Read with the fast reader (:mod:`opsconsole.core.plain_yaml`) first: a config that validates
    needs no lines, and ruamel's import and parse cost a start some 20 to 50 ms. A config that
    does not validate, or that the fast reader leaves to ruamel, is parsed again by ruamel,
    whose lines (or syntax error) the message gives. Not cached (:mod:`opsconsole.yaml_cache`):
    a config can hold passwords and tokens, which must not be copied anywhere else on disk.
    """
    # Imported here: a start without a config file needs no YAML reader at all.
    from opsconsole.core.plain_yaml import NotPlainYaml, load_plain

    with contextlib.suppress(NotPlainYaml, ValidationError):
        fast = load_plain(text)
        if fast is None or isinstance(fast, dict):
            return ConsoleConfig.model_validate(fast or {})
    try:
        doc = load_yaml(text, source)
    except YamlSyntaxError as exc:
        raise ConfigError(str(exc)) from None
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return ConsoleConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            "\n".join(describe_validation_error(exc, doc, model=ConsoleConfig, docs="the README's Contexts"))
        ) from None


def load_config(
    path: Path | None, environ: Mapping[str, str] | None = None
) -> tuple[ConsoleConfig, Path | None]:
    """Read the config file: ``path`` if given, else ``$OPSCONSOLE_CONFIG``, else the XDG default.

    A missing default file is an empty config; a missing explicit file is an error.
    """
    env = os.environ if environ is None else environ
    explicit = path is not None or bool(env.get("OPSCONSOLE_CONFIG"))
    chosen = path or (
        Path(env["OPSCONSOLE_CONFIG"]) if env.get("OPSCONSOLE_CONFIG") else default_config_path()
    )
    chosen = chosen.expanduser()
    if not chosen.exists():
        if explicit:
            raise ConfigError(f"{chosen}: config file not found")
        return ConsoleConfig(), None
    try:
        text = chosen.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{chosen}: cannot read config file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:  # said without the bytes: the file may hold secrets
        raise ConfigError(
            f"{chosen}: not UTF-8 text (at byte offset {exc.start}): save the config file as UTF-8"
        ) from None
    return parse_config(text, str(chosen)), chosen


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def env_read_only(environ: Mapping[str, str] | None = None) -> bool:
    """``OPSCONSOLE_READ_ONLY``: 1/true/yes/on or 0/false/no/off (or unset).

    Anything else is an error, not "off": a typo in a safety switch must not silently allow writes.
    """
    env = os.environ if environ is None else environ
    value = env.get("OPSCONSOLE_READ_ONLY", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(
        f"OPSCONSOLE_READ_ONLY={env['OPSCONSOLE_READ_ONLY']!r}: "
        "expected 1, true, yes, on (or 0, false, no, off)"
    )


def _endpoint(url: str, what: str) -> EndpointSettings:
    try:
        return EndpointSettings(url=url)
    except ValidationError as exc:
        raise ConfigError(f"{what}: {exc.errors(include_url=False)[0]['msg']}") from None


def resolve_context(
    config: ConsoleConfig,
    overrides: Overrides,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> ResolvedContext:
    """Merge flags > ``OPSCONSOLE_*`` env > file into the context in force.

    A URL given by flag or env replaces the file's endpoint entirely, auth included:
    credentials configured for one host are never sent to another.
    """
    env = os.environ if environ is None else environ
    name = overrides.context or env.get("OPSCONSOLE_CONTEXT") or config.current_context
    if name is None and len(config.contexts) == 1:
        name = next(iter(config.contexts))
    if name is not None and name not in config.contexts:
        known = ", ".join(sorted(config.contexts)) or "none configured"
        raise ConfigError(f"unknown context {name!r} (known: {known})")
    base = config.contexts.get(name or "", ContextSettings())
    name = name or "default"
    sources: dict[str, str] = {
        kind: "config" for kind, _ in ResolvedContext(name, base, config, config_path).endpoints()
    }
    update: dict[str, Any] = {}

    def pick(flag: str | None, env_name: str, kind: str) -> str | None:
        if flag:
            sources[kind] = "flag"
            return flag
        if env.get(env_name):
            sources[kind] = f"env {env_name}"
            return env[env_name]
        return None

    if url := pick(overrides.prometheus, "OPSCONSOLE_PROMETHEUS_URL", "prometheus"):
        update["prometheus"] = _endpoint(url, "prometheus URL")
    am_urls: list[str] = list(overrides.alertmanagers)
    if am_urls:
        sources["alertmanager"] = "flag"
    elif env.get("OPSCONSOLE_ALERTMANAGER_URL"):
        am_urls = [u.strip() for u in env["OPSCONSOLE_ALERTMANAGER_URL"].split(",") if u.strip()]
        sources["alertmanager"] = "env OPSCONSOLE_ALERTMANAGER_URL"
    if am_urls:
        update["alertmanagers"] = [_endpoint(u, "alertmanager URL") for u in am_urls]
    if url := pick(overrides.loki, "OPSCONSOLE_LOKI_URL", "loki"):
        update["loki"] = _endpoint(url, "loki URL")
    if url := pick(overrides.jaeger, "OPSCONSOLE_JAEGER_URL", "jaeger"):
        update["jaeger"] = _endpoint(url, "jaeger URL")
    # read_only can only be switched on by a higher layer, never off.
    if overrides.read_only or env_read_only(env) or base.read_only:
        update["read_only"] = True
    settings = base.model_copy(update=update)
    return ResolvedContext(name, settings, config, config_path, sources)


@dataclass(frozen=True)
class Credentials:
    """Secrets resolved for one endpoint at client-build time. Never print this."""

    headers: dict[str, str]
    basic: tuple[str, str] | None

    def __repr__(self) -> str:
        return f"Credentials(headers=[{', '.join(self.headers)}], basic={'set' if self.basic else 'unset'})"


def _secret_from(
    inline: SecretStr | None, env_name: str | None, file: Path | None, what: str, environ: Mapping[str, str]
) -> str | None:
    if inline is not None:
        return inline.get_secret_value()
    if env_name:
        if env_name not in environ:
            raise ConfigError(f"{what}: environment variable {env_name} is not set")
        return environ[env_name].strip()
    if file:
        try:
            return file.expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{what}: cannot read {file}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:  # said without the bytes: they may be the secret's
            raise ConfigError(f"{what}: cannot read {file}: not UTF-8 text") from None
    return None


def resolve_credentials(auth: AuthSettings, environ: Mapping[str, str] | None = None) -> Credentials:
    """Read tokens and passwords from where the config says they are."""
    env = os.environ if environ is None else environ
    headers = {k: v.get_secret_value() for k, v in auth.headers.items()}
    if auth.tenant_id:
        headers["X-Scope-OrgID"] = auth.tenant_id
    token = _secret_from(
        auth.bearer_token, auth.bearer_token_env, auth.bearer_token_file, "bearer token", env
    )
    if token:
        headers["Authorization"] = f"Bearer {token}"
    basic = None
    if auth.username:
        password = _secret_from(auth.password, auth.password_env, auth.password_file, "password", env) or ""
        basic = (auth.username, password)
    return Credentials(headers, basic)


def token_file_in_force(auth: AuthSettings) -> Path | None:
    """The token file that supplies the bearer token, when it is the source in force.

    Such a token is re-read on change by the transports (rotated tokens), not fixed at start.
    """
    if auth.bearer_token is None and not auth.bearer_token_env and auth.bearer_token_file:
        return auth.bearer_token_file
    return None


def redact_url(url: str) -> str:
    """Hide a password embedded in a URL (``https://user:pw@host``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{REDACTED}@{host}"))


def redacted_dump(model: BaseModel, *, prune: bool = True) -> Any:
    """The model as plain data with every secret replaced by ``<redacted>``.

    With ``prune``, unset (None) fields and empty mappings are left out so the
    output shows what was actually configured.
    """

    def keep(value: Any) -> bool:
        return not prune or (value is not None and value != {})

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, SecretStr):
            return REDACTED
        if isinstance(value, BaseModel):
            fields = {k: walk(getattr(value, k), k) for k in type(value).model_fields}
            return {k: v for k, v in fields.items() if keep(v)}
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items() if keep(v)}
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        if isinstance(value, Path):
            return str(value)
        if key == "url" and isinstance(value, str):
            return redact_url(value)
        return value

    return walk(model)


def save_setting(path: Path, key: str, value: str) -> None:
    """Set one top-level key in the config file, keeping its comments and layout."""
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip mode preserves the user's comments and ordering
    data = yaml.load(path.read_text(encoding="utf-8")) if path.exists() else None
    if data is None:
        data = {}
    data[key] = value
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
