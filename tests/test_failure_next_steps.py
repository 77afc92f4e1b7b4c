"""What a screen tells on-call to do after a failure: mend something, ask again, or nothing more;
and the header's backend list: each backend's last answer and last failure, in its own words."""

from __future__ import annotations

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.core.dashboard import BackendStatus
from opsconsole.refresh.backend_health import BackendHealth, what_to_do
from opsconsole.refresh.backends_set import BackendSet


def _failure(kind: FailureKind, diagnosis: str = "it failed") -> BackendError:
    return BackendError("prometheus", kind, diagnosis, url="http://prometheus:9090/api/v1/query")


@pytest.mark.parametrize(
    ("kind", "step"),
    [
        # Asking again can mend these.
        (FailureKind.CONNECTION_REFUSED, "r tries again"),
        (FailureKind.TIMEOUT, "r tries again"),
        (FailureKind.NETWORK, "r tries again"),
        (FailureKind.INTERRUPTED, "r tries again"),  # cut off mid-answer: not "check the url"
        (FailureKind.SERVER_ERROR, "r tries again"),
        # These need mending first.
        (FailureKind.MALFORMED, "that is not a prometheus answer: check the context's prometheus url"),
        (FailureKind.AUTH, "check the context's prometheus auth (token, password) in the config"),
        (FailureKind.PROXY, "the proxy settings (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY) need mending"),
        # The diagnosis says what to do ("narrow the query"); asking again would fail the same.
        (FailureKind.TOO_LARGE, ""),
    ],
)
def test_the_step_follows_from_what_failed(kind: FailureKind, step: str) -> None:
    assert what_to_do(_failure(kind)) == step


class _Client:
    def __init__(self, url: str, name: str | None = None) -> None:
        self.name = name
        self.endpoint = type("E", (), {"url": url})()


def _backends() -> BackendSet:
    return BackendSet(
        prometheus=_Client("http://prom:9090"),  # type: ignore[arg-type]
        alertmanagers=[_Client("http://am-a:9093", "a"), _Client("http://am-b:9093", "b")],  # type: ignore[list-item]
        loki=_Client("http://loki:3100"),  # type: ignore[arg-type]
    )


TIMED_OUT = "timeout: no answer within 10s"


def test_the_header_lists_each_backend_with_its_last_answer_and_its_failure_in_its_own_words() -> None:
    health = BackendHealth()
    health.mark("prometheus", 100.0, None)
    health.mark("alertmanager a", 90.0, None)
    health.mark("alertmanager a", None, _failure(FailureKind.TIMEOUT, TIMED_OUT))
    health.mark("alertmanager b", None, RuntimeError("boom"))
    health.mark("loki", None, _failure(FailureKind.SERVER_ERROR, "503: server error"))
    health.mark("loki", 120.0, None)  # answered again: the failure is over
    assert health.statuses(_backends()) == [
        BackendStatus("prometheus", "prometheus", "http://prom:9090", 100.0, None),
        # A failure keeps the last good answer's time.
        BackendStatus("alertmanager a", "alertmanager", "http://am-a:9093", 90.0, f"prometheus: {TIMED_OUT}"),
        BackendStatus("alertmanager b", "alertmanager", "http://am-b:9093", None, "RuntimeError: boom"),
        BackendStatus("loki", "loki", "http://loki:3100", 120.0, None),
    ]


def test_a_backend_nothing_asked_is_left_out_of_the_header_until_something_has_seen_it() -> None:
    health = BackendHealth()
    # By default each is asked (the board of a pack whose variables are unset lists them all).
    assert [(s.name, s.last_success, s.error) for s in health.statuses(_backends())] == [
        ("prometheus", None, None),
        ("alertmanager a", None, None),
        ("alertmanager b", None, None),
        ("loki", None, None),
    ]
    quiet = {"loki_asked": False, "prometheus_asked": False, "alertmanager_asked": False}
    assert health.statuses(_backends(), **quiet) == []
    health.mark("prometheus", 100.0, None)
    health.mark("alertmanager b", None, RuntimeError("boom"))
    health.note("loki", None, "websocket closed")  # the console's live tail saw it fail
    assert [s.name for s in health.statuses(_backends(), **quiet)] == ["prometheus", "alertmanager b", "loki"]
    assert [s.name for s in health.statuses(BackendSet(), **quiet)] == []  # none configured


def test_the_live_tails_news_of_loki_sets_its_freshness_and_clears_its_failure() -> None:
    health = BackendHealth()
    health.note("loki", 40.0, None)  # the tail's first news: it answered
    assert (health.ok_at, health.errors) == ({"loki": 40.0}, {})
    health = BackendHealth()
    health.note("loki", 50.0, "websocket closed")  # a failure: its words, and no new answer time
    assert (health.ok_at, health.errors) == ({}, {"loki": "websocket closed"})
    health.note("loki", None, None)  # nothing new to tell
    assert (health.ok_at, health.errors) == ({}, {"loki": "websocket closed"})
    health.note("loki", 60.0, None)
    assert (health.ok_at, health.errors) == ({"loki": 60.0}, {})


def test_a_long_failure_is_cut_to_200_characters_of_its_own_words() -> None:
    health = BackendHealth()
    health.mark("prometheus", None, RuntimeError("x" * 300))
    assert health.errors["prometheus"] == "RuntimeError: " + "x" * 200
