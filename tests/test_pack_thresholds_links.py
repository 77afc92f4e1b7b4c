"""Two pack decisions the fast suites left untested (found by the packs mutation run): the colour a
threshold gives a value, and the drill-down link a pack template makes from untrusted labels."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from opsconsole.core.durations import parse_duration
from opsconsole.packs.derived import latency_sli_queries
from opsconsole.packs.links import expand_link, pack_links
from opsconsole.packs.loader import load_packs
from opsconsole.packs.render import missing_variables
from opsconsole.packs.schema import LatencySli, QueryPack, Thresholds, Variable
from opsconsole.packs.variables import UnknownVariable, expand, variables_in
from opsconsole.resources import builtin_queries_dir


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (None, "none"),
        (math.nan, "none"),
        (0.5, "ok"),
        (0.8, "warn"),
        (0.85, "warn"),
        (0.9, "crit"),
        (5, "crit"),
    ],
)
def test_high_is_bad_levels_reach_each_threshold_at_it(value: float | None, level: str) -> None:
    assert Thresholds(warn=0.8, crit=0.9).level(value) == level


@pytest.mark.parametrize(
    ("value", "level"), [(100, "ok"), (50, "warn"), (20, "warn"), (10, "crit"), (-1, "crit")]
)
def test_low_is_bad_levels_mirror_them(value: float, level: str) -> None:
    assert Thresholds(warn=50, crit=10, direction="below").level(value) == level


def test_one_threshold_alone_and_none_at_all() -> None:
    assert Thresholds(crit=3).level(2.9) == "ok"
    assert Thresholds(crit=3).level(3) == "crit"
    assert Thresholds(warn=3).level(4) == "warn"
    assert Thresholds().level(1e9) == "none"


@pytest.mark.parametrize(
    ("thresholds", "words"),
    [
        ({"warn": 0.9, "crit": 0.8}, "with direction 'above', warn (0.9) must not exceed crit (0.8)"),
        (
            {"warn": 10, "crit": 50, "direction": "below"},
            "with direction 'below', warn (10.0) must not be below crit",
        ),
    ],
)
def test_thresholds_in_the_wrong_order_are_refused(thresholds: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError, match=words.replace("(", r"\(").replace(")", r"\)")):
        Thresholds.model_validate(thresholds)


def test_label_values_are_percent_encoded_and_trusted_variables_are_not() -> None:
    link = expand_link(
        "https://grafana/d/x?pod=${pod}&ns=$namespace&team=${team:lower}&q=$$1",
        {"pod": "npa-1 &x=1/..", "team": "SRE"},
        {"namespace": "shop/eu"},
    )
    assert link == "https://grafana/d/x?pod=npa-1%20%26x%3D1%2F..&ns=shop/eu&team=sre&q=$1"
    assert expand_link("https://h/${env:lower}", {}, {"env": "PROD"}) == "https://h/prod"


@pytest.mark.parametrize(
    ("template", "labels"),
    [
        ("https://h/$nosuch", {}),  # an unknown variable: no link rather than a wrong one
        ("javascript:alert($pod)", {"pod": "x"}),
        ("file:///etc/$pod", {"pod": "passwd"}),
        ("https://h/ x", {}),
    ],
)
def test_no_link_rather_than_a_wrong_or_unsafe_one(template: str, labels: dict[str, str]) -> None:
    assert expand_link(template, labels, {}) is None


def test_a_label_cannot_smuggle_terminal_escapes_into_a_link() -> None:
    link = expand_link("https://h/${pod}", {"pod": "a\x1b]52;c;eA==\x07b"}, {})
    assert link is not None and "\x1b" not in link and "%1B" not in link


def _pack_needing(**variables: Variable) -> QueryPack:
    pack = load_packs([(builtin_queries_dir(), "builtin")]).packs["progressive-framework"].pack
    return pack.model_copy(update={"variables": {**pack.variables, **variables}})


def test_a_missing_required_variable_says_how_to_set_it() -> None:
    pack = _pack_needing(
        namespace=Variable(description="where the pods run", example="shop"), cell=Variable()
    )
    missing = missing_variables(pack, {"other": "x"})
    assert missing is not None and missing.names == ["namespace", "cell"]
    assert str(missing) == (
        f"pack {pack.name} needs $namespace, $cell: run with --var namespace=shop (where the pods run); "
        "--var cell=VALUE, or set it under the context's variables in the config file"
    )
    assert missing_variables(pack, {"namespace": "a", "cell": "b"}) is None


def test_an_unknown_variable_names_the_ones_that_exist() -> None:
    with pytest.raises(UnknownVariable) as unknown:
        expand('rate(x{ns="$nope"}[5m])', {"ns": "a", "cell": "b"})
    assert str(unknown.value) == "unknown variable $nope (defined: $cell, $ns)"
    assert str(UnknownVariable("x", set())) == "unknown variable $x (defined: none)"


def test_a_misspelt_variable_names_the_one_it_meant() -> None:
    with pytest.raises(UnknownVariable) as unknown:
        expand('up{namespace="$namspace"}', {"namespace": "a", "rate_window": "1m"})
    assert str(unknown.value) == (
        "unknown variable $namspace: did you mean $namespace? (defined: $namespace, $rate_window)"
    )


def test_only_the_lower_modifier_lowers_and_plain_http_is_a_link_too() -> None:
    link = expand_link("http://h/${pod}/$env/${team:lower}", {"pod": "NPA-1", "team": "SRE"}, {"env": "Prod"})
    assert link == "http://h/NPA-1/Prod/sre"


def test_a_packs_links_take_the_row_entity_and_its_type_as_untrusted_labels() -> None:
    pack = _pack_needing()
    links = pack.links.model_copy(
        update={"runbook": "https://rb/${entity_type}/${entity}?c=$cluster", "dashboard": "https://d/$nosuch"}
    )
    pack = pack.model_copy(update={"links": links})
    found = pack_links(pack, {"cluster": "eu-1"}, {"job": "x"}, entity="npa 1", entity_type="agent")
    assert found == [("runbook", "https://rb/agent/npa%201?c=eu-1")]  # the dashboard's variable is unknown
    assert pack_links(pack, {"cluster": "eu-1"}, {"job": "x"}) == []  # no entity: no runbook link


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("250ms", 0.25), ("1h30m", 5400), ("2w", 1_209_600), ("1y", 31_536_000), ("1d", 86400), ("1.5s", 1.5)],
)
def test_pack_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5m x", "m5"])
def test_pack_durations_that_are_not(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_the_variables_a_template_uses() -> None:
    assert variables_in("${a} $b $$c ${a}") == {"a", "b"}


def test_a_latency_sli_matches_both_spellings_of_its_bucket_boundary() -> None:
    good, total = latency_sli_queries(
        LatencySli(histogram="http_duration_seconds", selector='{job="api"}', threshold=1)
    )
    assert good == (
        'sum(rate(http_duration_seconds_bucket{job="api", le=~"1|1\\\\.0"}[$window]))'  # "1" or "1.0"
    )
    assert total == 'sum(rate(http_duration_seconds_count{job="api"}[$window]))'
    half, _ = latency_sli_queries(LatencySli(histogram="h", threshold=0.5))
    assert half == 'sum(rate(h_bucket{le=~"0\\\\.5"}[$window]))'  # one spelling, its dot escaped
