"""The SLOs Sloth and Pyrra left in Prometheus, read from hand-made answers (in process; the same
against a real Prometheus is tests/test_slo_discovery.py): name, display, objective, window, the
queries of each window, the burn windows and rules, and what is left out (an objective outside 0
to 1, a label value that cannot go into PromQL, a Pyrra SLO without its window)."""

from __future__ import annotations

import math

from opsconsole.backends.prometheus_models import RuleGroup
from opsconsole.core.slo import BURN_WINDOWS, WORKBOOK_RULES, BurnRule
from opsconsole.refresh.slo_plans import pyrra_plans, sloth_plans
from tests.support.health_results import vector


def test_sloth_slos_read_their_objective_period_and_names() -> None:
    objectives = vector(
        (
            {"sloth_id": "checkout-availability", "sloth_service": "checkout", "sloth_slo": "availability"},
            0.999,
        ),
        ({"sloth_id": "api-latency"}, 0.99),  # no service or slo label
        ({"sloth_id": "broken"}, 1.0),  # not an objective
        ({"sloth_id": "never"}, 0.0),
        ({"sloth_id": "nan"}, math.nan),
        ({"sloth_id": 'x"}) or vector(1'}, 0.9),  # cannot go into PromQL
        ({"sloth_service": "no-id"}, 0.9),  # no sloth_id: not an SLO of Sloth's
    )
    periods = vector(({"sloth_id": "checkout-availability"}, 28.0), ({"sloth_id": "other"}, 7.0))
    plans = sloth_plans(objectives, periods)
    assert [(p.name, p.display, p.objective, p.window, p.source) for p in plans] == [
        ("sloth/api-latency", "api-latency", 0.99, "30d", "sloth"),  # no period: Sloth's 30 days
        ("sloth/checkout-availability", "checkout availability", 0.999, "28d", "sloth"),
    ]
    checkout = plans[1]
    assert checkout.texts("1h") == {
        "error_ratio": 'slo:sli_error:ratio_rate1h{sloth_id="checkout-availability"}'
    }
    assert checkout.burn_windows == BURN_WINDOWS  # 28d is not one of them
    assert plans[0].texts("30d") == {"error_ratio": 'slo:sli_error:ratio_rate30d{sloth_id="api-latency"}'}
    # A period equal to a burn window is the SLO's window, not a burn window as well.
    [week] = sloth_plans(
        vector(
            ({"sloth_id": "w"}, 0.9),
        ),
        vector(({"sloth_id": "w"}, 1.0)),
    )
    assert week.window == "1d" and week.burn_windows == tuple(w for w in BURN_WINDOWS if w != "1d")


def _burn_rules(slo: str, windows: tuple[str, ...], name: str = "http_requests") -> RuleGroup:
    return RuleGroup.model_validate(
        {
            "name": f"{slo}-increase",
            "rules": [
                {"type": "recording", "name": f"{name}:burnrate{w}", "query": "x", "labels": {"slo": slo}}
                for w in windows
            ],
        }
    )


PYRRA_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "4d")


def test_pyrra_slos_use_its_window_its_burn_rules_and_its_availability() -> None:
    groups = [
        _burn_rules("api-errors", PYRRA_WINDOWS),
        RuleGroup.model_validate(
            {
                "name": "noise",
                "rules": [
                    {
                        "type": "alerting",
                        "name": "x:burnrate5m",
                        "query": "x",
                        "labels": {"slo": "api-errors"},
                    },
                    {
                        "type": "recording",
                        "name": "x:burnrate",
                        "query": "x",
                        "labels": {"slo": "api-errors"},
                    },
                    {"type": "recording", "name": "y:burnrate9m", "query": "x", "labels": {"slo": 'a"b'}},
                    {"type": "recording", "name": "z:burnrate7m", "query": "x"},  # no slo label
                ],
            }
        ),
    ]
    plans = pyrra_plans(
        vector(
            ({"slo": "aa-one"}, 1.0),  # listed first, and not an objective: the others are still read
            ({"slo": "api-errors"}, 0.99),
            ({"slo": "no-window"}, 0.9),
            ({"slo": "bad"}, 1.5),
            ({"slo": "zero"}, 0.0),
        ),
        vector(
            ({"slo": "aa-one"}, 86400.0),
            ({"slo": "api-errors"}, 2419200.0),
            ({"slo": "bad"}, 86400.0),
            ({"slo": "zero"}, 86400.0),
        ),
        groups,
    )
    [plan] = plans
    assert (plan.name, plan.display, plan.objective, plan.window, plan.source) == (
        "pyrra/api-errors",
        "api-errors",
        0.99,
        "28d",
        "pyrra",
    )
    assert plan.burn_windows == PYRRA_WINDOWS  # shortest first
    assert plan.texts("28d") == {"error_ratio": '1 - max(pyrra_availability{slo="api-errors"})'}
    assert plan.texts("1h") == {"error_ratio": 'max(http_requests:burnrate1h{slo="api-errors"})'}
    assert plan.texts("3d") == {}
    assert plan.rules == (
        BurnRule("1h", "5m", 14.0, "page"),
        BurnRule("6h", "30m", 7.0, "page"),
        BurnRule("1d", "2h", 2.0, "ticket"),
        BurnRule("4d", "6h", 1.0, "ticket"),
    )


def test_a_pyrra_slo_with_some_burn_windows_uses_the_workbook_rules_it_can() -> None:
    [plan] = pyrra_plans(
        vector(
            ({"slo": "s"}, 0.995),
        ),
        vector(
            ({"slo": "s"}, 604800.0),
        ),
        [_burn_rules("s", ("1h", "5m", "6h"))],
    )
    assert (plan.window, plan.burn_windows) == ("7d", ("5m", "1h", "6h"))
    assert plan.rules == tuple(
        r for r in WORKBOOK_RULES if r.long in ("5m", "1h", "6h") and r.short in ("5m", "1h", "6h")
    )
    assert plan.rules  # 1h/5m is among them
    # No burn window recorded at all: the workbook's rules, which then find no burn rate.
    [bare] = pyrra_plans(
        vector(
            ({"slo": "s"}, 0.995),
        ),
        vector(
            ({"slo": "s"}, 604800.0),
        ),
        [],
    )
    assert (bare.burn_windows, bare.rules) == ((), WORKBOOK_RULES)
