"""Remembered preferences: recent files, typed and tolerant of bad values."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from territory_planner.ui.preferences import MAX_RECENT, Preferences


def test_recent_files_newest_first_existing_only(tmp_path) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    prefs = Preferences(settings)
    files = []
    for number in range(MAX_RECENT + 2):
        path = tmp_path / f"p{number}.gpkg"
        path.write_text("x")
        files.append(path)
        prefs.add_recent(path)
    assert prefs.recent_files() == files[::-1][:MAX_RECENT]
    prefs.add_recent(files[5])
    assert prefs.recent_files()[0] == files[5]
    assert len(set(prefs.recent_files())) == MAX_RECENT
    files[9].unlink()
    assert files[9] not in prefs.recent_files()
    settings.setValue("recent/files", 42)  # a malformed value is ignored, not trusted
    assert prefs.recent_files() == []
    assert settings.value("preferences/version") in {1, "1"}
    prefs.clear_recent()
    assert prefs.recent_files() == []
