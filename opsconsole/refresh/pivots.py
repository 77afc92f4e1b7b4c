"""From something on screen (an alert, an agent, a RED row) to its logs and its traces.

The pack says how: ``logs.entity_selector`` with ``$entity_type``/``$entity``, ``traces.service``
with the same, and ``alerts.entity_*_label`` for which alert labels name the entity.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from opsconsole.core.row_keys import first_label
from opsconsole.packs.schema import QueryPack
from opsconsole.packs.variables import expand

# A matcher whose value is exactly $entity (or ${entity}); dropped when only the type is known.
_ENTITY_MATCHER = re.compile(r',?\s*[A-Za-z_][A-Za-z0-9_]*\s*(=~|=|!=|!~)\s*"\$\{?entity\}?"\s*,?')


def _keep_one_comma(match: re.Match[str]) -> str:
    """A matcher between two others leaves one comma behind; first or last leaves none."""
    text = match.group().strip()
    return "," if text.startswith(",") and text.endswith(",") else ""


def _escape(value: str) -> str:
    """A label value inside a LogQL double-quoted string."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def alert_entity(pack: QueryPack, labels: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(entity type, entity) an alert is about, from the pack's alert label mapping."""
    spec = pack.alerts
    kind = first_label(labels, spec.entity_type_labels)
    entity = first_label(labels, spec.entity_instance_labels)
    return (kind[1] if kind else None), (entity[1] if entity else None)


def entity_logql(
    pack: QueryPack, values: Mapping[str, str], entity_type: str | None, entity: str | None
) -> str | None:
    """The pack's log query narrowed to one entity (or one entity type); None without a mapping."""
    logs = pack.logs
    if logs is None:
        return None
    if logs.selector is None or logs.entity_selector is None or entity_type is None:
        return None
    selector = logs.entity_selector
    if entity is None:
        selector = _ENTITY_MATCHER.sub(_keep_one_comma, selector)
    narrowed = expand(
        selector, {**values, "entity_type": _escape(entity_type), "entity": _escape(entity or "")}
    )
    return f"{narrowed} {logs.pipeline}".strip()


def entity_service(
    pack: QueryPack, values: Mapping[str, str], entity_type: str | None, entity: str | None
) -> str | None:
    """The Jaeger service of an entity, from ``traces.service``; None without a mapping."""
    if pack.traces is None or entity_type is None:
        return None
    template = pack.traces.service_by_type.get(entity_type, pack.traces.service)
    return expand(template, {**values, "entity_type": entity_type, "entity": entity or ""})
