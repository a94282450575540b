"""The Earth as every module measures it: one radius and one great-circle distance."""

from __future__ import annotations

import math

import numpy as np

#: Mean radius of the Earth (IUGG), km.
EARTH_RADIUS_KM = 6371.0088
#: Km per degree of latitude (and of longitude at the equator) on that sphere.
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180


def haversine_km(
    lon1: np.ndarray | float,
    lat1: np.ndarray | float,
    lon2: np.ndarray | float,
    lat2: np.ndarray | float,
) -> np.ndarray:
    """Great-circle km between points given in degrees (numpy broadcasting).

    One-to-one (equal shapes), many-to-one (a scalar second point), or all
    pairs (``lon1[:, None]`` against ``lon2[None, :]``).
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1))), dtype=float)
