"""Demo stacks alike share their simulated Prometheus (it answers from the world alone), never the
state a client changes: each stack has its own Alertmanager and silences."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from opsconsole.demo import stack as stack_module
from opsconsole.demo.stack import DemoStack
from tests.support.demo_fixtures import frozen_clock


def test_stacks_alike_share_one_prometheus_and_keep_their_own_alertmanager() -> None:
    first, second = DemoStack(clock=frozen_clock, lead_in=300.0), DemoStack(clock=frozen_clock, lead_in=300.0)
    assert second.prometheus is first.prometheus
    assert second.world is first.world is first.prometheus.world
    assert second.alertmanager is not first.alertmanager
    assert second.alertmanager.silences is not first.alertmanager.silences
    assert second.telemetry is not first.telemetry


@pytest.mark.parametrize(
    "other",
    [
        {"seed": 8},
        {"scenario": "db-connection-exhaustion"},
        {"speed": 2.0},
        {"lead_in": 45.0},  # another start
        {"clock": lambda: frozen_clock()},  # another clock, even one telling the same time
    ],
)
def test_a_stack_of_another_world_has_its_own(other: dict[str, object]) -> None:
    alike = {"seed": 7, "scenario": "npa-degradation", "speed": 1.0, "lead_in": 300.0, "clock": frozen_clock}
    first = DemoStack(**alike)  # type: ignore[arg-type]
    second = DemoStack(**{**alike, **other})  # type: ignore[arg-type]
    assert second.prometheus is not first.prometheus
    assert second.world is not first.world


@dataclass
class _Clock:
    """A clock that is a mutable object (unhashable), as tests' stepped clocks are."""

    now: float

    def __call__(self) -> float:
        return self.now


def test_a_clock_that_cannot_be_hashed_is_told_apart_by_identity() -> None:
    clock = _Clock(frozen_clock())
    first, second = DemoStack(clock=clock), DemoStack(clock=clock)
    assert second.prometheus is first.prometheus
    assert DemoStack(clock=_Clock(frozen_clock())).prometheus is not first.prometheus


def test_only_the_last_few_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack_module, "PROMETHEUS_KEPT", 1)
    first = DemoStack(seed=7, clock=frozen_clock)
    DemoStack(seed=8, clock=frozen_clock)
    assert DemoStack(seed=7, clock=frozen_clock).prometheus is not first.prometheus
