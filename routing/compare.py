"""US-free vs through-the-US, for every hub and Asian port, under a tariff scenario.

Routes are solved once per pair, exactly as ``routing.query.compare_route``
would, in bulk: one query and one shortest-path tree per origin and side
(``compare_routes``; see docs/solvers.md); scenarios
only re-price the route through the US (their charges are flat per route, see
``routing.scenarios``), so ``Comparison.under`` switches scenario without
re-solving and every report shows exactly the routes the CLI shows.

Sign conventions: differences are US-free minus through-the-US (negative cost
= US-free is cheaper), percentages are relative to the route through the US.
The break-even surcharge is the extra US-transit charge, on top of the
scenario's own, at which both routes cost the same: ``C_us_free - C_via_us``
(scenario charges included). It is zero or negative when the US-free route is
already no dearer; a pair "favours US-free" exactly then.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import networkx as nx
import pandas as pd

from networks.errors import BypassError
from networks.schema import MAX_CARGO_VALUE_USD_PER_TEU

from .query import compare_routes, resolve_node
from .results import Route
from .scenarios import Scenario, load_scenario

_log = logging.getLogger(__name__)

__all__ = [
    "COLUMNS",
    "Comparison",
    "DEFAULT_CARGO_VALUE_USD_PER_TEU",
    "SIDES",
    "compare",
    "default_destinations",
    "default_origins",
    "demand_by_pair",
    "pair_row",
    "scenario_summary",
]

#: Cargo value used when neither the demand table nor the caller gives one
#: (ILLUSTRATIVE: the default demand table's assumed mid value).
DEFAULT_CARGO_VALUE_USD_PER_TEU = 40_000.0

SIDES = ("us_free", "via_us")
Pair = tuple[str, str]

#: Per-side figures taken from ``Route.totals`` (column suffix, totals key).
_SIDE_FIGURES = (
    ("transport_usd_per_teu", "cost_usd_per_teu"),
    ("distance_km", "distance_km"),
    ("co2_kg_per_teu", "co2_kg_per_teu"),
    ("transshipments", "transshipments"),
    ("border_crossings", "border_crossings"),
    ("hypothetical_services", "hypothetical_services"),
)
#: Figures compared side by side (absolute and % difference).
_DIFFS = (("cost_usd_per_teu", "total_usd_per_teu"), ("days", "days"),
          ("distance_km", "distance_km"), ("co2_kg_per_teu", "co2_kg_per_teu"))


def default_origins(graph: nx.MultiDiGraph) -> list[str]:
    """Every production hub, in dataset order."""
    return [str(n) for n, d in graph.nodes(data=True) if d.get("kind") == "hub"]


def default_destinations(graph: nx.MultiDiGraph) -> list[str]:
    """Every Asian port (region ``asia``), in dataset order."""
    return [str(n) for n, d in graph.nodes(data=True)
            if d.get("kind") == "port" and d.get("region") == "asia"]


def demand_by_pair(demand: pd.DataFrame | None) -> tuple[dict[Pair, float], dict[Pair, float]]:
    """Yearly TEU and volume-weighted cargo value per (origin, destination)."""
    if demand is None or len(demand) == 0:
        return {}, {}
    teu: dict[Pair, float] = {}
    value_teu: dict[Pair, float] = {}
    value_w: dict[Pair, float] = {}
    has_value = "cargo_value_usd_per_teu" in demand.columns
    for rec in demand.to_dict(orient="records"):
        pair = (str(rec["origin"]), str(rec["destination"]))
        t = float(rec["teu_per_year"])
        teu[pair] = teu.get(pair, 0.0) + t
        v = rec.get("cargo_value_usd_per_teu") if has_value else None
        if v is not None and v == v:
            w = max(t, 1e-9)
            value_teu[pair] = value_teu.get(pair, 0.0) + float(v) * w
            value_w[pair] = value_w.get(pair, 0.0) + w
    values = {p: value_teu[p] / value_w[p] for p in value_teu}
    return teu, values


def _pct(delta: float, base: float) -> float:
    return delta / base * 100.0 if base and math.isfinite(base) else math.nan


def pair_row(
    origin: str,
    destination: str,
    result: Mapping[str, Any],
    scenario: Scenario,
    cargo_value_usd_per_teu: float,
    teu_per_year: float = math.nan,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One comparison row: both sides' figures, scenario charges, differences, break-even."""
    names = names or {}
    free: Route | None = result.get("us_free")
    us: Route | None = result.get("via_us")
    row: dict[str, Any] = {
        "origin": origin, "origin_name": names.get(origin, origin),
        "destination": destination, "destination_name": names.get(destination, destination),
        "scenario": scenario.name,
        "cargo_value_usd_per_teu": float(cargo_value_usd_per_teu),
        "teu_per_year": float(teu_per_year),
    }
    charges = {"surcharge": 0.0, "duty": 0.0, "delay": 0.0, "disruption": 0.0}
    if us is not None:
        fallback = None if free is None else free.cost_usd_per_teu
        charges = scenario.charges(us.cost_usd_per_teu, fallback, cargo_value_usd_per_teu)
    for side, route in (("us_free", free), ("via_us", us)):
        p = f"{side}_"
        if route is None:
            for suffix, _ in _SIDE_FIGURES:
                row[p + suffix] = math.nan
            row.update({p + "charges_usd_per_teu": math.nan, p + "total_usd_per_teu": math.nan,
                        p + "days": math.nan, p + "ports": "", p + "hypothetical": False,
                        p + "us_territorial_nm": math.nan, p + "us_eez_nm": math.nan,
                        p + "reason": str(result.get("reasons", {}).get(side, ""))})
            continue
        t = route.totals
        for suffix, key in _SIDE_FIGURES:
            row[p + suffix] = float(t[key])
        extra = sum(charges.values()) if side == "via_us" else 0.0
        delay_h = scenario.extra_border_delay_h if side == "via_us" else 0.0
        row.update({
            p + "charges_usd_per_teu": extra,
            p + "total_usd_per_teu": float(t["cost_usd_per_teu"]) + extra,
            p + "days": (float(t["time_h"]) + delay_h) / 24.0,
            p + "ports": " > ".join(t["ports"]),
            p + "hypothetical": bool(t["hypothetical_services"]),
            p + "us_territorial_nm": float(t["us_waters_nm"]["territorial"]),
            p + "us_eez_nm": float(t["us_waters_nm"]["eez"]),
            p + "reason": "",
        })
    for kind, value in charges.items():
        row[f"via_us_{kind}_usd_per_teu"] = value if us is not None else math.nan
    for name, suffix in _DIFFS:
        a, b = row[f"us_free_{suffix}"], row[f"via_us_{suffix}"]
        row[f"diff_{name}"] = a - b
        row[f"diff_{name}_pct"] = _pct(a - b, b)
    breakeven = row["us_free_total_usd_per_teu"] - row["via_us_total_usd_per_teu"]
    row["breakeven_usd_per_teu"] = breakeven
    row["breakeven_pct_of_cargo_value"] = _pct(breakeven, cargo_value_usd_per_teu)
    if free is None and us is None:
        favours = ""
    elif us is None or (free is not None and breakeven <= 0):
        favours = "us_free"
    else:
        favours = "via_us"
    row["favours"] = favours
    row["favours_us_free"] = favours == "us_free"
    return row


COLUMNS = [
    "origin", "origin_name", "destination", "destination_name", "scenario",
    "cargo_value_usd_per_teu", "teu_per_year",
    *[f"{side}_{c}" for side in SIDES for c in (
        "transport_usd_per_teu", "charges_usd_per_teu", "total_usd_per_teu", "days",
        "distance_km", "co2_kg_per_teu", "transshipments", "border_crossings", "ports",
        "hypothetical", "hypothetical_services", "us_territorial_nm", "us_eez_nm", "reason")],
    "via_us_surcharge_usd_per_teu", "via_us_duty_usd_per_teu", "via_us_delay_usd_per_teu",
    "via_us_disruption_usd_per_teu",
    *[f"diff_{n}{s}" for n, _ in _DIFFS for s in ("", "_pct")],
    "breakeven_usd_per_teu", "breakeven_pct_of_cargo_value", "favours", "favours_us_free",
]


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):  # numpy scalars
        return _json_value(v.item())
    return v


@dataclass(frozen=True)
class Comparison:
    """Solved pairs plus the scenario they are priced under.

    ``routes[(o, d)]`` is exactly what ``compare_route`` returned for the pair
    (``{"us_free", "via_us", "reasons"}``); ``frame`` has one row per pair.
    """

    pairs: tuple[Pair, ...]
    routes: Mapping[Pair, Mapping[str, Any]]
    scenario: Scenario
    cargo_value: Mapping[Pair, float]
    teu_per_year: Mapping[Pair, float] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    route_kwargs: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def frame(self) -> pd.DataFrame:
        rows = [
            pair_row(o, d, self.routes[(o, d)], self.scenario, self.cargo_value[(o, d)],
                     self.teu_per_year.get((o, d), math.nan), self.names)
            for o, d in self.pairs
        ]
        return pd.DataFrame(rows, columns=COLUMNS)

    def under(self, scenario: Scenario | str | None) -> Comparison:
        """The same routes priced under another scenario (no re-solving)."""
        return replace(self, scenario=load_scenario(scenario))

    def summary(self) -> dict[str, Any]:
        """Share of pairs and of demand volume favouring the US-free route."""
        f = self.frame
        solved = f[f["favours"] != ""]
        teu = solved["teu_per_year"].fillna(0.0)
        teu_free = float(teu[solved["favours_us_free"]].sum())
        total = float(teu.sum())
        be = solved["breakeven_usd_per_teu"].dropna()
        return {
            "scenario": self.scenario.name,
            "pairs": int(len(solved)),
            "pairs_us_free": int(solved["favours_us_free"].sum()),
            "share_pairs_us_free": float(solved["favours_us_free"].mean()) if len(solved)
            else math.nan,
            "teu_per_year": total,
            "teu_per_year_us_free": teu_free,
            "share_teu_us_free": teu_free / total if total > 0 else math.nan,
            "median_breakeven_usd_per_teu": float(be.median()) if len(be) else math.nan,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON shape: scenario, summary, and per pair its row plus both routes' legs."""
        pairs = []
        for rec in self.frame.to_dict(orient="records"):
            pair = (rec["origin"], rec["destination"])
            res = self.routes[pair]
            item = {k: _json_value(v) for k, v in rec.items()}
            for side in SIDES:
                item[side] = None if res.get(side) is None else res[side].to_dict()
            item["reasons"] = dict(res.get("reasons", {}))
            pairs.append(item)
        return {
            "scenario": self.scenario.to_dict(),
            "route_options": {k: _json_value(v) for k, v in self.route_kwargs.items()},
            "summary": {k: _json_value(v) for k, v in self.summary().items()},
            "pairs": pairs,
        }


def compare(
    graph: nx.MultiDiGraph,
    origins: Iterable[str] | None = None,
    destinations: Iterable[str] | None = None,
    scenario: Scenario | str | None = None,
    *,
    demand: pd.DataFrame | None = None,
    cargo_value_usd_per_teu: float | None = None,
    **route_kwargs: Any,
) -> Comparison:
    """Best US-free route and best route through the US for every origin x destination.

    Defaults: every hub x every Asian port, the ``status_quo`` scenario. Cargo
    value per pair: ``cargo_value_usd_per_teu`` if given, else the demand
    table's ``cargo_value_usd_per_teu``, else 40,000 USD/TEU (illustrative).
    ``demand`` (origin, destination, teu_per_year[, cargo_value_usd_per_teu])
    weights the volume shares. Other keyword arguments go to ``solve_route``.
    """
    top = MAX_CARGO_VALUE_USD_PER_TEU
    if cargo_value_usd_per_teu is not None and not 0 <= cargo_value_usd_per_teu <= top:
        raise BypassError(f"cargo value must be 0 .. {top:g} USD/TEU (a finite number), "
                          f"got {cargo_value_usd_per_teu!r}")
    sc = load_scenario(scenario)
    ignored = [t for t, on in (("[policy]", sc.forbid_us_transit),
                               ("[port_dwell]", sc.port_extra_dwell_h),
                               ("[passages]", getattr(sc, "passage_extra", ()))) if on]
    if ignored:
        _log.warning("scenario %s: %s not applied by compare (it re-prices US-transit "
                     "charges only); bypass corridors --scenario %s solves them in",
                     sc.name, " and ".join(ignored), sc.name)
    os_ = [resolve_node(graph, o, "origin") for o in (origins or default_origins(graph))]
    ds = [resolve_node(graph, d, "destination")
          for d in (destinations or default_destinations(graph))]
    os_, ds = list(dict.fromkeys(os_)), list(dict.fromkeys(ds))
    pairs = tuple((o, d) for o in os_ for d in ds if o != d)
    if not pairs:
        raise BypassError("nothing to compare: no origin-destination pair")
    teu, values = demand_by_pair(demand)
    cargo = {p: float(cargo_value_usd_per_teu) if cargo_value_usd_per_teu is not None
             else values.get(p, DEFAULT_CARGO_VALUE_USD_PER_TEU) for p in pairs}
    routes = compare_routes(graph, pairs, **route_kwargs)
    names = {n: str(graph.nodes[n].get("name", n)) for n in (*os_, *ds)}
    return Comparison(pairs=pairs, routes=routes, scenario=sc, cargo_value=cargo,
                      teu_per_year={p: teu[p] for p in pairs if p in teu}, names=names,
                      route_kwargs=dict(route_kwargs))


def scenario_summary(comparison: Comparison,
                     scenarios: Sequence[Scenario | str]) -> pd.DataFrame:
    """One summary row per scenario (same routes, re-priced)."""
    rows = [comparison.under(s).summary() for s in scenarios]
    return pd.DataFrame(rows, columns=list(comparison.summary().keys()))
