"""A WSGI service instrumented by the real OpenTelemetry SDK, exposing its metrics with the SDK's own
Prometheus exporter, for the real-server tests of the ``otel-http`` pack.

    python -m tests.support.otel_http_service SERVICE_NAME METRICS_PORT

``OTEL_SEMCONV_STABILITY_OPT_IN=http`` gives the stable HTTP conventions
(``http.server.request.duration`` in seconds); without it the SDK keeps the older ones
(``http.server.duration`` in milliseconds), as the Python instrumentation still does by default.
It serves itself traffic, one request in 25 failing with a 500, until it is killed.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from prometheus_client import start_http_server


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def app(environ: dict[str, Any], start_response: Callable[..., object]) -> Iterable[bytes]:
    """200 for everything but ``/fail``."""
    failing = str(environ.get("PATH_INFO", "")).startswith("/fail")
    start_response("500 Internal Server Error" if failing else "200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def main(argv: list[str]) -> int:
    """Serve the app and its metrics, and keep requesting it."""
    service, metrics_port = argv[0], int(argv[1])
    reader = PrometheusMetricReader()
    provider = MeterProvider(resource=Resource.create({"service.name": service}), metric_readers=[reader])
    server = make_server(
        "127.0.0.1", 0, OpenTelemetryMiddleware(app, meter_provider=provider), handler_class=_Quiet
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start_http_server(metrics_port, addr="127.0.0.1")
    base = f"http://127.0.0.1:{server.server_port}"
    count = 0
    while True:
        count += 1
        path = "/fail" if count % 25 == 0 else "/orders"
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(base + path, timeout=5).read()  # noqa: S310 - loopback
        # Two requests a second: dozens per scrape of the 15s Prometheus, a /fail every 12.5 s; 20 a
        # second kept each service at about 4% of a core for as long as the module's servers ran.
        time.sleep(0.5)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
