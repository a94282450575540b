"""The main window on the demo project: panels, map, edits, undo, files."""

from __future__ import annotations

import json
import shutil

import pytest
import shapely
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolBar

from territory_planner.edits import MoveAccounts
from territory_planner.io import export
from territory_planner.io.project_file import load_project
from territory_planner.mapview.events import FeatureDrawn, MapClicked
from territory_planner.model import change_log
from territory_planner.ui import main_window
from territory_planner.ui.file_actions import demo_path
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, page_stats, run_js, wait_for_map


def test_demo_fills_panels_and_map(qtbot, window: MainWindow) -> None:
    window.files.open_demo()
    wait_for_map(qtbot, window, 1500)
    assert demo_path().exists()  # generated on first use, like `territory-planner demo`
    assert window.account_model.rowCount() == 1500
    assert window.territory_model.rowCount() == 8
    names = {window.territory_model.index(r, 0).data() for r in range(8)}
    assert {"Great Lakes", "Northeast", "Southern California"} <= names
    total = sum(int(window.territory_model.index(r, 2).data().replace(",", "")) for r in range(8))
    assert total == 1500 - window.project.summary().unassigned
    stats = page_stats(qtbot, window)
    assert stats["accounts"] == 1500
    assert stats["territories"] == 8
    assert stats["reps"] == 8
    assert stats["basemap"]["states"] == 56
    assert stats["basemap"]["counties"] > 3200
    assert stats["basemap"]["countries"] > 200
    assert "1,500 accounts" in window.status_counts.text()
    assert window.windowTitle().startswith("Demo: US field sales")


def test_open_project_file_and_filter_accounts(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    assert window.path == demo_file
    assert window.account_model.rowCount() == 300
    window.account_filter.setText("healthcare")
    expected = (window.project.accounts["industry"] == "Healthcare").sum()
    assert window.account_model.rowCount() >= expected > 0
    window.account_filter.clear()
    window.account_model.sort(8, Qt.SortOrder.DescendingOrder)  # revenue
    top = window.account_model.frame_row(0)
    revenue = window.account_model.frame["annual_revenue"]
    assert revenue.iloc[top] == window.project.accounts["annual_revenue"].max()


def test_rename_territory_is_undoable_and_saved(qtbot, window, demo_file, tmp_path) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    index = window.territory_model.index(0, 0)
    old = index.data()
    assert window.territory_model.setData(index, "Windy City")
    assert window.territory_model.index(0, 0).data() == "Windy City"
    assert window.isWindowModified()
    assert window.change_log[-1].endswith(f"Renamed territory '{old}' to 'Windy City'")
    window.undo_action.trigger()
    assert window.territory_model.index(0, 0).data() == old
    window.redo_action.trigger()
    target = tmp_path / "renamed.gpkg"
    assert window.files._save_to(target)
    assert not window.isWindowModified()
    assert "Windy City" in set(load_project(target).territories["name"])

    # the change log goes with the project: undo and redo are in it, in words, with the time
    saved = change_log(load_project(target))
    assert [text for _, text in saved[-3:]] == [
        f"Renamed territory '{old}' to 'Windy City'",
        f"Renamed territory 'Windy City' to '{old}'",
        f"Renamed territory '{old}' to 'Windy City'",
    ]
    window.undo_stack.setClean()
    window.open_project(target)
    qtbot.waitUntil(lambda: window.path == target and not window.change_log, timeout=MAP_TIMEOUT_MS)
    shown = [window.log_list.item(i).text() for i in range(window.log_list.count())]
    assert shown[-1].endswith(f"Renamed territory '{old}' to 'Windy City'")
    assert shown[-1][:10] == saved[-1][0][:10], shown[-4:]  # dated
    out = tmp_path / "log.csv"
    assert export.export_change_log(load_project(target), out) == len(saved)
    assert out.read_text(encoding="utf-8").splitlines()[0] == "time,change"


def test_bridge_carries_clicks_and_drawn_shapes(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    with qtbot.waitSignal(window.map_view.map_event, timeout=MAP_TIMEOUT_MS) as blocker:
        window.map_view.run_js("map_tp.fire('click', {latlng: L.latLng(41.5, -88.25)})")
    assert blocker.args[0] == MapClicked(lat=41.5, lon=-88.25)

    ring = [(-88.5, 41.5), (-87.5, 41.5), (-87.5, 42.2), (-88.5, 42.2)]
    js_ring = ", ".join(f"[{lat}, {lon}]" for lon, lat in ring)
    with qtbot.waitSignal(window.map_view.map_event, timeout=MAP_TIMEOUT_MS) as blocker:
        window.map_view.run_js(
            f"map_tp.fire('pm:create', {{shape: 'Polygon', layer: L.polygon([{js_ring}])}})"
        )
    event = blocker.args[0]
    assert isinstance(event, FeatureDrawn)
    polygon = shapely.Polygon(ring)
    assert event.geometry.equals(polygon)
    acc = window.project.accounts
    points = zip(acc["lon"], acc["lat"], strict=True)
    expected = sum(polygon.contains(shapely.Point(x, y)) for x, y in points)
    assert expected > 0
    assert window.map_interaction.last_drawn_count == expected


def near(pixel: object, color: str, tolerance: int = 24) -> bool:
    """Whether a canvas pixel "[r, g, b, a]" shows `color` ("#rrggbb"), give or take blending."""
    r, g, b, a = json.loads(str(pixel))
    wanted = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return a > 200 and all(abs(x - y) <= tolerance for x, y in zip((r, g, b), wanted, strict=True))


def test_account_click_selects_row_and_move_is_undoable(qtbot, window, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    target = window.project.accounts["account_id"].iloc[5]
    lat, lon = window.project.accounts[["lat", "lon"]].iloc[5]
    window.map_view.send_update({"zoomTo": {"lat": lat, "lon": lon, "zoom": 17}})
    here = f"L.latLng({lat}, {lon})"
    for _ in range(100):  # once zoomed in and redrawn, a click there picks the account
        if run_js(qtbot, window, f"TP.accountAt({here})") == target:
            break
        qtbot.wait(100)
    territories = window.project.territories.set_index("territory_id")
    pixel = f"TP.accountPixel({lat}, {lon})"
    drawn = run_js(qtbot, window, pixel)  # the point is painted in its territory's colour
    assert near(drawn, territories.loc[window.project.accounts["territory_id"].iloc[5], "color"])
    with qtbot.waitSignal(window.map_view.map_event, timeout=MAP_TIMEOUT_MS):
        window.map_view.run_js(
            f"map_tp.fire('click', {{latlng: {here}, layerPoint: map_tp.latLngToLayerPoint({here})}})"
        )
    selected = window.account_table.selectionModel().selectedRows()
    model = window.account_model
    ids = [model.frame["account_id"].iloc[model.frame_row(i.row())] for i in selected]
    assert ids == [target]

    before = window.project.accounts.copy()
    current = before["territory_id"].iloc[5]
    other = next(t for t in window.project.territories["territory_id"] if t != current)
    window.push_edit(MoveAccounts(window.project, [target], other))
    assert window.project.accounts["territory_id"].iloc[5] == other
    color = f"TP.accountColor({json.dumps(target)})"
    qtbot.waitUntil(  # the page was sent the account's new colour (a recolor, not a resend)
        lambda: run_js(qtbot, window, color) == territories.loc[other, "color"],
        timeout=MAP_TIMEOUT_MS,
    )
    assert near(run_js(qtbot, window, pixel), territories.loc[other, "color"])  # and painted
    assert bool(window.project.accounts["locked"].iloc[5])
    window.undo_stack.undo()
    assert window.project.accounts.equals(before)


def test_selecting_a_territory_highlights_it_on_the_map(
    qtbot, window: MainWindow, demo_file
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    window.territory_table.selectRow(2)
    expected = window.territory_model.frame["territory_id"].iloc[
        window.territory_model.frame_row(2)
    ]
    qtbot.waitUntil(
        lambda: page_stats(qtbot, window)["selected"] == expected, timeout=MAP_TIMEOUT_MS
    )


def test_about_box_credits_bundled_data(window: MainWindow) -> None:
    text = window.help_actions.about_text()
    for needle in (
        "leaflet</b> 1.9.4",
        "us-atlas",
        "world-atlas",
        "GeoNames",
        "CC BY 4.0",
        "BSD-2-Clause",
        "(development build)",  # a bundle says "(built YYYY-MM-DD)" (tests/bundle)
    ):
        assert needle in text


def test_autosave_and_recovery_after_a_crash(
    qtbot, window: MainWindow, demo_file, tmp_path, monkeypatch
) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from territory_planner.io.recovery import pending
    from territory_planner.ui.autosave import offer_recovery

    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    assert window.autosave.tick() is None  # nothing unsaved, nothing written
    window.territory_model.setData(window.territory_model.index(0, 0), "After the crash")
    window.autosave.tick().result()
    folder = window.data_folder / "recovery"
    assert window.autosave.target.exists()

    # A second window (as after a restart) finds it when the first process is gone: simulate
    # by renaming the file to a pid that is not running.
    dead = folder / "recovery-999999.gpkg"
    window.autosave.target.rename(dead)
    window.autosave.target.with_suffix(".json").rename(dead.with_suffix(".json"))
    assert [r.file for r in pending(folder)] == [dead]
    other = MainWindow(
        QSettings(str(tmp_path / "s2.ini"), QSettings.Format.IniFormat),
        data_folder=window.data_folder,
    )
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Open)
    try:
        assert offer_recovery(other, folder)
        assert "After the crash" in set(other.project.territories["name"])
        assert other.path == demo_file
        assert other.stamp == window.stamp  # a later Save asks if the file changed since
        assert other.stamp is not None
        assert other.isWindowModified() or not other.undo_stack.isClean()
        assert not dead.exists()
        other.autosave.last.result()
        assert other.autosave.target.exists()  # adopted as the new session's copy
    finally:
        other.undo_stack.setClean()
        other.close()
        import shiboken6

        shiboken6.delete(other)
    window.undo_stack.setClean()
    window.files._save_to(tmp_path / "saved.gpkg")
    assert not window.autosave.target.exists()  # saved: the recovery copy goes


def test_territory_kpis_and_assign_in_the_window(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    model = window.territory_model
    keys = [c.key for c in model.columns]
    row = model.view_row("territory_id", "T01")
    workload = float(model.index(row, keys.index("workload_hours")).data().replace(",", ""))
    assert workload > 0
    deviation = model.frame.set_index("territory_id").loc["T01", "workload_hours_vs_mean"]
    cell = model.index(row, keys.index("workload_hours_vs_mean"))
    assert cell.data() == f"{deviation:+.0%}"
    from PySide6.QtCore import Qt

    expected = (
        "#dff0d8"
        if abs(deviation) <= 0.05
        else ("#fcf3cf" if abs(deviation) <= 0.10 else "#f8d7da")
    )
    assert cell.data(Qt.ItemDataRole.BackgroundRole).name() == expected

    # Clear the assignment, then Territory > Assign Accounts puts everyone back, undoably.
    from territory_planner.edits import ReplaceTable

    cleared = window.project.accounts.copy()
    cleared["territory_id"] = None
    window.push_edit(ReplaceTable(window.project, "accounts", cleared, "clear"))
    assert window.territory_model.frame["accounts"].sum() == 0
    window.territory_actions.assign_action.trigger()
    assert (
        window.territory_model.frame["accounts"].sum() == 300 - window.project.summary().unassigned
    )
    assert window.log_list.item(window.log_list.count() - 1).text().endswith("unassigned)")
    assert "Assigned accounts (" in window.log_list.item(window.log_list.count() - 1).text()
    window.undo_stack.undo()
    assert window.territory_model.frame["accounts"].sum() == 0


def test_draw_a_territory_and_reshape_one_through_the_map(
    qtbot, window: MainWindow, demo_file
) -> None:
    from territory_planner.geo.assign import assign_accounts
    from territory_planner.mapview.events import TerritoryEdited

    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    # Reshape T01 (Chicago) to a box by editing its outline on the map, as Geoman reports it.
    box = "[[41.6, -88.3], [41.6, -87.6], [42.1, -87.6], [42.1, -88.3]]"
    with qtbot.waitSignal(window.map_view.map_event, timeout=MAP_TIMEOUT_MS) as blocker:
        window.map_view.run_js(
            f"var l = TP.territory('T01'); l.setLatLngs([{box}]); l.fire('pm:edit');"
        )
    assert isinstance(blocker.args[0], TerritoryEdited)
    chicago = window.project.territories.set_index("territory_id").loc["T01", "geometry"]
    assert chicago.bounds == pytest.approx((-88.3, 41.6, -87.6, 42.1))
    expected = assign_accounts(window.project.accounts, window.project.territories).territory_id
    assert (
        window.project.accounts["territory_id"].fillna("").tolist() == expected.fillna("").tolist()
    )
    in_t01 = int((window.project.accounts["territory_id"] == "T01").sum())
    row = window.territory_model.view_row("territory_id", "T01")
    assert window.territory_model.index(row, 2).data() == f"{in_t01:,}"
    assert 0 < in_t01 < 100

    # The ground Chicago gave up is listed as a gap, with the accounts left in it.
    gap_accounts = sum(c.accounts for c in window.coverage_items if c.kind == "gap")
    assert gap_accounts > 0
    assert window.coverage_model.rowCount() == len(window.coverage_items) >= 1
    assert "(" in window.coverage_dock.windowTitle()

    # Draw a new territory over that ground; name it in the dialog.
    before = window.project.summary().unassigned
    ring = "[[41.4, -88.6], [41.4, -87.5], [42.4, -87.5], [42.4, -88.6]]"
    with qtbot.waitSignal(window.map_view.map_event, timeout=MAP_TIMEOUT_MS):
        window.map_view.run_js(
            f"map_tp.fire('pm:create', {{shape: 'Polygon', layer: L.polygon({ring})}})"
        )
    window.map_interaction.name_dialog.setTextValue("Chicago Suburbs")
    window.map_interaction.name_dialog.accept()
    territories = window.project.territories.set_index("territory_id")
    assert territories.loc["T05", "name"] == "Chicago Suburbs"
    assert territories.loc["T05", "geometry"].intersection(chicago).area < 1e-9  # clipped
    suburbs = int((window.project.accounts["territory_id"] == "T05").sum())
    assert suburbs > 0
    assert window.project.summary().unassigned == before - suburbs
    assert (
        sum(c.accounts for c in window.coverage_items if c.kind == "gap") == gap_accounts - suburbs
    )
    assert window.territory_model.rowCount() == 5
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["territories"] == 5, timeout=MAP_TIMEOUT_MS)
    window.undo_stack.undo()
    assert window.territory_model.rowCount() == 4
    assert window.project.summary().unassigned == before


def click_territory(qtbot, window: MainWindow, territory_id: str, lat: float, lon: float) -> None:
    """Click a territory on the map page, there."""
    with qtbot.waitSignal(window.map_view.map_event, timeout=MAP_TIMEOUT_MS):
        window.map_view.run_js(
            f"TP.territory('{territory_id}').fire('click', {{latlng: L.latLng({lat}, {lon})}})"
        )


def test_a_click_without_move_areas_only_selects_the_territory(
    qtbot, window: MainWindow, demo_file
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    before = window.project.territories.geometry.copy()
    click_territory(qtbot, window, "T01", 41.85, -88.1)
    assert window.navigation.selected_territory() == "T01"
    with qtbot.waitSignal(window.map_view.map_event, timeout=MAP_TIMEOUT_MS):
        window.map_view.run_js("map_tp.fire('click', {latlng: L.latLng(41.5, -88.25)})")
    assert window.map_interaction.unit_menu is None  # nothing offered to move
    assert window.project.territories.geometry.equals(before)
    assert window.undo_stack.count() == 0


def test_click_a_territory_and_move_the_county_under_the_cursor(
    qtbot, window: MainWindow, demo_file
) -> None:
    import shapely

    from territory_planner.geo.areas import county_at

    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    window.move_mode.action.trigger()  # the toolbar's Move Areas button, pressed while on
    button = window.findChild(QToolBar, "main_toolbar").widgetForAction(window.move_mode.action)
    assert button.isChecked()
    assert window.move_mode.indicator.isVisible()
    assert "Moving counties" in window.move_mode.indicator.text()
    # A click inside Chicago's territory, in DuPage County (west of Chicago).
    click_territory(qtbot, window, "T01", 41.85, -88.1)
    _county, dupage = county_at(-88.1, 41.85)
    inside = [
        i
        for i, (x, y) in enumerate(
            zip(window.project.accounts["lon"], window.project.accounts["lat"], strict=True)
        )
        if dupage.contains(shapely.Point(x, y))
    ]
    assert inside
    menu = window.map_interaction.unit_menu
    submenu = menu.actions()[0].menu()
    assert menu.actions()[0].text() == f"Move DuPage County, IL ({len(inside)} accounts) to"
    targets = {a.text(): a for a in submenu.actions()}
    names = dict(
        zip(
            window.project.territories["territory_id"],
            window.project.territories["name"],
            strict=True,
        )
    )
    assert names["T01"] not in targets
    targets[names["T02"]].trigger()
    territories = window.project.territories.set_index("territory_id")
    assert territories.loc["T02", "geometry"].contains(dupage.buffer(-0.01))
    assert territories.loc["T01", "geometry"].intersection(dupage).area < 1e-6
    assert set(window.project.accounts["territory_id"].iloc[inside]) == {"T02"}
    assert (
        window.log_list.item(window.log_list.count() - 1)
        .text()
        .count(f"Moved DuPage County, IL from '{names['T01']}' to '{names['T02']}'")
        == 1
    )
    window.undo_stack.undo()
    assert set(window.project.accounts["territory_id"].iloc[inside]) == {"T01"}

    menu.close()  # (its first Esc would close the menu)
    window.windowHandle().requestActivate()  # Esc is the window's shortcut
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # Esc leaves the mode: clicks only select again
    assert not window.move_mode.is_on
    assert not button.isChecked()
    assert not window.move_mode.indicator.isVisible()
    window.map_interaction.unit_menu = None
    click_territory(qtbot, window, "T02", 41.85, -88.1)
    assert window.map_interaction.unit_menu is None


def test_import_territories_from_a_file(qtbot, window: MainWindow, demo_file, tmp_path) -> None:
    import geopandas as gpd
    import shapely

    from territory_planner.geo.areas import us_states

    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    states = us_states().set_index("abbr")
    regions = gpd.GeoDataFrame(
        [
            {
                "name": "Lakes",
                "geometry": shapely.union_all(states.loc[["IL", "IN", "WI"]].geometry.to_numpy()),
            }
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "regions.geojson"
    regions.to_file(path, driver="GeoJSON")
    window.files.import_territories(path)
    assert window.territory_model.rowCount() == 1
    assert window.territory_model.index(0, 0).data() == "Lakes"
    assert int(window.territory_model.frame["accounts"].iloc[0]) > 0
    window.files.import_territories(tmp_path / "missing.geojson")
    assert "file not found" in window.last_error
    window.undo_stack.undo()
    assert window.territory_model.rowCount() == 4


def test_lasso_moves_the_zip_areas_inside_it(qtbot, window: MainWindow, demo_file) -> None:
    from territory_planner.geo.units import units_in

    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    window.move_mode.set_unit_kind("zip")
    window.move_mode.lasso.setChecked(True)
    assert window.move_mode.is_on  # the lasso is part of Move Areas
    ring = [[41.80, -88.00], [41.80, -87.75], [41.95, -87.75], [41.95, -88.00]]
    with qtbot.waitSignal(window.map_view.map_event, timeout=MAP_TIMEOUT_MS):
        window.map_view.run_js(
            f"map_tp.fire('pm:create', {{shape: 'Polygon', layer: L.polygon({ring})}})"
        )
    lasso = shapely.Polygon([(lon, lat) for lat, lon in ring])
    expected = units_in("zip", lasso)
    assert len(expected.names) > 3
    menu = window.map_interaction.unit_menu
    assert menu.actions()[0].text().startswith(f"Move {len(expected.names)} ZIP areas (")
    assert window.map_interaction.name_dialog is None  # a lasso is not a new territory
    targets = {a.text(): a for a in menu.actions()[0].menu().actions()}
    target_id = "T02"
    name = window.project.territories.set_index("territory_id").loc[target_id, "name"]
    targets[name].trigger()
    moved = window.project.territories.set_index("territory_id").loc[target_id, "geometry"]
    assert moved.buffer(1e-6).contains(expected.geometry)
    assert f"Moved {len(expected.names)} ZIP areas from" in window.change_log[-1]
    window.undo_stack.undo()
    assert (
        not window.project.territories.set_index("territory_id")
        .loc[target_id, "geometry"]
        .intersects(expected.geometry.buffer(-0.01))
    )
    window.move_mode.leave()
    assert not window.move_mode.lasso.isChecked()


def test_split_merge_and_delete_from_the_territory_menu(
    qtbot, window: MainWindow, demo_file
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    count = len(window.project.territories)
    window.navigation.select_territory("T01")
    window.map_interaction.start_split()
    assert window.map_interaction.splitting == "T01"
    mine = window.project.accounts["territory_id"] == "T01"
    lon = float(window.project.accounts.loc[mine, "lon"].median())
    line = [[30.0, lon], [50.0, lon]]
    with qtbot.waitSignal(window.map_view.map_event, timeout=MAP_TIMEOUT_MS):
        window.map_view.run_js(
            f"map_tp.fire('pm:create', {{shape: 'Line', layer: L.polyline({line})}})"
        )
    assert window.map_interaction.splitting is None
    assert len(window.project.territories) == count + 1
    new_id = window.project.territories["territory_id"].iloc[-1]
    assert (window.project.accounts["territory_id"] == new_id).sum() > 0
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["territories"] == count + 1)
    assert window.change_log[-1].split("  ", 1)[1].startswith("Split '")
    menu = window.territory_actions.territory_actions_menu(new_id)
    merge = next(a.menu() for a in menu.actions() if a.menu())
    target = next(
        a for a in merge.actions() if a.text() == window.project.territories["name"].iloc[0]
    )
    target.trigger()  # merge the new piece back into T01
    assert len(window.project.territories) == count
    assert (window.project.accounts["territory_id"] == "T01").sum() == mine.sum()
    window.navigation.select_territory("T02")
    window.territory_actions.delete_selected()
    assert "T02" not in set(window.project.territories["territory_id"])
    for _ in range(3):
        window.undo_stack.undo()
    assert len(window.project.territories) == count
    assert (window.project.accounts["territory_id"] == "T01").sum() == mine.sum()


def test_shortcuts_recent_files_and_territory_navigation(
    qtbot, window: MainWindow, demo_file, tmp_path
) -> None:
    text = window.help_actions.shortcuts_text()
    for name, key in (("Undo", "Ctrl+Z"), ("Save", "Ctrl+S"), ("Map Report (PDF)", "Ctrl+P"),
                      ("Next Territory", "Ctrl+]"), ("Lasso Areas", "Ctrl+L"),
                          ("Move Areas", "Ctrl+M")):  # fmt: skip
        assert f"<td>{name}</td><td><b>{key}</b></td>" in text
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    assert window.preferences.recent_files()[0] == demo_file
    copy = tmp_path / "copy.gpkg"
    assert window.files._save_to(copy)
    assert window.preferences.recent_files()[:2] == [copy, demo_file]
    window.files._fill_recent_menu()
    assert window.files.recent_menu.actions()[0].text() == "&1 copy.gpkg"
    window.navigation.step_territory(1)
    first = window.navigation.selected_territory()
    window.navigation.step_territory(1)
    second = window.navigation.selected_territory()
    window.navigation.step_territory(-1)
    assert window.navigation.selected_territory() == first != second
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["selected"] == first, timeout=MAP_TIMEOUT_MS)


def test_the_view_state_lives_in_the_session_and_the_background_work_reads_it(
    qtbot, window: MainWindow, demo_file, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    asked: list[str] = []
    real = main_window.project_overview

    def overview(*args, **kwargs):
        asked.append(kwargs["color_by"])
        return real(*args, **kwargs)

    monkeypatch.setattr(main_window, "project_overview", overview)
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    colours = next(a.menu() for a in view_menu.actions() if a.text() == "&Colour Accounts By")
    placed = next(a for a in colours.actions() if a.text() == "How They Were &Placed")
    placed.trigger()
    assert window.session.view.color_by == "geocode"
    qtbot.waitUntil(lambda: asked == ["geocode"], timeout=MAP_TIMEOUT_MS)
    other = tmp_path / "other.gpkg"
    shutil.copy(demo_file, other)
    window.open_project(other)  # another project in the same window: same colours
    qtbot.waitUntil(lambda: window.path == other, timeout=MAP_TIMEOUT_MS)
    assert window.session.view.color_by == "geocode"
    assert [a.text() for a in colours.actions() if a.isChecked()] == ["How They Were &Placed"]
    asked.clear()
    window.refresher.request(main_window.EVERYTHING)  # the new project's map, coloured the same
    qtbot.waitUntil(lambda: asked == ["geocode"], timeout=MAP_TIMEOUT_MS)
