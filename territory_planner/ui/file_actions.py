"""What the File menu does with project files: new, open (recent, demo), import, save.

Opening and saving run on the task thread (the window keeps repainting). A save
checks that the file is still the version the project was read from; if someone
else changed it, the user chooses what happens and nothing is lost. Imports
(accounts, reps, sales and activities, territories) are undoable edits.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from PySide6.QtCore import QEventLoop, QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenuBar, QMessageBox, QStyle

from territory_planner import __version__
from territory_planner import demo as demo_module
from territory_planner._errors import ProjectChangedError
from territory_planner.app.operations import import_accounts, import_actuals, import_reps
from territory_planner.bundle import build_stamp
from territory_planner.demo import make_demo
from territory_planner.edits import replace_territories
from territory_planner.io.account_import import AccountImport
from territory_planner.io.actuals_import import ACTUALS_SPEC, FIGURES, ActualsImport
from territory_planner.io.project_file import load_project, save_project
from territory_planner.io.project_lock import FileStamp, file_stamp, load_stamped, save_guarded
from territory_planner.io.territory_import import read_territories
from territory_planner.model import Project
from territory_planner.ui.file_conflict import Conflict, ask_conflict, copy_beside
from territory_planner.ui.import_wizard import (
    ACCOUNTS,
    REPS,
    ImportKind,
    ImportWizard,
    actuals_kind,
)
from territory_planner.ui.map_view import PreparedPage
from territory_planner.ui.tasks import Task

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow

PROJECT_FILTER = "Territory Planner projects (*.gpkg)"
DEMO_ARGS = {"accounts": 1500, "reps": 8, "seed": 7}


def demo_path() -> Path:
    """Where the generated demo project is kept (made on first use, again when the demo changes)."""
    folder = Path(platformdirs.user_cache_dir("territory-planner"))
    tag = "-".join(f"{k}{v}" for k, v in DEMO_ARGS.items())
    try:
        source = hashlib.sha256(Path(demo_module.__file__ or "").read_bytes()).hexdigest()[:8]
    except OSError:  # the self-contained build holds no sources: a new build may change the demo
        source = re.sub(r"\D", "", build_stamp().get("time", "")) or "build"
    return folder / f"demo-{__version__}-{tag}-{source}.gpkg"


class FileActions(QObject):
    """The File menu (its Export submenu is `ExportActions`') and what its commands do."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.wizard: ImportWizard | None = None  # the last Import wizard opened

    def add_menu(self, bar: QMenuBar) -> None:
        """The File menu; its commands on the toolbar are `open_action`, `save_action`, ..."""
        window, add = self.window, self.window.add_action
        std = QKeySequence.StandardKey
        pix = QStyle.StandardPixmap
        file_menu = bar.addMenu("&File")
        self.new_action = add(
            file_menu, "&New", self.new_project, std.New, tip="Start an empty project"
        )
        self.open_action = add(
            file_menu, "&Open…", self.open_dialog, std.Open,
            tip="Open a project file", icon=pix.SP_DialogOpenButton,
        )  # fmt: skip
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.demo_action = add(file_menu, "Open &Demo", self.open_demo, tip="Open the demo project")
        file_menu.addSeparator()
        self.import_action = add(
            file_menu, "&Import Accounts…", lambda: self.import_dialog(ACCOUNTS), "Ctrl+I",
            tip="Import or update accounts from a CSV or Excel file",
        )  # fmt: skip
        add(
            file_menu, "Import &Territories…", self.import_territories,
            tip="Replace the territories with the polygons of a GeoJSON, GeoPackage or Shapefile",
        )  # fmt: skip
        add(
            file_menu, "Import &Reps…", lambda: self.import_dialog(REPS),
            tip="Import or update reps from a CSV or Excel file",
        )  # fmt: skip
        add(
            file_menu, "Import &Sales && Activities…",
            lambda: self.import_dialog(actuals_kind(window.project.accounts["account_id"])),
            tip="Sales, calls, meetings and emails per account and month or quarter",
        )  # fmt: skip
        file_menu.addSeparator()
        self.save_action = add(
            file_menu, "&Save", self.save, std.Save,
            tip="Save the project", icon=pix.SP_DialogSaveButton,
        )  # fmt: skip
        self.save_as_action = add(file_menu, "Save &As…", self.save_as, std.SaveAs)
        window.exports.add_menu(file_menu)
        file_menu.addSeparator()
        add(file_menu, "&Quit", window.close, std.Quit)

    # ----- new and open -----

    def maybe_save(self) -> bool:
        """Ask what to do with unsaved changes; False if the user cancels."""
        if self.window.undo_stack.isClean():
            return True
        answer = QMessageBox.question(
            self.window,
            "Unsaved changes",
            "This project has changes that are not saved. Save them?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_project(self) -> None:
        """Start an empty project."""
        if self.maybe_save():
            self.window.set_project(Project.empty(), None)

    def _last_folder(self) -> str:
        return str(self.window.settings.value("paths/last_folder", str(Path.home())))

    def open_dialog(self) -> None:
        """Ask for a project file and open it."""
        if not self.maybe_save():
            return
        name, _ = QFileDialog.getOpenFileName(
            self.window, "Open project", self._last_folder(), PROJECT_FILTER
        )
        if name:
            self.open_project(Path(name))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        preferences = self.window.preferences
        files = preferences.recent_files()
        for number, path in enumerate(files, start=1):
            action = self.recent_menu.addAction(f"&{number} {path.name}")
            action.setToolTip(str(path))
            action.triggered.connect(lambda _c=False, p=path: self._open_recent(p))
        if not files:
            self.recent_menu.addAction("No recent projects").setEnabled(False)
            return
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear the List", preferences.clear_recent)

    def _open_recent(self, path: Path) -> None:
        if self.maybe_save():
            self.open_project(path)

    def open_project(self, path: Path) -> None:
        """Open a project file in the background.

        The map page and the panels' figures of the project shown are let go first, so
        that two large projects are never held at once; if the file cannot be opened (or
        Cancel is pressed) the project shown comes back.
        """
        window = self.window
        window.settings.setValue("paths/last_folder", str(path.parent))
        window.map_view.release()
        window.let_go()

        def read(progress: Any, cancel: Any) -> tuple[Project, PreparedPage, FileStamp]:
            progress(0.0, f"Reading {path.name}")
            project, stamp = load_stamped(path)
            cancel.raise_if_cancelled()
            progress(0.7, "Drawing the map")
            return project, window.map_view.prepare_page(project), stamp

        def done(opened: tuple[Project, PreparedPage, FileStamp]) -> None:
            project, page, stamp = opened
            window.set_project(project, path, page, stamp)
            window.settings.setValue("paths/last_project", str(path))
            window.preferences.add_recent(path)

        def failed(exc: Exception) -> None:
            window.show_again()
            window.show_error(exc)

        window.task = Task(
            window, f"Opening {path.name}", read, done, failed, on_cancel=window.show_again
        )
        window.start_card.hide_while(window.task)

    def open_demo(self) -> None:
        """Open the demo project (generated on first use, as `territory-planner demo` does)."""
        if not self.maybe_save():
            return
        target = demo_path()

        def build(progress: Any, cancel: Any) -> Project:
            if target.exists():
                progress(0.5, "Opening the demo project")
                return load_project(target)
            project = make_demo(**DEMO_ARGS, progress=progress, cancel=cancel)
            target.parent.mkdir(parents=True, exist_ok=True)
            save_guarded(project, target, None)  # another window may be making it too
            return project

        window = self.window
        window.task = Task(
            window,
            "Preparing the demo project",
            build,
            lambda p: window.set_project(p, None),
            window.show_error,
        )
        window.start_card.hide_while(window.task)

    # ----- save -----

    def save(self) -> bool:
        """Save to the current file (asks for one the first time)."""
        if self.window.path is None:
            return self.save_as()
        return self._save_to(self.window.path, self.window.stamp)

    def save_as(self) -> bool:
        """Ask for a file name and save there."""
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Save project as", self._last_folder(), PROJECT_FILTER
        )
        if not name:
            return False
        path = Path(name) if name.endswith(".gpkg") else Path(name + ".gpkg")
        return self._save_to(path)

    def _save_to(self, path: Path, expected: FileStamp | None = None) -> bool:
        """Save a copy of the project on the task thread; the window stays responsive.

        `expected`: the version of the file the project was read from; if the
        file has changed since, the user chooses what happens (`_resolve_conflict`).
        """
        window = self.window
        copy = window.project.copy()
        outcome = self._run_save(path, partial(save_guarded, copy, path, expected))
        if outcome is None:  # Cancel while another program held the file: nothing written
            window.statusBar().showMessage(f"Not saved: another program had {path.name}", 10000)
            return False
        if isinstance(outcome, ProjectChangedError):
            return self._resolve_conflict(path)
        if isinstance(outcome, Exception):
            window.show_error(outcome)
            return False
        window.path, window.stamp = path, outcome
        window.settings.setValue("paths/last_project", str(path))
        window.preferences.add_recent(path)
        window.undo_stack.setClean()
        window.autosave.clear()
        window.update_title()
        window.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def _run_save(self, path: Path, save: Callable[..., FileStamp]) -> FileStamp | Exception | None:
        """Run `save(progress=, cancel=)` on the task thread and wait (the window keeps repainting).

        None: Cancel stopped it (a save may be cancelled until it commits the token).
        """
        outcome: list[FileStamp | Exception | None] = []
        loop = QEventLoop()

        def finish(result: FileStamp | Exception | None) -> None:
            outcome.append(result)
            loop.quit()

        self.window.task = Task(
            self.window, f"Saving {path.name}…", save, finish, finish,
            on_cancel=lambda: finish(None),
        )  # fmt: skip
        if not outcome:
            loop.exec()  # until saved: input waits behind the progress dialog
        return outcome[0]

    def _resolve_conflict(self, path: Path) -> bool:
        """The file changed on disk since it was opened: ask, and lose nothing; True if saved."""
        choice = ask_conflict(self.window, path)
        if choice is Conflict.OVERWRITE:
            return self._save_to(path)
        if choice is Conflict.SAVE_AS:
            return self.save_as()
        if choice is Conflict.RELOAD:
            self._reload_keeping_copy(path)
        return False

    def _reload_keeping_copy(self, path: Path) -> None:
        """Keep the window's version in a copy beside `path`, then open `path` as it is now."""
        window = self.window
        kept = copy_beside(path)
        copy = window.project.copy()

        def save_copy(**_: Any) -> FileStamp:
            save_project(copy, kept)
            return file_stamp(kept)

        outcome = self._run_save(kept, save_copy)
        if not isinstance(outcome, FileStamp):  # nothing reloaded: the changes are still here
            if outcome is not None:  # (None: Cancel)
                window.show_error(outcome)
            return
        window.preferences.add_recent(kept)
        window.undo_stack.setClean()  # they are in the copy
        self.open_project(path)
        window.statusBar().showMessage(f"Your changes were kept in {kept}", 15000)

    # ----- import -----

    def import_dialog(self, kind: ImportKind) -> None:
        """Run the Import wizard; on Import, apply the result as one undoable edit."""
        project = self.window.project
        existing = {
            "accounts": project.accounts, "reps": project.reps,
        }.get(kind.noun, project.actuals)  # fmt: skip
        wizard = ImportWizard(kind, existing, self.window)
        self.wizard = wizard
        wizard.accepted.connect(lambda: self.apply_import(wizard))
        wizard.open()

    def apply_import(self, wizard: ImportWizard) -> None:
        """Merge what the wizard read into the project (undoable)."""
        if wizard.frame is None or wizard.report is None:
            return
        project = self.window.project
        name = wizard.path.name
        if wizard.kind is ACCOUNTS:
            result = AccountImport(wizard.frame, wizard.report)
            done = import_accounts(project, result, name)
        elif wizard.kind.spec is ACTUALS_SPEC:
            given = [f for f in FIGURES if f in wizard.report.mapping]
            done = import_actuals(project, ActualsImport(wizard.frame, wizard.report, given), name)
        else:
            done = import_reps(project, wizard.frame, wizard.report, name)
        self.window.push_edit(done.edit)

    def import_territories(self, path: Path | None = None) -> None:
        """Replace the territories with a file's polygons (one undo step)."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self.window, "Import territories", "", "Polygons (*.geojson *.json *.gpkg *.shp)"
            )
            if not name:
                return
            path = Path(name)
        # on the task thread for a large project: every account is placed again
        self.window.territory_actions.compute(
            f"Importing territories from {path.name}",
            lambda project, _cancel: replace_territories(
                project, read_territories(path), path.name
            ),
            self.window.push_edit,
        )
