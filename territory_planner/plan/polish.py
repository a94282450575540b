"""Polish a plan's shapes by record-to-record travel over border moves, its balance kept.

Single border moves that improve the shape stop at a local optimum; the
polish wanders from there, keeping the best plan seen. In a tight band most
moves of a unit that weighs something would take a territory out of it: such
a move, when it improves the shape on its own, is made together with a second
one that takes no territory further from its band than before (a swap across
the same border, or a unit passed on to a third territory), when the pair
passes the polish's test (a better shape, or one within its shrinking
allowance). Design and split (single moves only) polish their plans with it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from territory_planner.plan.design_plan import _Plan
from territory_planner.tasks import CancelToken

_EPS = 1e-12
_REFRESH = 2000  # polish moves between refreshes of the border units
_IDLE = 20_000  # tries without a single move before the polish gives up
_FADE = 1 / 400  # the polish threshold's last value, as a share of its first
# units searched to see a territory stays whole (deeper searches found none: measured)
_SEARCH = 150

#: Border units by territory: those in it, and those of other territories touching it.
Sides = tuple[dict[int, list[int]], dict[int, list[int]]]


def polish(
    plan: _Plan,
    rng: np.random.Generator,
    iterations: int,
    threshold: float,
    cancel: CancelToken | None = None,
    *,
    seconds: float = np.inf,
    into: Sequence[bool] | None = None,
) -> int:
    """Record-to-record travel over border moves, for shape; keeps the best plan seen.

    A random border unit moves to a random neighbouring territory whenever
    the summed shape cost stays within ``threshold * k`` of the best seen
    (mean Polsby-Popper at most `threshold` below it), the threshold shrinking
    geometrically to ``threshold * _FADE`` over the `iterations`, or over the
    `seconds` of CPU time when those run out first (so that a polish cut short
    still ends greedy, at a local optimum, not wandering). A move never takes a
    territory further from its band, nor splits the territory it leaves; one
    that would is made with a second move that brings it back (`_second_move`)
    when the pair passes the same test. Stops after `seconds`, or
    when the first `_IDLE` tries moved nothing (a narrow band).

    Parameters
    ----------
    plan
        The plan, changed in place (to the best plan seen).
    rng
        Draws the units and territories.
    iterations
        Moves to try.
    threshold
        How far below the best mean Polsby-Popper the polish may wander, at first.
    cancel
        Cancels the polish (`TaskCancelledError`).
    seconds
        CPU seconds at most.
    into
        Per territory, whether units may move into it (e.g. a split's sources
        and new territory); default: every territory, and two-move steps too.

    Returns
    -------
    int
        The moves made.
    """
    began = time.process_time()
    deadline = began + seconds
    label, fixed, count = plan.label, plan.fixed, plan.count
    best = current = sum(plan.shape)
    best_labels = list(label)
    units: list[int] = []
    sides: Sides | None = None
    moves = 0
    allowed, fade = threshold * plan.k, _FADE ** (1 / max(iterations, 1))
    draws: list[list[float]] = []
    for it in range(iterations):
        allowed *= fade
        if it % _REFRESH == 0:
            if cancel is not None:
                cancel.raise_if_cancelled()
            units = plan.boundary_units().tolist()
            sides = _sides(plan, units) if into is None else None
            now = time.process_time()
            if not units or now > deadline or (it >= _IDLE and not moves):
                break  # (no move yet after many tries: a band this narrow leaves none)
            spent = (now - began) / max(seconds, _EPS)  # of the time
            if spent > (it + 1) / iterations:  # the time runs out first: fade by it
                allowed = min(allowed, threshold * plan.k * _FADE ** min(spent, 1.0))
            draws = rng.random((_REFRESH, 2)).tolist()  # a unit, a territory beside it
        pick_unit, pick_side = draws[it % _REFRESH]
        v = units[int(pick_unit * len(units))]
        a = label[v]
        if fixed[v] or count[a] <= 1:
            continue
        shared = plan.shared(v)
        others = [t for t in shared if t != a and (into is None or into[t])]
        if not others:
            continue
        b = others[int(pick_side * len(others))]
        made = _step(plan, v, b, room=best + allowed - current, shared=shared, sides=sides)
        if made is None:
            continue
        moves += made[0]
        current += made[1]
        if current < best - _EPS:
            best, best_labels = current, list(label)
    plan.assign(np.asarray(best_labels))
    return moves


def _step(
    plan: _Plan, v: int, b: int, *, room: float, shared: dict[int, float], sides: Sides | None
) -> tuple[int, float] | None:
    """Move `v` to `b` if the shape cost grows by less than `room` (or falls): moves, change.

    A move that would take a territory further from its band is made only with
    a second move (`_second_move`, when `sides` are given) and when it improves
    the shape on its own. None when nothing moved.
    """
    a = plan.label[v]
    delta = plan.shape_delta(v, b, shared)
    if _leaves_band(plan, v, a, b):
        if sides is None or delta >= 0:
            return None
        second = _second_move(plan, v, b, room - delta, sides)
        return None if second is None else (2, delta + second)
    if delta < max(room, 0.0) and plan.stays_connected(v, a, budget=_SEARCH):
        plan.move(v, b)
        return 1, delta
    return None


def _leaves_band(plan: _Plan, v: int, a: int, b: int) -> bool:
    """Whether moving `v` from `a` to `b` takes either further from its band."""
    wk = plan.wk[v]
    if not (wk[a] or wk[b]):
        return False
    after_a = plan.excess(a, plan.total[a] - wk[a])
    after_b = plan.excess(b, plan.total[b] + wk[b])
    return abs(after_a) > abs(plan.excess(a)) + _EPS or abs(after_b) > abs(plan.excess(b)) + _EPS


def _sides(plan: _Plan, units: list[int]) -> Sides:
    """Border units by territory: those in it, and those of others touching it."""
    label, nbr = plan.label, plan.nbr
    inside: dict[int, list[int]] = {}
    beside: dict[int, list[int]] = {}
    for v in units:
        inside.setdefault(label[v], []).append(v)
        for t in {label[u] for u in nbr[v]} - {label[v]}:
            beside.setdefault(t, []).append(v)
    return inside, beside


def _second_move(plan: _Plan, v: int, b: int, room: float, sides: Sides) -> float | None:
    """Move `v` to `b` with a second unit that brings both territories back to their band.

    Where `b` is then over its band, one of its border units leaves it (for
    the territory `v` came from if that is now under, else for any neighbour);
    where only the territory `v` left is under, a unit beside it comes in. The
    second move takes no territory further from its band, and keeps the one it
    leaves in one piece. The pair is made when it adds less than `room` to the
    summed shape cost.

    Parameters
    ----------
    plan
        The plan, changed in place when the pair is made.
    v
        The unit to move first.
    b
        Where it goes.
    room
        What the second move may add to the shape cost (the first move's change
        already taken off).
    sides
        Border units by territory (`_sides`; labels may have moved since).

    Returns
    -------
    float or None
        The second move's change of the summed shape cost, or None (nothing moved).
    """
    label, wk = plan.label, plan.wk
    a = label[v]
    if not plan.stays_connected(v, a, budget=_SEARCH):
        return None
    before = [abs(plan.excess(t)) for t in range(plan.k)]
    plan.move(v, b)
    off = {t for t in (a, b) if abs(plan.excess(t)) > before[t] + _EPS}
    if b in off:  # b gives a unit away: to a if a is short too, else anywhere
        pool = [(u, a if a in off else -1) for u in sides[0].get(b, ()) if label[u] == b]
    else:  # a takes one in
        pool = [(u, a) for u in sides[1].get(a, ()) if label[u] != a]
    best, choice = room, (-1, -1)
    for u, goal in pool:
        src = label[u]
        if u == v or plan.fixed[u] or plan.count[src] <= 1:
            continue
        if abs(plan.excess(src, plan.total[src] - wk[u][src])) > before[src] + _EPS:
            continue
        shared = plan.shared(u)
        for c in [goal] if goal >= 0 else list(shared):
            if c == src or c not in shared:
                continue
            if abs(plan.excess(c, plan.total[c] + wk[u][c])) > before[c] + _EPS:
                continue
            change = plan.shape_delta(u, c, shared)
            if change < best:
                best, choice = change, (u, c)
    u, c = choice
    if u >= 0 and plan.stays_connected(u, label[u], budget=_SEARCH):
        plan.move(u, c)
        return best
    plan.move(v, a)
    return None
