"""Request and response pieces the four simulated APIs share."""

from __future__ import annotations

from aiohttp import web


async def request_params(request: web.Request) -> dict[str, str]:
    """Query-string parameters, plus form fields for POST (Prometheus and Loki accept both)."""
    merged = dict(request.query)
    if request.method == "POST":
        merged.update({k: str(v) for k, v in (await request.post()).items()})
    return merged


def build_info(version: str) -> dict[str, str]:
    """The buildinfo/versionInfo object every Prometheus-family server reports."""
    return {
        "version": version,
        "revision": "demo",
        "branch": "demo",
        "buildUser": "opsconsole",
        "buildDate": "",
        "goVersion": "n/a",
    }
