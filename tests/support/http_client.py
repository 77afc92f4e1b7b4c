"""One HTTP client for the tests' own raw requests to the servers under test (not the console's).

``httpx.get`` (``post``, ``delete``) makes a client at each call, and with it an SSL context loaded
with every trusted CA: 50 to 70 ms of CPU a request, even to plain-HTTP loopback. Hundreds of them
(contract checks, polls until an alert arrives) cost tens of seconds a run. One client per process
makes that context once. It keeps no state between tests: cookies are refused (no server under
test sets any), and a pooled connection to a server that has since stopped is dropped, not reused.
Requests take the same defaults as ``httpx.get``'s (5 s timeout unless given, no redirects). A
client can be shared between threads (httpx's own docstring), so scripted servers' handlers use it too.
"""

from __future__ import annotations

import atexit
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

_client: httpx.Client | None = None


def http_client() -> httpx.Client:
    """The process's client for raw requests, made at first use."""
    global _client
    if _client is None:
        _client = httpx.Client(cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])))
        atexit.register(_client.close)
    return _client
