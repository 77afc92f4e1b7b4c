"""What a screen tells on-call to do after a failure: mend something, ask again, or nothing more."""

from __future__ import annotations

import pytest

from opsconsole.backends.errors import BackendError, FailureKind
from opsconsole.refresh.backend_health import what_to_do


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
