"""Sweep files: the input distributions of a Monte Carlo scenario sweep.

A sweep file (TOML, examples in ``networks/data/sweeps/``) names, for each
uncertain input, a distribution and where its numbers come from::

    [sweep]
    name = "transpacific_2026"
    cargo_value_usd_per_teu = 40000

    [inputs."ocean.na_to_asia"]          # sea arcs whose ``lane`` is na_to_asia
    dist = "lognormal"                    # fitted to a cited index range
    p05 = 428.0
    p95 = 721.0
    reference = 721.0                     # the model's own value, same unit
    unit = "USD/FEU"
    source = "Drewry WCI LA-Shanghai ... - https://... (2026-01)"

Why a separate module: parsing and validation are pure (no graph, no
numpy sampling state), so a bad file fails in milliseconds with one line
naming the file and the field, before any cluster starts.

Inputs (every one optional):

``ocean.<name>``
    multiplier on the freight of sea arcs whose rate lane (edge attribute
    ``lane``) is ``<name>``, or is listed in ``lanes = [...]``: one index can
    drive several lanes, and a file can name the lanes of two dataset versions
    (lanes absent from the graph are skipped, at least one must exist). Lanes
    are directional (``na_to_asia``, ``transpacific_wb``: the westbound
    backhaul North America -> Asia). With ``reference``
    the multiplier is ``sample / reference``; with ``relative_to`` it is
    further multiplied by another lane's multiplier (a lane priced as a
    premium over an index lane moves with it).
``rail``, ``road``
    multipliers on the cost of every rail / road arc.
``border_delay_h``
    extra hours at every land border crossing arc (kinds ``border-*``); the
    hours are also charged at the cargo's carrying cost, as scenarios do.
``disruption_probability``, ``disruption_days``
    each sample draws whether the US corridor closes (Bernoulli with the
    sampled probability) and for how long; a closed corridor re-ships the box
    on the pair's best US-free route after the delay (``routing.scenarios``).
``co2_price_usd_per_t``
    a carbon price charged on every arc's CO2 (USD per tonne CO2e).
``duty_scenario``
    ``dist = "categorical"`` over scenario names or files with probabilities;
    the drawn scenario's charges apply to routes through the US.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from networks.errors import ScenarioError
from networks.settings import DATA_DIR

__all__ = ["DISTRIBUTIONS", "SWEEP_DIR", "Distribution", "SweepError", "SweepSpec",
           "parse_distribution", "parse_sweep", "read_sweep"]

#: Folder of the shipped sweep files.
SWEEP_DIR = DATA_DIR / "sweeps"

#: Inputs that are multipliers of a base (must stay > 0).
MULTIPLIERS = ("rail", "road")
#: Non-negative additive inputs.
ADDITIVE = ("border_delay_h", "disruption_days", "co2_price_usd_per_t")
#: Inputs that are probabilities (support within [0, 1]).
PROBABILITIES = ("disruption_probability",)
CATEGORICAL = ("duty_scenario",)
SCALARS = (*MULTIPLIERS, *ADDITIVE, *PROBABILITIES)
DISTRIBUTIONS = ("fixed", "uniform", "triangular", "lognormal", "beta", "categorical")
_DIST_FIELDS = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "lognormal": ("median", "sigma", "p05", "p95"),
    "beta": ("a", "b"),
    "categorical": ("choices",),
}
_META_FIELDS = ("dist", "unit", "source", "note", "reference", "relative_to", "lanes")
_SWEEP_FIELDS = ("name", "description", "cargo_value_usd_per_teu", "carrying_cost_pct_per_year",
                 "allow_hypothetical", "strict_waters", "origins", "destinations", "sources")
#: z-score of the 95th percentile of a standard normal.
Z95 = 1.6448536269514722


class SweepError(ScenarioError):
    """A sweep file or sweep request that is missing, malformed or impossible.

    A sweep file is a file of scenario distributions, so it is a ScenarioError:
    the CLI exits 2, as for a bad scenario or dataset file.
    """


@dataclass(frozen=True)
class Distribution:
    """One input's distribution, already validated.

    ``params`` holds the canonical parameters: fixed ``value``; uniform
    ``low, high``; triangular ``low, mode, high``; lognormal ``median,
    sigma`` (``p05/p95`` are converted here, once); beta ``a, b``;
    categorical ``names, probs``.
    """

    input: str
    dist: str
    params: Mapping[str, Any]
    reference: float | None = None
    relative_to: str | None = None
    unit: str = ""
    source: str = ""
    #: ocean inputs: the rate lanes (edge attribute ``lane``) the multiplier applies to.
    lanes: tuple[str, ...] = ()

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can draw."""
        p = self.params
        if self.dist == "fixed":
            return p["value"], p["value"]
        if self.dist in ("uniform", "triangular"):
            return p["low"], p["high"]
        if self.dist == "lognormal":
            return (0.0 if p["sigma"] > 0 else p["median"],
                    math.inf if p["sigma"] > 0 else p["median"])
        if self.dist == "beta":
            return 0.0, 1.0
        return math.nan, math.nan


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep file."""

    name: str
    description: str
    inputs: Mapping[str, Distribution]
    cargo_value_usd_per_teu: float = 40_000.0
    carrying_cost_pct_per_year: float = 20.0
    allow_hypothetical: bool = False
    strict_waters: bool = False
    origins: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    path: str = "sweep"
    sources: tuple[str, ...] = field(default_factory=tuple)

    @property
    def scheduled_only(self) -> bool:
        """Sea legs with no liner service stay out unless the file allows them."""
        return not self.allow_hypothetical

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "description": self.description, "path": self.path,
            "cargo_value_usd_per_teu": self.cargo_value_usd_per_teu,
            "carrying_cost_pct_per_year": self.carrying_cost_pct_per_year,
            "allow_hypothetical": self.allow_hypothetical, "strict_waters": self.strict_waters,
            "origins": list(self.origins), "destinations": list(self.destinations),
            "inputs": {k: {"dist": d.dist, **{p: v for p, v in d.params.items()},
                           "reference": d.reference, "relative_to": d.relative_to,
                           "lanes": list(d.lanes), "unit": d.unit, "source": d.source}
                       for k, d in self.inputs.items()},
        }


def _num(raw: Mapping[str, Any], key: str, where: str) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SweepError(f"{where}.{key}: must be a finite number, got {value!r}")
    return float(value)


def parse_distribution(name: str, raw: Any, where: str) -> Distribution:
    """Validate one ``[inputs.NAME]`` table; every problem is one SweepError line."""
    w = f"{where}: inputs.{name}"
    if not isinstance(raw, Mapping):
        raise SweepError(f"{w}: must be a table with a 'dist' field")
    dist = raw.get("dist")
    if dist not in DISTRIBUTIONS:
        raise SweepError(f"{w}.dist: unknown distribution {dist!r}; "
                         f"use one of {', '.join(DISTRIBUTIONS)}")
    allowed = set(_DIST_FIELDS[dist]) | set(_META_FIELDS)
    extra = sorted(set(raw) - allowed)
    if extra:
        raise SweepError(f"{w}.{extra[0]}: unknown field for a {dist} distribution "
                         f"(fields: {', '.join(_DIST_FIELDS[dist])})")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise SweepError(f"{w}.source: every input needs a source (citation or "
                         "'ASSUMPTION: reasoning')")
    params: dict[str, Any] = {}
    if dist == "fixed":
        params["value"] = _num(raw, "value", w)
    elif dist == "uniform":
        lo, hi = _num(raw, "low", w), _num(raw, "high", w)
        if lo > hi:
            raise SweepError(f"{w}: low > high ({lo:g} > {hi:g})")
        params.update(low=lo, high=hi)
    elif dist == "triangular":
        lo, mode, hi = _num(raw, "low", w), _num(raw, "mode", w), _num(raw, "high", w)
        if not lo <= mode <= hi:
            raise SweepError(f"{w}: need low <= mode <= high, got {lo:g}, {mode:g}, {hi:g}")
        params.update(low=lo, mode=mode, high=hi)
    elif dist == "lognormal":
        if "p05" in raw or "p95" in raw:
            if "median" in raw or "sigma" in raw:
                raise SweepError(f"{w}: give either median and sigma or p05 and p95, not both")
            p05, p95 = _num(raw, "p05", w), _num(raw, "p95", w)
            if p05 <= 0:
                raise SweepError(f"{w}.p05: must be > 0 for a lognormal, got {p05:g}")
            if p05 > p95:
                raise SweepError(f"{w}: p05 > p95 ({p05:g} > {p95:g})")
            params.update(median=math.sqrt(p05 * p95),
                          sigma=(math.log(p95) - math.log(p05)) / (2 * Z95), p05=p05, p95=p95)
        else:
            median, sigma = _num(raw, "median", w), _num(raw, "sigma", w)
            if median <= 0:
                raise SweepError(f"{w}.median: must be > 0 for a lognormal, got {median:g}")
            if sigma < 0:
                raise SweepError(f"{w}.sigma: must be >= 0, got {sigma:g}")
            params.update(median=median, sigma=sigma)
    elif dist == "beta":
        a, b = _num(raw, "a", w), _num(raw, "b", w)
        if a <= 0 or b <= 0:
            raise SweepError(f"{w}: beta a and b must be > 0, got a={a:g}, b={b:g}")
        params.update(a=a, b=b)
    else:
        choices = raw.get("choices")
        if not isinstance(choices, Mapping) or not choices:
            raise SweepError(f"{w}.choices: must be a table of name = probability")
        names, probs = [], []
        for k, v in choices.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
                raise SweepError(f"{w}.choices.{k}: probability must be within 0..1, got {v!r}")
            names.append(str(k))
            probs.append(float(v))
        if abs(sum(probs) - 1.0) > 1e-9:
            raise SweepError(f"{w}.choices: probabilities must sum to 1, got {sum(probs):g}")
        params.update(names=tuple(names), probs=tuple(probs))
    if (dist == "categorical") != (name in CATEGORICAL):
        what = "needs dist = \"categorical\"" if name in CATEGORICAL else \
            "cannot be categorical (only duty_scenario is)"
        raise SweepError(f"{w}.dist: {name} {what}")
    reference = raw.get("reference")
    if reference is not None:
        if not name.startswith("ocean."):
            raise SweepError(f"{w}.reference: only ocean lane inputs take a reference")
        reference = _num(raw, "reference", w)
        if reference <= 0:
            raise SweepError(f"{w}.reference: must be > 0, got {reference:g}")
    relative_to = raw.get("relative_to")
    if relative_to is not None and (not name.startswith("ocean.")
                                    or not isinstance(relative_to, str)
                                    or not relative_to.startswith("ocean.")):
        raise SweepError(f"{w}.relative_to: must name another ocean lane input "
                         "(ocean.<lane>) and only ocean lanes take it")
    lanes: tuple[str, ...] = ()
    if name.startswith("ocean."):
        raw_lanes = raw.get("lanes", [name.split(".", 1)[1]])
        if (not isinstance(raw_lanes, list) or not raw_lanes
                or not all(isinstance(x, str) and x for x in raw_lanes)):
            raise SweepError(f"{w}.lanes: must be a non-empty list of lane names")
        lanes = tuple(dict.fromkeys(raw_lanes))
    elif "lanes" in raw:
        raise SweepError(f"{w}.lanes: only ocean inputs apply to lanes")
    d = Distribution(name, dist, params, reference, relative_to,
                     str(raw.get("unit", "")), " ".join(source.split()), lanes)
    lo, hi = d.support
    if name in PROBABILITIES and not (0 <= lo and hi <= 1):
        raise SweepError(f"{w}: a probability must lie within 0..1, the distribution "
                         f"spans {lo:g}..{hi:g}")
    if (name in MULTIPLIERS or name.startswith("ocean.")) and not lo >= 0:
        raise SweepError(f"{w}: a rate or multiplier cannot be negative (lowest {lo:g})")
    if name in ADDITIVE and not lo >= 0:
        raise SweepError(f"{w}: {name} cannot be negative (lowest {lo:g})")
    return d


def parse_sweep(raw: Mapping[str, Any], where: str = "sweep") -> SweepSpec:
    """A SweepSpec from the parsed TOML mapping (see the module docstring)."""
    unknown = sorted(set(raw) - {"sweep", "inputs"})
    if unknown:
        raise SweepError(f"{where}: unknown section [{unknown[0]}]; expected [sweep] and "
                         "[inputs.*]")
    meta = raw.get("sweep")
    if not isinstance(meta, Mapping):
        raise SweepError(f"{where}: missing [sweep] table (name, description)")
    extra = sorted(set(meta) - set(_SWEEP_FIELDS))
    if extra:
        raise SweepError(f"{where}: sweep.{extra[0]}: unknown field "
                         f"(fields: {', '.join(_SWEEP_FIELDS)})")
    name = meta.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SweepError(f"{where}: sweep.name: must be a non-empty string")
    opts: dict[str, Any] = {}
    for key, lo, hi in (("cargo_value_usd_per_teu", 0.0, 1e9),
                        ("carrying_cost_pct_per_year", 0.0, 1000.0)):
        if key in meta:
            v = _num(meta, key, f"{where}: sweep")
            if not lo <= v <= hi:
                raise SweepError(f"{where}: sweep.{key}: must be within {lo:g}..{hi:g}, "
                                 f"got {v:g}")
            opts[key] = v
    for key in ("allow_hypothetical", "strict_waters"):
        if key in meta:
            if not isinstance(meta[key], bool):
                raise SweepError(f"{where}: sweep.{key}: must be true or false")
            opts[key] = meta[key]
    for key in ("origins", "destinations"):
        if key in meta:
            v = meta[key]
            if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
                raise SweepError(f"{where}: sweep.{key}: must be a list of node ids")
            opts[key] = tuple(v)
    claimed: dict[str, str] = {}
    inputs_raw = raw.get("inputs", {})
    if not isinstance(inputs_raw, Mapping):
        raise SweepError(f"{where}: [inputs] must hold one table per input")
    # TOML dotted keys ([inputs.ocean.na_to_asia]) nest; flatten ocean.* back.
    flat: dict[str, Any] = {}
    for key, value in inputs_raw.items():
        if key == "ocean" and isinstance(value, Mapping) and "dist" not in value:
            for lane, sub in value.items():
                flat[f"ocean.{lane}"] = sub
        else:
            flat[str(key)] = value
    known = (*SCALARS, *CATEGORICAL)
    inputs: dict[str, Distribution] = {}
    for key, value in flat.items():
        if key not in known and not (key.startswith("ocean.") and len(key) > 6):
            raise SweepError(f"{where}: inputs.{key}: unknown input; expected ocean.<lane> or "
                             f"one of {', '.join(known)}")
        inputs[key] = parse_distribution(key, value, where)
        for lane in inputs[key].lanes:
            if lane in claimed:
                raise SweepError(f"{where}: inputs.{key}.lanes: lane {lane!r} is already "
                                 f"priced by inputs.{claimed[lane]}")
            claimed[lane] = key
    for key, d in inputs.items():
        seen = [key]
        while d.relative_to is not None:
            if d.relative_to not in inputs:
                raise SweepError(f"{where}: inputs.{key}.relative_to: {d.relative_to!r} is "
                                 "not an input of this file")
            if d.relative_to in seen:
                raise SweepError(f"{where}: inputs.{key}.relative_to: cycle "
                                 f"{' -> '.join(seen + [d.relative_to])}")
            seen.append(d.relative_to)
            d = inputs[d.relative_to]
    sources = meta.get("sources", [])
    return SweepSpec(
        name=name.strip(), description=" ".join(str(meta.get("description", "")).split()),
        inputs=inputs, path=where,
        sources=tuple(str(s) for s in sources) if isinstance(sources, list) else (),
        **opts,
    )


def read_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file; a shipped name (no ``.toml``) is looked up too."""
    p = Path(path)
    if not p.suffix and "/" not in str(path) and (SWEEP_DIR / f"{path}.toml").is_file():
        p = SWEEP_DIR / f"{path}.toml"
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SweepError(f"{p}: cannot read sweep file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise SweepError(f"{p}: not UTF-8 text") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{p}: not valid TOML ({' '.join(str(exc).split())})") from exc
    return parse_sweep(raw, str(p))
