"""Write the routing graph and result tables to files (the I/O edge).

Every writer goes through a temporary file in the target folder and an
atomic rename, so an interrupted export never leaves half a file behind.
Geometries are split at the antimeridian when written, as GIS tools expect.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import Point

from networks import geography
from networks.atomic import write_atomic

__all__ = [
    "edge_table",
    "node_table",
    "write_frame",
    "write_geopackage",
]


def _flat(value):
    if isinstance(value, tuple | list):
        return ";".join(map(str, value))
    return value


def node_table(graph: nx.MultiDiGraph) -> pd.DataFrame:
    """One row per node, plain columns."""
    rows = []
    for node, d in sorted(graph.nodes(data=True)):
        row = {"id": node}
        row.update({k: _flat(v) for k, v in d.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def edge_table(graph: nx.MultiDiGraph, *, geometry: bool = False) -> pd.DataFrame:
    """One row per directed edge: ids, mode, figures, US transit facts (no geometry)."""
    rows = []
    for u, v, key, d in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3]):
        row = {"from": u, "to": v, "key": key}
        for k, val in d.items():
            if k == "geometry":
                continue
            if k == "us_waters_nm":
                row["us_territorial_nm"] = float(val.get("territorial", 0.0))
                row["us_eez_nm"] = float(val.get("eez", 0.0))
                continue
            row[k] = _flat(val)
        if geometry:
            row["geometry"] = geography.split_antimeridian(d["geometry"])
        rows.append(row)
    return pd.DataFrame(rows)


def write_geopackage(graph: nx.MultiDiGraph, path: str | os.PathLike) -> None:
    """GeoPackage with layers ``nodes`` (points) and ``edges`` (lines), EPSG:4326."""
    nodes = node_table(graph)
    gnodes = gpd.GeoDataFrame(nodes, geometry=[Point(x, y) for x, y in zip(nodes["lon"],
                              nodes["lat"], strict=True)], crs="EPSG:4326")
    edges = edge_table(graph, geometry=True)
    gedges = gpd.GeoDataFrame(edges, geometry="geometry", crs="EPSG:4326")
    for frame in (gnodes, gedges):
        for col in frame.columns:
            if frame[col].dtype == bool:
                frame[col] = frame[col].astype(int)

    def write(tmp: Path) -> None:
        gnodes.to_file(tmp, layer="nodes", driver="GPKG", engine="pyogrio")
        gedges.to_file(tmp, layer="edges", driver="GPKG", engine="pyogrio", append=True)

    write_atomic(Path(path), write)


def _wkt(geom) -> str | None:
    """WKT with lines split at the antimeridian, as GIS tools expect."""
    if geom is None:
        return None
    if geom.geom_type in ("LineString", "MultiLineString"):
        geom = geography.split_antimeridian(geom)
    return geom.wkt


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """A text cell a spreadsheet could run as a formula, made inert with a leading ``'``.

    Why: a place named ``=cmd|' /C calc'!A0`` would otherwise run when a
    planner opens the CSV in a spreadsheet (OWASP, "CSV Injection",
    https://owasp.org/www-community/attacks/CSV_Injection, 2024). Only strings
    change; numbers (including negative ones) stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell passed through :func:`neutralise_cell`."""
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype):
            frame[col] = frame[col].map(neutralise_cell)
    return frame


def write_frame(frame: pd.DataFrame, path: str | os.PathLike, *, for_people: bool = True) -> None:
    """CSV, or Parquet when the name ends in .parquet; geometry columns as WKT.

    A CSV ``for_people`` (every table the CLI and the report write) has its
    formula-like text cells neutralised (:func:`neutralise_cell`); dataset
    files, which must read back unchanged, pass ``for_people=False``. Parquet
    is typed data, not opened by spreadsheets as text, and is left as is.
    """
    path = Path(path)
    frame = frame.copy()
    if "geometry" in frame:
        frame["geometry"] = frame["geometry"].map(_wkt)
    if path.suffix.lower() == ".parquet":
        write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))
    else:
        if for_people:
            frame = neutralise_formulas(frame)
        write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))
