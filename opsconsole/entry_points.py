"""The installed commands, ``opsconsole`` and ``kubectl-opsconsole``, and ``python -m opsconsole``.

Each holds the cycle collector off while the command starts
(:mod:`opsconsole.startup_collector`) before importing the command line, which is where the
start-up's imports begin; then it runs :mod:`opsconsole.cli`.
"""

from __future__ import annotations

from opsconsole.startup_collector import hold_during_start_up


def opsconsole() -> int:
    """``opsconsole``: :func:`opsconsole.cli.main`."""
    hold_during_start_up()
    from opsconsole.cli import main

    return main()


def kubectl_opsconsole() -> int:
    """``kubectl-opsconsole`` (``kubectl opsconsole``): :func:`opsconsole.cli.kubectl_main`."""
    hold_during_start_up()
    from opsconsole.cli import kubectl_main

    return kubectl_main()
