"""The proxy the environment names for an endpoint: one rule for every client.

requests (Prometheus, under prometheus-api-client) applies ``HTTP_PROXY`` / ``HTTPS_PROXY`` /
``ALL_PROXY`` and ``NO_PROXY`` by itself, and the websocket library of the live tail by its own
reading of them. httpx would too, but not for a client given its own transport, which ours are
(the read-only guard, TLS and pool limits are set there): Alertmanager, Loki and Jaeger went
straight to a host that only the proxy could reach, while Prometheus went through it. So the
other clients ask requests' rule, for the endpoint's URL: a client talks to that one origin
(redirects are not followed).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import requests.utils

# What every client can go through. ``socks5://`` is taken as ``socks5h://``: httpx lets the proxy
# resolve the name for both, so requests and the tail are told to as well (an ``ssh -D`` tunnel
# into a network whose names only it knows is what SOCKS is used for here).
SUPPORTED_SCHEMES = ("http", "https", "socks5h")


class UnusableProxy(ValueError):
    """The environment names a proxy no client here can use (``socks4://``, an unknown scheme)."""


def proxy_for(url: str) -> str | None:
    """The proxy URL for ``url`` from the environment, or None to connect directly (also when
    ``NO_PROXY`` names the host). Raises :class:`UnusableProxy` for a proxy no client can use."""
    proxy: str | None = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url, None))
    if not proxy:
        return None
    scheme, _, rest = proxy.partition("://")
    scheme = scheme.lower()
    if scheme == "socks5":
        return f"socks5h://{rest}"
    if scheme not in SUPPORTED_SCHEMES or not rest:
        raise UnusableProxy(
            f"the proxy {shown(proxy)} is not supported: set an http://, https:// or socks5h:// "
            "proxy in HTTPS_PROXY/HTTP_PROXY/ALL_PROXY, or exempt the host in NO_PROXY"
        )
    return proxy


def shown(proxy: str) -> str:
    """``proxy`` as it may be printed: without the user and password its URL may carry."""
    parts = urlsplit(proxy)
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
