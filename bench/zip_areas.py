"""Build approximate ZIP areas (Voronoi cells of ZIP centroids clipped to counties).

Times the whole contiguous US, every county (with Alaska, Hawaii and the
territories), one county, and `zip_area_at` for one point. The reference is the
plain loop: one county at a time, `shapely.voronoi_polygons` then `intersection`
(same local frame, no vectorisation); its unit count and total area are compared.
Bundled data loading (counties, ZIP table) is timed separately and excluded.
"""

from __future__ import annotations

import time

import numpy as np
import shapely

from territory_planner.geo import zip_areas as za
from territory_planner.geo.areas import contiguous_us_states, us_counties
from territory_planner.geo.point_index import PolygonGrid

COOK = "17031"


def timed(fn):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def clear() -> None:
    za._all_units.cache_clear()
    za._county_units.cache_clear()


def loop_reference(fips: list[str]) -> tuple[int, float]:
    """One county at a time: unit count and total area."""
    counties = za._county_table().loc[fips]
    outlines = counties.geometry.to_numpy()
    lon, lat, _ = za._sites()
    county_of = PolygonGrid(outlines).label(lon, lat)
    units, area = 0, 0.0
    for k, outline in enumerate(outlines):
        mine = np.flatnonzero(county_of == k)
        if len(mine) <= 1:
            units, area = units + 1, area + outline.area
            continue
        minx, miny, maxx, maxy = outline.bounds
        if maxx - minx > 180:  # antimeridian: not handled by the plain loop, count it whole
            units, area = units + len(mine), area + outline.area
            continue
        lon0, lat0, c = (minx + maxx) / 2, (miny + maxy) / 2, np.cos(np.radians((miny + maxy) / 2))
        sites = shapely.multipoints(np.column_stack([(lon[mine] - lon0) * c, lat[mine] - lat0]))
        extent = shapely.box(
            (minx - lon0) * c - 1, miny - lat0 - 1, (maxx - lon0) * c + 1, maxy - lat0 + 1
        )
        cells = shapely.get_parts(shapely.voronoi_polygons(sites, extend_to=extent))
        scale, shift = np.array([c, 1.0]), np.array([lon0, lat0])
        for cell in cells:
            back = shapely.transform(cell, lambda p, s=scale, o=shift: p / s + o)
            area += shapely.intersection(back, outline).area
        units += len(cells)
    return units, area


def main() -> None:
    t_load, _ = timed(lambda: (za._county_table(), za._sites(), za._county_bounds()))
    print(f"load bundled counties + ZIP centroids: {t_load:.2f} s (excluded below)")

    states = set(contiguous_us_states()["fips"])
    counties = us_counties()
    contiguous = counties.loc[counties["state_fips"].isin(states), "fips"].tolist()

    clear()
    t_cont, cont = timed(lambda: za.zip_areas(contiguous))
    t_ref, (ref_units, ref_area) = timed(lambda: loop_reference(contiguous))
    clear()
    t_all, everything = timed(za.zip_areas)
    t_cached, _ = timed(za.zip_areas)
    clear()
    t_cook, cook = timed(lambda: za.zip_areas([COOK]))
    clear()
    t_at_cold, _ = timed(lambda: za.zip_area_at(-87.65, 41.92))
    t_at_warm, _ = timed(lambda: za.zip_area_at(-87.66, 41.93))

    area = shapely.area(cont.geometry.to_numpy()).sum()
    print(f"{'what':<46} {'seconds':>8} {'units':>7}")
    rows = (
        (f"contiguous US, {len(contiguous)} counties (ours)", t_cont, len(cont)),
        ("contiguous US, loop per county (reference)", t_ref, ref_units),
        (f"every county, {len(counties)} (ours)", t_all, len(everything)),
        ("every county again (cached copy)", t_cached, len(everything)),
        (f"one county, Cook {COOK} (ours)", t_cook, len(cook)),
        ("zip_area_at, county not yet built", t_at_cold, 1),
        ("zip_area_at, county cached", t_at_warm, 1),
    )
    for name, t, n in rows:
        print(f"{name:<46} {t:>8.3f} {n:>7}")
    print(
        f"ratio ours / reference (contiguous US): {t_cont / t_ref:.3f}; "
        f"total area ours {area:.4f} vs reference {ref_area:.4f} square degrees"
    )


if __name__ == "__main__":
    main()
