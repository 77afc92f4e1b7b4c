"""PromQL functions over range vectors and vectors, following Prometheus' own semantics."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable

from opsconsole.demo.promql.values import Labels, PromqlError, RangeSeries, Sample, Vector, without_name


def extrapolated_delta(
    series: RangeSeries, start: float, end: float, *, counter: bool, as_rate: bool
) -> float | None:
    """``rate``/``increase``/``delta`` with Prometheus' extrapolation to the range boundaries."""
    points = series.points
    if len(points) < 2 or series.count < 2:
        return None
    first_t, first_v = points[0]
    last_t, last_v = points[-1]
    result = last_v - first_v
    if counter:
        previous = first_v
        for _, value in points[1:]:
            if value < previous:
                result += previous  # counter reset: the drop is the count before the reset
            previous = value
    sampled = last_t - first_t
    average = sampled / (series.count - 1)
    to_start = first_t - start
    to_end = end - last_t
    if counter and result > 0 and first_v >= 0:
        to_zero = sampled * (first_v / result)
        to_start = min(to_start, to_zero)
    threshold = average * 1.1
    interval = sampled + (to_start if to_start < threshold else average / 2)
    interval += to_end if to_end < threshold else average / 2
    result *= interval / sampled
    if as_rate:
        result /= end - start
    return result


def irate(series: RangeSeries) -> float | None:
    """Per-second rate between the last two samples."""
    if len(series.points) < 2:
        return None
    (t1, v1), (t2, v2) = series.points[-2:]
    delta = v2 - v1 if v2 >= v1 else v2
    return delta / (t2 - t1) if t2 > t1 else None


def _quantile(q: float, values: list[float]) -> float:
    if not values:
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    weight = rank - low
    return ordered[low] * (1 - weight) + ordered[high] * weight


OVER_TIME: dict[str, Callable[[list[float]], float]] = {
    "avg_over_time": lambda v: sum(v) / len(v),
    "min_over_time": min,
    "max_over_time": max,
    "sum_over_time": sum,
    "count_over_time": lambda v: float(len(v)),
    "last_over_time": lambda v: v[-1],
    "stddev_over_time": lambda v: statistics.pstdev(v),
    "stdvar_over_time": lambda v: statistics.pvariance(v),
}


def quantile_over_time(q: float, series: RangeSeries) -> float:
    """The φ-quantile of the values in the range."""
    return _quantile(q, [v for _, v in series.points])


def histogram_quantile(q: float, vector: Vector) -> Vector:
    """Prometheus' ``histogram_quantile`` over classic ``le`` buckets (with its monotonicity fix)."""
    groups: dict[Labels, list[tuple[float, float]]] = defaultdict(list)
    for sample in vector:
        labels = dict(without_name(sample.labels))
        if "le" not in labels:
            continue
        try:
            upper = float(labels.pop("le"))
        except ValueError:
            continue
        groups[tuple(sorted(labels.items()))].append((upper, sample.value))
    out: Vector = []
    for labels_key, buckets in groups.items():
        out.append(Sample(labels_key, _bucket_quantile(q, sorted(buckets))))
    return out


def _bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    if len(buckets) < 2 or not math.isinf(buckets[-1][0]):
        return math.nan
    counts = []
    running = 0.0
    for _, count in buckets:
        running = max(running, count)
        counts.append(running)
    observations = counts[-1]
    if observations == 0 or math.isnan(observations):
        return math.nan
    rank = q * observations
    index = next(i for i, c in enumerate(counts) if c >= rank)
    if index == len(buckets) - 1:
        return buckets[-2][0]
    if index == 0 and buckets[0][0] <= 0:
        return buckets[0][0]
    start = 0.0 if index == 0 else buckets[index - 1][0]
    end = buckets[index][0]
    count = counts[index] - (counts[index - 1] if index > 0 else 0.0)
    rank -= counts[index - 1] if index > 0 else 0.0
    if count == 0:
        return end
    return start + (end - start) * (rank / count)


MATH: dict[str, Callable[[float], float]] = {
    "abs": abs,
    "ceil": lambda v: float(math.ceil(v)) if math.isfinite(v) else v,
    "floor": lambda v: float(math.floor(v)) if math.isfinite(v) else v,
    "sqrt": lambda v: math.sqrt(v) if v >= 0 else math.nan,
    "exp": lambda v: math.exp(v) if v < 709 else math.inf,
    "ln": lambda v: math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan),
    "log2": lambda v: math.log2(v) if v > 0 else (-math.inf if v == 0 else math.nan),
    "log10": lambda v: math.log10(v) if v > 0 else (-math.inf if v == 0 else math.nan),
}


def aggregate_quantile(q: float, values: list[float]) -> float:
    """The ``quantile`` aggregation."""
    return _quantile(q, values)


def require_scalar(value: object, what: str) -> float:
    """The float inside a Scalar argument."""
    from opsconsole.demo.promql.values import Scalar

    if not isinstance(value, Scalar):
        raise PromqlError(f"expected scalar argument for {what}")
    return value.value
