"""Resolve what a planner types ("lazaro cardenas", "mxlzc", "MTY") to a node id.

Case- and accent-insensitive; exact id first, then exact name, then a unique
name prefix or substring. Anything else raises UnknownPlaceError with the
closest names as suggestions.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping

from networks.errors import UnknownPlaceError


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
