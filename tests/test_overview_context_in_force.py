"""`:ctx *`, `:silences *` and the wallboard's contexts page read the context in force as the console
does: its URL flags apply to its own row (and to no other context's)."""

from __future__ import annotations

from opsconsole.config import ConsoleConfig, ContextSettings, EndpointSettings, Overrides, resolve_context
from opsconsole.launch import console_options, wallboard_options
from opsconsole.refresh.session import load_pack_set

PROM = "http://127.0.0.1:9"
AM = "http://127.0.0.1:10"


def _options(config: ConsoleConfig, context_name: str | None, *, read_only: bool = False) -> list[object]:
    flags = Overrides(context=context_name, prometheus=PROM, alertmanagers=(AM,), read_only=read_only)
    context = resolve_context(config, flags, {}, None)

    def resolve(name: str) -> object:
        return resolve_context(config, Overrides(context=name), {}, None)

    packs = load_pack_set(context)
    if read_only:
        wall = wallboard_options(
            context, packs, pack=None, variables={}, theme=None, pages=("contexts",), rotate_seconds=0
        )
        return list(wall.make_overview().contexts)
    options = console_options(context, packs, pack=None, variables={}, theme=None, resolve=resolve)  # type: ignore[arg-type]
    assert options.make_overview is not None
    return list(options.make_overview().contexts)


def _urls(target: object) -> tuple[str | None, list[str]]:
    settings = target.settings  # type: ignore[attr-defined]
    prom = settings.prometheus.url if settings.prometheus else None
    return prom, [am.url for am in settings.alertmanagers]


def test_without_a_config_file_the_one_row_has_the_flags_backends() -> None:
    for read_only in (False, True):
        [row] = _options(ConsoleConfig(), None, read_only=read_only)
        assert row.name == "default"  # type: ignore[attr-defined]
        assert _urls(row) == (PROM, [AM])


def test_the_flags_name_the_context_in_force_and_no_other() -> None:
    other = "http://127.0.0.1:11"
    config = ConsoleConfig(
        contexts={
            "prod": ContextSettings(prometheus=EndpointSettings(url=other)),
            "staging": ContextSettings(prometheus=EndpointSettings(url=other)),
        }
    )
    rows = {row.name: row for row in _options(config, "prod")}  # type: ignore[attr-defined]
    assert _urls(rows["prod"]) == (PROM, [AM])
    assert _urls(rows["staging"]) == (other, [])
