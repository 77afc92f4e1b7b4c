"""Evaluate PromQL (parsed by ``promql-parser``) over the demo world's series.

No samples are stored and no answers are canned: selectors sample each series'
value function on the world's scrape grid, and functions, aggregations and
operators follow Prometheus' semantics. Anything outside the implemented subset
raises :class:`Unsupported`, which the HTTP layer answers like Prometheus answers
a query it cannot execute.
"""

from __future__ import annotations

import math
import operator
import re
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from functools import lru_cache
from typing import Any, Protocol

import promql_parser as pp

from opsconsole.demo.promql import functions as fn
from opsconsole.demo.promql.values import (
    Labels,
    Matrix,
    PromqlError,
    RangeSeries,
    Sample,
    Scalar,
    String,
    Unsupported,
    Value,
    Vector,
    without_name,
)

LOOKBACK = 300.0
# rate()/increase() ranges longer than this are read sparsely when the series' gaps are known: a
# counter's result only depends on its first and last samples, their count and its resets, which
# only happen at gaps (a process restarting). Every range, then: reading 20 samples of a 5m window
# for each of a thousand series in every rule evaluation is the demo's slowest work.
SPARSE_AFTER = 0.0
# A range query's steps, kept: the value at a step depends on the query and the instant only (the
# series are functions of time), and the same steps are asked again and again: a chart's window
# moved on by one step, the same window from the next refresh or the next test's console. A
# console on the progressive-framework pack asks about 900 steps, kept in 1.2 MB; the bound holds
# about four packs' windows, and the steps asked least recently go first.
STEPS_KEPT = 4096
STEPWISE_OVER_TIME = {
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "last_over_time",
}


def _expand(replacement: str, match: re.Match[str]) -> str:
    """Substitute ``$1``/``${1}`` references the way label_replace does."""

    def group(ref: re.Match[str]) -> str:
        return match.group(int(ref.group(1) or ref.group(2))) or ""

    return re.sub(r"\$(\d+)|\$\{(\d+)\}", group, replacement)


class SeriesLike(Protocol):
    """What the engine needs of a series."""

    @property
    def name(self) -> str: ...

    @property
    def labels(self) -> tuple[tuple[str, str], ...]: ...

    @property
    def value(self) -> Callable[[float], float | None]: ...

    def gaps(self, start: float, end: float) -> list[tuple[float, float]] | None:
        """Intervals in ``[start, end]`` with no samples, or None if unknown."""
        ...


@lru_cache(maxsize=1024)
def parse(query: str) -> Any:
    """Parse once per distinct query text."""
    try:
        return pp.parse(query)
    except ValueError as exc:
        raise PromqlError(f'invalid parameter "query": {exc}') from None


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise PromqlError(f"invalid regular expression {pattern!r}: {exc}") from None


def _seconds(delta: timedelta | None) -> float:
    return 0.0 if delta is None else delta.total_seconds()


ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": lambda a, b: (
        a / b
        if b != 0
        else (math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b))
    ),
    "%": lambda a, b: math.fmod(a, b) if b != 0 else math.nan,
    "^": lambda a, b: math.pow(a, b) if not (a < 0 and not float(b).is_integer()) else math.nan,
    "atan2": math.atan2,
}
COMPARISON: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
SET_OPERATORS = {"and", "or", "unless"}


class Engine:
    """A PromQL evaluator over a set of series sampled on a scrape grid."""

    def __init__(self, series: Callable[[], Sequence[SeriesLike]], scrape_interval: float = 15.0) -> None:
        self._series = series
        self.scrape_interval = scrape_interval
        # The world's series rarely change, only their values: series are indexed by name and a
        # selector picks the same ones every time, until the list is another one or grows (a labelled
        # counter appears with its first increment).
        self._indexed: Sequence[SeriesLike] | None = None
        self._indexed_len = -1
        self._by_name: dict[str, list[SeriesLike]] = {}
        self._selected: dict[tuple[object, ...], list[SeriesLike]] = {}
        self._steps: OrderedDict[tuple[str, float], Value] = OrderedDict()

    def _named(self, name: str) -> Sequence[SeriesLike]:
        """Series called ``name`` (all series for ""): indexed once per series list."""
        every = self._series()
        if every is not self._indexed or len(every) != self._indexed_len:
            by_name: dict[str, list[SeriesLike]] = defaultdict(list)
            for series in every:
                by_name[series.name].append(series)
            self._by_name, self._indexed, self._indexed_len = dict(by_name), every, len(every)
            self._selected = {}
            self._steps.clear()  # other series, other values
        return every if not name else self._by_name.get(name, [])

    # -- selection ----------------------------------------------------------------------------

    def _matching(self, selector: Any) -> list[SeriesLike]:
        name = selector.name
        matchers = list(selector.matchers.matchers)
        if selector.matchers.or_matchers:
            raise Unsupported("'or' inside a selector")
        candidates = self._named(name)  # first: it drops the cache when the series changed
        key = (name, *((m.name, str(m.op), m.value) for m in matchers))
        found = self._selected.get(key)
        if found is not None:
            return found
        out = []
        for series in candidates:
            labels = {"__name__": series.name, **dict(series.labels)}
            if all(self._matches(m, labels) for m in matchers):
                out.append(series)
        self._selected[key] = out
        return out

    @staticmethod
    def _matches(matcher: Any, labels: dict[str, str]) -> bool:
        actual = labels.get(matcher.name, "")
        op = str(matcher.op)
        if op.endswith("NotEqual"):
            return bool(actual != matcher.value)
        if op.endswith("Equal"):
            return bool(actual == matcher.value)
        found = _regex(matcher.value).fullmatch(actual) is not None
        return not found if op.endswith("NotRe") else found

    def interval_of(self, series: SeriesLike) -> float:
        """How often ``series`` is scraped: its own interval (a series of a job scraped at its own
        pace, e.g. kube-state-metrics every 30s) or the engine's."""
        own = getattr(series, "scrape_interval", None)
        return float(own) if own else self.scrape_interval

    def _grid(self, start: float, end: float, step: float | None = None) -> Iterable[float]:
        """Scrape timestamps in ``(start, end]``: range selectors are left-open since Prometheus 3.0
        (2.x also read a sample lying exactly on ``start``); the demo follows Prometheus 3."""
        step = step or self.scrape_interval
        t = math.floor(end / step) * step
        stamps = []
        while t > start:
            stamps.append(t)
            t -= step
        return reversed(stamps)

    def _instant_selector(self, node: Any, t: float) -> Vector:
        at = t - _seconds(node.offset)
        out: Vector = []
        for series in self._matching(node):
            interval = self.interval_of(series)
            stamp = math.floor(at / interval) * interval
            # Only the latest scrape counts: a failed scrape makes a series stale at once, as in Prometheus.
            value = series.value(stamp)
            if value is not None:
                out.append(Sample(_labels(series), value, stamp))
        return out

    def _range_selector(self, node: Any, t: float, *, sparse: bool = False) -> Matrix:
        selector = node.vector_selector
        at = t - _seconds(selector.offset)
        window = _seconds(node.range)
        out: Matrix = []
        for series in self._matching(selector):
            gaps = series.gaps(at - window, at) if sparse else None
            if gaps is not None:
                out.extend(self._sparse_range(series, at - window, at, gaps))
                continue
            grid = self._grid(at - window, at, self.interval_of(series))
            points = [(s, v) for s in grid if (v := series.value(s)) is not None]
            if points:
                out.append(RangeSeries(_labels(series), points))
        return out

    def _sparse_range(
        self, series: SeriesLike, start: float, end: float, gaps: list[tuple[float, float]]
    ) -> Matrix:
        """A long counter range read at its ends and around gaps only.

        rate()/increase() depend on the first and last samples, the sample count and
        the drops at counter resets; resets only happen where a process was away
        (a gap), so the samples next to each gap are enough to see them. A 30-day
        range is then a few dozen reads instead of 170,000.
        """
        step = self.interval_of(series)
        first = math.floor(start / step) * step + step  # left-open, as in _grid
        last = math.floor(end / step) * step
        if last < first:
            return []
        wanted = {first, last}
        for gap_start, gap_end in gaps:
            for edge in (gap_start, gap_end):
                if not math.isfinite(edge):
                    continue
                grid = math.floor(edge / step) * step
                wanted.update(
                    g for g in (grid - step, grid, grid + step, grid + 2 * step) if first <= g <= last
                )
        points = sorted((s, v) for s in wanted if (v := series.value(s)) is not None)
        if not points:
            return []
        # Grid points inside the gaps ([start, end) each, as the world's series are absent) are
        # not samples: the count Prometheus' extrapolation divides by must leave them out exactly.
        missing: set[int] = set()
        for gap_start, gap_end in gaps:
            lo = math.ceil(max(gap_start, first) / step)
            hi = math.ceil(min(gap_end, last + step) / step)
            missing.update(range(lo, hi))
        count = max(len(points), round((last - first) / step) + 1 - len(missing))
        return [RangeSeries(_labels(series), points, count)]

    # -- evaluation ---------------------------------------------------------------------------

    def instant(self, query: str, t: float) -> Value:
        """Evaluate ``query`` at ``t``."""
        return self.eval(parse(query), t)

    def range(self, query: str, start: float, end: float, step: float) -> Matrix:
        """Evaluate ``query`` at ``start, start+step, … ≤ end`` (a matrix, like ``query_range``)."""
        if step <= 0:
            raise PromqlError(
                "zero or negative query resolution step widths are not accepted. Try a positive integer"
            )
        if (end - start) / step > 11000:
            raise PromqlError(
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                "resolution (?step=XX)"
            )
        expr = parse(query)
        self._named("")  # first: it forgets the kept steps when the series changed
        kept = self._steps
        series: dict[Labels, list[tuple[float, float]]] = defaultdict(list)
        t = start
        while t <= end + 1e-9:
            # Taken out and put back last: the most recently asked go last, and two threads serving
            # one engine (two demo stacks alike) at worst both evaluate a step.
            value = kept.pop((query, t), None)
            if value is None:
                value = self.eval(expr, t)
            kept[(query, t)] = value
            if len(kept) > STEPS_KEPT:
                kept.popitem(last=False)
            if isinstance(value, Scalar):
                series[()].append((t, value.value))
            elif isinstance(value, list) and (not value or isinstance(value[0], Sample)):
                for sample in value:
                    assert isinstance(sample, Sample)
                    series[sample.labels].append((t, sample.value))
            else:
                raise PromqlError("invalid expression type for range query, must be Scalar or instant Vector")
            t += step
        return [RangeSeries(labels, points) for labels, points in sorted(series.items())]

    def eval(self, node: Any, t: float) -> Value:
        """Evaluate one AST node."""
        kind = type(node).__name__
        if kind == "NumberLiteral":
            return Scalar(float(node.val))
        if kind == "StringLiteral":
            return String(str(node.val))
        if kind == "ParenExpr":
            return self.eval(node.expr, t)
        if kind == "UnaryExpr":
            inner = self.eval(node.expr, t)
            if isinstance(inner, Scalar):
                return Scalar(-inner.value)
            return [Sample(without_name(s.labels), -s.value) for s in _vector(inner)]
        if kind == "VectorSelector":
            if node.at is not None:
                raise Unsupported("the @ modifier")
            return self._instant_selector(node, t)
        if kind == "MatrixSelector":
            return self._range_selector(node, t)
        if kind == "SubqueryExpr":
            return self._subquery(node, t)
        if kind == "Call":
            return self._call(node, t)
        if kind == "AggregateExpr":
            return self._aggregate(node, t)
        if kind == "BinaryExpr":
            return self._binary(node, t)
        raise Unsupported(f"expression {kind}")

    def _subquery(self, node: Any, t: float) -> Matrix:
        window = _seconds(node.range)
        step = _seconds(node.step) or 60.0
        at = t - _seconds(node.offset)
        first = math.floor((at - window) / step) * step + step
        series: dict[Labels, list[tuple[float, float]]] = defaultdict(list)
        s = first
        while s <= at:
            for sample in _vector(self.eval(node.expr, s)):
                series[sample.labels].append((s, sample.value))
            s += step
        return [RangeSeries(labels, points) for labels, points in series.items()]

    # -- functions ----------------------------------------------------------------------------

    def _stepwise_over_time(self, name: str, node: Any, t: float) -> Vector | None:
        """``avg/min/max/sum/count/last_over_time`` of a long range over series that declare where
        their value can change (``breaks``, e.g. ``up``): each constant stretch is counted, not read
        point by point (a 30-day ``avg_over_time(up[30d])`` would be 172,800 reads per series).
        None when a matching series declares no breaks (the caller then reads every point)."""
        selector = node.vector_selector
        at = t - _seconds(selector.offset)
        lo, hi = at - _seconds(node.range), at
        step = self.scrape_interval
        matching = self._matching(selector)
        if not all(getattr(series, "breaks", None) is not None for series in matching):
            return None
        out: Vector = []
        for series in matching:
            edges = sorted({lo, *(b for b in series.breaks() if lo < b <= hi)})  # type: ignore[attr-defined]
            stretches: list[tuple[float, float]] = []  # (value, samples)
            last: float | None = None
            for index, begin in enumerate(edges):
                end = edges[index + 1] if index + 1 < len(edges) else math.nextafter(hi, math.inf)
                first = math.ceil(begin / step) * step
                if first >= end:
                    continue
                count = math.floor((math.nextafter(end, -math.inf) - first) / step) + 1
                value = series.value(first)
                if value is None:
                    continue
                stretches.append((value, float(count)))
                last = value
            if not stretches:
                continue
            samples = sum(n for _, n in stretches)
            value = {
                "avg_over_time": math.fsum(v * n for v, n in stretches) / samples,
                "sum_over_time": math.fsum(v * n for v, n in stretches),
                "count_over_time": samples,
                "min_over_time": min(v for v, _ in stretches),
                "max_over_time": max(v for v, _ in stretches),
                "last_over_time": last if last is not None else math.nan,
            }[name]
            labels = _labels(series)
            out.append(Sample(labels if name == "last_over_time" else without_name(labels), value))
        return out

    def _call(self, node: Any, t: float) -> Value:
        name = node.func.name
        args = list(node.args)
        if (
            name in STEPWISE_OVER_TIME
            and type(args[0]).__name__ == "MatrixSelector"
            and _range_of(args[0]) > SPARSE_AFTER
        ):
            stepwise = self._stepwise_over_time(name, args[0], t)
            if stepwise is not None:
                return stepwise
        if name in {"rate", "increase", "delta", "irate", "idelta"} or name in fn.OVER_TIME:
            long_counter_range = (
                name in {"rate", "increase"}
                and type(args[0]).__name__ == "MatrixSelector"
                and _range_of(args[0]) > SPARSE_AFTER
            )
            matrix = (
                self._range_selector(args[0], t, sparse=True) if long_counter_range else self.eval(args[0], t)
            )
            if not isinstance(matrix, list) or (matrix and not isinstance(matrix[0], RangeSeries)):
                raise PromqlError(f"expected type range vector in call to function {name!r}")
            window = _range_of(args[0])
            out: Vector = []
            for series in matrix:
                assert isinstance(series, RangeSeries)
                value: float | None
                if name == "irate":
                    value = fn.irate(series)
                elif name == "idelta":
                    value = series.points[-1][1] - series.points[-2][1] if len(series.points) > 1 else None
                elif name in fn.OVER_TIME:
                    value = fn.OVER_TIME[name]([v for _, v in series.points]) if series.points else None
                else:
                    value = fn.extrapolated_delta(
                        series, t - window, t, counter=name != "delta", as_rate=name == "rate"
                    )
                if value is not None:
                    labels = series.labels if name == "last_over_time" else without_name(series.labels)
                    out.append(Sample(labels, value))
            return out
        if name == "quantile_over_time":
            q = fn.require_scalar(self.eval(args[0], t), name)
            matrix = self.eval(args[1], t)
            return [
                Sample(without_name(s.labels), fn.quantile_over_time(q, s))
                for s in _matrix(matrix)
                if s.points
            ]
        if name == "histogram_quantile":
            q = fn.require_scalar(self.eval(args[0], t), name)
            return fn.histogram_quantile(q, _vector(self.eval(args[1], t)))
        if name in fn.MATH:
            return [
                Sample(without_name(s.labels), fn.MATH[name](s.value)) for s in _vector(self.eval(args[0], t))
            ]
        if name == "round":
            to = fn.require_scalar(self.eval(args[1], t), name) if len(args) > 1 else 1.0
            return [
                Sample(
                    without_name(s.labels),
                    math.floor(s.value / to + 0.5) * to if math.isfinite(s.value) else s.value,
                )
                for s in _vector(self.eval(args[0], t))
            ]
        if name in {"clamp_min", "clamp_max", "clamp"}:
            vector = _vector(self.eval(args[0], t))
            bounds = [fn.require_scalar(self.eval(a, t), name) for a in args[1:]]
            low = bounds[0] if name in {"clamp_min", "clamp"} else -math.inf
            high = bounds[-1] if name in {"clamp_max", "clamp"} else math.inf
            if name == "clamp" and low > high:
                return []
            return [Sample(without_name(s.labels), min(max(s.value, low), high)) for s in vector]
        if name == "scalar":
            vector = _vector(self.eval(args[0], t))
            return Scalar(vector[0].value if len(vector) == 1 else math.nan)
        if name == "vector":
            return [Sample((), fn.require_scalar(self.eval(args[0], t), name))]
        if name == "time":
            return Scalar(t)
        if name == "timestamp":
            return [
                Sample(without_name(s.labels), s.timestamp if s.timestamp is not None else t)
                for s in _vector(self.eval(args[0], t))
            ]
        if name in {"absent", "absent_over_time"}:
            if _vector_or_matrix(self.eval(args[0], t)):
                return []
            return [Sample(_absent_labels(args[0]), 1.0)]
        if name in {"sort", "sort_desc"}:
            vector = _vector(self.eval(args[0], t))
            return sorted(vector, key=lambda s: s.value, reverse=name == "sort_desc")
        if name == "label_replace":
            return self._label_replace(args, t)
        raise Unsupported(f"function {name}()")

    def _label_replace(self, args: list[Any], t: float) -> Vector:
        vector = _vector(self.eval(args[0], t))
        dst, replacement, src, pattern = (str(self.eval(a, t).value) for a in args[1:5])  # type: ignore[union-attr]
        regex = _regex(pattern)
        out = []
        for sample in vector:
            labels = dict(sample.labels)
            match = regex.fullmatch(labels.get(src, ""))
            if match:
                value = _expand(replacement, match)
                if value:
                    labels[dst] = value
                else:
                    labels.pop(dst, None)
            out.append(Sample(tuple(sorted(labels.items())), sample.value))
        return out

    # -- aggregation --------------------------------------------------------------------------

    def _aggregate(self, node: Any, t: float) -> Vector:
        op = str(node.op)
        vector = _vector(self.eval(node.expr, t))
        param = self.eval(node.param, t) if node.param is not None else None
        modifier = node.modifier
        by = modifier is None or str(modifier.type).endswith("By")
        names = set(modifier.labels) if modifier is not None else set()

        def group_key(labels: Labels) -> Labels:
            if by:
                return tuple((k, v) for k, v in labels if k in names)
            return tuple((k, v) for k, v in labels if k not in names and k != "__name__")

        groups: dict[Labels, list[Sample]] = defaultdict(list)
        for sample in vector:
            groups[group_key(sample.labels)].append(sample)
        if op in {"topk", "bottomk"}:
            k = int(fn.require_scalar(param, op))
            out: Vector = []
            for members in groups.values():
                ordered = sorted(
                    members, key=lambda s: (math.isnan(s.value), -s.value if op == "topk" else s.value)
                )
                out.extend(ordered[: max(k, 0)])
            return out
        if op == "count_values":
            raise Unsupported("count_values")
        out = []
        for key, members in groups.items():
            values = [s.value for s in members]
            out.append(Sample(key, self._reduce(op, values, param)))
        return out

    @staticmethod
    def _reduce(op: str, values: list[float], param: Value | None) -> float:
        if op == "sum":
            return math.fsum(values)
        if op == "avg":
            return math.fsum(values) / len(values)
        if op == "min":
            real = [v for v in values if not math.isnan(v)]
            return min(real) if real else math.nan
        if op == "max":
            real = [v for v in values if not math.isnan(v)]
            return max(real) if real else math.nan
        if op == "count":
            return float(len(values))
        if op == "group":
            return 1.0
        if op in {"stddev", "stdvar"}:
            mean = math.fsum(values) / len(values)
            variance = math.fsum((v - mean) ** 2 for v in values) / len(values)
            return math.sqrt(variance) if op == "stddev" else variance
        if op == "quantile":
            return fn.aggregate_quantile(fn.require_scalar(param, op), values)
        raise Unsupported(f"aggregation {op}")

    # -- binary operators ---------------------------------------------------------------------

    def _binary(self, node: Any, t: float) -> Value:
        op = str(node.op)
        lhs = self.eval(node.lhs, t)
        rhs = self.eval(node.rhs, t)
        modifier = node.modifier
        return_bool = bool(modifier and modifier.return_bool)
        if op in SET_OPERATORS:
            return self._set_op(op, _vector(lhs), _vector(rhs), modifier)
        if isinstance(lhs, Scalar) and isinstance(rhs, Scalar):
            if op in COMPARISON:
                if not return_bool:
                    raise PromqlError("comparisons between scalars must use BOOL modifier")
                return Scalar(float(COMPARISON[op](lhs.value, rhs.value)))
            return Scalar(ARITHMETIC[op](lhs.value, rhs.value))
        if isinstance(lhs, Scalar) or isinstance(rhs, Scalar):
            vector = _vector(rhs if isinstance(lhs, Scalar) else lhs)
            scalar = lhs.value if isinstance(lhs, Scalar) else rhs.value  # type: ignore[union-attr]
            out: Vector = []
            for sample in vector:
                a, b = (scalar, sample.value) if isinstance(lhs, Scalar) else (sample.value, scalar)
                result = self._apply(op, float(a), float(b), return_bool, keep=sample.value)
                if result is not None:
                    keep_name = op in COMPARISON and not return_bool
                    out.append(Sample(sample.labels if keep_name else without_name(sample.labels), result))
            return out
        return self._vector_op(op, _vector(lhs), _vector(rhs), modifier, return_bool)

    @staticmethod
    def _apply(op: str, a: float, b: float, return_bool: bool, keep: float) -> float | None:
        if op in COMPARISON:
            passed = COMPARISON[op](a, b)
            if return_bool:
                return float(passed)
            return keep if passed else None
        if op not in ARITHMETIC:
            raise Unsupported(f"operator {op}")
        return ARITHMETIC[op](a, b)

    @staticmethod
    def _signature(labels: Labels, modifier: Any) -> Labels:
        stripped = without_name(labels)
        matching = modifier.matching if modifier is not None else None
        if matching is None:
            return stripped
        names = set(matching.labels)
        if str(matching.type).endswith("Include"):
            return tuple((k, v) for k, v in stripped if k in names)
        return tuple((k, v) for k, v in stripped if k not in names)

    def _vector_op(self, op: str, lhs: Vector, rhs: Vector, modifier: Any, return_bool: bool) -> Vector:
        card = str(modifier.card) if modifier is not None else "OneToOne"
        if card.endswith("ManyToMany"):
            card = "OneToOne"
        many_left = card.endswith("ManyToOne")
        many_right = card.endswith("OneToMany")
        one_side, many_side = (rhs, lhs) if not many_right else (lhs, rhs)
        index: dict[Labels, Sample] = {}
        for sample in one_side:
            signature = self._signature(sample.labels, modifier)
            if signature in index:
                side = "right" if not many_right else "left"
                raise PromqlError(
                    f"found duplicate series for the match group {dict(signature)} on the {side} hand-side "
                    "of the operation; many-to-many matching not allowed:"
                    " matching labels must be unique on one side",
                    "execution",
                    422,
                )
            index[signature] = sample
        out: Vector = []
        seen: set[Labels] = set()
        matching = modifier.matching if modifier is not None else None
        include = list(modifier.group_labels) if modifier is not None and (many_left or many_right) else []
        for sample in many_side:
            other = index.get(self._signature(sample.labels, modifier))
            if other is None:
                continue
            a, b = (sample.value, other.value) if not many_right else (other.value, sample.value)
            result = self._apply(op, a, b, return_bool, keep=a)
            if result is None:
                continue
            labels = dict(sample.labels)
            if op in ARITHMETIC or return_bool:
                labels.pop("__name__", None)
            if many_left or many_right:
                extra = dict(other.labels)
                for name in include:
                    if name in extra:
                        labels[name] = extra[name]
                    else:
                        labels.pop(name, None)
            elif matching is not None and str(matching.type).endswith("Include"):
                keep = set(matching.labels)
                labels = {k: v for k, v in labels.items() if k in keep}
            elif matching is not None:
                for name in matching.labels:
                    labels.pop(name, None)
            result_labels = tuple(sorted(labels.items()))
            if not (many_left or many_right):
                if result_labels in seen:
                    raise PromqlError(
                        "vector cannot contain metrics with the same labelset", "execution", 422
                    )
                seen.add(result_labels)
            out.append(Sample(result_labels, result))
        return out

    def _set_op(self, op: str, lhs: Vector, rhs: Vector, modifier: Any) -> Vector:
        right = {self._signature(s.labels, modifier) for s in rhs}
        if op == "and":
            return [s for s in lhs if self._signature(s.labels, modifier) in right]
        if op == "unless":
            return [s for s in lhs if self._signature(s.labels, modifier) not in right]
        left = {self._signature(s.labels, modifier) for s in lhs}
        return lhs + [s for s in rhs if self._signature(s.labels, modifier) not in left]


def _labels(series: SeriesLike) -> Labels:
    return tuple(sorted((("__name__", series.name), *series.labels)))


def _vector(value: Value) -> Vector:
    if isinstance(value, Scalar):
        raise PromqlError("expected instant vector, got scalar")
    if isinstance(value, String):
        raise PromqlError("expected instant vector, got string")
    if value and isinstance(value[0], RangeSeries):
        raise PromqlError("expected instant vector, got range vector")
    return value  # type: ignore[return-value]


def _matrix(value: Value) -> Matrix:
    if not isinstance(value, list) or (value and not isinstance(value[0], RangeSeries)):
        raise PromqlError("expected range vector")
    return value  # type: ignore[return-value]


def _vector_or_matrix(value: Value) -> bool:
    return isinstance(value, list) and bool(value)


def _range_of(node: Any) -> float:
    kind = type(node).__name__
    if kind == "MatrixSelector":
        return _seconds(node.range)
    if kind == "SubqueryExpr":
        return _seconds(node.range)
    raise PromqlError("expected a range vector argument")


def _absent_labels(node: Any) -> Labels:
    selector = node.vector_selector if type(node).__name__ == "MatrixSelector" else node
    if type(selector).__name__ != "VectorSelector":
        return ()
    return tuple(
        sorted(
            (m.name, m.value)
            for m in selector.matchers.matchers
            if str(m.op).endswith("Equal") and not str(m.op).endswith("NotEqual")
        )
    )
