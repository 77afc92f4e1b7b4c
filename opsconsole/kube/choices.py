"""Which service the user picked for each backend, remembered per kube context."""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs


def default_choices_path() -> Path:
    """``$XDG_STATE_HOME/opsconsole/kube-choices.json`` (or the platform's equivalent)."""
    return platformdirs.user_state_path("opsconsole") / "kube-choices.json"


class ChoiceStore:
    """``{kube context: {backend kind: "namespace/name"}}`` in a small JSON file.

    A damaged or unreadable file means "nothing remembered": the user is asked again rather
    than the console refusing to start.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_choices_path()

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            str(context): {str(k): str(v) for k, v in kinds.items()}
            for context, kinds in data.items()
            if isinstance(kinds, dict)
        }

    def get(self, context: str, kind: str) -> str | None:
        """The remembered ``namespace/name`` for ``kind`` in ``context``."""
        return self._load().get(context, {}).get(kind)

    def put(self, context: str, kind: str, ref: str) -> None:
        """Remember a choice (written atomically)."""
        data = self._load()
        data.setdefault(context, {})[kind] = ref
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)

    def forget(self, context: str) -> None:
        """Drop every choice for ``context`` (``--choose`` asks again)."""
        data = self._load()
        if data.pop(context, None) is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
