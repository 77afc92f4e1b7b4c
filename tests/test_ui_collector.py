"""After its first refresh the console exempts its start-up objects from the cycle collector."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# In a fresh interpreter: the exemption is once per process, and the test process has
# started other apps before this one.
_CHILD = textwrap.dedent(
    """
    import asyncio, gc
    from opsconsole.demo.stack import BackgroundStack, DemoStack
    from opsconsole.ui.app import OpsConsoleApp
    from opsconsole.launch import demo_options

    async def main(urls):
        app = OpsConsoleApp(demo_options(urls))
        async with app.run_test(size=(120, 40)) as pilot:
            before = gc.get_freeze_count() if app.board is None else -1
            for _ in range(400):
                await pilot.pause(0.05)
                if app.board is not None and gc.get_freeze_count():
                    break
            print(before, app.board is not None, gc.get_freeze_count())

    stack = BackgroundStack(DemoStack())
    try:
        asyncio.run(main(stack.start()))
    finally:
        stack.stop()
    """
)


def test_objects_alive_after_the_first_refresh_are_frozen_once() -> None:
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    before, board_loaded, frozen = out.stdout.split()[-3:]
    assert before == "0"  # nothing is frozen before the first board
    assert board_loaded == "True"
    assert int(frozen) > 20_000  # the app, its modules and its first board
