"""The question a Save asks when another program changed the project file meanwhile."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget


class Conflict(Enum):
    """What to do with the window's changes when the file changed on disk."""

    SAVE_AS = "save as"  # keep both: the window's version goes to another file
    RELOAD = "reload"  # open the file as it is now; the window's version is kept as a copy
    OVERWRITE = "overwrite"  # save over the other program's changes
    CANCEL = "cancel"


def ask_conflict(parent: QWidget, path: Path) -> Conflict:
    """Ask the user what to do; the default keeps everything (Save As)."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "File changed on disk",
        f"“{path.name}” was changed by another program (or another window) since you "
        "opened it. Saving now would replace those changes with yours.",
        parent=parent,
    )
    box.setInformativeText(
        "Save As keeps both versions. Reload opens the file as it is now and keeps your "
        "changes in a copy beside it. Overwrite replaces the other changes."
    )
    buttons = [
        (box.addButton("Save As…", QMessageBox.ButtonRole.AcceptRole), Conflict.SAVE_AS),
        (box.addButton("Reload", QMessageBox.ButtonRole.ResetRole), Conflict.RELOAD),
        (box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole), Conflict.OVERWRITE),
        (box.addButton(QMessageBox.StandardButton.Cancel), Conflict.CANCEL),
    ]
    box.setDefaultButton(buttons[0][0])
    box.exec()
    return next((c for button, c in buttons if button == box.clickedButton()), Conflict.CANCEL)


def copy_beside(path: Path, when: datetime | None = None) -> Path:
    """A free file name beside `path` for the window's version: ``NAME (my changes TIME).gpkg``."""
    stamp = (when or datetime.now()).strftime("%Y-%m-%d %H%M%S")  # noqa: DTZ005 (local time)
    candidate = path.with_name(f"{path.stem} (my changes {stamp}){path.suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem} (my changes {stamp} {n}){path.suffix}")
        n += 1
    return candidate
