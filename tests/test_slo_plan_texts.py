"""An SLO plan expands its query templates once per window, and hands out copies."""

from __future__ import annotations

import pytest

from opsconsole.packs.variables import expand
from opsconsole.refresh import slo_plans
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


def test_each_windows_texts_are_expanded_once_however_often_they_are_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every refresh asks each SLO for the same windows again: expanding the templates each time
    was a tenth of an idle wallboard's refresh."""
    expanded: list[str] = []

    def counted(text: str, values: dict[str, str]) -> str:
        expanded.append(values["window"])
        return expand(text, values)

    monkeypatch.setattr(slo_plans, "expand", counted)
    slo = plan()
    for _ in range(3):
        assert slo.texts("1h")["total"] == "sum(rate(x[1h]))"
        assert slo.texts("5m")["total"] == "sum(rate(x[5m]))"
    assert sorted(expanded) == ["1h", "1h", "5m", "5m"]  # two templates, each window once
