"""The FastAPI app: JSON API, the planner's page, bundled API docs.

One routing graph is loaded when the app is created and shared read-only by
every request; nothing a request sends can name a file or a dataset folder.
Solver calls run one at a time on a dedicated worker thread (the solver's
caches are not meant for concurrent writers, and CPU-bound Python gains
nothing from more threads) with a deadline per request: a request that would
run long is answered 503 with a reason, and a queue that is too long is
answered 503 at once. Bad input is a 422 JSON body naming the parameter and
what it accepts; no response ever carries a traceback.
"""

from __future__ import annotations

import asyncio
import ctypes
import importlib
import inspect
import logging
import math
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from networks.errors import BypassError, InfeasibleError, UnknownPlaceError

from . import geo
from .models import (
    CompareResponse,
    CorridorsResponse,
    ErrorBody,
    FeatureCollection,
    FrontierResponse,
    RouteResponse,
    ScenarioOut,
)

log = logging.getLogger("bypass.web")

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = Path(__file__).resolve().parent.parent / "assets"

#: Bounds on what one request may ask for.
MAX_K = 5
MAX_VIA = 4
MAX_AVOID = 8
MAX_PAIRS_SIDE = 30
MAX_PLACE_CHARS = 100
MAX_QUERY_BYTES = 4096
#: Default deadline of one solver call (seconds) and queue length before "busy".
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_PENDING = 64

#: What each parameter accepts: the ``expected`` of every 422 answer.
EXPECTED: dict[str, str] = {
    "from": "a hub or port: id or name (see /api/hubs and /api/ports)",
    "to": "a port: id or name (see /api/ports)",
    "objective": "cost, time or co2",
    "max_days": "a number of days from 0 to 365",
    "max_cost": "a number of USD per TEU from 0 to 1000000",
    "k": f"an integer from 1 to {MAX_K}",
    "via": f"up to {MAX_VIA} places: port, hub, junction or border crossing (id or name)",
    "avoid": f"up to {MAX_AVOID} places: port, hub, junction or border crossing (id or name)",
    "avoid_country": f"up to {MAX_AVOID} ISO 3166 alpha-3 country codes such as USA",
    "avoid_mode": "rail, road or sea",
    "max_transshipments": "an integer from 0 to 10",
    "allow_us": "true or false",
    "strict_waters": "true or false",
    "scheduled_only": "true or false",
    "allow_hypothetical": "true or false",
    "cargo_value": "a number of USD per TEU from 0 to 10000000",
    "scenario": "a shipped scenario name (see /api/scenarios)",
}

BOOL = ("allow_us", "strict_waters", "scheduled_only", "allow_hypothetical")
ROUTE_PARAMS = frozenset({"from", "to", "objective", "max_days", "max_cost", "k", "via", "avoid",
                          "avoid_country", "avoid_mode", "max_transshipments", *BOOL})
FRONTIER_PARAMS = ROUTE_PARAMS - {"objective", "k", "allow_us"}
COMPARE_PARAMS = frozenset({"from", "to", "scenario", "cargo_value", "strict_waters",
                            "scheduled_only", "allow_hypothetical"})
CORRIDOR_PARAMS = frozenset({"from", "to", "scenario", "objective", "cargo_value",
                             "strict_waters", "scheduled_only", "allow_hypothetical"})
REPEATABLE = frozenset({"via", "avoid", "avoid_country", "avoid_mode"})
#: Parameters that may repeat on /api/compare and the report downloads.
REPEATABLE_COMPARE = frozenset({"from", "to"})

#: Binding constraint named by InfeasibleError -> query parameter.
CONSTRAINT_PARAM = {"max_days": "max_days", "max_cost": "max_cost",
                    "max_transshipments": "max_transshipments", "via": "via", "avoid": "avoid",
                    "allow_us": "allow_us"}


class WebError(Exception):
    """An answer other than 200: status, one-line message, parameter, expected value."""

    def __init__(self, message: str, *, parameter: str | None = None,
                 expected: str | None = None, suggestions: Sequence[str] = (),
                 status: int = 422) -> None:
        super().__init__(message)
        self.message, self.parameter, self.status = message, parameter, status
        self.expected = expected if expected is not None else EXPECTED.get(parameter or "")
        self.suggestions = list(suggestions)

    def response(self) -> JSONResponse:
        body = ErrorBody(error=self.message, parameter=self.parameter, expected=self.expected,
                         suggestions=self.suggestions)
        headers = {"Retry-After": "5"} if self.status == 503 else None
        return JSONResponse(body.model_dump(), status_code=self.status, headers=headers)


#: Names of solver errors meaning "this query needs more work than allowed" (the solver's
#: work-limit error has been called LabelLimitError and QueryTooHardError).
WORK_LIMIT_SUFFIXES = ("LimitError", "TooHardError", "LimitExceeded", "BudgetError")


def _is_work_limit(exc: BaseException) -> bool:
    """A solver error meaning "this query needs more work than allowed"."""
    return any(k.__name__.endswith(WORK_LIMIT_SUFFIXES) for k in type(exc).__mro__)


# --------------------------------------------------------------------------- parameters
# (module level: FastAPI resolves the annotations by name; 422 on anything else)

From = Annotated[str, Query(alias="from", min_length=1, max_length=MAX_PLACE_CHARS,
                            description=EXPECTED["from"])]
To = Annotated[str, Query(min_length=1, max_length=MAX_PLACE_CHARS,
                          description=EXPECTED["to"])]
Objective = Annotated[str, Query(pattern="^(cost|time|co2)$",
                                 description=EXPECTED["objective"])]
MaxDays = Annotated[float | None, Query(ge=0, le=365, allow_inf_nan=False,
                                        description=EXPECTED["max_days"])]
MaxCost = Annotated[float | None, Query(ge=0, le=1_000_000, allow_inf_nan=False,
                                        description=EXPECTED["max_cost"])]
K = Annotated[int, Query(ge=1, le=MAX_K, description=EXPECTED["k"])]
Places = Annotated[list[str] | None, Query(description=EXPECTED["via"])]
Avoids = Annotated[list[str] | None, Query(description=EXPECTED["avoid"])]
Countries = Annotated[list[str] | None, Query(description=EXPECTED["avoid_country"])]
Modes = Annotated[list[str] | None, Query(description=EXPECTED["avoid_mode"])]
MaxShip = Annotated[int | None, Query(ge=0, le=10,
                                      description=EXPECTED["max_transshipments"])]
Flag = Annotated[bool, Query(description="true or false")]
Scenario = Annotated[str | None, Query(max_length=64, description=EXPECTED["scenario"])]
Cargo = Annotated[float | None, Query(ge=0, le=10_000_000, allow_inf_nan=False,
                                      description=EXPECTED["cargo_value"])]
FromMany = Annotated[list[str] | None, Query(
    alias="from", description=f"Origins (repeatable, up to {MAX_PAIRS_SIDE}); "
                              "default every hub.")]
ToMany = Annotated[list[str] | None, Query(
    description=f"Destinations (repeatable, up to {MAX_PAIRS_SIDE}); default every Asian "
                "port.")]


# --------------------------------------------------------------------------- solver worker


class QueryAbandoned(BaseException):
    """Raised inside the solver thread to stop a query past its deadline.

    A BaseException, so no ``except Exception`` in the solver swallows it.
    """


class SolverWorker:
    """One worker thread for solver calls, a deadline per call and a bounded queue.

    Python cannot kill a thread, so a query past its deadline is stopped by
    raising :class:`QueryAbandoned` inside the solver thread
    (``PyThreadState_SetAsyncExc``): it fires at the next Python bytecode of
    that query (the label search is pure Python; a C call such as one
    OR-Tools solve, milliseconds here, finishes first). Only the query that
    timed out is targeted (a token checked under the lock), so the next query
    never inherits it. The solver's own work limit, when it has one, usually
    answers first; this deadline is the backstop that keeps the worker free.
    """

    def __init__(self, timeout_s: float, max_pending: int) -> None:
        self.timeout_s = float(timeout_s)
        self.max_pending = int(max_pending)
        self._lock = threading.Lock()
        self._pending = 0
        self._current: object | None = None
        self._thread_id: int | None = None
        self._pool = self._new_pool()
        self._closed = False
        self.abandoned = 0

    @staticmethod
    def _new_pool() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="bypass-solver")

    def start(self) -> None:
        """(Re)start the worker thread after a shutdown (an app may be served again)."""
        with self._lock:
            if self._closed:
                self._pool, self._closed = self._new_pool(), False

    def _done(self, _future) -> None:
        with self._lock:
            self._pending -= 1

    def _call(self, token: object, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        with self._lock:
            self._current, self._thread_id = token, threading.get_ident()
        try:
            return fn(*args, **kwargs)
        finally:
            with self._lock:
                self._current = None

    def _abandon(self, token: object) -> bool:
        """Stop the query ``token`` if it is the one running; True if it was."""
        with self._lock:
            if self._current is not token or self._thread_id is None:
                return False
            hit = ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(self._thread_id), ctypes.py_object(QueryAbandoned))
            self.abandoned += 1
            return hit == 1

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            if self._pending >= self.max_pending:
                raise WebError(f"server busy: {self._pending} queries queued; retry shortly",
                               status=503)
            self._pending += 1
        token = object()
        try:
            future = self._pool.submit(self._call, token, fn, args, kwargs)
        except RuntimeError as exc:  # shut down
            with self._lock:
                self._pending -= 1
            raise WebError("server is shutting down", status=503) from exc
        future.add_done_callback(self._done)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s)
        except TimeoutError as exc:
            future.cancel()  # still queued: never starts
            self._abandon(token)  # running: stopped at its next bytecode
            raise WebError(
                f"query exceeded the server's work limit ({self.timeout_s:g} s) and was "
                "stopped; narrow it (fewer pairs, lower k, fewer constraints)",
                status=503) from exc

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------- the model side


class Planner:
    """The read-only graph and the calls the API makes on it (run on the solver thread)."""

    def __init__(self, graph, demand=None) -> None:
        from networks.places import resolve
        from routing import solver
        from routing.query import compare_route, solve_route
        from routing.report import node_attributes
        from routing.scenarios import SCENARIO_DIR

        self.graph = graph
        self.demand = demand
        self._resolve = resolve
        solver.compile_graph(graph)  # warm: no request compiles the graph
        nodes = graph.nodes(data=True)
        self.origins = {str(n): str(d.get("name", n)) for n, d in nodes
                        if d.get("kind") in ("hub", "port")}
        self.ports = {str(n): str(d.get("name", n)) for n, d in nodes if d.get("kind") == "port"}
        self.waypoints: dict[str, str] = {}
        self.border_sides: dict[str, list[str]] = {}
        for n, d in sorted(nodes, key=lambda x: str(x[0])):
            if d.get("kind") in ("port", "hub", "junction"):
                self.waypoints[str(n)] = str(d.get("name", n))
            elif d.get("kind") == "border" and d.get("border"):
                self.waypoints.setdefault(d["border"], str(d.get("name", d["border"])))
                self.border_sides.setdefault(d["border"], []).append(str(n))
        self.node_attrs = node_attributes(graph)
        self.scenario_dir = SCENARIO_DIR
        self.solve_options = set(inspect.signature(solve_route).parameters)
        self._compare_route = compare_route
        self._geo_cache: dict[tuple[str, str, str], dict | None] = {}
        self._comparisons: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    # ---- places

    def place(self, text: str, names: dict[str, str], parameter: str, what: str) -> str:
        if len(text) > MAX_PLACE_CHARS:
            raise WebError(f"{parameter} is longer than {MAX_PLACE_CHARS} characters",
                           parameter=parameter)
        try:
            return self._resolve(text, names, what)
        except UnknownPlaceError as exc:
            raise WebError(str(exc), parameter=parameter, suggestions=exc.suggestions) from exc

    def waypoint(self, text: str, parameter: str) -> list[str]:
        ident = self.place(text, self.waypoints, parameter, "place")
        return self.border_sides.get(ident, [ident])

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
            self._geo_cache[key] = geo.leg_geojson(leg.geometry)
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


# --------------------------------------------------------------------------- middleware


class Guard:
    """Pure ASGI middleware: only GET/HEAD, bounded query, no body; security headers."""

    CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
           "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
           "form-action 'self'")

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = None
        if scope["method"] not in ("GET", "HEAD") and scope["method"] != "OPTIONS":
            problem = WebError(f"method {scope['method']} not allowed; the API is read-only "
                               "(GET)", status=405)
        elif len(scope.get("query_string", b"")) > MAX_QUERY_BYTES:
            problem = WebError(f"query string longer than {MAX_QUERY_BYTES} bytes", status=414)
        else:
            for name, value in scope.get("headers", ()):
                if name == b"content-length" and value.strip() not in (b"", b"0"):
                    problem = WebError("requests carry no body (use query parameters)",
                                       status=413)
        path = scope.get("path", "")

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"),
                         (b"x-frame-options", b"DENY"),
                         (b"cache-control", b"no-store")]
                if not path.startswith("/api/report.html"):
                    extra.append((b"content-security-policy", self.CSP.encode()))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        if problem is not None:
            await problem.response()(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


# --------------------------------------------------------------------------- the app


def _check_params(request: Request, allowed: frozenset[str],
                  repeatable: frozenset[str] = REPEATABLE) -> None:
    """Reject unknown parameters (a typo must not be silently ignored) and repeats."""
    for name in request.query_params:
        if name not in allowed:
            raise WebError(f"unknown parameter {name!r}", parameter=name,
                           expected="one of " + ", ".join(sorted(allowed)))
        if name not in repeatable and len(request.query_params.getlist(name)) > 1:
            raise WebError(f"parameter {name!r} given more than once", parameter=name)


def _validation_error(exc: RequestValidationError) -> WebError:
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(x) for x in first.get("loc", ()) if x not in ("query", "path")]
    name = loc[0] if loc else None
    kind = str(first.get("type", ""))
    if kind == "missing":
        message = f"missing required parameter {name!r}"
    else:
        message = f"invalid value for {name!r}: {first.get('msg', 'invalid')}"
    return WebError(message, parameter=name)


def _limited(values: list[str] | None, parameter: str, limit: int) -> list[str]:
    values = [v for v in values or [] if v.strip()]
    if len(values) > limit:
        raise WebError(f"{parameter} given {len(values)} times, at most {limit}",
                       parameter=parameter)
    return values


def create_app(graph=None, data_dir: str | Path | None = None, *,
               timeout_s: float = DEFAULT_TIMEOUT_S, max_pending: int = DEFAULT_MAX_PENDING,
               cors_origins: Iterable[str] = (), allowed_hosts: Iterable[str] | None = None
               ) -> FastAPI:
    """The web app around one routing graph, loaded now and shared read-only.

    Parameters
    ----------
    graph : networkx.MultiDiGraph, optional
        A graph from :func:`networks.build.load_graph`; loaded from ``data_dir``
        (default dataset when None) if not given. Requests never rebuild it.
    data_dir : path, optional
        Dataset folder (graph, demand table for volume shares and cargo values);
        chosen by whoever starts the server, never by a request.
    timeout_s : float
        Deadline of one solver call; past it the request gets a 503.
    max_pending : int
        Solver calls queued at once before new ones get a 503 (busy).
    cors_origins : iterable of str
        Origins allowed by CORS; none by default (same-origin only).
    allowed_hosts : iterable of str, optional
        Host header values accepted (DNS-rebinding guard); None accepts any.
    """
    from networks.datasets import load_dataset

    dataset = load_dataset(data_dir)
    if graph is None:
        from networks.build import load_graph

        graph = load_graph(data_dir)
    planner = Planner(graph, dataset.tables.get("demand"))
    worker = SolverWorker(timeout_s, max_pending)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        worker.start()
        yield
        worker.shutdown()

    from networks import __version__

    app = FastAPI(
        title="bypass",
        version=__version__,
        description="Freight routes from Mexican hubs to Asian ports: the best route that "
                    "never transits the US beside the best route through the US. Read-only "
                    "JSON API; every figure comes from the same functions as the `bypass` CLI.",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan,
        responses={422: {"model": ErrorBody, "description": "Bad input"},
                   503: {"model": ErrorBody, "description": "Over the work limit or busy"}},
    )
    app.state.planner = planner
    app.state.worker = worker

    @app.exception_handler(WebError)
    async def _web_error(_request: Request, exc: WebError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_error(exc).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = "not found" if exc.status_code == 404 else str(exc.detail)
        return WebError(message, status=exc.status_code).response()

    @app.exception_handler(BypassError)
    async def _bypass(_request: Request, exc: BypassError) -> JSONResponse:
        return bypass_error(exc).response()

    @app.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error", exc_info=exc)
        return WebError("internal error; the server log has the details", status=500).response()

    def route_kwargs(objective: str, max_days, max_cost, via, avoid, avoid_country, avoid_mode,
                     max_transshipments, strict_waters, scheduled_only,
                     allow_hypothetical) -> dict:
        countries = sorted({c.strip().upper() for c in
                            _limited(avoid_country, "avoid_country", MAX_AVOID)})
        for c in countries:
            if len(c) != 3 or not c.isalpha():
                raise WebError(f"avoid_country {c!r} is not an alpha-3 code",
                               parameter="avoid_country")
        modes = _limited(avoid_mode, "avoid_mode", 3)
        for m in modes:
            if m not in ("rail", "road", "sea"):
                raise WebError(f"avoid_mode {m!r} is not a mode", parameter="avoid_mode")
        kwargs: dict[str, Any] = dict(
            objective=objective, max_days=max_days, max_cost=max_cost,
            via=[planner.waypoint(v, "via")[0] for v in _limited(via, "via", MAX_VIA)],
            avoid=[n for v in _limited(avoid, "avoid", MAX_AVOID)
                   for n in planner.waypoint(v, "avoid")],
            strict_waters=strict_waters, scheduled_only=scheduled_only,
            avoid_countries=countries, avoid_modes=sorted(set(modes)),
            max_transshipments=max_transshipments,
        )
        if allow_hypothetical:
            if "allow_hypothetical" not in planner.solve_options:
                raise WebError("allow_hypothetical is not supported by this model version "
                               "(hypothetical sea legs are already included; scheduled_only "
                               "leaves them out)", parameter="allow_hypothetical")
            kwargs["allow_hypothetical"] = True
        return kwargs

    # ---- places

    def _features(kinds: tuple[str, ...], fields: tuple[str, ...]) -> dict:
        features: list[dict[str, Any]] = []
        for n, d in graph.nodes(data=True):
            if d.get("kind") not in kinds:
                continue
            props: dict[str, Any] = {"id": str(n), "name": str(d.get("name", n))}
            for f in fields:
                v = d.get(f)
                if isinstance(v, float) and not math.isfinite(v):
                    v = None
                props[f] = v
            features.append({"type": "Feature", "properties": props, "geometry": {
                "type": "Point", "coordinates": [float(d["lon"]), float(d["lat"])]}})
        features.sort(key=lambda f: f["properties"]["id"])
        return {"type": "FeatureCollection", "features": features}

    ports_fc = _features(("port",), ("country", "region", "role", "capacity_teu_per_year"))
    hubs_fc = _features(("hub",), ("country", "state", "sectors"))

    @app.get("/api/ports", response_model=FeatureCollection, tags=["places"])
    async def ports(request: Request) -> Any:
        """Every port of the dataset as GeoJSON points (id = UN/LOCODE, region, role)."""
        _check_params(request, frozenset())
        return ports_fc

    @app.get("/api/hubs", response_model=FeatureCollection, tags=["places"])
    async def hubs(request: Request) -> Any:
        """Every production hub as GeoJSON points."""
        _check_params(request, frozenset())
        return hubs_fc

    from routing.report import basemap_geojson

    # Seconds when cold: computed once, at start-up, beside the server (not by a request).
    basemap_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bypass-basemap")
    basemap_text = basemap_pool.submit(basemap_geojson)
    basemap_pool.shutdown(wait=False)

    @app.get("/api/basemap", tags=["places"], include_in_schema=False)
    async def basemap() -> Response:
        """Country outlines in the page's map frame (the report's own basemap)."""
        text = await asyncio.wait_for(asyncio.wrap_future(basemap_text), 120)
        return Response(text, media_type="application/geo+json")

    @app.get("/api/health", tags=["meta"])
    async def health(request: Request) -> dict:
        """Liveness, the size of the loaded graph, and which optional analyses this build has
        (the page asks before calling them)."""
        _check_params(request, frozenset())
        try:
            _corridors_function()
            has_corridors = True
        except WebError:
            has_corridors = False
        return {"status": "ok", "version": __version__, "nodes": graph.number_of_nodes(),
                "edges": graph.number_of_edges(),
                "features": {"corridors": has_corridors,
                             "allow_hypothetical": "allow_hypothetical" in planner.solve_options}}

    # ---- routes

    def _pair(from_: str, to: str) -> tuple[str, str]:
        o = planner.place(from_, planner.origins, "from", "origin")
        d = planner.place(to, planner.ports, "to", "destination")
        if o == d:
            raise WebError(f"origin and destination are the same place ({o})", parameter="to",
                           expected="a port other than the origin")
        return o, d

    @app.get("/api/route", response_model=RouteResponse, response_model_by_alias=True,
             response_model_exclude_unset=True, tags=["routes"])
    async def route(
        request: Request, from_: From, to: To, objective: Objective = "cost",
        max_days: MaxDays = None, max_cost: MaxCost = None, allow_us: Flag = False,
        k: K = 1, via: Places = None, avoid: Avoids = None, avoid_country: Countries = None,
        avoid_mode: Modes = None, max_transshipments: MaxShip = None,
        strict_waters: Flag = False, scheduled_only: Flag = False,
        allow_hypothetical: Flag = False,
    ) -> Any:
        """Best US-free route beside the best route through the US (``bypass route --json``),
        each leg with its GeoJSON geometry."""
        _check_params(request, ROUTE_PARAMS)
        o, d = _pair(from_, to)
        kwargs = route_kwargs(objective, max_days, max_cost, via, avoid, avoid_country,
                              avoid_mode, max_transshipments, strict_waters, scheduled_only,
                              allow_hypothetical)
        return _json(await worker.run(planner.route, o, d, kwargs, k, allow_us))

    @app.get("/api/route.csv", tags=["downloads"], response_class=Response,
             responses={200: {"content": {"text/csv": {}}}})
    async def route_csv(
        request: Request, from_: From, to: To, objective: Objective = "cost",
        max_days: MaxDays = None, max_cost: MaxCost = None, allow_us: Flag = False,
        k: K = 1, via: Places = None, avoid: Avoids = None, avoid_country: Countries = None,
        avoid_mode: Modes = None, max_transshipments: MaxShip = None,
        strict_waters: Flag = False, scheduled_only: Flag = False,
        allow_hypothetical: Flag = False,
    ) -> Response:
        """The legs of both sides as CSV (``bypass route --csv``)."""
        _check_params(request, ROUTE_PARAMS)
        o, d = _pair(from_, to)
        kwargs = route_kwargs(objective, max_days, max_cost, via, avoid, avoid_country,
                              avoid_mode, max_transshipments, strict_waters, scheduled_only,
                              allow_hypothetical)

        def table() -> bytes:
            import pandas as pd

            result = planner._compare_route(graph, o, d, **kwargs)
            frames = [result[s].to_frame().assign(side=s) for s in ("us_free", "via_us")
                      if result[s] is not None]
            if not frames:
                raise InfeasibleError("; ".join(result["reasons"].values()))
            return _frame_bytes(pd.concat(frames, ignore_index=True))

        data = await worker.run(table)
        return _download(data, "text/csv; charset=utf-8", f"bypass-route-{o}-{d}.csv")

    @app.get("/api/frontier", response_model=FrontierResponse, response_model_by_alias=True,
             response_model_exclude_unset=True, tags=["routes"])
    async def frontier(
        request: Request, from_: From, to: To, max_days: MaxDays = None,
        max_cost: MaxCost = None, via: Places = None, avoid: Avoids = None,
        avoid_country: Countries = None, avoid_mode: Modes = None,
        max_transshipments: MaxShip = None, strict_waters: Flag = False,
        scheduled_only: Flag = False, allow_hypothetical: Flag = False,
    ) -> Any:
        """The exact cost-vs-time Pareto frontier, US-free and through the US
        (``bypass frontier --json``)."""
        _check_params(request, FRONTIER_PARAMS)
        o, d = _pair(from_, to)
        kwargs = route_kwargs("cost", max_days, max_cost, via, avoid, avoid_country,
                              avoid_mode, max_transshipments, strict_waters, scheduled_only,
                              allow_hypothetical)
        kwargs.pop("objective")
        return _json(await worker.run(planner.frontier, o, d, kwargs))

    # ---- comparison, scenarios, reports

    def _pairs(from_: list[str] | None, to: list[str] | None):
        fs = _limited(from_, "from", MAX_PAIRS_SIDE)
        ts = _limited(to, "to", MAX_PAIRS_SIDE)
        os_ = tuple(dict.fromkeys(planner.place(f, planner.origins, "from", "origin")
                                  for f in fs)) or None
        ds = tuple(dict.fromkeys(planner.place(t, planner.ports, "to", "destination")
                                 for t in ts)) or None
        if os_ and ds and all(o == d for o in os_ for d in ds):
            raise WebError("nothing to compare: origin and destination are the same",
                           parameter="to")
        return os_, ds

    def _compare_kwargs(strict_waters: bool, scheduled_only: bool,
                        allow_hypothetical: bool) -> dict:
        kw = route_kwargs("cost", None, None, None, None, None, None, None, strict_waters,
                          scheduled_only, allow_hypothetical)
        return {k: kw[k] for k in ("strict_waters", "scheduled_only", "allow_hypothetical")
                if k in kw}

    async def _comparison(from_, to, scenario, cargo_value, strict_waters, scheduled_only,
                          allow_hypothetical):
        os_, ds = _pairs(from_, to)
        sc = planner.scenario(scenario)
        kw = _compare_kwargs(strict_waters, scheduled_only, allow_hypothetical)
        return await worker.run(planner.comparison, os_, ds, sc, cargo_value, kw)

    @app.get("/api/compare", response_model=CompareResponse, tags=["comparison"])
    async def compare(
        request: Request, from_: FromMany = None, to: ToMany = None, scenario: Scenario = None,
        cargo_value: Cargo = None, strict_waters: Flag = False, scheduled_only: Flag = False,
        allow_hypothetical: Flag = False,
    ) -> Any:
        """US-free vs through the US for one pair, some, or every hub x Asian port, with the
        tariff break-even under the scenario and a summary per shipped scenario
        (``bypass compare --json``)."""
        _check_params(request, COMPARE_PARAMS, REPEATABLE_COMPARE)
        comp = await _comparison(from_, to, scenario, cargo_value, strict_waters,
                                 scheduled_only, allow_hypothetical)
        return _json(await worker.run(planner.compare_payload, comp))

    @app.get("/api/report.html", tags=["downloads"], response_class=Response,
             responses={200: {"content": {"text/html": {}}}})
    async def report_html(
        request: Request, from_: FromMany = None, to: ToMany = None, scenario: Scenario = None,
        cargo_value: Cargo = None, strict_waters: Flag = False, scheduled_only: Flag = False,
        allow_hypothetical: Flag = False,
    ) -> Response:
        """The self-contained HTML report of ``bypass report`` for the pairs, as a download."""
        _check_params(request, COMPARE_PARAMS, REPEATABLE_COMPARE)
        comp = await _comparison(from_, to, scenario, cargo_value, strict_waters,
                                 scheduled_only, allow_hypothetical)
        page = await worker.run(planner.report_html, comp)
        resp = _download(page.encode("utf-8"), "text/html; charset=utf-8",
                         "bypass-report.html")
        resp.headers["content-security-policy"] = (
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "img-src data:")
        return resp

    @app.get("/api/report.csv", tags=["downloads"], response_class=Response,
             responses={200: {"content": {"text/csv": {}}}})
    async def report_csv(
        request: Request, from_: FromMany = None, to: ToMany = None, scenario: Scenario = None,
        cargo_value: Cargo = None, strict_waters: Flag = False, scheduled_only: Flag = False,
        allow_hypothetical: Flag = False,
    ) -> Response:
        """The comparison table of ``bypass compare --csv`` for the pairs, as a download."""
        _check_params(request, COMPARE_PARAMS, REPEATABLE_COMPARE)
        comp = await _comparison(from_, to, scenario, cargo_value, strict_waters,
                                 scheduled_only, allow_hypothetical)
        data = await worker.run(lambda: _frame_bytes(comp.frame))
        return _download(data, "text/csv; charset=utf-8", "bypass-comparison.csv")

    @app.get("/api/scenarios", response_model=list[ScenarioOut], tags=["comparison"])
    async def scenarios(request: Request) -> Any:
        """The shipped tariff and disruption scenarios: terms, date and sources."""
        _check_params(request, frozenset())
        return [planner.scenario(n).to_dict() for n in planner.scenario_names()]

    @app.get("/api/corridors", response_model=CorridorsResponse, response_model_by_alias=True,
             response_model_exclude_unset=True, tags=["comparison"],
             responses={501: {"model": ErrorBody, "description": "Not in this build"}})
    async def corridors(
        request: Request, from_: From, to: To, scenario: Scenario = None,
        objective: Objective = "cost", cargo_value: Cargo = None,
        strict_waters: Flag = False, scheduled_only: Flag = False,
        allow_hypothetical: Flag = False,
    ) -> Any:
        """The best route through each gateway family (Mexican, Canadian by sea or in bond,
        US) side by side (``bypass corridors --json``)."""
        _check_params(request, CORRIDOR_PARAMS)
        fn = _corridors_function()
        o, d = _pair(from_, to)
        sc = planner.scenario(scenario)
        # Only what the query sets: defaults stay the corridor model's own.
        wanted: dict[str, Any] = {"objective": objective, "scenario": sc}
        for name, value in (("strict_waters", strict_waters), ("scheduled_only", scheduled_only),
                            ("allow_hypothetical", allow_hypothetical),
                            ("cargo_value_usd_per_teu", cargo_value)):
            if value:
                wanted[name] = value
        params = inspect.signature(fn).parameters
        missing = sorted(set(wanted) - set(params))
        if missing:
            name = {"cargo_value_usd_per_teu": "cargo_value"}.get(missing[0], missing[0])
            raise WebError(f"{name} is not supported by this build's corridor model",
                           parameter=name)
        kwargs = wanted

        def run() -> dict:
            payload = dict(fn(graph, o, d, **kwargs).to_dict())
            payload.setdefault("from", o)
            payload.setdefault("to", d)
            payload.setdefault("scenario", sc.name)
            return payload

        return _json(await worker.run(run))

    # ---- page, assets, docs

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> FileResponse:
        return FileResponse(STATIC / "docs.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/assets", StaticFiles(directory=ASSETS), name="assets")
    swagger = _swagger_dir()
    if swagger is not None:
        app.mount("/docs-assets", StaticFiles(directory=swagger), name="docs-assets")

    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins),
                           allow_methods=["GET"], allow_headers=[])
    if allowed_hosts is not None:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(Guard)
    return app


def bypass_error(exc: BypassError) -> WebError:
    """The HTTP answer to an error raised by the model."""
    if _is_work_limit(exc):
        return WebError(f"query exceeded the solver's work limit: {exc}", status=503)
    if isinstance(exc, InfeasibleError):
        return WebError(str(exc), parameter=CONSTRAINT_PARAM.get(exc.constraint or ""),
                        expected="looser constraints (or see reasons per side)")
    if isinstance(exc, UnknownPlaceError):
        return WebError(str(exc), suggestions=exc.suggestions)
    return WebError(" ".join(str(exc).split()))


def _corridors_function() -> Callable[..., Any]:
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


def _swagger_dir() -> Path | None:
    try:
        import swagger_ui_bundle
    except ImportError:
        log.warning("swagger-ui-bundle is not installed: /docs shows a plain page")
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


def _frame_bytes(frame) -> bytes:
    """A DataFrame as CSV bytes through the project's one table writer (in a temp folder)."""
    from networks.export import write_frame

    with tempfile.TemporaryDirectory(prefix="bypass-web-") as tmp:
        path = Path(tmp) / "table.csv"
        write_frame(frame, path)
        return path.read_bytes()


def _json(payload: Any) -> JSONResponse:
    """The payload as JSON, as built (the CLI's shape).

    The endpoints declare their pydantic response models for the OpenAPI
    document; the payloads are not re-validated per request (that doubled
    the cost of a route answer), tests/test_web.py checks them against the
    models instead.
    """
    return JSONResponse(payload)


def _download(data: bytes, media_type: str, filename: str) -> Response:
    safe = "".join(c for c in filename if c.isalnum() or c in "-_.") or "download"
    return Response(data, media_type=media_type,
                    headers={"content-disposition": f'attachment; filename="{safe}"'})


__all__ = ["Planner", "SolverWorker", "WebError", "bypass_error", "create_app"]
