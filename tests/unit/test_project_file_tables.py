"""Project files changed outside the app: bad settings, views in place of the app's tables."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from territory_planner._errors import ProjectFileError
from territory_planner.io import project_tables
from territory_planner.io.project_file import load_project
from territory_planner.io.project_tables import table_problem

RECURSIVE = "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r) SELECT * FROM r"


def _changed(demo_file: Path, folder: Path, *statements: str) -> Path:
    """A copy of the demo project with `statements` run on it (as a SQL tool would)."""
    path = folder / "changed.gpkg"
    shutil.copy(demo_file, path)
    with contextlib.closing(sqlite3.connect(path)) as db:
        for statement in statements:
            db.execute(statement)
        db.commit()
    return path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI with a time limit: a refused file must not spin."""
    return subprocess.run(
        [sys.executable, "-m", "territory_planner", *args],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def _refused_everywhere(path: Path, match: str) -> None:
    before = path.read_bytes()
    started = time.monotonic()
    with pytest.raises(ProjectFileError, match=match) as info:
        load_project(path)
    assert time.monotonic() - started < 10
    assert str(info.value).startswith(f"{path}: ")
    for command in ("check", "assign"):
        done = _cli(command, str(path))
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.strip().splitlines() == [f"error: {info.value}"]
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("value", "kind"), [("[1, 2]", "a list"), ("42", "a number"), ("{oops", "not JSON")]
)
def test_settings_that_are_not_an_object_are_refused(demo_file, tmp_path, value, kind) -> None:
    path = _changed(
        demo_file,
        tmp_path,
        f"UPDATE tp_meta SET value = '{value}' WHERE key = 'settings'",  # noqa: S608
    )
    _refused_everywhere(
        path, rf"'settings' entry of its tp_meta table is {kind}, not a JSON object"
    )


@pytest.mark.parametrize(
    ("value", "kind"),
    [('{"a": 1}', "an object"), ('[{"note": "x"}]', "a list with an entry that is not a named")],
)
def test_scenarios_that_are_not_a_list_of_named_entries_are_refused(
    demo_file, tmp_path, value, kind
) -> None:
    path = _changed(
        demo_file, tmp_path,
        f"UPDATE tp_meta SET value = '{value}' WHERE key = 'scenarios'",  # noqa: S608
        "INSERT INTO tp_meta(key, value) SELECT 'scenarios', '[]' "
        "WHERE NOT EXISTS (SELECT 1 FROM tp_meta WHERE key = 'scenarios')",
    )  # fmt: skip
    _refused_everywhere(path, rf"'scenarios' entry of its tp_meta table is {kind}")


def test_settings_values_that_are_not_text_are_kept_as_json(demo_file, tmp_path) -> None:
    path = _changed(
        demo_file, tmp_path,
        """UPDATE tp_meta SET value = '{"scenario": "Plan", "extra": [1, 2]}'
           WHERE key = 'settings'""",
    )  # fmt: skip
    settings = load_project(path).settings
    assert settings["scenario"] == "Plan"
    assert settings["extra"] == "[1, 2]"


VIEWS = {
    "recursive accounts": (
        ["DROP TABLE accounts", f"CREATE VIEW accounts AS {RECURSIVE}"],
        r"'accounts' is a view, not the app's table",
    ),
    "tp_meta shadowed": (
        [
            "CREATE TABLE kept AS SELECT * FROM tp_meta",
            "DROP TABLE tp_meta",
            "CREATE VIEW tp_meta AS SELECT * FROM kept",
        ],
        r"'tp_meta' is a view, not the app's table",
    ),
    "recursive tp_meta": (
        [
            "DROP TABLE tp_meta",
            "CREATE VIEW tp_meta AS WITH RECURSIVE r(key, value) AS "
            "(SELECT 'save_id', 'x' UNION ALL SELECT key, value FROM r) SELECT * FROM r",
        ],
        r"'tp_meta' is a view, not the app's table",
    ),
    "registry is a view": (
        [
            "CREATE TABLE kept AS SELECT * FROM gpkg_contents",
            "DROP TABLE gpkg_contents",
            f"CREATE VIEW gpkg_contents AS {RECURSIVE}",
        ],
        r"'gpkg_contents' is a view",
    ),
    "wrong kind": (
        ["UPDATE gpkg_contents SET data_type = 'attributes' WHERE table_name = 'reps'"],
        r"table 'reps' is not registered in gpkg_contents as a layer of features",
    ),
    "dropped but registered": (
        ["DROP TABLE reps"],
        r"'reps' is missing, not the app's table",
    ),
}


@pytest.mark.parametrize("case", VIEWS, ids=list(VIEWS))
def test_views_in_place_of_the_app_tables_are_refused(demo_file, tmp_path, case) -> None:
    statements, match = VIEWS[case]
    _refused_everywhere(_changed(demo_file, tmp_path, *statements), match)


def test_the_table_check_is_time_boxed(demo_file, tmp_path, monkeypatch) -> None:
    path = _changed(demo_file, tmp_path, *(f"CREATE VIEW v{i} AS SELECT 1" for i in range(300)))
    assert table_problem(path, {"accounts": "features"}) == ""
    monkeypatch.setattr(project_tables, "_STEPS", 1)
    assert "took over" in table_problem(path, {"accounts": "features"}, seconds=0.0)
