"""Scrape targets of the demo world, labelled the way Prometheus labels them.

A target is what service discovery finds (``__address__`` and ``__meta_*`` labels) plus the
scrape job's ``relabel_configs``, applied with Prometheus' semantics (``replace``, ``keep``,
``drop``, ``labelmap``; ``__``-prefixed labels are dropped afterwards; ``instance`` defaults to
the address). A sample's final labels are its own plus the target's, a clash renaming the
sample's label to ``exported_<name>`` (``honor_labels: false``, the default). So the demo's series
carry exactly the labels a Prometheus configured like the seeds would store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

Labels = tuple[tuple[str, str], ...]


@lru_cache(maxsize=256)
def _anchored(pattern: str) -> re.Pattern[str]:
    return re.compile(f"^(?:{pattern})$")


def _replacement(template: str, match: re.Match[str]) -> str:
    """``$1``/``${1}`` expanded the way Prometheus' relabelling expands them."""
    return re.sub(r"\$\{?(\d+)\}?", lambda ref: match.group(int(ref.group(1))) or "", template)


def relabel(labels: Mapping[str, str], configs: Sequence[Mapping[str, Any]]) -> dict[str, str] | None:
    """``labels`` after ``configs``; None when a ``keep``/``drop`` rule drops the target."""
    out = dict(labels)
    for rule in configs:
        action = rule.get("action", "replace")
        regex = _anchored(str(rule.get("regex", "(.*)")))
        source = ";".join(out.get(name, "") for name in rule.get("source_labels", []))
        if action == "keep":
            if not regex.match(source):
                return None
        elif action == "drop":
            if regex.match(source):
                return None
        elif action == "labelmap":
            replacement = str(rule.get("replacement", "$1"))
            for name, value in list(out.items()):
                match = regex.match(name)
                if match:
                    out[_replacement(replacement, match)] = value
        elif action == "replace":
            match = regex.match(source)
            if match:
                value = _replacement(str(rule.get("replacement", "$1")), match)
                target = rule["target_label"]
                if value:
                    out[target] = value
                else:
                    out.pop(target, None)
        else:
            raise ValueError(f"relabel action {action!r} is not simulated")
    return out


@dataclass(frozen=True, eq=False)
class ScrapeJob:
    """A ``scrape_configs`` entry: its name and relabel rules (as the seed writes them)."""

    name: str
    relabel_configs: tuple[Mapping[str, Any], ...] = ()
    metrics_path: str = "/metrics"
    scrape_interval: str = "15s"


@dataclass(frozen=True, eq=False)
class Target:
    """One discovered target of a job."""

    job: ScrapeJob
    address: str
    discovered: Mapping[str, str] = field(default_factory=dict)

    def discovered_labels(self) -> dict[str, str]:
        """What service discovery hands to relabelling."""
        return {
            "__address__": self.address,
            "__metrics_path__": self.job.metrics_path,
            "__scheme__": "http",
            "job": self.job.name,
            **self.discovered,
        }

    def labels(self) -> dict[str, str] | None:
        """The target's labels after relabelling (None: dropped by the job's rules)."""
        relabelled = relabel(self.discovered_labels(), self.job.relabel_configs)
        if relabelled is None:
            return None
        relabelled.setdefault("instance", relabelled["__address__"])
        return {k: v for k, v in relabelled.items() if not k.startswith("__")}


def sample_labels(target: Mapping[str, str], own: Mapping[str, str]) -> Labels:
    """A scraped sample's labels: its own, then the target's; a clash keeps the sample's value as
    ``exported_<name>`` (Prometheus with ``honor_labels: false``)."""
    out = dict(own)
    for name, value in target.items():
        if name in out:
            out[f"exported_{name}"] = out.pop(name)
        out[name] = value
    return tuple(sorted((k, v) for k, v in out.items() if v != ""))
