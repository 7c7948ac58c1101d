"""The model side of the web app: the read-only graph and the calls made on it.

Everything here runs on the solver thread (see :mod:`routing.web.worker`)
and calls only the public routing API, so the page shows exactly what the
CLI prints for the same query.
"""

from __future__ import annotations

import importlib
import inspect
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from networks.errors import InfeasibleError, UnknownPlaceError

from .errors import MAX_PLACE_CHARS, WebError
from .geo import leg_geojson


class Planner:
    """The read-only graph and the calls the API makes on it (run on the solver thread)."""

    def __init__(self, graph, demand=None) -> None:
        from routing import solver
        from routing.query import compare_route
        from routing.report import node_attributes
        from routing.scenarios import SCENARIO_DIR

        self.graph = graph
        self.demand = demand
        solver.compile_graph(graph)  # warm: no request compiles the graph
        self.node_attrs = node_attributes(graph)
        self.scenario_dir = SCENARIO_DIR
        self.solve_options = route_options()
        self._compare_route = compare_route
        self._geo_cache: dict[tuple[str, str, str], dict | None] = {}
        self._comparisons: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    # ---- places

    def places(self, text: str, parameter: str, what: str,
               kinds: tuple[str, ...] | None = None) -> list[str]:
        """The node(s) ``text`` names, through the resolver the CLI and API share."""
        from networks.places import PLACE_KINDS, resolve_place

        if len(text) > MAX_PLACE_CHARS:
            raise WebError(f"{parameter} is longer than {MAX_PLACE_CHARS} characters",
                           parameter=parameter)
        try:
            return resolve_place(self.graph, text, kinds=kinds or PLACE_KINDS, what=what)
        except UnknownPlaceError as exc:
            raise WebError(str(exc), parameter=parameter, suggestions=exc.suggestions) from exc

    def place(self, text: str, parameter: str, what: str, kinds: tuple[str, ...]) -> str:
        return self.places(text, parameter, what, kinds)[0]

    def scenario_names(self) -> list[str]:
        return sorted(p.stem for p in self.scenario_dir.glob("*.toml"))

    def scenario(self, name: str | None):
        """A shipped scenario by name only: a request never names a file."""
        from routing.scenarios import load_scenario

        names = self.scenario_names()
        if name is None:
            name = "status_quo"
        if name not in names:
            raise WebError(f"unknown scenario {name!r}", parameter="scenario",
                           expected="one of " + ", ".join(names))
        return load_scenario(name)

    # ---- geometry

    def leg_geometry(self, leg) -> dict | None:
        key = (leg.from_id, leg.to_id, str(leg.key))
        if key not in self._geo_cache:
            self._geo_cache[key] = leg_geojson(leg.geometry)
        return self._geo_cache[key]

    def route_dict(self, route) -> dict | None:
        if route is None:
            return None
        out = route.to_dict()
        for leg, d in zip(route.legs, out["legs"], strict=True):
            d["geometry"] = None if leg.mode == "transfer" else self.leg_geometry(leg)
        return out

    # ---- queries (solver thread)

    def route(self, origin: str, dest: str, kwargs: dict, k: int, allow_us: bool) -> dict:
        from routing.query import SIDE_FILTERS, alternatives, solve_route

        result = self._compare_route(self.graph, origin, dest, **kwargs)
        if result["us_free"] is None and result["via_us"] is None:
            constraint = None
            try:  # the US-free side again, for the constraint that binds (error path only)
                solve_route(self.graph, origin, dest, **kwargs)
            except InfeasibleError as exc:
                constraint = exc.constraint
            raise InfeasibleError(f"no route from {origin} to {dest}: "
                                  + "; ".join(result["reasons"].values()), constraint=constraint)
        payload: dict[str, Any] = {
            "from": origin, "to": dest,
            "us_free": self.route_dict(result["us_free"]),
            "via_us": self.route_dict(result["via_us"]),
            "reasons": dict(result["reasons"]),
        }
        if k > 1:
            payload["alternatives"] = {
                side: [self.route_dict(r) for r in
                       alternatives(self.graph, origin, dest, k, **kwargs, **flags)]
                for side, flags in SIDE_FILTERS if result[side] is not None}
        if allow_us:
            payload["best"] = self.route_dict(
                solve_route(self.graph, origin, dest, allow_us=True, **kwargs))
        return payload

    def frontier(self, origin: str, dest: str, kwargs: dict) -> dict:
        from routing.frontier import frontier
        from routing.query import SIDE_FILTERS

        out: dict[str, Any] = {"from": origin, "to": dest, "us_free": None, "via_us": None,
                               "reasons": {}}
        first: InfeasibleError | None = None
        for side, flags in SIDE_FILTERS:
            try:
                front = frontier(self.graph, origin, dest, **flags, **kwargs)
                out[side] = [r.to_dict() for r in front.points]
            except InfeasibleError as exc:
                out["reasons"][side] = str(exc)
                first = first or exc
        if out["us_free"] is None and out["via_us"] is None:
            raise InfeasibleError("; ".join(out["reasons"].values()),
                                  constraint=first.constraint if first else None)
        return out

    def comparison(self, origins: tuple[str, ...] | None, dests: tuple[str, ...] | None,
                   scenario, cargo_value: float | None, kwargs: dict):
        """Solved pairs (bounded cache: scenarios only re-price, never re-solve)."""
        from routing.compare import compare

        key = (origins, dests, cargo_value, tuple(sorted(kwargs.items())))
        with self._lock:
            hit = self._comparisons.get(key)
            if hit is not None:
                self._comparisons.move_to_end(key)
        if hit is None:
            hit = compare(self.graph, list(origins) if origins else None,
                          list(dests) if dests else None, "status_quo", demand=self.demand,
                          cargo_value_usd_per_teu=cargo_value, **kwargs)
            with self._lock:
                self._comparisons[key] = hit
                while len(self._comparisons) > 16:
                    self._comparisons.popitem(last=False)
        return hit.under(scenario)

    def compare_payload(self, comp) -> dict:
        from routing.compare import scenario_summary

        summary = scenario_summary(comp, self.summary_scenarios(comp))
        payload = comp.to_dict()
        payload["scenarios"] = [
            {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in rec.items()} for rec in summary.to_dict(orient="records")]
        return payload

    def summary_scenarios(self, comp) -> list:
        """The scenarios ``bypass compare`` summarises: the shipped ones, plus the query's."""
        from routing.scenarios import builtin_scenarios

        scs = builtin_scenarios()
        if comp.scenario.name not in {s.name for s in scs}:
            scs.append(comp.scenario)
        return scs

    def report_html(self, comp) -> str:
        from routing.compare import scenario_summary
        from routing.report import render_html

        scs = self.summary_scenarios(comp)
        return render_html(comp, scenario_summary(comp, scs), scs, self.node_attrs)


def corridors_function() -> Callable[..., Any]:
    """``routing.corridors.corridors``, or 501 when this build does not have it."""
    try:
        module = importlib.import_module("routing.corridors")
    except ModuleNotFoundError as exc:
        if exc.name not in ("routing.corridors",):
            raise
        raise WebError("corridor analysis is not part of this build (routing.corridors is "
                       "missing)", status=501, expected=None) from exc
    fn = getattr(module, "corridors", None)
    if not callable(fn):
        raise WebError("corridor analysis is not part of this build (routing.corridors has no "
                       "corridors function)", status=501)
    return fn


def route_options() -> set[str]:
    """Names of the options ``solve_route`` accepts (keyword arguments or RouteOptions)."""
    import dataclasses

    from routing.query import solve_route

    names = set(inspect.signature(solve_route).parameters)
    try:
        from routing.options import RouteOptions
    except ImportError:
        return names
    return names | {f.name for f in dataclasses.fields(RouteOptions)}
