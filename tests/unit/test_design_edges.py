"""Design on awkward input: counts, bands and options refused, and what the result says.

Found by trying hostile input (a review helper): zero or negative territories
crashed, any tolerance was taken (-10%, NaN), --zip-in was silently ignored with
state units, a band of 0.1% read "±0%", a fix was offered three times, and
"Without homes" was offered where it could not help.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from territory_planner.demo import make_demo
from territory_planner.formats import band, small_percent
from territory_planner.io.project_file import save_project
from territory_planner.plan.allocation import balance_bound
from territory_planner.plan.balance_reasons import DesignFix, _crowded_homes, _homes_hold_back
from territory_planner.plan.design_inputs import explain_inputs
from territory_planner.plan.project_design import _fixes, design_project
from territory_planner.plan.unit_plan import project_units
from tests.conftest import SMALL_DEMO, run_cli


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("edges") / "p.gpkg"
    save_project(make_demo(**SMALL_DEMO), path)
    return str(path)


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--territories", "0"], "'0' territories: give a whole number, 1 or more"),
        (["--territories", "-2"], "'-2' territories"),
        (["--territories", "2.5"], "'2.5' territories"),
        (["--tolerance", "-0.1"], "'-0.1' is not a tolerance"),
        (["--tolerance", "nan"], "'nan' is not a tolerance"),
        (["--tolerance", "inf"], "'inf' is not a tolerance"),
        (["--units", "state", "--zip-in", "17031"], "use it with --units county"),
    ],
)
def test_design_refuses_counts_bands_and_options_that_mean_nothing(
    saved: str, option: list[str], said: str
) -> None:
    done = run_cli("design", saved, *option, "--dry-run", "--json")
    assert done.returncode == 2, done.stderr
    assert said in done.stderr
    assert "Traceback" not in done.stderr


def test_rebalance_refuses_a_negative_band(saved: str) -> None:
    done = run_cli("rebalance", saved, "--tolerance", "-0.05", "--dry-run")
    assert done.returncode == 2
    assert "is not a tolerance" in done.stderr


def test_a_narrow_band_reads_as_given(saved: str) -> None:
    assert [band(t) for t in (0.05, 0.001, 0.025, 0.0, 2.0)] == [
        "±5%", "±0.1%", "±2.5%", "±0%", "±200%",
    ]  # fmt: skip
    assert [small_percent(v) for v in (0.125, 0.0004, 0.0)] == ["12.5%", "0.04%", "0.0%"]
    done = run_cli("design", saved, "--balance", "accounts", "--tolerance", "0.001", "--dry-run",
                   "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["note"].endswith("within ±0.1%")


def test_nothing_left_for_the_others_is_said_so() -> None:
    # one unit holds everything: the other two territories balance around nothing
    w = np.array([10.0, 0.0, 0.0, 0.0])
    said: list[str] = []
    explain_inputs(
        w, 3, np.full(4, -1), targets=np.array([10.0, 0.0, 0.0]),
        overfull=np.array([True, False, False]), tolerance=0.05, names=list("ABCD"),
        violations=said, territories=["T1", "T2", "T3"],
    )  # fmt: skip
    assert "A alone is 3.0x the mean territory" in said
    assert "nothing is left for the other territories: the heavy units hold all of it" in said
    assert not any("0.00x" in s for s in said)


def test_without_homes_is_offered_only_where_it_balances_closer() -> None:
    # a home in the one heavy unit: freeing every home cannot split that unit
    w = np.array([9.0, 1.0, 1.0, 1.0])
    pinned = np.array([0, -1, -1, 1])
    bound = balance_bound(w, 3, pinned)
    assert not _homes_hold_back(w, 3, pinned, {0: ("A", "R1"), 3: ("B", "R2")}, bound)
    # two homes in the halves of one territory's worth: pinned apart, ±50% at best
    w = np.array([3.0, 3.0, 6.0])
    pinned = np.array([0, 1, -1])
    bound = balance_bound(w, 2, pinned)
    assert bound.lower == pytest.approx(0.5)
    assert _homes_hold_back(w, 2, pinned, {0: ("A", "R1"), 1: ("B", "R2")}, bound)


def test_homes_crowded_into_one_city_are_named() -> None:
    units = project_units(make_demo(**SMALL_DEMO), "county")
    fips = units.units["county_fips"].astype(str).tolist()

    def holders(codes: list[str]) -> dict[int, tuple[str, str]]:
        return {fips.index(c): (f"Rep {i}", f"R{i}") for i, c in enumerate(codes)}

    # Cook, DuPage, Will and Lake (Illinois): Cook, DuPage and Will within 50 km of another
    # (their middles; Lake's lies out by the lake shore, further)
    (said,) = _crowded_homes(units, holders(["17031", "17043", "17197", "17097"]))
    assert said.startswith("most reps live within 50 km of one another (3 of 4 homes)")
    # Cook, Fulton (Atlanta), Mecklenburg (Charlotte), New York: none near another
    assert _crowded_homes(units, holders(["17031", "13121", "37119", "36061"])) == []
    # two of four near each other: not most
    assert _crowded_homes(units, holders(["17031", "17043", "13121", "36061"])) == []


def test_each_fix_is_offered_once() -> None:
    # four reps in one county: each home's note offered that county's ZIP areas
    cook = DesignFix("ZIP areas in Cook County", zip_in=("17031",))
    wider = DesignFix("±11%", tolerance=0.11)
    fixes = _fixes(make_demo(**SMALL_DEMO), [cook, cook, cook], [cook, wider], unplannable=False)
    assert fixes == (cook, wider)


def test_a_lump_that_is_a_zip_area_already_gets_no_finer_units_offered() -> None:
    # one account, in the Loop, with Cook County made of its ZIP areas: the lump is one ZIP
    # area, said once; finer units cannot split it, so only a wider band is offered
    project = make_demo(**SMALL_DEMO)
    project.accounts = project.accounts.iloc[:1].copy()
    project.accounts[["lon", "lat"]] = [-87.627, 41.881]
    outcome = design_project(project, balance="accounts", k=2, zip_in=("17031",))
    said = outcome.result.violations
    assert sum(" alone is " in s for s in said) == 1
    assert [f.tolerance for f in outcome.fixes] == [1.0]
    assert not any(f.kind or f.zip_in for f in outcome.fixes)


def test_a_blank_name_gives_the_default_name_as_in_the_app(saved: str) -> None:
    # the design dialog strips the name and uses the default for a blank one
    done = run_cli("design", saved, "--balance", "accounts", "--name", "   ", "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenario"].endswith("territories by accounts")
