"""Counts in what the user reads: "1 visit", "2 visits", never "1 visits"."""

from __future__ import annotations

import json

import openpyxl
import pytest

from territory_planner.cli import main
from territory_planner.edits import MoveAccounts, unlock_accounts
from territory_planner.formats import plural
from territory_planner.io.calendar_export import write_calendar_xlsx
from territory_planner.io.project_file import save_project
from territory_planner.model import Project
from tests.unit.printout_fixtures import calendar_plan


@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [
        (1, "visit", "1 visit"),
        (2, "visit", "2 visits"),
        (0, "rep", "0 reps"),
        (1, "territory", "1 territory"),
        (3, "territory", "3 territories"),
        (2, "day", "2 days"),
        (2, "address", "2 addresses"),
        (1234, "account", "1,234 accounts"),
        (2, "person", "2 people"),
    ],
)
def test_plural(count: int, noun: str, text: str) -> None:
    many = "people" if noun == "person" else None
    assert plural(count, noun, many) == text


def test_move_accounts_label_counts_one_and_two(demo_project: Project) -> None:
    ids = list(demo_project.accounts["account_id"][:2])
    territory = demo_project.territories.iloc[0]
    one = MoveAccounts(demo_project, ids[:1], territory["territory_id"])
    two = MoveAccounts(demo_project, ids, territory["territory_id"])
    assert one.label == f"Move 1 account to {territory['name']}"
    assert two.label == f"Move 2 accounts to {territory['name']}"


def test_unlock_says_it_or_them(demo_project: Project) -> None:
    ids = list(demo_project.accounts["account_id"][:2])
    assert unlock_accounts(demo_project, ids[:1]).description == (
        "Unlocked 1 account and placed it again"
    )
    assert unlock_accounts(demo_project, ids).description == (
        "Unlocked 2 accounts and placed them again"
    )


@pytest.mark.parametrize(
    ("orphans", "text"),
    [
        (1, "1 territory names a rep that does not exist"),
        (2, "2 territories name a rep that does not exist"),
    ],
)
def test_check_counts_one_and_two(tmp_path, fresh_demo: Project, capsys, orphans, text) -> None:
    fresh_demo.territories.loc[fresh_demo.territories.index[:orphans], "rep_id"] = "NO-SUCH-REP"
    path = tmp_path / "p.gpkg"
    save_project(fresh_demo, path)
    assert main(["check", str(path), "--json"]) == 0
    assert text in json.loads(capsys.readouterr().out)["problems"]


def test_calendar_title_says_one_week(tmp_path) -> None:
    path = write_calendar_xlsx([calendar_plan()], tmp_path / "c.xlsx")
    title = openpyxl.load_workbook(path)["Dana Whitfield"]["A1"].value
    assert title == "Dana Whitfield: visit calendar, 1 week from Monday 07 December 2026"
