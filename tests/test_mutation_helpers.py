"""The small helpers of the mutation path that the Alertmanager suites do not reach directly:
the hint after a refused change, the pack's alert scope, who signs a change, the wire text shown
before sending (written when mutation testing found every change to them unnoticed)."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from opsconsole.backends.errors import BackendError, FailureKind, ReadOnlyViolation
from opsconsole.core.alert_matchers import LabelMatcher
from opsconsole.core.silence_blast_radius import DEFAULT_HEARTBEATS, ClusterAlert
from opsconsole.mutations.alert_scope import AlertScope, scope_for_pack
from opsconsole.mutations.identity import default_author, origin
from opsconsole.mutations.silences import Mutation, SilenceService, error_hint
from opsconsole.packs.loader import load_packs
from opsconsole.resources import builtin_queries_dir


def _error(
    kind: FailureKind, diagnosis: str = "", *, status: int | None = None, detail: str = ""
) -> BackendError:
    return BackendError("alertmanager", kind, diagnosis, status=status, detail=detail)


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        (_error(FailureKind.READ_ONLY, "refused"), "this context is read-only; switch to a context"),
        (
            _error(FailureKind.HTTP, "400", status=400, detail="matches the EMPTY STRING"),
            "add a matcher that pins",
        ),
        (_error(FailureKind.HTTP, "404: silence Not Found", status=404), "it may have expired already"),
        (
            _error(FailureKind.HTTP, "404", status=404, detail="silence not found"),
            "it may have expired already",
        ),
        (_error(FailureKind.CONNECTION_REFUSED, "connection refused"), "no Alertmanager answered"),
        (_error(FailureKind.DNS, "DNS: no such host"), "no Alertmanager answered"),
        (_error(FailureKind.TIMEOUT, "timeout"), "no Alertmanager answered"),
        (_error(FailureKind.NETWORK, "reset"), "no Alertmanager answered"),
        (_error(FailureKind.TLS, "TLS: unknown CA"), "no Alertmanager answered"),
        (
            _error(FailureKind.HTTP, "400: bad matcher", status=400),
            "Alertmanager refused it; its words are above",
        ),
    ],
)
def test_a_refused_change_gets_the_next_step(error: BackendError, hint: str) -> None:
    assert error_hint(error).startswith(hint)


@pytest.mark.parametrize("status", [401, 403, 500, None])
def test_no_hint_when_the_message_says_it_all(status: int | None) -> None:
    assert error_hint(_error(FailureKind.HTTP, "server said no", status=status)) == ""


def test_read_only_wins_over_every_other_hint() -> None:
    error = _error(FailureKind.READ_ONLY, "not found", status=400, detail="empty string")
    assert error_hint(error).startswith("this context is read-only")


def test_the_pack_scope_is_its_matchers_with_the_context_variables() -> None:
    pack = load_packs([(builtin_queries_dir(), "builtin")]).packs["progressive-framework"].pack
    scope = scope_for_pack(pack, {"cluster": "eu-1", "namespace": "shop"})
    assert scope.pack == "progressive-framework"
    assert LabelMatcher("cluster", "=~", "eu-1") in scope.matchers
    assert any(m.op == "=~" and m.value == "shop|" for m in scope.matchers)
    assert LabelMatcher("alertname", "!~", "Watchdog|DeadMansSwitch|InfoInhibitor") in scope.matchers
    assert len(scope.matchers) == 3
    assert scope.heartbeats[: len(DEFAULT_HEARTBEATS)] == DEFAULT_HEARTBEATS
    assert scope.entity_labels == ("kubernetes_pod_name", "agent_id", "pod", "instance")


def test_a_bad_pack_matcher_only_narrows_the_scope_and_heartbeats_are_not_repeated() -> None:
    pack = load_packs([(builtin_queries_dir(), "builtin")]).packs["progressive-framework"].pack
    alerts = pack.alerts.model_copy(
        update={
            "matchers": ['team="a"', "not a matcher {", 'env="$nosuchvariable"', 'tier="web"'],
            "heartbeat_alerts": ["Watchdog", "Heartbeat"],
        }
    )
    scope = scope_for_pack(pack.model_copy(update={"alerts": alerts}))
    assert scope.matchers == (LabelMatcher("team", "=", "a"), LabelMatcher("tier", "=", "web"))
    assert scope.heartbeats == (*DEFAULT_HEARTBEATS, "Heartbeat")


def test_in_view_keeps_the_alerts_every_matcher_selects() -> None:
    def alert(fp: str, **labels: str) -> ClusterAlert:
        return ClusterAlert(fingerprint=fp, labels=labels)

    alerts = [alert("a", team="x", env="prod"), alert("b", team="x", env="dev"), alert("c", team="y")]
    scope = AlertScope("p", (LabelMatcher("team", "=", "x"), LabelMatcher("env", "=", "prod")))
    assert scope.in_view(alerts) == {"a"}
    assert replace(scope, matchers=()).in_view(alerts) == {"a", "b", "c"}
    assert AlertScope().in_view(alerts) is None


def test_the_author_is_the_configured_one_else_user_at_host(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_author("alice@laptop") == "alice@laptop"
    monkeypatch.setattr("getpass.getuser", lambda: "bob")
    assert default_author() == f"bob@{socket.gethostname()}"
    assert default_author("") == f"bob@{socket.gethostname()}"

    def no_user() -> str:
        raise OSError("no passwd entry")

    monkeypatch.setattr("getpass.getuser", no_user)
    monkeypatch.setenv("USER", "carol")
    assert default_author() == f"carol@{socket.gethostname()}"
    monkeypatch.delenv("USER")
    assert default_author() == f"unknown@{socket.gethostname()}"
    assert origin() == f"opsconsole@{socket.gethostname()}"


def test_a_mutation_describes_exactly_what_is_sent() -> None:
    body = {"matchers": [{"name": "a", "value": "b"}], "comment": "x"}
    assert Mutation("POST", "api/v2/silences", body).describe() == (
        "POST /api/v2/silences\n" + json.dumps(body, indent=2)
    )
    assert Mutation("DELETE", "api/v2/silence/123", None).describe() == "DELETE /api/v2/silence/123"


def test_a_read_only_service_refuses_and_journals_before_anything_else(tmp_path: Path) -> None:
    journal = tmp_path / "state" / "journal.jsonl"
    service = SilenceService(
        [],
        read_only=True,
        read_only_reason="ctx prod is read-only",
        journal_path=journal,
        clock=lambda: 1_800_000_000.0,
    )
    mutation = service.expire_request("abc")
    with pytest.raises(ReadOnlyViolation) as refused:
        service.check_writable(mutation)  # refused before the missing peers are even looked at
    assert refused.value.kind == FailureKind.READ_ONLY
    assert refused.value.detail == "ctx prod is read-only"
    assert refused.value.url == "/api/v2/silence/abc"
    entry = {
        "at": "2027-01-15T08:00:00+00:00",
        "peer": None,
        "method": "DELETE",
        "path": "api/v2/silence/abc",
        "body": None,
        "outcome": "refused: ctx prod is read-only",
    }
    assert service.journal == [entry]
    assert [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()] == [entry]


def test_a_writable_service_without_peers_says_none_is_configured() -> None:
    service = SilenceService([])
    with pytest.raises(BackendError) as failed:
        service.check_writable(service.expire_request("abc"))
    assert failed.value.kind == FailureKind.NOT_CONFIGURED
    assert service.journal == []
