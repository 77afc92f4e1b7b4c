"""``opsconsole wallboard --serve``: the wallboard in a browser, through textual-serve.

textual-serve runs one wallboard process per browser tab (the command below, with Textual's
web driver) and relays its screen over a websocket. Each process is the ordinary read-only
wallboard, so a browser gets exactly the keys and the guarantees of the terminal one.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence


def serve_wallboard(command: Sequence[str], *, host: str, port: int, public_url: str | None) -> int:
    """Serve ``command`` (a wallboard command line) on ``host:port`` until interrupted."""
    from textual_serve.server import Server

    if host not in {"127.0.0.1", "localhost", "::1"}:
        print(
            f"opsconsole wallboard: serving on {host}: anyone who can reach port {port} sees the board "
            "(read-only, but it shows your alerts). Put it behind your usual auth proxy.",
            file=sys.stderr,
        )
    server = Server(
        shlex.join(command), host=host, port=port, title="opsconsole wallboard", public_url=public_url
    )
    server.serve()
    return 0
