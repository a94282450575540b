"""Projects for the territory-design tests."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from territory_planner.model import ACCOUNT_COLUMNS, Project, conform
from territory_planner.sample_data import field_project


def spread_accounts(n: int = 1200, seed: int = 3) -> Project:
    """Accounts spread evenly over the Midwest (no reps): a plan that can be balanced."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "account_id": [f"A{i:05d}" for i in range(n)],
            "name": [f"Account {i}" for i in range(n)],
            "lon": rng.uniform(-97.0, -86.0, n),
            "lat": rng.uniform(36.0, 43.0, n),
            "geocode": "exact",
            "potential": np.round(rng.lognormal(11, 0.6, n), -2),
            "annual_revenue": np.round(rng.lognormal(10, 0.6, n), -2),
        }
    )
    project = Project.empty("Spread")
    project.accounts = conform(frame, ACCOUNT_COLUMNS)
    return project


def touching(units: gpd.GeoDataFrame) -> nx.Graph:
    """Units sharing a border of positive length, straight from shapely (not `unit_graph`)."""
    geoms = units.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(geoms[left], geoms[right])) > 0
    graph = nx.Graph()
    graph.add_nodes_from(range(len(units)))
    graph.add_edges_from(zip(left[shared].tolist(), right[shared].tolist(), strict=True))
    return graph


def two_homes_beside_each_other() -> Project:
    """Two reps in neighbouring counties (Los Angeles, Orange), half the accounts in Chicago."""
    project = field_project(1, accounts=200, reps=2, region="national")
    rng = np.random.default_rng(0)
    spots = np.array([(34.05, -118.25)] * 50 + [(33.75, -117.85)] * 50 + [(41.85, -87.70)] * 100)
    project.accounts["lat"] = spots[:, 0] + rng.normal(0, 0.02, len(spots))
    project.accounts["lon"] = spots[:, 1] + rng.normal(0, 0.02, len(spots))
    project.reps.loc[0, ["lat", "lon"]] = [34.05, -118.25]
    project.reps.loc[1, ["lat", "lon"]] = [33.84, -117.91]
    return project
