"""An SLO plan expands its query templates once per window, and hands out copies."""

from __future__ import annotations

from opsconsole.packs.variables import expand
from opsconsole.refresh.slo_plans import SloPlan


def plan() -> SloPlan:
    return SloPlan(
        name="checkout",
        display="checkout",
        objective=0.99,
        window="30d",
        source="pack",
        templates={"bad": 'sum(rate(http_errors{ns="$ns"}[$window]))', "total": "sum(rate(x[$window]))"},
        values={"ns": "shop"},
    )


def test_texts_are_each_windows_expansion_and_a_caller_cannot_change_them() -> None:
    slo = plan()
    first = slo.texts("1h")
    assert first == {"bad": 'sum(rate(http_errors{ns="shop"}[1h]))', "total": "sum(rate(x[1h]))"}
    first["bad"] = "changed by a caller"
    assert slo.texts("1h")["bad"] == 'sum(rate(http_errors{ns="shop"}[1h]))'
    assert slo.texts("5m") == {
        part: expand(text, {"ns": "shop", "window": "5m"}) for part, text in slo.templates.items()
    }
    assert slo.texts("1h") != slo.texts("5m")
    assert slo == plan(), "what is kept is not part of the plan"
