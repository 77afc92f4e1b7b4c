"""Keep secrets out of a recording: the context's own tokens and passwords, URLs' userinfo, auth
headers and token-like query parameters are replaced before anything is written.

A recording is meant to be copied into a postmortem; it must be safe to paste anywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from opsconsole.config import ConfigError, EndpointSettings, ResolvedContext, resolve_credentials

REDACTED = "[redacted]"

# scheme://user:password@host or scheme://token@host: the userinfo goes, the host stays.
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@\"']+@")
# Authorization: Bearer xyz, "authorization": "Basic xyz", X-Api-Key: xyz ...
_AUTH_HEADER = re.compile(
    r"(?P<name>(?:proxy-)?authorization|x-api-key|api-key|x-auth-token|cookie|set-cookie)"
    r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)(?P<value>(?:(?:bearer|basic|token)\s+)?[^\s\"',;}]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"\b(?P<kind>bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
# Text without any of these cannot hold a secret the patterns below find (the common case: skip them).
_MAYBE = re.compile(r"@|auth|bearer|basic|token|cookie|key|pass|pwd|secret", re.IGNORECASE)
# ?token=..., &password=..., api_key=...
_SECRET_PARAM = re.compile(
    r"(?P<name>\b(?:access_token|id_token|token|password|passwd|pwd|secret|api_key|apikey|auth)"
    r")=(?P<value>[^&\s\"']+)",
    re.IGNORECASE,
)


def _endpoint_secrets(endpoint: EndpointSettings, environ: Mapping[str, str]) -> set[str]:
    found: set[str] = set()
    try:
        credentials = resolve_credentials(endpoint.auth, environ)
    except ConfigError:
        credentials = None
    if credentials is not None:
        for name, value in credentials.headers.items():
            if name.lower() != "x-scope-orgid":  # a tenant id is shown on screen, not a secret
                found.add(value)
                found.add(value.split(" ", 1)[-1])  # the token without "Bearer "
        if credentials.basic:
            found.add(credentials.basic[1])
    password = re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://([^/@]+)@", endpoint.url)
    if password:
        found.update(password.group(1).split(":"))
    return {s for s in found if len(s) >= 4}  # a 1-3 character "secret" would redact half the text


@dataclass
class Redactor:
    """Replaces known secrets and secret-shaped text in every string of a JSON-like value."""

    known: set[str] = field(default_factory=set)
    # Label names and values repeat at every refresh: each distinct string is redacted once.
    _done: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def for_context(
        cls, context: ResolvedContext | None, environ: Mapping[str, str] | None = None
    ) -> Redactor:
        """The secrets of every endpoint of ``context`` (tokens, passwords, header values, userinfo)."""
        env = os.environ if environ is None else environ
        known: set[str] = set()
        if context is not None:
            for _kind, endpoint in context.endpoints():
                known |= _endpoint_secrets(endpoint, env)
        return cls(known)

    def text(self, value: str) -> str:
        """``value`` with every secret replaced by ``[redacted]``."""
        done = self._done.get(value)
        if done is None:
            done = self._redact(value)
            if len(self._done) > 100_000:
                self._done.clear()
            self._done[value] = done
        return done

    def _redact(self, value: str) -> str:
        for secret in sorted(self.known, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, REDACTED)
        if not _MAYBE.search(value):
            return value
        value = _USERINFO.sub(lambda m: m.group("scheme"), value)
        value = _AUTH_HEADER.sub(lambda m: f"{m.group('name')}{m.group('sep')}{REDACTED}", value)
        value = _BEARER.sub(lambda m: f"{m.group('kind')} {REDACTED}", value)
        return _SECRET_PARAM.sub(lambda m: f"{m.group('name')}={REDACTED}", value)

    def value(self, value: Any) -> Any:
        """A JSON-like value (dicts, lists, strings, numbers) with every string redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def values(self, items: Iterable[Any]) -> list[Any]:
        """Each of ``items`` redacted."""
        return [self.value(item) for item in items]
