"""Which row a series belongs to: the first identity label it carries, namesakes split by the
labels in which they differ, and a note for each (pure; the refresh suites reach it through panes)."""

from __future__ import annotations

import pytest

from opsconsole.core.row_keys import RowKey, RowKeys, first_label, worse

LABELS = ("kubernetes_pod_name", "agent_id", "instance")


def test_the_identity_is_the_first_label_carried_with_a_value() -> None:
    assert first_label({"agent_id": "a1", "instance": "10.0.0.1:9100"}, LABELS) == ("agent_id", "a1")
    assert first_label({"kubernetes_pod_name": "", "instance": "i:1"}, LABELS) == ("instance", "i:1")
    assert first_label({"job": "x"}, LABELS) is None


def test_a_row_of_its_own_is_shown_by_its_name() -> None:
    keys = RowKeys.from_series(LABELS, [{"agent_id": "a1", "job": "npa"}, {"agent_id": "a2"}], "up")
    assert keys.notes == []
    assert keys.key({"agent_id": "a1", "job": "other"}) == RowKey("a1", "agent_id")
    assert RowKey("a1", "agent_id").display == "a1"
    assert keys.key({"job": "npa"}) is None


def test_namesakes_are_split_by_the_preferred_label_that_tells_them_apart() -> None:
    series = [
        {"__name__": "up", "agent_id": "a1", "job": "npa", "zone": "z1", "instance": "h1:9"},
        {"__name__": "up", "agent_id": "a1", "job": "npa", "zone": "z2", "instance": "h2:9"},
    ]
    keys = RowKeys.from_series(["agent_id"], series, "up")
    assert keys.splits == {"a1": ("instance",)}  # preferred over zone, though both differ
    assert keys.notes == ["2 up series are named 'a1': shown as separate rows, told apart by instance"]
    row = keys.key({"agent_id": "a1", "instance": "h2:9"})
    assert row == RowKey("a1", "agent_id", (("instance", "h2:9"),))
    assert row is not None and row.display == "a1 (instance=h2:9)"
    assert keys.key({"agent_id": "a1"}) is None  # cannot tell which of the two


def test_when_no_single_label_tells_them_apart_the_fewest_together_do() -> None:
    series = [
        {"agent_id": "a1", "job": "x", "zone": "z1"},
        {"agent_id": "a1", "job": "x", "zone": "z2"},
        {"agent_id": "a1", "job": "y", "zone": "z1"},
    ]
    keys = RowKeys.from_series(["agent_id"], series, "up")
    assert keys.splits == {"a1": ("job", "zone")}
    row = keys.key({"agent_id": "a1", "job": "y", "zone": "z1"})
    assert row is not None and row.display == "a1 (job=y, zone=z1)"


def test_identical_namesakes_and_nameless_series_are_said() -> None:
    series = [{"agent_id": "a1"}, {"agent_id": "a1"}, {"job": "x"}, {"job": "y"}]
    keys = RowKeys.from_series(LABELS, series, "up")
    assert keys.notes == [
        "2 up series are named 'a1': shown as separate rows, told apart by nothing (identical label sets)",
        "2 up series carry none of the labels kubernetes_pod_name, agent_id, instance: not shown "
        "(add the label they have to the pack's entity labels)",
    ]


def test_one_nameless_series_carries_none_of_the_labels() -> None:
    # "1 up series carry none of the labels": the verb agrees with one series.
    keys = RowKeys.from_series(["pod"], [{"instance": "a:1"}], "up")
    assert keys.notes == [
        "1 up series carries none of the labels pod: not shown "
        "(add the label they have to the pack's entity labels)"
    ]


def test_notes_come_in_entity_order() -> None:
    series = [{"agent_id": n, "instance": i} for n in ("b", "a") for i in ("1", "2")]
    notes = RowKeys.from_series(["agent_id"], series, "up").notes
    assert [note.split("'")[1] for note in notes] == ["a", "b"]


@pytest.mark.parametrize(("high_is_bad", "shown"), [(True, 0.9), (False, 0.1)])
def test_two_samples_on_one_cell_show_the_worse(high_is_bad: bool, shown: float) -> None:
    assert worse(0.1, 0.9, high_is_bad) == shown
    assert worse(0.9, 0.1, high_is_bad) == shown
