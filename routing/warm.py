"""A plain route comparison answered from a compact, data-only file: the fast start.

Why: a warm ``bypass route`` spent most of its half second importing numpy,
scipy, networkx and shapely and decoding the graph, for a query that takes
milliseconds. The query itself needs little: the compiled arcs, their leg
fields and the full engine's exact integer weights. :func:`remember` writes
those (from the full engine's compiled arrays, so no scaling rule is
reimplemented) to ``route-<key>.json`` in the cache folder; :func:`compare`
answers ``compare_route`` from it with one pure-Python Dijkstra, importing
none of those libraries.

Same answer or none: :func:`compare` returns ``None`` whenever it cannot be
*sure* its answer is the full engine's, and the caller then runs the full
engine. That is: an option it does not handle (a weighted objective, via,
avoid, budgets...), a place text that does not resolve (the full path gives
the usual error), a missing side (the full path names the reason), an
optimal path the full engine's Dijkstra may pick among exactly tied paths by
its heap order (two tight predecessors at the same distance, see
:func:`_unique_path`), a via-US walk that repeats a node (the full engine then
branches), and a missing, stale or corrupt file.

The search: the two-layer graph of the via-US side (``routing.trees``):
layer 0 holds the arcs that are not US transit, a US arc leads from layer 0
to layer 1, layer 1 holds every arc; the no-return-from-US rule and the
hypothetical sea legs are filtered as in ``routing.solver.arc_mask``. Layer 0
cannot be re-entered, so layer-0 distances are exactly those of the US-free
side and one search answers both sides. Parallel arcs are reduced to their
lexicographic best, lowest arc id last (``routing.trees.tree_graph``).
Weights are exact Python ints ``primary * k + secondary``.

The file: a JSON header line (schema, format, key, SHA-256 of the payload)
then the JSON payload; never pickle. The key hashes the graph fingerprint
(:func:`networks.fingerprint.graph_fingerprint`: dataset bytes, ``networks``
sources, versions) and the bytes of the routing modules the data and the
answer depend on, so an edited dataset or engine never reuses a stale file.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from networks import settings
from networks.atomic import touch_cache, write_cache
from networks.errors import BypassError
from networks.fingerprint import graph_fingerprint, header_problem, package_version, source_digest
from networks.places import PLACE_KINDS, resolve_place

from .options import RouteOptions
from .results import Leg, Route, RouteComparison

__all__ = ["FORMAT", "SCHEMA", "compare", "compact_path", "remember", "route_key"]

log = logging.getLogger(__name__)

#: Name and version of the compact file format.
SCHEMA = "bypass-route-compact"
FORMAT = 1
#: Routing modules whose code decides the compact data or the answer built from it.
_SOURCES = ("options.py", "query.py", "results.py", "solver.py", "trees.py", "warm.py")
#: Objectives the compact file holds the full engine's integer weights for.
OBJECTIVES = ("cost", "time", "co2")
#: The full engine's one-pass composite tree holds while every distance stays below this
#: (``routing.trees._EXACT``).
_EXACT = 2**52
#: The sides of a comparison, as ``routing.query.SIDE_FILTERS`` sets them.
_SIDES = (("us_free", {"allow_us": False, "require_us": False}),
          ("via_us", {"require_us": True, "no_return_from_us": True}))


# --------------------------------------------------------------------------- key and file
def route_key(data_dir: str | os.PathLike | None = None) -> str:
    """Key of the compact file of a dataset folder: graph fingerprint + routing sources."""
    h = hashlib.sha256(f"{SCHEMA}/{FORMAT}\n{graph_fingerprint(data_dir)}\n".encode())
    # The recorded tie choices are scipy's (its heap order), the weights numpy's.
    h.update(f"numpy={package_version('numpy')};scipy={package_version('scipy')}\n".encode())
    here = Path(__file__).resolve().parent
    source_digest((here / name for name in _SOURCES), h)
    return h.hexdigest()[:24]


def compact_path(key: str) -> Path:
    """Where the compact file of ``key`` lives (the cache folder)."""
    return settings.cache_dir() / f"route-{key}.json"


class _Rejected(ValueError):
    """A compact file that is not (or no longer) trustworthy."""


def _encode(payload: dict[str, Any], key: str) -> bytes:
    body = json.dumps(payload, separators=(",", ":"), allow_nan=True).encode()
    header = json.dumps({"schema": SCHEMA, "format": FORMAT, "key": key,
                         "sha256": hashlib.sha256(body).hexdigest()}).encode()
    return header + b"\n" + body


def _decode(raw: bytes, key: str) -> dict[str, Any]:
    head, sep, body = raw.partition(b"\n")
    if not sep:
        raise _Rejected("no header line")
    try:
        header = json.loads(head)
    except (ValueError, RecursionError):
        raise _Rejected("unreadable header") from None
    problem = header_problem(header, SCHEMA, FORMAT, "key", key, "bypass compact route file")
    if problem is not None:
        raise _Rejected(problem)
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise _Rejected("checksum mismatch")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise _Rejected("unreadable payload") from None
    if not isinstance(payload, dict):
        raise _Rejected("malformed payload")
    return payload


# --------------------------------------------------------------------------- compact data
@dataclass(eq=False)
class _Compact:
    """The payload of a compact file, checked, with per-query caches."""

    ids: list[str]
    index: dict[str, int]
    name: list[str]
    kind: list[str]
    us: list[bool]
    countries: list[frozenset[str]]
    places: _Places
    arcs: dict[str, list[Any]]
    weights: dict[str, tuple[list[int], list[int], int]]
    #: (objective, strict, hypothetical) -> origin -> {node: the full engine's predecessor}
    #: at the nodes where its Dijkstra chose between tight predecessors at one distance.
    ties: dict[tuple[str, bool, bool], dict[int, dict[int, int]]]
    cache: dict[Any, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, payload: dict[str, Any]) -> _Compact:
        """Check a payload's shape and types (a file that passes never crashes a query)."""
        try:
            nodes, arcs = payload["nodes"], payload["arcs"]
            n, m = len(nodes["id"]), len(arcs["tail"])
            for col, types in _NODE_TYPES.items():
                if len(nodes[col]) != n or not all(type(x) in types for x in nodes[col]):
                    raise _Rejected(f"node column {col!r} malformed")
            ids = nodes["id"]
            if len(set(ids)) != n or not all(
                    type(c) is str for cs in nodes["countries"] for c in cs):
                raise _Rejected("node ids or countries malformed")
            for col, types in _ARC_TYPES.items():
                if len(arcs[col]) != m or not all(type(x) in types for x in arcs[col]):
                    raise _Rejected(f"arc column {col!r} malformed")
            if not all(0 <= t < n for t in arcs["tail"]) or \
                    not all(0 <= h < n for h in arcs["head"]):
                raise _Rejected("arc end out of range")
            if not all(type(x) is str for ss in arcs["services"] for x in ss):
                raise _Rejected("arc column 'services' malformed")
            weights = {}
            for obj in OBJECTIVES:
                w = payload["weights"][obj]
                primary, secondary, k = w["primary"], w["secondary"], w["k"]
                if (len(primary) != m or len(secondary) != m or type(k) is not int or k < 1
                        or not all(type(x) is int and x >= 0 for x in primary)
                        or not all(type(x) is int and x >= 0 for x in secondary)):
                    raise _Rejected(f"weights of {obj!r} malformed")
                weights[obj] = (primary, secondary, k)
            ties = _ties_of(payload["ties"], 2 * n)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, _Rejected):
                raise
            raise _Rejected(f"malformed payload ({type(exc).__name__})") from None
        places = _Places(ids, [
            {"kind": kind, "name": pname, "border": border} if pname is not None
            else {"kind": kind, "border": border}
            for kind, pname, border in zip(nodes["kind"], nodes["place_name"], nodes["border"],
                                           strict=True)])
        return cls(ids=ids, index={u: i for i, u in enumerate(ids)}, name=nodes["name"],
                   kind=nodes["kind"], us=nodes["us"],
                   countries=[frozenset(x) for x in nodes["countries"]],
                   places=places, arcs=arcs, weights=weights, ties=ties)


def _ties_of(raw: Any, size: int) -> dict[tuple[str, bool, bool], dict[int, dict[int, int]]]:
    """The checked tie table: ``{"cost|0|1": {"origin": [[node, pred], ...]}}`` as ints."""
    out: dict[tuple[str, bool, bool], dict[int, dict[int, int]]] = {}
    if not isinstance(raw, dict):
        raise _Rejected("tie table malformed")
    for combo, per_origin in raw.items():
        obj, strict, hyp = str(combo).split("|") if str(combo).count("|") == 2 else ("", "", "")
        if obj not in OBJECTIVES or strict not in ("0", "1") or hyp not in ("0", "1") \
                or not isinstance(per_origin, dict):
            raise _Rejected("tie table malformed")
        table: dict[int, dict[int, int]] = {}
        for origin, pairs in per_origin.items():
            if not str(origin).isdigit() or int(origin) >= size or not isinstance(pairs, list) \
                    or not all(isinstance(p, list) and len(p) == 2
                               and all(type(x) is int and 0 <= x < size for x in p)
                               for p in pairs):
                raise _Rejected("tie table malformed")
            table[int(origin)] = {v: u for v, u in pairs}
        out[(obj, strict == "1", hyp == "1")] = table
    return out


_NONE = type(None)
#: Types of each node and arc column, exactly as :func:`_payload` writes them.
_NODE_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str,), "name": (str,), "kind": (str,), "us": (bool,), "countries": (list,),
    "place_name": (str, _NONE), "border": (str, _NONE)}
_ARC_TYPES: dict[str, tuple[type, ...]] = {
    "tail": (int,), "head": (int,), "key": (str,), "mode": (str,), "kind": (str,),
    "distance_km": (float,), "time_h": (float,), "cost": (float,), "co2": (float,),
    "us": (bool,), "us_strict": (bool,), "territorial": (float,), "eez": (float,),
    "distance_nm": (float, _NONE), "service": (str, _NONE), "services": (list,),
    "wait_h": (float, _NONE), "hypothetical": (bool,)}


class _Places:
    """Just enough of a graph for :func:`networks.places.resolve_place`."""

    def __init__(self, ids: Sequence[str], attrs: Sequence[dict[str, Any]]) -> None:
        self._ids = set(ids)
        self._nodes = list(zip(ids, attrs, strict=True))

    def __contains__(self, node: object) -> bool:
        return node in self._ids

    def nodes(self, data: bool = False) -> list[Any]:
        return list(self._nodes) if data else [n for n, _ in self._nodes]


#: Arc columns of the payload.
_ARC_FIELDS = tuple(_ARC_TYPES)

#: Compact data of this process, by key (a few datasets at most).
_MEMO: dict[str, _Compact] = {}
_MEMO_SIZE = 4


def _load(data_dir: str | os.PathLike | None) -> _Compact | None:
    """The checked compact data of a dataset folder, or None (missing, or rejected: logged)."""
    key = route_key(data_dir)
    hit = _MEMO.get(key)
    if hit is not None:
        return hit
    path = compact_path(key)
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        log.warning("compact route file %s unreadable (%s); using the full engine", path,
                    exc.strerror)
        return None
    try:
        compact = _Compact.of(_decode(raw, key))
    except _Rejected as exc:
        log.warning("compact route file %s rejected (%s); using the full engine, which "
                    "rewrites it", path, exc)
        return None
    touch_cache(path)
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[key] = compact
    return compact


# --------------------------------------------------------------------------- remember
def _payload(graph: Any) -> dict[str, Any]:
    """The compact data of a graph, read off the full engine's compiled arrays."""
    from . import solver  # the full engine: numpy, scipy, networkx (already loaded here)

    c = solver.compile_graph(graph)
    nd = graph.nodes
    tails, heads = c.tail.tolist(), c.head.tolist()
    cols: dict[str, list[Any]] = {f: [] for f in _ARC_FIELDS}
    cols["tail"], cols["head"] = tails, heads
    cols["time_h"], cols["cost"], cols["co2"] = c.time.tolist(), c.cost.tolist(), c.co2.tolist()
    cols["us"], cols["us_strict"] = c.us.tolist(), c.us_strict.tolist()
    cols["hypothetical"] = c.hypothetical.tolist()
    for a, (t, h) in enumerate(zip(tails, heads, strict=True)):
        key = c.keys[a]
        e = graph[c.nodes[t]][c.nodes[h]][key]
        # Each value exactly as routing.query._make_leg reads it.
        waters = e.get("us_waters_nm") or {}
        sea = e.get("mode") == "sea"
        cols["key"].append(str(key))
        cols["mode"].append(str(e.get("mode", "")))
        cols["kind"].append(str(e.get("kind", "")))
        cols["distance_km"].append(float(e.get("distance_km", 0.0) or 0.0))
        cols["territorial"].append(float(waters.get("territorial", 0.0)))
        cols["eez"].append(float(waters.get("eez", 0.0)))
        cols["distance_nm"].append(
            float(e["distance_nm"]) if sea and "distance_nm" in e else None)
        cols["service"].append(e.get("service") if sea else None)
        cols["services"].append(list(e.get("services") or ()))
        cols["wait_h"].append(float(e["wait_h"]) if e.get("wait_h") else None)
    weights = {}
    for obj in OBJECTIVES:
        w = solver.objective_arrays(c, solver.objective_weights(obj))
        weights[obj] = {"primary": w.primary.tolist(), "secondary": w.secondary.tolist(),
                        "k": int(w.k)}
    return {
        "ties": _tie_table(graph, c),
        "nodes": {
            "id": list(c.nodes),
            "name": list(c.name),
            "kind": list(c.kind),
            "us": c.node_us.tolist(),
            "countries": [sorted(cs) for cs in c.node_countries],
            # What networks.places reads: the raw name (None if absent) and border id.
            "place_name": [str(nd[u]["name"]) if "name" in nd[u] else None for u in c.nodes],
            "border": [None if nd[u].get("border") is None else str(nd[u]["border"])
                       for u in c.nodes],
        },
        "arcs": cols,
        "weights": weights,
    }


def _tie_table(graph: Any, c: Any) -> dict[str, dict[str, list[list[int]]]]:
    """Where the full engine's Dijkstra chose between equally near tight predecessors.

    Why: two routes can tie exactly (two liner services with the same calls,
    cost and time), and then scipy's heap order among equal keys picks the
    predecessor; no rule outside scipy reproduces it. So for every place a
    query may start from and every option set the compact search answers,
    the full engine's own two-layer tree (``routing.trees.shortest_tree``, the
    one ``compare_route`` reads both sides from) is searched once here and its
    choice recorded at each node that has two or more tight predecessors at
    the least distance. A handful of nodes per tree on the default data.
    """
    import numpy as np

    from . import query, trees

    n = c.n
    origins = [i for i in range(n) if c.kind[i] in PLACE_KINDS and not c.node_us[i]]
    out: dict[str, dict[str, list[list[int]]]] = {}
    for obj in OBJECTIVES:
        for strict in (False, True):
            for hyp in (False, True):
                opts = RouteOptions(objective=obj, strict_waters=strict,
                                    allow_hypothetical=hyp).replace(**_SIDES[1][1])
                table: dict[str, list[list[int]]] = {}
                for o in origins:
                    q = query._origin_query(graph, c.nodes[o], opts)
                    if q is None:
                        continue
                    try:
                        t = trees.shortest_tree(c, q.weights, q.filter, o, layered=True)
                    except trees.InexactError:
                        continue
                    if t.composite is None:
                        continue  # two-pass tree: the compact search declines these
                    g = t.graph
                    dc = t.composite
                    du = dc[g.tail]
                    tight = (du < np.inf) & (du + g.mat_c.data == dc[g.head])
                    heads, dus = g.head[tight], du[tight]
                    low = np.full(g.size, np.inf)
                    np.minimum.at(low, heads, dus)
                    at_low = heads[dus == low[heads]]
                    tied = np.flatnonzero(np.bincount(at_low, minlength=g.size) > 1)
                    if len(tied):
                        table[str(o)] = [[int(v), int(t.pred_node[v])] for v in tied]
                out[f"{obj}|{int(strict)}|{int(hyp)}"] = table
    return out


def remember(graph: Any, data_dir: str | os.PathLike | None = None) -> bool:
    """Write the compact file of ``data_dir`` from its loaded graph, unless one is there.

    Why: the full engine has the graph loaded and compiled after a query, so
    writing the compact data then costs a few milliseconds; the next plain
    query from the shell answers from it (:func:`compare`).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        ``load_graph(data_dir)`` as loaded, not edited: the file is keyed by
        the dataset folder's content, not by the graph object.
    data_dir : path, optional
        The dataset folder the graph was loaded from (None: the default).

    Returns
    -------
    bool
        True if a valid file is in place afterwards. Never raises: a cache is
        only an optimisation, so any failure is a logged warning.
    """
    try:
        key = route_key(data_dir)
        path = compact_path(key)
        if key in _MEMO:
            return True
        try:
            _Compact.of(_decode(path.read_bytes(), key))
            return True
        except (OSError, _Rejected):
            pass  # missing or rejected (already logged by compare): write it
        raw = _encode(_payload(graph), key)
        # Read back as compare reads it: a graph whose values the file cannot
        # carry as legs need them (a node id that is not a string, say) is
        # refused here, once, not on every read.
        _Compact.of(_decode(raw, key))
        return write_cache(path, raw)
    except Exception as exc:  # noqa: BLE001 - a cache write must never fail a command
        log.warning("compact route file not written (%s: %s)", type(exc).__name__, exc)
        return False


# --------------------------------------------------------------------------- search
def _supported(opts: RouteOptions) -> bool:
    """Options the compact search answers exactly as the full engine's trees do."""
    return (isinstance(opts.objective, str) and opts.objective in OBJECTIVES
            and not (opts.via or opts.avoid or opts.avoid_countries or opts.avoid_modes)
            and opts.max_days is None and opts.max_cost is None
            and opts.max_transshipments is None)


def _graph(cp: _Compact, objective: str, strict: bool, hypothetical: bool, origin: int
           ) -> tuple[list[list[tuple[int, int, int]]], list[list[tuple[int, int, int]]]]:
    """Forward and reverse adjacency of the reduced two-layer graph (cached per filter).

    Node ``v`` is layer 0, ``v + n`` layer 1. Forward: ``(head, weight, arc)``;
    reverse: ``(tail, weight, arc)``.
    """
    reentry = cp.countries[origin] - {settings.US}
    ckey = (objective, strict, hypothetical, reentry)
    hit = cp.cache.get(ckey)
    if hit is not None:
        return hit
    arcs, n, us_node = cp.arcs, len(cp.ids), cp.us
    primary, secondary, k = cp.weights[objective]
    usarc = arcs["us_strict"] if strict else arcs["us"]
    into = [bool(cs & reentry) and not u for cs, u in zip(cp.countries, us_node, strict=True)]
    best: dict[tuple[int, int], tuple[int, int, int]] = {}

    def offer(t: int, h: int, p: int, s: int, a: int) -> None:
        old = best.get((t, h))
        if old is None or (p, s, a) < old:
            best[(t, h)] = (p, s, a)

    for a, (t, h) in enumerate(zip(arcs["tail"], arcs["head"], strict=True)):
        if arcs["hypothetical"][a] and not hypothetical:
            continue
        if us_node[t] and into[h]:  # no return from the US into the origin's countries
            continue
        p, s = primary[a], secondary[a]
        offer(t + n, h + n, p, s, a)
        if usarc[a]:
            offer(t, h + n, p, s, a)
        else:
            offer(t, h, p, s, a)
    fwd: list[list[tuple[int, int, int]]] = [[] for _ in range(2 * n)]
    rev: list[list[tuple[int, int, int]]] = [[] for _ in range(2 * n)]
    for (t, h), (p, s, a) in sorted(best.items()):
        w = p * k + s
        fwd[t].append((h, w, a))
        rev[h].append((t, w, a))
    cp.cache[ckey] = (fwd, rev)
    return fwd, rev


def _dijkstra(fwd: list[list[tuple[int, int, int]]], source: int) -> list[int | None]:
    """Exact integer distances from ``source`` (None: not reached)."""
    size = len(fwd)
    dist: list[int | None] = [None] * size
    done = [False] * size
    dist[source] = 0
    heap = [(0, source)]
    while heap:
        d, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        for v, w, _ in fwd[u]:
            nd = d + w
            dv = dist[v]
            if dv is None or nd < dv:
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return dist


def _unique_path(dist: list[int | None], rev: list[list[tuple[int, int, int]]],
                 source: int, target: int, ties: dict[int, int]) -> list[int] | None:
    """Arcs of the full engine's path to ``target`` when its Dijkstra has no choice, else None.

    scipy's Dijkstra scans nodes in distance order and gives a node a new
    predecessor only on a strict improvement, so a node's predecessor is the
    first-scanned of its tight in-neighbours (``d[u] + w == d[v]``, ``u``
    reached). When one of them has a strictly smaller distance than the
    others, it is scanned first whatever the heap does with equal keys, so it
    is the predecessor; when two share the least distance, the heap's order
    among equal keys decides: ``ties`` (node -> predecessor) holds the full
    engine's recorded choice there (:func:`_tie_table`), and without one
    this returns None.
    """
    if dist[target] is None:
        return None
    arcs: list[int] = []
    v = target
    while v != source:
        dv = dist[v]
        best: tuple[int, int] | None = None
        low: int | None = None
        shared = False
        for u, w, a in rev[v]:
            du = dist[u]
            if du is None or du + w != dv:
                continue
            if low is None or du < low:
                low, best, shared = du, (u, a), False
            elif du == low:
                shared = True
        if best is not None and shared:
            pick = ties.get(v)
            best = next(((u, a) for u, w, a in rev[v] if u == pick and dist[u] == low
                         and low is not None and low + w == dv), None)
        if best is None or len(arcs) > len(dist):
            return None
        v, a = best
        arcs.append(a)
    arcs.reverse()
    return arcs


def _legs(cp: _Compact, arcs: Iterable[int], strict: bool) -> tuple[Leg, ...]:
    """Legs exactly as ``routing.query._make_leg`` builds them (geometry left out)."""
    col = cp.arcs
    us = col["us_strict"] if strict else col["us"]
    legs = []
    for a in arcs:
        t, h = col["tail"][a], col["head"][a]
        legs.append(Leg(
            mode=col["mode"][a], kind=col["kind"][a],
            from_id=cp.ids[t], to_id=cp.ids[h], from_name=cp.name[t], to_name=cp.name[h],
            distance_km=col["distance_km"][a], time_h=col["time_h"][a],
            cost_usd_per_teu=col["cost"][a], co2_kg_per_teu=col["co2"][a],
            us_transit=bool(us[a]),
            us_waters_nm={"territorial": col["territorial"][a], "eez": col["eez"][a]},
            distance_nm=col["distance_nm"][a], service=col["service"][a],
            services=tuple(col["services"][a]), wait_h=col["wait_h"][a], geometry=None,
            key=col["key"][a], from_kind=cp.kind[t], to_kind=cp.kind[h],
        ))
    return tuple(legs)


def compare(
    data_dir: str | os.PathLike | None,
    origin: str,
    destination: str,
    options: RouteOptions | None = None,
    *,
    origin_kinds: Iterable[str] = PLACE_KINDS,
    destination_kinds: Iterable[str] = PLACE_KINDS,
) -> RouteComparison | None:
    """``compare_route`` of the dataset folder's graph from its compact file, or None.

    Why: the full engine's answer without loading it (see the module
    docstring); None means "ask the full engine", never "no route".

    Parameters
    ----------
    data_dir : path, optional
        The dataset folder (None: the default dataset).
    origin, destination : str
        Place ids or names, resolved as :func:`networks.places.resolve_place`
        does with the given kinds (the CLI restricts them).
    options : RouteOptions, optional
        As for ``compare_route``.

    Returns
    -------
    RouteComparison or None
        Equal (``to_dict``) to ``routing.query.compare_route`` on
        ``load_graph(data_dir)``, or None when that cannot be guaranteed.
    """
    opts = options if options is not None else RouteOptions()
    if not _supported(opts):
        return None
    cp = _load(data_dir)
    if cp is None:
        return None
    try:
        o_id = resolve_place(cp.places, origin, kinds=origin_kinds, what="origin")[0]
        d_id = resolve_place(cp.places, destination, kinds=destination_kinds,
                             what="destination")[0]
    except BypassError:
        return None  # the full path raises the usual error
    o, d = cp.index[o_id], cp.index[d_id]
    if o == d or cp.us[o] or cp.us[d]:
        return None  # the full path names the reason for the missing side
    strict = opts.strict_waters
    hypothetical = opts.allow_hypothetical and not opts.scheduled_only
    fwd, rev = _graph(cp, str(opts.objective), strict, hypothetical, o)
    dist = _dijkstra(fwd, o)
    ties = cp.ties.get((str(opts.objective), strict, hypothetical), {}).get(o, {})
    if max(x for x in dist if x is not None) >= _EXACT:
        return None  # the full engine's trees leave the composite search: not ours to say
    n = len(cp.ids)
    routes: dict[str, Route] = {}
    for side, extra in _SIDES:
        target = d + n if side == "via_us" else d
        arcs = _unique_path(dist, rev, o, target, ties)
        if arcs is None:
            return None
        if side == "via_us":
            seen = [o] + [cp.arcs["head"][a] for a in arcs]
            if len(set(seen)) != len(seen):
                return None  # a walk that repeats a node: the full engine branches
        side_opts = opts.replace(**extra)
        routes[side] = Route(o_id, d_id, _legs(cp, arcs, strict), side_opts.to_dict())
    return RouteComparison(o_id, d_id, routes["us_free"], routes["via_us"], {}, opts)
