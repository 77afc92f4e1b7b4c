"""screenshots/ is what the script produces today (so nobody hand-edits or forgets to regenerate)."""

from __future__ import annotations

from pathlib import Path

from opsconsole.ui.screenshots import SHOTS, WALLBOARD_SHOTS, main

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def test_committed_screenshots_match_a_fresh_run(tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 0
    for name in [shot[0] for shot in SHOTS] + [shot[0] for shot in WALLBOARD_SHOTS]:
        fresh = (tmp_path / f"{name}.svg").read_text(encoding="utf-8")
        committed = SCREENSHOTS / f"{name}.svg"
        assert committed.exists(), f"{committed} missing: run python -m opsconsole.ui.screenshots"
        assert committed.read_text(encoding="utf-8") == fresh, (
            f"{committed.name} is stale: run python -m opsconsole.ui.screenshots"
        )
