"""Map overlays that belong to a panel: on the map only while their panel is on screen.

The Calendar panel's day route and the Market panel's heat map, clusters and
whitespace are drawn for the panel the user is working in. Left on the map after
the user moves to another panel they look like part of the plan, and end up in
the printed map. `PanelOverlays` takes a panel's overlays off the map when the
panel is hidden (another tab raised, or closed) and puts them back when it shows
again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDockWidget


class PanelOverlays:
    """The overlays each watched panel put on the map, shown while the panel is.

    Parameters
    ----------
    send
        Sends a partial update to the map page (e.g. ``{"route": None}``).
    """

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self.send = send
        self.layers: dict[QDockWidget, dict[str, Any]] = {}

    def watch(self, dock: QDockWidget) -> None:
        """Take `dock`'s overlays off the map when it is hidden, back when it shows."""
        self.layers[dock] = {}
        dock.visibilityChanged.connect(lambda shown: self._shown(dock, shown=shown))

    def show(self, dock: QDockWidget, key: str, layer: Any) -> None:
        """`dock`'s overlay `key` is now `layer` (None: none); on the map if the panel shows."""
        self.layers[dock][key] = layer
        if dock.isVisible():
            self.send({key: layer})

    def clear(self) -> None:
        """Forget every overlay (a new map page starts without them)."""
        for layers in self.layers.values():
            layers.clear()

    def _shown(self, dock: QDockWidget, *, shown: bool) -> None:
        layers = {key: layer for key, layer in self.layers[dock].items() if layer is not None}
        if not layers:
            return
        if shown:  # back as they were, without moving the map (a route fits itself)
            self.send({key: {**layer, "fit": False} for key, layer in layers.items()})
        else:
            self.send(dict.fromkeys(layers))
