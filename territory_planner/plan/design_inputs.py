"""What a territory design is asked: its inputs checked, named and turned into targets.

`design_territories` (in `territory_planner.plan.design`) takes units, weights,
seeds and locks; these functions check them (one error path: `InputError`
with what to do), name the units and territories for messages, place the
seeds, set each territory's target total and explain the inputs that make
the balance impossible.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np

from territory_planner._errors import InputError


def unit_names(units: gpd.GeoDataFrame) -> list[str]:
    """A readable name per unit: its ``name`` (and ``fips``) column, else its position.

    Parameters
    ----------
    units
        The area units, in their order.

    Returns
    -------
    list[str]
        One name per unit, e.g. "Cook (17031)" or "unit 3".
    """
    n = len(units)
    if "name" not in units.columns:
        return [f"unit {i}" for i in range(n)]
    names = [str(name) for name in units["name"]]
    if "fips" in units.columns:
        return [f"{a} ({b})" for a, b in zip(names, units["fips"], strict=True)]
    return names


def territory_words(given: Sequence[str] | None, k: int, *, first: int = 1) -> list[str]:
    """What to call each territory in messages: its name, else "territory 1", ...

    Parameters
    ----------
    given
        The territories' names, if any (used only when there are `k` of them).
    k
        Number of territories.
    first
        The number of the first territory when they are numbered (0: as the
        caller's labels are).

    Returns
    -------
    list[str]
        One name per territory.
    """
    if given is not None and len(given) == k:
        return [str(t) for t in given]
    return [f"territory {t + first}" for t in range(k)]


def check_inputs(n: int, weights: np.ndarray, k: int) -> None:
    """Raise if the weights or `k` cannot describe a plan of `n` units.

    Parameters
    ----------
    n
        Number of units.
    weights
        What to balance, per unit.
    k
        Number of territories asked for.

    Raises
    ------
    InputError
        If there is not one weight per unit, a weight is blank or negative,
        or `k` is below one or above `n`.
    """
    if len(weights) != n:
        msg = f"{len(weights)} weights for {n} units: give one weight per unit"
        raise InputError(msg)
    if k < 1:
        msg = "ask for at least one territory"
        raise InputError(msg)
    if k > n:
        msg = f"{k} territories need at least {k} units; there are {n}"
        raise InputError(msg)
    if not np.isfinite(weights).all() or (weights < 0).any():
        msg = "the weights must be zero or positive numbers (no blanks)"
        raise InputError(msg)


def unit_locks(locked: Sequence[int] | np.ndarray | None, n: int, k: int) -> np.ndarray:
    """The territory each unit is locked to (-1 for free), checked.

    Parameters
    ----------
    locked
        Territory per unit (-1 for free), or None for no locks.
    n
        Number of units.
    k
        Number of territories.

    Returns
    -------
    np.ndarray
        One integer per unit: -1 for free, else its territory.

    Raises
    ------
    InputError
        If there is not one lock per unit or a lock names no territory.
    """
    if locked is None:
        return np.full(n, -1)
    lock = np.asarray(locked, dtype=int).ravel()
    if len(lock) != n:
        msg = f"{len(lock)} locks for {n} units: give one per unit (-1 for free)"
        raise InputError(msg)
    if ((lock < -1) | (lock >= k)).any():
        msg = f"a locked unit's territory must be -1 (free) or 0 .. {k - 1}"
        raise InputError(msg)
    return lock


def place_seeds(
    seeds: Sequence[int] | np.ndarray | None,
    k: int,
    preset: np.ndarray,
    *,
    names: list[str],
    violations: list[str],
    territories: list[str],
) -> dict[int, int]:
    """Territory -> seed unit, for the seeds that can be honoured (the others explained).

    Parameters
    ----------
    seeds
        Unit positions: territory ``i`` should contain ``seeds[i]``; None for no seeds.
    k
        Number of territories.
    preset
        Territory each unit is locked to (-1 for free); a lock wins over a seed.
    names
        The units' names (see `unit_names`).
    violations
        The design's messages; a seed that cannot be honoured is explained here.
    territories
        What to call each territory (see `territory_words`).

    Returns
    -------
    dict[int, int]
        Territory to its seed unit.

    Raises
    ------
    InputError
        If a seed is not a unit position.
    """
    if seeds is None:
        return {}
    given = [int(v) for v in np.asarray(seeds, dtype=int).ravel()]
    n = len(preset)
    if any(v < 0 or v >= n for v in given):
        msg = f"seeds must be unit positions 0 .. {n - 1}"
        raise InputError(msg)
    if len(given) > k:
        violations.append(
            f"{len(given)} seeds for {k} territories: the seeds after the first {k} were ignored"
        )
        given = given[:k]
    anchors: dict[int, int] = {}
    owner: dict[int, int] = {}
    for t, v in enumerate(given):
        if v in owner:
            violations.append(
                f"{names[v]} is the seed of {territories[owner[v]]} and {territories[t]}: "
                f"it can only be in one, so {territories[t]} has no seed"
            )
        elif preset[v] >= 0 and preset[v] != t:
            violations.append(
                f"{names[v]}, the seed of {territories[t]}, is locked to "
                f"{territories[preset[v]]}: the lock wins"
            )
        else:
            anchors[t] = v
            owner[v] = t
    return anchors


def territory_targets(
    w: np.ndarray,
    k: int,
    preset: np.ndarray,
    anchors: dict[int, int],
    tolerance: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Each territory's target total and whether it is overfull (see `_Plan`).

    A free unit heavier than the band gets a territory of its own (it is
    pinned there like a seed); the territories that can be balanced share
    what the overfull ones leave. Changes `preset` and `anchors`.

    Parameters
    ----------
    w
        Weight of each unit.
    k
        Number of territories.
    preset
        Territory each unit is pinned to (-1 for free): locks and seeds.
    anchors
        Territory to its seed unit.
    tolerance
        Allowed ``|total / target - 1|`` per territory.

    Returns
    -------
    tuple of np.ndarray
        Each territory's target total, and whether it is overfull (its
        pinned units alone are over the band; its target is their total).
    """
    total = float(w.sum())
    overfull = np.zeros(k, dtype=bool)
    while True:
        taken = preset >= 0
        pinned = np.bincount(preset[taken], weights=w[taken], minlength=k)
        rest = k - int(overfull.sum())
        mean = (total - float(pinned[overfull].sum())) / rest if rest else total / k
        newly = (pinned > mean * (1 + tolerance)) & ~overfull
        if newly.any():
            overfull |= newly
            continue
        heavy = [
            int(v)
            for v in np.argsort(-w, kind="stable")[: k + 1]
            if preset[v] < 0 and w[v] > mean * (1 + tolerance)
        ]
        held = np.bincount(preset[taken], minlength=k)  # (locked units may weigh nothing)
        empty = [t for t in range(k) if held[t] == 0 and t not in anchors]
        if not heavy or not empty:
            break
        preset[heavy[0]] = empty[0]
        anchors[empty[0]] = heavy[0]
    return np.where(overfull, pinned, mean), overfull


def explain_inputs(
    w: np.ndarray,
    k: int,
    lock: np.ndarray,
    *,
    targets: np.ndarray,
    overfull: np.ndarray,
    tolerance: float,
    names: list[str],
    violations: list[str],
    territories: list[str],
) -> None:
    """Say which inputs make the balance impossible.

    Parameters
    ----------
    w
        Weight of each unit.
    k
        Number of territories.
    lock
        Territory each unit is locked to (-1 for free).
    targets, overfull
        Each territory's target total and whether it is overfull (see
        `territory_targets`).
    tolerance
        Allowed ``|total / mean - 1|`` per territory.
    names
        The units' names (see `unit_names`).
    violations
        The design's messages, to which the explanations are added.
    territories
        What to call each territory (see `territory_words`).
    """
    mean = float(w.sum()) / k
    if mean <= 0:
        violations.append("the weights add up to zero: there is nothing to balance")
        return
    heavy = np.flatnonzero(w > mean * (1 + tolerance))
    heavy = heavy[np.argsort(-w[heavy], kind="stable")]
    violations.extend(
        f"{names[i]} alone is {w[i] / mean:.1f}x the mean territory" for i in heavy[:5]
    )
    if len(heavy) > 5:  # noqa: PLR2004
        violations.append(f"{len(heavy) - 5} more units are each heavier than a territory")
    taken = lock >= 0
    locked_totals = np.bincount(lock[taken], weights=w[taken], minlength=k)
    violations.extend(
        f"the units locked to {territories[t]} already total "
        f"{locked_totals[t] / mean:.2f}x the mean territory"
        for t in np.flatnonzero(locked_totals > mean * (1 + tolerance))
    )
    if overfull.any() and not overfull.all():
        others = float(targets[~overfull][0]) / mean
        violations.append(
            f"the other territories are balanced around {others:.2f}x the mean territory"
            if round(others, 2) > 0
            else "nothing is left for the other territories: the heavy units hold all of it"
        )
