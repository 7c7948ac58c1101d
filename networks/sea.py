"""Sea network and port-to-port sea legs.

The maritime network is MARNET as shipped by the ``searoute`` package (a
dependency, never copied), with the documented corrections of
:mod:`networks.sea_overlay` on top. Every port joins it through an explicit
access lane ending at a chosen sea node (``data/port_access.csv``): snapping a
port to its nearest network node is wrong on this coast (it sends Ensenada to
a node inside US waters off San Diego, and merges Manzanillo and Lazaro
Cardenas into one node 130-150 km offshore).

Port-to-port legs are computed once per dataset with one scipy one-to-all
Dijkstra per port (tens of milliseconds for all legs), then cached on disk
keyed by a hash of everything they depend on. The routing graph carries
these legs, not the 16k-edge network, so the solver works on hundreds of
nodes.

Longitudes: the graph works in (-180, 180]; leg geometries are unwrapped so
consecutive points never jump by more than 180 degrees (a trans-Pacific leg
is one continuous line, with longitudes beyond -180/180 where it crosses).
Split at the antimeridian only when writing or drawing
(:func:`networks.geography.split_antimeridian`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import version

import numpy as np
from pyproj import Geod
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra

from networks import __version__, settings
from networks.atomic import touch_cache, write_cache
from networks.sea_overlay import CORRECTIONS, Correction

log = logging.getLogger(__name__)

__all__ = [
    "ANNOTATION_VERSION",
    "CANALS",
    "DEFAULT_RESTRICTIONS",
    "GEOD",
    "OUTSIDE_US_TERRITORIAL_SEA",
    "PortAccess",
    "SHORTEST",
    "SeaGraph",
    "SeaLeg",
    "VARIANTS",
    "annotate_us_waters",
    "automatic_access",
    "cached_legs",
    "compute_legs",
    "dataset_legs",
    "geodesic_km",
    "normalize_lon",
    "port_access",
    "sea_graph",
    "unwrap",
]

GEOD = Geod(ellps="WGS84")

#: Upstream passages left out, as searoute does by default (Arctic ice).
DEFAULT_RESTRICTIONS = ("northwest",)

#: Leg variants: the shortest sea path, and the shortest that stays outside the
#: US 12 nm territorial sea (shared US-Canada boundary waters exempt).
SHORTEST = "shortest"
OUTSIDE_US_TERRITORIAL_SEA = "outside_us_territorial_sea"
VARIANTS = (SHORTEST, OUTSIDE_US_TERRITORIAL_SEA)

#: Upstream passages that are canals: a leg through one is allowed to cross
#: land polygons there, and reports the passage.
CANALS = ("panama", "suez")

Point = tuple[float, float]


def normalize_lon(lon: float) -> float:
    """Longitude in (-180, 180]; MARNET has both -180 and 180 and a few > 180."""
    lon = math.fmod(lon, 360.0)
    if lon <= -180.0:
        lon += 360.0
    elif lon > 180.0:
        lon -= 360.0
    return lon


def _key(lon: float, lat: float) -> Point:
    return (round(normalize_lon(lon), 6), round(lat, 6))


def unwrap(coords: Iterable[Point]) -> list[Point]:
    """Make longitudes continuous: no step between points exceeds 180 degrees."""
    out: list[Point] = []
    offset = 0.0
    prev = None
    for lon, lat in coords:
        if prev is not None:
            step = lon + offset - prev
            if step > 180.0:
                offset -= 360.0
            elif step < -180.0:
                offset += 360.0
        prev = lon + offset
        out.append((prev, lat))
    return out


def geodesic_km(coords: list[Point]) -> float:
    """Geodesic length of a polyline in km (WGS84)."""
    if len(coords) < 2:
        return 0.0
    lons, lats = zip(*coords, strict=True)
    return GEOD.line_length(lons, lats) / 1000.0


@dataclass(frozen=True)
class SeaGraph:
    """The corrected sea network as arrays, ready for scipy shortest paths."""

    lonlat: np.ndarray  # (n, 2), lon in (-180, 180]
    matrix: csr_matrix  # symmetric, km
    index: Mapping[Point, int]
    passage: Mapping[tuple[int, int], str]  # (i, j) with i < j -> upstream passage name

    @property
    def n_nodes(self) -> int:
        return self.lonlat.shape[0]

    @property
    def n_edges(self) -> int:
        return self.matrix.nnz // 2

    def node_at(self, lon: float, lat: float) -> int | None:
        return self.index.get(_key(lon, lat))


def _upstream_edges(restrictions: tuple[str, ...]) -> list[tuple[Point, Point, str]]:
    from searoute.data.marnet_dict import edge_list

    edges = []
    for u, nbrs in edge_list.items():
        for v, attrs in nbrs.items():
            passage = attrs.get("passage") or ""
            if passage in restrictions:
                continue
            edges.append((_key(*u), _key(*v), passage))
    return edges


def _pair(a: Point, b: Point) -> tuple[Point, Point]:
    """An undirected edge's key: its two end points in sorted order."""
    return (a, b) if a <= b else (b, a)


def _apply(edges: dict[tuple[Point, Point], str], correction: Correction) -> None:
    for a, b in correction.remove:
        pair = _pair(_key(*a), _key(*b))
        if pair not in edges:
            raise ValueError(
                f"sea overlay {correction.id!r}: upstream edge {a} - {b} not found "
                "(has the searoute network changed?)"
            )
        del edges[pair]
    for lane in correction.add:
        keys = [_key(*p) for p in lane]
        for a, b in zip(keys, keys[1:], strict=False):
            edges[_pair(a, b)] = f"overlay:{correction.id}"


def _outside_us_territorial_sea(edges: dict[tuple[Point, Point], str]) -> None:
    """Drop every edge that enters the US territorial sea outside the exemptions."""
    from shapely import STRtree
    from shapely.geometry import LineString

    from networks import geography

    zone = geography.us_territorial_sea_not_exempt()
    pairs = sorted(edges)
    lines = [LineString(unwrap([a, b])) for a, b in pairs]
    lines = [geography.split_antimeridian(line) for line in lines]
    tree = STRtree(lines)
    for i in tree.query(zone, predicate="intersects"):
        del edges[pairs[int(i)]]


@lru_cache(maxsize=4)
def sea_graph(
    corrections: tuple[Correction, ...] = CORRECTIONS,
    restrictions: tuple[str, ...] = DEFAULT_RESTRICTIONS,
    variant: str = SHORTEST,
) -> SeaGraph:
    """Build the corrected sea network (about 0.5 s; cached per process).

    Parallel and reverse duplicate arcs collapse to one undirected edge before
    the sparse matrix is built, because scipy's constructor would add them.
    Edge weights are WGS84 geodesic km between the end nodes. The
    ``outside_us_territorial_sea`` variant leaves out every edge that enters
    the US 12 nm zone (shared boundary waters exempt).
    """
    edges: dict[tuple[Point, Point], str] = {}
    for u, v, name in _upstream_edges(restrictions):
        if u == v:  # the -180/180 seam joins collapse to one node
            continue
        pair = _pair(u, v)
        if pair not in edges or (name and not edges[pair]):
            edges[pair] = name
    for correction in corrections:
        _apply(edges, correction)
    if variant == OUTSIDE_US_TERRITORIAL_SEA:
        _outside_us_territorial_sea(edges)
    elif variant != SHORTEST:
        raise ValueError(f"unknown sea leg variant {variant!r}")

    nodes = sorted({p for pair in edges for p in pair})
    index = {p: i for i, p in enumerate(nodes)}
    lonlat = np.array(nodes, dtype=float)
    pairs = sorted(edges)
    ii = np.array([index[a] for a, _ in pairs])
    jj = np.array([index[b] for _, b in pairs])
    _, _, dist_m = GEOD.inv(lonlat[ii, 0], lonlat[ii, 1], lonlat[jj, 0], lonlat[jj, 1])
    km = np.maximum(dist_m / 1000.0, 1e-9)  # a zero would read as "no edge"
    n = len(nodes)
    matrix = coo_matrix(
        (np.concatenate([km, km]), (np.concatenate([ii, jj]), np.concatenate([jj, ii]))),
        shape=(n, n),
    ).tocsr()
    passage = {
        (min(index[a], index[b]), max(index[a], index[b])): name
        for (a, b), name in edges.items()
        if name
    }
    return SeaGraph(lonlat=lonlat, matrix=matrix, index=index, passage=passage)


@dataclass(frozen=True)
class SeaLeg:
    """One port-to-port leg along the sea network."""

    origin: str
    destination: str
    distance_km: float
    coords: tuple[Point, ...]  # unwrapped lon/lat, port to port
    passages: tuple[str, ...] = ()  # upstream passages crossed (e.g. "panama")
    access_km: tuple[float, float] = (0.0, 0.0)  # length of the two port access lanes
    us_waters_nm: Mapping[str, float] = field(default_factory=dict)
    countries: tuple[str, ...] = ()  # countries whose land the geometry touches, in order

    @property
    def distance_nm(self) -> float:
        return self.distance_km / settings.KM_PER_NM

    def reversed(self) -> SeaLeg:
        return SeaLeg(
            origin=self.destination,
            destination=self.origin,
            distance_km=self.distance_km,
            coords=tuple(unwrap(reversed(self.coords))),
            passages=self.passages,
            access_km=(self.access_km[1], self.access_km[0]),
            us_waters_nm=dict(self.us_waters_nm),
            countries=tuple(reversed(self.countries)),
        )

    def to_dict(self) -> dict:
        return {
            "from": self.origin,
            "to": self.destination,
            "distance_km": self.distance_km,
            "coords": [list(c) for c in self.coords],
            "passages": list(self.passages),
            "access_km": list(self.access_km),
            "us_waters_nm": dict(self.us_waters_nm),
            "countries": list(self.countries),
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> SeaLeg:
        return cls(
            origin=d["from"],
            destination=d["to"],
            distance_km=d["distance_km"],
            coords=tuple((float(x), float(y)) for x, y in d["coords"]),
            passages=tuple(d["passages"]),
            access_km=tuple(d["access_km"]),
            us_waters_nm=dict(d.get("us_waters_nm", {})),
            countries=tuple(d.get("countries", ())),
        )


@dataclass(frozen=True)
class PortAccess:
    """How a port reaches the sea network: a lane from the quay to a sea node."""

    locode: str
    lane: tuple[Point, ...]  # from the port position to the sea node (last point)
    automatic: bool = False  # True when derived by fallback, not from the dataset


def automatic_access(
    locode: str, lon: float, lat: float, graph: SeaGraph | None = None
) -> PortAccess:
    """Fallback for ports without an explicit lane: the nearest sea node.

    Researchers' port lists rarely carry access lanes; the nearest node is a
    usable default for most ports, though known to be wrong on the Mexican
    Pacific (which is why the default dataset has explicit lanes).
    """
    graph = graph or sea_graph()
    _, _, d = GEOD.inv(
        np.full(graph.n_nodes, lon),
        np.full(graph.n_nodes, lat),
        graph.lonlat[:, 0],
        graph.lonlat[:, 1],
    )
    i = int(np.argmin(d))
    return PortAccess(locode, ((lon, lat), tuple(graph.lonlat[i])), automatic=True)


def _path(pred: np.ndarray, src: int, dst: int) -> list[int]:
    path = [dst]
    while path[-1] != src:
        nxt = pred[path[-1]]
        if nxt < 0:
            raise ValueError("no sea path")
        path.append(int(nxt))
    path.reverse()
    return path


def compute_legs(
    ports: Mapping[str, Point],
    access: Mapping[str, PortAccess],
    graph: SeaGraph | None = None,
) -> dict[tuple[str, str], SeaLeg]:
    """All port-to-port legs (both directions) among ``ports``.

    One scipy one-to-all Dijkstra per distinct access node; a pair with no
    sea path is left out (the caller reports it).
    """
    graph = graph or sea_graph()
    codes = sorted(ports)
    node_of: dict[str, int] = {}
    for code in codes:
        node = graph.node_at(*access[code].lane[-1])
        if node is not None:  # None: the node is cut off in this variant (no legs)
            node_of[code] = node
    codes = [c for c in codes if c in node_of]
    sources = sorted(set(node_of.values()))
    dist, pred = dijkstra(graph.matrix, directed=False, indices=sources, return_predecessors=True)
    row = {s: r for r, s in enumerate(sources)}
    lane_km = {c: geodesic_km(list(access[c].lane)) for c in codes}

    legs: dict[tuple[str, str], SeaLeg] = {}
    for ai, a in enumerate(codes):
        for b in codes[ai + 1 :]:
            src, dst = node_of[a], node_of[b]
            r = row[src]
            if not np.isfinite(dist[r, dst]):
                continue
            nodes = _path(pred[r], src, dst)
            passages = sorted(
                {
                    graph.passage[(min(u, v), max(u, v))]
                    for u, v in zip(nodes, nodes[1:], strict=False)
                    if (min(u, v), max(u, v)) in graph.passage
                    and not graph.passage[(min(u, v), max(u, v))].startswith("overlay:")
                }
            )
            coords = (
                list(access[a].lane)
                + [tuple(graph.lonlat[n]) for n in nodes[1:-1]]
                + list(reversed(access[b].lane))
            )
            # Drop repeated points where a lane ends exactly on the path's first node.
            dedup = [coords[0]]
            for p in coords[1:]:
                if _key(*p) != _key(*dedup[-1]):
                    dedup.append(p)
            line = unwrap(dedup)
            leg = SeaLeg(
                origin=a,
                destination=b,
                distance_km=geodesic_km(line),
                coords=tuple((round(x, 6), round(y, 6)) for x, y in line),
                passages=tuple(passages),
                access_km=(lane_km[a], lane_km[b]),
            )
            legs[(a, b)] = leg
            legs[(b, a)] = leg.reversed()
    return legs


def _fingerprint(
    ports: Mapping[str, Point], access: Mapping[str, tuple[Point, ...] | None], extra: str
) -> str:
    """Hash of what legs depend on; ``access`` maps a port to its lane (None: automatic)."""
    payload = json.dumps(
        {
            "ports": {k: list(v) for k, v in sorted(ports.items())},
            "access": {
                k: None if v is None else [list(p) for p in v] for k, v in sorted(access.items())
            },
            "corrections": [repr(c) for c in CORRECTIONS],
            "restrictions": DEFAULT_RESTRICTIONS,
            "searoute": version("searoute"),
            "bypass": __version__,
            "extra": extra,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def _load(key: str) -> dict | None:
    path = settings.cache_dir() / f"sea-legs-{key}.json"
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("key") != key:
            raise ValueError("written for another key")
        raw["legs"] = {(d["from"], d["to"]): SeaLeg.from_dict(d) for d in raw["legs"]}
        touch_cache(path)
        return raw
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        # A corrupt or foreign cache is rebuilt, never trusted, and said so.
        log.warning("sea legs cache %s rejected (%s); rebuilding it", path,
                    type(exc).__name__ if not str(exc) else exc)
        return None


def _store(key: str, legs: Mapping[tuple[str, str], SeaLeg], warnings: list[str]) -> None:
    payload = {"key": key, "warnings": warnings,
               "legs": [legs[k].to_dict() for k in sorted(legs)]}
    write_cache(settings.cache_dir() / f"sea-legs-{key}.json", json.dumps(payload).encode())


def _annotated(legs: dict[tuple[str, str], SeaLeg], annotate) -> dict[tuple[str, str], SeaLeg]:
    if annotate is None:
        return legs
    done: dict[tuple[str, str], dict] = {}
    for (a, b), leg in sorted(legs.items()):
        if (b, a) in done:  # the reverse leg: same facts, countries reversed
            facts = dict(done[(b, a)], countries=list(reversed(done[(b, a)]["countries"])))
        else:
            facts = done[(a, b)] = annotate(leg)
        object.__setattr__(leg, "us_waters_nm", dict(facts["us_waters_nm"]))
        object.__setattr__(leg, "countries", tuple(facts["countries"]))
    return legs


def cached_legs(
    ports: Mapping[str, Point],
    access: Mapping[str, PortAccess],
    *,
    annotate=None,
    annotate_version: str = "",
    use_cache: bool = True,
    variant: str = SHORTEST,
) -> dict[tuple[str, str], SeaLeg]:
    """Port-to-port legs, from the disk cache when the inputs are unchanged.

    ``annotate`` (optional) maps a leg to extra per-leg facts stored with it
    (US waters exposure); ``annotate_version`` must change when it does.
    """
    key = _fingerprint(ports, {c: a.lane for c, a in access.items()},
                       f"{annotate_version}/{variant}")
    hit = _load(key) if use_cache else None
    if hit is not None:
        return hit["legs"]
    legs = _annotated(compute_legs(ports, access, sea_graph(variant=variant)), annotate)
    if use_cache:
        _store(key, legs, [])
    return legs


def port_access(ports, access_table=None) -> tuple[dict[str, PortAccess], list[str]]:
    """Access lanes for every port: the dataset's explicit lane, else the fallback.

    ``ports`` is the ports table (locode, lon, lat); ``access_table`` the
    optional port_access table. Returns the lanes and warnings for ports that
    fell back to their nearest sea node.
    """
    graph = sea_graph()
    lanes: dict[str, PortAccess] = {}
    warnings: list[str] = []
    explicit = {}
    if access_table is not None:
        for code, geom in zip(access_table["locode"], access_table["waypoints"], strict=True):
            explicit[code] = [(float(xy[0]), float(xy[1])) for xy in geom.coords]
    for code, lon, lat in zip(ports["locode"], ports["lon"], ports["lat"], strict=True):
        if code in explicit:
            waypoints = explicit[code]
            if graph.node_at(*waypoints[-1]) is None:
                warnings.append(
                    f"port {code}: access lane does not end on a sea network node; "
                    "using the nearest node instead"
                )
                lanes[code] = automatic_access(code, lon, lat, graph)
                continue
            lanes[code] = PortAccess(code, ((float(lon), float(lat)), *waypoints))
        else:
            lanes[code] = automatic_access(code, lon, lat, graph)
            _, _, d = GEOD.inv(lon, lat, *lanes[code].lane[-1])
            warnings.append(
                f"port {code}: no access lane in port_access.csv; joined to the nearest "
                f"sea node {d / 1000:.1f} km away"
            )
    return lanes, warnings


#: Bump when the per-leg annotation (US waters exposure) changes meaning.
ANNOTATION_VERSION = "us-waters-2"


def annotate_us_waters(leg: SeaLeg) -> dict:
    """Geometry facts of a leg: nm in the US 12 nm and 200 nm zones, countries touched.

    ``territorial_not_exempt`` leaves out the shared US-Canada boundary waters
    (Juan de Fuca / Haro Strait), which the strict US-transit rule exempts.
    """
    from shapely.geometry import LineString

    from networks import geography

    line = LineString(leg.coords)
    exposure = geography.us_exposure_nm(line)
    return {
        "us_waters_nm": {
            "territorial": round(float(exposure["territorial"]), 3),
            "eez": round(float(exposure["eez"]), 3),
            "territorial_not_exempt": round(
                float(geography.us_territorial_nm_outside_exemptions(line)), 3
            ),
        },
        "countries": list(geography.countries_crossed(line)),
    }


def dataset_legs(
    dataset, *, use_cache: bool = True, variant: str = SHORTEST
) -> tuple[dict[tuple[str, str], SeaLeg], list[str]]:
    """All sea legs among a dataset's ports, with US waters exposure; plus warnings.

    ``variant="outside_us_territorial_sea"`` gives, where one exists, the
    shortest leg that stays outside the US 12 nm zone (for the strict rule).
    """
    ports_table = dataset.ports
    access_table = dataset.tables.get("port_access")
    ports = {
        c: (float(x), float(y))
        for c, x, y in zip(
            ports_table["locode"], ports_table["lon"], ports_table["lat"], strict=True
        )
    }
    # The cache key needs only the dataset's lanes, so a warm run never loads MARNET.
    spec: dict[str, tuple[Point, ...] | None] = dict.fromkeys(ports)
    if access_table is not None:
        for code, geom in zip(access_table["locode"], access_table["waypoints"], strict=True):
            if code in ports:
                spec[code] = (ports[code], *[(float(xy[0]), float(xy[1])) for xy in geom.coords])
    key = _fingerprint(ports, spec, f"{ANNOTATION_VERSION}/{variant}")
    hit = _load(key) if use_cache else None
    if hit is not None:
        return hit["legs"], list(hit.get("warnings", []))
    lanes, warnings = port_access(ports_table, access_table)
    legs = _annotated(compute_legs(ports, lanes, sea_graph(variant=variant)), annotate_us_waters)
    for a in sorted(ports) if variant == SHORTEST else ():
        if not any((a, b) in legs for b in ports if b != a):
            warnings.append(f"port {a}: not reachable by sea from any other port")
    if use_cache:
        _store(key, legs, warnings)
    return legs, warnings
