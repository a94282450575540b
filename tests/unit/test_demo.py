"""The demo project: realistic, reproducible, consistent."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from territory_planner._errors import InputError
from territory_planner.demo import _zip_table, make_demo
from territory_planner.geo.earth import haversine_km
from territory_planner.model import VISIT_FREQUENCIES, Project
from territory_planner.tasks import CancelToken, TaskCancelledError


def test_counts_and_columns(demo_project: Project) -> None:
    acc = demo_project.accounts
    assert len(acc) == 300
    assert len(demo_project.reps) == 4
    assert len(demo_project.territories) == 4
    assert acc["account_id"].is_unique
    assert acc["name"].notna().all()
    assert set(acc["visit_frequency"]) <= set(VISIT_FREQUENCIES)
    assert (acc["potential"] >= acc["annual_revenue"]).all()
    assert acc["parent_id"].notna().sum() > 0


def test_accounts_sit_at_real_zip_centroids(demo_project: Project) -> None:
    zips = _zip_table().set_index("zip")
    acc = demo_project.accounts
    centroid = zips.loc[acc["zip"]]
    dist = haversine_km(acc["lon"].to_numpy(), acc["lat"].to_numpy(), 0, 0)  # shape check only
    assert dist.shape == (300,)
    off = np.hypot(
        acc["lat"].to_numpy() - centroid["lat"].to_numpy(),
        acc["lon"].to_numpy() - centroid["lon"].to_numpy(),
    )
    assert (off[acc["geocode"].to_numpy() == "zip"] < 1e-6).all()
    assert np.percentile(off, 99) < 0.03  # jitter of "exact" accounts stays within ~3 km
    assert (acc["state"].to_numpy() == centroid["state"].to_numpy()).all()


def test_reproducible_from_seed() -> None:
    a = make_demo(accounts=50, reps=2, seed=3)
    b = make_demo(accounts=50, reps=2, seed=3)
    c = make_demo(accounts=50, reps=2, seed=4)
    assert a.accounts.equals(b.accounts)
    assert not a.accounts[["lat", "lon"]].equals(c.accounts[["lat", "lon"]])


def test_every_account_is_in_the_territory_that_contains_it(demo_project: Project) -> None:
    territories = demo_project.territories.set_index("territory_id")
    for row in demo_project.accounts.itertuples():
        point = shapely.Point(row.lon, row.lat)
        containing = [t for t, g in territories.geometry.items() if g.contains(point)]
        assert containing == ([row.territory_id] if isinstance(row.territory_id, str) else [])
    assert demo_project.summary().unassigned < 0.02 * len(demo_project.accounts)


def test_territories_do_not_overlap_and_follow_counties(demo_project: Project) -> None:
    geoms = list(demo_project.territories.geometry)
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert geoms[i].intersection(geoms[j]).area < 1e-6
    assert all(g.is_valid for g in geoms)
    assert len(set(demo_project.territories["color"])) == len(geoms)  # few: all distinct


def test_each_rep_lives_in_their_territory(demo_project: Project) -> None:
    terr = demo_project.territories.set_index("rep_id")
    for rep in demo_project.reps.itertuples():
        assert terr.loc[rep.rep_id, "geometry"].contains(shapely.Point(rep.lon, rep.lat))


def test_bad_arguments_are_explained() -> None:
    with pytest.raises(InputError, match="--reps must be between 1 and 16"):
        make_demo(reps=40)
    with pytest.raises(InputError, match="--accounts must be at least 1"):
        make_demo(accounts=0)


def test_progress_and_cancel() -> None:
    seen: list[float] = []
    make_demo(accounts=20, reps=1, progress=lambda f, _m="": seen.append(f))
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    token = CancelToken()
    token.cancel()
    with pytest.raises(TaskCancelledError):
        make_demo(accounts=20, reps=1, cancel=token)


def test_demo_has_a_sales_history(demo_project) -> None:
    actuals = demo_project.actuals
    acc = demo_project.accounts.set_index("account_id")
    year = actuals["period"].str[:4]
    last = actuals[year == "2025"].groupby("account_id")["sales"].sum()
    # last year's monthly sales add up to about each account's last-year sales
    expected = acc["last_year_sales"].reindex(last.index)
    assert abs(last.sum() / expected.sum() - 1) < 0.05
    assert set(actuals["period"]) == {f"2025-{m:02d}" for m in range(1, 13)} | {
        f"2026-{m:02d}" for m in range(1, 11)
    }
    buyers_2025 = set(last.index[last > 0])
    buyers_2026 = set(actuals.loc[(year == "2026") & (actuals["sales"] > 0), "account_id"])
    assert 0 < len(buyers_2025 - buyers_2026) < 0.15 * len(buyers_2025)  # some customers lost
    assert (actuals[["calls", "meetings", "emails"]].sum() > 0).all()
