"""Territory design on lumpy, CRM-like data: ours against the balance bound and the old engine.

Projects from `territory_planner.sample_data.field_project` (accounts crowded into
metros of very unequal size, reps living downtown, Chicago's home in Lake Michigan;
several seeds, sizes and regions), designed from counties with the reps' homes as
seeds at ±1%. Per case, in one run:

- bound: the balance bound (`balance_bound`, an exact MILP solved by HiGHS that
  ignores contiguity and shape, homes pinned): no plan of these units can have a
  smaller largest deviation; when it is <= 1%, ±1% is the target;
- 1-piece: the bound for plans with every territory in one piece (`block_bound`: the
  territory holding a heavy county holds what lies behind it and a chain from a home),
  where it proves more than the balance bound; a case it rules ±1% out in is named
  under the table (it stays in the goal's count, which follows the issue's bound);
- ours: `design_project` as the app and CLI run it;
- old: the same with the recombination step switched off (border moves and
  ejection chains only: the engine before issue 14);

each judged the same way here: largest |total/mean - 1| of the unit plan, whether every
territory is one piece of the unit graph, mean Polsby-Popper, seconds. Beside ours, a
reference for shape: `PP near`, the mean Polsby-Popper of the nearest-home plan (each
county to the rep whose home is nearest, balance ignored): what the homes alone give. Where ours misses
the band and offers ZIP areas in the heaviest counties (the result box's "Try" button,
`design --zip-in`), a line below shows that design too.

Two sets of fresh cases, drawn at random and never looked at while tuning, are tallied
apart: `FRESH` (national, seeds 100-111) and `VARIED` (seeds 200-211: regions,
scattered share, lumpiness and a missing potential column drawn too; `_varied` lists
them).

Goal (issue 14): where the bound is <= 1%, ours within ±1% (±2% at worst), every
territory one piece, mean PP >= 0.2, <= 10 s. Seconds are judged in CPU time ("cpu s"):
the machine is shared by test runs, which stretch the wall-clock "s" beside it.

Run: ``.venv/bin/python bench/design_clustered.py [--quick]``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import shapely

from territory_planner.analysis.metrics import polsby_popper
from territory_planner.demo import make_demo
from territory_planner.geo.unit_graph import unit_graph
from territory_planner.plan import design, design_finish
from territory_planner.plan.allocation import balance_bound
from territory_planner.plan.corridors import block_bound, both_ways
from territory_planner.plan.project_design import PlanOutcome, design_project
from territory_planner.plan.shape_notes import nearest_home_labels
from territory_planner.plan.unit_plan import rep_home_units
from territory_planner.sample_data import field_project

TOLERANCE = 0.01
CASES: list[tuple[dict[str, Any], str]] = [  # reps in the biggest metros: a CRM team
    (
        {"seed": 0, "accounts": 1300, "reps": 8, "potential": False, "frequencies": False},
        "accounts",
    ),
    ({"seed": 0, "accounts": 1300, "reps": 8, "potential": False, "frequencies": False}, "revenue"),
    ({"seed": 1, "accounts": 3000, "reps": 8}, "accounts"),
    ({"seed": 1, "accounts": 3000, "reps": 8}, "potential"),
    ({"seed": 3, "accounts": 2000, "reps": 10}, "potential"),
    ({"seed": 5, "accounts": 1300, "reps": 8}, "potential"),
    ({"seed": 6, "accounts": 2500, "reps": 9}, "accounts"),
    ({"seed": 8, "accounts": 4000, "reps": 12}, "accounts"),
    ({"seed": 9, "accounts": 1800, "reps": 7}, "potential"),
    ({"seed": 10, "accounts": 3500, "reps": 11}, "revenue"),
    ({"seed": 12, "accounts": 2800, "reps": 10}, "accounts"),
    ({"seed": 2, "accounts": 800, "reps": 6, "region": "south"}, "accounts"),
    ({"seed": 7, "accounts": 800, "reps": 6, "region": "south"}, "potential"),
    ({"seed": 4, "accounts": 1500, "reps": 7, "region": "midwest"}, "accounts"),
    # added after the engine was tuned on the cases above (fresh data, never tuned on)
    ({"seed": 13, "accounts": 2200, "reps": 8}, "potential"),
    ({"seed": 14, "accounts": 3000, "reps": 9}, "accounts"),
    ({"seed": 15, "accounts": 1600, "reps": 7}, "revenue"),
    ({"seed": 16, "accounts": 3800, "reps": 11}, "potential"),
    ({"seed": 17, "accounts": 1200, "reps": 6}, "accounts"),
    ({"seed": 18, "accounts": 2600, "reps": 10}, "revenue"),
]
#: Harder: half the reps live in small metros, so big metros must be shared from afar.
MIXED: list[tuple[dict[str, Any], str]] = [
    ({"seed": 1, "accounts": 3000, "reps": 8, "homes": "mixed"}, "accounts"),
    ({"seed": 3, "accounts": 2000, "reps": 10, "homes": "mixed"}, "potential"),
    ({"seed": 6, "accounts": 2500, "reps": 9, "homes": "mixed"}, "accounts"),
    ({"seed": 10, "accounts": 3500, "reps": 11, "homes": "mixed"}, "potential"),
]
#: Drawn at random (never looked at while tuning): judged the same way, tallied apart.
FRESH: list[tuple[dict[str, Any], str]] = [
    (
        {"seed": 100 + i, "accounts": int(a) * 100, "reps": int(r)},
        ("accounts", "potential", "revenue")[int(b)],
    )
    for i, (a, r, b) in enumerate(
        zip(
            *(
                np.random.default_rng(2026).integers(lo, hi, 12)
                for lo, hi in ((8, 41), (6, 13), (0, 3))
            ),
            strict=True,
        )
    )
]


def _varied(count: int) -> list[tuple[dict[str, Any], str]]:
    """Fresh cases that vary more than `FRESH`: region, scattered share, lumpiness and
    whether there is a potential column at all (seeds 200 on, drawn at random)."""
    rng = np.random.default_rng(7)
    cases: list[tuple[dict[str, Any], str]] = []
    for i in range(count):
        region = str(rng.choice(["national", "national", "south", "midwest"]))
        reps = int(rng.integers(5, 14)) if region == "national" else int(rng.integers(4, 8))
        spec: dict[str, Any] = {
            "seed": 200 + i,
            "accounts": int(rng.integers(6, 41)) * 100,
            "reps": reps,
            "region": region,
            "scattered": round(float(rng.uniform(0.01, 0.2)), 2),
            "lump": round(float(rng.uniform(1.0, 1.6)), 2),
        }
        spec["potential"] = bool(rng.random() < 0.7)
        balances = ["accounts", "revenue"] + (["potential"] if spec["potential"] else [])
        cases.append((spec, str(rng.choice(balances))))
    return cases


#: Drawn at random later (regions, scatter, lumps, no potential column): tallied apart.
VARIED = _varied(12)
#: The demo with other sizes and seeds (issue 14's cases), balanced on potential.
DEMOS = [({"accounts": 3000, "reps": 8, "seed": s}, "potential") for s in (1, 3, 11)]
QUICK = 6


def run(
    project: Any, balance: str, *, recombine: bool, zip_in: tuple[str, ...] = ()
) -> tuple[PlanOutcome, float, float]:
    """Design as the app does: the outcome, wall and CPU seconds; without `recombine`, the
    engine before issue 14 (border moves)."""
    saved = (
        design_finish._recombine,
        design._LUMPY_STARTS,
        design_finish._POLISH_PER_UNIT,
        design.plan_corridors,
    )
    if not recombine:
        design_finish._recombine = lambda *_a, **_k: None
        design.plan_corridors = lambda *_a, **_k: None  # no second search with corridors
        design._LUMPY_STARTS = 10**9  # every first plan, as before
        design_finish._POLISH_PER_UNIT = 0  # and no polish
    try:
        start, cpu = time.perf_counter(), time.process_time()
        outcome = design_project(
            project, kind="county", balance=balance, tolerance=TOLERANCE, zip_in=zip_in
        )
        return outcome, time.perf_counter() - start, time.process_time() - cpu
    finally:
        (
            design_finish._recombine,
            design._LUMPY_STARTS,
            design_finish._POLISH_PER_UNIT,
            design.plan_corridors,
        ) = saved


def nearest_home_pp(outcome: PlanOutcome, homes: np.ndarray) -> float:
    """Mean Polsby-Popper of the nearest-home plan: each unit to the territory of the home
    nearest its representative point (balance ignored; the shape the homes alone give)."""
    by_territory = np.full(len(outcome.result.totals), -1, dtype=np.int64)
    by_territory[outcome.labels[homes]] = homes
    labels = nearest_home_labels(outcome.units, by_territory)
    geoms = outcome.units.units.geometry.to_numpy()
    return float(
        np.mean([polsby_popper(shapely.union_all(geoms[labels == t])) for t in np.unique(labels)])
    )


def judge(outcome: PlanOutcome) -> tuple[float, int, float]:
    """Largest deviation of the unit plan, territories in one piece, mean Polsby-Popper."""
    totals = np.bincount(
        outcome.labels, weights=outcome.weights, minlength=len(outcome.result.totals)
    )
    deviation = float(np.abs(totals / totals.mean() - 1).max())
    return deviation, sum(outcome.result.contiguous), float(np.mean(outcome.result.compactness))


def table(title: str, cases: list[tuple[dict[str, Any], str]], make: Any) -> list[bool]:
    """Design every case, print a row each; per case whether the goal is met (bound <= 1%)."""
    print(f"\n{title}")
    print(
        f"{'case':46} {'balance':9} {'bound':>7} {'1-piece':>7} {'ours':>7} {'old':>8} "
        f"{'ours/target':>11} {'one piece':>9} {'PP':>5} {'PP near':>7} {'s':>5} {'cpu s':>5} {'old s':>6}"
    )
    met = []
    for arguments, balance in cases:
        project = make(**arguments)
        ours, seconds, cpu = run(project, balance, recombine=True)
        old, old_seconds, _ = run(project, balance, recombine=False)
        pinned = np.full(len(ours.weights), -1)
        homes = rep_home_units(project, ours.units)
        homes = homes[homes >= 0]
        pinned[homes] = ours.labels[homes]  # each home in its rep's territory
        bound = balance_bound(ours.weights, len(ours.result.totals), pinned, target=TOLERANCE)
        piece = one_piece_bound(ours, homes)
        dev, whole, pp = judge(ours)
        near = nearest_home_pp(ours, homes) if len(homes) == len(ours.result.totals) else np.nan
        old_dev, _, _ = judge(old)
        target = max(bound.lower, piece, TOLERANCE)
        name = ", ".join(f"{k}={v}" for k, v in arguments.items() if k in SHOWN)
        k = len(ours.result.totals)
        reach = f"<={TOLERANCE:.0%}" if bound.lower <= TOLERANCE else f"{bound.lower:.2%}"
        proved = f"<={TOLERANCE:.0%}" if piece <= TOLERANCE else f"{piece:.2%}"
        print(
            f"{name:46} {balance:9} {reach:>7} {proved:>7} {dev:7.2%} {old_dev:8.2%} "
            f"{dev / target:11.2f} {f'{whole}/{k}':>9} {pp:5.3f} {near:7.3f} {seconds:5.1f} {cpu:5.1f} "
            f"{old_seconds:6.1f}"
        )
        fix = next((f for f in ours.fixes if f.zip_in), None)
        if dev > TOLERANCE + 1e-9 and fix is not None and fix.zip_in is not None:
            fixed, fixed_seconds, fixed_cpu = run(
                project, balance, recombine=True, zip_in=fix.zip_in
            )
            fixed_dev, fixed_whole, fixed_pp = judge(fixed)
            print(
                f"{'  then ' + fix.label:56} {fixed_dev:7.2%} {'':8} {'':11} "
                f"{f'{fixed_whole}/{k}':>9} {fixed_pp:5.3f} {'':7} {fixed_seconds:5.1f} {fixed_cpu:5.1f}"
            )
        if bound.lower <= TOLERANCE:
            if piece > TOLERANCE:
                RULED_OUT.append(name)
            if pp < 0.2 <= near:
                SHAPE_MISSED.append(name)
            met.append(dev <= 2 * TOLERANCE and whole == k and pp >= 0.2 and cpu <= 10)
            TALLY.append((dev <= TOLERANCE + 1e-9, dev <= 2 * TOLERANCE, pp >= 0.2, cpu <= 10))
    return met


TALLY: list[tuple[bool, bool, bool, bool]] = []  # where the bound is <= 1%: per goal, met
SHAPE_MISSED: list[str] = []  # of those, PP < 0.2 where the nearest-home plan has more
RULED_OUT: list[str] = []  # of those, the cases no plan in one piece can bring within 1%


def one_piece_bound(outcome: PlanOutcome, homes: np.ndarray) -> float:
    """`block_bound` on the plan's units: no plan with territories in one piece does better
    (0 when it proves nothing, or some territory has no home)."""
    edges = both_ways(unit_graph(outcome.units.units))
    found = block_bound(outcome.weights, edges, [int(h) for h in homes], len(outcome.result.totals))
    return max(found.deviation, 0.0) if found is not None else 0.0


SHOWN = {"seed", "accounts", "reps", "region"}


def fresh_table(title: str, cases: list[tuple[dict[str, Any], str]]) -> None:
    """`table` on cases drawn at random, tallied on their own."""
    del TALLY[:], RULED_OUT[:], SHAPE_MISSED[:]
    fresh = table(title, cases, field_project)
    parts = zip(*TALLY, strict=True)
    print(
        f"\nfresh cases where the bound is <= 1% ({len(TALLY)} of {len(cases)}): "
        + ", ".join(
            f"{label} {sum(hits)}"
            for label, hits in zip(("±1%", "±2%", "PP >= 0.2", "<= 10 s"), parts, strict=True)
        )
        + f"; goal met {sum(fresh)} of {len(fresh)}; ±1% ruled out for plans in one "
        f"piece: {', '.join(RULED_OUT) or 'none'}; PP under 0.2 where the nearest-home plan "
        f"is 0.2 or more: {', '.join(SHAPE_MISSED) or 'none'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"the first {QUICK} cases")
    quick = parser.parse_args().quick
    met = table(
        "CRM-like field data (reps in the biggest metros)",
        CASES[:QUICK] if quick else CASES,
        field_project,
    )
    field = len(TALLY)
    parts = zip(*TALLY, strict=True)
    print(
        "field cases where the bound is <= 1%: "
        + ", ".join(
            f"{label} {sum(hits)} of {field}"
            for label, hits in zip(("±1%", "±2%", "PP >= 0.2", "<= 10 s"), parts, strict=True)
        )
    )
    met += table("the demo with other sizes and seeds", DEMOS, make_demo)
    print(
        f"\ngoal (where the bound is <= 1%: ours <= 2%, one piece each, PP >= 0.2, <= 10 s): "
        f"{sum(met)} of {len(met)} cases met; ±1% ruled out for plans in one piece: "
        f"{', '.join(RULED_OUT) or 'none'}; PP under 0.2 where the nearest-home plan is 0.2 "
        f"or more: {', '.join(SHAPE_MISSED) or 'none'}"
    )
    if not quick:
        fresh_table("fresh field cases, drawn at random", FRESH)
        fresh_table("fresh varied cases (regions, scatter, lumps, no potential)", VARIED)
        hard = table("info: half the reps in small metros (big metros shared from afar)",
                     MIXED, field_project)  # fmt: skip
        print(f"\ninfo (mixed homes): {sum(hard)} of {len(hard)} cases met the same goal")


if __name__ == "__main__":
    main()
