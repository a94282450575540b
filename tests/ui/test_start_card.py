"""An empty project shows the next steps over the map until it has accounts and territories."""

from __future__ import annotations

import geopandas as gpd
import shapely
from PySide6.QtCore import Qt

from territory_planner.geo.areas import us_states
from territory_planner.ui.import_wizard import ACCOUNTS
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, wait_for_map
from tests.ui.test_import_wizard import wait_report


def test_the_steps_show_on_an_empty_project_and_go_once_it_has_data(
    qtbot, window: MainWindow, tmp_path
) -> None:
    card = window.start_card
    assert card.isVisible()  # a new window starts with an empty project
    assert card.geometry().intersects(window.map_view.geometry())  # over the map
    assert [n.text() for n in card.numbers] == ["1.", "2.", "3."]
    assert not card.design_territories.isEnabled()  # nothing to design from yet

    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "Account ID,Name,ZIP,City,State\n"
        "A1,Lakeside Foods,60601,Chicago,IL\n"
        "A2,Prairie Tools,60614,Chicago,IL\n",
        encoding="utf-8",
    )
    qtbot.mouseClick(card.import_accounts, Qt.MouseButton.LeftButton)
    wizard = window.files.wizard
    assert wizard.kind is ACCOUNTS
    wizard.file_page.path_edit.setText(str(accounts))
    wizard.file_page.preview()
    wizard.next()
    wizard.next()
    wait_report(qtbot, wizard)
    wizard.accept()
    assert len(window.project.accounts) == 2
    assert card.isVisible()  # still no territories: the card says so
    assert [n.text() for n in card.numbers] == ["✓", "2.", "3."]
    assert card.design_territories.isEnabled()

    states = us_states().set_index("abbr")
    lakes = shapely.union_all(states.loc[["IL", "IN", "WI"]].geometry.to_numpy())
    path = tmp_path / "regions.geojson"
    gpd.GeoDataFrame([{"name": "Lakes", "geometry": lakes}], crs="EPSG:4326").to_file(path)
    window.files.import_territories(path)
    assert not card.isVisible()  # accounts and territories: the map speaks for itself

    window.undo_stack.undo()
    assert card.isVisible()
    card.dismiss()
    window.undo_stack.setClean()
    window.files.new_project()
    assert card.isVisible()  # File > New: the steps again
    assert [n.text() for n in card.numbers] == ["1.", "2.", "3."]


def test_the_steps_stay_hidden_while_a_project_opens(
    qtbot, window: MainWindow, demo_file, tmp_path
) -> None:
    card = window.start_card
    window.open_project(demo_file)  # as at start-up, with the last project
    assert not card.isVisible()  # no flash of the steps while it loads
    wait_for_map(qtbot, window, 300)
    assert not card.isVisible()
    window.files.new_project()
    assert card.isVisible()
    window.open_project(tmp_path / "missing.gpkg")
    assert not card.isVisible()
    qtbot.waitUntil(card.isVisible, timeout=MAP_TIMEOUT_MS)  # it failed: the steps are back
    assert window.last_error
