"""A local zone 5h30 from UTC for tests of times shown in UTC (the machine and CI run in UTC, where a
time taken as local would pass). A test module imports ``far_from_utc_fixture`` and asks for
``far_from_utc`` (or marks every test with ``pytest.mark.usefixtures("far_from_utc")``)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest


@pytest.fixture(name="far_from_utc")
def far_from_utc_fixture() -> Iterator[None]:
    """A local zone 5h30 from UTC: every time written here is UTC whatever the machine's zone."""
    with pytest.MonkeyPatch.context() as zone:
        zone.setenv("TZ", "Asia/Kolkata")
        time.tzset()
        yield
    time.tzset()  # the machine's own TZ (set or not) is back: read it again
