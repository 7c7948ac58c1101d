"""Import port lists from public sources into the ``ports`` schema.

Researchers have port lists, not our schema. Two sources are supported:

- ``searoute``: the UN/LOCODE-keyed ``ports.geojson`` that the ``searoute``
  package ships (properties ``port`` = UN/LOCODE, ``name``, ``cty``; Point
  geometry lon/lat).
- ``wpi``: a World-Port-Index-style CSV (see :data:`WPI_COLUMNS`).

The country comes from the UN/LOCODE prefix (ISO 3166-1 alpha-2, mapped to the
alpha-3 code through Natural Earth). Fields the sources lack are filled by
stated rules (:data:`DEFAULT_RULES`), and each row's ``source`` says so, so
an imported table is honest about what is measured and what is assumed.
"""

from __future__ import annotations

import json
import re
import statistics
from functools import lru_cache
from pathlib import Path

import pandas as pd

from networks.datasets import MAX_SEA_ACCESS_KM, _csv_rows, default_dataset
from networks.errors import BypassError, DatasetError, DatasetErrors
from networks.plausibility import MAX_COAST_KM, coast

# The import rules are documented with the schema (docs/datasets.md), so they
# live in networks.schema; adapters uses them (one way: schema imports nothing).
from networks.schema import (
    ASIA,
    DEFAULT_RULES,
    LOCODE_PATTERN,
    PORTS,
    WPI_COLUMNS,
    WPI_IGNORED,
)

__all__ = ["ASIA", "DEFAULT_RULES", "WPI_COLUMNS", "WPI_IGNORED", "import_ports", "region_of",
           "searoute_ports_path", "write_ports"]



@lru_cache(maxsize=1)
def _iso2_to_iso3() -> dict[str, str]:
    import pyogrio

    from networks import geography

    frame = pyogrio.read_dataframe(geography.natural_earth_path(),
                                   columns=["ADM0_A3", "ISO_A2_EH"], read_geometry=False)
    return {a2: a3 for a2, a3 in zip(frame["ISO_A2_EH"], frame["ADM0_A3"], strict=True)
            if isinstance(a2, str) and len(a2) == 2}


def region_of(country: str, lon: float, lat: float) -> str | None:
    """The model's trade region of a port by the stated rule, or None (not modelled)."""
    if country == "MEX":
        return "mx_pacific" if lon < -100 or lat < 17 else "mx_gulf"
    if country == "CAN":
        return "ca_pacific" if lon < -115 and lat < 60 else None
    if country == "USA":
        return "us_pacific" if lon < -115 else None
    return "asia" if country in ASIA else None


ROLES = {"mx_pacific": "origin", "mx_gulf": "origin", "ca_pacific": "transshipment",
         "us_pacific": "transshipment", "asia": "destination"}


@lru_cache(maxsize=1)
def _region_defaults() -> dict[str, tuple[float, float]]:

    ports = default_dataset().ports
    out: dict[str, tuple[float, float]] = {}
    for region, group in ports.groupby("region"):
        out[str(region)] = (statistics.median(group["export_dwell_h"]),
                            statistics.median(group["import_dwell_h"]))
    return out


def _sea_km(lon: float, lat: float) -> float:
    """Distance from a position to the nearest node of the sea network, km."""
    from networks.sea import GEOD, automatic_access, sea_graph

    node = automatic_access("", lon, lat, sea_graph()).lane[-1]
    return GEOD.inv(lon, lat, *node)[2] / 1000.0


def searoute_ports_path() -> Path:
    """The ports.geojson shipped with the installed searoute package."""
    import searoute

    return Path(searoute.__file__).resolve().parent / "data" / "ports.geojson"


def _read_searoute(path: Path) -> list[tuple[int, dict]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(str(path), f"cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise DatasetError(str(path), f"invalid JSON: {exc.msg}", row=exc.lineno,
                           expected="searoute ports.geojson") from exc
    rows = []
    for i, feat in enumerate(data.get("features", []), start=1):
        props = feat.get("properties") or {}
        coords = (feat.get("geometry") or {}).get("coordinates") or [None, None]
        rows.append((i, {"locode": props.get("port"), "name": props.get("name"),
                         "lon": coords[0], "lat": coords[1]}))
    return rows


def _read_wpi(path: Path) -> list[tuple[int, dict]]:

    problems: list[DatasetError] = []
    got = _csv_rows(path, problems)
    if problems:
        raise DatasetErrors(problems)
    header, rows = got  # type: ignore[misc]
    cols = {}
    for target, names in WPI_COLUMNS.items():
        found = next((n for n in names if n in header), None)
        if found is None:
            raise DatasetError(str(path), f"missing column {names[0]!r}", row=1, field=names[0],
                               expected="WPI columns " + ", ".join(n[0] for n in
                                                                   WPI_COLUMNS.values()))
        cols[target] = header.index(found)
    return [(line, {k: cells[i] for k, i in cols.items()}) for line, cells in rows]


def import_ports(fmt: str, source: str | Path | None = None,
                 countries: tuple[str, ...] = ()) -> tuple[pd.DataFrame, list[str]]:
    """Ports of a public list in the ``ports`` schema, plus notes on what was skipped."""
    if fmt == "searoute":
        path = Path(source) if source else searoute_ports_path()
        raw = _read_searoute(path)
        label = "searoute ports.geojson"
    elif fmt == "wpi":
        if source is None:
            raise BypassError("--format wpi needs a SOURCE file (World Port Index CSV)")
        path = Path(source)
        raw = _read_wpi(path)
        label = f"World Port Index CSV {path.name}"
    else:
        raise BypassError(f"unknown port list format {fmt!r} (expected searoute or wpi)")
    iso3 = _iso2_to_iso3()
    defaults = _region_defaults()
    wanted = {c.strip().upper() for c in countries if c.strip()}
    records, seen = [], set()
    skipped = {"no or malformed UN/LOCODE": 0, "bad position": 0, "duplicate UN/LOCODE": 0,
               "country not selected": 0, "outside the modelled regions": 0,
               f"inland, > {MAX_SEA_ACCESS_KM:g} km from the sea network": 0,
               f"off the coast, > {MAX_COAST_KM:g} km from the coastline (an offshore "
               "terminal)": 0}
    for line, r in raw:
        code = re.sub(r"\s+", "", str(r["locode"] or "")).upper()
        if not re.match(LOCODE_PATTERN, code):
            skipped["no or malformed UN/LOCODE"] += 1
            continue
        try:
            lon, lat = float(r["lon"]), float(r["lat"])
        except (TypeError, ValueError):
            skipped["bad position"] += 1
            continue
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            skipped["bad position"] += 1
            continue
        country = iso3.get(code[:2])
        if country is None or (wanted and country not in wanted):
            skipped["country not selected"] += 1
            continue
        region = region_of(country, lon, lat)
        if region is None:
            skipped["outside the modelled regions"] += 1
            continue
        if code in seen:
            skipped["duplicate UN/LOCODE"] += 1
            continue
        if _sea_km(lon, lat) > MAX_SEA_ACCESS_KM:
            skipped[f"inland, > {MAX_SEA_ACCESS_KM:g} km from the sea network"] += 1
            continue
        if coast(lon, lat)[2] > MAX_COAST_KM:
            # The dataset's plausibility check would reject it (networks.plausibility).
            skipped[f"off the coast, > {MAX_COAST_KM:g} km from the coastline (an offshore "
                    "terminal)"] += 1
            continue
        seen.add(code)
        export_dwell, import_dwell = defaults.get(region, defaults["asia"])
        records.append({
            "locode": code, "name": str(r["name"] or code).strip(), "country": country,
            "region": region, "role": ROLES[region], "lat": lat, "lon": lon,
            "capacity_teu_per_year": "unlimited", "capacity_basis": "unlimited",
            "export_dwell_h": export_dwell,
            "import_dwell_h": import_dwell,
            "source": (f"locode, name, lat/lon: {label} (row {line}) | country: UN/LOCODE "
                       f"prefix | ASSUMPTION (bypass data import-ports rules): region "
                       f"{region} and role {ROLES[region]} by coast/country; "
                       f"export dwell {export_dwell:g} h and import "
                       f"dwell {import_dwell:g} h = median of the default "
                       f"dataset's {region} ports; capacity unknown (unlimited)"),
        })
    if not records:
        raise BypassError(f"{path}: no port to import (check --countries and the format)")
    frame = pd.DataFrame.from_records(records, columns=[f.name for f in PORTS.fields])
    notes = [f"skipped {n} row(s): {why}" for why, n in skipped.items() if n]
    return frame, notes


def write_ports(frame: pd.DataFrame, out: str | Path) -> None:
    """Write an imported port table atomically (CSV, or Parquet by extension)."""
    from networks.export import write_frame

    write_frame(frame, out, for_people=False)  # a dataset file: must read back unchanged
