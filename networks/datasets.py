"""Load, validate and export datasets (the I/O edge of the network builder).

A dataset is a folder of files named as in :mod:`networks.schema` plus
``parameters.toml``. ``load_dataset(None)`` reads the embedded default;
``load_dataset(DIR)`` reads DIR and fills any file it lacks from the default
(and records which, so the CLI can say so). Every problem is reported with
file, line, field, the bad value and what was expected; validation collects
all problems before raising :class:`~networks.errors.DatasetErrors`.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from networks import settings
from networks.errors import DatasetError, DatasetErrors
from networks.schema import TABLES, Field, TableSchema

#: Tables every dataset needs (demand and sea_services and port_access are optional).
REQUIRED_TABLES = ("ports", "hubs", "borders", "junctions", "land_links")
PARAMETERS_FILE = "parameters.toml"


@dataclass(frozen=True)
class Dataset:
    """Validated tables (DataFrames indexed by id where the table has one)."""

    tables: Mapping[str, pd.DataFrame]
    parameters: Mapping
    files: Mapping[str, str]  # table name -> file it was read from
    filled_from_default: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    root: str = ""

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def ports(self) -> pd.DataFrame:
        return self.tables["ports"]

    def fingerprint_inputs(self) -> dict:
        """What derived caches depend on (plain, JSON-able)."""
        return {k: v.to_csv() for k, v in sorted(self.tables.items())}


def _decode(path: Path, problems: list[DatasetError]) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(DatasetError(str(path), f"cannot read file: {exc.strerror}"))
        return None
    if b"\x00" in raw[:4096]:
        problems.append(DatasetError(str(path), "binary data, not a UTF-8 text file"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(
            DatasetError(
                str(path),
                f"not valid UTF-8 at byte {exc.start}",
                expected="UTF-8 text (save the file as UTF-8)",
            )
        )
        return None
    if not text.strip():
        problems.append(DatasetError(str(path), "file is empty", expected="a header row and data"))
        return None
    return text


def _parse(value: str, f: Field, file: str, line: int) -> tuple[object, DatasetError | None]:
    v = value.strip()
    if v == "":
        if f.nullable or not f.required:
            return None, None
        return None, DatasetError(file, "empty value", row=line, field=f.name,
                                  expected=f"a {f.type}")
    if f.type in ("float", "int"):
        try:
            num = float(v)
        except ValueError:
            return None, DatasetError(file, "not a number", row=line, field=f.name, value=v,
                                      expected=f"a number{' in ' + f.unit if f.unit else ''}")
        if not math.isfinite(num):
            return None, DatasetError(file, "not a finite number", row=line, field=f.name,
                                      value=v, expected="a finite number")
        if f.minimum is not None and num < f.minimum:
            what = "negative value" if f.minimum == 0 else "value out of range"
            return None, DatasetError(file, what, row=line, field=f.name, value=v,
                                      expected=f">= {f.minimum:g}")
        if f.maximum is not None and num > f.maximum:
            return None, DatasetError(file, "value out of range", row=line, field=f.name,
                                      value=v, expected=f"<= {f.maximum:g}")
        return (int(num) if f.type == "int" else num), None
    if f.type == "wkt":
        try:
            geom = shapely.from_wkt(v)
        except Exception:  # noqa: BLE001 - shapely raises several types for bad WKT
            return None, DatasetError(file, "invalid WKT geometry", row=line, field=f.name,
                                      value=v[:40], expected="WKT like 'LINESTRING (lon lat, ...)'")
        if geom is None or geom.is_empty:
            return None, DatasetError(file, "empty geometry", row=line, field=f.name,
                                      expected="a LINESTRING or POINT")
        xs, ys = shapely.get_coordinates(geom).T
        if (abs(xs) > 180).any() or (abs(ys) > 90).any():
            return None, DatasetError(file, "coordinates out of range", row=line, field=f.name,
                                      value=v[:40], expected="lon -180..180, lat -90..90")
        return geom, None
    if f.allowed and v not in f.allowed:
        return None, DatasetError(file, "value not allowed", row=line, field=f.name, value=v,
                                  expected="one of " + ", ".join(f.allowed))
    if f.pattern and not re.match(f.pattern, v):
        return None, DatasetError(file, "malformed value", row=line, field=f.name, value=v,
                                  expected=f"pattern {f.pattern}")
    return v, None


def read_table(
    schema: TableSchema, path: Path, problems: list[DatasetError]
) -> pd.DataFrame | None:
    """Read and type-check one CSV table, appending every problem found."""
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
    start = len(problems)
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.append(DatasetError(file, f"{len(row)} cells but {len(header)} columns",
                                             row=line, expected="one cell per header column"))
                continue
            rec: dict = {}
            for name, cell in zip(header, row, strict=True):
                if name not in known:
                    rec[name] = cell
                    continue
                value, err = _parse(cell, known[name], file, line)
                if err:
                    problems.append(err)
                rec[name] = value
            records.append(rec)
            lines.append(line)
    except csv.Error as exc:
        problems.append(DatasetError(file, f"malformed CSV: {exc}", row=reader.line_num))
        return None
    if not records:
        problems.append(DatasetError(file, "no data rows", row=2, expected="at least one row"))
        return None
    frame = pd.DataFrame.from_records(records)
    for f in schema.fields:
        if f.name not in frame:
            frame[f.name] = None
    frame["_line"] = lines
    if schema.id_field and len(problems) == start:
        seen: dict[str, int] = {}
        for ident, line in zip(frame[schema.id_field], lines, strict=True):
            if ident in seen:
                problems.append(DatasetError(file, f"duplicate id (first on line {seen[ident]})",
                                             row=line, field=schema.id_field, value=ident,
                                             expected="unique ids"))
            else:
                seen[ident] = line
    return frame


def read_parameters(path: Path, problems: list[DatasetError]) -> dict | None:
    """Read parameters.toml; every leaf parameter is a {value, unit, source} table."""
    text = _decode(path, problems)
    if text is None:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        problems.append(DatasetError(str(path), f"invalid TOML: {exc}",
                                     row=int(m.group(1)) if m else None))
        return None

    def walk(node: Mapping, trail: str) -> None:
        for key, val in node.items():
            name = f"{trail}.{key}" if trail else key
            if not isinstance(val, Mapping) or trail == "" and key == "meta":
                continue
            if "value" in val:
                v = val["value"]
                if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
                    problems.append(DatasetError(str(path), "parameter value is not a number",
                                                 field=name, value=v, expected="a number"))
                elif v < 0:
                    problems.append(DatasetError(str(path), "negative parameter", field=name,
                                                 value=v, expected=">= 0"))
                for extra in ("unit", "source"):
                    if not str(val.get(extra, "")).strip():
                        problems.append(DatasetError(str(path), f"parameter has no {extra}",
                                                     field=name, expected=f"a '{extra}' string"))
            else:
                walk(val, name)

    walk(data, "")
    return data


def parameter(params: Mapping, dotted: str) -> float:
    """The numeric value of a parameter such as ``"rail.speed_kmh.MEX"``."""
    node: object = params
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise DatasetError(PARAMETERS_FILE, "missing parameter", field=dotted,
                               expected="a {value, unit, source} table")
        node = node[part]
    if isinstance(node, Mapping):
        node = node.get("value")
    return float(node)  # type: ignore[arg-type]


def _check_references(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str],
                      problems: list[DatasetError]) -> None:
    ids: dict[str, set[str]] = {}
    for name, frame in tables.items():
        schema = TABLES.get(name)
        if schema and schema.id_field:
            ids[name] = set(frame[schema.id_field].dropna())
    for name, frame in tables.items():
        schema = TABLES.get(name)
        if not schema:
            continue
        for col, targets in schema.references.items():
            pool = set().union(*(ids.get(t, set()) for t in targets))
            for value, line in zip(frame[col], frame["_line"], strict=True):
                if value is not None and value not in pool:
                    problems.append(DatasetError(files[name], "unknown id", row=int(line),
                                                 field=col, value=value,
                                                 expected="an id from " + "/".join(targets)))


def _check_geometry(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str],
                    problems: list[DatasetError]) -> None:
    links = tables.get("land_links")
    if links is None:
        return
    for geom, line in zip(links["geometry"], links["_line"], strict=True):
        if isinstance(geom, BaseGeometry) and geom.geom_type != "LineString":
            problems.append(DatasetError(files["land_links"], "geometry is not a LINESTRING",
                                         row=int(line), field="geometry", value=geom.geom_type,
                                         expected="LINESTRING"))


def load_dataset(data_dir: str | Path | None = None) -> Dataset:
    """Load and validate a dataset; missing files come from the default dataset.

    Raises :class:`DatasetErrors` listing every problem found.
    """
    default = settings.DATA_DIR
    root = Path(data_dir) if data_dir is not None else default
    problems: list[DatasetError] = []
    if not root.is_dir():
        raise DatasetErrors([DatasetError(str(root), "dataset folder not found",
                                          expected="a folder of CSV/TOML files")])
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    filled: list[str] = []
    for name, schema in TABLES.items():
        path = root / schema.filename
        if not path.exists():
            if (default / schema.filename).exists():
                path = default / schema.filename
                if root != default:
                    filled.append(schema.filename)
            elif name in REQUIRED_TABLES:
                problems.append(DatasetError(str(root / schema.filename), "required file missing"))
                continue
            else:
                continue
        frame = read_table(schema, path, problems)
        if frame is not None:
            tables[name] = frame
            files[name] = str(path)
    ppath = root / PARAMETERS_FILE
    if not ppath.exists():
        ppath = default / PARAMETERS_FILE
        if root != default:
            filled.append(PARAMETERS_FILE)
    params = read_parameters(ppath, problems)
    if not problems:
        _check_references(tables, files, problems)
        _check_geometry(tables, files, problems)
    if problems:
        raise DatasetErrors(problems)
    indexed = {}
    for name, frame in tables.items():
        schema = TABLES[name]
        indexed[name] = frame.set_index(schema.id_field, drop=False) if schema.id_field else frame
    return Dataset(
        tables=indexed,
        parameters=params or {},
        files=files,
        filled_from_default=tuple(filled),
        root=str(root),
    )


@dataclass
class _Cache:
    default: Dataset | None = None
    by_dir: dict[str, Dataset] = field(default_factory=dict)


_cache = _Cache()


def default_dataset() -> Dataset:
    """The embedded default dataset, loaded once per process."""
    if _cache.default is None:
        _cache.default = load_dataset(None)
    return _cache.default
