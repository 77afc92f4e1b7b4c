"""Who is making a change, and from where: recorded on every silence and ack."""

from __future__ import annotations

import getpass
import os
import socket


def default_author(configured: str | None = None) -> str:
    """The config's ``author``, else ``$USER@host``."""
    if configured:
        return configured
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = os.environ.get("USER", "unknown")
    return f"{user}@{socket.gethostname()}"


def origin() -> str:
    """Where an ack came from: ``opsconsole@host``."""
    return f"opsconsole@{socket.gethostname()}"
