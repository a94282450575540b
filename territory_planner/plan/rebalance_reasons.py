"""Why a rebalance or a split misses its band, in words a manager can act on.

Which territories are out of band and by how much, which of them are locked or cannot
trade with anyone, which single units are heavier than the band allows, and whether the
units are too coarse; every territory called by its name.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from territory_planner.formats import band, small_percent
from territory_planner.plan.design_plan import _Plan

_LISTED = 6  # territories named in one message


def _describe(
    plan: _Plan,
    k: int,
    *,
    before: list[int],
    names: list[str],
    territories: list[str],
    violations: list[str],
) -> list[bool]:
    """Per territory whether it is one piece; territories left in pieces are explained."""
    pieces = plan.pieces()[:k]
    for t, parts in enumerate(pieces):
        if len(parts) > 1:
            smallest = min(parts, key=lambda p: (len(p), min(p)))
            violations.append(
                f"{territories[t]} was already in {before[t]} pieces and is left in "
                f"{len(parts)} (one holds {names[min(smallest)]}): moves never cut a "
                "territory, but they do not join one either"
            )
    return [len(parts) == 1 for parts in pieces]


def _off_band(
    deviation: np.ndarray,
    which: Sequence[int],
    tolerance: float,
    label: str,
    territories: list[str],
) -> str | None:
    off = [t for t in which if abs(deviation[t]) > tolerance + 1e-9]
    if not off:
        return None
    listed = ", ".join(f"{territories[t]} {deviation[t]:+.1%}" for t in off[:_LISTED])
    more = f" and {len(off) - _LISTED} more" if len(off) > _LISTED else ""
    return f"{OUTSIDE}{tolerance:.1%} of {label}: {listed}{more}"


OUTSIDE = "outside ±"  # how `_off_band`'s sentence begins


def _why_not(
    w: np.ndarray,
    final: np.ndarray,
    movable: np.ndarray,
    *,
    off: Sequence[int],
    mean: float,
    tolerance: float,
    names: list[str],
    territories: list[str],
    violations: list[str],
    of: str = "the mean territory",
    frozen: Sequence[int] = (),
    apart: Sequence[int] = (),
) -> list[int]:
    """Why the territories `off` are out of their band (`mean` is `of`); the unexplained.

    `final` are the labels found, `movable` the units that could move;
    `frozen` are the locked territories and `apart` the ones that touch no
    territory they could trade with.
    """
    explained: set[int] = set()
    for t in off:
        if t in frozen:
            violations.append(f"{territories[t]} is locked: nothing may move into or out of it")
            explained.add(t)
        elif t in apart:
            violations.append(
                f"{territories[t]} borders neither the new territory nor another territory "
                "being split: it can neither give nor take"
            )
            explained.add(t)
    mine = np.isin(final, list(off))
    heavy = np.flatnonzero(mine & (w > mean * (1 + tolerance)))
    heavy = heavy[np.argsort(-w[heavy], kind="stable")]
    violations.extend(f"{names[i]} alone is {w[i] / mean:.1f}x {of}" for i in heavy[:5])
    explained.update(int(final[i]) for i in heavy)
    for t in off:
        pinned = float(w[(final == t) & ~movable].sum())
        if t not in explained and pinned > mean * (1 + tolerance):
            violations.append(
                f"the locked units of {territories[t]} already total {pinned / mean:.2f}x {of}"
            )
            explained.add(t)
    free = w[movable & (w > 0)]
    lightest = float(free.min()) / mean if len(free) else 0.0
    if lightest > 2 * tolerance:
        violations.append(
            f"the units are too coarse for {band(tolerance)}: the lightest that may move is "
            f"{small_percent(lightest)} of {of}"
        )
        return []
    rest = [t for t in off if t not in explained]
    if rest:
        violations.append(stuck_sentence([territories[t] for t in rest]))
    return rest


def stuck_sentence(territories: Sequence[str]) -> str:
    """Territories that no move the rebalance tries brings closer to the band, in words.

    Parameters
    ----------
    territories
        Their names (one or more).

    Returns
    -------
    str
        "A, B: no border move, nor a chain of up to three moves, brings them closer ...".
    """
    which = (
        f"{territories[0]}: no border move, nor a chain of up to three moves, brings it"
        if len(territories) == 1
        else f"{', '.join(territories)}: no border move, nor a chain of up to three moves, "
        "brings them"
    )
    return (
        f"{which} closer without cutting a territory in two, emptying one or moving a locked unit"
    )


def restated(
    violations: list[str], names: Sequence[str], stuck: Sequence[int], explained: Sequence[int]
) -> list[str]:
    """`violations` with the `explained` territories left out of the stuck sentence.

    Parameters
    ----------
    violations
        The sentences, one of them ``stuck_sentence`` of the `stuck` territories'
        `names` if there are any.
    names
        What each territory is called in them.
    stuck
        The territories that sentence names.
    explained
        Territories another sentence explains better (their reps' day trips).

    Returns
    -------
    list of str
        The sentences, that one naming only the others (gone when none is left).
    """
    if not stuck:
        return violations
    old = stuck_sentence([names[t] for t in stuck])
    rest = [names[t] for t in stuck if t not in set(explained)]
    new = [stuck_sentence(rest)] if rest else []
    return [s for v in violations for s in (new if v == old else [v])]
