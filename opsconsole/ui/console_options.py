"""What the console app is given from outside: the context, packs and themes to offer, the
service factory, the clock and the user's settings (injected, so tests can freeze them)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsconsole.core.log_buffer import DEFAULT_CAPACITY
from opsconsole.core.silence_blast_radius import DEFAULT_BLAST_RADIUS
from opsconsole.refresh.service import RefreshService
from opsconsole.ui.symbols import UNICODE, Symbols
from opsconsole.ui.themes import ConsoleTheme


@dataclass
class ConsoleOptions:
    """Everything the app needs from the outside world, injected so tests can freeze it."""

    make_service: Callable[[str, str], RefreshService]
    context: str
    pack: str
    contexts: list[str]
    packs: list[str]
    themes: dict[str, ConsoleTheme]
    theme: str = "dark"
    refresh_interval: float = 5.0
    clock: Callable[[], float] = time.time
    auto_refresh: bool = True
    save_theme: Callable[[str], None] | None = None
    notices: list[str] = field(default_factory=list)
    author: str = "opsconsole"
    ack_duration: str = "15m"
    # `:ctx *`: every context's refresh (None where there is one context only, as in the demo).
    make_overview: Callable[[], Any] | None = None
    ack_until_resolved: bool = False  # `a` acks until the alert resolves (capped at ack_cap)
    ack_cap: str = "24h"
    ack_resolve_grace: str = "5m"  # a console with write access ends such acks (acks reconcile)
    silence_blast_radius: float = DEFAULT_BLAST_RADIUS
    journal_path: Path | None = None
    log_buffer: int = DEFAULT_CAPACITY
    live_tail: bool = True
    symbols: Symbols = UNICODE  # see ui/symbols.pick_symbols: ASCII when the locale is not UTF-8
