"""The text a failed screen snapshot prints (tests/support/snapshot_text.py), on a stored picture."""

from __future__ import annotations

from pathlib import Path

from tests.support.snapshot_text import snapshot_difference, svg_lines

PICTURE = Path(__file__).parent / "__snapshots__" / "test_ui_snapshots" / "test_trace_search.svg"


def test_the_lines_of_a_picture_read_as_the_terminal_showed_them() -> None:
    lines = svg_lines(PICTURE.read_text())
    assert len(lines) == 40  # the picture's terminal is 120x40
    assert (
        lines[0]
        == " service=NAME op=OPERATION min=200ms errors since=1h  (Enter searches; Enter on a trace opens it)"
    )
    assert all(len(line) <= 120 for line in lines)
    assert lines[-1].strip()  # the key footer, on the last line


def test_a_changed_word_is_named_with_its_line() -> None:
    svg = PICTURE.read_text()
    changed = svg.replace("newest&#160;first", "oldest&#160;first", 1)
    assert changed != svg
    difference = snapshot_difference(svg, changed)
    removed = [line for line in difference.splitlines() if line.startswith("-") and "newest first" in line]
    added = [line for line in difference.splitlines() if line.startswith("+") and "oldest first" in line]
    assert len(removed) == len(added) == 1, difference


def test_a_change_of_colour_alone_is_shown_by_style() -> None:
    svg = PICTURE.read_text()
    head, sep, tail = svg.partition('<text class="terminal-r2" x="12.2" y="20"')
    assert sep
    changed = head + '<text class="terminal-r9" x="12.2" y="20"' + tail
    difference = snapshot_difference(svg, changed)
    changed_lines = [line for line in difference.splitlines()[2:] if line[:1] in "+-"]
    # The text is the same, so the runs are compared: column, style class and text.
    assert [line[:16] for line in changed_lines] == ["-1:terminal-r2:'", "+1:terminal-r9:'"], difference


def test_the_same_picture_has_no_difference() -> None:
    svg = PICTURE.read_text()
    assert snapshot_difference(svg, svg) == ""
