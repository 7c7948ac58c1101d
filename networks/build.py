"""Assemble the multimodal routing graph (see ``docs/graph.md`` for the contract).

Hubs, junctions, border crossings and ports come from the dataset; sea legs
from :mod:`networks.sea`; every edge gets its time, cost and CO2 from
:mod:`networks.costs`. US transit is derived, never typed: an edge transits
the US when its geometry meets the US land polygon (Natural Earth 1:10m, with
territories) or one of its end nodes lies in the US; the strict rule also
counts sea legs that enter the US 12 nm territorial sea outside the shared
US-Canada boundary waters (see :mod:`networks.geography`).

Layers: trucks run between the base nodes (``MTY``); trains between rail
terminal nodes (``MTY:rail``) joined to the base node by a ramp transfer (a
lift and yard time). Border crossings are split by side (``NLD-LRD:MEX``,
``NLD-LRD:USA``) and joined by a border transfer carrying the crossing time
and fees. Ports have berth nodes (``MXZLO:out``, ``MXZLO:in``) joined by
load/discharge transfers; sea legs run between berths.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

import networkx as nx
import shapely
from shapely.geometry import LineString, Point

from networks import costs, geography, services, settings
from networks.datasets import (
    MAX_SEA_ACCESS_KM,
    Dataset,
    check_files,
    default_dataset,
    load_dataset,
)
from networks.errors import DatasetError, DatasetErrors
from networks.graph import RoutingGraph, validate_graph
from networks.sea import OUTSIDE_US_TERRITORIAL_SEA, dataset_legs
from networks.store import graph_fingerprint, load_or_build

if TYPE_CHECKING:
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

log = logging.getLogger(__name__)

US = settings.US
#: How close (km) a border node must be to a country's polygon to belong to it.
BORDER_TOLERANCE_KM = 3.0
#: A port may sit just off its country's polygon (the quay is at the coast line).
PORT_TOLERANCE_KM = 10.0

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


def _countries_near(lon: float, lat: float, km: float) -> tuple[str, ...]:
    """Countries whose land lies within ``km`` of a point (sorted, nearest first)."""
    frame = geography.countries()
    point = Point(lon, lat)
    deg = km / 111.0 / max(0.2, abs(math.cos(math.radians(lat))))
    near = frame[frame.geometry.intersects(point.buffer(deg))]
    if near.empty:
        return ()
    # Degrees are fine here: the distances only rank a handful of neighbours.
    dist = shapely.distance(near.geometry.values, point)
    return tuple(iso for _, iso in sorted(zip(dist, near["iso3"], strict=True)))


def _node_country(lon: float, lat: float, tolerance_km: float, fallback: str) -> str:
    here = geography.country_at(lon, lat)
    if here:
        return here
    near = _countries_near(lon, lat, tolerance_km)
    return near[0] if near else fallback


class _Row:
    """Attribute access to a land link record (its columns include the keyword ``from``)."""

    id: str
    to: str
    mode: str
    operator: str
    source: str
    distance_km: float
    geometry: BaseGeometry

    def __init__(self, record: dict) -> None:
        self.__dict__.update(record)


# Rows of the validated dataset tables as ``itertuples`` yields them (never
# instantiated): pandas types a row's attributes as "any scalar"; these name the
# columns used here with the types networks/schema.py validated.
class _HubRow:
    id: str
    name: str
    state: str
    sectors: str
    lon: float
    lat: float


class _JunctionRow:
    id: str
    name: str
    country: str
    lon: float
    lat: float


class _PortRow:
    locode: str
    name: str
    country: str
    region: str
    role: str
    lon: float
    lat: float
    capacity_teu_per_year: float | None  # NaN: unlimited
    capacity_basis: str
    export_dwell_h: float
    import_dwell_h: float


class _BorderRow:
    id: str
    name: str
    country_a: str
    country_b: str
    lon: float
    lat: float
    modes: str


_R = TypeVar("_R")


def _rows(frame: pd.DataFrame, row: type[_R]) -> Iterator[_R]:
    """``frame``'s rows as named tuples typed as ``row`` (the table's validated columns)."""
    return cast(Iterator[_R], frame.itertuples(index=False))


def _stub(lon: float, lat: float) -> LineString:
    return LineString([(lon, lat), (lon, lat)])


@dataclass
class _Builder:
    dataset: Dataset
    graph: nx.MultiDiGraph
    warnings: list[str] = field(default_factory=list)

    @property
    def params(self):
        return self.dataset.parameters

    def charges(self, locode: str) -> dict[str, float]:
        """Per-TEU terminal charges of a port (port_charges.csv; default with a warning)."""
        table = self.dataset.tables.get("port_charges")
        if table is not None:
            rows = table[table["locode"] == locode]
            if len(rows):
                r = rows.iloc[0]
                return {"export": float(r["export_handling_usd_per_teu"]),
                        "import": float(r["import_handling_usd_per_teu"]),
                        "transship": float(r["transshipment_usd_per_teu"]),
                        "transship_h": float(r["transshipment_dwell_h"])}
        fallback = costs.parameter(self.params, "ocean.default_handling_usd_per_teu")
        msg = (f"port {locode}: no row in port_charges.csv; handling {fallback:g} USD/TEU "
               "(ocean.default_handling_usd_per_teu)")
        if msg not in self.warnings:
            self.warnings.append(msg)
        return {"export": fallback, "import": fallback, "transship": fallback / 2,
                "transship_h": 24.0}

    def add_node(self, node_id: str, **attrs) -> None:
        countries = tuple(attrs.get("countries") or (attrs["country"],))
        attrs["countries"] = countries
        attrs["us_transit"] = US in countries
        self.graph.add_node(node_id, **attrs)

    def add_pair(self, a: str, b: str, key: str, **attrs) -> None:
        """Add an edge both ways; the reverse gets the reversed geometry."""
        self.graph.add_edge(a, b, key=key, **attrs)
        back = dict(attrs)
        geom = attrs["geometry"]
        back["geometry"] = LineString(list(geom.coords)[::-1])
        back["countries"] = tuple(reversed(attrs["countries"]))
        self.graph.add_edge(b, a, key=key, **back)

    def transfer(self, a: str, b: str, kind: str, figures: dict, both_ways: bool) -> None:
        na = self.graph.nodes[a]
        countries = tuple(dict.fromkeys(na["countries"] + self.graph.nodes[b]["countries"]))
        attrs = dict(
            mode="transfer",
            kind=kind,
            distance_km=0.0,
            countries=countries,
            us_transit=US in countries,
            us_transit_strict=US in countries,
            us_waters_nm={"territorial": 0.0, "eez": 0.0},
            geometry=_stub(na["lon"], na["lat"]),
            **figures,
        )
        if both_ways:
            self.add_pair(a, b, kind, **attrs)
        else:
            self.graph.add_edge(a, b, key=kind, **attrs)

    # -- nodes ---------------------------------------------------------------------
    def places(self) -> None:
        ds = self.dataset
        for h in _rows(ds["hubs"], _HubRow):
            country = _node_country(h.lon, h.lat, 5.0, "MEX")
            self.add_node(h.id, kind="hub", name=h.name, country=country, lon=h.lon, lat=h.lat,
                          state=h.state, sectors=h.sectors or "")
        for j in _rows(ds["junctions"], _JunctionRow):
            country = _node_country(j.lon, j.lat, 5.0, j.country)
            if country != j.country:
                self.warnings.append(
                    f"junction {j.id}: lies in {country} by geometry, not {j.country}"
                )
            self.add_node(j.id, kind="junction", name=j.name, country=country, lon=j.lon,
                          lat=j.lat)
        for r in _rows(ds.ports, _PortRow):
            country = _node_country(r.lon, r.lat, PORT_TOLERANCE_KM, r.country)
            cap = r.capacity_teu_per_year
            attrs = dict(name=r.name, country=country, lon=r.lon, lat=r.lat, region=r.region,
                         role=r.role, capacity_basis=r.capacity_basis)
            if cap is not None and cap == cap:  # NaN: the user's literal `unlimited`
                attrs["capacity_teu_per_year"] = float(cap)
            self.add_node(r.locode, kind="port", **attrs)
            # Berths of the hypothetical layer (direct legs with no service, opt-in).
            for side in ("out", "in"):
                self.add_node(f"{r.locode}:{side}", kind="berth", port=r.locode, name=r.name,
                              country=country, lon=r.lon, lat=r.lat, region=r.region)
            charges = self.charges(r.locode)
            self.transfer(r.locode, f"{r.locode}:out", "load",
                          costs.port_transfer(self.params, charges["export"], r.export_dwell_h),
                          both_ways=False)
            self.transfer(f"{r.locode}:in", r.locode, "discharge",
                          costs.port_transfer(self.params, charges["import"], r.import_dwell_h),
                          both_ways=False)
            # Land links meet at the gate, so traffic driving past a port town
            # does not pass through its terminal (nor count against capacity).
            gate = f"{r.locode}:gate"
            self.add_node(gate, kind="gate", port=r.locode, name=f"{r.name} gate",
                          country=country, lon=r.lon, lat=r.lat, region=r.region)
            self.transfer(gate, r.locode, "gate", {"time_h": 0.0, "cost_usd_per_teu": 0.0,
                                                   "co2_kg_per_teu": 0.0}, both_ways=True)

    def borders(self) -> None:
        for r in _rows(self.dataset["borders"], _BorderRow):
            sides = _countries_near(r.lon, r.lat, BORDER_TOLERANCE_KM)
            declared = (r.country_a, r.country_b)
            if set(sides[:2]) != set(declared):
                self.warnings.append(
                    f"border {r.id}: geometry puts it between {'/'.join(sides) or 'nothing'}, "
                    f"not {'/'.join(declared)}; using the geometry"
                )
            if len(sides) < 2:
                sides = declared
            pair = tuple(sorted(sides[:2]))
            for side in pair:
                self.add_node(f"{r.id}:{side}", kind="border", name=r.name, country=side,
                              countries=pair, lon=r.lon, lat=r.lat, border=r.id)
            modes = [m.strip() for m in str(r.modes).split(";") if m.strip()]
            for mode in modes:
                def cell(name: str, row=r, mode=mode) -> float | None:
                    v = getattr(row, f"{name}_{mode}", None)
                    return None if v is None or v != v else float(v)

                figures = costs.border_crossing(
                    self.params, mode, cell("crossing_h"), cell("fee_usd_per_teu"),
                    customs_h=cell("customs_h"), interchange_h=cell("interchange_h"),
                )
                cap = cell("capacity_teu_per_year")
                if cap is not None:
                    figures["capacity_teu_per_year"] = cap
                self.transfer(f"{r.id}:{pair[0]}", f"{r.id}:{pair[1]}", f"border-{mode}",
                              figures, both_ways=True)
                for side in pair:
                    self.graph.nodes[f"{r.id}:{side}"].setdefault("modes", [])
                    self.graph.nodes[f"{r.id}:{side}"]["modes"].append(mode)

    def rail_terminal(self, node_id: str) -> str:
        port = self.graph.nodes[node_id].get("port") if node_id.endswith(":gate") else None
        rail = f"{port or node_id}:rail"
        if rail not in self.graph:
            base = self.graph.nodes[node_id]
            self.add_node(rail, kind="rail_terminal", name=f"{base['name']} rail terminal",
                          country=base["country"], countries=base["countries"], lon=base["lon"],
                          lat=base["lat"], of=node_id)
            self.transfer(node_id, rail, "ramp", costs.rail_ramp(self.params), both_ways=True)
        return rail

    # -- land links ----------------------------------------------------------------
    def land_links(self) -> None:
        border_ids = set(self.dataset["borders"]["id"])
        us = geography.country_geometry(US)
        shapely.prepare(us)
        for rec in self.dataset["land_links"].to_dict(orient="records"):
            self._land_link(_Row(rec), border_ids, us)

    def _side_node(self, end: str, other_country: str, border_ids: set[str]) -> str:
        if f"{end}:gate" in self.graph:
            return f"{end}:gate"
        if end in border_ids:
            node = f"{end}:{other_country}"
            if node not in self.graph:
                sides = [n for n in self.graph if n.startswith(f"{end}:")]
                raise ValueError(f"border {end} has no {other_country} side ({sides})")
            return node
        return end

    def _land_link(self, r: _Row, border_ids: set[str], us) -> None:
        """One land link, both ways, between layer nodes of its mode (see module doc)."""
        geom = r.geometry
        crossed = geography.countries_crossed(geom)
        a, b = getattr(r, "from"), r.to
        fixed = [e for e in (a, b) if e not in border_ids]
        if fixed:
            country = self.graph.nodes[fixed[0]]["country"]
        else:
            country = crossed[0] if crossed else "MEX"
        try:
            na = self._side_node(a, country, border_ids)
            nb = self._side_node(b, country, border_ids)
        except ValueError as exc:
            self.warnings.append(f"land link {r.id}: {exc}; left out")
            return
        if r.mode == "rail":
            na = na if a in border_ids else self.rail_terminal(na)
            nb = nb if b in border_ids else self.rail_terminal(nb)
        figures = costs.land_edge(self.params, r.mode, country, r.distance_km)
        node_countries = self.graph.nodes[na]["countries"] + self.graph.nodes[nb]["countries"]
        countries = tuple(dict.fromkeys(crossed + node_countries))
        transit = bool(us.intersects(geom)) or US in node_countries
        self.add_pair(
            na, nb, r.id,
            mode=r.mode, kind=r.mode, link_id=r.id, operator=r.operator or "",
            source=r.source, distance_km=float(r.distance_km),
            countries=countries, us_transit=transit, us_transit_strict=transit,
            us_waters_nm={"territorial": 0.0, "eez": 0.0}, geometry=geom, **figures,
        )

    # -- sea: liner services and the hypothetical layer -----------------------------
    def sea_network(self, legs, offshore) -> None:
        """Service-expanded sea network (networks/services.py) plus hypothetical legs.

        Per service S calling port P: ``P:S:out`` (boarding) and ``P:S:in``
        (arriving). ``P -> P:S:out`` loads (export handling, yard dwell, half
        S's headway), ``P:S:out -> Q:S:in`` rides S along its rotation,
        ``Q:S:in -> Q`` discharges (import handling) and ``Q:S:in -> Q:T:out``
        transships (transshipment charge, connection dwell, half T's headway;
        the box stays in the terminal, so it does not pass the port node).
        Direct legs with no service run ``A:out -> B:in``, all hypothetical.
        """
        ports = self.dataset.ports
        region = dict(zip(ports["locode"], ports["region"], strict=True))
        export_dwell = dict(zip(ports["locode"], ports["export_dwell_h"], strict=True))
        import_dwell = dict(zip(ports["locode"], ports["import_dwell_h"], strict=True))
        for (a, b), leg in sorted(legs.items()):
            lane = costs.ocean_lane(region[a], region[b])
            if lane is None:
                continue
            self._direct_edge(a, b, leg, lane, "sea")
            alt = offshore.get((a, b))
            if leg.us_waters_nm.get("territorial_not_exempt", 0.0) > 0.0 and alt is not None:
                self._direct_edge(a, b, alt, lane, "sea-offshore")
        # Calls at ports the dataset lacks drop out with one logged warning per
        # service (networks.services); the default dataset itself omits many
        # published calls (Dalian, Xiamen, ...), so they are not graph warnings.
        found, notes = services.parse_services(self.dataset.tables.get("services"), region)
        self.warnings.extend(notes)  # logged at the end of the build, cached with the graph
        side = {c: ("asia" if reg == "asia" else "na") for c, reg in region.items()}
        boards: dict[str, list[services.Service]] = {}
        lands: dict[str, list[services.Service]] = {}
        for svc in found:
            for ride in services.rides(svc, legs, services.sensible(side)):
                lane = costs.ocean_lane(region[ride.origin], region[ride.destination])
                if lane is None:
                    continue
                for port, mark, book in ((ride.origin, "out", boards),
                                         (ride.destination, "in", lands)):
                    node = f"{port}:{svc.name}:{mark}"
                    if node not in self.graph:
                        base = self.graph.nodes[port]
                        self.add_node(node, kind="berth", port=port, service=svc.name,
                                      name=f"{base['name']} ({svc.name})",
                                      country=base["country"], lon=base["lon"],
                                      lat=base["lat"], region=base["region"])
                        book.setdefault(port, []).append(svc)
                self._ride_edges(svc, ride, lane, legs, offshore)
        for port, svcs in sorted(boards.items()):
            ch = self.charges(port)
            for svc in svcs:
                wait = costs.headway_wait_h(svc.sailings_per_week)
                self.transfer(port, f"{port}:{svc.name}:out", "load",
                              costs.port_transfer(self.params, ch["export"],
                                                  float(export_dwell[port]), wait),
                              both_ways=False)
                self.graph.edges[port, f"{port}:{svc.name}:out", "load"]["services"] = (
                    svc.name,)
        for port, svcs in sorted(lands.items()):
            ch = self.charges(port)
            for svc in svcs:
                self.transfer(f"{port}:{svc.name}:in", port, "discharge",
                              costs.port_transfer(self.params, ch["import"],
                                                  float(import_dwell[port])),
                              both_ways=False)
                for onward in boards.get(port, []):
                    if onward.name == svc.name:
                        continue
                    wait = costs.headway_wait_h(onward.sailings_per_week)
                    figures = costs.port_transfer(self.params, ch["transship"],
                                                  ch["transship_h"], wait, lifts=2)
                    a, b = f"{port}:{svc.name}:in", f"{port}:{onward.name}:out"
                    self.transfer(a, b, "transship", figures, both_ways=False)
                    self.graph.edges[a, b, "transship"]["services"] = (svc.name, onward.name)

    def _ride_edges(self, svc, ride, lane, legs, offshore) -> None:
        a, b = f"{ride.origin}:{svc.name}:out", f"{ride.destination}:{svc.name}:in"
        direct = legs[(ride.origin, ride.destination)].distance_nm
        call_countries = tuple(self.graph.nodes[c]["country"] for c in ride.calls)
        variants = [("sea", ride)]
        exposed = [leg.us_waters_nm.get("territorial_not_exempt", 0.0) > 0.0
                   for leg in ride.legs]
        if any(exposed) and US not in call_countries:
            alt_legs = [offshore.get((leg.origin, leg.destination)) if bad else leg
                        for leg, bad in zip(ride.legs, exposed, strict=True)]
            if all(x is not None for x in alt_legs):
                variants.append(("sea-offshore", services.Ride(
                    ride.service, ride.origin, ride.destination, ride.calls, tuple(alt_legs))))
        for key, r in variants:
            figures = costs.service_ride(self.params, lane, direct, r.distance_nm,
                                         r.distance_km, len(r.calls) - 1, r.passages)
            crossed = r.countries
            countries = tuple(dict.fromkeys(
                (call_countries[0],) + crossed + call_countries[1:]))
            transit = US in call_countries or US in crossed
            strict = transit or any(
                leg.us_waters_nm.get("territorial_not_exempt", 0.0) > 0.0 for leg in r.legs)
            self.graph.add_edge(
                a, b, key=key,
                mode="sea", kind="sea", lane=lane,
                variant="shortest" if key == "sea" else "outside_us_territorial_sea",
                distance_km=r.distance_km, distance_nm=r.distance_nm, direct_nm=direct,
                service="scheduled", services=(svc.name,), calls=r.calls,
                service_source=svc.source, passages=r.passages,
                countries=countries, us_transit=transit, us_transit_strict=strict,
                us_waters_nm={z: sum(leg.us_waters_nm.get(z, 0.0) for leg in r.legs)
                              for z in ("territorial", "eez")},
                geometry=LineString(r.coords), **figures,
            )

    def _direct_edge(self, a, b, leg, lane, key) -> None:
        """A hypothetical direct leg: no liner service, charter/feeder price (opt-in)."""
        figures = costs.sea_edge(self.params, lane, leg.distance_nm, leg.distance_km,
                                 leg.passages, hypothetical=True)
        geom = LineString(leg.coords)
        ua, ub = self.graph.nodes[f"{a}:out"], self.graph.nodes[f"{b}:in"]
        crossed = tuple(leg.countries)
        node_countries = ua["countries"] + ub["countries"]
        countries = tuple(dict.fromkeys((ua["country"],) + crossed + (ub["country"],)))
        transit = US in node_countries or US in crossed
        exposure = dict(leg.us_waters_nm)
        strict = transit or exposure.get("territorial_not_exempt", 0.0) > 0.0
        self.graph.add_edge(
            f"{a}:out", f"{b}:in", key=key,
            mode="sea", kind="sea", lane=lane,
            variant="shortest" if key == "sea" else "outside_us_territorial_sea",
            distance_km=leg.distance_km, distance_nm=leg.distance_nm,
            direct_nm=leg.distance_nm,
            service="hypothetical", services=(), calls=(a, b),
            service_source="no liner service in services.csv carries a box between these "
                           "ports; priced as a charter/feeder (ocean.hypothetical_rate_factor)",
            passages=leg.passages,
            countries=countries, us_transit=transit, us_transit_strict=strict,
            us_waters_nm={"territorial": exposure.get("territorial", 0.0),
                          "eez": exposure.get("eez", 0.0)},
            geometry=geom, **figures,
        )


def build_graph(dataset: Dataset | None = None, *, progress: Progress = _noop) -> RoutingGraph:
    """The routing graph of a dataset (the default dataset when None).

    Parameters
    ----------
    dataset : Dataset, optional
        A loaded dataset (:func:`networks.datasets.load_dataset`).
    progress : callable, optional
        Called with a one-line message at each step.

    Returns
    -------
    RoutingGraph
        The multimodal graph of ``docs/graph.md``; notes about the data (a
        border whose geometry disagrees with its countries...) are logged as
        warnings and kept in ``graph.graph["warnings"]``.
    """
    dataset = dataset or default_dataset()
    world_notes: list[str] = []
    if dataset.root and Path(dataset.root).resolve() != settings.DATA_DIR.resolve():
        world_notes = check_world(dataset)
        check_sea_access(dataset)
    progress("sea legs: computing (cached after the first run)...")
    legs, sea_warnings = dataset_legs(dataset)
    offshore, _ = dataset_legs(dataset, variant=OUTSIDE_US_TERRITORIAL_SEA)
    graph = RoutingGraph(crs="EPSG:4326", dataset=dataset.root)
    builder = _Builder(dataset, graph,
                       list(dataset.warnings) + world_notes + list(sea_warnings))
    progress("routing graph: nodes")
    builder.places()
    builder.borders()
    progress("routing graph: land links")
    builder.land_links()
    progress("routing graph: sea legs")
    builder.sea_network(legs, offshore)
    for node, attrs in sorted(graph.nodes(data=True)):
        if attrs["kind"] == "hub" and graph.out_degree(node) == 0:
            builder.warnings.append(f"hub {node}: no land link; it cannot reach any port")
    graph.graph["warnings"] = tuple(builder.warnings)
    # What the build itself found (not the loading notes, which name the files of the
    # load that built it): a cached graph reports these beside a fresh load's notes.
    graph.graph["build_warnings"] = tuple(builder.warnings[len(dataset.warnings):])
    for note in builder.warnings[len(dataset.warnings):]:  # the dataset's were logged on load
        log.warning("%s", note)
    return graph


def check_world(dataset: Dataset) -> list[str]:
    """A user dataset's rows against the world (:mod:`networks.plausibility`).

    Ports on a coast and in their declared country, access lanes over water,
    land links between their nodes and inside their countries. Part of
    building (it needs the country polygons), so loading stays in the dataset
    layer; ``data validate`` runs it through :func:`check_dataset`.

    Returns
    -------
    list of str
        Notes that do not stop the build (a port whose nearest coast is
        another country's).

    Raises
    ------
    DatasetErrors
        One problem per implausible row.
    """
    from networks.plausibility import check_dataset as plausible

    problems: list[DatasetError] = []
    notes: list[str] = []
    plausible(dataset.tables, dataset.files, problems, notes)
    if problems:
        raise DatasetErrors(problems)
    return notes


def check_sea_access(dataset: Dataset) -> None:
    """Ports that join the sea by their nearest sea-network node must be near one.

    Part of building (it needs the sea network), not of loading a dataset, so
    loading stays cheap; ``data validate`` runs it through :func:`check_dataset`.

    Raises
    ------
    DatasetErrors
        One problem per port farther than ``MAX_SEA_ACCESS_KM`` from the sea.
    """
    from networks.sea import GEOD, automatic_access, sea_graph

    problems: list[DatasetError] = []
    graph = sea_graph()
    access = dataset.tables.get("port_access")
    explicit = {} if access is None else dict(
        zip(access["locode"], access["waypoints"], strict=True))
    ports = dataset.ports
    file = dataset.files.get("ports", "ports.csv")
    for code, lon, lat, line in zip(ports["locode"], ports["lon"], ports["lat"], ports["_line"],
                                    strict=True):
        lane = explicit.get(code)
        if lane is not None and graph.node_at(*list(lane.coords)[-1]) is not None:
            continue
        node = automatic_access(code, lon, lat, graph).lane[-1]
        km = GEOD.inv(lon, lat, *node)[2] / 1000.0
        if km > MAX_SEA_ACCESS_KM:
            problems.append(DatasetError(
                file, f"port {code} is {km:,.0f} km from the nearest sea lane",
                row=int(line), field="lat/lon", value=f"{lat:g}, {lon:g}",
                expected=f"a position within {MAX_SEA_ACCESS_KM:g} km of the sea network "
                         "(check lat/lon, or add a port_access lane)"))
    if problems:
        raise DatasetErrors(problems)


def check_dataset(data_dir: str | Path | None) -> tuple[list[DatasetError], list[str]]:
    """Every problem of a dataset folder, and (when it has none) the build's warnings.

    Why here: some checks need the built graph (a border whose position
    disagrees with its declared countries, a hub with no land link), so
    validation = loading + building; the dataset layer itself never builds.
    """
    problems, warnings, dataset = check_files(data_dir)
    if problems:
        return problems, warnings
    try:
        # Builds (and checks sea access) from this very load unless cached.
        graph = load_graph(data_dir, dataset=dataset)
    except DatasetErrors as exc:
        return list(exc.problems), warnings
    build = graph.graph.get("build_warnings")
    if build is None:  # a graph from before build_warnings: its combined list
        return [], list(graph.graph.get("warnings", ()))
    return [], list(warnings) + [w for w in build if w not in warnings]


def build_folder(data_dir: str | Path | None, progress: Progress = _noop,
                 dataset: Dataset | None = None) -> RoutingGraph:
    """Build (no cache) the graph of a dataset folder, or of its already loaded ``dataset``."""
    if dataset is None:
        dataset = load_dataset(data_dir) if data_dir is not None else default_dataset()
    return build_graph(dataset, progress=progress)


def load_graph(data_dir: str | Path | None = None, *, progress: Progress = _noop,
               dataset: Dataset | None = None) -> RoutingGraph:
    """The routing graph of a dataset folder (default: the embedded dataset).

    Why: the graph takes about half a minute to build, so it is cached on disk
    (``BYPASS_CACHE_DIR``, data only, see :mod:`networks.store`) and in the
    process, keyed by the dataset's content; yet every call returns a new
    graph, so a graph edited in a notebook never leaks into the next call.

    Parameters
    ----------
    data_dir : path, optional
        A dataset folder; files it lacks come from the default dataset.
    progress : callable, optional
        Called with a one-line message at each step of a cold build.
    dataset : Dataset, optional
        The folder's dataset if already loaded (a cold build then uses it).

    Returns
    -------
    RoutingGraph
        A fresh ``networkx.MultiDiGraph`` (see ``docs/graph.md``).

    Raises
    ------
    DatasetErrors
        When the dataset does not validate (only on a cold build).
    """
    return load_or_build(data_dir, build_folder, progress=progress, dataset=dataset)


def cached_graph(dataset: Dataset, *, progress: Progress = _noop) -> RoutingGraph:
    """The graph of a loaded dataset, through the caches (keyed by its folder's files)."""
    return load_graph(dataset.root or None, progress=progress, dataset=dataset)


__all__ = [
    "build_folder",
    "build_graph",
    "cached_graph",
    "check_dataset",
    "check_sea_access",
    "check_world",
    "graph_fingerprint",
    "load_graph",
    "validate_graph",
]
