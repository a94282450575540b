"""Typed, versioned access to what the app remembers between sessions (QSettings)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

VERSION = 1
MAX_RECENT = 8


class Preferences:
    """Recent files and other remembered choices, with types checked on the way out.

    A settings file from another version keeps what still reads correctly;
    anything malformed is ignored rather than trusted.
    """

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings
        if self.settings.value("preferences/version") is None:
            self.settings.setValue("preferences/version", VERSION)

    def recent_files(self) -> list[Path]:
        """Project files opened or saved lately, newest first (existing ones only)."""
        raw = self.settings.value("recent/files", [])
        items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        paths = [Path(p) for p in items if isinstance(p, str) and p]
        return [p for p in paths if p.exists()][:MAX_RECENT]

    def add_recent(self, path: Path) -> None:
        """Put a file first in the recent list."""
        others = [p for p in self.recent_files() if p.resolve() != path.resolve()]
        files = [str(path), *map(str, others)][:MAX_RECENT]
        self.settings.setValue("recent/files", files)

    def clear_recent(self) -> None:
        """Forget the recent files."""
        self.settings.setValue("recent/files", [])
