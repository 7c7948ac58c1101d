"""Load, validate and export datasets (the I/O edge of the network builder).

A dataset is a folder of files named as in :mod:`networks.schema` plus
``parameters.toml``. ``load_dataset(None)`` reads the embedded default;
``load_dataset(DIR)`` reads DIR and fills any file it lacks from the default
(and records which, so the CLI can say so). Every problem is reported with
file, row, field, the bad value and what was expected; validation collects
all problems before raising :class:`~networks.errors.DatasetErrors`.

Tables may be CSV, GeoJSON, GeoPackage or (Geo)Parquet, chosen by extension
(``land_links.gpkg`` instead of ``land_links.csv``). Every format goes
through the same cell parser, so the checks and messages are the same; the
row of a non-CSV file is its feature number (1-based).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import math
import os
import re
import shutil
import stat
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from networks import settings
from networks.errors import BypassError, DatasetError, DatasetErrors
from networks.params import parameter  # re-exported: callers read parameters from here
from networks.schema import (
    PARAMETERS,
    TABLE_FORMATS,
    TABLES,
    Field,
    TableSchema,
    parameter_bound,
)

__all__ = [
    "Dataset",
    "LAND_LINK_FORMATS",
    "MAX_SEA_ACCESS_KM",
    "PARAMETERS_FILE",
    "READERS",
    "REQUIRED_TABLES",
    "check_files",
    "default_dataset",
    "export_dataset",
    "load_dataset",
    "parameter",
    "read_parameters",
    "read_table",
    "table_file",
    "validate_dataset",
]

log = logging.getLogger(__name__)

#: Tables every dataset needs (demand, services, port_charges and port_access are optional).
REQUIRED_TABLES = ("ports", "hubs", "borders", "junctions", "land_links")
PARAMETERS_FILE = "parameters.toml"
#: A port farther than this from every sea-network node cannot be joined to the
#: sea: the straight access lane would cross land (the widest gap between a
#: real container terminal and a MARNET node is about 60 km).
MAX_SEA_ACCESS_KM = 200.0


@dataclass(frozen=True)
class Dataset:
    """Validated tables (DataFrames indexed by id where the table has one)."""

    tables: Mapping[str, pd.DataFrame]
    parameters: Mapping
    files: Mapping[str, str]  # table name -> file it was read from
    filled_from_default: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    root: str = ""
    parameters_file: str = ""

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def ports(self) -> pd.DataFrame:
        return self.tables["ports"]

    def fingerprint_inputs(self) -> dict:
        """What derived caches depend on (plain, JSON-able).

        Lazy tables (demand) are left out: the graph does not depend on them,
        and hashing them would read a large file every command does not need.
        """
        return {k: self.tables[k].to_csv() for k in sorted(self.tables)
                if k not in LAZY_TABLES}


def regular_file(path: Path, problems: list[DatasetError]) -> bool:
    """True if ``path`` is a regular file; else a problem (a FIFO or device would hang)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        problems.append(DatasetError(str(path), f"cannot read file: {exc.strerror}"))
        return False
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)"
                if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file")
        problems.append(DatasetError(str(path), f"is {kind}, not a regular file",
                                     expected="a regular file"))
        return False
    return True


def _decode(path: Path, problems: list[DatasetError]) -> str | None:
    if not regular_file(path, problems):
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(DatasetError(str(path), f"cannot read file: {exc.strerror}"))
        return None
    if b"\x00" in raw[:4096]:
        problems.append(DatasetError(str(path), "binary data, not a UTF-8 text file",
                                     expected="a UTF-8 text file"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            DatasetError(
                str(path),
                f"not valid UTF-8 at byte {exc.start}",
                row=line,
                value=raw[exc.start : exc.start + 1].hex(" "),
                expected="UTF-8 text (save the file as UTF-8)",
            )
        )
        return None
    if not text.strip():
        problems.append(DatasetError(str(path), "file is empty", expected="a header row and data"))
        return None
    return text


def _check_geom(geom: BaseGeometry, f: Field, file: str, line: int, shown: str):
    if geom is None or geom.is_empty:
        return None, DatasetError(file, "empty geometry", row=line, field=f.name,
                                  expected="a LINESTRING or POINT")
    xs, ys = shapely.get_coordinates(geom).T
    if (abs(xs) > 180).any() or (abs(ys) > 90).any():
        return None, DatasetError(file, "coordinates out of range", row=line, field=f.name,
                                  value=shown[:40], expected="lon -180..180, lat -90..90")
    return geom, None


def _parse(value: object, f: Field, file: str, line: int) -> tuple[object, DatasetError | None]:
    """Type-check one cell (text, or a geometry from a geo format)."""
    if isinstance(value, BaseGeometry):
        if f.type != "wkt":
            return None, DatasetError(file, "geometry where a value was expected", row=line,
                                      field=f.name, expected=f"a {f.type}")
        return _check_geom(value, f, file, line, value.geom_type)
    v = "" if value is None else str(value).strip()
    if v == "":
        if f.nullable or not f.required:
            return None, None
        expected = f"a {f.type}" + (f" or {' / '.join(f.literals)}" if f.literals else "")
        return None, DatasetError(file, "empty value", row=line, field=f.name,
                                  expected=expected)
    if f.literals and v.lower() in f.literals:
        return float("nan"), None
    if f.type in ("float", "int"):
        try:
            num = float(v)
        except ValueError:
            return None, DatasetError(file, "not a number", row=line, field=f.name, value=v,
                                      expected=f"a number{' in ' + f.unit if f.unit else ''}")
        if not math.isfinite(num):
            return None, DatasetError(file, "not a finite number", row=line, field=f.name,
                                      value=v, expected="a finite number")
        if f.minimum is not None and (num < f.minimum
                                      or (f.exclusive_minimum and num == f.minimum)):
            what = "negative value" if f.minimum == 0 and num < 0 else "value out of range"
            return None, DatasetError(
                file, what, row=line, field=f.name, value=v,
                expected=f"{'>' if f.exclusive_minimum else '>='} {f.minimum:g}"
                         f"{' ' + f.unit if f.unit else ''} (range {f.range_text()})")
        if f.maximum is not None and num > f.maximum:
            return None, DatasetError(
                file, "value out of range", row=line, field=f.name, value=v,
                expected=f"<= {f.maximum:g}{' ' + f.unit if f.unit else ''} "
                         f"(range {f.range_text()})")
        return (int(num) if f.type == "int" else num), None
    if f.type == "wkt":
        try:
            geom = shapely.from_wkt(v)
        except Exception:  # noqa: BLE001 - shapely raises several types for bad WKT
            return None, DatasetError(file, "invalid WKT geometry", row=line, field=f.name,
                                      value=v[:40], expected="WKT like 'LINESTRING (lon lat, ...)'")
        return _check_geom(geom, f, file, line, v)
    if f.allowed and v not in f.allowed:
        return None, DatasetError(file, "value not allowed", row=line, field=f.name, value=v,
                                  expected="one of " + ", ".join(f.allowed))
    if f.pattern and not re.match(f.pattern, v):
        return None, DatasetError(file, "malformed value", row=line, field=f.name, value=v,
                                  expected=f"pattern {f.pattern}")
    return v, None


# ----------------------------------------------------------------- raw rows by format
Rows = tuple[list[str], list[tuple[int, list[object]]]]


def _csv_rows(path: Path, problems: list[DatasetError]) -> Rows | None:
    file = str(path)
    text = _decode(path, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        problems.append(DatasetError(file, f"unreadable CSV header: {exc}", row=1))
        return None
    rows: list[tuple[int, list[object]]] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.append(DatasetError(file, f"{len(row)} cells but {len(header)} columns",
                                             row=line, expected="one cell per header column"))
                continue
            rows.append((line, list(row)))
    except csv.Error as exc:
        problems.append(DatasetError(file, f"malformed CSV: {exc}", row=reader.line_num))
        return None
    return header, rows


def _cell(value: object) -> object:
    """A value from a typed format as parser input (numbers exactly, via repr)."""
    if value is None or isinstance(value, BaseGeometry | bytes):
        return value
    if isinstance(value, float):
        return "" if value != value else repr(value)
    if hasattr(value, "item"):  # numpy scalar
        return _cell(value.item())
    return str(value)


def _geojson_rows(path: Path, problems: list[DatasetError]) -> Rows | None:
    file = str(path)
    text = _decode(path, problems)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(DatasetError(file, f"invalid JSON: {exc.msg} (column {exc.colno})",
                                     row=exc.lineno, expected="a GeoJSON FeatureCollection"))
        return None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        problems.append(DatasetError(file, "not a GeoJSON FeatureCollection",
                                     expected="an object with a 'features' list"))
        return None
    header: list[str] = []
    records: list[tuple[int, dict]] = []
    for i, feat in enumerate(features, start=1):
        props = feat.get("properties") if isinstance(feat, dict) else None
        if not isinstance(props, dict):
            problems.append(DatasetError(file, "feature has no properties object", row=i,
                                         expected="a GeoJSON Feature"))
            continue
        rec = dict(props)
        raw = feat.get("geometry")
        if raw is not None:
            try:
                rec["geometry"] = shape(raw)
            except Exception:  # noqa: BLE001 - shapely raises several types
                problems.append(DatasetError(file, "invalid GeoJSON geometry", row=i,
                                             field="geometry", value=str(raw)[:40],
                                             expected="a GeoJSON LineString or Point"))
                continue
        for k in rec:
            if k not in header:
                header.append(k)
        records.append((i, rec))
    return header, [(i, [_cell(rec.get(k)) for k in header]) for i, rec in records]


def _frame_rows(frame: pd.DataFrame) -> Rows:
    header = [str(c) for c in frame.columns]
    rows = [(i, [_cell(v) for v in rec])
            for i, rec in enumerate(frame.itertuples(index=False, name=None), start=1)]
    return header, rows


def _gpkg_rows(path: Path, problems: list[DatasetError]) -> Rows | None:
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # noqa: BLE001 - GDAL reports many kinds of damage
        first = (str(exc).splitlines() or [type(exc).__name__])[0].split(";")[0]
        first = first.replace(str(path), path.name).rstrip(". ")
        problems.append(DatasetError(str(path), f"cannot read as GeoPackage: {first}",
                                     expected="a GeoPackage with one feature layer"))
        return None
    if frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    return _frame_rows(pd.DataFrame(frame))


def _parquet_rows(path: Path, problems: list[DatasetError]) -> Rows | None:
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        problems.append(DatasetError(str(path), f"cannot read as Parquet: {first}",
                                     expected="a Parquet or GeoParquet file"))
        return None
    header, rows = _frame_rows(frame)
    for col, name in enumerate(header):
        for line, cells in rows:
            if isinstance(cells[col], bytes):
                try:
                    cells[col] = shapely.from_wkb(cells[col])
                except Exception:  # noqa: BLE001
                    problems.append(DatasetError(str(path), "invalid WKB geometry", row=line,
                                                 field=name, expected="WKB or WKT geometry"))
                    cells[col] = None
    return header, rows


READERS = {".csv": _csv_rows, ".geojson": _geojson_rows, ".json": _geojson_rows,
           ".gpkg": _gpkg_rows, ".parquet": _parquet_rows, ".geoparquet": _parquet_rows}


def _geometry_field(schema: TableSchema) -> str | None:
    return next((f.name for f in schema.fields if f.type == "wkt"), None)


def _points_to_latlon(header: list[str], rows, file: str, problems) -> None:
    """Point tables in geo formats may carry their position only as geometry."""
    g = header.index("geometry")
    header += ["lon", "lat"]
    for line, cells in rows:
        geom = cells[g]
        if isinstance(geom, Point):
            cells += [repr(geom.x), repr(geom.y)]
        else:
            problems.append(DatasetError(file, "geometry is not a POINT", row=line,
                                         field="geometry",
                                         value=getattr(geom, "geom_type", geom),
                                         expected="POINT (lon lat) or lat/lon columns"))
            cells += ["", ""]


def read_table(
    schema: TableSchema, path: Path, problems: list[DatasetError]
) -> pd.DataFrame | None:
    """Read and type-check one table (format by extension), appending every problem found."""
    path = Path(path)
    file = str(path)
    reader = READERS.get(path.suffix.lower())
    if not regular_file(path, problems):
        return None
    if reader is None:
        problems.append(DatasetError(file, "unknown table format",
                                     expected="one of " + ", ".join(TABLE_FORMATS)))
        return None
    got = reader(path, problems)
    if got is None:
        return None
    header, rows = got
    geo = _geometry_field(schema)
    if "geometry" in header and geo and geo != "geometry" and geo not in header:
        header[header.index("geometry")] = geo  # port_access: the feature geometry is waypoints
    if ("geometry" in header and {"lat", "lon"} <= set(schema.required)
            and not {"lat", "lon"} & set(header)):
        _points_to_latlon(header, rows, file, problems)
    missing = [name for name in schema.required if name not in header]
    if missing:
        problems.append(
            DatasetError(file, "missing column(s) " + ", ".join(missing), row=1,
                         field=missing[0], expected="columns " + ", ".join(schema.required))
        )
        return None
    known = {f.name: f for f in schema.fields}
    records: list[dict] = []
    lines: list[int] = []
    for line, row in rows:
        rec: dict = {}
        for name, cell in zip(header, row, strict=True):
            if name not in known:
                if name != "geometry" or not isinstance(cell, BaseGeometry):
                    rec[name] = cell
                continue
            value, err = _parse(cell, known[name], file, line)
            if err:
                problems.append(err)
            rec[name] = value
        records.append(rec)
        lines.append(line)
    if not records:
        problems.append(DatasetError(file, "no data rows", row=2, expected="at least one row"))
        return None
    frame = pd.DataFrame.from_records(records)
    for f in schema.fields:
        if f.name not in frame:
            frame[f.name] = None
    frame["_line"] = lines
    if schema.id_field:
        seen: dict[str, int] = {}
        for ident, line in zip(frame[schema.id_field], lines, strict=True):
            if ident is None or ident != ident:
                continue
            if ident in seen:
                problems.append(DatasetError(file, f"duplicate id (first on row {seen[ident]})",
                                             row=line, field=schema.id_field, value=ident,
                                             expected="unique ids"))
            else:
                seen[ident] = line
    return frame


# ----------------------------------------------------------------- parameters
def _toml_line(text: str, dotted: str) -> int | None:
    """Line of a parameter's table header (or of its last key), for messages."""
    parts = dotted.split(".")
    pattern = r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, parts)) + r"\s*\]"
    m = re.search(pattern, text, re.M)
    if m is None and len(parts) > 1:
        m = re.search(r"^\s*" + re.escape(parts[-1]) + r"\s*=", text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else None


def read_parameters(path: Path, problems: list[DatasetError]) -> dict | None:
    """Read parameters.toml; every leaf parameter is a {value, unit, source} table."""
    file = str(path)
    text = _decode(path, problems)
    if text is None:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        if m:
            msg = msg[: m.start()].strip() + f" (column {m.group(2)})"
        else:
            m = re.search(r"line (\d+)", msg)
        problems.append(DatasetError(file, f"invalid TOML: {msg}",
                                     row=int(m.group(1)) if m else None,
                                     expected="TOML syntax (key = value, [table])"))
        return None

    def walk(node: Mapping, trail: str) -> None:
        for key, val in node.items():
            name = f"{trail}.{key}" if trail else key
            if trail == "" and key == "meta":
                continue
            if not isinstance(val, Mapping):
                problems.append(DatasetError(file, "bare value, not a parameter table",
                                             row=_toml_line(text, name), field=name, value=val,
                                             expected="a { value, unit, source } table"))
                continue
            if "value" in val:
                v = val["value"]
                line = _toml_line(text, name)
                if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
                    problems.append(DatasetError(file, "parameter value is not a number",
                                                 row=line, field=name, value=v,
                                                 expected="a number"))
                else:
                    bound = parameter_bound(name)
                    if (v < bound.minimum or v > bound.maximum
                            or (bound.exclusive_minimum and v == bound.minimum)):
                        what = ("negative parameter" if v < 0 else
                                "parameter must be > 0" if v == bound.minimum
                                else "parameter out of range")
                        problems.append(DatasetError(file, what, row=line, field=name, value=v,
                                                     expected=bound.text()))
                for extra in ("unit", "source"):
                    if not str(val.get(extra, "")).strip():
                        problems.append(DatasetError(file, f"parameter has no {extra}", row=line,
                                                     field=name,
                                                     expected=f"a non-empty '{extra}' string"))
            else:
                walk(val, name)

    walk(data, "")
    for key in PARAMETERS.keys:
        if not key.required:
            continue
        node: object = data
        for part in key.key.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is None:
            problems.append(DatasetError(file, "missing parameter", field=key.key,
                                         expected=f"a {{ value, unit = '{key.unit}', source }} "
                                                  "table"))
    return data


# ----------------------------------------------------------------- cross-table checks
def _default_port_ids() -> frozenset[str]:
    """LOCODEs of the default dataset's ports (read from its CSV, nothing else)."""
    path = settings.DATA_DIR / "ports.csv"
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return frozenset(row["locode"].strip() for row in csv.DictReader(fh)
                             if row.get("locode"))
    except (OSError, KeyError, csv.Error):
        return frozenset()


def _check_references(tables: dict[str, pd.DataFrame], files: Mapping[str, str],
                      defaulted: set[str], problems: list[DatasetError],
                      warnings: list[str]) -> None:
    """Unknown ids are errors, except rows that name a dropped port or come from the default.

    A researcher replacing the port list expects what hangs on a port they
    dropped (its access lane, land links, sea services, demand) to go with it:
    rows naming a port of the default dataset that this dataset lacks are left
    out with one warning per file, in their own files as in default-filled
    ones. Rows of default-filled files naming any other missing id are left
    out the same way (a partial dataset). Any other unknown id - a typo in
    your own file - is an error.
    """
    ids: dict[str, set[str]] = {}
    for name, frame in tables.items():
        schema = TABLES[name]
        if schema.id_field:
            ids[name] = set(frame[schema.id_field].dropna())
    dropped_ports: frozenset[str] | None = None
    for name in list(tables):
        schema = TABLES[name]
        frame = tables[name]
        drop: list[str] = []
        keep = pd.Series(True, index=frame.index)
        for col, targets in schema.references.items():
            if any(t in REQUIRED_TABLES and t not in ids for t in targets):
                continue  # a target table failed to load: do not cascade
            pool = set().union(*(ids.get(t, set()) for t in targets))
            for idx, value, line in zip(frame.index, frame[col], frame["_line"], strict=True):
                if value is None or value != value or value in pool:
                    continue
                if "ports" in targets and dropped_ports is None:
                    dropped_ports = _default_port_ids() - ids.get("ports", set())
                port_gone = "ports" in targets and value in (dropped_ports or ())
                if name in defaulted or port_gone:
                    if keep[idx]:
                        keep[idx] = False
                        label = str(frame.at[idx, schema.id_field]) if schema.id_field else "row"
                        drop.append(f"{label} (row {line}, {col} {value!r})")
                else:
                    problems.append(DatasetError(files[name], "unknown id", row=int(line),
                                                 field=col, value=value,
                                                 expected="an id from " + "/".join(targets)))
        if drop:
            tables[name] = frame[keep]
            shown = "; ".join(drop[:8]) + (f"; and {len(drop) - 8} more" if len(drop) > 8 else "")
            why = " (filled from the default)" if name in defaulted else ""
            note = (f"{files[name]}{why}: left out {len(drop)} row(s) naming ids this dataset "
                    f"lacks: {shown}")
            warnings.append(note)
            log.warning("%s", note)


def _check_finite_capacity(ports: pd.DataFrame, file: str,
                           problems: list[DatasetError]) -> None:
    """The default dataset bounds every port: `unlimited` is for user datasets only.

    A port without a capacity would absorb any volume ``bypass plan`` sends it
    (the 465,100 TEU/yr once sent through Mazatlán), so the shipped data must
    carry a sourced figure for each one.
    """
    for code, cap, line in zip(ports["locode"], ports["capacity_teu_per_year"], ports["_line"],
                               strict=True):
        if cap != cap:
            problems.append(DatasetError(file, "capacity missing in the default dataset",
                                         row=int(line), field="capacity_teu_per_year",
                                         value=str(code), expected="a sourced TEU/year figure"))


def _check_geometry(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str],
                    problems: list[DatasetError]) -> None:
    for name, col, kinds in (("land_links", "geometry", ("LineString",)),
                             ("port_access", "waypoints", ("LineString", "Point"))):
        frame = tables.get(name)
        if frame is None:
            continue
        for geom, line in zip(frame[col], frame["_line"], strict=True):
            if isinstance(geom, BaseGeometry) and geom.geom_type not in kinds:
                problems.append(DatasetError(files[name], f"geometry is not a {kinds[0].upper()}",
                                             row=int(line), field=col, value=geom.geom_type,
                                             expected=" or ".join(k.upper() for k in kinds)))


# ----------------------------------------------------------------- loading
def table_file(root: Path, schema: TableSchema, problems: list[DatasetError]) -> Path | None:
    """The one file of a table in ``root`` (any supported format), or None."""
    stem = Path(schema.filename).stem
    found = [root / f"{stem}{ext}" for ext in READERS if (root / f"{stem}{ext}").exists()]
    if len(found) > 1:
        problems.append(DatasetError(str(found[0]), "more than one file for table "
                                     f"{schema.name}: " + ", ".join(p.name for p in found),
                                     expected="exactly one file per table"))
        return None
    return found[0] if found else None


#: At most this many problems are listed per streamed file (then a count).
MAX_PROBLEMS_PER_FILE = 1000


def stream_check_csv(schema: TableSchema, path: Path, pools: Mapping[str, set],
                     problems: list[DatasetError], was_default: bool = False,
                     warnings: list[str] | None = None) -> None:
    """Check a large CSV table row by row, keeping no rows: memory stays flat.

    Same cell checks and messages as :func:`read_table` (references against
    ``pools``: table name -> ids). Used by validation for the lazy tables,
    which the graph does not need (a 200 MB demand.csv took 1.8 GB to check
    as a DataFrame).
    """
    file = str(path)
    if not regular_file(path, problems):
        return
    found: list[DatasetError] = []
    extra = 0

    def report(err: DatasetError) -> None:
        nonlocal extra
        if len(found) < MAX_PROBLEMS_PER_FILE:
            found.append(err)
        else:
            extra += 1

    with open(path, "rb") as raw:
        if b"\x00" in raw.read(4096):
            problems.append(DatasetError(file, "binary data, not a UTF-8 text file",
                                         expected="a UTF-8 text file"))
            return
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            problems.append(DatasetError(file, "file is empty",
                                         expected="a header row and data"))
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.append(DatasetError(file, f"unreadable CSV header: {exc}", row=1))
            return
        missing = [name for name in schema.required if name not in header]
        if missing:
            problems.append(DatasetError(file, "missing column(s) " + ", ".join(missing),
                                         row=1, field=missing[0],
                                         expected="columns " + ", ".join(schema.required)))
            return
        known = {f.name: f for f in schema.fields}
        cols = [(i, known[name]) for i, name in enumerate(header) if name in known]
        refs = [(header.index(col), col, targets, set().union(*(pools.get(t, set())
                                                                for t in targets)))
                for col, targets in schema.references.items() if col in header]
        rows = 0
        drop: list[str] = []
        try:
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                rows += 1
                if len(row) != len(header):
                    report(DatasetError(file, f"{len(row)} cells but {len(header)} columns",
                                        row=line, expected="one cell per header column"))
                    continue
                for i, f in cols:
                    value, err = _parse(row[i], f, file, line)
                    if err:
                        report(err)
                dropped = False
                for i, col, targets, pool in refs:
                    value = row[i].strip()
                    if not value or value in pool:
                        continue
                    if was_default:  # as _check_references: the row is left out
                        if not dropped:
                            drop.append(f"row (row {line}, {col} {value!r})")
                            dropped = True
                        continue
                    report(DatasetError(file, "unknown id", row=line, field=col,
                                        value=value,
                                        expected="an id from " + "/".join(targets)))
        except UnicodeDecodeError as exc:
            report(DatasetError(file, "not valid UTF-8", row=reader.line_num + 1,
                                value=exc.object[exc.start:exc.start + 1].hex(" "),
                                expected="UTF-8 text (save the file as UTF-8)"))
        except csv.Error as exc:
            report(DatasetError(file, f"malformed CSV: {exc}", row=reader.line_num))
        if rows == 0 and not found:
            report(DatasetError(file, "no data rows", row=2, expected="at least one row"))
    problems.extend(found)
    if drop and warnings is not None:
        shown = "; ".join(drop[:8]) + (f"; and {len(drop) - 8} more" if len(drop) > 8 else "")
        warnings.append(f"{file} (filled from the default): left out {len(drop)} "
                        f"row(s) naming ids this dataset lacks: {shown}")
    if extra:
        problems.append(DatasetError(file, f"{extra} more problem(s) not listed",
                                     expected="fix the ones above first"))


def _has_dataset_file(root: Path) -> bool:
    """Whether ``root`` holds any table or parameters file (else it is not a dataset)."""
    stems = {Path(s.filename).stem for s in TABLES.values()}
    names = {f"{stem}{ext}" for stem in stems for ext in READERS} | {PARAMETERS_FILE}
    return any(os.path.lexists(root / name) for name in names)


@dataclass
class _Loaded:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    filled: list[str] = field(default_factory=list)
    problems: list[DatasetError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    params: dict | None = None
    params_file: str = ""
    deferred: dict[str, tuple[Path, bool]] = field(default_factory=dict)  # name: (file, default?)


def _load(root: Path, lazy: tuple[str, ...] = (), stream: tuple[str, ...] = ()) -> _Loaded:
    """Read and check a dataset folder.

    ``lazy`` tables are only located (read on first use, see :class:`Tables`);
    ``stream`` tables (CSV) are checked row by row without keeping rows, and
    then also left lazy.
    """
    default = settings.DATA_DIR
    got = _Loaded()
    problems = got.problems
    if not root.is_dir():
        problems.append(DatasetError(str(root), "dataset folder not found",
                                     expected="a folder of CSV/TOML files"))
        return got
    is_default = root.resolve() == default.resolve()
    if not is_default and not _has_dataset_file(root):
        problems.append(DatasetError(str(root), "no dataset file in this folder",
                                     expected="at least one of " + ", ".join(
                                         [s.filename for s in TABLES.values()]
                                         + [PARAMETERS_FILE])))
        return got
    defaulted: set[str] = set()
    streamed: list[str] = []  # warnings of streamed tables, after the other tables' ones
    for name, schema in TABLES.items():
        before = len(problems)
        path = table_file(root, schema, problems)
        if len(problems) > before:
            continue  # two files for one table: reported
        if path is None:
            path = table_file(default, schema, problems)
            if path is None:
                if name in REQUIRED_TABLES:
                    problems.append(DatasetError(str(root / schema.filename),
                                                 "required file missing",
                                                 expected=f"{schema.filename} (or .gpkg, "
                                                          ".geojson, .parquet)"))
                continue
            if not is_default:
                got.filled.append(path.name)
                defaulted.add(name)
        if name in lazy:
            got.deferred[name] = (path, name in defaulted)
            got.files[name] = str(path)
            continue
        if name in stream and path.suffix.lower() == ".csv":
            pools: dict[str, set] = {t: set(got.tables[t][TABLES[t].id_field].dropna())
                                     for t in ("ports", "hubs") if t in got.tables}
            stream_check_csv(schema, path, pools, problems, name in defaulted, streamed)
            got.deferred[name] = (path, name in defaulted)
            got.files[name] = str(path)
            continue
        frame = read_table(schema, path, problems)
        if frame is not None:
            got.tables[name] = frame
            got.files[name] = str(path)
    ppath = root / PARAMETERS_FILE
    if not ppath.exists():
        ppath = default / PARAMETERS_FILE
        if not is_default:
            got.filled.append(PARAMETERS_FILE)
    got.params = read_parameters(ppath, problems)
    got.params_file = str(ppath)
    _check_references(got.tables, got.files, defaulted, problems, got.warnings)
    got.warnings += streamed
    _check_geometry(got.tables, got.files, problems)
    if is_default and "ports" in got.tables:
        _check_finite_capacity(got.tables["ports"], got.files["ports"], problems)
    return got


def load_dataset(data_dir: str | Path | None = None, *, check_sea: bool = False) -> Dataset:
    """Load and validate a dataset; missing files come from the default dataset.

    Raises :class:`DatasetErrors` listing every problem found. Notes that do
    not stop the build (default rows left out) are in ``Dataset.warnings`` and
    logged. Loading never builds the sea network or the graph: the check that
    every port reaches the sea runs when the graph is built
    (``networks.build.check_sea_access``); ``check_sea`` is kept for callers
    and ignored.
    """
    del check_sea
    root = Path(data_dir) if data_dir is not None else settings.DATA_DIR
    got = _load(root, lazy=LAZY_TABLES)
    if got.problems:
        raise DatasetErrors(got.problems)
    return _as_dataset(got, root)


def _as_dataset(got: _Loaded, root: Path) -> Dataset:
    indexed = {name: _indexed(name, frame) for name, frame in got.tables.items()}
    pools: dict[str, pd.DataFrame] = {
        name: got.tables[name] for name in ("ports", "hubs") if name in got.tables}
    deferred: dict[str, Callable[[], pd.DataFrame]] = {
        name: functools.partial(_read_deferred, name, path, was_default, pools)
        for name, (path, was_default) in got.deferred.items()}
    return Dataset(
        tables=Tables(indexed, deferred),
        parameters=got.params or {},
        files=got.files,
        filled_from_default=tuple(got.filled),
        warnings=tuple(got.warnings),
        root=str(root),
        parameters_file=got.params_file,
    )


#: Tables read only when a command asks for them: the graph does not need them and
#: they can be large (a 200 MB demand.csv must not slow down or bloat ``route``).
LAZY_TABLES = ("demand",)


def _indexed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    schema = TABLES[name]
    return frame.set_index(schema.id_field, drop=False) if schema.id_field else frame


def _read_deferred(name: str, path: Path, was_default: bool,
                   pools: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Read and check a lazy table on first use (same checks as an eager one)."""
    problems: list[DatasetError] = []
    frame = read_table(TABLES[name], path, problems)
    if frame is None or problems:
        raise DatasetErrors(problems)
    tables = {**pools, name: frame}
    warnings: list[str] = []
    _check_references(tables, {name: str(path)}, {name} if was_default else set(), problems,
                      warnings)
    if problems:
        raise DatasetErrors(problems)
    for note in warnings:
        logging.getLogger(__name__).warning("%s", note)
    return _indexed(name, tables[name])


class Tables(Mapping):
    """The tables of a dataset; lazy ones (``LAZY_TABLES``) are read on first access."""

    def __init__(self, loaded: dict[str, pd.DataFrame],
                 deferred: dict[str, Callable[[], pd.DataFrame]] | None = None) -> None:
        self._loaded = dict(loaded)
        self._deferred = dict(deferred or {})

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._loaded and name in self._deferred:
            self._loaded[name] = self._deferred[name]()
            del self._deferred[name]
        return self._loaded[name]

    def __iter__(self):
        return iter([n for n in TABLES if n in self._loaded or n in self._deferred]
                    + [n for n in self._loaded if n not in TABLES])

    def __len__(self) -> int:
        return len(set(self._loaded) | set(self._deferred))

    def __contains__(self, name: object) -> bool:  # without reading a lazy table
        return name in self._loaded or name in self._deferred

    def loaded(self) -> dict[str, pd.DataFrame]:
        """The tables read so far (lazy ones only once asked for)."""
        return dict(self._loaded)


def check_files(data_dir: str | Path | None
                ) -> tuple[list[DatasetError], list[str], Dataset | None]:
    """(problems, warnings, the dataset when it has no problems), loading once.

    Large lazy tables (``LAZY_TABLES``) are checked row by row, not kept.
    """
    root = Path(data_dir) if data_dir is not None else settings.DATA_DIR
    got = _load(root, stream=LAZY_TABLES)
    return got.problems, got.warnings, None if got.problems else _as_dataset(got, root)


def validate_dataset(data_dir: str | Path | None) -> tuple[list[DatasetError], list[str]]:
    """Every problem of a dataset's files, and the loading warnings.

    File-level checks only (types, ranges, references); the checks that need
    the built graph are in ``networks.build.check_dataset``, which
    ``bypass data validate`` runs.
    """
    root = Path(data_dir) if data_dir is not None else settings.DATA_DIR
    got = _load(root, stream=LAZY_TABLES)  # large lazy tables: checked row by row
    return got.problems, got.warnings


@lru_cache(maxsize=1)
def default_dataset() -> Dataset:
    """The embedded default dataset, loaded once per process."""
    return load_dataset(None)


# ----------------------------------------------------------------- export
LAND_LINK_FORMATS = (".csv", ".gpkg", ".geojson", ".parquet")


def _wkt(geom: object) -> object:
    if not isinstance(geom, BaseGeometry):
        return None
    return shapely.to_wkt(geom, rounding_precision=17)  # exact round trip


def _plain(frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """A loaded table as written: schema columns first, extras kept, no internals."""
    frame = frame.reset_index(drop=True)
    names = [f.name for f in schema.fields]
    extras = [c for c in frame.columns if c not in names and not c.startswith("_")]
    frame = frame[names + extras].copy()
    for f in schema.fields:
        if f.type in ("float", "int"):
            frame[f.name] = pd.to_numeric(frame[f.name]).astype(float)
            if f.literals and f.required and not f.nullable:
                # NaN here is the literal (e.g. `unlimited`); an empty cell would not load
                frame[f.name] = frame[f.name].astype(object).where(
                    frame[f.name].notna(), f.literals[0])
    return frame


def _write_geojson(frame: pd.DataFrame, geom_col: str, path: Path) -> None:
    feats = []
    for rec in frame.to_dict(orient="records"):
        geom = rec.pop(geom_col)
        props = {k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()}
        feats.append({"type": "Feature", "properties": props,
                      "geometry": shapely.geometry.mapping(geom)})
    text = json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def _write_table(frame: pd.DataFrame, schema: TableSchema, path: Path) -> None:
    import geopandas as gpd

    geo = _geometry_field(schema)
    ext = path.suffix
    if ext == ".csv":
        out = frame.copy()
        if geo:
            out[geo] = out[geo].map(_wkt)
        out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    elif ext == ".geojson":
        _write_geojson(frame, geo or "geometry", path)
    else:
        gdf = gpd.GeoDataFrame(frame.rename(columns={geo: "geometry"}), geometry="geometry",
                               crs="EPSG:4326")
        if ext == ".gpkg":
            gdf.to_file(path, layer=schema.name, driver="GPKG", engine="pyogrio")
        else:
            gdf.to_parquet(path, index=False)


def export_dataset(dataset: Dataset, out_dir: str | Path, *, force: bool = False,
                   land_links: str = ".csv") -> list[str]:
    """Write a dataset as editable files; all or nothing per file, never half a file.

    Refuses a non-empty folder unless ``force``. Files are written into a
    temporary folder beside ``out_dir`` first, then moved in.
    """
    out = Path(out_dir)
    if not land_links.startswith("."):
        land_links = "." + land_links
    if land_links not in LAND_LINK_FORMATS:
        raise BypassError(f"land links format {land_links!r}: expected one of "
                          + ", ".join(e.lstrip(".") for e in LAND_LINK_FORMATS))
    if out.exists() and not out.is_dir():
        raise BypassError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise BypassError(f"{out}: folder is not empty (use --force to overwrite)")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise BypassError(f"{out}: folder {parent} does not exist")
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}-tmp-"))
    written: list[str] = []
    try:
        for name, schema in TABLES.items():
            frame = dataset.tables.get(name)
            if frame is None:
                continue
            ext = land_links if name == "land_links" else ".csv"
            path = tmp / f"{Path(schema.filename).stem}{ext}"
            _write_table(_plain(frame, schema), schema, path)
            written.append(path.name)
        pfile = Path(dataset.parameters_file or settings.DATA_DIR / PARAMETERS_FILE)
        shutil.copyfile(pfile, tmp / PARAMETERS_FILE)
        written.append(PARAMETERS_FILE)
        sources = Path(dataset.root or settings.DATA_DIR) / "SOURCES.md"
        if not sources.exists():
            sources = settings.DATA_DIR / "SOURCES.md"
        shutil.copyfile(sources, tmp / "SOURCES.md")
        written.append("SOURCES.md")
        if not out.exists():
            os.replace(tmp, out)
        else:
            for schema in TABLES.values():  # a stale table in another format would clash
                for ext in READERS:
                    stale = out / f"{Path(schema.filename).stem}{ext}"
                    if stale.exists() and stale.name not in written:
                        stale.unlink()
            for fname in written:
                os.replace(tmp / fname, out / fname)
    except OSError as exc:
        raise BypassError(f"{out}: cannot write ({exc.strerror or exc})") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return written
