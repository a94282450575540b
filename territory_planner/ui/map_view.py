"""The central map: a QWebEngineView on the folium page, and its QWebChannel bridge.

JS -> Python: the page calls ``bridge.send(json_text)``; the text is parsed by
`territory_planner.mapview.events` and re-emitted as a typed event.
Python -> JS: `MapView.apply_update` / `send_update` pass a JSON string to ``TP.update``
(only what changed: see `territory_planner.mapview.map_updates`).
Calls made before the page says ``ready`` wait in a queue.

Each project gets a new page (`MapView.show_project`, `MapView.release`): the previous
page is deleted with its JavaScript heap, and Chromium ends the renderer process that
held it. Reloading one page instead leaves the old heap's memory with the renderer,
which grew by 100-200 MB with each 100k-account project opened (issue 15).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from territory_planner.mapview.events import MapEvent, PageReady, parse_event
from territory_planner.mapview.map_page import build_map_page
from territory_planner.mapview.map_updates import MapUpdate, SentLayers
from territory_planner.model import Project

log = logging.getLogger(__name__)

#: URL schemes that never leave the machine.
LOCAL_SCHEMES = frozenset({"file", "qrc", "data", "blob", "about"})


class RequestGuard(QWebEngineUrlRequestInterceptor):
    """Records every request the page makes and blocks any that would leave the machine."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.requests: list[str] = []
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 (Qt name)
        """Record the request; block it unless its scheme is local."""
        url = info.requestUrl()
        self.requests.append(url.toString())
        if url.scheme() not in LOCAL_SCHEMES:
            self.blocked.append(url.toString())
            info.block(True)


_profile: QWebEngineProfile | None = None
_guard: RequestGuard | None = None


def shared_profile() -> tuple[QWebEngineProfile, RequestGuard]:
    """One off-the-record profile for all map views, owned by the application.

    Owned by the application so that every view and page is deleted before
    it (deleting a profile first makes Qt crash at exit).
    """
    global _profile, _guard  # noqa: PLW0603 (one per process, like Qt's default profile)
    if _profile is None or _guard is None:
        app = QCoreApplication.instance()
        _profile = QWebEngineProfile(app)
        _guard = RequestGuard(_profile)
        _profile.setUrlRequestInterceptor(_guard)
    return _profile, _guard


class MapPage(QWebEnginePage):
    """A page that passes the JavaScript console to Python logging."""

    def javaScriptConsoleMessage(  # noqa: N802 (Qt name)
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,
        line: int,
        source: str,
    ) -> None:
        """Log console output; errors as warnings."""
        error = level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel
        log.log(
            logging.WARNING if error else logging.DEBUG, "map page %s:%d: %s", source, line, message
        )


class MapBridge(QObject):
    """The object the page sees as ``channel.objects.bridge``."""

    received = Signal(object)

    @Slot(str)
    def send(self, text: str) -> None:
        """Called from JavaScript with one JSON event."""
        try:
            event = parse_event(text)
        except ValueError:
            log.warning("ignored a malformed message from the map page: %.200s", text)
            return
        self.received.emit(event)


@dataclass
class PreparedPage:
    """A map page written for a project, and what it holds."""

    page_file: Path
    sent: SentLayers


class MapView(QWebEngineView):
    """Shows the project map; emits `map_event` for clicks and drawn shapes."""

    ready = Signal(dict)
    map_event = Signal(object)

    def __init__(self, page_folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page_folder = page_folder
        _, self.guard = shared_profile()
        self.bridge = MapBridge(self)
        self.channel = QWebChannel(self)
        self.channel.registerObject("bridge", self.bridge)
        self.bridge.received.connect(self._on_event)
        self._page: MapPage | None = None
        self._new_page()
        self.is_ready = False
        self.last_stats: dict[str, Any] = {}
        self._pending: list[tuple[str, Callable[[Any], None] | None]] = []
        self._disposed = False
        self.load_number = 0  # tells the ready signal of this load from a replaced page's
        self.sent = SentLayers()  # what the page holds: updates send only what changed

    def _new_page(self) -> None:
        """Show a new, empty page; the previous one is deleted."""
        page = MapPage(shared_profile()[0], self)
        settings = page.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
        # Let remote requests reach the RequestGuard, which records and blocks them:
        # refused earlier by Chromium they would go unseen, and tests could not catch them.
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True)
        page.setWebChannel(self.channel)
        self.setPage(page)
        if self._page is not None:
            self._page.deleteLater()  # Chromium then ends the renderer process it used
        self._page = page
        self._page_used = False  # nothing loaded in it yet

    def release(self) -> None:
        """Let go of the page shown and all it holds (e.g. while another project is read).

        The view is blank until the next `show_project`; scripts sent meanwhile are dropped.
        """
        self.is_ready = False
        self._pending.clear()
        self.sent = SentLayers()
        self.load_number += 1  # a ready signal still on its way belongs to the old page
        self._new_page()

    def prepare_page(self, project: Project) -> PreparedPage:
        """Write the page for `project` (no Qt: may run on a worker thread)."""
        sent = SentLayers()
        return PreparedPage(
            build_map_page(project, self.page_folder, payload=sent.payload(project)), sent
        )

    def show_project(self, project: Project, prepared: PreparedPage | None = None) -> None:
        """Load the page for `project` (from a file, never setHtml); `prepared`: written."""
        prepared = prepared or self.prepare_page(project)
        if self._page_used:  # it has shown a project: start from a new page
            self.release()
        self.is_ready = False
        self._pending.clear()
        self.sent = prepared.sent
        page_file = prepared.page_file
        self.load_number += 1
        url = QUrl.fromLocalFile(str(page_file))
        url.setQuery(f"load={self.load_number}")
        self._page_used = True
        self.load(url)

    def apply_update(self, update: MapUpdate | None, extra: dict[str, Any] | None = None) -> None:
        """Send `update` (made by ``self.sent.diff``) and `extra` to the page.

        An update made for a page that was replaced since is dropped (the new page
        was drawn from the project as it is).
        """
        payload = dict(extra or {})
        if update is not None and update.base is self.sent:
            payload.update(self.sent.commit(update))
        if payload:
            self.send_update(payload)

    def send_update(self, update: dict[str, Any]) -> None:
        """Send a partial update (e.g. ``{"select": "T01"}``) to the page."""
        self.send_json(json.dumps(update))

    def send_json(self, text: str) -> None:
        """Send a partial update already written as JSON text."""
        self.run_js(f"TP.update({json.dumps(text)})")

    def request_stats(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Ask the page what it shows; `callback` gets the parsed JSON."""
        self.run_js("TP.stats()", lambda text: callback(json.loads(text) if text else {}))

    def run_js(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        """Run `script` in the page now if it is ready, else once it is."""
        if not self.is_ready:
            self._pending.append((script, callback))
            return
        if callback is None:
            self.page().runJavaScript(script)
        else:
            self.page().runJavaScript(script, 0, callback)

    def _on_event(self, event: MapEvent) -> None:
        if isinstance(event, PageReady):
            if event.stats.get("load") != f"?load={self.load_number}":
                return  # a page that was replaced while it loaded: its scripts are gone
            self.is_ready = True
            self.last_stats = event.stats
            pending, self._pending = self._pending, []
            for script, callback in pending:
                self.run_js(script, callback)
            self.ready.emit(event.stats)
        else:
            self.map_event.emit(event)

    def grab_for_print(self, layers: Sequence[str] | None = None, timeout_ms: int = 2000) -> QImage:
        """The map as an image without the zoom, drawing and layer controls (for reports).

        Parameters
        ----------
        layers
            The layer groups to show in the image (e.g. "territories", "accounts",
            "route"), with their legends; the others are hidden for the grab and come
            back after it. None: the layers as they are.
        timeout_ms
            How long to wait for the page to switch to its print look.
        """
        only = "" if layers is None else f"TP.showOnly({json.dumps(json.dumps(list(layers)))});"
        if self.is_ready:
            loop = QEventLoop()
            self.run_js(
                f"document.body.classList.add('tp-print'); {only} true", lambda _r: loop.quit()
            )
            QTimer.singleShot(timeout_ms, loop.quit)
            loop.exec()
            settle = QEventLoop()
            QTimer.singleShot(150, settle.quit)  # let the page repaint without the controls
            settle.exec()
        image = self.grab().toImage()
        self.run_js("document.body.classList.remove('tp-print'); TP.showOnly('null')")
        return image

    def dispose(self) -> None:
        """Delete the page before the profile goes (avoids a crash at exit)."""
        if self._disposed:
            return
        self._disposed = True
        self.stop()
        shiboken6.delete(self.page())
