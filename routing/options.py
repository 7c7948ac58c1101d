"""The options of a route query, validated once: ``RouteOptions``.

Why a value object: the same thirteen options drive ``solve_route``,
``compare_route``, ``alternatives``, ``frontier`` and the CLI. Written out as
keyword arguments in each they drift apart; as one frozen dataclass they are
checked once (an unknown objective, a negative ``max_days``, a malformed
country code fail here with one clear line) and passed on unchanged. Plain
keyword arguments keep working everywhere: ``solve_route(g, o, d,
max_days=25)`` builds a ``RouteOptions`` from them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from networks.errors import QueryError

__all__ = ["MODES", "Objective", "RouteOptions"]

Objective = str | Mapping[str, float]
#: Modes a route may be told to avoid.
MODES = ("rail", "road", "sea")
_OBJECTIVES = ("cost", "time", "co2")


def _texts(value: Iterable[str] | str | None, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):  # a single place, not its characters
        value = (value,)
    try:
        items = tuple(value)
    except TypeError:
        raise QueryError(f"{name} must be a list of names, not {value!r}") from None
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise QueryError(f"{name} must hold non-empty names, got {item!r}")
    return tuple(dict.fromkeys(item.strip() for item in items))


def _limit(value: Any, name: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be a number, got {value!r}") from None
    if not (number >= 0 and math.isfinite(number)):
        raise QueryError(f"{name} must be a finite non-negative number, got {value!r}")
    return number


@dataclass(frozen=True)
class RouteOptions:
    """What a route query asks for; every field has the default of ``solve_route``.

    Parameters
    ----------
    objective : {"cost", "time", "co2"} or dict
        What to minimise; a dict of USD weights blends them
        (``{"cost": 1, "time": 20}`` values an hour at 20 USD).
    allow_us : bool
        Allow arcs that transit the United States (default: removed).
    require_us : bool
        Return the best route that uses at least one US arc.
    strict_waters : bool
        Also count the US 12 nm territorial sea as US transit.
    avoid_countries : iterable of str
        ISO 3166 alpha-3 codes the route must not touch.
    max_days, max_cost : float, optional
        Transit-time (days) and cost (USD/TEU) budgets.
    via, avoid : iterable of str
        Places (ids or names, border crossings like ``NLD-LRD``) the route
        must use / must not use.
    avoid_modes : iterable of {"rail", "road", "sea"}
        Modes the route must not use.
    max_transshipments : int, optional
        At most this many transshipments (sea legs minus one).
    scheduled_only : bool
        Leave out sea legs with no scheduled liner service (the default
        unless ``allow_hypothetical``; kept for compatibility).
    allow_hypothetical : bool
        Also use direct sea legs no liner service offers (priced as a
        charter/feeder, flagged in every output). Off by default: a route a
        planner cannot book never drives a default answer.
    no_return_from_us : bool
        Forbid coming back into the origin country from the US (the "through
        the US" side of a comparison uses it).

    Raises
    ------
    QueryError
        For any invalid value (also a ``ValueError``).
    """

    objective: Objective = "cost"
    allow_us: bool = False
    require_us: bool = False
    strict_waters: bool = False
    avoid_countries: tuple[str, ...] = ()
    max_days: float | None = None
    max_cost: float | None = None
    via: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    avoid_modes: tuple[str, ...] = ()
    max_transshipments: int | None = None
    scheduled_only: bool = False
    no_return_from_us: bool = False
    allow_hypothetical: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        objective = self.objective
        if isinstance(objective, str):
            if objective not in _OBJECTIVES:
                raise QueryError(f"unknown objective {objective!r}; use cost, time, co2 "
                                 "or a dict of weights")
        elif isinstance(objective, Mapping):
            unknown = sorted(set(objective) - set(_OBJECTIVES))
            if unknown:
                raise QueryError(f"unknown objective weight(s) {unknown}; use cost, time, co2")
            weights = {k: _limit(v, f"objective weight {k!r}") for k, v in objective.items()}
            if not any(w for w in weights.values()):
                raise QueryError("objective weights must be non-negative and not all zero")
            set_(self, "objective", dict(sorted(weights.items())))
        else:
            raise QueryError(f"objective must be cost, time, co2 or a dict, not {objective!r}")
        for flag in ("allow_us", "require_us", "strict_waters", "scheduled_only",
                     "no_return_from_us", "allow_hypothetical"):
            set_(self, flag, bool(getattr(self, flag)))
        countries = tuple(sorted({c.upper() for c in _texts(self.avoid_countries,
                                                           "avoid_countries")}))
        for c in countries:
            if len(c) != 3 or not c.isalpha() or not c.isascii():
                raise QueryError(
                    f"avoid_countries takes ISO 3166 alpha-3 codes (e.g. USA), not {c!r}")
        set_(self, "avoid_countries", countries)
        modes = tuple(sorted({m.lower() for m in _texts(self.avoid_modes, "avoid_modes")}))
        for m in modes:
            if m not in MODES:
                raise QueryError(f"avoid_modes takes rail, road or sea, not {m!r}")
        set_(self, "avoid_modes", modes)
        set_(self, "via", _texts(self.via, "via"))
        set_(self, "avoid", tuple(sorted(_texts(self.avoid, "avoid"))))
        set_(self, "max_days", _limit(self.max_days, "max_days"))
        set_(self, "max_cost", _limit(self.max_cost, "max_cost"))
        mt = self.max_transshipments
        if mt is not None:
            if isinstance(mt, bool) or not isinstance(mt, int | float) or mt != int(mt):
                raise QueryError(f"max_transshipments must be a whole number, got {mt!r}")
            if mt < 0:
                raise QueryError(f"max_transshipments must be >= 0, got {mt!r}")
            set_(self, "max_transshipments", int(mt))

    def _values(self) -> tuple[Any, ...]:
        """The field values as a hashable tuple (a dict objective as its sorted items)."""
        values = tuple(getattr(self, name) for name in _FIELDS)
        if isinstance(self.objective, dict):
            values = (tuple(self.objective.items()), *values[1:])
        return values

    def __hash__(self) -> int:  # the objective may be a dict
        # Cached: options are immutable, and every solver cache key hashes them.
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash(self._values())
            object.__setattr__(self, "_hash", h)
        return h

    @classmethod
    def of(cls, options: RouteOptions | None = None, /, **kwargs: Any) -> RouteOptions:
        """``options`` with ``kwargs`` applied (keyword arguments of ``solve_route``).

        Raises ``TypeError`` for an unknown option name, like a function would.
        """
        if options is not None and not isinstance(options, RouteOptions):
            raise TypeError(f"options must be a RouteOptions, not {type(options).__name__}")
        if not kwargs:
            return options if options is not None else _DEFAULT
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(f"unknown route option(s) {', '.join(unknown)}; "
                            f"known: {', '.join(sorted(known))}")
        return replace(options, **kwargs) if options is not None else cls(**kwargs)

    def replace(self, **changes: Any) -> RouteOptions:
        """A copy with some options changed (validated again).

        Remembered per instance for flag changes (both sides of every
        comparison derive the same two variants of one options object).
        """
        try:
            key = tuple(sorted(changes.items()))
            memo = self.__dict__.setdefault("_replaced", {})
            hit = memo.get(key)
        except TypeError:  # an unhashable value (a list of places): no memo
            return RouteOptions.of(self, **changes)
        if hit is None:
            hit = memo[key] = RouteOptions.of(self, **changes)
        return hit

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able options (lists for tuples), as routes record them.

        A new dict on every call (lists and the objective dict copied); the
        values are worked out once per options object, as it is immutable.
        """
        done = self.__dict__.get("_dict")
        if done is None:
            done = {}
            for name in _FIELDS:
                v = getattr(self, name)
                done[name] = tuple(v) if isinstance(v, tuple) else v
            done["allow_us"] = self.allow_us or self.require_us
            # What the query actually used: hypothetical sea legs are opt-in.
            done["allow_hypothetical"] = self.allow_hypothetical and not self.scheduled_only
            done["scheduled_only"] = not done["allow_hypothetical"]
            nested = tuple(k for k, v in done.items() if isinstance(v, tuple | dict))
            object.__setattr__(self, "_dict", (done, nested))
        else:
            done, nested = done
        out = dict(done)
        for k in nested:
            v = out[k]
            out[k] = list(v) if isinstance(v, tuple) else dict(v)
        return out


#: Field names in declaration order (read once: ``dataclasses.fields`` is slow).
_FIELDS = tuple(f.name for f in fields(RouteOptions))
#: The default options: immutable, so one shared instance serves every call.
_DEFAULT = RouteOptions()
