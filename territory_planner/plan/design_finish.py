"""The end of a design: recombination of a plan out of band, then the polish for shape.

Border moves (`sweeps`) and ejection chains (`chain_balance`) cannot balance
lumpy data; `finish` recombines neighbouring territories (`recombine`) with
restarts, each from another seed, the best plan kept (`score`: excess over the
band first, then shape). While no restart has reached the band but the best is
near it, and some plan is in band with contiguity ignored, restarts may run up
to `_OVERTIME_SECONDS` past the CPU budget. The plan is then polished for shape
by record-to-record travel over border moves (`polish.polish`).
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np

from territory_planner.plan.corridors import top_up_near
from territory_planner.plan.design_plan import _Plan
from territory_planner.plan.polish import polish
from territory_planner.plan.recombine import recombine
from territory_planner.tasks import CancelToken, Progress, no_progress


def sweeps(
    plan: _Plan, mu: float | None, rng: np.random.Generator, cancel: CancelToken | None
) -> None:
    """Sweeps over the border units (in a seeded random order) until none moves.

    Parameters
    ----------
    plan
        The plan, changed in place.
    mu
        Weight of the balance penalty against shape; None: lexicographic (less
        excess first, then better shape).
    rng
        Draws the order of the border units in each sweep.
    cancel
        Checked before each sweep.
    """
    for _ in range(_MAX_SWEEPS):
        if cancel is not None:
            cancel.raise_if_cancelled()
        if not plan.sweep(rng.permutation(plan.boundary_units()).tolist(), mu):
            return


_MAX_SWEEPS = 40
_CHAIN_DEPTH = 3


def score(plan: _Plan) -> tuple[float, float]:
    """How good a plan is: lower is better, compared as a tuple.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    tuple of float
        The summed excess over the band (rounded, so that ties are ties), then
        the shape cost.
    """
    return round(plan.total_excess(), 12), float(sum(plan.shape))


def chain_balance(plan: _Plan, rng: np.random.Generator, cancel: CancelToken | None) -> None:
    """Ejection chains for the balance single moves cannot reach, then shape again.

    Parameters
    ----------
    plan
        The plan, changed in place.
    rng
        Draws the order of the border units in the sweeps after each round.
    cancel
        Checked between moves.
    """
    for _ in range(3):
        plan.recenter()
        if plan.total_excess() == 0:
            return
        plan.balance_by_chains(_CHAIN_DEPTH, cancel)
        sweeps(plan, None, rng, cancel)


def _recombine(
    plan: _Plan,
    anchors: dict[int, int],
    seed: int,
    cancel: CancelToken | None,
    progress: Progress = no_progress,
    *,
    seconds: float = 0.0,
    overtime: float = 0.0,
    lump: float = -np.inf,
) -> None:
    """Balance that border moves cannot reach: recombine neighbouring pairs, then shape again.

    Territories holding fixed units other than their seed (locked units) stay as they are.
    While no restart has reached the band but the best is near it (and some plan
    is in band, contiguity ignored), restarts may run `overtime` CPU seconds past
    `seconds`: a slower or busier machine gets a balanced plan later, not an
    unbalanced one on time. Not once `_STUCK_ENDS` restarts have left a territory
    out of band at the same total when its home county is nearly a territory that
    no mix of the counties near it tops up (0.95 of a territory, its every neighbour
    adding too much): the units around it, not the draws, hold it there, and every
    restart would end there too. (One or two such ends are no proof: a home can be
    topped up from further away, and the demo at seed 1 with 80% of the budget
    ended twice at -4.8% and reached ±1% on its third restart.) Nor while a home
    unit alone over the band (`lump`, its deviation) sets the plan's largest
    deviation: the best plan's summed excess over the band bounds every other
    territory's.
    """
    progress(0.92, "Recombining neighbouring territories")
    plan.recenter()
    roots = np.full(plan.k, -1, dtype=np.int64)
    for t, v in anchors.items():
        roots[t] = v
    start = np.asarray(plan.label)
    held = np.asarray(plan.fixed)
    held[list(anchors.values())] = False
    frozen = np.zeros(plan.k, dtype=bool)
    frozen[np.unique(start[held])] = True
    before = score(plan)
    best: tuple[tuple[float, float], list[int]] | None = None
    deadline = time.process_time() + (seconds or _RECOMBINE_SECONDS)
    reach: bool | None = None  # whether any plan (contiguity ignored) is in band: asked once
    stuck: Counter[tuple[int, float]] = Counter()  # tight homes' territories out of band, totals
    for restart in range(_RESTARTS):  # recombination is chaotic: another seed often gets there
        left = deadline - time.process_time()
        near = best is not None and 0 < best[0][0] <= _OVERTIME_EXCESS  # none in band, close
        if overtime and near and best is not None and best[0][0] + plan.band > lump:
            if reach is None:
                reach = plan.in_reach(roots)
            if left < _MIN_RESTART_SECONDS and reach:
                progress(0.93, "Still balancing: trying again, past the usual time")
                left = min(left + overtime, _OVERTIME_RESTART_SECONDS)
        if best is not None and (
            (best[0][0] == 0 and restart >= _SHAPE_RESTARTS) or left < _MIN_RESTART_SECONDS
        ):
            break
        labels = recombine(
            start,
            plan.served,
            src=plan.src,
            dst=plan.dst,
            roots=roots,
            lo=np.asarray(plan.lo),
            hi=np.asarray(plan.hi),
            frozen=frozen,
            border=plan.border_flat,
            area=np.asarray(plan.area),
            perimeter=np.asarray(plan.perim),
            seconds=max(
                min(left, _SHAPE_RESTART_SECONDS) if best is not None and best[0][0] == 0 else left,
                _MIN_RESTART_SECONDS,
            ),
            seed=seed * _RESTARTS + restart,
            cancel=cancel,
        )
        plan.assign(labels)
        rng = np.random.default_rng([seed, 2, restart])
        plan.recenter()
        sweeps(plan, None, rng, cancel)
        if plan.total_excess() > 0:
            chain_balance(plan, rng, cancel)
        if best is None or score(plan) < best[0]:
            best = (score(plan), list(plan.label))
        if overtime:  # the same total a third time, held by a home's neighbours: no overtime
            stuck.update(_tight(plan, anchors))
            if stuck and max(stuck.values()) >= _STUCK_ENDS:
                overtime = 0.0
    plan.assign(start if best is None or best[0] > before else np.asarray(best[1]))


def _tight(plan: _Plan, anchors: dict[int, int]) -> set[tuple[int, float]]:
    """The territories out of band whose home no mix of the units near it tops up, and their totals.

    Such a home is nearly a territory alone (`top_up_near`). Totals are in mean
    territories, rounded: a restart that ends at the same total again found no way out.
    """
    share = np.asarray(plan.w) * plan.scale
    return {
        (t, round(plan.total[t] * plan.scale, 9))
        for t, home in anchors.items()
        if plan.excess(t)
        and top_up_near(
            share,
            home,
            plan.nbr,
            band=(plan.lo[t] * plan.scale, plan.hi[t] * plan.scale),
            others=anchors.values(),
        )
        is not None
    }


def _polish(
    plan: _Plan, seed: int, cancel: CancelToken | None, progress: Progress, *, seconds: float
) -> None:
    """Record-to-record travel for shape (`polish.polish`), its tries in proportion to the units.

    Plans end at a local optimum of single border moves, recombined ones and
    first plans already in band alike.
    """
    progress(0.94, "Smoothing the borders")
    plan.recenter()
    tries = min(_POLISH_MOVES, _POLISH_PER_UNIT * plan.n)
    rng = np.random.default_rng([seed, 3])
    polish(plan, rng, tries, _POLISH_THRESHOLD, cancel, seconds=seconds)


_RECOMBINE_SECONDS = 7.0  # CPU seconds for all restarts (CPU time: the same plan on a busy machine)
_RESTARTS = 4
_SHAPE_RESTARTS = 2  # restarts run even when the first reaches the band (the most compact kept)
_MIN_RESTART_SECONDS = 1.5
_SHAPE_RESTART_SECONDS = 2.0  # CPU seconds for a restart run for shape alone (one in band kept)
_OVERTIME_SECONDS = 6.0  # past the budget, for restarts while none reached the band
_OVERTIME_RESTART_SECONDS = 3.0  # what a restart in overtime may take at most
_STUCK_ENDS = 3  # restarts ending at one total that show a tight home's territory is stuck
_OVERTIME_EXCESS = 0.1  # summed excess (mean territories) below which overtime may pay
# Lumpy data: recombined plans end at a local optimum of border moves; record-to-record
# travel from there raised mean Polsby-Popper by 0.01-0.03 (`bench/design_clustered.py`).
_POLISH_MOVES = 300_000  # tried moves (about 1.5-2.5 CPU seconds for 3,100 counties)
_POLISH_THRESHOLD = 0.004  # how far below the best mean Polsby-Popper a polish may wander
_POLISH_PER_UNIT = 100  # tries per unit (a grid of 144 cells needs fewer than 3,100 counties)
_POLISH_SECONDS = (1.0, 4.0)  # CPU seconds, at least and at most: what the design budget leaves


def finish(
    plan: _Plan,
    anchors: dict[int, int],
    seed: int,
    cancel: CancelToken | None,
    progress: Progress,
    *,
    balanced: bool,
    fresh: bool,
    budget: float,
    recombine_seconds: float,
    held: list[int],
    overtime: bool = False,
) -> None:
    """Recombine a plan out of band, then polish it (a fresh one too), within the CPU `budget`.

    A plan in pieces (locks, seeds that cannot all be reached) is left as it is.

    Parameters
    ----------
    plan
        The plan, changed in place.
    anchors
        The unit each territory must keep (its rep's home), by territory.
    seed
        Seeds the restarts and the polish.
    cancel, progress
        The task contract (see `territory_planner.tasks`).
    balanced
        Whether the plan is in band already (then it is only polished).
    fresh
        Whether the plan was designed from scratch (then it is polished even in band).
    budget
        ``time.process_time()`` by which the design should end.
    recombine_seconds
        CPU seconds for recombination, if the caller sets them; else what the
        budget leaves, up to `_RECOMBINE_SECONDS`.
    held
        Units held while balancing (corridors), free again for the polish.
    overtime
        Whether recombination may run `_OVERTIME_SECONDS` past the budget while
        out of band; never when `recombine_seconds` sets its time or the weights
        are served (workload rounds follow); see `_recombine` for a home unit
        alone over the band.
    """
    if not all(len(p) == 1 for p in plan.pieces()):
        return
    if not balanced:
        left = budget - time.process_time() - _POLISH_SECONDS[0]
        seconds = recombine_seconds or float(
            np.clip(left, _MIN_RESTART_SECONDS, _RECOMBINE_SECONDS)
        )
        extra = _OVERTIME_SECONDS if overtime and not (recombine_seconds or plan.varies) else 0.0
        lump = max(  # the deviation a home unit alone over the band sets, whatever the rest do
            (plan.targets[t] * plan.scale - 1 for t in range(plan.k) if plan.overfull[t]),
            default=-np.inf,
        )
        _recombine(
            plan, anchors, seed, cancel, progress, seconds=seconds, overtime=extra, lump=lump
        )
    for u in held:
        plan.fixed[u] = False
    if not balanced or fresh:
        left = budget - time.process_time()
        _polish(plan, seed, cancel, progress, seconds=float(np.clip(left, *_POLISH_SECONDS)))


def lower_the_peak(plan: _Plan) -> None:
    """Single border moves that lower the largest deviation, for a plan out of band.

    Balance steps lower the summed excess over the band; where two plans tie
    on it, the one with the lower peak reads better (a home unit far over the band
    and a neighbour's lump next to it: the lump moves next door). Greedy: the
    territory furthest from the mean gives (or takes) the border unit that brings
    the pair's larger deviation lowest, while that is below the peak; never a
    fixed unit, never a territory emptied or cut in two. Served weights: left alone.

    Parameters
    ----------
    plan
        The plan, changed in place.
    """
    if plan.varies:
        return
    for _ in range(plan.n):
        mean = sum(plan.total) / plan.k
        if mean <= 0:
            return
        worst = max(range(plan.k), key=lambda t: abs(plan.total[t] / mean - 1))
        move = _peak_move(plan, worst, mean)
        if move is None:
            return
        plan.move(*move)


def _peak_move(plan: _Plan, t: int, mean: float) -> tuple[int, int] | None:
    """The move (unit, territory) bringing `t` and its partner lowest, if below `t`'s peak."""
    peak = abs(plan.total[t] / mean - 1) - 1e-9
    label, total, wk = plan.label, plan.total, plan.wk
    giving = total[t] > mean
    best: tuple[float, int, int] | None = None
    for v in plan.boundary_units().tolist():
        a = label[v]
        if plan.fixed[v] or plan.count[a] <= 1 or (a == t) != giving:
            continue
        for b in {label[u] for u in plan.nbr[v]} - {a}:
            if (b == t) == giving:  # a giver sends to others; a taker takes into t
                continue
            after = max(
                abs((total[a] - wk[v][a]) / mean - 1), abs((total[b] + wk[v][b]) / mean - 1)
            )
            if after < peak and (best is None or after < best[0]) and plan.stays_connected(v, a):
                best = (after, v, b)
    return None if best is None else (best[1], best[2])
