"""One loopback server playing Prometheus, Alertmanager, Loki and Jaeger, every text in it hostile.

Label values, sample values, annotations, silence authors and comments, log lines and their labels,
span names, tags, logs and process fields, version strings and error bodies all carry terminal
escapes (CSI, OSC 8/52, DCS, C1), bidi overrides and Rich markup around a visible marker, so a
test can check both that the marker reached the screen and that nothing else did.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Sequences that must never reach the terminal, each with a marker that must.
ATTACKS = {
    "csi": "\x1b[2J\x1b[6n",  # clear the screen; ask the terminal to type an answer
    "osc52": "\x1b]52;c;cm0gLXJmIH4=\x07",  # write the clipboard
    "osc8": "\x1b]8;;https://evil.example\x1b\\",  # a hyperlink
    "title": "\x1b]0;owned\x07",  # the window title
    "dcs": "\x1bP+q544e\x1b\\",  # a terminal query
    "c1": "\x9b2J\x85",  # 8-bit CSI and NEL
    "bidi": "\u202e\u2066",  # right-to-left override and isolate
}
# Lone surrogates (JSON "\udfff\ud800", a pair's halves the wrong way round): no character, so
# nothing can print them in UTF-8. Last, so the marker before them still fits a narrow column.
LONE_SURROGATES = "\udfff\ud800"
MARKUP = "[blink]MARKUP[/blink][link=https://evil.example]L[/link][@click=app.quit]Q[/]"
# What must never appear in what a terminal receives (encoded as the terminal gets it).
FORBIDDEN = [
    b"\x1b]52",
    b"\x1b]8;",
    b"\x1b]0;",
    b"\x1bP",
    b"\x1b[6n",
    b"\x1b[2J",
    "\x9b".encode(),
    "\x85".encode(),
    "\u202e".encode(),
    "\u2066".encode(),
    LONE_SURROGATES.encode("utf-8", "surrogatepass"),
]
TRACE_ID = "5b8efff798038103d269b633813fc60c"
SILENCE_ID = "3e5d5f0c-0000-4000-8000-00000000beef"


def hostile(marker: str) -> str:
    """``marker`` wrapped in every attack and the markup."""
    attacks = "".join(ATTACKS.values())
    return f"{attacks}{marker}{MARKUP}{attacks}{LONE_SURROGATES}"


@dataclass
class HostileStack:
    """The running server; ``errors`` switches Prometheus, Loki and Jaeger to hostile error bodies."""

    url: str
    label_names: Sequence[str]
    errors: bool = False
    received: list[str] = field(default_factory=list)

    def labels(self, n: int) -> dict[str, str]:
        return {name: hostile(f"HL{n}{name}") for name in self.label_names}


def _prometheus(stack: HostileStack, path: str, params: dict[str, list[str]]) -> tuple[int, Any]:
    if stack.errors:
        return 422, {"status": "error", "errorType": hostile("ET"), "error": hostile("PROMERR")}
    now = time.time()
    if path.endswith("/query") or path.endswith("/query_range"):
        ranged = path.endswith("/query_range")
        series = []
        for n in (1, 2):
            metric = stack.labels(n)
            if ranged:
                start, end = float(params["start"][0]), float(params["end"][0])
                series.append({"metric": metric, "values": [[start, "1"], [end, "1"]]})
            else:
                series.append({"metric": metric, "value": [now, "1"]})
        kind = "matrix" if ranged else "vector"
        return 200, {"status": "success", "data": {"resultType": kind, "result": series}, "warnings": []}
    if path.endswith("/rules"):
        return 200, {"status": "success", "data": {"groups": []}}
    if path.endswith("/status/buildinfo"):
        return 200, {"status": "success", "data": {"version": hostile("PROMVERSION")}}
    return 200, {"status": "success", "data": []}


def _alertmanager(stack: HostileStack, path: str) -> tuple[int, Any]:
    stamp = "2026-01-01T00:00:00Z"
    later = "2099-01-01T00:00:00Z"
    if path.endswith("/alerts"):
        alerts = []
        for n, silenced in ((1, False), (2, True)):
            labels = {
                **stack.labels(n),
                "alertname": hostile(f"ALERTNAME{n}"),
                "severity": "critical",
                hostile(f"LABELNAME{n}"): hostile(f"LABELVALUE{n}"),
            }
            alerts.append(
                {
                    "fingerprint": f"f{n}",
                    "labels": labels,
                    "annotations": {"summary": hostile(f"SUMMARY{n}"), "description": hostile(f"DESC{n}")},
                    "startsAt": stamp,
                    "endsAt": later,
                    "updatedAt": stamp,
                    "receivers": [{"name": hostile("RECEIVER")}],
                    "status": {
                        "state": "suppressed" if silenced else "active",
                        "silencedBy": [SILENCE_ID] if silenced else [],
                        "inhibitedBy": [],
                    },
                }
            )
        return 200, alerts
    if path.endswith("/silences"):
        matcher = {"name": "alertname", "value": hostile("MATCHVALUE"), "isRegex": False, "isEqual": True}
        return 200, [
            {
                "id": SILENCE_ID,
                "matchers": [matcher],
                "startsAt": stamp,
                "endsAt": later,
                "updatedAt": stamp,
                "createdBy": hostile("AUTHOR"),
                "comment": hostile("COMMENT"),
                "status": {"state": "active"},
            }
        ]
    if path.endswith("/status"):
        return 200, {
            "cluster": {"status": "disabled", "peers": []},
            "versionInfo": {"version": hostile("AMVERSION")},
            "config": {"original": ""},
            "uptime": stamp,
        }
    return 200, []


def _loki(stack: HostileStack, path: str) -> tuple[int, Any]:
    if stack.errors:
        return 400, hostile("LOKIERR")
    if path.endswith("/query_range") or path.endswith("/query"):
        now_ns = time.time_ns()
        line_json = json.dumps(
            {"level": "error", "message": hostile("JSONLINE"), hostile("FIELDNAME"): hostile("FIELDVALUE")}
        )
        values = [
            [str(now_ns - 3_000_000_000), line_json],
            [str(now_ns - 2_000_000_000), f'level=warn msg="{hostile("LOGFMT")}" trace_id={TRACE_ID}'],
            [str(now_ns - 1_000_000_000), hostile("PLAINLINE")],
        ]
        stream = {**stack.labels(1), "app": hostile("STREAMLABEL")}
        return 200, {
            "status": "success",
            "data": {"resultType": "streams", "result": [{"stream": stream, "values": values}]},
        }
    if path.endswith("/buildinfo"):
        return 200, {"version": hostile("LOKIVERSION")}
    return 200, {"status": "success", "data": []}


def _jaeger(stack: HostileStack, path: str) -> tuple[int, Any]:
    if stack.errors:
        return 500, {"errors": [{"code": 500, "msg": hostile("JAEGERERR")}]}
    if path.startswith("/api/traces/"):
        tags = [{"key": hostile("TAGKEY"), "type": "string", "value": hostile("TAGVALUE")}]
        span = {
            "traceID": TRACE_ID,
            "spanID": "a1b2c3d4e5f60708",
            "operationName": hostile("OPERATION"),
            "references": [],
            "startTime": int(time.time() * 1e6) - 5_000_000,
            "duration": 120_000,
            "tags": [*tags, {"key": "error", "type": "bool", "value": True}],
            "logs": [{"timestamp": int(time.time() * 1e6) - 4_900_000, "fields": tags}],
            "processID": "p1",
            "warnings": [hostile("SPANWARNING")],
        }
        process = {"serviceName": hostile("SERVICE"), "tags": [{"key": "host", "value": hostile("PROCTAG")}]}
        trace = {"traceID": TRACE_ID, "spans": [span], "processes": {"p1": process}, "warnings": None}
        return 200, {"data": [trace], "total": 1, "errors": None}
    if path.startswith("/api/services"):
        return 200, {"data": [hostile("SERVICE")], "total": 1}
    return 200, {"data": [], "total": 0}


def route(stack: HostileStack, method: str, target: str, body: bytes) -> tuple[int, Any]:
    """The answer to one request, by path."""
    parts = urlsplit(target)
    params = parse_qs(parts.query)
    if method == "POST" and body:
        params.update(parse_qs(body.decode()))
    path = parts.path
    if path.startswith("/loki/"):
        return _loki(stack, path)
    if path.startswith("/api/v1/"):
        return _prometheus(stack, path, params)
    if path.startswith("/api/v2/"):
        return _alertmanager(stack, path)
    if path.startswith("/api/"):
        return _jaeger(stack, path)
    return 404, hostile("NOTFOUND")


@contextmanager
def hostile_stack(label_names: Sequence[str]) -> Iterator[HostileStack]:
    """Serve the hostile stack on a free 127.0.0.1 port until the block ends."""
    stack = HostileStack("", label_names)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            stack.received.append(f"{self.command} {self.path}")
            status, payload = route(stack, self.command, self.path, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stack.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stack
    finally:
        server.shutdown()
        server.server_close()
