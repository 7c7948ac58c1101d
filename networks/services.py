"""Liner services: rotations, and the rides a box can take on them.

The service-expanded sea network (LINERLIB, Brouer et al. 2014; DESIGN.md)
expands each port into one node pair per service calling there. A box boards
service S at port P (export handling plus half the headway), rides S along
its rotation to a later call Q (time and distance follow every call in
between, the freight is the port-to-port rate), and either leaves the ship at
Q (import handling) or transships to another service T calling Q
(transshipment charge, connection dwell, half T's headway). A box staying on
board through intermediate calls pays no handling there.

This module is pure: it turns the ``services`` table and the port-to-port sea
legs into :class:`Ride` records; :mod:`networks.build` makes edges of them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from networks.errors import DatasetError
from networks.sea import SeaLeg, unwrap

__all__ = ["Ride", "Service", "parse_services", "ride_time_h", "rides", "sensible"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Service:
    """One liner service as published: its calls in order (a closed loop)."""

    name: str
    operators: tuple[str, ...]
    calls: tuple[str, ...]
    sailings_per_week: float
    transit_days: Mapping[tuple[str, str], float]
    source: str


@dataclass(frozen=True)
class Ride:
    """A box on ``service`` from call ``origin`` to call ``destination``."""

    service: str
    origin: str
    destination: str
    calls: tuple[str, ...]  # every call from origin to destination, both included
    legs: tuple[SeaLeg, ...]  # consecutive sea legs between those calls

    @property
    def distance_km(self) -> float:
        return sum(leg.distance_km for leg in self.legs)

    @property
    def distance_nm(self) -> float:
        return sum(leg.distance_nm for leg in self.legs)

    @property
    def passages(self) -> tuple[str, ...]:
        return tuple(sorted({p for leg in self.legs for p in leg.passages}))

    @property
    def coords(self) -> list[tuple[float, float]]:
        pts: list[tuple[float, float]] = []
        for leg in self.legs:
            pts.extend(leg.coords if not pts else leg.coords[1:])
        return unwrap(pts)

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for leg in self.legs for c in leg.countries))

    @property
    def intermediate(self) -> tuple[str, ...]:
        return self.calls[1:-1]


_TRANSIT = re.compile(r"^\s*([A-Z]{2}[A-Z2-9]{3})\s*>\s*([A-Z]{2}[A-Z2-9]{3})\s*=\s*"
                      r"([0-9]+(?:\.[0-9]+)?)\s*$")


def _transit_days(text, service: str) -> dict[tuple[str, str], float]:
    """``'CNTAO>MXESE=15;...'`` as a dict; a malformed entry is a dataset error."""
    out: dict[tuple[str, str], float] = {}
    if not isinstance(text, str) or not text.strip():
        return out
    for part in text.split(";"):
        m = _TRANSIT.match(part)
        if m is None:
            raise DatasetError("services.csv", f"service {service}: bad transit_days entry",
                               field="transit_days", value=part.strip()[:40],
                               expected="FROM>TO=days with UN/LOCODEs, e.g. CNTAO>MXESE=15")
        out[(m.group(1), m.group(2))] = float(m.group(3))
    return out


def parse_services(table, known_ports) -> tuple[list[Service], list[str]]:
    """Services of a ``services`` table, keeping only calls at ``known_ports``.

    A call at a port the dataset lacks drops out of the rotation (the ship is
    taken to sail straight to the next known call), with one warning per
    service, unless the call is marked ``~CODE`` (a published call the dataset
    leaves out on purpose: dropped quietly). A service left with fewer than
    two distinct calls is dropped.
    """
    known = set(known_ports)
    services: list[Service] = []
    warnings: list[str] = []
    if table is None:
        return services, warnings
    for r in table.itertuples(index=False):
        raw = [c.strip() for c in str(r.rotation).split(";") if c.strip()]
        # "~CODE": a published call at a port this dataset does not model on purpose
        # (skipped quietly); an unmarked call at an absent port is warned about.
        calls = [c.lstrip("~") for c in raw]
        missing = sorted({c for c in raw if not c.startswith("~") and c not in known})
        kept = [c for c in calls if c in known]
        # Consecutive repeats (A, B, A with B dropped) and a loop closing on itself collapse.
        dedup: list[str] = []
        for c in kept:
            if not dedup or dedup[-1] != c:
                dedup.append(c)
        while len(dedup) > 1 and dedup[0] == dedup[-1]:
            dedup.pop()
        if missing or len(set(dedup)) < 2:
            msg = (f"service {r.service}: calls at {', '.join(missing)} left out "
                   "(not in the ports table)") if missing else f"service {r.service}:"
            if len(set(dedup)) < 2:
                msg += "; fewer than two calls remain, service left out"
            warnings.append(msg)  # the builder logs them and keeps them with the graph
        if len(set(dedup)) < 2:
            continue
        ops = tuple(o.strip() for o in str(r.operators).split(";") if o.strip())
        services.append(Service(
            name=str(r.service), operators=ops, calls=tuple(dedup),
            sailings_per_week=float(r.sailings_per_week),
            transit_days=_transit_days(getattr(r, "transit_days", None), str(r.service)),
            source=str(r.source),
        ))
    return services, warnings


def rides(service: Service, legs: Mapping[tuple[str, str], SeaLeg],
          allowed=None) -> list[Ride]:
    """Every ride on a service: from each call to each later call, within one loop.

    The rotation is a loop, so a box boarding at call i may stay aboard up to
    (not including) the next call at the same port. ``allowed(calls)`` filters
    rides by their calls, boarding to discharge (e.g. no Asia -> North America
    headhaul, no intra-Asia ride around the Pacific).
    Where a port is called twice, the faster ride of each pair is kept (fewer
    calls, then shorter distance). A pair with a missing sea leg is skipped.
    """
    calls = service.calls
    n = len(calls)
    best: dict[tuple[str, str], Ride] = {}
    for i in range(n):
        origin = calls[i]
        path = [origin]
        path_legs: list[SeaLeg] = []
        for step in range(1, n):
            nxt = calls[(i + step) % n]
            if nxt == origin:
                break
            leg = legs.get((path[-1], nxt))
            if leg is None:
                break
            path.append(nxt)
            path_legs.append(leg)
            if nxt in path[:-1]:
                continue  # a second call at a port already passed: no new pair
            if allowed is not None and not allowed(tuple(path)):
                continue
            ride = Ride(service.name, origin, nxt, tuple(path), tuple(path_legs))
            old = best.get((origin, nxt))
            if old is None or (len(ride.calls), ride.distance_km) < (
                    len(old.calls), old.distance_km):
                best[(origin, nxt)] = ride
    return [best[k] for k in sorted(best)]


def ride_time_h(ride: Ride, speed_kn: float, port_call_h: float, canal_h: float = 0.0) -> float:
    """Sailing time of a ride: distance along the rotation plus a port call at each arrival."""
    return ride.distance_nm / speed_kn + (len(ride.calls) - 1) * port_call_h + canal_h


def sensible(side: Mapping[str, str]):
    """Ride filter on ocean sides (``side[port]`` is e.g. ``"na"`` or ``"asia"``).

    A ride may cross the ocean once, westbound: its calls never go back to a
    side they left, and a ride between two ports of one side stays on it.
    """

    def ok(calls: tuple[str, ...]) -> bool:
        sides = [side.get(c, "") for c in calls]
        changes = sum(1 for a, b in zip(sides, sides[1:], strict=False) if a != b)
        if sides[0] == sides[-1]:
            return changes == 0
        return changes == 1
    return ok
