"""Children that a test stops with Ctrl-C (SIGINT), as a user in a terminal would."""

from __future__ import annotations

import signal


def sigint_as_in_a_terminal() -> None:
    """``preexec_fn`` for such a child: SIGINT at its default action again.

    A suite started in the background of a non-interactive shell (``cmd &``, ``nohup``) inherits
    SIGINT ignored, Python then installs no KeyboardInterrupt handler, and the child never stops.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
