"""One workload: the KPI panel, design and the calendar all move when its speed model does."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np
import pytest

from territory_planner.analysis.account_workload import (
    account_workload,
    beyond_day_trip,
    plan_servers,
)
from territory_planner.analysis.metrics import balance_alerts, territory_kpis
from territory_planner.formats import plural
from territory_planner.model import Project
from territory_planner.plan.project_design import design_project
from territory_planner.routing.schedule import build_schedule
from territory_planner.routing.travel import TravelModel


def _measure(project: Project) -> tuple[float, np.ndarray, float]:
    """Drive hours in the KPI panel, the workload shares design balances, a calendar's driving."""
    kpis = territory_kpis(project)
    design = design_project(project, kind="state", balance="workload", tolerance=0.2)
    rep = str(project.territories["rep_id"].dropna().iloc[0])
    calendar = build_schedule(project, rep, 4)
    return float(kpis["drive_hours"].sum()), design.weights, calendar.drive_minutes


def test_halving_the_speed_model_moves_kpis_design_and_calendar(
    demo_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _measure(demo_project)
    original: Callable[[TravelModel, np.ndarray], np.ndarray] = TravelModel.speed_kmh
    monkeypatch.setattr(TravelModel, "speed_kmh", lambda self, km: original(self, km) / 2)
    after = _measure(demo_project)
    assert after[0] / before[0] == pytest.approx(2.0, rel=1e-6)  # every drive estimate doubles
    # design balances shares of the team's workload: driving now weighs more in them, so the
    # units far from home gain (a separate model would leave the shares as they were)
    assert np.abs(after[1] - before[1]).max() > 1e-3
    assert after[2] / before[2] > 1.5  # the calendar drives the same roads slower


def test_a_design_on_workload_names_the_deviations_the_kpi_panel_shows(
    fresh_demo: Project,
) -> None:
    import re

    from territory_planner.scenario_edits import AddScenario, UseScenario

    project = fresh_demo
    band = 0.002  # (4 reps, 300 accounts: ±0.2% is out of reach)
    outcome = design_project(project, kind="county", balance="workload", tolerance=band)
    assert outcome.result.max_deviation > band
    AddScenario(project, outcome.scenario).apply(project)
    UseScenario(project, outcome.scenario.name).apply(project)
    kpis = territory_kpis(project).set_index("name")["workload_hours_vs_mean"]
    assert outcome.result.max_deviation == pytest.approx(kpis.abs().max(), abs=1e-3)
    said = [v for v in outcome.result.violations if v.startswith(f"outside ±{band:.1%} of the")]
    named = dict(re.findall(r"([^:,]+?) ([+-]\d+\.\d)%", said[0])) if said else {}
    off = kpis[kpis.abs() > band + 1e-9]
    assert {name.strip() for name in named} == set(off.index[:6])
    for name, value in named.items():
        assert float(value) / 100 == pytest.approx(kpis[name.strip()], abs=0.0006)
    # the accounts beyond a day trip from their rep's home are counted as the calendar sees them
    beyond = beyond_day_trip(project, plan_servers(project))
    counts = project.accounts.loc[beyond, "territory_id"].value_counts()
    names = project.territories.set_index("territory_id")["name"]
    expected = {
        f"{names[t]}: {plural(int(n), 'account')} beyond a day trip" for t, n in counts.items()
    }
    told = {v.split(" from its rep")[0] for v in outcome.result.violations if "day trip" in v}
    assert told == expected
    # and how many of them another rep could reach in a day (each rep asked for all accounts)
    servers = plan_servers(project)
    others = np.zeros(len(beyond), dtype=bool)
    for r in range(len(project.reps)):
        mine = ~beyond_day_trip(project, np.full(len(beyond), r))
        others |= mine & (servers != r)
    said_reach = {
        v.split(":")[0]: v.split("; ")[1].split(" (")[0]
        for v in outcome.result.violations
        if "day trip" in v
    }
    for t, n in counts.items():
        near = int((beyond & others & (project.accounts["territory_id"] == t).to_numpy()).sum())
        wanted = (
            f"no rep can reach {'them' if n > 1 else 'it'} in a day"
            if near == 0
            else f"another rep could reach {'all of them' if n > 1 else 'it'} in a day"
            if near == n
            else f"another rep could reach {near} of them in a day"
        )
        assert said_reach[names[t]] == wanted
    assert len(counts) >= 2
    assert others[beyond].any()


def test_accounts_no_rep_reaches_in_a_day_are_said_so(fresh_demo: Project) -> None:
    project = fresh_demo
    project.reps["lon"], project.reps["lat"] = -87.63, 41.88  # every rep lives in Chicago
    outcome = design_project(project, kind="state", balance="accounts", tolerance=0.2)
    said = [v for v in outcome.result.violations if "beyond a day trip" in v]
    assert said
    assert all("; no rep can reach" in v for v in said)
    # as many as are beyond a day trip from Chicago, whoever serves them
    far = beyond_day_trip(project, np.zeros(len(project.accounts), dtype=int))
    told = sum(int(v.split(": ")[1].split(" ")[0].replace(",", "")) for v in said)
    assert told == int(far.sum()) > 0


def test_a_rep_without_a_home_reaches_no_account(fresh_demo: Project) -> None:
    from territory_planner.analysis.account_workload import day_trip_reach

    project = fresh_demo
    project.reps.loc[project.reps.index[0], ["lat", "lon"]] = (np.nan, np.nan)
    reach = day_trip_reach(project)
    assert not reach[:, 0].any()  # where they would start from is not known
    for r in range(1, len(project.reps)):  # the others as `beyond_day_trip` has them
        assert (reach[:, r] == ~beyond_day_trip(project, np.full(len(reach), r))).all()
    assert reach[:, 1:].any()


def test_a_design_on_workload_out_of_band_is_brought_in_by_moves(
    fresh_demo: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from territory_planner.analysis.account_workload import served_workload
    from territory_planner.geo.unit_graph import unit_graph
    from territory_planner.plan import locked_design
    from territory_planner.plan.unit_plan import rep_home_units
    from territory_planner.scenario_edits import AddScenario, UseScenario

    project, band = fresh_demo, 0.05
    real = locked_design.design_territories
    designed: list[np.ndarray] = []

    def loose(*args: object, **kwargs: object) -> object:  # every design stops far from ±5%
        kwargs["tolerance"] = 0.3
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        designed.append(result.labels.copy())
        return result

    monkeypatch.setattr(locked_design, "design_territories", loose)
    outcome = design_project(project, kind="county", balance="workload", tolerance=band)
    # the first design's plan, weighed account by account from its territories' reps' homes
    reps = {r: i for i, r in enumerate(project.reps["rep_id"])}
    rep_of = outcome.scenario.territories["rep_id"].map(reps).to_numpy()
    unit = outcome.units.account_unit
    first = served_workload(project, np.where(unit >= 0, rep_of[designed[0][unit]], -1))
    hours = np.bincount(designed[0][unit[unit >= 0]], weights=first[unit >= 0])
    before = np.abs(hours / hours.mean() - 1).max()
    assert before > 2 * band
    # the plan returned, as the KPI panel shows it once in use
    AddScenario(project, outcome.scenario).apply(project)
    UseScenario(project, outcome.scenario.name).apply(project)
    kpis = territory_kpis(project)["workload_hours"].to_numpy(dtype=float)
    after = np.abs(kpis / kpis.mean() - 1).max()
    assert after < before / 2
    assert after == pytest.approx(outcome.result.max_deviation, abs=1e-3)
    graph = unit_graph(outcome.units.units)  # every territory one piece, each home in its own
    for t in range(len(kpis)):
        members = np.flatnonzero(outcome.labels == t).tolist()
        assert members
        assert nx.is_connected(graph.subgraph(members))
    homes = rep_home_units(project, outcome.units)
    for t, r in enumerate(rep_of):
        assert outcome.labels[homes[r]] == t


def test_a_plan_judged_on_other_weights_drops_what_the_design_said_of_its_own() -> None:
    from territory_planner.plan.design_report import DesignResult, judged_plan

    said = [
        "Los Angeles alone is 1.1x the mean territory",  # of the weights the design balanced
        "the other territories are balanced around 0.98x the mean territory",
        "outside ±1.0% of the mean: North +3.0%",
        "North is in 2 pieces",  # of the plan: stays
    ]
    result = DesignResult(np.array([0, 0, 1]), np.zeros(2), 0.03, [False, True], [0.2, 0.3], said)
    judged = judged_plan(
        result, np.array([1.0, 1.0, 2.0]), 0.01, ["North", "South"], other_weights=True
    )
    assert judged.max_deviation == 0.0
    assert judged.violations == ["North is in 2 pieces"]
    uneven = judged_plan(
        result, np.array([1.0, 2.0, 2.0]), 0.01, ["North", "South"], other_weights=True
    )
    assert uneven.totals.tolist() == [3.0, 2.0]
    assert uneven.violations == [
        "North is in 2 pieces",
        "outside ±1.0% of the mean: North +20.0%, South -20.0%",
    ]


def test_a_design_on_workload_with_a_territory_left_without_units_says_so() -> None:
    from territory_planner.demo import make_demo

    # two of three territories locked: their states stay, six are free for nine territories
    project = make_demo(accounts=600, reps=3, seed=7)
    project.territories["locked"] = [True, True, False]
    outcome = design_project(project, kind="state", balance="workload", tolerance=0.05, k=9)
    empty = [
        v for v in outcome.result.violations if v.endswith("too few units are free (not locked)")
    ]
    labelled = set(outcome.labels[outcome.labels >= 0].tolist())
    assert len(empty) == 9 - len(labelled) > 0


def test_a_territory_without_a_rep_shows_the_hours_the_kpi_panel_shows(
    fresh_demo: Project,
) -> None:
    from territory_planner.scenario_edits import AddScenario, UseScenario

    project = fresh_demo  # one territory more than reps: its accounts have no home to start from
    k = len(project.reps) + 1
    outcome = design_project(project, kind="county", balance="workload", tolerance=0.05, k=k)
    assert outcome.scenario.territories["rep_id"].isna().sum() == 1
    AddScenario(project, outcome.scenario).apply(project)
    UseScenario(project, outcome.scenario.name).apply(project)
    hours = territory_kpis(project)["workload_hours"].to_numpy(dtype=float)
    assert len(hours) == k
    assert outcome.result.max_deviation == pytest.approx(np.abs(hours / hours.mean() - 1).max())
    shares = outcome.result.totals / outcome.result.totals.mean()
    assert shares == pytest.approx(hours / hours.mean(), abs=1e-6)


@pytest.mark.parametrize("why", ["no home", "home rule dropped"])
def test_a_rep_given_a_territory_after_the_design_counts_as_the_kpi_panel_counts(
    fresh_demo: Project, why: str
) -> None:
    from territory_planner.scenario_edits import AddScenario, UseScenario

    project = fresh_demo
    rep = project.reps.index[1]
    if why == "no home":
        project.reps.loc[rep, ["lat", "lon"]] = (np.nan, np.nan)
    free = [str(project.reps.loc[rep, "rep_id"])] if why == "home rule dropped" else []
    outcome = design_project(
        project, kind="county", balance="workload", tolerance=0.05, free_homes=free
    )
    assert project.reps.loc[rep, "rep_id"] in set(outcome.scenario.territories["rep_id"])
    AddScenario(project, outcome.scenario).apply(project)
    UseScenario(project, outcome.scenario.name).apply(project)
    hours = territory_kpis(project)["workload_hours"].to_numpy(dtype=float)
    assert outcome.result.max_deviation == pytest.approx(np.abs(hours / hours.mean() - 1).max())


def test_the_kpi_panel_names_the_hours_the_calendar_cannot_plan(fresh_demo: Project) -> None:
    project = fresh_demo
    first = project.territories.iloc[0]
    rep = project.reps.set_index("rep_id").loc[str(first["rep_id"])]
    mine = np.flatnonzero(project.accounts["territory_id"] == first["territory_id"])
    far = project.accounts.index[mine[:5]]  # five accounts moved 25 degrees east of the home
    project.accounts.loc[far, ["lon", "lat"]] = (float(rep["lon"]) + 25.0, float(rep["lat"]))
    kpis = territory_kpis(project).set_index("territory_id")
    # the calendar over a whole cycle (13 weeks: every frequency due) leaves out the same ones
    calendar = build_schedule(project, str(first["rep_id"]), 13)
    left = {x.account_id for x in calendar.left_out if x.reason.startswith("beyond a day trip")}
    assert left >= set(project.accounts.loc[far, "account_id"])
    row = kpis.loc[first["territory_id"]]
    assert row["beyond_day_trip"] == len(left)
    hours = project.accounts["account_id"].isin(left).to_numpy()
    work = account_workload(project)
    assert row["beyond_hours"] == pytest.approx(
        float((work["visit_hours"] + work["drive_hours"])[hours].sum())
    )
    assert 0 < row["beyond_hours"] < row["workload_hours"]
    texts = [a.text for a in balance_alerts(kpis.reset_index(), 0.05) if "day trip" in a.text]
    share = row["beyond_hours"] / row["workload_hours"]
    assert texts[0] == (
        f"{len(left)} accounts beyond a day trip from the rep's home: "
        f"{row['beyond_hours']:,.0f} h of its {row['workload_hours']:,.0f} h workload "
        f"({share:.0%}) the calendar cannot plan"
    )
    # the other territories hold none here, and get no such alert
    assert (kpis.drop(index=first["territory_id"])["beyond_day_trip"] == 0).all()
    assert len(texts) == 1


def test_a_rep_without_a_home_has_no_accounts_too_far(fresh_demo: Project) -> None:
    project = fresh_demo
    first = project.territories.iloc[0]
    mine = (project.accounts["territory_id"] == first["territory_id"]).to_numpy()
    project.accounts.loc[mine, "visit_minutes"] = 600.0  # each visit alone fills the day
    assert territory_kpis(project).iloc[0]["beyond_day_trip"] == mine.sum()
    project.reps.loc[project.reps["rep_id"] == first["rep_id"], ["lon", "lat"]] = np.nan
    # where the rep would start from is not known: nothing is said to be beyond their reach
    assert territory_kpis(project).iloc[0]["beyond_day_trip"] == 0


def test_a_design_on_workload_says_when_most_hours_cannot_be_planned() -> None:
    import re

    from territory_planner.plan.scenarios import scenario_project
    from territory_planner.sample_data import field_project

    project = field_project(seed=5, accounts=400, reps=5)  # reps in big metros, accounts all over
    outcome = design_project(project, kind="state", balance="workload", tolerance=0.1)
    said = [v for v in outcome.result.violations if "of the team's workload hours" in v]
    assert len(said) == 1
    count, share, far, total = re.match(
        r"([\d,]+) accounts beyond .* carry (\d+)% of the team's workload hours "
        r"\(([\d,]+) of ([\d,]+) h\)",
        said[0],
    ).groups()  # type: ignore[union-attr]
    # the same hours as the KPI panel shows for the plan, recomputed from it
    kpis = territory_kpis(scenario_project(project, outcome.scenario))
    assert int(count.replace(",", "")) == kpis["beyond_day_trip"].sum()
    assert int(far.replace(",", "")) == pytest.approx(kpis["beyond_hours"].sum(), abs=1)
    assert int(total.replace(",", "")) == pytest.approx(kpis["workload_hours"].sum(), abs=1)
    assert int(share) == round(100 * kpis["beyond_hours"].sum() / kpis["workload_hours"].sum())
    assert int(share) >= 25
    # and offers to balance what the calendar can serve instead (a "Try" button, CLI flags)
    from territory_planner.cli.plan_commands import _flags

    offered = [f for f in outcome.fixes if f.balance is not None]
    assert [(f.label, f.balance) for f in offered] == [("balancing potential", "potential")]
    assert _flags(offered[0]) == "--balance potential"
    # a design on accounts balances no hours: nothing to say about them, nothing to offer
    other = design_project(project, kind="state", balance="accounts", tolerance=0.1)
    assert not [v for v in other.result.violations if "of the team's workload hours" in v]
    assert not [f for f in other.fixes if f.balance is not None]
