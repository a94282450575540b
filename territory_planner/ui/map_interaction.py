"""What a click or a drawing on the map does, by the mode the window is in.

The map page reports events (`mapview.events`); this module turns each into the
edit it means: a click places the account waiting for it, or offers to move the
area under it (Move Areas mode); a line splits the territory waiting for it; a
lasso picks areas to move; any other shape drawn becomes a new territory once
named; an edited outline reshapes its territory. Esc leaves placing and splitting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QCursor
from PySide6.QtWidgets import QInputDialog, QMenu

from territory_planner._errors import PlannerError
from territory_planner.edits import (
    add_territory,
    move_area,
    place_account,
    place_account_at_zip,
    reshape_territory,
    split_territory,
)
from territory_planner.formats import plural
from territory_planner.geo.assign import containing_polygon
from territory_planner.geo.units import UNIT_KINDS, Units, unit_at, units_in
from territory_planner.mapview.events import (
    AccountClicked,
    FeatureDrawn,
    MapClicked,
    MapEvent,
    TerritoryClicked,
    TerritoryEdited,
)

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow


class MapInteraction(QObject):
    """The map's event handler and the states it waits in (placing, splitting)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.placing: str | None = None  # account waiting for a click on the map
        self.splitting: str | None = None  # territory waiting for a line drawn across it
        self.last_drawn_count = 0  # accounts inside the last shape drawn
        self.unit_menu: QMenu | None = None  # the last "Move <areas> to" menu
        self.name_dialog: QInputDialog | None = None  # the last new territory's name
        self.overlap_action = QAction("Allow &Overlaps When Drawing", window)
        self.overlap_action.setStatusTip(
            "Keep drawn and edited shapes whole instead of cutting them back at neighbours"
        )
        self.overlap_action.setCheckable(True)
        window.map_view.map_event.connect(self.on_map_event)
        window.move_mode.lasso_toggled.connect(self._lasso_toggled)

    def _status(self, text: str, timeout: int = 0) -> None:
        self.window.statusBar().showMessage(text, timeout)

    def on_map_event(self, event: MapEvent) -> None:
        """Do what an event from the map page means in the mode the window is in."""
        window = self.window
        move_mode = window.move_mode
        if isinstance(event, MapClicked) and self.placing is not None:
            account_id, self.placing = self.placing, None
            window.try_edit(lambda: place_account(window.project, account_id, event.lat, event.lon))
        elif isinstance(event, MapClicked) and move_mode.is_on:
            self.offer_unit_move(event.lon, event.lat, None)
        elif isinstance(event, TerritoryClicked):
            window.navigation.select_territory(event.territory_id)
            if move_mode.is_on:
                self.offer_unit_move(event.lon, event.lat, event.territory_id)
        elif isinstance(event, AccountClicked):
            row = window.account_model.view_row("account_id", event.account_id)
            if row is not None:
                window.account_table.selectRow(row)
                window.account_table.scrollTo(window.account_model.index(row, 0))
        elif isinstance(event, TerritoryEdited):
            window.try_edit(
                lambda: reshape_territory(
                    window.project,
                    event.territory_id,
                    event.geometry,
                    allow_overlap=self.overlap_action.isChecked(),
                )
            )
        elif isinstance(event, FeatureDrawn) and self.splitting is not None:
            territory_id, self.splitting = self.splitting, None
            window.try_edit(
                lambda: split_territory(window.project, territory_id, event.geometry, "")
            )
        elif isinstance(event, FeatureDrawn) and move_mode.lasso.isChecked():
            self._try_units(lambda: units_in(move_mode.unit_kind, event.geometry))
        elif isinstance(event, FeatureDrawn):
            self.ask_new_territory(event)
            acc = window.project.accounts
            inside = (
                containing_polygon(acc["lon"].to_numpy(), acc["lat"].to_numpy(), [event.geometry])
                == 0
            )
            self.last_drawn_count = int(inside.sum())
            self._status(
                f"The {event.shape.lower()} you drew contains "
                f"{plural(self.last_drawn_count, 'account')}",
                10000,
            )

    def cancel(self) -> bool:
        """Esc: stop waiting to place an account or split a territory; False if not waiting."""
        if not (self.placing or self.splitting):
            return False
        self.placing = self.splitting = None
        self.window.map_view.run_js("map_tp.pm.disableDraw()")
        self._status("Cancelled", 3000)
        return True

    # ----- accounts -----

    def start_placing(self, account_id: str) -> None:
        """The next click on the map places this account there."""
        self.placing = account_id
        accounts = self.window.project.accounts
        name = str(accounts.set_index("account_id").loc[account_id, "name"])
        self._status(f"Click the spot on the map where {name} is (Esc cancels)")

    def place_at_zip(self, account_id: str) -> None:
        """Ask for a ZIP code and put the account at its centroid."""
        window = self.window
        text, ok = QInputDialog.getText(
            window, "Place at a ZIP code", f"ZIP code for account {account_id}:"
        )
        if ok and text.strip():
            window.try_edit(lambda: place_account_at_zip(window.project, account_id, text))

    # ----- territories -----

    def start_split(self, territory_id: str | None = None) -> None:
        """The next line drawn on the map splits this territory (default: the selected one)."""
        window = self.window
        territory_id = territory_id or window.navigation.selected_territory()
        if territory_id is None:
            self._status("Select the territory to split first", 5000)
            return
        self.splitting = territory_id
        window.map_view.send_update({"select": territory_id, "draw": "Line"})
        project = window.project
        name = project.territories["name"].iloc[project.territory_index(territory_id)]
        self._status(
            f"Draw a line across '{name}', click the last point again to finish (Esc cancels)"
        )

    def start_drawing(self) -> None:
        """Start drawing a new territory on the map (its name is asked once it is closed)."""
        self.window.map_view.send_update({"draw": "Polygon"})
        self._status(
            "Click the corners of the new territory on the map, then the first one again", 10000
        )

    def ask_new_territory(self, event: FeatureDrawn) -> None:
        """Offer to make a drawn shape a territory (named by the user)."""
        window = self.window
        dialog = QInputDialog(window)
        dialog.setWindowTitle("New territory")
        dialog.setLabelText(
            "Name of the new territory (it takes only ground no other territory covers):"
        )
        dialog.setTextValue(f"Territory {len(window.project.territories) + 1}")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(
            lambda name: window.try_edit(
                lambda: add_territory(
                    window.project,
                    event.geometry,
                    name,
                    allow_overlap=self.overlap_action.isChecked(),
                )
            )
        )
        self.name_dialog = dialog
        dialog.open()

    # ----- moving areas -----

    def offer_unit_move(self, lon: float, lat: float, territory_id: str | None) -> None:
        """A menu at the click: move the unit (state, county, ZIP area) under it to a territory."""
        try:
            units = unit_at(self.window.move_mode.unit_kind, lon, lat)
        except PlannerError as exc:
            self.window.show_error(exc)
            return
        if units is not None:
            self.offer_units(units, exclude=territory_id)

    def offer_units(self, units: Units, exclude: str | None = None) -> None:
        """A menu at the cursor: "Move <units> to ▸ <territory>"."""
        window = self.window
        if not units.names or window.project.territories.empty:
            self._status(f"No {UNIT_KINDS[units.kind][1]} there", 5000)
            return
        acc = window.project.accounts
        inside = containing_polygon(acc["lon"].to_numpy(), acc["lat"].to_numpy(), [units.geometry])
        count = int((inside == 0).sum())
        menu = QMenu(window)
        window.territory_actions.territory_submenu(
            menu,
            f"Move {units.describe()} ({plural(count, 'account')}) to",
            lambda t: move_area(window.project, units.geometry, t, units.describe()),
            exclude=exclude,
        )
        self.unit_menu = menu
        menu.popup(QCursor.pos())

    def _try_units(self, find: Callable[[], Units]) -> None:
        try:
            units = find()
        except (PlannerError, ValueError) as exc:
            self.window.show_error(exc)
            return
        self.offer_units(units)
        self._lasso_toggled(self.window.move_mode.lasso.isChecked())  # ready for the next lasso

    def _lasso_toggled(self, on: bool) -> None:
        window = self.window
        if on:
            window.map_view.send_update({"draw": "Polygon"})
            self._status(
                f"Lasso: click around the {window.move_mode.noun} to move, "
                "then click the first point",
                8000,
            )
        else:
            window.map_view.run_js("map_tp.pm.disableDraw()")
