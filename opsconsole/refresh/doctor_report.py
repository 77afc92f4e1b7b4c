"""What ``packs doctor`` found: per query whether it answered and why not, per pane whether it
would show anything, and the fixes it proposes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """Why a query (or one of its selectors) returns nothing, and what would fix it."""

    problem: str
    fix: str = ""
    selector: str = ""
    # empty: why nothing comes back; values: the label is there, no value matches; unfiltered:
    # data, but a matcher selects by a label no series has, so it leaves nothing out. rows: data,
    # but no series carries the labels that name the pane's rows. unfinished: a question asked to
    # explain the answer failed (the verdict is the query's own answer).
    kind: str = "empty"


@dataclass
class QueryCheck:
    """One pack query: its text, whether it returned data, and why not."""

    query_id: str
    pane: str
    text: str
    has_data: bool
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    zero_is_healthy: bool = False  # an error-count query: no series is 0 errors, not a gap
    # The query that makes a pane's rows (health.up, a RED group's rate) returned series of which
    # none carries the labels that name a row: its pane shows no row (health) or one (RED).
    names_no_row: bool = False


@dataclass
class DoctorReport:
    """Everything the doctor found, per pane."""

    pack: str
    checks: list[QueryCheck] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    alerts_empty: bool = False
    logs: list[str] = field(default_factory=list)
    logs_empty: bool = False

    def answered(self, check: QueryCheck) -> bool:
        """It returned data, or it counts errors and its pane has traffic (no error series is 0)."""
        if check.has_data:
            return True
        return check.zero_is_healthy and any(c.has_data for c in self.checks if c.pane == check.pane)

    def pane_counts(self) -> dict[str, tuple[int, int]]:
        """Pane → (queries returning data, queries)."""
        out: dict[str, tuple[int, int]] = {}
        for check in self.checks:
            good, total = out.get(check.pane, (0, 0))
            out[check.pane] = (good + self.answered(check), total + 1)
        return out

    def empty_panes(self) -> list[str]:
        """Panes that would show nothing."""
        empty = [pane for pane, (good, total) in self.pane_counts().items() if total and not good]
        empty += [
            c.pane for c in self.checks if c.names_no_row and c.pane == "health" and c.pane not in empty
        ]
        if self.alerts_empty:
            empty.append("alerts")
        if self.logs_empty:
            empty.append("logs")
        return empty

    def unfiltered(self) -> list[Finding]:
        """Matchers that select by a label no series has: the data is there, but mixed."""
        return [f for c in self.checks for f in c.findings if f.kind == "unfiltered"]

    def merged_rows(self) -> list[Finding]:
        """RED groups split by a label no series carries: every series summed into one row."""
        return [f for c in self.checks if c.pane != "health" for f in c.findings if f.kind == "rows"]

    def problems(self) -> list[str]:
        """What makes the verdict a failure, per pane, in a few words (``opsconsole check``'s
        line; the doctor's report says why): ``health (no series names a row)``."""
        out = []
        for pane in self.empty_panes():
            if pane == "alerts":
                out.append("alerts (the pack's matchers select none of the firing alerts)")
            elif pane == "logs":
                out.append("logs (no lines in the last hour)")
            elif any(c.names_no_row and c.pane == pane for c in self.checks):
                out.append(f"{pane} (no series names a row)")
            else:
                out.append(f"{pane} (no data)")
        if self.merged_rows():
            out.append("red (one row of everything: a `by` label no series carries)")
        panes = list(dict.fromkeys(c.pane for c in self.checks for f in c.findings if f.kind == "unfiltered"))
        out += [f"{pane} (a matcher filters nothing: no series has its label)" for pane in panes]
        return out

    @property
    def failed(self) -> bool:
        """A pane would be empty, or would mix in what the pack means to leave out."""
        return bool(self.empty_panes() or self.unfiltered() or self.merged_rows())

    def fixes(self) -> list[str]:
        """Every distinct proposed fix, in the order found."""
        seen: list[str] = []
        for check in self.checks:
            for finding in check.findings:
                if finding.fix and finding.fix not in seen:
                    seen.append(finding.fix)
        return seen
