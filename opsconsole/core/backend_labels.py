"""How each backend is named in a header or a banner: Alertmanager peers each by their own name.

With one Alertmanager it is just ``am``; with an HA pair (or several clusters) every peer is named,
by its configured ``name`` or its ``host:port``, so a dead peer is told apart from a live one.
"""

from __future__ import annotations

from collections.abc import Sequence

from opsconsole.core.dashboard import BackendStatus
from opsconsole.core.untrusted_text import sanitize

_PEER_PREFIX = "alertmanager "


def peer_name(status: BackendStatus) -> str:
    """The peer part of an Alertmanager status's name (``am-0``, ``10.0.4.2:9093``)."""
    return sanitize(status.name.removeprefix(_PEER_PREFIX)) if status.kind == "alertmanager" else ""


def backend_labels(
    backends: Sequence[BackendStatus], *, short: bool = False, long: bool = False
) -> list[str]:
    """One label per backend, in order: ``am``/``am am-0``, ``prometheus`` (``P``, ``A1`` when short).

    ``long`` spells Alertmanager out (``alertmanager am-0``), for banners.
    """
    several = sum(1 for b in backends if b.kind == "alertmanager") > 1
    out: list[str] = []
    peer_index = 0
    for backend in backends:
        if backend.kind != "alertmanager":
            out.append(backend.kind[0].upper() if short else backend.kind)
            continue
        peer_index += 1
        kind = "alertmanager" if long else "am"
        if short:
            out.append(f"A{peer_index}" if several else "A")
        else:
            out.append(f"{kind} {peer_name(backend)}" if several else kind)
    return out
