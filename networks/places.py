"""Resolve what a planner types ("lazaro cardenas", "mxlzc", "MTY") to a node id.

Case- and accent-insensitive; exact id first, then exact name, then a unique
name prefix or substring. Anything else raises UnknownPlaceError with the
closest names as suggestions.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from networks.errors import UnknownPlaceError

__all__ = ["PLACE_KINDS", "fold", "place_names", "resolve", "resolve_place"]


def fold(text: str) -> str:
    """Lower-case, accents stripped, whitespace collapsed: the matching key."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace("/", " ").replace("-", " ").split())


def resolve(text: str, names: Mapping[str, str], kind: str = "place") -> str:
    """The id in ``names`` (id -> display name) that ``text`` designates."""
    query = fold(text)
    if not query:
        raise UnknownPlaceError(text, [], kind)
    by_id = {fold(i): i for i in names}
    if query in by_id:
        return by_id[query]
    folded = {i: fold(n) for i, n in names.items()}
    exact = sorted(i for i, n in folded.items() if n == query)
    if len(exact) == 1:
        return exact[0]
    for test in (lambda n: n.startswith(query), lambda n: query in n):
        hits = sorted(i for i, n in folded.items() if test(n))
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise UnknownPlaceError(
                text, [f"{names[i]} ({i})" for i in hits[:5]], kind + " (ambiguous)"
            )
    pool = {**{n: i for i, n in folded.items()}, **by_id}
    close = difflib.get_close_matches(query, list(pool), n=3, cutoff=0.5)
    suggestions = []
    for c in close:
        ident = pool[c]
        label = f"{names[ident]} ({ident})"
        if label not in suggestions:
            suggestions.append(label)
    raise UnknownPlaceError(text, suggestions, kind)


#: Node kinds a planner names as places (border crossings are named by their id).
PLACE_KINDS = ("hub", "port", "junction", "border")


def place_names(graph: Any, kinds: Iterable[str] = PLACE_KINDS) -> tuple[dict[str, str],
                                                                          dict[str, list[str]]]:
    """(place id -> display name, place id -> graph nodes) for the given kinds.

    A border crossing (``NLD-LRD``) is one place and two graph nodes, one per
    side (``NLD-LRD:MEX``, ``NLD-LRD:USA``), listed in sorted order.
    """
    wanted = set(kinds)
    names: dict[str, str] = {}
    nodes: dict[str, list[str]] = {}
    for n, d in sorted(graph.nodes(data=True), key=lambda t: str(t[0])):
        kind = d.get("kind")
        if kind not in wanted:
            continue
        if kind == "border" and d.get("border"):
            ident = str(d["border"])
            names.setdefault(ident, str(d.get("name", ident)))
            nodes.setdefault(ident, []).append(n)
        else:
            names[str(n)] = str(d.get("name", n))
            nodes[str(n)] = [n]
    return names, nodes


def resolve_place(graph: Any, text: str, *, kinds: Iterable[str] = PLACE_KINDS,
                  what: str = "place") -> list[str]:
    """The graph node(s) a planner's text designates: the one resolver of API and CLI.

    Why one resolver: the Python API and the CLI must accept the same places
    (``"monterrey"``, ``"lazaro cardenas"``, ``"MXLZC"``, a border crossing
    ``"NLD-LRD"``), so a notebook can do what the command line does.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The routing graph.
    text : str
        A node id (exact, any kind), or a place id or name of the given kinds:
        case-, accent- and punctuation-insensitive, a unique prefix or
        substring of a name will do.
    kinds : iterable of str
        Node kinds to search by id and name (default: hubs, ports, junctions,
        border crossings).
    what : str
        How the place is described in the error message ("origin", ...).

    Returns
    -------
    list of str
        One node, or both side nodes of a border crossing.

    Raises
    ------
    UnknownPlaceError
        When nothing (or more than one place) matches, with suggestions.
    """
    try:
        if text in graph:  # an exact node id, of any kind (fast path of warm queries)
            return [text]
    except TypeError:  # unhashable
        pass
    if not isinstance(text, str):
        raise UnknownPlaceError(str(text), [], what)
    names, nodes = place_names(graph, kinds)
    return list(nodes[resolve(text, names, what)])
