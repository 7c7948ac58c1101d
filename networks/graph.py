"""The routing graph type and its contract (see ``docs/graph.md``).

Why a graph type of our own: the solver compiles a graph to arrays once and
reuses them for every warm query. An analyst who edits the graph in a
notebook (an edge cost x1000, a removed node, a new capacity) must get the
answer of the edited graph, never one from stale arrays. ``RoutingGraph`` is a
plain ``networkx.MultiDiGraph`` whose internal dictionaries (adjacency, node
and edge attributes) count every write in a process-wide edit counter, so the
solver can tell in O(1) that nothing changed since it compiled; only after a
write does it compare a snapshot of what it compiled (see
:func:`compiled_view`). Graphs of any other class (a ``nx.MultiDiGraph`` built
by hand, or converted with ``nx.MultiDiGraph(g)``) are checked by that
snapshot on every query, which is slower but never stale.

This module imports networkx and numpy only, so loading a cached graph stays
fast.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator
from typing import Any

import networkx as nx

__all__ = [
    "EDGE_FIGURES",
    "GraphError",
    "RoutingGraph",
    "edit_count",
    "snapshot",
    "validate_graph",
]

from networks.errors import GraphError

#: Edge attributes every routing edge carries: finite, non-negative numbers.
EDGE_FIGURES = ("cost_usd_per_teu", "time_h", "co2_kg_per_teu")

# One counter for the process: any write to any tracked dictionary bumps it.
_EDITS = [0]


def edit_count() -> int:
    """How many writes tracked graphs have seen in this process (only ever grows)."""
    return _EDITS[0]


class _Tracked(dict):
    """A dict that counts its writes (reads stay at C speed)."""

    __slots__ = ()

    def __setitem__(self, key: Any, value: Any) -> None:
        _EDITS[0] += 1
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: Any) -> None:
        _EDITS[0] += 1
        dict.__delitem__(self, key)

    def __ior__(self, other: Any) -> _Tracked:  # type: ignore[override,misc]
        _EDITS[0] += 1
        dict.update(self, other)
        return self

    def update(self, *args: Any, **kwargs: Any) -> None:
        _EDITS[0] += 1
        dict.update(self, *args, **kwargs)

    def pop(self, *args: Any) -> Any:
        _EDITS[0] += 1
        return dict.pop(self, *args)

    def popitem(self) -> tuple[Any, Any]:
        _EDITS[0] += 1
        return dict.popitem(self)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        _EDITS[0] += 1
        return dict.setdefault(self, key, default)

    def clear(self) -> None:
        _EDITS[0] += 1
        dict.clear(self)

    def copy(self) -> _Tracked:
        return _Tracked(self)


class RoutingGraph(nx.MultiDiGraph):
    """A ``networkx.MultiDiGraph`` whose edits the solver notices.

    Use it exactly like a ``MultiDiGraph``; ``load_graph`` and ``build_graph``
    return one. Every write through networkx's API or to an attribute dict
    (``g.edges[u, v, k]["cost_usd_per_teu"] *= 1000``) counts as an edit.
    Values nested inside attributes (the ``us_waters_nm`` dict) are read live
    when a route is built, so editing them needs no tracking.
    """

    node_dict_factory = _Tracked
    node_attr_dict_factory = _Tracked
    adjlist_outer_dict_factory = _Tracked
    adjlist_inner_dict_factory = _Tracked
    edge_key_dict_factory = _Tracked
    edge_attr_dict_factory = _Tracked


# What the compiled arrays depend on; a change in any of these recompiles.
_NODE_FIELDS = ("kind", "name", "us_transit", "countries", "country", "capacity_teu_per_year")
_EDGE_FIELDS = (*EDGE_FIGURES, "us_transit", "us_transit_strict", "mode", "countries",
                "capacity_teu_per_year", "service")


def snapshot(graph: nx.MultiDiGraph) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Everything the compiled arrays are made of, as comparable tuples.

    Equal snapshots compile to equal arrays; the solver keeps one per compiled
    graph and compares it after an edit (one pass over the attribute dicts).
    """
    nodes = tuple(
        (n, *(d.get(f) for f in _NODE_FIELDS)) for n, d in graph._node.items()
    )
    edges = tuple(
        (u, v, k, *(d.get(f) for f in _EDGE_FIELDS))
        for u, nbrs in graph._succ.items()
        for v, keyed in nbrs.items()
        for k, d in keyed.items()
    )
    return nodes, edges


def _edge_name(u: Hashable, v: Hashable, k: Hashable) -> str:
    return f"edge {u} -> {v} (key {k!r})"


def validate_graph(graph: nx.MultiDiGraph) -> None:
    """Check the routing-graph contract; raise :class:`GraphError` naming the first breach.

    Why: a graph built outside ``build_graph`` (by hand, from a GIS export, or
    edited) must not be solved with silently invented figures. Every edge
    needs finite, non-negative ``cost_usd_per_teu``, ``time_h`` and
    ``co2_kg_per_teu`` and a ``mode`` (and ``distance_km``, where given, must
    be finite and non-negative too); every node needs a ``kind``. A missing
    figure is an error, never a zero.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The graph to check.

    Raises
    ------
    GraphError
        For the first node or edge that breaks the contract (it is named).
    """
    if not isinstance(graph, nx.MultiDiGraph):
        raise GraphError(
            f"a routing graph is a networkx.MultiDiGraph, not {type(graph).__name__}"
        )
    for n, d in graph.nodes(data=True):
        if "kind" not in d:
            raise GraphError(f"node {n!r} has no 'kind' attribute")
    for u, v, k, d in graph.edges(keys=True, data=True):
        if not d.get("mode"):
            raise GraphError(f"{_edge_name(u, v, k)} has no 'mode' attribute")
        # distance_km is reported, not optimised: optional, but never negative or NaN.
        present = ("distance_km",) if d.get("distance_km") is not None else ()
        for attr in (*EDGE_FIGURES, *present):
            if attr not in d or d[attr] is None:
                raise GraphError(f"{_edge_name(u, v, k)} has no {attr!r} attribute")
            value = d[attr]
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise GraphError(
                    f"{_edge_name(u, v, k)}: {attr} is not a number ({value!r})"
                ) from None
            if not math.isfinite(number) or number < 0:
                raise GraphError(
                    f"{_edge_name(u, v, k)}: {attr} must be finite and non-negative, "
                    f"got {value!r}"
                )


def iter_edges(graph: nx.MultiDiGraph) -> Iterator[tuple[Any, Any, Any, dict]]:
    """Edges as (u, v, key, attrs) straight from the adjacency (no view objects)."""
    for u, nbrs in graph._succ.items():
        for v, keyed in nbrs.items():
            for k, d in keyed.items():
                yield u, v, k, d
