"""Seeded synthetic routing graphs that follow docs/graph.md.

``corridor_graph`` mimics the real network's shape (Mexican hubs -> land links
-> border crossings / ports -> berths -> sea legs -> Asian ports, with a US
land part and US/Canadian ports behind it); at its default size it has about
400 nodes and 3k arcs, for benchmarks. ``random_graph`` is a small dense
random graph for exhaustive cross-checks (every attribute present, weights
optionally on a 0.01 grid so integer scaling is exact).
"""

from __future__ import annotations

import math
import random

import networkx as nx
from shapely.geometry import LineString

MEX_BOX = (-110.0, -88.0, 15.0, 31.0)
USA_BOX = (-124.0, -80.0, 32.0, 48.0)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine), km."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2
    ) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def add_node(g: nx.MultiDiGraph, nid: str, kind: str, country: str, lon: float, lat: float,
             **extra) -> None:
    """A node with every contract attribute."""
    countries = extra.pop("countries", (country,))
    g.add_node(nid, kind=kind, name=extra.pop("name", nid.title()), country=country,
               countries=tuple(countries), lon=lon, lat=lat,
               us_transit="USA" in countries, **extra)


def add_edge(g: nx.MultiDiGraph, u: str, v: str, key: str, *, mode: str, kind: str,
             distance_km: float, time_h: float, cost: float, co2: float,
             strict: bool = False, territorial: float = 0.0, eez: float = 0.0,
             **extra) -> None:
    """An edge with every contract attribute; us_transit follows the end nodes."""
    nu, nv = g.nodes[u], g.nodes[v]
    countries = tuple(dict.fromkeys((*nu["countries"], *nv["countries"])))
    us = bool(nu["us_transit"] or nv["us_transit"])
    g.add_edge(
        u, v, key=key, mode=mode, kind=kind, distance_km=distance_km, time_h=time_h,
        cost_usd_per_teu=cost, co2_kg_per_teu=co2, countries=countries, us_transit=us,
        us_transit_strict=us or strict, us_waters_nm={"territorial": territorial, "eez": eez},
        geometry=LineString([(nu["lon"], nu["lat"]), (nv["lon"], nv["lat"])]), **extra,
    )


def _land(g: nx.MultiDiGraph, u: str, v: str, rng: random.Random, rail: bool) -> None:
    """Road (and maybe rail) both ways between two land nodes."""
    a, b = (g.nodes[u]["lon"], g.nodes[u]["lat"]), (g.nodes[v]["lon"], g.nodes[v]["lat"])
    km = round(_km(a, b) * rng.uniform(1.1, 1.4), 1) + 1.0
    border = g.nodes[u]["kind"] == "border" or g.nodes[v]["kind"] == "border"
    for s, t in ((u, v), (v, u)):
        add_edge(g, s, t, f"road:{s}-{t}", mode="road", kind="border" if border else "road",
                 distance_km=km, time_h=round(km / 55 + (6 if border else 0), 2),
                 cost=round(km * 1.6 + (120 if border else 0), 2), co2=round(km * 0.9, 2),
                 operator="road", link_id=f"road:{s}-{t}", source="synthetic")
        if rail:
            add_edge(g, s, t, f"rail:{s}-{t}", mode="rail", kind="rail", distance_km=km,
                     time_h=round(km / 30 + 10, 2), cost=round(km * 0.8 + 60, 2),
                     co2=round(km * 0.3, 2), operator="rail", link_id=f"rail:{s}-{t}",
                     source="synthetic")


def _port(g: nx.MultiDiGraph, pid: str, country: str, lon: float, lat: float, region: str,
          rng: random.Random, capacity: float | None = None) -> None:
    """A port node, its two berths and the load/discharge transfer edges."""
    extra = {"region": region}
    if capacity is not None:
        extra["capacity_teu_per_year"] = capacity
    add_node(g, pid, "port", country, lon, lat, **extra)
    add_node(g, f"{pid}:out", "berth", country, lon, lat, port=pid)
    add_node(g, f"{pid}:in", "berth", country, lon, lat, port=pid)
    handling = round(rng.uniform(80, 220), 2)
    dwell = round(rng.uniform(24, 96), 2)
    add_edge(g, pid, f"{pid}:out", "load", mode="transfer", kind="load", distance_km=0.0,
             time_h=dwell, cost=handling, co2=5.0)
    add_edge(g, f"{pid}:in", pid, "discharge", mode="transfer", kind="discharge",
             distance_km=0.0, time_h=round(dwell / 2, 2), cost=handling, co2=5.0)


def _sea(g: nx.MultiDiGraph, p: str, q: str, rng: random.Random, key: str = "sea",
         service: str = "scheduled", speed_kmh: float = 33.0, near_us: bool = False) -> None:
    a, b = g.nodes[p], g.nodes[q]
    km = round(_km((a["lon"], a["lat"]), (b["lon"], b["lat"])) * rng.uniform(1.05, 1.3), 1)
    nm = round(km / 1.852, 1)
    strict = near_us and rng.random() < 0.5
    add_edge(g, f"{p}:out", f"{q}:in", key, mode="sea", kind="sea", distance_km=km,
             time_h=round(km / speed_kmh, 2), cost=round(km * rng.uniform(0.08, 0.16), 2),
             co2=round(km * 0.05, 2), strict=strict, territorial=5.0 if strict else 0.0,
             eez=round(rng.uniform(20, 200), 1) if near_us else 0.0, distance_nm=nm,
             service=service, service_source="synthetic")


def corridor_graph(
    seed: int = 0,
    *,
    n_hubs: int = 30,
    n_mx_junctions: int = 120,
    n_borders: int = 10,
    n_us_junctions: int = 70,
    n_mx_ports: int = 12,
    n_us_ports: int = 8,
    n_ca_ports: int = 3,
    n_asia_ports: int = 28,
    land_degree: int = 4,
    port_capacity: float | None = None,
) -> nx.MultiDiGraph:
    """A Mexico -> Asia network with a US part; ~400 nodes, ~3k arcs by default."""
    rng = random.Random(seed)
    g = nx.MultiDiGraph()

    def pos(box: tuple[float, float, float, float]) -> tuple[float, float]:
        return round(rng.uniform(box[0], box[1]), 3), round(rng.uniform(box[2], box[3]), 3)

    mx_land: list[str] = []
    for i in range(n_hubs):
        add_node(g, f"H{i:02d}", "hub", "MEX", *pos(MEX_BOX))
        mx_land.append(f"H{i:02d}")
    for i in range(n_mx_junctions):
        add_node(g, f"J{i:02d}", "junction", "MEX", *pos(MEX_BOX))
        mx_land.append(f"J{i:02d}")
    us_land = []
    for i in range(n_us_junctions):
        add_node(g, f"U{i:02d}", "junction", "USA", *pos(USA_BOX))
        us_land.append(f"U{i:02d}")
    borders = []
    for i in range(n_borders):
        lon = round(-117 + 20 * i / max(n_borders - 1, 1), 3)
        add_node(g, f"B{i:02d}", "border", "MEX", lon, 31.5, countries=("MEX", "USA"))
        borders.append(f"B{i:02d}")
    mx_ports, am_ports, asia = [], [], []
    for i in range(n_mx_ports):
        gulf = i % 3 == 2
        lon, lat = (rng.uniform(-97.5, -94), rng.uniform(18, 23)) if gulf else (
            rng.uniform(-112, -100), rng.uniform(16, 28))
        pid = f"MXP{i:02d}"
        _port(g, pid, "MEX", round(lon, 3), round(lat, 3), "mx_gulf" if gulf else "mx_pacific",
              rng, port_capacity)
        mx_ports.append(pid)
    for i in range(n_us_ports):
        pid = f"USP{i:02d}"
        _port(g, pid, "USA", round(rng.uniform(-124, -117), 3), round(rng.uniform(33, 47), 3),
              "us_pacific", rng, port_capacity)
        am_ports.append(pid)
    for i in range(n_ca_ports):
        pid = f"CAP{i:02d}"
        _port(g, pid, "CAN", round(rng.uniform(-130, -123), 3), round(rng.uniform(49, 54), 3),
              "ca_pacific", rng, port_capacity)
        am_ports.append(pid)
    for i in range(n_asia_ports):
        pid = f"AS{i:02d}"
        _port(g, pid, "CHN", round(rng.uniform(100, 140), 3), round(rng.uniform(0, 40), 3),
              "asia", rng, None)
        asia.append(pid)

    def nearest(u: str, pool: list[str], k: int) -> list[str]:
        a = (g.nodes[u]["lon"], g.nodes[u]["lat"])
        return sorted((p for p in pool if p != u),
                      key=lambda p: (_km(a, (g.nodes[p]["lon"], g.nodes[p]["lat"])), p))[:k]

    def link(u: str, v: str) -> None:
        if not g.has_edge(u, v):
            _land(g, u, v, rng, rail=rng.random() < 0.5)

    for u in mx_land:
        for v in nearest(u, mx_land, land_degree):
            link(u, v)
    for u in us_land:
        for v in nearest(u, us_land, land_degree):
            link(u, v)
    for b in borders:
        for v in nearest(b, mx_land, 2) + nearest(b, us_land, 2):
            link(b, v)
    for p in mx_ports:
        for v in nearest(p, mx_land, 2):
            link(p, v)
    for p in am_ports:
        for v in nearest(p, us_land, 2):
            link(p, v)
    # Sea: every American port to most Asian ports (some with a faster, dearer
    # second service), feeders Mexico -> US/Canada, and intra-Asia transshipment.
    for p in mx_ports + am_ports:
        us_side = not p.startswith("MXP")
        for q in asia:
            if rng.random() < 0.8:
                _sea(g, p, q, rng, near_us=us_side,
                     service="scheduled" if rng.random() < 0.8 else "hypothetical")
                if rng.random() < 0.3:
                    _sea(g, p, q, rng, key="sea-express", speed_kmh=42.0, near_us=us_side)
    for p in mx_ports:
        for q in rng.sample(am_ports, min(3, len(am_ports))):
            _sea(g, p, q, rng, near_us=True)
    for p in asia:
        for q in rng.sample(asia, min(12, len(asia) - 1)):
            if q != p:
                _sea(g, p, q, rng)
    return g


def random_graph(
    seed: int,
    n_nodes: int = 8,
    n_arcs: int = 22,
    *,
    us_share: float = 0.3,
    grid: bool = True,
    parallel: float = 0.2,
) -> nx.MultiDiGraph:
    """A small random contract-conforming graph (node ids ``N0``.. in order).

    Weights are multiples of 0.01 when ``grid`` (so micro-unit scaling is exact),
    else arbitrary floats. ``N0`` and ``N{n-1}`` are never US nodes.
    """
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    kinds = ["hub", "junction", "border", "port"]
    for i in range(n_nodes):
        us = 0 < i < n_nodes - 1 and rng.random() < us_share / 2
        kind = kinds[rng.randrange(len(kinds))] if 0 < i < n_nodes - 1 else "hub"
        add_node(g, f"N{i}", kind, "USA" if us else "MEX", rng.uniform(-110, -90),
                 rng.uniform(15, 35), countries=("USA",) if us else ("MEX",),
                 name=f"Node {i}")

    def val(lo: float, hi: float) -> float:
        x = rng.uniform(lo, hi)
        return round(x, 2) if grid else x

    made = 0
    while made < n_arcs:
        u, v = rng.sample(range(n_nodes), 2)
        su, sv = f"N{u}", f"N{v}"
        mode = rng.choice(["road", "rail", "sea"])
        key = f"e{made}"
        if g.has_edge(su, sv) and rng.random() > parallel:
            continue
        extra = {}
        if mode == "sea":
            extra = {"distance_nm": val(1, 50),
                     "service": rng.choice(["scheduled", "hypothetical"])}
        add_edge(g, su, sv, key, mode=mode, kind=mode, distance_km=val(1, 100),
                 time_h=val(0, 50), cost=val(0, 100), co2=val(0, 10), **extra)
        if rng.random() < us_share:
            g.edges[su, sv, key]["us_transit"] = True
            g.edges[su, sv, key]["us_transit_strict"] = True
            g.edges[su, sv, key]["countries"] = ("MEX", "USA")
        elif rng.random() < 0.2:
            g.edges[su, sv, key]["us_transit_strict"] = True
        made += 1
    return g
