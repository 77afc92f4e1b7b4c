"""Label values as Prometheus 3 stores them after a scrape: classic histogram ``le`` in float form.

Since 3.0 Prometheus rewrites the ``le`` label of classic histogram buckets (and ``quantile`` of
summaries) into OpenMetrics float text when it scrapes: a service exposing ``le="1"`` is stored as
``le="1.0"``, ``le="1000000"`` as ``le="1e+06"``. 2.x stored the exposed text. The demo world exposes
what the seeds' Node.js services expose (``le="1"``); the simulated Prometheus follows Prometheus 3
and serves the stored form, so a pack that writes ``le="1"`` sees no data on the demo exactly as it
would on a real Prometheus 3.
"""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal
from typing import Protocol, TypeVar


class _Labelled(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def labels(self) -> tuple[tuple[str, str], ...]: ...


S = TypeVar("S", bound=_Labelled)


def go_shortest_g(value: float) -> str:
    """Go's ``strconv.FormatFloat(value, 'g', -1, 64)``: shortest digits, exponent form below 1e-4
    and from 1e+06 on (Python's ``repr`` switches at 1e+16, so it cannot be used as is)."""
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(str(d) for d in digit_tuple)
    lead = len(digits) + exponent - 1  # decimal exponent of the first digit
    prefix = "-" if sign else ""
    if lead < -4 or lead >= 6:
        mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'+' if lead >= 0 else '-'}{abs(lead):02d}"
    if lead >= 0:
        whole, fraction = digits[: lead + 1].ljust(lead + 1, "0"), digits[lead + 1 :]
    else:
        whole, fraction = "0", "0" * (-lead - 1) + digits
    return prefix + whole + (f".{fraction}" if fraction else "")


def openmetrics_float(value: float) -> str:
    """Prometheus' ``labels.FormatOpenMetricsFloat``: Go's shortest form with ``.0`` when it has no
    point and no exponent (``1.0``, ``10.0``, ``0.25``, ``1e+06``, ``+Inf``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = go_shortest_g(value)
    return text if any(c in text for c in ".eE") else f"{text}.0"


def stored_le(value: str) -> str:
    """An ``le`` value as Prometheus 3 stores it; text that is not a number is kept as it is."""
    try:
        return openmetrics_float(float(value))
    except ValueError:
        return value


def as_stored(series: S) -> S:
    """``series`` with a classic histogram bucket's ``le`` in the form Prometheus 3 stores."""
    if not series.name.endswith("_bucket"):
        return series
    labels = tuple((k, stored_le(v) if k == "le" else v) for k, v in series.labels)
    return series if labels == series.labels else replace(series, labels=labels)  # type: ignore[type-var]
