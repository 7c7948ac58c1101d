"""Immutable result objects: routes, frontiers and plans.

Every output format (JSON, tables, maps) is derived from these objects, so a
CLI table and a JSON file of the same query cannot disagree. Totals are always
computed from the legs, never stored separately.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .options import RouteOptions

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CapacityUse", "Frontier", "Leg", "Plan", "PlanFlow", "PlanFrontier", "Route",
           "RouteComparison"]

_NUMERIC = ("distance_km", "time_h", "cost_usd_per_teu", "co2_kg_per_teu")


@dataclass(frozen=True)
class Leg:
    """One edge of the routing graph as travelled by a route."""

    mode: str
    kind: str
    from_id: str
    to_id: str
    from_name: str
    to_name: str
    distance_km: float
    time_h: float
    cost_usd_per_teu: float
    co2_kg_per_teu: float
    us_transit: bool
    us_waters_nm: Mapping[str, float] = field(
        default_factory=lambda: {"territorial": 0.0, "eez": 0.0}
    )
    distance_nm: float | None = None
    service: str | None = None
    #: Liner services used (sea legs: the service ridden, empty only for a
    #: hypothetical leg; load/transship transfers: the service boarded).
    services: tuple[str, ...] = ()
    #: Hours of this leg spent waiting for a sailing (half the headway), if any.
    wait_h: float | None = None
    geometry: Any = None
    key: str | None = None
    from_kind: str | None = None
    to_kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a leg; sea-only fields appear only on sea legs."""
        out: dict[str, Any] = {
            "mode": self.mode,
            "kind": self.kind,
            "from": self.from_id,
            "to": self.to_id,
            "from_name": self.from_name,
            "to_name": self.to_name,
            "distance_km": self.distance_km,
            "time_h": self.time_h,
            "cost_usd_per_teu": self.cost_usd_per_teu,
            "co2_kg_per_teu": self.co2_kg_per_teu,
            "us_transit": self.us_transit,
            "us_waters_nm": {
                "territorial": float(self.us_waters_nm.get("territorial", 0.0)),
                "eez": float(self.us_waters_nm.get("eez", 0.0)),
            },
        }
        if self.mode == "sea":
            out["distance_nm"] = self.distance_nm
            out["service"] = self.service
            out["services"] = list(self.services)
        elif self.services:
            out["services"] = list(self.services)
        if self.wait_h:
            out["wait_h"] = self.wait_h
        return out


@dataclass(frozen=True)
class Route:
    """A route from origin to destination plus the constraints it was solved under."""

    origin: str
    destination: str
    legs: tuple[Leg, ...]
    constraints: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @cached_property
    def nodes(self) -> tuple[str, ...]:
        """Node ids in travel order."""
        if not self.legs:
            return (self.origin,)
        return (self.legs[0].from_id, *(leg.to_id for leg in self.legs))

    @cached_property
    def totals(self) -> dict[str, Any]:
        """Sums over the legs plus counts a planner asks for first."""
        tot: dict[str, Any] = {
            k: float(sum(getattr(leg, k) for leg in self.legs)) for k in _NUMERIC
        }
        tot["time_days"] = tot["time_h"] / 24.0
        sea = [leg for leg in self.legs if leg.mode == "sea"]
        tot["distance_nm"] = float(sum(leg.distance_nm or 0.0 for leg in sea))
        tot["us_waters_nm"] = {
            z: float(sum(float(leg.us_waters_nm.get(z, 0.0)) for leg in self.legs))
            for z in ("territorial", "eez")
        }
        tot["us_transit"] = any(leg.us_transit for leg in self.legs)
        tot["in_bond"] = self._in_bond()
        tot["transshipments"] = max(len(sea) - 1, 0)
        tot["wait_h"] = float(sum(leg.wait_h or 0.0 for leg in self.legs))
        tot["services"] = list(dict.fromkeys(s for leg in sea for s in leg.services))
        kinds = self._node_kinds()
        # A crossing is one transfer between the two side nodes of a border.
        tot["border_crossings"] = sum(1 for leg in self.legs if leg.kind.startswith("border"))
        # Ports in travel order; a transshipment (service to service inside one
        # terminal, ``P:S:in -> P:T:out``) names its port too.
        relay = {leg.from_id: leg.from_id.split(":")[0] for leg in self.legs
                 if leg.kind == "transship"}
        tot["ports"] = [relay.get(n, n) for n in self.nodes
                        if kinds.get(n) == "port" or n in relay]
        tot["hypothetical_services"] = sum(1 for leg in sea if leg.service == "hypothetical")
        return tot

    def _in_bond(self) -> bool:
        """Crosses US land to board its ocean service at a non-US port (in-bond transit).

        Derived from the legs, never typed: a land or border leg transits the US
        and the box then boards the ocean service that carries it to Asia (the
        last load leg: the gateway) at a port outside the US. A box that sails
        a coastal leg first, crosses the US by land and boards at a US port is
        not in bond: it leaves from the US. Such a route IS US transit under
        every rule; in bond only names how the box crosses.
        """
        land = [i for i, leg in enumerate(self.legs) if leg.us_transit
                and (leg.mode in ("road", "rail") or leg.kind.startswith("border"))]
        loads = [i for i, leg in enumerate(self.legs) if leg.kind == "load"]
        if not land or not loads:
            return False
        gateway = self.legs[loads[-1]]
        return loads[-1] > land[0] and not gateway.us_transit

    def _node_kinds(self) -> dict[str, str | None]:
        kinds: dict[str, str | None] = {}
        for leg in self.legs:
            kinds.setdefault(leg.from_id, leg.from_kind)
            kinds.setdefault(leg.to_id, leg.to_kind)
        return kinds

    @property
    def ports(self) -> list[str]:
        """Port ids in travel order."""
        return list(self.totals["ports"])

    @property
    def cost_usd_per_teu(self) -> float:
        return float(self.totals["cost_usd_per_teu"])

    @property
    def time_h(self) -> float:
        return float(self.totals["time_h"])

    @property
    def co2_kg_per_teu(self) -> float:
        return float(self.totals["co2_kg_per_teu"])

    @property
    def us_transit(self) -> bool:
        return bool(self.totals["us_transit"])

    @property
    def in_bond(self) -> bool:
        """True for a route that crosses the US by land to a non-US port (see totals)."""
        return bool(self.totals["in_bond"])

    def to_dict(self) -> dict[str, Any]:
        """Exactly ``{"legs": [...], "totals": {...}}`` (the documented JSON shape)."""
        tot = dict(self.totals)
        tot["us_waters_nm"] = dict(tot["us_waters_nm"])
        tot["ports"] = list(tot["ports"])
        return {"legs": [leg.to_dict() for leg in self.legs], "totals": tot}

    def to_frame(self) -> pd.DataFrame:
        """One row per leg; US waters split into two columns so the frame stays flat."""
        import pandas as pd  # lazy: a route query needs no pandas

        rows = []
        for i, leg in enumerate(self.legs):
            d = leg.to_dict()
            waters = d.pop("us_waters_nm")
            d["us_territorial_nm"] = waters["territorial"]
            d["us_eez_nm"] = waters["eez"]
            d.setdefault("distance_nm", None)
            d.setdefault("service", None)
            d["services"] = ";".join(d.get("services") or ())
            d["wait_h"] = d.get("wait_h") or 0.0
            d["seq"] = i
            rows.append(d)
        cols = [
            "seq", "mode", "kind", "from", "to", "from_name", "to_name", "distance_km",
            "time_h", "cost_usd_per_teu", "co2_kg_per_teu", "us_transit",
            "us_territorial_nm", "us_eez_nm", "distance_nm", "service", "services", "wait_h",
        ]
        return pd.DataFrame(rows, columns=cols)

    def to_geodataframe(self):
        """Legs with geometry in EPSG:4326, split at the antimeridian (maps, GPKG)."""
        import geopandas as gpd  # lazy: geopandas costs a second to import

        from networks.geography import split_antimeridian

        frame = self.to_frame().drop(columns="geometry", errors="ignore")
        geometry = [None if leg.geometry is None else split_antimeridian(leg.geometry)
                    for leg in self.legs]
        return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


@dataclass(frozen=True)
class Frontier:
    """Exact cost-vs-time Pareto frontier, cheapest (slowest) point first."""

    origin: str
    destination: str
    points: tuple[Route, ...]
    constraints: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __len__(self) -> int:
        return len(self.points)

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "destination": self.destination,
            "points": [
                {
                    "cost_usd_per_teu": r.cost_usd_per_teu,
                    "time_h": r.time_h,
                    "time_days": r.time_h / 24.0,
                    "route": r.to_dict(),
                }
                for r in self.points
            ],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per frontier point."""
        import pandas as pd  # lazy: a route query needs no pandas

        rows = []
        for i, r in enumerate(self.points):
            t = r.totals
            rows.append(
                {
                    "point": i,
                    "cost_usd_per_teu": t["cost_usd_per_teu"],
                    "time_h": t["time_h"],
                    "time_days": t["time_days"],
                    "co2_kg_per_teu": t["co2_kg_per_teu"],
                    "distance_km": t["distance_km"],
                    "transshipments": t["transshipments"],
                    "us_transit": t["us_transit"],
                    "ports": " > ".join(t["ports"]),
                }
            )
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class PlanFlow:
    """Volume of one origin-destination pair carried on one route."""

    origin: str
    destination: str
    route: Route
    teu_per_year: float


@dataclass(frozen=True)
class CapacityUse:
    """A capacitated port node or edge: its use and its shadow price.

    ``shadow_price_usd_per_teu`` is what one more TEU/yr of capacity would
    save per year (USD), i.e. minus the LP dual; 0 when capacity is slack.
    """

    kind: str  # "node" or "edge"
    id: str
    capacity_teu_per_year: float
    used_teu_per_year: float
    shadow_price_usd_per_teu: float

    @property
    def binding(self) -> bool:
        return self.used_teu_per_year >= self.capacity_teu_per_year * (1 - 1e-9) - 1e-6


@dataclass(frozen=True)
class Plan:
    """Min-cost allocation of yearly demand to routes under capacities."""

    flows: tuple[PlanFlow, ...]
    unserved: Mapping[tuple[str, str], float]
    demand: Mapping[tuple[str, str], float]
    transport_cost_usd: float
    unserved_penalty_usd: float
    teu_hours: float
    capacities: tuple[CapacityUse, ...]
    iterations: int = 0
    columns: int = 0
    constraints: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def total_cost_usd(self) -> float:
        """Transport cost plus the penalty on unserved demand (the LP objective)."""
        return self.transport_cost_usd + self.unserved_penalty_usd

    @property
    def binding(self) -> tuple[CapacityUse, ...]:
        """Capacities used to the limit, largest shadow price first."""
        caps = [c for c in self.capacities if c.binding]
        return tuple(sorted(caps, key=lambda c: (-c.shadow_price_usd_per_teu, c.kind, c.id)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_cost_usd": self.total_cost_usd,
            "transport_cost_usd": self.transport_cost_usd,
            "unserved_penalty_usd": self.unserved_penalty_usd,
            "teu_hours": self.teu_hours,
            "pairs": [
                {
                    "origin": o,
                    "destination": d,
                    "teu_per_year": dem,
                    "unserved_teu_per_year": float(self.unserved.get((o, d), 0.0)),
                    "routes": [
                        {"teu_per_year": f.teu_per_year, "ports": f.route.ports,
                         "cost_usd_per_teu": f.route.cost_usd_per_teu,
                         "time_h": f.route.time_h, "route": f.route.to_dict()}
                        for f in self.flows
                        if (f.origin, f.destination) == (o, d)
                    ],
                }
                for (o, d), dem in sorted(self.demand.items())
            ],
            "binding_capacities": [
                {"kind": c.kind, "id": c.id, "capacity_teu_per_year": c.capacity_teu_per_year,
                 "used_teu_per_year": c.used_teu_per_year,
                 "shadow_price_usd_per_teu": c.shadow_price_usd_per_teu}
                for c in self.binding
            ],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per (pair, route), plus one ``unserved`` row per pair that has some."""
        import pandas as pd  # lazy: a route query needs no pandas

        rows = [
            {
                "origin": f.origin,
                "destination": f.destination,
                "route": " > ".join(f.route.ports) or "(land only)",
                "teu_per_year": f.teu_per_year,
                "cost_usd_per_teu": f.route.cost_usd_per_teu,
                "time_h": f.route.time_h,
                "us_transit": f.route.us_transit,
            }
            for f in self.flows
        ]
        for (o, d), u in sorted(self.unserved.items()):
            if u > 0:
                rows.append({"origin": o, "destination": d, "route": "unserved",
                             "teu_per_year": u, "cost_usd_per_teu": None, "time_h": None,
                             "us_transit": None})
        return pd.DataFrame(
            rows,
            columns=["origin", "destination", "route", "teu_per_year", "cost_usd_per_teu",
                     "time_h", "us_transit"],
        )

    def capacities_frame(self) -> pd.DataFrame:
        """All capacitated nodes/edges with use and shadow price."""
        import pandas as pd  # lazy: a route query needs no pandas

        return pd.DataFrame(
            [
                {"kind": c.kind, "id": c.id, "capacity_teu_per_year": c.capacity_teu_per_year,
                 "used_teu_per_year": c.used_teu_per_year, "binding": c.binding,
                 "shadow_price_usd_per_teu": c.shadow_price_usd_per_teu}
                for c in self.capacities
            ],
            columns=["kind", "id", "capacity_teu_per_year", "used_teu_per_year", "binding",
                     "shadow_price_usd_per_teu"],
        )


@dataclass(frozen=True)
class PlanFrontier:
    """System-wide cost vs TEU-hours trade-off of plans (cheapest first)."""

    points: tuple[Plan, ...]

    def __len__(self) -> int:
        return len(self.points)

    def to_dict(self) -> dict[str, Any]:
        return {"points": [
            {"total_cost_usd": p.total_cost_usd, "teu_hours": p.teu_hours, "plan": p.to_dict()}
            for p in self.points
        ]}

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd  # lazy: a route query needs no pandas

        return pd.DataFrame(
            [{"point": i, "total_cost_usd": p.total_cost_usd,
              "transport_cost_usd": p.transport_cost_usd, "teu_hours": p.teu_hours,
              "unserved_teu_per_year": float(sum(p.unserved.values()))}
             for i, p in enumerate(self.points)],
            columns=["point", "total_cost_usd", "transport_cost_usd", "teu_hours",
                     "unserved_teu_per_year"],
        )


@dataclass(frozen=True, eq=False)
class RouteComparison(Mapping):
    """The best US-free route beside the best route through the US, for one pair.

    Why an object: attribute access (``.us_free``, ``.via_us``) and one JSON
    shape (``to_dict``) for the CLI, the web and notebooks; it is also a
    read-only mapping, so ``result["us_free"]`` keeps working.

    Attributes
    ----------
    origin, destination : str
        Resolved node ids.
    us_free, via_us : Route or None
        Each side, or None when no route exists (see ``reasons``).
    reasons : dict
        Side -> the ``InfeasibleError`` message explaining a missing side.
    options : RouteOptions
        The options both sides were solved under.
    """

    origin: str
    destination: str
    us_free: Route | None
    via_us: Route | None
    reasons: Mapping[str, str] = field(default_factory=dict)
    options: RouteOptions = field(default_factory=RouteOptions)

    _KEYS = ("us_free", "via_us", "reasons")

    def __getitem__(self, key: str) -> Any:
        if key not in self._KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._KEYS)

    def __len__(self) -> int:
        return len(self._KEYS)

    @property
    def sides(self) -> dict[str, Route | None]:
        """``{"us_free": ..., "via_us": ...}``."""
        return {"us_free": self.us_free, "via_us": self.via_us}

    def to_dict(self) -> dict[str, Any]:
        """``{"from", "to", "us_free", "via_us", "reasons"}``: the ``route --json`` shape."""
        return {
            "from": self.origin,
            "to": self.destination,
            "us_free": None if self.us_free is None else self.us_free.to_dict(),
            "via_us": None if self.via_us is None else self.via_us.to_dict(),
            "reasons": dict(self.reasons),
        }
