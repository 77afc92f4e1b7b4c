"""A bearer token kept in a file and re-read when the file changes.

Kubernetes rotates projected service-account tokens in place, and ``kubectl opsconsole``
keeps exec-plugin credentials (EKS, GKE, AKS: tokens that live minutes) fresh in a private
file. Reading the token once at start would turn a long on-call session into 401s, so
``bearer_token_file`` is checked on every request, as Prometheus does for its own
``bearer_token_file``; a stat per request is cheap and the read happens only on change.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Generator
from pathlib import Path

import httpx
import requests
import requests.auth


class TokenFile:
    """The ``Authorization`` value for a token file, cached until the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser()
        self._stamp: tuple[int, int] | None = None
        self._value: str | None = None
        self._problem = ""
        self._lock = threading.Lock()

    def authorization(self) -> str | None:
        """``Bearer <token>``, or the last good value when the file is briefly unreadable."""
        try:
            stat = os.stat(self.path)
        except OSError as exc:
            self._problem = f"cannot be read ({exc.strerror or exc})"
            return self._value
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                try:
                    token = self.path.read_text(encoding="utf-8").strip()
                except OSError as exc:
                    self._problem = f"cannot be read ({exc.strerror or exc})"
                    return self._value
                except UnicodeDecodeError:  # said without the bytes: they may be the token's
                    self._problem = "cannot be read (not UTF-8 text)"
                    return self._value
                self._stamp = stamp
                self._value = f"Bearer {token}" if token else None
            self._problem = "" if self._value else "is empty"
            return self._value

    def problem(self) -> str:
        """Why the file gives no token now ("is empty", "cannot be read (...)"), or "" when it gives
        one. Read afresh: a 401 is explained by the file as it is when the answer comes."""
        self.authorization()
        return self._problem


class TokenFileHttpxAuth(httpx.Auth):
    """httpx auth flow that sends the file's current token."""

    def __init__(self, token: TokenFile) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Set the header from the file as it is now."""
        value = self.token.authorization()
        if value:
            request.headers["Authorization"] = value
        yield request


class TokenFileRequestsAuth(requests.auth.AuthBase):
    """requests auth (the Prometheus client) that sends the file's current token."""

    def __init__(self, token: TokenFile) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        value = self.token.authorization()
        if value:
            request.headers["Authorization"] = value
        return request
