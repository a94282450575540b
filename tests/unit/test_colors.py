"""Territory colours: neighbours never share one."""

from __future__ import annotations

import shapely

from territory_planner.colors import PALETTE, neighbour_colors


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


def test_balance_shading_classes_and_legend() -> None:
    import pandas as pd

    from territory_planner.colors import BALANCE_SHADES, balance_shading

    deviations = pd.Series([-0.3, -0.07, 0.0, 0.05, 0.08, 0.5], index=list("abcdef"))
    shading = balance_shading("Potential", deviations, 0.05)
    assert [shading.colors[k] for k in "abcdef"] == [
        BALANCE_SHADES[0], BALANCE_SHADES[1], BALANCE_SHADES[2],
        BALANCE_SHADES[2], BALANCE_SHADES[3], BALANCE_SHADES[4],
    ]  # fmt: skip
    assert shading.title == "Potential vs team mean"
    assert shading.legend[2] == (BALANCE_SHADES[2], "within ±5% of the mean")


def test_value_shading_spans_low_to_high() -> None:
    import numpy as np
    import pandas as pd

    from territory_planner.colors import SEQUENTIAL_SHADES, value_shading
    from territory_planner.formats import percent

    values = pd.Series([0.2, 0.4, 0.6, 0.8, 1.0, np.nan], index=list("abcdef"))
    shading = value_shading("Attainment", values, percent)
    assert shading.colors["a"] == SEQUENTIAL_SHADES[0]
    assert shading.colors["e"] == SEQUENTIAL_SHADES[-1]
    assert shading.colors["f"] == "#d0d0d0"
    assert shading.legend[0][1] == "20% to 36%"
    assert len(value_shading("x", pd.Series([3.0, 3.0], index=["a", "b"]), percent).legend) == 1
