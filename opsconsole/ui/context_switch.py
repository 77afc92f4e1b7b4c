"""``:ctx``, ``:pack`` and ``:theme``: the console moves to another context, pack or theme.

A switch builds the new refresh service first; only when that worked is the old one closed, so a
context that cannot be resolved leaves the console where it was, with a toast saying why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsconsole.ui.app import OpsConsoleApp


def switch_context(app: OpsConsoleApp, args: list[str]) -> None:
    """``:ctx NAME`` (no name: the list; ``*``: every context in one view, Enter opens one)."""
    if args == ["*"]:
        open_overview(app)
        return
    _switch(app, args, app.options.contexts, "context")


def open_overview(app: OpsConsoleApp) -> None:
    """``:ctx *``: the overview screen; the context chosen there is switched to."""
    from opsconsole.ui.overview_screen import OverviewScreen

    if app.options.make_overview is None:
        app.notify("one context only here: `:ctx *` needs contexts in the config file", severity="warning")
        return
    try:
        overview = app.options.make_overview()
    except ValueError as exc:
        app.notify(f"cannot open the overview: {exc}", severity="error")
        return

    def chosen(name: str | None) -> None:
        if name and name != app.context_name:
            switch_context(app, [name])

    screen = OverviewScreen(
        overview,
        app.options.clock,
        refresh_interval=app.options.refresh_interval,
        auto_refresh=app.options.auto_refresh,
    )
    app.push_screen(screen, chosen)


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
    app.logs.restart_main_tail()
    app.silence_service = app.new_silence_service()
    app.run_worker(old.backends.aclose(), group="close")
    app.board = None
    app.render_header()
    app.restart_refresh()


def switch_theme(app: OpsConsoleApp, args: list[str]) -> None:
    """``:theme NAME`` (no name: the list), saved when the app can save it."""
    names = list(app.options.themes)
    if not args:
        app.notify(f"themes: {', '.join(names)}")
        return
    if args[0] not in app.options.themes:
        app.notify(f"no theme {args[0]!r}; known: {', '.join(names)}", severity="error")
        return
    app.console_theme = app.options.themes[args[0]]
    app.theme = app.console_theme.textual.name
    if app.options.save_theme:
        app.options.save_theme(args[0])
    app.render_board()
    app.render_header()
