"""Names cut to a column without losing what tells them apart."""

from __future__ import annotations

import pytest

from opsconsole.core.short_names import short_name

POD = "npa-deployment-7c9d8b6f54-x2k4p"


@pytest.mark.parametrize(
    ("name", "limit", "short"),
    [
        (POD, len(POD), POD),  # fits: untouched
        (POD, 30, "npa-deployment-…-x2k4p"),
        (POD, 22, "npa-deployment-…-x2k4p"),  # owner + suffix + "-…-" exactly fill it
        (POD, 21, "npa-deployment…-x2k4p"),  # then the owner is cut, the suffix kept
        (POD, 10, "npa…-x2k4p"),  # three characters of owner is the least that says anything
        (POD, 9, "npa-…2k4p"),  # below that: head and tail
        ("checkout-service-canary", 11, "check…anary"),
        ("abcdefghij", 5, "ab…ij"),
        ("abcdefghij", 4, "a…ij"),
        ("abcdefghij", 3, "a…j"),
        ("abcdefghij", 2, "ab"),  # too narrow for an ellipsis: cut
        ("abcdefghij", 0, ""),
        ("ab", 2, "ab"),
    ],
)
def test_short_names(name: str, limit: int, short: str) -> None:
    assert short_name(name, limit) == short
    assert len(short_name(name, limit)) <= limit
