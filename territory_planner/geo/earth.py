"""The Earth as every module measures it: one radius, one great-circle distance, one area."""

from __future__ import annotations

import math

import numpy as np
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

#: Mean radius of the Earth (IUGG), km.
EARTH_RADIUS_KM = 6371.0088
#: Km per degree of latitude (and of longitude at the equator) on that sphere.
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180
#: Areas and perimeters on the WGS84 ellipsoid.
GEOD = Geod(ellps="WGS84")


#: Points in radians for the haversine: latitude, longitude, cosine of latitude.
Radians = tuple[np.ndarray, np.ndarray, np.ndarray]


def radians(lon: np.ndarray | float, lat: np.ndarray | float) -> Radians:
    """Points given in degrees, ready for `haversine_radians_km`.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes in degrees (scalars or arrays of one shape).

    Returns
    -------
    Radians
        Latitude and longitude in radians and the cosine of latitude.
    """
    phi = np.radians(np.asarray(lat, float))
    return phi, np.radians(np.asarray(lon, float)), np.cos(phi)


def haversine_radians_km(a: Radians, b: Radians) -> np.ndarray:
    """Great-circle km between points a and b (numpy broadcasting): the one formula.

    Parameters
    ----------
    a, b
        Points from `radians`; their arrays broadcast against each other.

    Returns
    -------
    numpy.ndarray
        The distances in km on a sphere of radius `EARTH_RADIUS_KM`.
    """
    (phi_a, lam_a, cos_a), (phi_b, lam_b, cos_b) = a, b
    dphi = phi_a - phi_b
    dlam = lam_a - lam_b
    h = np.sin(dphi / 2) ** 2 + cos_a * cos_b * np.sin(dlam / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1))), dtype=float)


def haversine_km(
    lon1: np.ndarray | float,
    lat1: np.ndarray | float,
    lon2: np.ndarray | float,
    lat2: np.ndarray | float,
) -> np.ndarray:
    """Great-circle km between points given in degrees (numpy broadcasting).

    One-to-one (equal shapes), many-to-one (a scalar second point), or all
    pairs (``lon1[:, None]`` against ``lon2[None, :]``).

    Parameters
    ----------
    lon1, lat1
        The first points, in degrees.
    lon2, lat2
        The second points, in degrees.

    Returns
    -------
    numpy.ndarray
        The distances in km, in the broadcast shape of the inputs.
    """
    return haversine_radians_km(radians(lon1, lat1), radians(lon2, lat2))


def sphere_xyz_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """3-D positions (km) of points on the sphere: straight chords between them rank like distances.

    Parameters
    ----------
    lon, lat
        The points, in degrees.

    Returns
    -------
    numpy.ndarray
        Shape (points, 3), on a sphere of radius `EARTH_RADIUS_KM`.
    """
    lam, phi = np.radians(lon), np.radians(lat)
    return EARTH_RADIUS_KM * np.column_stack(
        [np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)]
    )


def area_km2(geometry: BaseGeometry | None) -> float:
    """Area of a (multi)polygon on the WGS84 ellipsoid, km²; 0 for none or an empty one.

    Parameters
    ----------
    geometry
        Longitude/latitude degrees.

    Returns
    -------
    float
        The area, whatever the orientation of the rings.
    """
    if geometry is None or geometry.is_empty:
        return 0.0
    return float(abs(GEOD.geometry_area_perimeter(geometry)[0]) / 1e6)
