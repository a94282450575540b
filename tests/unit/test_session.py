"""One way to change a project: edits through a session, into the change log, from any command."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from territory_planner.app.session import Session
from territory_planner.edits import RenameTerritory
from territory_planner.io.project_file import load_project
from territory_planner.model import Project, change_log
from tests.conftest import run_cli

DATA = Path(__file__).parents[1] / "data" / "import"


def test_a_session_logs_each_change_and_its_undo(fresh_demo: Project) -> None:
    when = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    session = Session(fresh_demo, clock=lambda: when)
    heard: list[str] = []
    session.listeners.append(lambda changes: heard.append(changes.description))
    territory = str(fresh_demo.territories["territory_id"].iloc[0])
    edit = RenameTerritory(fresh_demo, territory, "Lakeshore")
    session.apply(edit)
    assert fresh_demo.territories["name"].iloc[0] == "Lakeshore"
    session.revert(edit)
    assert fresh_demo.territories["name"].iloc[0] != "Lakeshore"
    log = change_log(fresh_demo)
    assert [when_ for when_, _ in log] == ["2026-12-06T09:30:00+00:00"] * 2
    assert [text for _, text in log] == heard
    assert session.entries == log  # this session's changes (the project's log had none)
    assert "Lakeshore" in heard[0]
    assert (
        heard[1] == f"Renamed territory 'Lakeshore' to '{fresh_demo.territories['name'].iloc[0]}'"
    )
    later = Session(fresh_demo, clock=lambda: when)  # the project opened again
    assert later.entries == []
    later.apply(RenameTerritory(fresh_demo, territory, "Lakeshore"))
    assert later.entries == [("2026-12-06T09:30:00+00:00", heard[0])]
    assert len(change_log(fresh_demo)) == 3


def test_the_session_keeps_the_edit_stack_as_qt_undo_does(fresh_demo: Project) -> None:
    session = Session(fresh_demo)
    territory = str(fresh_demo.territories["territory_id"].iloc[0])
    first = RenameTerritory(fresh_demo, territory, "North")
    session.apply(first)
    second = RenameTerritory(fresh_demo, territory, "South")  # made against the project as it is
    session.apply(second)
    name = lambda: fresh_demo.territories["name"].iloc[0]  # noqa: E731
    assert name() == "South"
    with pytest.raises(ValueError, match="only the last change"):
        session.revert(first)
    assert session.undo() is not None
    assert name() == "North"
    assert session.done == [first]
    assert session.undone == [second]
    assert session.redo() is not None  # as QUndoStack's redo: the same edit applied again
    assert name() == "South"
    assert session.undo() is not None
    assert session.undo() is not None
    assert session.undo() is None  # nothing left to take back
    assert session.undone == [second, first]
    session.apply(RenameTerritory(fresh_demo, territory, "East"))  # a new change: no redo
    assert session.undone == []
    assert session.redo() is None
    assert name() == "East"


def _log(path: Path) -> list[str]:
    return [text for _, text in change_log(load_project(path))]


def test_every_command_that_changes_a_project_writes_its_change_log(tmp_path: Path) -> None:
    project = tmp_path / "p.gpkg"
    done = run_cli("demo", str(project), "--accounts", "200", "--reps", "3", "--seed", "5")
    assert done.returncode == 0, done.stderr
    assert _log(project) == ["Made the demo project (200 accounts, 3 reps, seed 5)"]
    first_account = str(load_project(project).accounts["account_id"].iloc[0])
    actuals = tmp_path / "actuals.csv"
    actuals.write_text(f"Account ID,Month,Net Sales\n{first_account},2026-01,500\n")
    outline = tmp_path / "territories.geojson"
    assert run_cli("export", str(project), "--geojson", str(outline)).returncode == 0
    segment = "employees > 100"
    steps: list[tuple[list[str], str]] = [
        (["import", str(DATA / "one_row.csv")], "Imported one_row.csv"),
        (["reps", str(DATA / "reps.csv")], "Imported reps.csv"),
        (["import-actuals", str(actuals)], "Imported actuals.csv"),
        (["territories", "--from", str(outline)], "territories.geojson"),
        (["assign", "--tolerance", "0.2"], "Assigned accounts with a balance tolerance ("),
        (
            [
                "design",
                "--units",
                "state",
                "--balance",
                "accounts",
                "--territories",
                "3",
                "--name",
                "By state",
                "--use",
            ],
            "By state",
        ),
        (
            [
                "rebalance",
                "--units",
                "state",
                "--balance",
                "accounts",
                "--tolerance",
                "0.5",
                "--name",
                "Even",
            ],
            "Even",
        ),
        (["scenarios", "--rename", "Even", "Even out"], "Even out"),
        (["segments", "--save", "Big", "--where", segment], "Big"),
        (["performance", "--goal", "calls=10"], "activity goals"),
    ]
    for arguments, expected in steps:
        before = _log(project)
        done = run_cli(arguments[0], str(project), *arguments[1:])
        assert done.returncode == 0, (arguments, done.stderr)
        after = _log(project)
        assert after[: len(before)] == before  # nothing lost
        assert len(after) > len(before), arguments
        assert any(expected in text for text in after[len(before) :]), (arguments, after)


def test_an_imported_account_is_placed_by_the_rules(tmp_path: Path, demo_file: Path) -> None:
    project = tmp_path / "p.gpkg"
    shutil.copy(demo_file, project)
    demo = load_project(project)
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps([{"name": "Big retail", "territory": "T02",
                     "when": [["industry", "=", "Retail"], ["employees", ">=", 200]]}])
    )  # fmt: skip
    assert run_cli("assign", str(project), "--rules", str(rules)).returncode == 0
    elsewhere = demo.accounts[demo.accounts["territory_id"].notna()
                              & (demo.accounts["territory_id"] != "T02")].iloc[0]  # fmt: skip
    where = f"{elsewhere['lat']},{elsewhere['lon']}"
    accounts = tmp_path / "new.csv"
    accounts.write_text(
        "Account ID,Account Name,Latitude,Longitude,Industry,Employees\n"
        f"NEW1,Big Shop,{where.split(',', maxsplit=1)[0]},{where.split(',')[1]},Retail,900\n"
        f"NEW2,Small Shop,{where.split(',', maxsplit=1)[0]},{where.split(',')[1]},Retail,20\n"
    )
    done = run_cli("import", str(project), str(accounts))
    assert done.returncode == 0, done.stderr
    saved = load_project(project).accounts.set_index("account_id")
    assert saved.loc["NEW1", "territory_id"] == "T02"  # by the rule, though it lies elsewhere
    assert saved.loc["NEW1", "placed_by"] == "Big retail"
    assert saved.loc["NEW2", "territory_id"] == elsewhere["territory_id"]  # by geography
    assert saved.loc["NEW2", "placed_by"] == "geography"


def test_territory_ids_are_made_in_one_place() -> None:
    from territory_planner.model import new_territory_ids

    assert new_territory_ids([]) == ["T01"]
    assert new_territory_ids(["T01", "T02", "T04"], 3) == ["T03", "T05", "T06"]
    assert new_territory_ids(["North", "T01"], 1) == ["T02"]  # IDs of any shape are kept clear
