"""Re-importing a newer CRM export: matched by ID, the user's own changes kept."""

from __future__ import annotations

import shapely

from territory_planner.app.operations import accounts_after_import
from territory_planner.io.account_import import merge_accounts, read_accounts
from territory_planner.model import Project


def write(path, rows: list[str]) -> None:
    path.write_text(
        "\n".join(["Account ID,Account Name,ZIP,Annual Revenue", *rows]) + "\n", encoding="utf-8"
    )


def test_reimport_updates_adds_and_keeps_user_changes(tmp_path, fresh_demo: Project) -> None:
    acc = fresh_demo.accounts
    first, second, third = acc["account_id"].iloc[:3]
    # The user placed `first` by hand and locked `second` into another territory.
    acc.loc[0, ["lat", "lon", "geocode"]] = [40.0, -100.0, "manual"]
    other = next(
        t for t in fresh_demo.territories["territory_id"] if t != acc.loc[1, "territory_id"]
    )
    acc.loc[1, ["territory_id", "locked"]] = [other, True]
    potential_before = acc.loc[2, "potential"]
    path = tmp_path / "newer.csv"
    write(
        path,
        [
            f"{first},Renamed Co,60601,999",
            f"{second},{acc.loc[1, 'name']},10001,5",
            f"{third},{acc.loc[2, 'name']},{acc.loc[2, 'zip']},{acc.loc[2, 'annual_revenue']}",
            "NEW1,Brand New,60614,100",
        ],
    )
    result = read_accounts(path)
    merged, summary = accounts_after_import(fresh_demo, result)
    assert summary["added"] == 1
    assert summary["not_in_file"] == len(acc) - 3
    assert summary["changed"] >= 2  # first (name, revenue) and second (ZIP, revenue)
    m = merged.set_index("account_id")
    assert len(m) == len(acc) + 1
    assert m.loc[first, "name"] == "Renamed Co"
    assert (m.loc[first, "lat"], m.loc[first, "lon"], m.loc[first, "geocode"]) == (
        40.0,
        -100.0,
        "manual",
    )
    assert m.loc[second, "territory_id"] == other
    assert bool(m.loc[second, "locked"])
    assert m.loc[second, "zip"] == "10001"
    assert m.loc[third, "potential"] == potential_before  # not in the file: kept
    point = shapely.Point(m.loc["NEW1", "lon"], m.loc["NEW1", "lat"])
    containing = [
        t
        for t, g in zip(
            fresh_demo.territories["territory_id"], fresh_demo.territories.geometry, strict=True
        )
        if g.contains(point)
    ]
    assert containing  # ZIP 60614 is inland Chicago
    assert m.loc["NEW1", "territory_id"] == containing[0]  # new accounts are assigned


def test_remove_missing_drops_accounts_not_in_the_file(tmp_path, fresh_demo: Project) -> None:
    keep = fresh_demo.accounts["account_id"].iloc[0]
    path = tmp_path / "only-one.csv"
    write(path, [f"{keep},Only One,60601,1"])
    result = read_accounts(path)
    from territory_planner.io.account_import import imported_columns

    merged, summary = merge_accounts(
        fresh_demo.accounts, result.accounts, imported_columns(result.report), remove_missing=True
    )
    assert merged["account_id"].tolist() == [keep]
    assert summary["removed"] == len(fresh_demo.accounts) - 1
