"""A pack's ``links`` (runbook, dashboard) filled in for one alert or one entity.

Templates take ``$alertname``, ``$entity``, ``$entity_type``, any alert label and the pack's
variables; ``${name:lower}`` lower-cases a value (runbooks.prometheus-operator.dev names its pages
after the alert in lower case). Values from alerts and rows are untrusted: each is stripped of
control characters and percent-encoded where it lands, so a label cannot end the URL, add a query
parameter or smuggle an escape sequence into the terminal's hyperlink. A link whose variables are
not all known, or that is not http(s), is left out rather than shown half-built.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from opsconsole.core.untrusted_text import sanitize
from opsconsole.packs.schema import QueryPack

_TEMPLATE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::(lower|raw))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class _Unknown(KeyError):
    pass


def expand_link(template: str, untrusted: Mapping[str, str], trusted: Mapping[str, str]) -> str | None:
    """``template`` with ``untrusted`` values (labels) percent-encoded and ``trusted`` ones (the
    pack's and the context's variables) as they are; None if a variable is unknown or the result
    is not an http(s) URL."""

    def replace(match: re.Match[str]) -> str:
        if match.group() == "$$":
            return "$"
        name = match.group(1) or match.group(3)
        modifier = match.group(2)
        if name in untrusted:
            value = sanitize(untrusted[name])
            value = value.lower() if modifier == "lower" else value
            return quote(value, safe="")
        if name in trusted:
            value = trusted[name]
            return value.lower() if modifier == "lower" else value
        raise _Unknown(name)

    try:
        url = _TEMPLATE.sub(replace, template)
    except _Unknown:
        return None
    url = sanitize(url)
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        return None
    return url


def pack_links(
    pack: QueryPack,
    values: Mapping[str, str],
    labels: Mapping[str, str],
    *,
    entity: str | None = None,
    entity_type: str | None = None,
) -> list[tuple[str, str]]:
    """``(name, url)`` of each of the pack's links that can be built for these labels."""
    untrusted = dict(labels)
    if entity is not None:
        untrusted["entity"] = entity
    if entity_type is not None:
        untrusted["entity_type"] = entity_type
    out = []
    for name in ("runbook", "dashboard"):
        template = getattr(pack.links, name)
        if template:
            url = expand_link(template, untrusted, values)
            if url is not None:
                out.append((name, url))
    return out
