"""Rebalance never hands an account to a rep beyond a day trip from it where another rep
reaches it, whatever it balances; `reach=False` lets any rep take it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from territory_planner.analysis.account_workload import beyond_day_trip, day_trip_reach
from territory_planner.analysis.metrics import polsby_popper
from territory_planner.demo import make_demo
from territory_planner.model import Project
from territory_planner.plan.plan_changes import rebalance_project
from territory_planner.plan.rebalance_inputs import _barred, traders
from territory_planner.plan.rebalance_reasons import restated, stuck_sentence
from territory_planner.plan.scenarios import scenario_project
from territory_planner.plan.served_weights import out_of_reach, reach_notes, serving_reps
from territory_planner.plan.unit_plan import project_units


def _handed_far(project: Project, reach: bool) -> tuple[int, float, int, str]:
    """Moved accounts beyond their new rep's day trip that another rep reaches; the largest
    deviation; accounts moved; the result in words."""
    change = rebalance_project(project, balance="potential", tolerance=0.05, reach=reach)
    after = scenario_project(project, change.scenario)
    rep_row = {r: i for i, r in enumerate(project.reps["rep_id"])}
    rep_of = after.territories.set_index("territory_id")["rep_id"].map(rep_row)
    server = after.accounts["territory_id"].map(rep_of).fillna(-1).to_numpy(dtype=np.int64)
    moved = (after.accounts["territory_id"] != project.accounts["territory_id"]).to_numpy()
    far = beyond_day_trip(after, server) & day_trip_reach(project).any(axis=1)
    return (
        int((far & moved).sum()),
        change.result.max_deviation,
        int(moved.sum()),
        (change.describe()),
    )


def test_rebalance_on_potential_keeps_accounts_within_their_reps_day_trips() -> None:
    project = make_demo(accounts=1200, reps=8, seed=11)  # eight metros far apart
    anywhere, spread, moved, _ = _handed_far(project, reach=False)
    assert moved > 0
    assert anywhere > 0  # without the rule, balance hands metro accounts to far reps
    assert spread <= 0.05 + 1e-9
    within, _, _, said = _handed_far(project, reach=True)
    assert within == 0
    # no plan within ±5% keeps the rule here (the metros lie beyond each other's day trips)
    assert "keeping every account within a day trip of its rep" in said


def test_reps_without_a_home_take_any_account() -> None:
    project = make_demo(accounts=300, reps=4, seed=11)
    project.reps[["lon", "lat"]] = np.nan  # where they start from is not known
    ruled = rebalance_project(project, balance="potential", tolerance=0.05)
    free = rebalance_project(project, balance="potential", tolerance=0.05, reach=False)
    assert ruled.result.max_deviation <= 0.05 + 1e-9
    assert (ruled.result.labels == free.result.labels).all()


def test_a_rep_holding_no_territory_bars_no_one() -> None:
    """Barred from a territory means another territory's rep reaches the account: a rep in
    the table who holds no territory takes none, so bars as if they were not there."""
    project = make_demo(accounts=300, reps=4, seed=11)
    idle = str(project.territories["rep_id"].iloc[-1])
    project.territories.loc[project.territories.index[-1], "rep_id"] = None
    gone = project.copy()
    gone.reps = gone.reps[gone.reps["rep_id"] != idle].reset_index(drop=True)

    def barred(p: Project) -> np.ndarray:
        plan_units = project_units(p, "county")
        base = p.territories
        return out_of_reach(p, base, serving_reps(p, plan_units, plan_units.current, base))

    assert (barred(project) == barred(gone)).all()


def test_the_day_trip_note_leaves_locked_territories_out() -> None:
    """A locked territory neither gives nor takes: its lock, not its rep's reach, holds it."""
    project = make_demo(accounts=300, reps=4, seed=11)  # four metros beyond each other's trips

    def note() -> str:
        change = rebalance_project(project, balance="potential", tolerance=0.05)
        return next(v for v in change.result.violations if v.startswith("Within a day trip"))

    assert "South Central" in note()
    project.territories.loc[project.territories["name"] == "South Central", "locked"] = True
    said = note()
    assert "South Central" not in said
    assert "Southeast" in said  # (the other territory under the band is still named)


def test_the_day_trip_note_names_the_few_territories_that_may_trade() -> None:
    """Out of band, each territory's note names whom it may trade with under the rule, going
    by the units that weigh something (a unit of no weight helps no balance)."""
    base = pd.DataFrame({"name": ["North", "East", "South", "West"]})
    labels = np.array([0, 0, 0, 1, 1, 2, 3])
    weights = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    barred = np.ones((7, 4), dtype=bool)
    barred[[0, 1], 1] = False  # North's accounts: East's rep reaches them
    barred[2, :] = False  # a unit of North's without weight: anyone (it does not count)
    barred[3, 2] = False  # one of East's: South's rep reaches it
    deviation = np.array([0.2, 0.03, -0.1, -0.13])
    notes, alone = reach_notes(
        labels, weights, base, barred=barred, deviation=deviation, tolerance=0.05
    )
    (said,) = notes
    assert "North +20.0%: its units may go only to East (+3.0%)" in said
    assert "South -10.0%: its rep may take units of only East (+3.0%)" in said
    assert "West -13.0%: each unit of the others holds accounts beyond its rep's day" in said
    assert alone == [3]
    # a locked territory is not named, and counts as no partner: now none may trade
    notes, alone = reach_notes(
        labels, weights, base, barred=barred, deviation=deviation, tolerance=0.05,
        locked=np.array([False, True, False, False]),
    )  # fmt: skip
    assert "East" not in notes[0]
    assert "may change hands" in notes[0]
    assert "could take it: North +20.0%, South -10.0%, West -13.0%." in notes[0]
    assert alone == [0, 2, 3]


def test_the_one_sentence_is_kept_for_plans_where_no_territory_out_of_band_may_trade() -> None:
    """One territory alone does not make "no unit of these territories may change hands":
    another out of band may trade with four (none named: more than a few, one across the
    band). A territory whose only trades are of locked units is left to the locks."""
    base = pd.DataFrame({"name": list("ABCDEF")})
    labels = np.arange(6)
    weights = np.ones(6)
    barred = np.ones((6, 6), dtype=bool)
    barred[np.arange(6), labels] = False
    barred[1:, :] = False  # every unit but A's may go anywhere
    barred[1:, 0] = True  # (but not to A)
    barred[[3, 4], 5] = True  # F's rep may take B's and C's units only
    deviation = np.array([0.2, 0.1, -0.1, 0.0, 0.0, -0.2])
    notes, alone = reach_notes(
        labels, weights, base, barred=barred, deviation=deviation, tolerance=0.05
    )
    assert alone == [0]
    assert "may change hands" not in notes[0]
    assert "A +20.0%: each of its units holds accounts beyond every other rep's day" in notes[0]
    assert "B +10.0%:" not in notes[0]  # (it may give to C and F, under the band)
    assert "F -20.0%: its rep may take units of only B (+10.0%) and C (-10.0%)" in notes[0]
    movable = np.ones(6, dtype=bool)
    movable[1:] = False  # what F could take is locked: the locks, not the day trips, hold it
    notes, alone = reach_notes(
        labels, weights, base, barred=barred, deviation=deviation, tolerance=0.05,
        movable=movable,
    )  # fmt: skip
    assert alone == [0]
    assert "F -20.0%" not in notes[0]


def test_territories_the_day_trips_hold_leave_the_stuck_sentence() -> None:
    names = ["A", "B", "A"]  # (two territories of one name: told apart by their index)
    said = ["outside ±5.0% of the mean: A +9%, B -9%", stuck_sentence(["A", "B"]), "other"]
    assert restated(said, names, [0, 1], [1]) == [said[0], stuck_sentence(["A"]), "other"]
    assert restated(said, names, [0, 1], [0, 1]) == [said[0], "other"]
    assert restated(said, names, [0, 1], [2]) == said
    assert restated(said, names, [], [0]) == said


def test_a_unit_of_no_weight_is_barred_too() -> None:
    """Its accounts are as far from the barred rep as any (accounts without potential,
    balanced on potential): it weighs the team's total there, never where it is."""
    w = np.array([0.0, 2.0, 3.0])
    labels = np.array([0, 0, 1])
    barred = np.array([[False, True], [False, True], [True, False]])
    served = _barred(w, labels, barred)
    assert served.tolist() == [[0.0, 5.0], [2.0, 7.0], [8.0, 3.0]]


def test_territories_a_rebalance_stretches_out_are_named() -> None:
    """Any rep may take any account: to balance potential, the Mountain territory (its rep in
    Denver) reaches out over empty land for the metros' accounts. The result says which
    territories it leaves stringy, checked here on the scenario's outlines."""
    project = make_demo(accounts=1200, reps=8, seed=11)
    change = rebalance_project(project, balance="potential", tolerance=0.05, reach=False)
    before = project.territories.set_index("name").geometry
    after = change.scenario.territories.set_index("name").geometry
    said = change.describe()
    flagged = {name for name in before.index if f"{name} stretches out" in said}
    assert flagged  # (Mountain among them, 0.35 -> 0.08)
    for name in before.index:
        was, now = polsby_popper(before[name]), polsby_popper(after[name])
        if name in flagged:
            assert now < 0.12
            assert now < 0.6 * was
        else:
            assert not (now < 0.08 and now < 0.4 * was)


def test_traders_are_the_territories_out_of_band_that_may_trade_toward_it() -> None:
    w = np.array([3.0, 1.0, 1.0, 1.0, 0.5])
    labels = np.array([0, 0, 1, 2, 2])
    band = (np.full(3, 1.9), np.full(3, 2.1))  # totals 4, 1, 1.5: all out of band
    barred = np.ones((5, 3), dtype=bool)
    barred[np.arange(5), labels] = False
    movable = np.ones(5, dtype=bool)
    frozen = np.zeros(3, dtype=bool)

    def found() -> list[bool]:
        return traders(w, labels, barred, band, movable=movable, frozen=frozen).tolist()

    assert found() == [False, False, False]  # each unit barred from every other territory
    barred[1, 2] = False  # territory 0's light unit may go to 2: 0 gives, 2 takes
    assert found() == [True, False, True]
    movable[1] = False  # locked: it may not
    assert found() == [False, False, False]
