"""The demo's "since when" of an alert (RuleEvaluator._active_since) is the walk it replaced, done once.

The definition: from the evaluation at (or before) ``t``, step back one evaluation at a time while
the one before still held the labels, never further back than HISTORY_LIMIT. The evaluator keeps
where each run began so an ALERTS range query does not walk back again at every step; whatever
order the instants are asked in, the answers must be the definition's.
"""

from __future__ import annotations

import math
import random

import pytest

from opsconsole.demo import alert_rules
from opsconsole.demo.alert_rules import EVALUATION_INTERVAL, RuleEvaluator
from opsconsole.demo.prometheus_sim import SimulatedPrometheus
from opsconsole.demo.promql.values import Labels
from opsconsole.demo.world import World

T0 = 1_795_000_000.0


def _evaluator() -> RuleEvaluator:
    world = World(7, "npa-degradation", 1.0, T0, lambda: T0)
    return SimulatedPrometheus(world, lambda: T0).rules


def _walked(rules: RuleEvaluator, index: int, labels: Labels, t: float) -> float:
    """The definition, step by step."""
    since = math.floor(t / EVALUATION_INTERVAL) * EVALUATION_INTERVAL
    probe = since - EVALUATION_INTERVAL
    while t - probe <= alert_rules.HISTORY_LIMIT and labels in rules._true_at(index, probe):
        since = probe
        probe -= EVALUATION_INTERVAL
    return since


@pytest.mark.parametrize("order", ["forward", "backward", "shuffled"])
def test_since_is_the_walk_whatever_order_the_instants_come_in(
    order: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short limit, so that runs longer than it (the standing alerts, the incident's) are many.
    monkeypatch.setattr(alert_rules, "HISTORY_LIMIT", 150.0)
    rules, reference = _evaluator(), _evaluator()
    world = rules.world
    # Off the grid and on it, from before the scenario to after it.
    instants = [world.start - 400 + 7.5 * k for k in range(int((world.end - world.start + 800) / 7.5))]
    if order == "backward":
        instants.reverse()
    elif order == "shuffled":
        random.Random(3).shuffle(instants)
    asked = limited = 0
    for t in instants:
        for index in range(len(rules.rules)):
            for labels in rules._true_at(index, t):
                expected = _walked(reference, index, labels, t)
                assert rules._active_since(index, labels, t) == expected, (index, labels, t)
                asked += 1
                limited += t - expected > alert_rules.HISTORY_LIMIT - EVALUATION_INTERVAL
    assert asked > 1_000 and limited > 100  # runs inside the limit and runs cut by it were both asked
