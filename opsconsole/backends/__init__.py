"""Async clients for Prometheus, Alertmanager, Loki and Jaeger.

Each client takes an :class:`~opsconsole.config.EndpointSettings`, applies the
shared transport policy (:mod:`opsconsole.backends.transport`), returns pydantic
models, and raises only :class:`~opsconsole.backends.errors.BackendError`.
Each has ``async probe() -> BackendInfo`` for ``opsconsole check``.
No textual here.
"""

from __future__ import annotations

import sys
import types


def _without_httpx_command_line() -> None:
    """Keep ``import httpx`` from importing httpx's own command-line client.

    httpx imports its CLI (``httpx._main``: rich, click, pygments) whenever those are installed,
    and Textual installs them: about a third of what importing httpx costs, paid by every
    one-shot command (``snapshot``, ``silence list``) that never draws with rich. opsconsole
    never runs httpx's CLI, so a stand-in module takes its place before httpx is first imported.
    """
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    stand_in = types.ModuleType("httpx._main", "opsconsole does not run httpx's command-line client")

    def main() -> None:
        raise SystemExit("httpx's command-line client is not available inside opsconsole")

    stand_in.main = main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stand_in


_without_httpx_command_line()
