"""The wallboard's alert lists say what they leave out: alerts firing outside the pack, and the
firing alerts past the overview's eight. A short list never reads as all there is."""

from __future__ import annotations

import io

from rich.console import Console

from opsconsole.core.dashboard import AlertView
from opsconsole.ui.themes import load_themes
from opsconsole.ui.wallboard_tables import alert_table

THEME = load_themes()[0]["dark"]
NOW = 1_800_000_000.0


def _plain(renderable: object) -> str:
    out = io.StringIO()
    Console(file=out, width=100, color_system=None, legacy_windows=False).print(renderable)
    return out.getvalue()


def _alert(name: str) -> AlertView:
    return AlertView(name, name, "warning", "firing", NOW - 60, f"{name} is bad", {}, {}, "db-1")


def test_alerts_outside_the_pack_and_past_the_list_are_said_under_it() -> None:
    shown = {"more_where": "on the alerts page"}
    text = _plain(alert_table([_alert("Disk")], THEME, now=NOW, width=100, more=2, outside=3, **shown))
    assert "Disk" in text
    assert "+ 2 more firing, on the alerts page · + 3 firing outside this pack, not listed" in text
    # A wallboard without the alerts page (--pages overview) sends nobody to look for it.
    alone = _plain(alert_table([_alert("Disk")], THEME, now=NOW, width=100, more=2))
    assert "+ 2 more firing" in alone and "alerts page" not in alone


def test_nothing_firing_in_the_pack_is_not_a_quiet_board_when_alerts_fire_outside_it() -> None:
    assert _plain(alert_table([], THEME, now=NOW, width=100, outside=2)).strip() == (
        "no alerts of this pack firing · 2 firing outside it"
    )
    assert _plain(alert_table([], THEME, now=NOW, width=100)).strip() == "no alerts firing"
    assert "outside" not in _plain(alert_table([_alert("Disk")], THEME, now=NOW, width=100))
