"""Start-up wiring: console and wallboard options from a resolved context or the built-in demo
stack, and the runs of both apps. The commands parse the command line; this module takes what they
resolved (never argparse) and hands the apps what they need."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from opsconsole.config import ConfigError, EndpointSettings, Overrides, ResolvedContext, resolve_context
from opsconsole.core.wallboard_figures import PAGES
from opsconsole.mutations.identity import default_author
from opsconsole.mutations.silences import default_journal_path
from opsconsole.packs.loader import PackSet, load_packs
from opsconsole.refresh.backends_set import BackendSet
from opsconsole.refresh.panes import RefreshSettings
from opsconsole.refresh.service import RefreshService
from opsconsole.refresh.session import build_service, choose_pack
from opsconsole.resources import builtin_queries_dir
from opsconsole.ui.console_options import ConsoleOptions
from opsconsole.ui.symbols import pick_symbols
from opsconsole.ui.themes import ConsoleTheme, load_themes
from opsconsole.ui.wallboard_options import WallboardOptions, wallboard_refresh_settings

if TYPE_CHECKING:
    # The demo's simulated stack (aiohttp servers and all) is imported when a demo starts: a
    # console on real backends never needs it, and it was a good part of the start-up's imports.
    from opsconsole.demo.urls import DemoUrls
    from opsconsole.recording.session import RecordingSession
    from opsconsole.ui.app import OpsConsoleApp
    from opsconsole.ui.wallboard import WallboardApp

DEMO_PACK = "progressive-framework"


def theme_choice(
    themes: Mapping[str, ConsoleTheme], requested: str | None, configured: str
) -> tuple[str, list[str]]:
    """``NO_COLOR`` > ``--theme`` > config; a name that is no theme falls back to dark, and the
    notice (the second item) says so, so a typo is not mistaken for a theme that looks like dark."""
    if os.environ.get("NO_COLOR"):
        return "monochrome", []
    name = requested or configured
    if name in themes:
        return name, []
    where = f"--theme {name!r}" if requested else f"theme {name!r} in the config file"
    return "dark", [f"{where} is not a theme: drawn in dark (themes: {', '.join(sorted(themes))})"]


def pick_theme(themes: Mapping[str, ConsoleTheme], requested: str | None, configured: str) -> str:
    """The theme :func:`theme_choice` picks, for a screen with no notices to show."""
    return theme_choice(themes, requested, configured)[0]


def themes_and_notices() -> tuple[dict[str, ConsoleTheme], list[str]]:
    """Built-in and user themes, plus one notice per broken theme file."""
    themes, errors = load_themes()
    return themes, [f"theme not loaded: {e}" for e in errors]


def demo_context() -> ResolvedContext:
    """A context named ``demo`` with no config file behind it."""
    from opsconsole.config import ConsoleConfig

    return resolve_context(ConsoleConfig(), Overrides(), environ={})


def demo_backends(urls: DemoUrls, *, read_only: bool = False, timeout: float = 10.0) -> BackendSet:
    """Clients for the demo stack's four servers, each request abandoned after ``timeout`` seconds."""
    from opsconsole.backends.alertmanager import AlertmanagerClient
    from opsconsole.backends.jaeger import JaegerClient
    from opsconsole.backends.loki import LokiClient
    from opsconsole.backends.prometheus import PrometheusClient

    return BackendSet(
        prometheus=PrometheusClient(
            EndpointSettings(url=urls.prometheus, name="demo", timeout=timeout), read_only=read_only
        ),
        alertmanagers=[
            AlertmanagerClient(
                EndpointSettings(url=urls.alertmanager, name="demo", timeout=timeout), read_only=read_only
            )
        ],
        loki=LokiClient(EndpointSettings(url=urls.loki, name="demo", timeout=timeout), read_only=read_only),
        jaeger=JaegerClient(
            EndpointSettings(url=urls.jaeger, name="demo", timeout=timeout), read_only=read_only
        ),
        read_only=read_only,
    )


def demo_options(
    urls: DemoUrls,
    *,
    clock: Callable[[], float] = time.time,
    theme: str | None = None,
    symbols: str | None = None,
    auto_refresh: bool = True,
    refresh_interval: float = 2.0,
    variables: Mapping[str, str] | None = None,
    contexts: tuple[str, ...] = ("demo",),
    author: str | None = None,
    read_only: bool = False,
    pack: str = DEMO_PACK,
    timeout: float = 10.0,
) -> ConsoleOptions:
    """Console options wired to a running demo stack (every context name points at it).

    ``timeout`` is each request's; tests of a healthy stack raise it, since no timeout is under test there.
    """
    packs = load_packs([(builtin_queries_dir(), "builtin")])
    themes, notices = themes_and_notices()
    chosen_theme, theme_told = theme_choice(themes, theme, "dark")
    context = replace(demo_context(), name="demo")
    if pack not in packs.packs:
        raise ConfigError(f"unknown pack {pack!r} (the demo serves: {', '.join(sorted(packs.packs))})")
    from opsconsole.demo.world import NAMESPACE

    # The demo's context says what the simulated world is, so every built-in pack opens on live data.
    variables = {"namespace": NAMESPACE, **(variables or {})}

    def make_service(context_name: str, pack: str) -> RefreshService:
        named = replace(context, name=context_name)
        backends = demo_backends(urls, read_only=read_only, timeout=timeout)
        return build_service(named, packs, pack, variables, backends=backends, clock=clock)

    return ConsoleOptions(
        make_service=make_service,
        context=contexts[0],
        pack=pack,
        contexts=list(contexts),
        packs=sorted(packs.packs),
        themes=themes,
        theme=chosen_theme,
        refresh_interval=refresh_interval,
        clock=clock,
        auto_refresh=auto_refresh,
        notices=notices + theme_told,
        author=author or default_author(),
        symbols=pick_symbols(requested=symbols),
    )


def run_demo_console(
    *,
    seed: int,
    scenario: str,
    speed: float,
    theme: str | None = None,
    symbols: str | None = None,
    read_only: bool = False,
    pack: str | None = None,
    variables: Mapping[str, str] | None = None,
) -> int:
    """``opsconsole demo``: the simulated stack on a background thread, the console in front.

    ``variables`` (``--var``) win over what the demo's context sets."""
    from opsconsole.demo.stack import BackgroundStack, DemoStack

    background = BackgroundStack(DemoStack(seed=seed, scenario=scenario, speed=speed))
    try:
        urls = background.start()
    except OSError as exc:
        print(f"opsconsole demo: cannot start the simulated stack: {exc}", file=sys.stderr)
        return 1
    try:
        options = demo_options(
            urls,
            theme=theme,
            symbols=symbols,
            read_only=read_only,
            pack=pack or DEMO_PACK,
            variables=variables,
        )
    except ConfigError:
        background.stop()
        raise
    from opsconsole.ui.app import OpsConsoleApp

    app = OpsConsoleApp(options)
    try:
        app.run()
    finally:
        background.stop()
    return app.return_code or 0


def in_force(every: list[ResolvedContext], context: ResolvedContext) -> list[ResolvedContext]:
    """Every context, with the one in force as resolved for this run (its URL flags and environment
    applied): without this, ``--prometheus URL`` and no config file gave a "default" row with no
    backends at all, read as "ok, 0 firing" while the console showed an incident."""
    return [context if target.name == context.name else target for target in every]


def console_options(
    context: ResolvedContext,
    packs: PackSet,
    *,
    pack: str | None,
    variables: Mapping[str, str],
    theme: str | None,
    resolve: Callable[[str], ResolvedContext],
    save_theme: Callable[[str], None] | None = None,
    symbols: str | None = None,
) -> ConsoleOptions:
    """Console options for real backends; ``resolve`` re-resolves another context by name."""
    pack_name = choose_pack(context, packs, pack)
    themes, notices = themes_and_notices()
    chosen_theme, theme_told = theme_choice(themes, theme, context.config.theme)
    notices += theme_told
    notices += [f"pack problem: {e}" for e in packs.errors]
    notices += [str(clash) for clash in packs.clashes_of(pack_name)]

    def make_service(context_name: str, pack_name: str) -> RefreshService:
        try:
            target = context if context_name == context.name else resolve(context_name)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return build_service(target, packs, pack_name, variables)

    contexts = sorted(context.config.contexts) or [context.name]

    def make_overview() -> Any:
        from opsconsole.refresh.context_overview import ContextOverviewService, resolve_every_context

        # Not `resolve`: URL flags and variables name this context's backends, not every context's;
        # but they do name this one's, so its row is the context in force.
        every = in_force(
            resolve_every_context(context.config, context.config_path, read_only=context.read_only), context
        )

        # --pack and --var apply to every context, as in `opsconsole overview`.
        def service_of(target: ResolvedContext) -> RefreshService:
            return build_service(target, packs, choose_pack(target, packs, pack), variables)

        return ContextOverviewService(every, service_of)

    return ConsoleOptions(
        make_overview=make_overview,
        make_service=make_service,
        context=context.name,
        pack=pack_name,
        contexts=contexts,
        packs=sorted(packs.packs),
        themes=themes,
        theme=chosen_theme,
        refresh_interval=context.config.refresh_interval,
        save_theme=save_theme,
        notices=notices,
        author=default_author(context.settings.author or context.config.author),
        ack_duration=context.config.ack_duration,
        ack_until_resolved=context.config.ack_until_resolved,
        ack_cap=context.config.ack_cap,
        ack_resolve_grace=context.config.ack_resolve_grace,
        silence_blast_radius=context.config.silence_blast_radius,
        journal_path=default_journal_path(),
        log_buffer=context.config.log_buffer,
        symbols=pick_symbols(context.config.symbols, requested=symbols),
    )


# What the console's first refresh asks (OpsConsoleApp.settings before any key): the console tails
# Loki itself. A refresh started early with other settings would be thrown away, not drawn.
CONSOLE_FIRST_REFRESH = RefreshSettings(poll_logs=False)


def run_console(options: ConsoleOptions, recording: RecordingSession | None = None) -> int:
    """Run the app until the user quits (or the terminal hangs up: code 129), recording every
    refresh into ``recording`` when given (see :func:`open_console`)."""
    return asyncio.run(open_console(options, recording))


async def open_console(options: ConsoleOptions, recording: RecordingSession | None = None, **run: Any) -> int:
    """Start the first refresh, then import Textual and build the app while its requests are
    out, and run the app (``run``: :meth:`textual.app.App.run_async`'s options, for tests and
    benchmarks). The app's first refresh is that one: the first frame shows its board as soon
    as it is there, or its errors, exactly as a refresh started by the app would.
    """
    if recording is not None:
        from opsconsole.ui.recording_hook import record_console

        record_console(options, recording)  # before the service is made: the first board is recorded
    first = options.make_service(options.context, options.pack)
    first.start_refresh(CONSOLE_FIRST_REFRESH)
    options.make_service = _handing_back(first, options)
    app_class = await asyncio.to_thread(_console_app_class)
    app = app_class(options)
    if recording is not None:
        from opsconsole.ui.recording_hook import attach_console

        attach_console(app, recording)
    try:
        await app.run_async(**run)
    finally:
        if recording is not None:
            recording.close()
    return app.return_code or 0


def _console_app_class() -> type[OpsConsoleApp]:
    """The console's app class: importing it (Textual, every screen) is most of the start-up."""
    from opsconsole.ui.app import OpsConsoleApp

    return OpsConsoleApp


def _handing_back(service: RefreshService, options: ConsoleOptions) -> Callable[[str, str], RefreshService]:
    """``options.make_service`` that returns ``service`` the first time it is asked for the
    options' context and pack (the app's own), and makes a new one otherwise."""
    make = options.make_service
    kept: list[RefreshService] = [service]

    def make_service(context: str, pack: str) -> RefreshService:
        if kept and (context, pack) == (options.context, options.pack):
            return kept.pop()
        return make(context, pack)

    return make_service


def _show_wallboard(options: WallboardOptions, recording: RecordingSession | None) -> int:
    """Run the wallboard until it is quit (see :func:`open_wallboard`)."""
    return asyncio.run(open_wallboard(options, recording))


async def open_wallboard(
    options: WallboardOptions, recording: RecordingSession | None = None, **run: Any
) -> int:
    """The wallboard's start, as :func:`open_console` is the console's: its first refresh goes out
    before Textual is imported and the app built, asking what the app's first refresh asks
    (:func:`wallboard_refresh_settings`), and the app's first refresh collects it. Every refresh
    is recorded into ``recording`` when given."""
    if recording is not None:
        from opsconsole.ui.recording_hook import record_wallboard

        record_wallboard(options, recording)  # before the service is made: the first board is recorded
    first = options.make_service()
    first.start_refresh(wallboard_refresh_settings(options.pages))
    options.make_service = _handing_back_once(first, options.make_service)
    app_class = await asyncio.to_thread(_wallboard_app_class)
    app = app_class(options)
    try:
        await app.run_async(**run)
    finally:
        if recording is not None:
            recording.close()
    return app.return_code or 0


def _handing_back_once(
    service: RefreshService, make: Callable[[], RefreshService]
) -> Callable[[], RefreshService]:
    """A wallboard's ``make_service`` that returns ``service`` the first time and makes one after."""
    kept = [service]

    def make_service() -> RefreshService:
        return kept.pop() if kept else make()

    return make_service


def _wallboard_app_class() -> type[WallboardApp]:
    """The wallboard's app class (Textual and the wallboard's widgets)."""
    from opsconsole.ui.wallboard import WallboardApp

    return WallboardApp


def demo_wallboard_options(
    urls: DemoUrls,
    *,
    clock: Callable[[], float] = time.time,
    theme: str | None = None,
    pages: tuple[str, ...] = PAGES,
    rotate_seconds: float = 30.0,
    auto_refresh: bool = True,
    refresh_interval: float = 2.0,
    timeout: float = 10.0,
) -> WallboardOptions:
    """Wallboard options on a running demo stack, read-only like every wallboard (``timeout`` as in
    :func:`demo_options`)."""
    packs = load_packs([(builtin_queries_dir(), "builtin")])
    themes, notices = themes_and_notices()
    chosen_theme, theme_told = theme_choice(themes, theme, "high-contrast")
    context = replace(demo_context(), name="demo")

    def make_service() -> RefreshService:
        backends = demo_backends(urls, read_only=True, timeout=timeout)
        return build_service(context, packs, DEMO_PACK, backends=backends, clock=clock)

    return WallboardOptions(
        make_service=make_service,
        themes=themes,
        theme=chosen_theme,
        pages=pages,
        rotate_seconds=rotate_seconds,
        refresh_interval=refresh_interval,
        clock=clock,
        auto_refresh=auto_refresh,
        notices=notices + theme_told,
    )


def run_demo_wallboard(
    *,
    theme: str | None,
    pages: tuple[str, ...],
    rotate_seconds: float,
    recording: RecordingSession | None = None,
) -> int:
    """``opsconsole wallboard --demo``: the simulated stack on a background thread, the wallboard in front."""
    from opsconsole.demo.stack import BackgroundStack, DemoStack

    background = BackgroundStack(DemoStack())
    try:
        urls = background.start()
    except OSError as exc:
        print(f"opsconsole wallboard: cannot start the simulated stack: {exc}", file=sys.stderr)
        return 1
    try:
        options = demo_wallboard_options(urls, theme=theme, pages=pages, rotate_seconds=rotate_seconds)
        return _show_wallboard(options, recording)
    finally:
        background.stop()


def run_wallboard(options: WallboardOptions, recording: RecordingSession | None = None) -> int:
    """``opsconsole wallboard`` with ``options`` (from :func:`wallboard_options`) until it is quit."""
    return _show_wallboard(options, recording)


def wallboard_options(
    context: ResolvedContext,
    packs: PackSet,
    *,
    pack: str | None,
    variables: Mapping[str, str],
    theme: str | None,
    pages: tuple[str, ...],
    rotate_seconds: float,
) -> WallboardOptions:
    """The wallboard's options on a resolved read-only context (raises :class:`ConfigError`)."""
    if not context.read_only:
        raise ConfigError("internal: the wallboard context must be read-only")
    pack_name = choose_pack(context, packs, pack)
    themes, notices = themes_and_notices()
    chosen_theme, theme_told = theme_choice(themes, theme, context.config.theme)

    def make_service() -> RefreshService:
        return build_service(context, packs, pack_name, variables)

    def make_overview() -> Any:
        from opsconsole.refresh.context_overview import ContextOverviewService, resolve_every_context

        # Every context read-only, whatever the config says: the wallboard never writes.
        every = in_force(resolve_every_context(context.config, context.config_path, read_only=True), context)
        return ContextOverviewService(  # --pack and --var for every context, as in `overview`
            every, lambda target: build_service(target, packs, choose_pack(target, packs, pack), variables)
        )

    return WallboardOptions(
        make_service=make_service,
        make_overview=make_overview,
        themes=themes,
        theme=chosen_theme,
        pages=pages,
        rotate_seconds=rotate_seconds,
        refresh_interval=context.config.refresh_interval,
        notices=[
            *notices,
            *theme_told,
            *(f"pack problem: {e}" for e in packs.errors),
            *(str(clash) for clash in packs.clashes_of(pack_name)),
        ],
    )
