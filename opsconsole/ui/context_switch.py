"""``:ctx``, ``:pack`` and ``:theme``: the console moves to another context, pack or theme.

A switch builds the new refresh service first; only when that worked is the old one closed, so a
context that cannot be resolved leaves the console where it was, with a toast saying why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsconsole.ui.app import OpsConsoleApp


def switch_context(app: OpsConsoleApp, args: list[str]) -> None:
    """``:ctx NAME`` (no name: the list)."""
    _switch(app, args, app.options.contexts, "context")


def switch_pack(app: OpsConsoleApp, args: list[str]) -> None:
    """``:pack NAME`` (no name: the list)."""
    _switch(app, args, app.options.packs, "pack")


def _switch(app: OpsConsoleApp, args: list[str], known: list[str], what: str) -> None:
    if not args:
        app.notify(f"{what}s: {', '.join(known)}")
        return
    target = args[0]
    if target not in known:
        app.notify(f"no {what} {target!r}; known: {', '.join(known)}", severity="error")
        return
    context = target if what == "context" else app.context_name
    pack = target if what == "pack" else app.pack_name
    try:
        service = app.options.make_service(context, pack)
    except (ValueError, KeyError) as exc:
        app.notify(f"cannot switch {what}: {exc}", severity="error")
        return
    old = app.service
    app.service, app.context_name, app.pack_name = service, context, pack
    app.tails.stop_all()
    app.main.log_pane.view.buffer.clear()
    app.main_line_filter = ""
    app.start_main_tail()
    app.silence_service = app.new_silence_service()
    app.run_worker(old.backends.aclose(), group="close")
    app.board = None
    app.render_header()
    app.restart_refresh()


def switch_theme(app: OpsConsoleApp, args: list[str]) -> None:
    """``:theme NAME`` (no name or an unknown one: the list), saved when the app can save it."""
    names = list(app.options.themes)
    if not args or args[0] not in app.options.themes:
        app.notify(f"themes: {', '.join(names)}", severity="error" if args else "information")
        return
    app.console_theme = app.options.themes[args[0]]
    app.theme = app.console_theme.textual.name
    if app.options.save_theme:
        app.options.save_theme(args[0])
    app.render_board()
    app.render_header()
