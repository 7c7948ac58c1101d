"""Exact shortest-path trees and their joins: the fast path of every route query.

Why trees: a route query with no resource limit is a shortest path on the
compiled arrays. One Dijkstra from an origin answers every destination, so
``compare`` (all hubs x Asian ports) costs one tree per origin and side, and a
single query costs one tree that the next query from the same origin reuses.

Exactness and tie-breaking: the objective is lexicographic (primary, then the
tie-breaking secondary of ``routing.solver.Weights``), which is what the
composite ``primary * k + secondary`` orders. The composite can exceed the
2**53 range where float64 is exact, so the tree is built in two scipy passes
on exact integer-valued floats: Dijkstra on the primary; then, on the arcs
that are tight for it (``d[u] + w == d[v]``, exact below 2**53), Dijkstra on
the secondary. A path of the second tree is primary-optimal and, among those,
secondary-optimal, so its composite is minimal. Parallel arcs are reduced
once to their lexicographic best (lowest arc id last), which no optimal path
can improve on.

Via the US: the same two passes on a two-layer copy of the graph (layer 1 is
entered by a US arc, layer 0 has no US arc), from the origin in layer 0 to
the destination in layer 1. Its projected path may repeat a node; then the
caller needs the label search.

Required nodes (``via``): any simple path visiting the vias, split at their
first visits, is a chain of paths between consecutive points, so the least
sum of segment shortest paths over the visiting orders (with the US
requirement: one segment taken in the two-layer graph) is a lower bound; a
least chain that is a simple path is therefore optimal. ``best_join`` returns
it, or says the bound is not attained by a simple path (the caller then runs
the label search, bounded by the best simple chain found here).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from itertools import permutations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .solver import Compiled, Filter, Weights, arc_mask, arc_us

__all__ = ["Tree", "best_join", "clear_trees", "path_to", "shortest_path", "shortest_tree",
           "simple_layered_path", "tree_graph"]

#: Floats hold integers exactly below 2**53; distances must stay below.
_EXACT = float(2**52)
#: Required nodes beyond this many go to the label search (orders grow as k!).
MAX_JOIN_VIAS = 5


#: The (empty) tight-arc mask of a composite tree: it needs none.
_NO_ARCS = np.zeros(0, dtype=bool)


class InexactError(ArithmeticError):
    """Distances too large for exact float arithmetic: use the integer label search."""


@dataclass(eq=False)
class TreeGraph:
    """Arcs of a filter (layered or not) reduced to one per node pair, sorted by (tail, head)."""

    size: int
    tail: np.ndarray
    head: np.ndarray
    arc: np.ndarray  # compiled arc id of each reduced arc
    primary: np.ndarray  # float64, integer-valued
    secondary: np.ndarray
    pair: np.ndarray  # tail * size + head, sorted ascending (unique)
    mat: csr_matrix  # primary weights
    mat_s: csr_matrix | None = None  # scratch matrix for the secondary pass
    k: int = 0  # the objective's composite factor (0: no one-pass composite search)
    shared: bool = False  # cached per filter (many trees): worth an arc index for walks

    @cached_property
    def mat_c(self) -> csr_matrix:
        """Composite weights ``primary * k + secondary`` (exact wherever below 2**53)."""
        return _csr(self.tail, self.head, self.primary * float(self.k) + self.secondary,
                    self.size)

    @cached_property
    def exact(self) -> bool:
        """True when no simple path's composite total can reach 2**52.

        A simple path leaves each node at most once, so the sum over nodes of
        the largest composite out-weight bounds every tree distance; below
        2**52 a composite search needs no per-search range check.
        """
        if self.k <= 0 or not len(self.tail):
            return self.k > 0
        comp = self.primary.astype(np.int64) * self.k + self.secondary.astype(np.int64)
        top = np.zeros(self.size, dtype=np.int64)
        np.maximum.at(top, self.tail, comp)
        return int(top.sum()) < _EXACT

    @cached_property
    def arc_of(self) -> dict[int, int]:
        """Reduced arc index of each ``tail * size + head`` pair (walks without numpy)."""
        return dict(zip(self.pair.tolist(), range(len(self.pair)), strict=True))

    @cached_property
    def lists(self) -> tuple[list[int], list[int], list[float]]:
        """``tail``, ``arc`` and ``secondary`` as Python lists (fast scalar reads in walks)."""
        return self.tail.tolist(), self.arc.tolist(), self.secondary.tolist()


def tree_graph(c: Compiled, w: Weights, f: Filter, layered: bool,
               reverse: bool = False) -> TreeGraph:
    """The reduced arc arrays of one filter and objective (cached on ``c``).

    ``reverse``: arcs turned around (trees *to* a node); not with ``layered``.
    """

    def make() -> TreeGraph:
        allowed = np.flatnonzero(arc_mask(c, f))
        n = c.n
        if reverse:
            tails, heads, arcs, size = c.head[allowed], c.tail[allowed], allowed, n
        elif layered:
            us = arc_us(c, f.strict)[allowed]
            free, usa = allowed[~us], allowed[us]
            tails = np.concatenate([c.tail[free], c.tail[allowed] + n, c.tail[usa]])
            heads = np.concatenate([c.head[free], c.head[allowed] + n, c.head[usa] + n])
            arcs = np.concatenate([free, allowed, usa])
            size = 2 * n
        else:
            tails, heads, arcs, size = c.tail[allowed], c.head[allowed], allowed, n
        p, s = w.primary[arcs], w.secondary[arcs]
        order = np.lexsort((arcs, s, p, heads, tails))
        tails, heads, arcs, p, s = tails[order], heads[order], arcs[order], p[order], s[order]
        pair = tails.astype(np.int64) * size + heads
        first = np.ones(len(pair), dtype=bool)
        first[1:] = pair[1:] != pair[:-1]
        tails, heads, arcs, pair = tails[first], heads[first], arcs[first], pair[first]
        pf, sf = p[first].astype(float), s[first].astype(float)
        mat = _csr(tails, heads, pf, size)
        return TreeGraph(size, tails, heads, arcs, pf, sf, pair, mat, k=w.k, shared=True)

    return c.cache.get_or(("treegraph", w.key, f, layered, reverse), make)


def _csr(tails: np.ndarray, heads: np.ndarray, data: np.ndarray, size: int) -> csr_matrix:
    """CSR matrix from arcs already sorted by (tail, head); explicit zeros stay arcs."""
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=size), out=indptr[1:])
    return csr_matrix((data, heads, indptr), shape=(size, size))


@dataclass(eq=False)
class Tree:
    """Lexicographic shortest-path tree from one source.

    The secondary (tie-breaking) pass runs only when needed: a path of the
    primary tree whose nodes each have a single primary-tight incoming arc is
    the only primary-optimal simple path, hence the lexicographic one; a path
    that meets a node with two tight incoming arcs (a primary tie) switches
    the tree to the secondary pass's predecessors once. Not counted as a
    second arc into ``v``: an arc from ``u`` whose only tight in-arc comes
    from ``v`` (a simple path cannot use it: it would pass ``v`` twice).

    A composite tree (one search on ``primary * k + secondary``) keeps its
    composite distances and splits them into (primary, secondary) only when
    a caller reads them all; a single route reads one node.
    """

    source: int
    _primary: np.ndarray | None  # float64 distances (integer-valued), inf if unreachable
    pred_node: np.ndarray  # predecessor node of each node (scipy), primary pass first
    graph: TreeGraph
    tight: np.ndarray  # primary-tight arcs of the TreeGraph
    tied: set[int] | None  # nodes with two or more real tight in-arcs (None: none)
    _secondary: np.ndarray | None = None
    _pred: list[int] | None = None
    _pred_nodes: list[int] | None = None  # pred_node as a list (composite trees' walks)
    composite: np.ndarray | None = None  # composite distances of a composite tree
    _walks: int = 0  # walks read by scalar before ``_pred_nodes`` is made

    @property
    def primary(self) -> np.ndarray:
        """Primary distances of every node (inf if unreachable)."""
        if self._primary is None:
            self._split()
        return self._primary  # type: ignore[return-value]

    def _split(self) -> None:
        """(primary, secondary) arrays from the composite distances (exact integers)."""
        dc, k = self.composite, self.graph.k
        assert dc is not None
        fin = dc < np.inf
        ic = dc[fin].astype(np.int64)
        dp = np.full(self.graph.size, np.inf)
        ds = np.full(self.graph.size, np.inf)
        dp[fin], ds[fin] = ic // k, ic % k
        self._secondary, self._primary = ds, dp

    def _lexicographic(self) -> None:
        if self._secondary is None and self.composite is not None:
            self._split()
        if self._secondary is None:
            # Computed into locals, published predecessors first and the flag
            # last: a thread walking meanwhile sees either tree, both exact.
            ds, pred_node = _second_pass(self.graph, self.source, self.tight)
            pred = _pred_arcs(self.graph, pred_node).tolist()
            self.pred_node, self._pred = pred_node, pred
            self.tied = None
            self._secondary = ds

    @property
    def pred(self) -> list[int]:
        """TreeGraph arc entering each node from its predecessor (-1: none)."""
        if self._pred is None:
            self._pred = _pred_arcs(self.graph, self.pred_node).tolist()
        return self._pred

    @property
    def secondary(self) -> np.ndarray:
        """Secondary distances of every node (inf if unreachable)."""
        self._lexicographic()
        return self._secondary  # type: ignore[return-value]

    def reaches(self, node: int) -> bool:
        dist = self.composite if self.composite is not None else self.primary
        return bool(dist[node] < np.inf)

    def _walk(self, node: int) -> list[int]:
        """TreeGraph arcs from ``node`` back to the source (lexicographic preds)."""
        if self._pred is None and (self.composite is not None or self._secondary is not None) \
                and self.graph.shared:
            return self._walk_nodes(node)
        pred, tied, source = self.pred, self.tied, self.source
        tail = self.graph.lists[0]
        out: list[int] = []
        v = node
        for _ in range(self.graph.size + 1):
            if v == source:
                return out
            if tied is not None and v in tied:
                self._lexicographic()
                return self._walk(node)
            a = pred[v]
            out.append(a)
            v = tail[a]
        raise RuntimeError("shortest-path tree has a cycle")  # pragma: no cover

    def _walk_nodes(self, node: int) -> list[int]:
        """``_walk`` of a finished tree by predecessor nodes and the arc index.

        A composite tree's predecessors never change; reading the few arcs of
        one path from the graph's pair index is cheaper than mapping every
        node's predecessor to its arc at once (a fresh single query).
        """
        pn = self._pred_nodes
        if pn is None:
            # One or two walks (a single query) read a few scalars; a tree
            # walked more often (bulk comparisons) is worth a list at once.
            self._walks += 1
            if self._walks > 2:
                pn = self._pred_nodes = self.pred_node.tolist()
        step = self.pred_node.item if pn is None else pn.__getitem__
        arc_of, size, source = self.graph.arc_of, self.graph.size, self.source
        out: list[int] = []
        v = node
        for _ in range(size + 1):
            if v == source:
                return out
            u = step(v)
            out.append(arc_of[u * size + v])
            v = u
        raise RuntimeError("shortest-path tree has a cycle")  # pragma: no cover

    def value(self, node: int) -> tuple[int, int] | None:
        """(primary, secondary) of the best path to ``node``, exact integers."""
        if not self.reaches(node):
            return None
        if self.composite is not None:
            return divmod(int(self.composite[node]), self.graph.k)
        if self._secondary is not None:
            return int(self.primary[node]), int(self._secondary[node])
        sec = self.graph.lists[2]
        return int(self.primary[node]), int(sum(sec[a] for a in self._walk(node)))

    def path(self, node: int) -> list[int] | None:
        """Compiled arc ids from the source to ``node`` (``[]`` for the source itself)."""
        if not self.reaches(node):
            return None
        arc = self.graph.lists[1]
        return [arc[a] for a in reversed(self._walk(node))]

    def local_heads(self, node: int) -> list[int]:
        """Tree-graph node ids (layered: ``v + n`` after the US arc) entered on the path."""
        tail = self.graph.lists[0]
        walk = self._walk(node)
        return [node, *(tail[a] for a in walk[:-1])][::-1] if walk else []


_LOCK = threading.Lock()


def _second_pass(g: TreeGraph, source: int, tight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Secondary Dijkstra over the primary-tight arcs: (distances, predecessor nodes).

    The tree graph keeps a second CSR matrix of the same shape whose weights
    are overwritten in place (non-tight arcs get +inf, so they never relax):
    building a new scipy matrix costs more than the search itself.
    """
    with _LOCK:  # the matrix is shared: one writer at a time (web threads)
        if g.mat_s is None:
            g.mat_s = g.mat.copy()
        g.mat_s.data[:] = np.where(tight, g.secondary, np.inf)
        ds, pred_node = dijkstra(g.mat_s, directed=True, indices=source,
                                 return_predecessors=True)
    fin = np.isfinite(ds)
    if fin.any() and ds[fin].max() >= _EXACT:
        raise InexactError("path totals too large for exact float arithmetic")
    return ds, pred_node


def _pred_arcs(g: TreeGraph, pred_node: np.ndarray) -> np.ndarray:
    """TreeGraph arc index entering each node from its predecessor (-1: none)."""
    pred = np.full(g.size, -1, dtype=np.int64)
    has = pred_node >= 0
    if has.any():
        keys = pred_node[has].astype(np.int64) * g.size + np.flatnonzero(has)
        pred[has] = np.searchsorted(g.pair, keys)
    return pred


def _composite_tree(g: TreeGraph, source: int) -> Tree | None:
    """The lexicographic tree in one Dijkstra on composite weights, or None if inexact.

    ``primary * k + secondary`` orders paths lexicographically (``k`` exceeds
    the secondary total of any simple path), and a float64 Dijkstra over
    integer weights is exact while its distances stay below 2**52: an arc or
    a sum rounded above that range is larger than every accepted distance, so
    it never decides one. Splitting each distance by ``k`` gives the exact
    (primary, secondary) pair. One search instead of two (primary, then the
    secondary over the primary-tight arcs) on the default data.
    """
    if g.k <= 0:
        return None
    dc, pred_node = dijkstra(g.mat_c, directed=True, indices=source, return_predecessors=True)
    if not g.exact and np.max(dc, initial=0.0, where=dc < np.inf) >= _EXACT:
        return None
    # No tight-arc mask needed: the composite distances order paths exactly.
    return Tree(source, None, pred_node, g, _NO_ARCS, None, composite=dc)


def _lexicographic_tree(g: TreeGraph, source: int) -> Tree:
    tree = _composite_tree(g, source)
    if tree is not None:
        return tree
    dp, pred_node = dijkstra(g.mat, directed=True, indices=source, return_predecessors=True)
    if np.max(dp, initial=0.0, where=dp < np.inf) >= _EXACT:
        raise InexactError("path totals too large for exact float arithmetic")
    dpt = dp[g.tail]
    tight = (dpt + g.primary == dp[g.head]) & (dpt < np.inf)
    # A tight arc u -> v is no alternative into v when u's only tight in-arc
    # comes from v itself (a zero-cost step out and back, e.g. port <-> gate):
    # no simple path uses it. Any other second tight in-arc is a real tie.
    t_idx = np.flatnonzero(tight)
    u, v = g.tail[t_idx], g.head[t_idx]
    back = (np.bincount(v, minlength=g.size)[u] == 1) & (pred_node[u] == v)
    tied = np.flatnonzero(np.bincount(v[~back], minlength=g.size) > 1)
    return Tree(source, dp, pred_node, g, tight, set(tied.tolist()) if len(tied) else None)


def shortest_tree(c: Compiled, w: Weights, f: Filter, source: int, *,
                  layered: bool = False, reverse: bool = False) -> Tree:
    """Lexicographic shortest-path tree from ``source`` (cached per filter and objective).

    ``layered``: the two-layer graph; node ``v + c.n`` is ``v`` after a US arc.
    ``reverse``: the tree of best paths *to* ``source`` (``Tree.path`` then
    lists the arcs from ``source`` backwards; use ``path_to``).
    Raises ``InexactError`` when totals leave the exact float range.
    """
    return c.cache.get_or(
        ("tree", w.key, f, layered, reverse, source),
        lambda: _lexicographic_tree(tree_graph(c, w, f, layered, reverse), source),
    )


def path_to(tree: Tree, node: int) -> list[int] | None:
    """Arcs from ``node`` to the source of a reverse tree, in travel order."""
    arcs = tree.path(node)
    return None if arcs is None else arcs[::-1]


# --------------------------------------------------------------------------- joins


@dataclass(frozen=True)
class Join:
    """Outcome of ``best_join``.

    ``arcs``: the optimal route (a simple path), or None. ``bound``: the least
    (primary, secondary) over chains of segment shortest paths; None when no
    chain exists (so no route), and not computed for a route read straight
    off one tree. ``upper``: the best simple chain's value, when the optimum
    could not be certified (a bound for the label search).
    """

    arcs: list[int] | None
    bound: tuple[int, int] | None
    upper: tuple[int, int] | None = None

    @property
    def certain(self) -> bool:
        """True when ``arcs`` is optimal or no route exists at all."""
        return self.arcs is not None or self.bound is None


def _simple(c: Compiled, origin: int, arcs: list[int]) -> bool:
    heads = c.head[arcs].tolist() if arcs else []
    return len(set(heads)) == len(heads) and origin not in heads


def _restricted_tree(c: Compiled, w: Weights, f: Filter, source: int, layered: bool,
                     forbid: frozenset[int]) -> Tree:
    """Tree from ``source`` in the (layered) graph minus the ``forbid`` nodes (not cached)."""
    if not forbid:
        return shortest_tree(c, w, f, source, layered=layered)
    g = tree_graph(c, w, f, layered)
    bad = np.zeros(g.size, dtype=bool)
    bad[list(forbid)] = True
    keep = np.flatnonzero(~(bad[g.tail] | bad[g.head]))
    sub = TreeGraph(g.size, g.tail[keep], g.head[keep], g.arc[keep], g.primary[keep],
                    g.secondary[keep], g.pair[keep],
                    _csr(g.tail[keep], g.head[keep], g.primary[keep], g.size), k=g.k)
    return _lexicographic_tree(sub, source)


#: Branch-and-bound nodes ``best_join`` may open before it hands over.
MAX_BRANCHES = 300


def tree_route(c: Compiled, w: Weights, f: Filter, origin: int, dest: int,
               require_us: bool = False) -> Join | None:
    """The best route read off the origin's tree; None when its walk repeats a node.

    Certain whenever it returns a Join (a route, or no route at all); None
    only for a via-US walk that is not a simple path (``best_join`` then
    branches). Kept lean: bulk comparisons call it once per pair and side.
    """
    return route_on_tree(shortest_tree(c, w, f, origin, layered=require_us), c.n, dest,
                         require_us)


def route_on_tree(t: Tree, n: int, dest: int, require_us: bool) -> Join | None:
    """``tree_route`` on a tree in hand (``n``: node count of the compiled graph)."""
    target = dest + n if require_us else dest
    if not t.reaches(target):
        return Join(None, None)
    walk = t._walk(target)
    tail_l, arc_l, _ = t.graph.lists
    if require_us and len({tail_l[a] % n for a in walk} | {dest}) != len(walk) + 1:
        return None
    return Join([arc_l[a] for a in reversed(walk)], None)


def best_join(c: Compiled, w: Weights, f: Filter, origin: int, dest: int,
              via: tuple[int, ...] = (), require_us: bool = False,
              max_branches: int | None = None) -> Join:
    """Best route through every ``via`` node (any order), with a US arc if required.

    Branch and bound over chains of segment shortest paths (see the module
    docstring): a chain is a visiting order, the segment taken in the
    two-layer graph (with ``require_us``) and, per segment, nodes it may not
    use. The least open chain is a lower bound for every route; if it is a
    simple path it is optimal. If it repeats a node, a simple route visits
    that node in at most one of the two places, so the chain splits into two
    children, each forbidding the node in one place. With no via and no US
    requirement the tree path is simple at once. After ``max_branches``
    chains it returns the best bound and the best simple route seen (an upper
    bound) for the label search. ``via`` must not hold the origin or destination.
    """
    import heapq

    if not via:  # one tree, one walk: the common case (every comparison side)
        found = tree_route(c, w, f, origin, dest, require_us)
        if found is not None:
            return found
    if max_branches is None:
        max_branches = MAX_BRANCHES
    n = c.n
    trees: dict[tuple[int, bool, frozenset[int]], Tree] = {}

    def tree(a: int, layered: bool, forbid: frozenset[int]) -> Tree:
        key = (a, layered, forbid)
        if key not in trees:
            trees[key] = _restricted_tree(c, w, f, a, layered, forbid)
        return trees[key]

    def seg_value(a: int, b: int, layered: bool, forbid: frozenset[int]):
        return tree(a, layered, forbid).value(b + n if layered else b)

    none: frozenset[int] = frozenset()
    heap: list = []
    counter = 0
    for order in permutations(via):
        stops = (origin, *order, dest)
        legs = tuple(zip(stops, stops[1:], strict=False))
        for j in (range(len(legs)) if require_us else (-1,)):
            total = [0, 0]
            ok = True
            for i, (a, b) in enumerate(legs):
                v = seg_value(a, b, i == j, none)
                if v is None:
                    ok = False
                    break
                total[0] += v[0]
                total[1] += v[1]
            if ok:
                counter += 1
                heapq.heappush(heap, ((total[0], total[1]), counter, legs, j,
                                      (none,) * len(legs)))
    if not heap:
        return Join(None, None)
    bound = heap[0][0]
    opened = 0
    while heap and opened < max_branches:
        value, _, legs, j, forbids = heapq.heappop(heap)
        opened += 1
        # The chain's walk, with (segment, local node) of every visit.
        arcs: list[int] = []
        where: dict[int, list[tuple[int, int]]] = {origin: [(0, origin)]}
        for i, (a, b) in enumerate(legs):
            t = tree(a, i == j, forbids[i])
            seg = t.path(b + n if i == j else b) or []
            arcs.extend(seg)
            for lid in t.local_heads(b + n if i == j else b):
                where.setdefault(lid % n, []).append((i, lid))
        repeated = next((v for v, occ in where.items() if len(occ) > 1), None)
        if repeated is None:
            return Join(arcs, value)
        occ = where[repeated]
        for s_i, lid in occ[:2]:
            a, b = legs[s_i]
            end = b + n if s_i == j else b
            if lid in (a, end):
                continue  # a segment's own end points cannot be avoided
            new = forbids[s_i] | {lid}
            v = seg_value(a, b, s_i == j, new)
            if v is None:
                continue
            old = seg_value(a, b, s_i == j, forbids[s_i])
            child = (value[0] - old[0] + v[0], value[1] - old[1] + v[1])  # type: ignore[index]
            counter += 1
            heapq.heappush(heap, (child, counter, legs, j,
                                  forbids[:s_i] + (new,) + forbids[s_i + 1:]))
    if not heap:
        return Join(None, None)  # every chain ran into a dead end: no simple route
    bound = heap[0][0]
    upper = None
    if require_us:
        us_found = _us_arc_join(c, w, f, origin, dest, via, bound, None,
                                {p: shortest_tree(c, w, f, p) for p in (origin, *via)})
        if us_found is not None:
            if us_found[0] == bound:
                return Join(us_found[1], bound)
            upper = us_found[0]
    return Join(None, bound, upper)


def clear_trees(c: Compiled) -> None:
    """Forget the cached trees of a compiled graph (benchmarks measure fresh searches)."""
    for key in [k for k in c.cache if k[0] == "tree"]:
        del c.cache[key]


#: US-arc chains checked for simplicity before handing over to the label search.
_US_ARC_TRIES = 48


def _us_arc_join(c: Compiled, w: Weights, f: Filter, origin: int, dest: int,
                 via: tuple[int, ...], bound: tuple[int, int],
                 upper: tuple[int, int] | None, plain: dict[int, Tree]
                 ) -> tuple[tuple[int, int], list[int]] | None:
    """Best simple chain that takes a named US arc ``x -> y`` inside one segment.

    Why: the two-layer tree gives one walk per segment, and that walk may dip
    into a US border node and come back (a repeated node). Forcing each US
    arc in turn (best path to ``x``, the arc, best path from ``y``) gives one
    candidate per arc; the least of them equals the two-layer bound, and the
    first simple one is an upper bound (optimal when it meets the bound).
    """
    us_arcs = np.flatnonzero(arc_mask(c, f) & arc_us(c, f.strict))
    if len(us_arcs) == 0:
        return None
    x, y = c.tail[us_arcs], c.head[us_arcs]
    wp = w.primary[us_arcs].astype(np.int64)
    ws = w.secondary[us_arcs].astype(np.int64)
    rev = {}
    best: tuple[tuple[int, int], list[int]] | None = None
    limit = upper
    for order in permutations(via):
        stops = (origin, *order, dest)
        legs = list(zip(stops, stops[1:], strict=False))
        vals = [plain[a].value(b) for a, b in legs]
        for j, (a, b) in enumerate(legs):
            rest = [v for i, v in enumerate(vals) if i != j and v is not None]
            if len(rest) < len(vals) - 1:  # another leg has no path
                continue
            rest_p = sum(v[0] for v in rest)
            rest_s = sum(v[1] for v in rest)
            if b not in rev:
                rev[b] = shortest_tree(c, w, f, b, reverse=True)
            ta, tb = plain[a], rev[b]
            fp, fs = ta.primary[x], ta.secondary[x]
            bp, bs = tb.primary[y], tb.secondary[y]
            ok = np.isfinite(fp) & np.isfinite(bp)
            if not ok.any():
                continue
            idx = np.flatnonzero(ok)
            tp = fp[idx].astype(np.int64) + wp[idx] + bp[idx].astype(np.int64) + rest_p
            ts = fs[idx].astype(np.int64) + ws[idx] + bs[idx].astype(np.int64) + rest_s
            order_i = np.lexsort((us_arcs[idx], ts, tp))[:_US_ARC_TRIES]
            for k in order_i.tolist():
                value = (int(tp[k]), int(ts[k]))
                if limit is not None and value >= limit:
                    break
                e = int(us_arcs[idx[k]])
                seg = (ta.path(int(x[idx[k]])) or []) + [e] + (path_to(tb, int(y[idx[k]])) or [])
                arcs: list[int] = []
                for i, (a2, b2) in enumerate(legs):
                    arcs.extend(seg if i == j else (plain[a2].path(b2) or []))
                if _simple(c, origin, arcs):
                    best, limit = (value, arcs), value
                    break
            if best is not None and best[0] == bound:
                return best
    return best


def shortest_path(
    c: Compiled, w: Weights, f: Filter, origin: int, dest: int, *, require_us: bool = False
) -> list[int] | None:
    """Min-composite path as arc ids, or None if unreachable.

    A lexicographic shortest-path tree from ``origin`` (``routing.trees``:
    scipy Dijkstra on exact integer weights, cached per origin so every
    destination of that origin is a lookup). With ``require_us`` the path
    must use a US arc: it runs from layer 0 of a two-layer graph to layer 1,
    which only US arcs connect. The projected path may then revisit a node;
    the caller checks simplicity. Raises :class:`InexactError` (an
    ``ArithmeticError``) if totals leave the exact float range.
    """
    tree = shortest_tree(c, w, f, origin, layered=require_us)
    return tree.path(dest + c.n if require_us else dest)


def simple_layered_path(
    c: Compiled, w: Weights, f: Filter, origin: int, dest: int
) -> list[int] | None:
    """Best US-using path from the cached two-layer min-cost flow, when it is simple.

    Why this is exact: the label search for ``require_us`` (one criterion, no
    other resource) optimises over walks of the same two-layer state graph,
    minus walks that re-enter the origin or pass the destination early. A
    simple optimal walk is in that set too, so it is the label search's optimum
    (same composite, so same primary and same tie-breaking secondary). When
    the walk repeats a node, or the flow is irregular (a zero-cost cycle), this
    returns None and the caller runs the label search, which then decides.
    None also means "unreachable": the label search confirms it.
    """
    try:
        arcs = shortest_path(c, w, f, origin, dest, require_us=True)
    except ArithmeticError:
        return None
    if not arcs:
        return None
    heads = c.head[arcs].tolist()
    if len(set(heads)) != len(heads) or origin in heads:
        return None
    return arcs
