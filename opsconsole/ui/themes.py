"""Theme files (``themes/*.yaml`` and the user's ``themes/`` folder) as Textual themes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.style import Style

from opsconsole.config import default_themes_dir
from opsconsole.core.located_yaml import YamlSyntaxError, describe_validation_error
from opsconsole.resources import builtin_themes_dir
from opsconsole.yaml_cache import load_yaml_cached

if TYPE_CHECKING:
    # textual.theme imports nearly all of Textual: the console loads its themes before its first
    # refresh starts and Textual is imported beside it (launch.open_console).
    from textual.theme import Theme

STATE_NAMES = ("crit", "warn", "ok", "none", "info", "muted", "bar")


class ThemeBase(BaseModel):
    """Textual's base colours."""

    model_config = ConfigDict(extra="forbid")
    primary: str
    secondary: str | None = None
    accent: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    foreground: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None


class ThemeStates(BaseModel):
    """Rich styles for threshold levels and states (``bold #ff0000``, ``reverse``…)."""

    model_config = ConfigDict(extra="forbid")
    crit: str = "bold red"
    warn: str = "yellow"
    ok: str = "green"
    none: str = "dim"
    info: str = "blue"
    muted: str = "dim"
    bar: str = "blue"


class ThemeFile(BaseModel):
    """One theme file."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    dark: bool = True
    base: ThemeBase
    states: ThemeStates = Field(default_factory=ThemeStates)


@dataclass(frozen=True)
class ConsoleTheme:
    """A loaded theme: the Textual theme and the state styles the panes use."""

    name: str
    base: ThemeBase  # Textual's base colours (its fields are Theme's)
    dark: bool
    states: dict[str, Style]
    source: str

    @cached_property
    def textual(self) -> Theme:
        """The Textual theme (made when the app first asks for it)."""
        from textual.theme import Theme

        return Theme(
            name=f"opsconsole-{self.name}", dark=self.dark, **self.base.model_dump(exclude_none=True)
        )

    def style(self, state: str) -> Style:
        """Style for a level/state name (unknown names get the ``none`` style)."""
        return self.states.get(state, self.states["none"])


def parse_theme(text: str, source: str) -> ConsoleTheme:
    """Validate one theme file; ``ValueError`` names the file, line and field on a problem."""
    try:
        doc = load_yaml_cached(text, source)
    except YamlSyntaxError as exc:
        raise ValueError(str(exc)) from None
    try:
        spec = ThemeFile.model_validate(doc.data)
    except ValidationError as exc:
        raise ValueError(
            "\n".join(describe_validation_error(exc, doc, model=ThemeFile, docs="the README's Themes"))
        ) from None
    states = {}
    for name in STATE_NAMES:
        raw = getattr(spec.states, name)
        try:
            states[name] = Style.parse(raw) if raw else Style()
        except Exception as exc:  # rich raises StyleSyntaxError / ColorParseError
            raise ValueError(f"{source}:{doc.line_of(('states', name))}: states.{name}: {exc}") from None
    # Theme takes ThemeBase's fields as they are and checks nothing more: what it could reject,
    # the schema above already has (extra keys are forbidden, each colour is a string).
    return ConsoleTheme(spec.name, spec.base, spec.dark, states, source)


def load_themes(dirs: list[Path] | None = None) -> tuple[dict[str, ConsoleTheme], list[str]]:
    """Built-in themes, then the user's (same name overrides); returns themes and error lines."""
    themes: dict[str, ConsoleTheme] = {}
    errors: list[str] = []
    for folder in dirs if dirs is not None else [builtin_themes_dir(), default_themes_dir()]:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            try:
                theme = parse_theme(path.read_text(encoding="utf-8"), str(path))
            except (OSError, ValueError) as exc:
                errors.append(str(exc))
                continue
            themes[theme.name] = theme
    return themes, errors
