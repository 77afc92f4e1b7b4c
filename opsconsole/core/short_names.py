"""Names cut to a column's width without losing what tells them apart.

Pod names are long and alike (``npa-deployment-7c9d8b6f54-x2k4p``): cut at the end, every NPA pod
reads ``npa-deployment``. A Deployment's pod keeps its owner's name and its own suffix
(``npa-deployment-…-x2k4p``); any other name keeps its head and its tail.
"""

from __future__ import annotations

import re

_POD = re.compile(r"^(?P<owner>.+)-(?P<hash>[a-z0-9]{6,10})-(?P<suffix>[a-z0-9]{5})$")


def short_name(name: str, limit: int) -> str:
    """``name`` in at most ``limit`` characters, with ``…`` where something was left out."""
    if len(name) <= limit or limit < 3:
        return name[:limit] if limit < 3 else name
    pod = _POD.match(name)
    if pod:
        suffix, owner = pod["suffix"], pod["owner"]
        if len(owner) + len(suffix) + 3 <= limit:
            return f"{owner}-…-{suffix}"
        room = limit - len(suffix) - 2
        if room >= 3:
            return f"{owner[:room]}…-{suffix}"
    head = (limit - 1) // 2
    tail = limit - 1 - head
    return f"{name[:head]}…{name[-tail:]}"
