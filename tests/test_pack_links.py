"""A pack's links are filled in per alert and per row, safely, and shown as hyperlinks with the URL."""

from __future__ import annotations

import pytest

from opsconsole.demo.stack import DemoStack, DemoUrls
from opsconsole.packs.links import expand_link
from opsconsole.ui.pane_table import AgentRowKey
from opsconsole.ui.panes import HealthPane
from opsconsole.ui.screens import DetailScreen, FieldsScreen, link_lines
from tests.support.ui_harness import demo_app, settle, work_done

Demo = tuple[DemoStack, DemoUrls]
KUBE_RUNBOOK = "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/${alertname:lower}"


def test_lower_fills_the_runbook_page_name() -> None:
    url = expand_link(KUBE_RUNBOOK, {"alertname": "KubePodCrashLooping"}, {})
    assert url == "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping"


@pytest.mark.parametrize(
    "hostile",
    [
        "x/../../admin?token=1#",  # path and query injection
        "a b\nc",  # whitespace ends a URL in a terminal
        "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",  # an OSC 8 link of its own
        "\x1b[2J\x07",  # clear screen and bell
        "‮gnp.exe",  # bidi override
    ],
)
def test_label_values_are_encoded_and_cannot_escape_the_url(hostile: str) -> None:
    url = expand_link("https://grafana.example/d/x?var-pod=$pod&from=now-1h", {"pod": hostile}, {})
    assert url is not None
    value = url.split("var-pod=", 1)[1].split("&from=", 1)[0]
    assert all(c.isalnum() or c in "%-._~" for c in value), value
    assert url.endswith("&from=now-1h")
    assert "\x1b" not in url and "\x07" not in url


def test_a_link_that_cannot_be_built_is_left_out() -> None:
    assert expand_link("https://runbooks.example/$alertname/$team", {"alertname": "A"}, {}) is None
    assert expand_link("javascript:alert($alertname)", {"alertname": "A"}, {}) is None
    assert expand_link("$base/d/$entity", {"entity": "x"}, {"base": "https://grafana.example"}) == (
        "https://grafana.example/d/x"
    )


def test_links_are_hyperlinks_with_the_url_shown() -> None:
    text = link_lines([("runbook", "https://runbooks.example/a")])
    assert text.plain == "runbook  https://runbooks.example/a"
    assert any(str(span.style) == "link https://runbooks.example/a" for span in text.spans)


async def test_alert_details_show_the_pack_runbook_in_lower_case(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1], pack="kubernetes")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("2", "j", "i")
        await work_done(app)
        await pilot.pause()
        assert isinstance(app.screen, FieldsScreen)
        fields = dict(app.screen.fields)
        name = fields["label alertname"]
        assert (
            fields["runbook (pack)"]
            == f"https://runbooks.prometheus-operator.dev/runbooks/kubernetes/{name.lower()}"
        )


async def test_the_drill_down_shows_the_pack_dashboard_for_the_entity(frozen_demo: Demo) -> None:
    app = demo_app(frozen_demo[1])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        ref = app.query_one(HealthPane).selected()
        assert isinstance(ref, AgentRowKey)
        entity = ref.row.entity
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert screen.detail is not None
        links = dict(screen.detail.links)
        # The seeds' system overview dashboard, for the pod under the cursor.
        assert links["dashboard"] == f"https://grafana.your-domain.com/d/system-overview?var-pod={entity}"
