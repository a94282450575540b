"""Exact redrawing of two territories' shared border (`plan.pair_milp`), checked by brute force."""

from __future__ import annotations

import itertools
import time

import networkx as nx
import numpy as np
import pytest

from territory_planner.plan.pair_cuts import Edges, signed_excess, unit_edges
from territory_planner.plan.pair_milp import exact_pair, settle_pairs


def _grid(rows: int, cols: int) -> tuple[Edges, nx.Graph]:
    """A grid of square cells (cell r * cols + c), its edges each once, border length 1."""
    graph = nx.grid_2d_graph(rows, cols)
    src, dst = [], []
    for (r1, c1), (r2, c2) in graph.edges:
        src.append(r1 * cols + c1)
        dst.append(r2 * cols + c2)
    plain = nx.relabel_nodes(graph, {(r, c): r * cols + c for r, c in graph.nodes})
    edges = unit_edges(np.array(src), np.array(dst), np.ones(len(src)), None)
    return edges, plain


def _connected(graph: nx.Graph, labels: np.ndarray, t: int) -> bool:
    members = np.flatnonzero(labels == t).tolist()
    return bool(members) and nx.is_connected(graph.subgraph(members))


def _excess(w: np.ndarray, labels: np.ndarray, k: int, lo: np.ndarray, hi: np.ndarray) -> float:
    totals = np.bincount(labels, weights=w, minlength=k)
    return float(np.abs(signed_excess(totals, lo, hi)).sum())


def test_the_pair_is_redrawn_as_well_as_any_plan_in_one_piece_each() -> None:
    edges, graph = _grid(3, 4)
    rng = np.random.default_rng(3)
    roots = (0, 11)
    for trial in range(6):
        w = np.round(rng.lognormal(0.0, 1.0, 12), 2)  # lumpy
        labels = np.where(np.arange(12) % 4 < 2, 0, 1)  # left half, right half
        mean = w.sum() / 2
        tight = 0.01 + 0.05 * trial
        lo, hi = np.full(2, mean * (1 - tight)), np.full(2, mean * (1 + tight))
        new = exact_pair(
            labels, np.column_stack([w, w]), edges, pair=(0, 1), roots=roots,
            band=(lo, hi), free=np.ones(12, dtype=bool), hops=10, time_limit=10.0,
        )  # fmt: skip
        assert new is not None
        assert new[0] == 0
        assert new[11] == 1
        assert _connected(graph, new, 0)
        assert _connected(graph, new, 1)
        best = np.inf  # every split with the roots kept and both sides in one piece
        for sides in itertools.product((0, 1), repeat=10):
            split = np.array([0, *sides, 1])
            if _connected(graph, split, 0) and _connected(graph, split, 1):
                best = min(best, _excess(w, split, 2, lo, hi))
        assert _excess(w, new, 2, lo, hi) == pytest.approx(best, abs=1e-6)


def test_only_units_near_the_shared_border_change() -> None:
    edges, graph = _grid(8, 8)
    labels = np.where(np.arange(64) % 8 < 4, 0, 1)
    w = np.ones(64)
    w[np.arange(64) % 8 == 0] = 3.0  # the west is heavier: the border must move west
    mean = w.sum() / 2
    band = (np.full(2, mean * 0.99), np.full(2, mean * 1.01))
    new = exact_pair(
        labels, np.column_stack([w, w]), edges, pair=(0, 1), roots=(0, 63),
        band=band, free=np.ones(64, dtype=bool), hops=1, time_limit=10.0,
    )  # fmt: skip
    assert new is not None
    column = np.arange(64) % 8
    changed = np.flatnonzero(new != labels)
    assert len(changed) > 0
    assert set(column[changed].tolist()) <= {2, 3, 4, 5}  # within one step of columns 3 | 4
    assert _excess(w, new, 2, *band) < _excess(w, labels, 2, *band)
    assert _connected(graph, new, 0)
    assert _connected(graph, new, 1)


def test_settling_brings_pairs_into_band_and_leaves_frozen_territories() -> None:
    edges, graph = _grid(6, 9)
    labels = np.arange(54) % 9 // 3  # three vertical strips of three columns
    w = np.ones(54)
    w[np.arange(54) % 9 == 4] = 2.0  # the middle strip is heavy
    k, mean = 3, w.sum() / 3
    band = (np.full(k, mean * 0.98), np.full(k, mean * 1.02))
    w2 = np.repeat(w[:, None], k, axis=1)
    roots = np.array([0, 4, 8])
    free_all = np.zeros(k, dtype=bool)
    settled = settle_pairs(
        labels, w2, edges, roots=roots, band=band, frozen=free_all,
        deadline=time.process_time() + 30.0,
    )  # fmt: skip
    assert _excess(w, settled, k, *band) == pytest.approx(0.0)
    assert all(_connected(graph, settled, t) for t in range(k))
    assert (settled[roots] == [0, 1, 2]).all()

    frozen = np.array([False, False, True])  # the east strip may not change
    held = settle_pairs(
        labels, w2, edges, roots=roots, band=band, frozen=frozen,
        deadline=time.process_time() + 30.0,
    )  # fmt: skip
    assert ((held == 2) == (labels == 2)).all()
    assert _excess(w, held, k, *band) < _excess(w, labels, k, *band)


def test_territories_without_a_home_keep_their_heaviest_unit() -> None:
    edges, graph = _grid(6, 9)
    labels = np.arange(54) % 9 // 3
    w = np.ones(54)
    w[np.arange(54) % 9 == 4] = 2.0
    w[13] = 2.5  # the heaviest unit of the middle strip (row 1, column 4)
    k, mean = 3, w.sum() / 3
    band = (np.full(k, mean * 0.98), np.full(k, mean * 1.02))
    settled = settle_pairs(
        labels, np.repeat(w[:, None], k, axis=1), edges, roots=np.full(k, -1),
        band=band, frozen=np.zeros(k, dtype=bool), deadline=time.process_time() + 30.0,
    )  # fmt: skip
    assert _excess(w, settled, k, *band) == pytest.approx(0.0)
    assert settled[13] == 1
    for t in range(k):
        assert _connected(graph, settled, t)
