"""One pydantic ``TypeAdapter`` per type, built the first time a client parses that type.

Creating a ``TypeAdapter`` builds its validator (about 0.1 to 0.2 ms for a list of models);
the clients parse the same few types on every refresh, so each is built once per process and
kept. (``defer_build`` would not help: a deferred schema is rebuilt by every new adapter.)
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import TypeAdapter


@functools.cache
def adapter_for(kind: Any) -> TypeAdapter[Any]:
    """The adapter that validates ``kind`` (a model class or a type such as ``list[Alert]``)."""
    return TypeAdapter(kind)
