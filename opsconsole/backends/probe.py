"""What `opsconsole check` learns from one backend when it answers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BackendInfo:
    """A healthy answer from a backend: its version (when it says) and a short summary."""

    version: str | None
    summary: str
