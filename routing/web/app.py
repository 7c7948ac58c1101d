"""The FastAPI app: JSON API, the planner's page, bundled API docs.

HTTP only: parses and checks parameters, hands the work to the solver
worker (:mod:`routing.web.worker`) running the model calls of
:mod:`routing.web.planner`, and formats the answer. One routing graph is
loaded when the app is created and shared read-only by every request;
nothing a request sends can name a file or a dataset folder. Bad input is a
422 JSON body naming the parameter and what it accepts
(:mod:`routing.web.errors`); no response ever carries a traceback.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from networks.errors import BypassError, InfeasibleError

from .errors import (
    EXPECTED,
    MAX_AVOID,
    MAX_K,
    MAX_PAIRS_SIDE,
    MAX_PLACE_CHARS,
    MAX_QUERY_BYTES,
    MAX_VIA,
    WebError,
    bypass_error,
)
from .models import (
    CompareResponse,
    CorridorsResponse,
    ErrorBody,
    FeatureCollection,
    FrontierResponse,
    RouteResponse,
    ScenarioOut,
)
from .planner import Planner, corridors_function
from .worker import SolverWorker

log = logging.getLogger("bypass.web")

#: Default deadline of one solver call (seconds) and queue length before "busy".
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_PENDING = 64

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = Path(__file__).resolve().parent.parent / "assets"

#: Node kinds an origin / a destination may be (as in the CLI).
ORIGIN_KINDS = ("hub", "port")
DEST_KINDS = ("port",)
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
            via=[planner.places(v, "via", "via place")[0] for v in _limited(via, "via", MAX_VIA)],
            avoid=[n for v in _limited(avoid, "avoid", MAX_AVOID)
                   for n in planner.places(v, "avoid", "avoided place")],
            strict_waters=strict_waters,
            avoid_countries=countries, avoid_modes=sorted(set(modes)),
            max_transshipments=max_transshipments,
        )
        # Hypothetical sea legs are opt-in (issue #12); scheduled_only keeps them out.
        kwargs["allow_hypothetical"] = bool(allow_hypothetical and not scheduled_only)
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
            corridors_function()
            has_corridors = True
        except WebError:
            has_corridors = False
        return {"status": "ok", "version": __version__, "nodes": graph.number_of_nodes(),
                "edges": graph.number_of_edges(),
                "features": {"corridors": has_corridors,
                             "allow_hypothetical": "allow_hypothetical" in planner.solve_options}}

    # ---- routes

    def _pair(from_: str, to: str) -> tuple[str, str]:
        o = planner.place(from_, "from", "origin", ORIGIN_KINDS)
        d = planner.place(to, "to", "destination", DEST_KINDS)
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
        os_ = tuple(dict.fromkeys(planner.place(f, "from", "origin", ORIGIN_KINDS)
                                  for f in fs)) or None
        ds = tuple(dict.fromkeys(planner.place(t, "to", "destination", DEST_KINDS)
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

    async def _comparison(
        request: Request, from_: FromMany = None, to: ToMany = None, scenario: Scenario = None,
        cargo_value: Cargo = None, strict_waters: Flag = False, scheduled_only: Flag = False,
        allow_hypothetical: Flag = False,
    ) -> Any:
        """The comparison of the compare and report endpoints (one FastAPI dependency:
        their query parameters, checked once)."""
        _check_params(request, COMPARE_PARAMS, REPEATABLE_COMPARE)
        os_, ds = _pairs(from_, to)
        sc = planner.scenario(scenario)
        kw = _compare_kwargs(strict_waters, scheduled_only, allow_hypothetical)
        return await worker.run(planner.comparison, os_, ds, sc, cargo_value, kw)

    # A default, not ``Annotated``: annotations are strings here (``from __future__``), and
    # FastAPI cannot resolve a name local to this factory from a string.
    comparison = Depends(_comparison)

    @app.get("/api/compare", response_model=CompareResponse, tags=["comparison"])
    async def compare(comp: Any = comparison) -> Any:
        """US-free vs through the US for one pair, some, or every hub x Asian port, with the
        tariff break-even under the scenario and a summary per shipped scenario
        (``bypass compare --json``)."""
        return _json(await worker.run(planner.compare_payload, comp))

    @app.get("/api/report.html", tags=["downloads"], response_class=Response,
             responses={200: {"content": {"text/html": {}}}})
    async def report_html(comp: Any = comparison) -> Response:
        """The self-contained HTML report of ``bypass report`` for the pairs, as a download."""
        page = await worker.run(planner.report_html, comp)
        resp = _download(page.encode("utf-8"), "text/html; charset=utf-8",
                         "bypass-report.html")
        resp.headers["content-security-policy"] = (
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "img-src data:")
        return resp

    @app.get("/api/report.csv", tags=["downloads"], response_class=Response,
             responses={200: {"content": {"text/csv": {}}}})
    async def report_csv(comp: Any = comparison) -> Response:
        """The comparison table of ``bypass compare --csv`` for the pairs, as a download."""
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
        fn = corridors_function()
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


