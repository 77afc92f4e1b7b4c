"""``kubectl opsconsole``: kubectl's flags, discovery, then the ordinary console.

kubectl passes plugin flags through untouched, so this follows kubectl's conventions itself:
``--kubeconfig``, ``--context`` (the *kube* context), ``-n/--namespace`` and ``KUBECONFIG``.
Everything else on the command line is opsconsole's own (``wallboard``, ``--pack``, a
``--prometheus URL`` that overrides what was discovered, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from typing import IO

from opsconsole.backends.errors import BackendError
from opsconsole.config import ConfigError, ContextSettings, load_config, redact_url
from opsconsole.kube.choices import ChoiceStore
from opsconsole.kube.connect import Chooser, DiscoveryReport, discover
from opsconsole.kube.credentials import KubeConfigError, KubeSession
from opsconsole.kube.discovery import KINDS, BackendKind, Candidate

DISPLAY = {"prometheus": "Prometheus", "alertmanager": "Alertmanager", "loki": "Loki", "jaeger": "Jaeger"}

KUBE_HELP = """\
kubectl flags (as kubectl reads them):
  --kubeconfig PATH     kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
  --context NAME        kube context (default: the kubeconfig's current context)
  -n, --namespace NS    look for backends only in this namespace (default: all readable)
  --discover            print the services found and the URLs that will be used, then exit
  --choose              ask again which service to use when several match
"""


def kube_flags() -> argparse.ArgumentParser:
    """The flags kubectl users expect, parsed before opsconsole's own."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--kubeconfig")
    parser.add_argument("--context")
    parser.add_argument("-n", "--namespace")
    parser.add_argument("--discover", action="store_true")
    parser.add_argument("--choose", action="store_true")
    return parser


def stdin_chooser(stdin: IO[str], stdout: IO[str]) -> Chooser:
    """Ask on the terminal which of several matching services to use."""

    def choose(kind: BackendKind, candidates: list[Candidate]) -> Candidate | None:
        print(f"Several {DISPLAY[kind]} services match:", file=stdout)
        for number, candidate in enumerate(candidates, start=1):
            print(f"  {number}) {candidate.describe()}", file=stdout)
        while True:
            print(f"Use which? [1-{len(candidates)}, Enter for 1] ", end="", file=stdout, flush=True)
            answer = stdin.readline()
            if not answer:
                return None  # end of input: fall back to the best match
            answer = answer.strip() or "1"
            if answer.isdigit() and 1 <= int(answer) <= len(candidates):
                return candidates[int(answer) - 1]
            print(f"  {answer!r} is not one of 1-{len(candidates)}", file=stdout)

    return choose


def format_report(report: DiscoveryReport) -> str:
    """What ``--discover`` prints: the context, what matched, what is used and whether it answers."""
    creds = report.credentials
    lines = [
        f"kube context {creds.context} at {redact_url(creds.server)}; searched {report.scope}",
        *(f"note: {note}" for note in report.notes),
    ]
    for kind in KINDS:
        choice = report.choices[kind]
        name = DISPLAY[kind]
        if choice.chosen is None:
            lines.append(f"{name:<13} not found")
            continue
        lines.append(f"{name:<13} {choice.chosen.describe()}  [{choice.how}]")
        lines.append(f"{'':<13} url: {choice.url}")
        status = choice.probe
        if choice.proxy_refused:
            status += f" - the service proxy is not allowed: give --{kind} URL or set it in the config"
        lines.append(f"{'':<13} check: {status}")
        for other in choice.candidates:
            if other is not choice.chosen:
                lines.append(f"{'':<13} also: {other.describe()}")
    return "\n".join(lines)


def run(
    argv: Sequence[str] | None,
    console_main: Callable[..., int],
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    store: ChoiceStore | None = None,
) -> int:
    """Parse kubectl's flags, discover the backends, then run opsconsole on them."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    args, rest = kube_flags().parse_known_args(list(argv) if argv is not None else sys.argv[1:])
    if any(flag in rest for flag in ("-h", "--help")) and not args.discover:
        print(KUBE_HELP, file=stdout)
        return console_main(rest, prog="kubectl opsconsole")
    try:
        session = KubeSession(args.kubeconfig, args.context, args.namespace)
    except (KubeConfigError, ConfigError) as exc:
        print(f"kubectl opsconsole: {exc}", file=sys.stderr)
        return 2
    try:
        chooser = stdin_chooser(stdin, stdout) if stdin.isatty() or args.choose else None
        try:
            report = asyncio.run(
                discover(session.credentials, store=store, chooser=chooser, ask_again=args.choose)
            )
        except BackendError as exc:
            diagnosis = exc.message
            context = session.credentials.context
            print(f"kubectl opsconsole: cannot list services in {context}: {diagnosis}", file=sys.stderr)
            return 1
        if args.discover:
            print(format_report(report), file=stdout)
            found = [k for k in ("prometheus", "alertmanager") if report.choices[k].url]
            return 0 if found else 1
        try:
            config, _ = load_config(None)
        except ConfigError as exc:
            print(f"kubectl opsconsole: config error: {exc}", file=sys.stderr)
            return 2
        fallback = config.contexts.get(session.credentials.context)
        settings: ContextSettings = report.context_settings(fallback)
        for kind in KINDS:
            choice = report.choices[kind]
            if choice.proxy_refused:
                used = "the config's URL" if fallback and _configured(fallback, kind) else "nothing"
                message = f"{DISPLAY[kind]}: the service proxy is not allowed; using {used}"
                print(f"kubectl opsconsole: {message}", file=sys.stderr)
        session.start_refreshing()
        return console_main(rest, prog="kubectl opsconsole", kube=(session.credentials.context, settings))
    finally:
        session.close()


def _configured(settings: ContextSettings, kind: str) -> bool:
    return bool(settings.alertmanagers) if kind == "alertmanager" else getattr(settings, kind) is not None
