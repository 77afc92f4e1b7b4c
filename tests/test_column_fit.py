"""Which columns a pane keeps when it is too narrow: the least important go first, the state
never, long text is cut rather than a column hidden while it can still be read."""

from __future__ import annotations

from opsconsole.ui.column_fit import CELL_PADDING, ColumnSpec, fit_columns

SPECS = [
    ColumnSpec("Severity", 1),
    ColumnSpec("Alert", 1, shrink_to=10),
    ColumnSpec("Entity", 3),
    ColumnSpec("State", 0),
    ColumnSpec("Summary", 4, shrink_to=10),
]
NATURAL = [8, 30, 20, 8, 40]


def _room(*widths: int) -> int:
    return sum(w + CELL_PADDING for w in widths)


def test_everything_fits_at_natural_width() -> None:
    fit = fit_columns(SPECS, NATURAL, _room(*NATURAL))
    assert fit.shown == (0, 1, 2, 3, 4)
    assert fit.widths == tuple(NATURAL)
    assert fit.hidden == () and fit.hidden_note() == ""


def test_long_text_is_cut_before_any_column_is_hidden() -> None:
    fit = fit_columns(SPECS, NATURAL, _room(8, 10, 20, 8, 10))
    assert fit.shown == (0, 1, 2, 3, 4)
    assert fit.widths == (8, 10, 20, 8, 10)


def test_the_least_important_column_goes_first_and_is_named() -> None:
    fit = fit_columns(SPECS, NATURAL, _room(8, 10, 20, 8))
    assert fit.hidden == ("Summary",)
    assert fit.hidden_note() == "hidden columns: Summary"
    fit = fit_columns(SPECS, NATURAL, _room(8, 10, 8))
    assert [SPECS[i].label for i in fit.shown] == ["Severity", "Alert", "State"]
    assert fit.hidden == ("Entity", "Summary")  # most important first


def test_room_left_goes_back_to_the_most_important_cut_column() -> None:
    fit = fit_columns(SPECS, NATURAL, _room(8, 10, 8) + 5)
    assert dict(zip(fit.shown, fit.widths, strict=True)) == {0: 8, 1: 15, 3: 8}


def test_the_state_column_is_never_hidden_even_alone_too_wide() -> None:
    fit = fit_columns(SPECS, NATURAL, 6)
    assert [SPECS[i].label for i in fit.shown] == ["State"]
    assert sum(w + CELL_PADDING for w in fit.widths) <= 6


def test_never_wider_than_the_room() -> None:
    for room in range(0, _room(*NATURAL) + 3):
        fit = fit_columns(SPECS, NATURAL, room)
        assert 3 in fit.shown
        assert sum(w + CELL_PADDING for w in fit.widths) <= max(room, len(fit.shown) * (1 + CELL_PADDING))
        assert len(fit.shown) + len(fit.hidden) == len(SPECS)


def test_a_name_already_cut_loses_more_of_its_head_and_keeps_one_ellipsis() -> None:
    from opsconsole.ui.pane import _middle_cut

    assert _middle_cut("npa-deployment-…-zjt4w", 14) == "npa-dep…-zjt4w"
    assert _middle_cut("npa-deployment-7c9d8b6f54-x2k4p", 14) == "npa-dep…-x2k4p"
    assert _middle_cut("redis-exporter.prod.svc:9121", 14).count("…") == 1
    assert all(len(_middle_cut("npa-deployment-…-zjt4w", w)) <= w for w in range(3, 30))
