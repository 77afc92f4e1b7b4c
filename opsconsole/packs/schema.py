"""The query-pack format: what each pane of the console shows, as PromQL and LogQL.

A pack is data, not code: a YAML file a user can copy, edit and drop into a
folder. Every query has a stable id (``red.core-api.rate``) so the console can
show the exact query behind every number. See ``docs/query-packs.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

API_VERSION = "opsconsole.dev/v1"
NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"


class _Strict(BaseModel):
    # defer_build: a model's validator is built when first used, not at import; a one-shot command
    # uses few of them. pydantic >= 2.14 builds it under a lock, so threads may validate at once.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Thresholds(_Strict):
    """When a value is worth a colour: ``above`` means high is bad, ``below`` means low is bad."""

    warn: float | None = None
    crit: float | None = None
    direction: Literal["above", "below"] = "above"

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.warn is not None and self.crit is not None:
            if self.direction == "above" and self.warn > self.crit:
                raise ValueError(
                    f"with direction 'above', warn ({self.warn}) must not exceed crit ({self.crit})"
                )
            if self.direction == "below" and self.warn < self.crit:
                raise ValueError(
                    f"with direction 'below', warn ({self.warn}) must not be below crit ({self.crit})"
                )
        return self

    def level(self, value: float | None) -> Literal["ok", "warn", "crit", "none"]:
        """``crit``, ``warn``, ``ok`` or ``none`` (no value or no thresholds)."""
        if value is None or value != value:  # NaN is "no data", never a level
            return "none"
        if self.warn is None and self.crit is None:
            return "none"
        sign = 1.0 if self.direction == "above" else -1.0
        if self.crit is not None and sign * value >= sign * self.crit:
            return "crit"
        if self.warn is not None and sign * value >= sign * self.warn:
            return "warn"
        return "ok"


class Query(_Strict):
    """One PromQL query with how to show its result."""

    query: str = Field(min_length=1)
    display: str | None = None
    unit: str = ""
    thresholds: Thresholds | None = None
    legend: list[str] = Field(default_factory=list, description="labels that name a series in charts")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"query": data} if isinstance(data, str) else data


class Variable(_Strict):
    """A pack variable and its default; overridable per context and with ``--var``.

    A variable without a default is required: the console asks for it instead of guessing (the
    ``kubernetes`` pack's namespace, say); ``example`` shows what a value looks like."""

    default: str | None = None
    description: str = ""
    example: str = ""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"default": str(data)} if isinstance(data, str | int | float) else data


class Metadata(_Strict):
    """Who made the pack and what it watches."""

    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    maintainer: str = ""


def _labels(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


class EntitySpec(_Strict):
    """What an "agent" is: the label naming its type and the label naming the instance.

    Either may be a list: the first label a series carries wins. That is the pack's identity rule
    when targets differ in what they carry (a pod name where service discovery sets one, the
    ``instance`` address where it does not). The health pane says which label named each row.
    """

    type_label: str | list[str] = Field(min_length=1)
    instance_label: str | list[str] = Field(min_length=1)
    display: str = "agent"

    @property
    def type_labels(self) -> tuple[str, ...]:
        """Labels naming the type, first present wins."""
        return _labels(self.type_label)

    @property
    def instance_labels(self) -> tuple[str, ...]:
        """Labels naming the instance, first present wins."""
        return _labels(self.instance_label)


class HealthSection(_Strict):
    """The agent health pane: one row per instance."""

    entity: EntitySpec
    up: Query
    health: Query | None = None
    signals: dict[str, Query] = Field(default_factory=dict)


class Quantiles(_Strict):
    """Explicit latency quantile queries."""

    p50: Query | None = None
    p95: Query | None = None
    p99: Query | None = None


class HistogramDuration(_Strict):
    """Latency from a classic histogram: the console derives p50/p95/p99 with histogram_quantile."""

    histogram: str | list[str] = Field(
        min_length=1,
        description="metric name without _bucket, e.g. http_request_duration_seconds; a list means "
        "the first that has data, per row (for deployments that name it differently)",
    )
    selector: str = Field("", description='label matchers inside {...}, e.g. job="api"')
    unit: str = "s"
    thresholds: Thresholds | None = Field(None, description="applied to p99")

    @property
    def histograms(self) -> tuple[str, ...]:
        """The histogram names, in order of preference."""
        return _labels(self.histogram)


# Which form a RED duration takes is read from its keys (a mapping with `histogram` is the
# histogram form): an error in one form is reported once, at its own field, not again as every
# field being unknown to the other form. The tags name the forms in pydantic's error locations,
# which the loader leaves out of the field it names.
HISTOGRAM_FORM, QUANTILES_FORM = "HistogramDuration", "Quantiles"
UNION_TAGS = frozenset({HISTOGRAM_FORM, QUANTILES_FORM})


def _duration_form(value: Any) -> str:
    if isinstance(value, dict):
        return HISTOGRAM_FORM if "histogram" in value else QUANTILES_FORM
    return HISTOGRAM_FORM if isinstance(value, HistogramDuration) else QUANTILES_FORM


class RedGroup(_Strict):
    """Rate, errors and duration of one service or agent group."""

    display: str | None = None
    by: list[str] = Field(default_factory=list, description="labels that split the group into rows")
    rate: Query
    errors: Query
    duration: Annotated[
        Annotated[HistogramDuration, Tag(HISTOGRAM_FORM)] | Annotated[Quantiles, Tag(QUANTILES_FORM)],
        Discriminator(_duration_form),
    ]


class RedSection(_Strict):
    """The RED pane."""

    groups: dict[str, RedGroup]


class AlertsSection(_Strict):
    """Which Alertmanager alerts belong to this pack, and how they map to entities."""

    matchers: list[str] = Field(
        default_factory=list, description='Alertmanager matchers, e.g. namespace=~"p.*"'
    )
    group_by: list[str] = Field(default_factory=lambda: ["alertname", "severity"])
    entity_type_label: str | list[str] | None = None
    entity_instance_label: str | list[str] | None = None
    heartbeat_alerts: list[str] = Field(
        default_factory=list,
        description="Alert names that fire always on purpose (besides Watchdog and DeadMansSwitch): "
        "silencing or acking one needs an explicit confirmation",
    )

    @property
    def entity_type_labels(self) -> tuple[str, ...]:
        """Alert labels naming the entity's type, first present wins."""
        return _labels(self.entity_type_label)

    @property
    def entity_instance_labels(self) -> tuple[str, ...]:
        """Alert labels naming the entity, first present wins."""
        return _labels(self.entity_instance_label)


class BurnRateRule(_Strict):
    """One multiwindow burn-rate condition: both windows must burn faster than ``factor``."""

    long: str
    short: str
    factor: float = Field(gt=0)
    severity: Literal["page", "ticket"]


# Google SRE Workbook thresholds for a 30-day window (factor = budget share × period / long window).
DEFAULT_BURN_RULES: tuple[BurnRateRule, ...] = (
    BurnRateRule(long="1h", short="5m", factor=14.4, severity="page"),
    BurnRateRule(long="6h", short="30m", factor=6, severity="page"),
    BurnRateRule(long="1d", short="2h", factor=3, severity="ticket"),
    BurnRateRule(long="3d", short="6h", factor=1, severity="ticket"),
)


class RatioSli(_Strict):
    """Event SLI: ``bad``/``total`` or ``good``/``total`` queries using ``$window`` as their range."""

    total: str
    bad: str | None = None
    good: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> RatioSli:
        if (self.bad is None) == (self.good is None):
            raise ValueError("give exactly one of 'bad' or 'good' (with 'total')")
        return self


class LatencySli(_Strict):
    """Latency SLI: share of requests at or under ``threshold`` seconds (a bucket boundary)."""

    histogram: str
    selector: str = ""
    threshold: float = Field(gt=0)


class Slo(_Strict):
    """A service level objective."""

    display: str | None = None
    objective: float = Field(gt=0, lt=1, description="target ratio, e.g. 0.999")
    window: str = "30d"
    ratio: RatioSli | None = None
    latency: LatencySli | None = None
    error_ratio: str | None = Field(
        None,
        description="a query giving bad/total over $window directly, e.g. a recording rule "
        'such as slo:sli_error:ratio_rate$window{sloth_id="api"}',
    )
    burn_rules: list[BurnRateRule] = Field(default_factory=lambda: list(DEFAULT_BURN_RULES))

    @model_validator(mode="after")
    def _one_sli(self) -> Slo:
        given = [k for k in ("ratio", "latency", "error_ratio") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("an SLO needs exactly one SLI: 'ratio', 'latency' or 'error_ratio'")
        return self


class LogFields(_Strict):
    """Which parsed fields hold what."""

    level: str = "level"
    message: str = "message"
    trace_id: str = "trace_id"
    entity: str | None = None
    timestamp: str | None = "timestamp"


class LogsSection(_Strict):
    """The log tail, or why this system's logs are not in Loki (``unavailable``)."""

    selector: str | None = None
    pipeline: str = ""
    fields: LogFields = Field(default_factory=LogFields)
    entity_selector: str | None = Field(None, description="narrower selector for one entity ($entity)")
    unavailable: str | None = Field(
        None,
        description="instead of a selector: where this system's logs are and how to read them "
        "(shown in the log pane, e.g. for logs shipped to Elasticsearch)",
    )

    @model_validator(mode="after")
    def _selector_or_reason(self) -> LogsSection:
        if (self.selector is None) == (self.unavailable is None):
            raise ValueError("give exactly one of 'selector' (LogQL) or 'unavailable' (why there is none)")
        return self


class TracesSection(_Strict):
    """How entities map to Jaeger services."""

    service: str = Field(description="Jaeger service for an entity, e.g. $entity_type")
    service_by_type: dict[str, str] = Field(
        default_factory=dict,
        description="exceptions to `service` by entity type, e.g. the core API's own name",
    )
    trace_id_field: str = "trace_id"


class LinksSection(_Strict):
    """Templated URLs ($alertname, $entity and any alert label)."""

    runbook: str | None = None
    dashboard: str | None = None


class QueryPack(_Strict):
    """A whole pack."""

    api_version: Annotated[Literal["opsconsole.dev/v1"], Field(alias="apiVersion")]
    kind: Literal["QueryPack"]
    metadata: Metadata
    extends: str | None = None
    variables: dict[str, Variable] = Field(default_factory=dict)
    health: HealthSection | None = None
    red: RedSection | None = None
    saturation: dict[str, Query] = Field(
        default_factory=dict, description="shared resources beyond RED (connection pools, disks, queues)"
    )
    alerts: AlertsSection = Field(default_factory=AlertsSection)
    slos: dict[str, Slo] = Field(default_factory=dict)
    logs: LogsSection | None = None
    traces: TracesSection | None = None
    links: LinksSection = Field(default_factory=LinksSection)

    @property
    def name(self) -> str:
        """The pack's name."""
        return self.metadata.name


def fields_at(path: Sequence[str | int]) -> list[str]:
    """The fields a pack may have in the mapping at ``path`` (a pydantic error location, union tags
    included), as written in the file (``apiVersion``); [] where the mapping's keys are free
    names (``variables``, ``slos``) or the path leads nowhere."""
    from opsconsole.core.field_names import fields_at as model_fields_at

    return model_fields_at(QueryPack, path, UNION_TAGS)
