"""The window refreshes what an edit's change record names, and only that.

Each test opens the demo, counts the calls that make a part of the screen (a map
layer, the gaps and overlaps, the accounts table), applies an edit that changes
one thing, and checks the parts that depend on it were made anew and are right,
and that the others were left alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from territory_planner.analysis.metrics import territory_kpis
from territory_planner.edits import (
    MoveAccounts,
    RenameTerritory,
    ShapeEdit,
    place_account,
    set_quota,
)
from territory_planner.mapview import map_updates, overview
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, wait_for_map

Calls = Counter[str]


@pytest.fixture
def calls(qtbot, window: MainWindow, demo_file, monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Open the demo, then count what each refresh makes (and what the page is sent)."""
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    qtbot.waitUntil(lambda: not window.refresher.pending, timeout=MAP_TIMEOUT_MS)
    counted: Calls = Counter()

    def spy(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            counted[name] += 1
            return fn(*args, **kwargs)

        return call

    for module, name in [
        (map_updates, "territories_layer"),
        (map_updates, "reps_layer"),
        (map_updates, "account_arrays"),
        (overview, "find_gaps"),
        (overview, "territory_kpis"),
    ]:
        monkeypatch.setattr(module, name, spy(name, getattr(module, name)))
    monkeypatch.setattr(
        window.account_model, "set_frame", spy("accounts table", window.account_model.set_frame)
    )
    send = window.map_view.send_update

    def sent(update: dict[str, Any]) -> None:
        counted.update(f"sent {key}" for key in update)
        send(update)

    monkeypatch.setattr(window.map_view, "send_update", sent)
    return counted


def made(calls: Calls) -> set[str]:
    """The parts made or sent (each once per refresh), less those every refresh sends.

    The KPI shading and the performance alerts go to the map after every edit: the
    KPIs and the alerts are always made anew (settings and actuals move them).
    """
    assert all(count == 1 for count in calls.values()), calls
    return set(calls) - {"sent shade", "sent alerts", "territory_kpis"}


def test_placing_an_account_remakes_the_accounts_only(window: MainWindow, calls: Calls) -> None:
    account = str(window.project.accounts["account_id"].iloc[0])
    window.push_edit(place_account(window.project, account, 41.9, -87.6))

    assert made(calls) == {"account_arrays", "accounts table", "sent accounts"}
    sent = window.map_view.sent.accounts
    assert sent is not None
    row = list(sent.arrays["id"]).index(account)
    assert (sent.arrays["lat"][row], sent.arrays["lon"][row]) == pytest.approx((41.9, -87.6))
    shown = window.account_model.frame.set_index("account_id").loc[account]
    assert (shown["lat"], shown["lon"]) == pytest.approx((41.9, -87.6))


def test_moving_accounts_recolours_them_and_recounts_the_territories(
    window: MainWindow, calls: Calls
) -> None:
    project = window.project
    target = str(project.territories["territory_id"].iloc[0])
    moving = project.accounts.loc[project.accounts["territory_id"] != target, "account_id"]
    moving = moving.iloc[:5].tolist()
    window.push_edit(MoveAccounts(project, moving, target))

    # no reps, no gaps and overlaps: no outline moved
    assert made(calls) == {
        "account_arrays",
        "territories_layer",
        "accounts table",
        "sent recolor",
        "sent territories",
    }
    layer = window.map_view.sent.territories
    assert layer is not None
    counts = {f["properties"]["id"]: f["properties"]["accounts"] for f in layer["features"]}
    truth = territory_kpis(project)
    assert counts == dict(zip(truth["territory_id"], truth["accounts"].astype(int), strict=True))
    table = window.account_model.frame.set_index("account_id")
    assert (table.loc[moving, "territory_id"] == target).all()


def test_a_quota_leaves_the_gaps_overlaps_and_accounts_on_the_map(
    window: MainWindow, calls: Calls
) -> None:
    items = list(window.coverage_items)
    territory = str(window.project.territories["territory_id"].iloc[1])
    window.push_edit(set_quota(window.project, territory, "1.5M"))

    assert "find_gaps" not in calls
    assert {"territories_layer", "accounts table"} <= made(calls)
    assert "sent accounts" not in calls  # the points and their colours are the same
    assert "sent recolor" not in calls
    assert window.coverage_items == items
    kpis = window.territory_model.frame.set_index("territory_id")
    assert kpis.loc[territory, "quota"] == 1_500_000


def test_renaming_a_territory_renames_it_everywhere(window: MainWindow, calls: Calls) -> None:
    territory = str(window.project.territories["territory_id"].iloc[1])
    window.push_edit(RenameTerritory(window.project, territory, "Lakeshore"))

    assert calls["find_gaps"] == 1  # overlaps are named by their territories
    assert {"territories_layer", "sent territories", "accounts table"} <= made(calls)
    assert "sent recolor" not in calls  # the accounts' colours are the same
    layer = window.map_view.sent.territories
    assert layer is not None
    names = {f["properties"]["id"]: f["properties"]["name"] for f in layer["features"]}
    assert names[territory] == "Lakeshore"
    kpis = window.territory_model.frame.set_index("territory_id")
    assert kpis.loc[territory, "name"] == "Lakeshore"
    accounts = window.account_model.frame
    assert (accounts.loc[accounts["territory_id"] == territory, "territory"] == "Lakeshore").all()


def test_a_setting_leaves_the_map_and_the_accounts_table(window: MainWindow, calls: Calls) -> None:
    rows = window.territory_model.rowCount()
    window.kpi_actions.set_tolerance(0.12)

    assert made(calls) == set()
    assert "territory_kpis" not in calls  # no KPI reads the band: the figures stay
    assert window.territory_model.rowCount() == rows
    assert calls["sent shade"] == 1  # the KPI shading follows the new band
    assert window.kpi_panel.tolerance == pytest.approx(0.12)
    assert window.kpi_panel.band.value() == pytest.approx(12.0)


def test_a_new_outline_brings_the_gaps_and_overlaps(window: MainWindow, calls: Calls) -> None:
    project = window.project
    row = 0
    territory = str(project.territories["territory_id"].iloc[row])
    grown = project.territories.geometry.iloc[row].buffer(0.3)
    after = project.territories.copy()
    after.loc[after.index[row], "geometry"] = grown
    window.push_edit(ShapeEdit(project, after, grown, f"Grew {territory}"))

    assert calls["find_gaps"] == 1
    assert {"territories_layer", "reps_layer", "sent territories"} <= set(calls)
    overlaps = [item for item in window.coverage_items if item.kind == "overlap"]
    assert overlaps  # the grown outline now covers its neighbours' edges


def test_undoing_the_segment_shown_shows_every_account_again(
    qtbot, window: MainWindow, calls: Calls
) -> None:
    from tests.ui.test_market_panel import healthcare

    panel = window.analysis.market_panel
    window.analysis.market_dock.raise_()
    qtbot.waitUntil(
        lambda: window.analysis.market_dock not in window.analysis.stale_panels, timeout=5000
    )
    healthcare(panel)
    panel.segments.name.setText("Healthcare")
    panel.segments.save_segment()  # a setting: the accounts table is left as it is
    expected = int((window.project.accounts["industry"] == "Healthcare").sum())
    assert window.analysis.segment == "Healthcare"
    assert window.account_model.rowCount() == expected
    window.account_dock.raise_()  # the Market panel hidden: it is not refreshed
    qtbot.waitUntil(lambda: window.analysis.market_dock.visibleRegion().isEmpty(), timeout=5000)
    calls.clear()

    window.undo_stack.undo()  # the segment shown is gone (a setting too)
    assert "accounts table" not in calls
    assert window.analysis.segment == ""
    assert window.account_model.rowCount() == 300
    assert window.analysis.map_layers.get("segment") is None


def test_a_quota_plan_remakes_the_kpis_only(window: MainWindow, calls: Calls) -> None:
    from territory_planner.analysis.metrics import QuotaPlan
    from territory_planner.edits import ChangeSettings

    plan = QuotaPlan(team_target=8_000_000.0)
    window.push_edit(ChangeSettings(window.project, plan.as_settings(), "Quota plan"))

    assert calls["territory_kpis"] == 1  # quotas follow the plan
    assert made(calls) == set()
    quotas = window.territory_model.frame["quota"]
    assert quotas.sum() == pytest.approx(8_000_000.0)
