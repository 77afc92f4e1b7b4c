"""Mutation testing: how many deliberate small bugs the fast tests catch, per area and overall.

    python benchmarks/mutation_kill_rate.py                  # every area, 2 test processes
    python benchmarks/mutation_kill_rate.py --areas transport,mutations --max-children 1
    python benchmarks/mutation_kill_rate.py --areas core --modules alert_matchers,slo   # module by module
    python benchmarks/mutation_kill_rate.py --areas packs --mutants survivors.txt   # re-check survivors
    python benchmarks/mutation_kill_rate.py --areas refresh --modules red_rows,panes/slo   # and a subfolder

Runs mutmut (from the test extras) on a scratch copy of the checkout, one area at a time, each with
only the fast unit tests that concern it (no real servers, no terminal sessions), so it is fair on
a shared 2-core machine. Prints one line per area and the overall kill rate, and writes the mutants
that survived to ``--survivors`` (default: mutation-survivors.txt in the scratch copy): compare them
with ``benchmarks/mutation_survivors.md``, where each one we keep is explained. The scratch copies
(printed) are kept for ``mutmut browse``; delete them when done.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Area -> (what is mutated, the fast tests that concern it).
AREAS: dict[str, tuple[list[str], list[str]]] = {
    "core": (
        ["opsconsole/core/*"],
        [
            "tests/test_alert_matchers.py",
            "tests/test_alert_filter.py",
            "tests/test_alert_grouping.py",
            "tests/test_alert_history.py",
            "tests/test_silence_drafts.py",
            "tests/test_slo_math.py",
            "tests/test_slo_rules.py",
            "tests/test_log_parsing.py",
            "tests/test_log_buffer.py",
            "tests/test_search_text.py",
            "tests/test_trace_layout.py",
            "tests/test_untrusted_boundary.py",
            "tests/test_silence_rules.py",
            "tests/test_mutation_helpers.py",
            "tests/test_value_format.py",
            "tests/test_matcher_text.py",
            "tests/test_slo_figures.py",
            "tests/test_sparklines.py",
            "tests/test_state_since.py",
            "tests/test_short_names.py",
            "tests/test_query_step.py",
            "tests/test_backend_labels.py",
            "tests/test_silence_extension_edges.py",
            "tests/test_alert_history_edges.py",
            "tests/test_alert_filter_edges.py",
            "tests/test_trace_search_edges.py",
            "tests/test_row_keys.py",
            "tests/test_promql_selectors.py",
            "tests/test_log_fields.py",
            "tests/test_core_edges_more.py",
            "tests/test_yaml_locations.py",
            "tests/test_packs.py",  # the YAML loader with line numbers (core/located_yaml)
            # The ten modules added since 59418c2. Their other tests start servers or a Textual
            # pilot (module fixtures start only for the tests that use them), so the in-process
            # tests of those files are named one by one.
            "tests/test_present.py",  # present, severity
            "tests/test_durations.py",
            "tests/test_ack_facts.py",  # ack_state, ack_summary
            "tests/test_acks_reconcile.py::test_the_plan_keeps_waits_and_expires_by_the_first_absence",
            "tests/test_context_rows.py",  # context_overview
            "tests/test_context_overview.py::test_the_filter_knows_only_context_as_an_at_name",
            "tests/test_incident_timeline_events.py",
            "tests/test_incident_timeline.py::test_transitions_of_hand_made_boards",
            "tests/test_silence_hygiene.py::test_the_marks_follow_the_state_and_the_hour",
            "tests/test_silence_row_merge.py",  # silence_rows
            "tests/test_shared_backends.py",  # shared_backends
            (
                "tests/test_silences_every_context.py::"
                "test_two_contexts_on_one_alertmanager_are_one_row_changed_through_the_writable_one"
            ),
            "tests/test_view_markdown.py",
            "tests/test_chart_axis.py",  # chart_axis
            "tests/test_logql_regexes.py",  # go_regex (moved from packs/: Alertmanager's regexes use it too)
            "tests/test_copy_markdown.py::test_tables_hold_the_pane_and_hostile_text_cannot_break_them",
        ],
    ),
    # The modules whose other tests are hypothesis property tests (30 s or more per surviving
    # mutant): their own example-based tests of the same behaviour instead, so a mutant costs
    # seconds. The "core" area leaves them out (NOT_MUTATED below).
    "core-models": (
        [
            "opsconsole/core/untrusted_text.py",
            "opsconsole/core/dashboard.py",
            "opsconsole/core/trace_layout.py",
            "opsconsole/core/trace_navigation.py",
            "opsconsole/core/span_forest.py",
        ],
        [
            "tests/test_untrusted_text.py",
            "tests/test_span_forest.py",  # its property test and its 10,000-span timing deselected below
            "tests/test_span_forest_examples.py",
            "tests/test_dashboard_models.py",
            "tests/test_trace_layout.py",
            "tests/test_trace_cursor.py",
            "tests/test_alert_grouping.py",
            "tests/test_log_parsing.py",
            "tests/test_core_edges_more.py",
        ],
    ),
    "transport": (
        ["opsconsole/backends/transport.py"],
        [
            # In-process tests only (httpx's mock transport, requests' adapter replaced): each
            # mutant costs about a second. The loopback-server tests (test_transport.py,
            # test_read_only_transport.py, test_transport_retries.py) prove the same on real
            # sockets in the suite; left out here because they assert wall time or wait on
            # socket timeouts, which a starved nice 19 run turns into kills whatever the mutant.
            "tests/test_transport_policy.py",
            "tests/test_backend_http_mock.py",
            "tests/test_policy_session_mock.py",
            "tests/test_transport_edges.py",
            "tests/test_transport_exception_types.py",
            "tests/test_transport_token_file.py",
            "tests/test_transport_httpx_stack.py",
        ],
    ),
    "mutations": (
        ["opsconsole/mutations/*"],
        [
            # Not tests/test_silences.py: it starts a real Alertmanager for every mutant.
            "tests/test_silence_service.py",
            "tests/test_mutation_helpers.py",
            "tests/test_silence_drafts.py",
            "tests/test_silence_rules.py",
            "tests/test_isolation.py",
            # ack_reconcile and silence_inventory against an in-process Alertmanager v2 fake
            # (tests/support/fake_alertmanager.py; its contract with the real server is
            # tests/test_fake_alertmanager_contract.py, which stays in the suite).
            "tests/test_ack_reconcile_in_process.py",
            "tests/test_silence_inventory.py",
        ],
    ),
    "packs": (
        ["opsconsole/packs/*"],
        [
            "tests/test_packs.py",
            "tests/test_openslo_import.py",
            "tests/test_openslo_edges.py",
            "tests/test_pack_checks_edges.py",
            "tests/test_logql_check_edges.py",
            "tests/test_exported_labels.py",
            "tests/test_rate_window.py",
            "tests/test_search_text.py",  # the LogQL check
            "tests/test_pack_thresholds_links.py",
            "tests/test_pack_slo_errors.py",
            "tests/test_pack_query_listing.py",  # in process what `packs render` lists
            "tests/test_pack_loader_errors.py",
            "tests/test_logql_check_messages.py",
            "tests/test_logql_regexes.py",  # regexes as Loki (RE2) reads them
            "tests/test_logql_pipeline.py",  # pipelines as Loki's grammar reads them
            # Not tests/test_pack_links.py: its console tests load packs, so every loader mutant ran them.
        ],
    ),
    # Where the figures on the screen are made from the backends' answers: rows, panes, queries, the
    # batch that sends them. The modules that only wire async I/O, whose tests start servers, the
    # demo stack or a Textual pilot, are left out (NOT_MUTATED below).
    "refresh": (
        ["opsconsole/refresh/*"],
        [
            "tests/test_health_since_levels.py",  # health_rows: levels and since
            "tests/test_no_silent_panes.py",  # every pane says why it is empty (in-process fake Prometheus)
            "tests/test_query_union_vectors.py",  # rows do not depend on the order of the series
            "tests/test_query_union.py",
            "tests/test_pivots.py",
            "tests/test_query_batch_cancel.py",
            "tests/test_recorded_reuse_filter.py",
            "tests/test_refresh_round_trips.py",  # the refresh's requests, on httpx's mock transport
            "tests/test_slo_history_next_step.py",
            "tests/test_slo_plan_texts.py",
            "tests/test_range_memory.py",
            "tests/test_rate_window.py",  # scrape_intervals and $rate_window (two slow tests deselected)
            "tests/test_exported_labels.py",
            "tests/test_failure_next_steps.py",  # backend_health
            "tests/test_transport_same_words.py",  # backend_health's words on both stacks
            "tests/test_overview_context_in_force.py",
            # Written for this area's survivors (mutrefresh): each figure, level, note and history.
            "tests/test_health_rows_edges.py",
            "tests/test_red_rows.py",
            "tests/test_saturation_rows.py",
            "tests/test_pane_output.py",
            "tests/test_slo_pane_figures.py",  # the SLO pane on a fake batch (the others need Prometheus)
            "tests/test_slo_discovered_plans.py",  # Sloth and Pyrra plans from hand-made answers
            "tests/test_silence_views.py",  # and the alerts pane over fake peers
            "tests/test_pane_builds.py",  # the health, RED and saturation panes on a fake batch
            "tests/test_logs_pane_polls.py",  # panes/logs on a fake Loki (mutrest)
        ],
    ),
}
# Tests of an area's files left out of its run: a property test (minutes per surviving mutant at
# nice 19; example-based tests in the selection cover the same function) and a test that
# asserts wall time (a starved run fails it whatever the mutant). Both stay in the suite.
DESELECTED: dict[str, list[str]] = {
    # The hypothesis tests that took seconds each in the core selection (45, 12, 7, 5, 5 and 5 s of its
    # 94 s, at normal priority). Each core function they reach is pinned by example in the selection:
    # the row models' cleaning is core-models' (not mutated here), the matchers' round trip by
    # test_matcher_text.py, the loader's YAML by test_yaml_locations.py, the log buffer's round trip
    # by test_log_buffer.py, the SLO figures the renderers read by test_slo_figures.py. The property
    # tests of test_slo_math.py and test_log_buffer.py stay in: under half a second each.
    "core": [
        "tests/test_untrusted_boundary.py::test_every_row_model_cleans_every_string_it_is_built_with",
        "tests/test_untrusted_boundary.py::test_a_board_built_step_by_step_stays_clean",
        "tests/test_untrusted_boundary.py::test_what_the_renderers_draw_is_terminal_safe",
        "tests/test_untrusted_boundary.py::test_trace_spans_are_clean_and_drawn_safely",
        "tests/test_untrusted_boundary.py::test_log_rows_come_back_from_the_buffer_as_they_went_in",
        "tests/test_alert_matchers.py::test_printed_matchers_read_back_the_same",
        "tests/test_packs.py::test_random_packs_never_crash_the_loader",
    ],
    "core-models": [
        "tests/test_span_forest.py::test_any_forest_keeps_every_span_once_without_cycles",
        "tests/test_span_forest.py::test_a_10000_span_cycle_and_a_10000_span_chain_lay_out_quickly",
    ],
    # 11 s and 4 s of the refresh selection's 32 s (a whole refresh on a loopback fake Prometheus per
    # test, which every refresh function's mutant would run); test_rate_window.py's other tests pin the
    # window by job and the server's default in process.
    "refresh": [
        "tests/test_rate_window.py::test_each_query_gets_the_window_of_the_job_it_reads",
        "tests/test_rate_window.py::test_the_variable_overrides_the_server",
    ],
}
# Mutated by "core-models", not by "core" (whose selection would run the property tests on them).
NOT_MUTATED: dict[str, list[str]] = {
    "core": AREAS["core-models"][0],
    # The refresh modules that only wire async I/O (the service's tick, the backends it holds, the
    # fan-out over contexts, the log tail's websocket, the drill-downs' and traces' requests) or run
    # `opsconsole doctor` against Prometheus' metadata APIs: their tests start real servers, the demo
    # stack or a Textual pilot. What they hand on is made by the modules mutated.
    "refresh": [
        f"opsconsole/refresh/{name}.py"
        for name in (
            "service",
            "session",
            "backends_set",
            "fan_out",
            "log_tail",
            "drill",
            "traces",
            "context_overview",
            "context_silences",
            "doctor_report",
            "pack_doctor",
            "selector_diagnosis",
        )
    ],
}
IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "mutants", "__pycache__", ".pytest_cache", ".mypy_cache", "*.pyc"
)


def scratch_copy(area: str, mutate: list[str], tests: list[str], skip: list[str]) -> Path:
    """The checkout copied to a temporary folder, with a mutmut configuration for ``area``."""
    target = Path(tempfile.mkdtemp(prefix=f"mutation-{area}-"))
    for name in ("opsconsole", "tests", "queries", "themes", "docs"):  # tests read docs' examples
        shutil.copytree(ROOT / name, target / name, ignore=IGNORED)
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    # A file, or one test of it (``file::name``: the in-process tests of a file that also starts servers).
    present = [t for t in tests if (ROOT / t.split("::")[0]).exists()]
    pytest_args = ["-m", "not real_backend", "-p", "no:cacheprovider", "-q"]
    for test in DESELECTED.get(area, []):
        pytest_args += ["--deselect", test]
    config += (
        "\n[tool.mutmut]\n"
        'source_paths = ["opsconsole"]\n'
        f"only_mutate = {json.dumps(mutate)}\n"
        f"do_not_mutate = {json.dumps(skip)}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(present)}\n"
        f"pytest_add_cli_args = {json.dumps(pytest_args)}\n"
        'also_copy = ["queries", "themes", "tests", "docs"]\n'
    )
    (target / "pyproject.toml").write_text(config, encoding="utf-8")
    return target


def per_module(work: Path) -> list[str]:
    """One line per mutated module of a finished run: killed of all, and the rate."""
    listed = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "True"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    counts: dict[str, list[int]] = {}
    for line in listed.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        # opsconsole.core.slo.x_evaluate__mutmut_3 / opsconsole.core.slo.xǁSloFiguresǁremaining__mutmut_1
        module = re.split(r"\.x(?:_|ǁ)", name, maxsplit=1)[0]
        if not module or status == "not checked":
            continue
        done = counts.setdefault(module, [0, 0])
        done[0] += status in ("killed", "timeout")
        done[1] += 1
    return [
        f"  {module.removeprefix('opsconsole.'):<32} {k:>4} of {n:>4} killed  {100 * k / n:5.1f}%"
        for module, (k, n) in sorted(counts.items())
    ]


def run_area(
    area: str, max_children: int, modules: list[str], only: list[str] | None = None
) -> dict[str, Any]:
    mutate, tests = AREAS[area]
    if modules:
        # Only these modules of the area (file names without .py), for an area too big for one sitting.
        folder = mutate[0].rsplit("/", 1)[0]
        mutate = [f"{folder}/{name}.py" for name in modules if (ROOT / folder / f"{name}.py").exists()]
        if not mutate:
            return {"survivors": [], "seconds": 0}
    work = scratch_copy(area, mutate, tests, NOT_MUTATED.get(area, []))
    mutmut = [sys.executable, "-m", "mutmut"]
    started = time.monotonic()
    # ``only``: mutant names (e.g. the survivors of an earlier run, re-checked after new tests);
    # the figures are then over those mutants alone.
    named = [
        name
        for name in only or []
        if name.startswith(tuple(m.removesuffix("*").replace("/", ".").removesuffix(".py") for m in mutate))
    ]
    if only is not None and not named:
        return {"survivors": [], "seconds": 0}
    subprocess.run([*mutmut, "run", "--max-children", str(max_children), *named], cwd=work, check=False)
    subprocess.run([*mutmut, "export-cicd-stats"], cwd=work, check=False, capture_output=True)
    exported = work / "mutants" / "mutmut-cicd-stats.json"
    if not exported.exists():  # e.g. the tests failed before any mutant ran: say so, never "0 of 0"
        raise SystemExit(f"{area}: mutmut did not finish; see its output above ({work})")
    stats: dict[str, Any] = json.loads(exported.read_text())
    if not any(int(stats.get(k, 0)) for k in ("killed", "timeout", "survived", "no_tests")):
        raise SystemExit(f"{area}: no mutant was run; see mutmut's output above ({work})")
    listed = subprocess.run([*mutmut, "results"], cwd=work, capture_output=True, text=True, check=False)
    survivors = [
        line.split(":")[0].strip()
        for line in listed.stdout.splitlines()
        if "survived" in line or "no tests" in line
    ]
    stats["survivors"] = survivors
    stats["modules"] = per_module(work)
    stats["seconds"] = round(time.monotonic() - started)
    stats["work"] = str(work)
    print(f"{area}: scratch copy in {work}", file=sys.stderr)
    return stats


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--areas", default=",".join(AREAS), help=f"comma-separated, from {', '.join(AREAS)}")
    parser.add_argument("--max-children", type=int, default=2, help="test processes at once (default 2)")
    parser.add_argument("--survivors", type=Path, help="write the surviving mutants' names here")
    parser.add_argument(
        "--modules", default="", help="only these modules, comma-separated (e.g. slo,alert_filter)"
    )
    parser.add_argument(
        "--mutants",
        type=Path,
        help="only the mutants named in this file, one a line (e.g. an earlier run's --survivors)",
    )
    args = parser.parse_args(argv)
    killed_all = total_all = 0
    lines = []
    survivors: list[str] = []
    for area in args.areas.split(","):
        only = args.mutants.read_text(encoding="utf-8").split() if args.mutants else None
        stats = run_area(area, args.max_children, [m for m in args.modules.split(",") if m], only)
        if not stats["survivors"] and not stats["seconds"]:
            continue  # nothing of this area was asked for
        killed = int(stats.get("killed", 0)) + int(stats.get("timeout", 0))
        # A mutant no selected test even runs is a bug nothing would catch: it counts as survived.
        untested = int(stats.get("no_tests", 0))
        total = killed + int(stats.get("survived", 0)) + untested
        killed_all += killed
        total_all += total
        rate = 100 * killed / total if total else 0.0
        lines.append(
            f"{area:<10} {killed:>5} of {total:>5} killed  {rate:5.1f}%  "
            f"({untested} not reached by any test, {stats['seconds']} s)"
        )
        modules: list[str] = stats.get("modules", [])
        lines += modules
        print("\n".join(lines[-1 - len(modules) :]), flush=True)
        survivors += stats["survivors"]
        if args.survivors:  # kept current after each area, so an interrupted run still leaves them
            args.survivors.write_text("\n".join(survivors) + "\n", encoding="utf-8")
    for line in lines:
        print(line)
    overall = 100 * killed_all / total_all if total_all else 0.0
    print(f"{'overall':<10} {killed_all:>5} of {total_all:>5} killed  {overall:5.1f}%")
    if args.survivors:
        args.survivors.write_text("\n".join(survivors) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
