"""Territory colours: neighbours never share one."""

from __future__ import annotations

import shapely

from territory_planner.mapping.colors import PALETTE, neighbour_colors


def test_grid_of_many_cells_has_no_touching_pair_with_the_same_colour() -> None:
    cells = [shapely.box(x, y, x + 1, y + 1) for x in range(6) for y in range(5)]
    colors = neighbour_colors(cells)
    assert len(colors) == 30
    assert set(colors) <= set(PALETTE)
    for i, a in enumerate(cells):
        for j, b in enumerate(cells):
            if i < j and a.intersects(b):
                assert colors[i] != colors[j], (i, j)


def test_few_territories_get_distinct_colours() -> None:
    cells = [shapely.box(x, 0, x + 1, 1) for x in range(5)]
    assert len(set(neighbour_colors(cells))) == 5
