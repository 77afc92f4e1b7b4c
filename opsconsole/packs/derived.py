"""Queries the console derives from a pack (histogram quantiles, latency SLIs)."""

from __future__ import annotations

from opsconsole.packs.schema import HistogramDuration, LatencySli

QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}


def _selector(selector: str, extra: str = "") -> str:
    inner = ", ".join(part for part in (selector.strip().strip("{}").strip(), extra) if part)
    return "{" + inner + "}"


def histogram_quantile_query(duration: HistogramDuration, quantile: float, by: list[str]) -> str:
    """``histogram_quantile`` over the summed bucket rates, keeping ``le`` and the group's labels.

    Several histogram names are joined with ``or``: per row, the first one that has data. They are
    never summed together, since their buckets differ.
    """
    labels = ", ".join(["le", *by])
    return " or ".join(
        f"histogram_quantile({quantile:g}, sum by ({labels}) "
        f"(rate({name}_bucket{_selector(duration.selector)}[$rate_window])))"
        for name in duration.histograms
    )


def latency_sli_queries(sli: LatencySli) -> tuple[str, str]:
    """(good, total) for "requests at or under the threshold", with ``$window`` as the range.

    ``le`` is matched as either spelling Prometheus may have stored (``0.5`` or ``0.5``/``1.0``).
    """
    le = f"{sli.threshold:g}"
    spellings = sorted({le, repr(float(sli.threshold))})
    escaped = "|".join(s.replace(".", "\\\\.") for s in spellings)
    le_matcher = f'le=~"{escaped}"'
    good = f"sum(rate({sli.histogram}_bucket{_selector(sli.selector, le_matcher)}[$window]))"
    total = f"sum(rate({sli.histogram}_count{_selector(sli.selector)}[$window]))"
    return good, total
