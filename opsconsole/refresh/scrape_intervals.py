"""The scrape intervals of a context's Prometheus, asked rarely.

A server's scrape config changes with deployments, not refreshes: it is asked once per
``CONFIG_TTL`` (each refresh service keeps its own cache, so a context or pack switch asks once
more, which costs one small request). A server that refuses the endpoint (Thanos, Mimir, VictoriaMetrics, a
proxy) is not asked again for as long; a transient failure (timeout, 5xx, refused connection) is
retried sooner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from opsconsole.backends.errors import BackendError
from opsconsole.packs.rate_window import ConfigUnreadable, ScrapeIntervals, assumed, parse_scrape_config

CONFIG_TTL = 600.0
RETRY_AFTER = 60.0


class ConfigSource(Protocol):
    """What the cache needs of a Prometheus client."""

    @property
    def endpoint(self) -> object: ...

    async def status_config(self) -> str:
        """The served config as YAML."""
        ...


def _key(prom: ConfigSource) -> str:
    endpoint = prom.endpoint
    url = str(getattr(endpoint, "url", ""))
    auth = getattr(endpoint, "auth", None)
    tenant = str(getattr(auth, "tenant_id", "") or "")
    return f"{url}#{tenant}"


@dataclass
class ScrapeIntervalCache:
    """Scrape intervals per Prometheus, with when they were asked and when to ask again."""

    ttl: float = CONFIG_TTL
    retry_after: float = RETRY_AFTER
    _entries: dict[str, tuple[float, ScrapeIntervals]] = field(default_factory=dict)

    async def get(self, prom: ConfigSource, now: float) -> ScrapeIntervals:
        """The intervals of ``prom``, from the cache while they are fresh."""
        key = _key(prom)
        cached = self._entries.get(key)
        if cached is not None and now < cached[0]:
            return cached[1]
        try:
            intervals = parse_scrape_config(await prom.status_config())
            expires = now + self.ttl
        except BackendError as exc:
            intervals = assumed(f"/api/v1/status/config: {exc.message}")
            expires = now + (self.retry_after if exc.retryable else self.ttl)
        except ConfigUnreadable as exc:
            intervals = assumed(f"/api/v1/status/config unreadable: {exc}")
            expires = now + self.ttl
        self._entries[key] = (expires, intervals)
        return intervals

    def forget(self) -> None:
        """Drop everything (tests; a user asking for a re-read)."""
        self._entries.clear()
