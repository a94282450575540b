"""The typed plan settings (issue 16): one reader and writer of `Project.settings` keys."""

from __future__ import annotations

import ast
import json
import runpy
import shutil
from dataclasses import fields, replace
from pathlib import Path

import pytest

from territory_planner._errors import InputError
from territory_planner.analysis.market_segments import saved_segments
from territory_planner.analysis.metrics import QuotaPlan, balance_tolerance
from territory_planner.analysis.performance_settings import ActivityGoals, Thresholds
from territory_planner.edits import ChangeSettings
from territory_planner.io.project_file import load_project, save_project
from territory_planner.model import change_log, rule_records
from territory_planner.plan.parents import parent_policy
from territory_planner.settings import (
    CHANGE_LOG_KEY,
    FOLLOW_PARENT,
    GOAL_FIELDS,
    GOALS_KEY,
    PlanSettings,
    read_settings,
    setting_entries,
    settings_entries,
)

DATA = Path(__file__).resolve().parents[1] / "data"
PACKAGE = Path(__file__).resolve().parents[2] / "territory_planner"
#: Settings as the code before issue 16 (commit 3f0cf97) wrote them, every key set (made by
#: tests/data/make_old_settings.py).
OLD_SETTINGS = DATA / "settings_3f0cf97.json"

#: Every field set to a value other than its default.
CHANGED = PlanSettings(
    scenario="Spring plan",
    scenario_note="Designed: 2 territories",
    balance_tolerance=0.03,
    quota_target=1_250_000.0,
    quota_potential_weight=0.7,
    quota_growth=0.08,
    parent_policy=FOLLOW_PARENT,
    rules=({"name": "Hospitals", "territory": "T1", "when": [["industry", "=", "Healthcare"]]},),
    segments=({"name": "Big", "when": [["employees", ">", 500]]}, {"name": "All", "when": []}),
    alerts={"attainment_below": 0.75, "yoy_below": None},
    goals_default={"calls": 480.0},
    goals_territories={"T1": {"meetings": 60.0}},
    goals_reps={"R2": {"emails": 900.0}},
)
FIELDS = [f.name for f in fields(PlanSettings)]


def test_every_field_differs_from_its_default_in_the_sample() -> None:
    default = PlanSettings()
    assert [n for n in FIELDS if getattr(CHANGED, n) == getattr(default, n)] == []


@pytest.mark.parametrize("name", FIELDS)
def test_each_field_round_trips_alone(name: str) -> None:
    entries = setting_entries(**{name: getattr(CHANGED, name)})
    assert all(isinstance(v, str) for v in entries.values())
    back = read_settings(entries)
    assert getattr(back, name) == getattr(CHANGED, name)
    others = [n for n in FIELDS if getattr(back, n) != getattr(PlanSettings(), n)]
    assert set(others) <= ({name, *GOAL_FIELDS} if name in GOAL_FIELDS else {name})


def test_all_fields_round_trip_together_and_through_a_saved_file(tmp_path: Path) -> None:
    entries = settings_entries(CHANGED, *FIELDS)
    assert read_settings(entries) == CHANGED
    assert entries["alert_yoy_below"] == ""  # off is an empty value, as before
    assert entries["quota_target"] == "1250000.0"
    assert setting_entries(quota_target=None) == {"quota_target": ""}
    project = load_project(DATA / "project_v1.gpkg")
    project.settings.update(entries)
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    assert read_settings(load_project(path).settings) == CHANGED


def test_writes_go_through_change_settings_and_undo() -> None:
    project = load_project(DATA / "project_v1.gpkg")
    edit = ChangeSettings(project, setting_entries(balance_tolerance=0.12), "band")
    assert edit.apply(project).settings == {"balance_tolerance"}
    assert balance_tolerance(project) == 0.12
    edit.revert(project)
    assert "balance_tolerance" not in project.settings
    assert balance_tolerance(project) == 0.05


@pytest.mark.parametrize(
    ("key", "text", "field", "says"),
    [
        ("balance_tolerance", "five", "balance_tolerance", "'five' is not a number"),
        ("quota_target", "lots", "quota_target", "'lots' is not a number"),
        ("quota_potential_weight", "half", "quota_potential_weight", "is not a number"),
        ("quota_growth", "5 %", "quota_growth", "'5 %' is not a number"),
        ("alert_capacity_above", "lots", "alerts", "'lots' is not a number"),
        ("parent_policy", "nearest", "parent_policy", "no parent policy 'nearest'"),
        ("segments", "[1, 2", "segments", "'segments' cannot be read"),
        ("segments", '{"name": "x"}', "segments", "segments are not a list"),
        ("rules", "[{", "rules", "'rules' cannot be read"),
        (GOALS_KEY, "[1, 2", "goals_default", "'activity_goals' cannot be read"),
        (GOALS_KEY, '{"default": {"calls": "many"}}', "goals_reps", "cannot be read"),
    ],
)
def test_a_bad_stored_value_names_its_key_and_stops_only_its_readers(
    key: str, text: str, field: str, says: str
) -> None:
    settings = {**settings_entries(CHANGED, *FIELDS), key: text}
    with pytest.raises(InputError, match=says):
        read_settings(settings)
    with pytest.raises(InputError, match=says):
        read_settings(settings, check=[field])
    same_key = GOAL_FIELDS if key == GOALS_KEY else (field,)
    others = read_settings(settings, check=[n for n in FIELDS if n not in same_key])
    assert others.scenario == "Spring plan"  # the rest still reads
    if field == "alerts":  # each alert is its own key: the bad one reads as unset
        assert others.alerts == CHANGED.alerts
    else:  # unreadable: the default
        assert getattr(others, field) == getattr(PlanSettings(), field)


def test_rules_that_are_not_a_list_read_as_none_as_before() -> None:
    assert read_settings({"rules": '{"name": "x"}'}).rules == ()
    assert read_settings({"rules": ""}).rules == ()


def test_the_old_readers_raise_input_error_for_bad_numbers() -> None:
    # Before issue 16 these were a bare ValueError (a crash); now a message for the user.
    project = load_project(DATA / "project_v1.gpkg")
    project.settings["balance_tolerance"] = "five"
    with pytest.raises(InputError, match="'balance_tolerance': 'five' is not a number"):
        balance_tolerance(project)
    with pytest.raises(InputError, match="'quota_growth'"):
        QuotaPlan.from_settings({"quota_growth": "x"})
    assert parent_policy(project) == "geographic"  # a bad band stops only the band


def test_settings_saved_before_issue_16_read_the_same() -> None:
    old = json.loads(OLD_SETTINGS.read_text(encoding="utf-8"))
    typed = read_settings(old)
    assert typed == PlanSettings(
        scenario="Spring plan",
        scenario_note="Designed: 2 territories balanced on potential",
        balance_tolerance=0.03,
        quota_target=1_250_000.0,
        quota_potential_weight=0.7,
        quota_growth=0.08,
        parent_policy=FOLLOW_PARENT,
        rules=(
            {"name": "Hospitals", "territory": "T1", "when": [["industry", "=", "Healthcare"]]},
        ),
        segments=(
            {
                "name": "Big hospitals",
                "when": [["industry", "=", "Healthcare"], ["employees", ">", 500]],
            },
            {"name": "Everyone", "when": []},
        ),
        alerts={
            "activity_below": 1.0,
            "attainment_below": 0.75,
            "capacity_above": 1.0,
            "penetration_below": 0.2,
            "potential_per_rep_above": None,
            "retention_below": 0.8,
            "yoy_below": None,
        },
        goals_default={"calls": 480.0},
        goals_territories={"T1": {"meetings": 60.0}},
        goals_reps={"R2": {"emails": 900.0}},
    )
    # Written back, every key is the text the old code wrote (JSON: the same data).
    again = settings_entries(typed, *FIELDS)
    assert set(again) == set(old) - {CHANGE_LOG_KEY}
    for key, text in again.items():
        same = json.loads(text) == json.loads(old[key]) if key in {GOALS_KEY} else text == old[key]
        assert same, key
    assert Thresholds.from_settings(old) == replace(
        Thresholds(), attainment_below=0.75, yoy_below=None, penetration_below=0.2
    )
    assert ActivityGoals.from_settings(old).default == {"calls": 480.0}


def test_the_writers_still_write_what_3f0cf97_wrote() -> None:
    make = runpy.run_path(str(DATA / "make_old_settings.py"))["old_settings"]
    assert make() == json.loads(OLD_SETTINGS.read_text(encoding="utf-8"))


def test_an_old_project_file_opens_with_the_same_settings(tmp_path: Path) -> None:
    """The schema-1 file, then the same file given the old settings, saved and opened."""
    path = tmp_path / "old.gpkg"
    shutil.copy(DATA / "project_v1.gpkg", path)
    project = load_project(path)
    assert read_settings(project.settings) == PlanSettings()
    assert project.scenario_name == "Current plan"
    assert change_log(project) == []
    old = json.loads(OLD_SETTINGS.read_text(encoding="utf-8"))
    project.settings.update(old)
    save_project(project, path)
    again = load_project(path)
    assert again.settings == project.settings  # the file keeps the text as it was
    assert again.scenario_name == "Spring plan"
    assert again.scenario_note == "Designed: 2 territories balanced on potential"
    assert parent_policy(again) == FOLLOW_PARENT
    assert balance_tolerance(again) == 0.03
    assert QuotaPlan.from_settings(again.settings) == QuotaPlan(1_250_000.0, 0.7, 0.08)
    assert [s.name for s in saved_segments(again)] == ["Big hospitals", "Everyone"]
    assert rule_records(again)[0]["name"] == "Hospitals"
    assert change_log(again)[1] == (
        "2026-03-01T09:31:00+00:00",
        "Quotas: team target $1.25M – ünïcode",
    )


# -- no module but territory_planner/settings.py reads the settings keys --------------------

#: Modules that touch `Project.settings` by key without knowing any key, with why.
GENERIC = {
    "settings.py": "the one reader and writer",
    "edits/tables.py": "ChangeSettings stores and restores whatever entries it is given (undo)",
}
#: Single hits that are no settings, by (module, source text), with why.
NOT_SETTINGS = {
    ("io/project_file.py", "raw['scenario']"): "the stored scenarios' column, a table's",
    ("io/project_file.py", "held['scenario']"): "the stored scenarios' column, a table's",
}
KEY_METHODS = {"get", "pop", "setdefault", "__getitem__", "__setitem__", "__contains__"}


def _stored_keys() -> set[str]:
    keys = set(settings_entries(CHANGED, *FIELDS)) - {f"alert_{n}" for n in CHANGED.alerts}
    return keys | {CHANGE_LOG_KEY}


def _key_reads(tree: ast.AST, keys: set[str]) -> list[tuple[int, str]]:
    """Where a module reads or writes the settings by key.

    Parameters
    ----------
    tree
        The module's syntax tree.
    keys
        The settings keys (`alert_...` keys are found by their prefix).

    Returns
    -------
    list[tuple[int, str]]
        (line, source text) of each `x.settings[...]`, `x.settings.get(...)` (and other
        by-key methods), `... in x.settings`; each subscript or ``get`` of anything with a
        settings key or an ``alert_`` text as a literal, a dict literal of such a key to a
        ``repr`` or settings, and a ``..._KEY`` or ``..._PREFIX`` name given such a text.
    """

    def settings_attr(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "settings"

    def key_text(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (node.value in keys or node.value.startswith("alert_"))
        ) or (isinstance(node, ast.JoinedStr) and "alert_" in ast.unparse(node))

    found = []
    for node in ast.walk(tree):
        hit = False
        if isinstance(node, ast.Subscript):
            hit = settings_attr(node.value) or key_text(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr in KEY_METHODS
            hit = method and (
                settings_attr(node.func.value) or any(key_text(a) for a in node.args[:1])
            )
        elif isinstance(node, ast.Compare):
            hit = any(isinstance(op, ast.In | ast.NotIn) for op in node.ops) and any(
                settings_attr(c) for c in node.comparators
            )
        elif isinstance(node, ast.Assign):  # a key of one's own: SEGMENTS_KEY = "segments"
            hit = key_text(node.value) and any(
                isinstance(t, ast.Name) and t.id.endswith(("_KEY", "_PREFIX")) for t in node.targets
            )
        elif isinstance(node, ast.Dict):
            hit = any(k is not None and key_text(k) for k in node.keys) and any(
                "settings" in ast.unparse(v) or "repr(" in ast.unparse(v) for v in node.values
            )
        if hit:
            found.append((getattr(node, "lineno", 0), ast.unparse(node)))
    return found


def test_the_scanner_finds_each_way_the_keys_were_read_before() -> None:
    before = """
tolerance = float(project.settings.get("balance_tolerance", 0.05))
target = settings.get("quota_target", "")
SEGMENTS_KEY = "segments"
THRESHOLD_PREFIX = "alert_"
if key in project.settings: pass
project.settings["scenario"] = name
entry = {"balance_tolerance": repr(tolerance)}
alert = settings[f"alert_{name}"]
"""
    assert len(_key_reads(ast.parse(before), _stored_keys())) == 8
    fine = 'out = {"segments": segments, "saved": True}\nrow = table["quota"]\n'
    assert _key_reads(ast.parse(fine), _stored_keys()) == []


def test_no_module_outside_settings_reads_the_settings_keys() -> None:
    keys = _stored_keys()
    assert {"balance_tolerance", "parent_policy", "rules", "segments", GOALS_KEY} <= keys
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name in GENERIC:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [
            f"{name}:{line}: {text}"
            for line, text in _key_reads(tree, keys)
            if (name, text) not in NOT_SETTINGS
        ]
    assert offenders == [], "read them through territory_planner.settings:\n" + "\n".join(offenders)
