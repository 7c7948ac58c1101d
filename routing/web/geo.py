"""Leg geometry as GeoJSON for the web API.

RFC 7946 asks for lines that cross the antimeridian to be cut there, with
every longitude in [-180, 180]; :func:`networks.geography.split_antimeridian`
does the cut, so a trans-Pacific leg is two or more parts. The page re-joins
them in its Pacific-centred frame. Lines are simplified to the report's
route tolerance (0.01 degree, about 1 km) to keep responses small.
"""

from __future__ import annotations

from typing import Any

import shapely

from networks.geography import split_antimeridian

#: Same tolerance as the HTML report's routes (degrees).
TOLERANCE_DEG = 0.01
DIGITS = 4


def leg_geojson(geometry: Any) -> dict[str, Any] | None:
    """A leg's line as a GeoJSON MultiLineString cut at +-180, or None if it has none."""
    if geometry is None or geometry.is_empty or geometry.length == 0:
        return None
    line = shapely.simplify(geometry, TOLERANCE_DEG, preserve_topology=False)
    parts = []
    for part in split_antimeridian(line).geoms:
        coords = [[round(float(x), DIGITS), round(float(y), DIGITS)] for x, y in part.coords]
        if len(coords) >= 2:
            parts.append(coords)
    return {"type": "MultiLineString", "coordinates": parts} if parts else None
