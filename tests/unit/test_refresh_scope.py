"""The parts of the screen an edit's change record names (`app.refresh.refresh_scope`)."""

from __future__ import annotations

import copy

from territory_planner.analysis.metrics import QuotaPlan
from territory_planner.app.refresh import refresh_scope
from territory_planner.edits import (
    Batch,
    ChangeSettings,
    MoveAccounts,
    RenameTerritory,
    delete_territory,
    edit_rep,
    place_account,
    set_quota,
)
from territory_planner.mapview.map_updates import SentLayers
from territory_planner.mapview.overview import EVERYTHING, Scope
from territory_planner.model import Project

NOTHING = Scope(accounts=False, territories=False, reps=False, coverage=False, kpis=False)
KPIS = Scope(accounts=False, territories=False, reps=False, coverage=False, kpis=True)


def test_each_edit_names_what_it_changed(fresh_demo: Project) -> None:
    project = fresh_demo
    account = str(project.accounts["account_id"].iloc[0])
    territory = str(project.territories["territory_id"].iloc[0])
    rep = str(project.reps["rep_id"].iloc[0])
    cases = {
        "place": (place_account(project, account, 41.9, -87.6), Scope(True, False, False, False)),
        "move": (MoveAccounts(project, [account], territory), Scope(True, True, False, False)),
        "rename": (RenameTerritory(project, territory, "North"), EVERYTHING),  # overlaps' names
        "quota": (set_quota(project, territory, "1M"), Scope(True, True, True, False)),
        "rep": (edit_rep(project, rep, "name", "Pat"), Scope(True, True, True, False)),
        "band": (ChangeSettings(project, {"balance_tolerance": "0.1"}, "band"), NOTHING),
        "threshold": (ChangeSettings(project, {"alert_attainment_below": "0.7"}, "t"), NOTHING),
        "quota plan": (
            ChangeSettings(project, QuotaPlan(team_target=1e6).as_settings(), "q"),
            KPIS,
        ),
        "unknown setting": (ChangeSettings(project, {"something_new": "1"}, "new"), KPIS),
        "delete": (delete_territory(project, territory), EVERYTHING),
    }
    for name, (edit, scope) in cases.items():
        assert refresh_scope(edit.apply(project)) == scope, name
        assert refresh_scope(edit.revert(project)) == scope, name  # undo: the same parts


def test_a_batch_wants_what_any_of_its_edits_does(fresh_demo: Project) -> None:
    project = fresh_demo
    territory = str(project.territories["territory_id"].iloc[0])
    account = str(project.accounts["account_id"].iloc[0])
    batch = Batch(
        [
            ChangeSettings(project, {"balance_tolerance": "0.1"}, "band"),
            place_account(project, account, 41.9, -87.6),
            RenameTerritory(project, territory, "North"),
        ],
        "several",
    )
    assert refresh_scope(batch.apply(project)) == EVERYTHING
    assert NOTHING | Scope(True, False, False, False, False) | KPIS == Scope(
        True, False, False, False, True
    )


def test_layers_left_out_of_a_diff_are_kept_as_sent(demo_project: Project) -> None:
    project = copy.deepcopy(demo_project)
    sent = SentLayers()
    sent.payload(project)
    territories_before = sent.territories
    territory = str(project.territories["territory_id"].iloc[0])
    RenameTerritory(project, territory, "North").apply(project)

    update = sent.diff(project, layers={"accounts"})
    assert update.payload == {}  # the new name is not looked for
    sent.commit(update)
    assert sent.territories is territories_before
    assert "territories" in sent.changes(project)  # asked for, it is found
