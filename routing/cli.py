"""The ``bypass`` command: parses arguments, calls the core, prints results.

Thin by design: every number comes from the same functions the Python API
exposes. Errors from the core (:mod:`networks.errors`) become one line on
stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from typer.exceptions import TyperException

from networks import __version__
from networks.errors import BypassError, DatasetErrors, InfeasibleError

app = typer.Typer(
    name="bypass",
    help="Freight routes from Mexico to Asia that never transit the United States.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, highlight=False)

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Dataset folder; files it lacks come from the default."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class State:
    """Options shared by every command (set by the callback)."""

    data: Path | None = None
    quiet: bool = False


state = State()


def _version(value: bool) -> None:
    if value:
        out.print(f"bypass {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    data: DataOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    state.data = data
    state.quiet = quiet


def progress(message: str) -> None:
    """Progress on long work goes to stderr so --json output stays clean."""
    if not state.quiet:
        err.print(f"[dim]{message}[/dim]")


def _dataset():
    from networks.datasets import load_dataset

    dataset = load_dataset(state.data)
    if dataset.filled_from_default and not state.quiet:
        err.print(
            f"[dim]{state.data}: using the default for {', '.join(dataset.filled_from_default)}"
            "[/dim]"
        )
    for note in dataset.warnings if not state.quiet else ():
        err.print(f"[dim]warning: {note}[/dim]", soft_wrap=True)
    return dataset


def _emit_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


@app.command()
def ports(json_: JsonOption = False) -> None:
    """List the ports of the dataset."""
    dataset = _dataset()
    table = dataset.ports
    cols = ["locode", "name", "country", "region", "role", "lat", "lon",
            "capacity_teu_per_year", "handling_usd_per_teu", "dwell_h"]
    rows = table[cols].reset_index(drop=True).sort_values("locode")
    if json_:
        _emit_json(
            [
                {k: (None if v != v else v) for k, v in rec.items()}  # NaN -> null
                for rec in rows.to_dict(orient="records")
            ]
        )
        return
    t = Table(title=f"{len(rows)} ports", show_lines=False)
    for c, label in [("locode", "LOCODE"), ("name", "name"), ("country", "country"),
                     ("region", "region"), ("role", "role"),
                     ("capacity_teu_per_year", "capacity TEU/yr"),
                     ("handling_usd_per_teu", "handling USD/TEU"), ("dwell_h", "dwell h")]:
        t.add_column(label, justify="right" if c.endswith(("year", "teu", "_h")) else "left")
    for r in rows.itertuples():
        cap = "unlimited" if r.capacity_teu_per_year != r.capacity_teu_per_year else (
            f"{r.capacity_teu_per_year:,.0f}")
        t.add_row(r.locode, r.name, r.country, r.region, r.role, cap,
                  f"{r.handling_usd_per_teu:,.0f}", f"{r.dwell_h:g}")
    out.print(t)


@app.command()
def distance(
    from_: Annotated[str, typer.Option("--from", help="Port: UN/LOCODE or name.")],
    to: Annotated[str, typer.Option("--to", help="Port: UN/LOCODE or name.")],
    json_: JsonOption = False,
) -> None:
    """Sea distance between two ports along the maritime network."""
    from networks.places import resolve
    from networks.sea import dataset_legs

    dataset = _dataset()
    names = dict(zip(dataset.ports["locode"], dataset.ports["name"], strict=True))
    a = resolve(from_, names, "port")
    b = resolve(to, names, "port")
    if a == b:
        nm = 0.0
    else:
        legs, _ = dataset_legs(dataset)
        if (a, b) not in legs:
            raise BypassError(f"no sea path between {a} and {b}")
        nm = legs[(a, b)].distance_nm
    km = nm * 1.852
    if json_:
        _emit_json({"from": a, "to": b, "nm": round(nm, 1), "km": round(km, 1)})
    else:
        out.print(f"{names[a]} ({a}) -> {names[b]} ({b}): {nm:,.0f} nm ({km:,.0f} km) by sea")


# --------------------------------------------------------------------------- routes

ObjectiveOption = Annotated[
    str, typer.Option("--objective", help="What to minimise: cost, time or co2.")
]
MaxDays = Annotated[float | None, typer.Option("--max-days", help="Maximum transit days.")]
MaxCost = Annotated[float | None, typer.Option("--max-cost", help="Maximum USD per TEU.")]
AllowUs = Annotated[
    bool, typer.Option("--allow-us", help="Also show the best route allowed to use the US.")
]
Via = Annotated[list[str] | None, typer.Option("--via", help="Port or node the route must use.")]
Avoid = Annotated[list[str] | None, typer.Option("--avoid", help="Port or node to avoid.")]
Strict = Annotated[
    bool,
    typer.Option("--strict-waters", help="Also count the US 12 nm territorial sea as US transit."),
]
Scheduled = Annotated[
    bool, typer.Option("--scheduled-only", help="Only sea legs with a scheduled liner service.")
]
CsvOption = Annotated[Path | None, typer.Option("--csv", help="Also write a CSV table here.")]
AvoidCountry = Annotated[list[str] | None, typer.Option(
    "--avoid-country", help="ISO3 country the route must not touch (repeatable).")]
AvoidMode = Annotated[list[str] | None, typer.Option(
    "--avoid-mode", help="Mode the route must not use: rail, road or sea (repeatable).")]
MaxTransship = Annotated[int | None, typer.Option(
    "--max-transshipments", min=0, help="Maximum transshipments (sea legs minus one).")]
SIDES = (("us_free", "US-free route"), ("via_us", "Route through the US"))


def _graph():
    from networks.build import load_graph

    if state.data is not None:
        _dataset()  # says which files come from the default, before the build
    graph = load_graph(state.data, progress=progress)
    return graph


def _place(graph, text: str, kinds: tuple[str, ...], what: str) -> str:
    from networks.places import resolve

    names = {n: d.get("name", n) for n, d in graph.nodes(data=True) if d.get("kind") in kinds}
    return resolve(text, names, what)


def _places(graph, text: str, what: str) -> list[str]:
    """Graph nodes a --via/--avoid value names: a port, hub, junction or border crossing.

    A border crossing (``NLD-LRD``) is two nodes in the graph, one per side.
    """
    from networks.places import resolve

    names: dict[str, str] = {}
    sides: dict[str, list[str]] = {}
    for n, d in sorted(graph.nodes(data=True)):
        if d.get("kind") in ("port", "hub", "junction"):
            names[n] = d.get("name", n)
        elif d.get("kind") == "border":
            names.setdefault(d["border"], d.get("name", d["border"]))
            sides.setdefault(d["border"], []).append(n)
    ident = resolve(text, names, what)
    return sides.get(ident, [ident])


def _route_kwargs(graph, objective, max_days, max_cost, via, avoid, strict, scheduled,
                  avoid_countries=(), avoid_modes=(), max_transshipments=None) -> dict:
    if objective not in ("cost", "time", "co2"):
        raise BypassError(f"--objective must be cost, time or co2, not {objective!r}")
    for mode in avoid_modes or ():
        if mode not in ("rail", "road", "sea"):
            raise BypassError(f"--avoid-mode must be rail, road or sea, not {mode!r}")
    countries = sorted({c.strip().upper() for c in avoid_countries or () if c.strip()})
    for c in countries:
        if len(c) != 3 or not c.isalpha():
            raise BypassError(f"--avoid-country takes ISO 3166 alpha-3 codes (e.g. USA), not {c!r}")
    return dict(
        objective=objective, max_days=max_days, max_cost=max_cost,
        via=[_places(graph, v, "via place")[0] for v in via or []],
        avoid=[n for v in avoid or [] for n in _places(graph, v, "avoided place")],
        strict_waters=strict, scheduled_only=scheduled,
        avoid_countries=countries, avoid_modes=sorted(set(avoid_modes or ())),
        max_transshipments=max_transshipments,
    )


def _legs_table(route, title: str) -> Table:
    t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for label in ("leg", "from", "to", "km", "hours", "USD/TEU", "kg CO2/TEU", "note"):
        t.add_column(label, justify="right" if label in
                     ("km", "hours", "USD/TEU", "kg CO2/TEU") else "left", no_wrap=True)
    for leg in route.legs:
        note = []
        if leg.service == "hypothetical":
            note.append("[yellow]hypothetical service[/yellow]")
        if leg.us_transit:
            note.append("[red]US[/red]")
        elif leg.us_waters_nm.get("territorial", 0) > 0:
            note.append(f"US 12 nm: {leg.us_waters_nm['territorial']:.0f} nm")
        label = leg.kind if leg.mode == "transfer" else leg.mode
        t.add_row(label, leg.from_id, leg.to_id,
                  f"{leg.distance_km:,.0f}", f"{leg.time_h:,.1f}",
                  f"{leg.cost_usd_per_teu:,.0f}", f"{leg.co2_kg_per_teu:,.0f}", " ".join(note))
    tot = route.totals
    t.add_section()
    t.add_row("[b]total[/b]", "", "", f"[b]{tot['distance_km']:,.0f}[/b]",
              f"[b]{tot['time_h']:,.1f}[/b]",
              f"[b]{tot['cost_usd_per_teu']:,.0f}[/b]", f"[b]{tot['co2_kg_per_teu']:,.0f}[/b]",
              f"US 12 nm {tot['us_waters_nm']['territorial']:.0f} nm, "
              f"200 nm {tot['us_waters_nm']['eez']:.0f} nm")
    return t


def _side_payload(route) -> dict | None:
    return None if route is None else route.to_dict()


@app.command()
def route(
    from_: Annotated[str, typer.Option("--from", help="Origin hub or port (id or name).")],
    to: Annotated[str, typer.Option("--to", help="Destination port (id or name).")],
    objective: ObjectiveOption = "cost",
    max_days: MaxDays = None,
    max_cost: MaxCost = None,
    allow_us: AllowUs = False,
    via: Via = None,
    avoid: Avoid = None,
    k: Annotated[int, typer.Option("-k", help="Alternatives per side (differing ports/borders).",
                                   min=1, max=20)] = 1,
    strict_waters: Strict = False,
    scheduled_only: Scheduled = False,
    avoid_country: AvoidCountry = None,
    avoid_mode: AvoidMode = None,
    max_transshipments: MaxTransship = None,
    json_: JsonOption = False,
    csv: CsvOption = None,
) -> None:
    """Best US-free route beside the best route through the US, leg by leg."""
    from routing.query import SIDE_FILTERS, alternatives, compare_route, solve_route

    graph = _graph()
    origin = _place(graph, from_, ("hub", "port"), "origin")
    dest = _place(graph, to, ("port",), "destination")
    kwargs = _route_kwargs(graph, objective, max_days, max_cost, via, avoid, strict_waters,
                           scheduled_only, avoid_country, avoid_mode, max_transshipments)
    result = compare_route(graph, origin, dest, **kwargs)
    payload: dict = {"from": origin, "to": dest,
                     "us_free": _side_payload(result["us_free"]),
                     "via_us": _side_payload(result["via_us"]),
                     "reasons": dict(result["reasons"])}
    extra: dict[str, list] = {}
    if k > 1:
        for side, flags in SIDE_FILTERS:
            if result[side] is not None:
                extra[side] = alternatives(graph, origin, dest, k, **kwargs, **flags)
        payload["alternatives"] = {s: [r.to_dict() for r in v] for s, v in extra.items()}
    best_any = None
    if allow_us:
        best_any = solve_route(graph, origin, dest, allow_us=True, **kwargs)
        payload["best"] = best_any.to_dict()
    ruled_out = None
    if strict_waters:
        # Say what the strict rule costs: the default rule's US-free best, if it differs.
        try:
            lax = solve_route(graph, origin, dest, **{**kwargs, "strict_waters": False})
        except InfeasibleError:
            lax = None
        strict_best = result["us_free"]
        if lax is not None and (strict_best is None or lax.nodes != strict_best.nodes
                                or lax.legs != strict_best.legs):
            ruled_out = lax
            payload["ruled_out_by_strict_waters"] = lax.to_dict()
    if result["us_free"] is None and result["via_us"] is None:
        raise InfeasibleError(f"no route from {origin} to {dest}: "
                              + "; ".join(result["reasons"].values()))
    if csv is not None:
        import pandas as pd

        frames = []
        for side, _ in SIDES:
            if result[side] is not None:
                frames.append(result[side].to_frame().assign(side=side))
        write_table(pd.concat(frames, ignore_index=True), csv)
    if json_:
        _emit_json(payload)
        return
    names = graph.nodes
    out.print(f"[b]{names[origin]['name']} ({origin}) -> {names[dest]['name']} ({dest})[/b], "
              f"minimising {objective}")
    for side, title in SIDES:
        r = result[side]
        if r is None:
            out.print(f"\n[b]{title}[/b]: none. {result['reasons'].get(side, '')}")
            continue
        out.print()
        out.print(_legs_table(r, f"{title}: {r.totals['cost_usd_per_teu']:,.0f} USD/TEU, "
                                 f"{r.totals['time_days']:.1f} days via "
                                 f"{' -> '.join(r.totals['ports'])}"))
        for i, alt in enumerate(extra.get(side, [])[1:], start=2):
            tt = alt.totals
            out.print(f"  alternative {i}: {tt['cost_usd_per_teu']:,.0f} USD/TEU, "
                      f"{tt['time_days']:.1f} days via {' -> '.join(tt['ports'])}")
    if ruled_out is not None:
        tt = ruled_out.totals
        out.print(f"\n--strict-waters rules out the default rule's US-free best: "
                  f"{tt['cost_usd_per_teu']:,.0f} USD/TEU, {tt['time_days']:.1f} days via "
                  f"{' -> '.join(tt['ports'])}, {tt['us_waters_nm']['territorial']:.0f} nm "
                  "inside the US 12 nm zone")
    if best_any is not None:
        tt = best_any.totals
        out.print(f"\nBest route allowed to use the US: {tt['cost_usd_per_teu']:,.0f} USD/TEU, "
                  f"{tt['time_days']:.1f} days via {' -> '.join(tt['ports'])}"
                  f"{' (uses the US)' if tt['us_transit'] else ' (US-free)'}")
    a, b = result["us_free"], result["via_us"]
    if a is not None and b is not None:
        dc = a.totals["cost_usd_per_teu"] - b.totals["cost_usd_per_teu"]
        dd = a.totals["time_days"] - b.totals["time_days"]
        out.print(f"\nUS-free vs through the US: {dc:+,.0f} USD/TEU, {dd:+.1f} days")
    if any(leg.service == "hypothetical" for r in (a, b) if r for leg in r.legs):
        out.print("[yellow]hypothetical: no scheduled liner service calling both ports was "
                  "found; --scheduled-only leaves such legs out[/yellow]")


@app.command()
def frontier(
    from_: Annotated[str, typer.Option("--from", help="Origin hub or port (id or name).")],
    to: Annotated[str, typer.Option("--to", help="Destination port (id or name).")],
    max_days: MaxDays = None,
    max_cost: MaxCost = None,
    via: Via = None,
    avoid: Avoid = None,
    strict_waters: Strict = False,
    scheduled_only: Scheduled = False,
    avoid_country: AvoidCountry = None,
    avoid_mode: AvoidMode = None,
    max_transshipments: MaxTransship = None,
    json_: JsonOption = False,
    csv: CsvOption = None,
) -> None:
    """The exact cost-vs-time Pareto frontier, US-free and through the US."""
    from routing.frontier import frontier as pareto
    from routing.query import SIDE_FILTERS

    graph = _graph()
    origin = _place(graph, from_, ("hub", "port"), "origin")
    dest = _place(graph, to, ("port",), "destination")
    kwargs = _route_kwargs(graph, "cost", max_days, max_cost, via, avoid, strict_waters,
                           scheduled_only, avoid_country, avoid_mode, max_transshipments)
    kwargs.pop("objective")
    fronts, reasons = {}, {}
    for side, flags in SIDE_FILTERS:
        try:
            fronts[side] = pareto(graph, origin, dest, **flags, **kwargs)
        except InfeasibleError as exc:
            reasons[side] = str(exc)
    if not fronts:
        raise InfeasibleError("; ".join(reasons.values()))
    if csv is not None:
        import pandas as pd

        write_table(pd.concat([f.to_frame().assign(side=s) for s, f in fronts.items()],
                              ignore_index=True), csv)
    if json_:
        _emit_json({"from": origin, "to": dest,
                    **{s: [p.to_dict() for p in fronts[s].points] if s in fronts else None
                       for s, _ in SIDES},
                    "reasons": reasons})
        return
    for side, title in SIDES:
        if side not in fronts:
            out.print(f"[b]{title}[/b]: none. {reasons[side]}")
            continue
        t = Table(title=f"{title}: {len(fronts[side])} Pareto-optimal routes", title_justify="left")
        for label in ("USD/TEU", "days", "CO2 kg/TEU", "ports", "borders", "hypothetical"):
            t.add_column(label, justify="right" if label in ("USD/TEU", "days", "CO2 kg/TEU")
                         else "left")
        for p in fronts[side].points:
            tt = p.totals
            borders = [leg.from_id.split(":")[0] for leg in p.legs if leg.kind.startswith("border")]
            t.add_row(f"{tt['cost_usd_per_teu']:,.0f}", f"{tt['time_days']:.1f}",
                      f"{tt['co2_kg_per_teu']:,.0f}", " -> ".join(tt["ports"]),
                      ", ".join(borders) or "-", "yes" if tt["hypothetical_services"] else "")
        out.print(t)


@app.command()
def plan(
    demand: Annotated[Path | None, typer.Option(
        "--demand", help="CSV with origin, destination, teu_per_year (default: shipped table).")
    ] = None,
    max_days: MaxDays = None,
    strict_waters: Strict = False,
    frontier_points: Annotated[int, typer.Option(
        "--frontier", min=0, max=50,
        help="Also sweep the system cost-vs-time frontier with this many points (0: off).")
    ] = 0,
    json_: JsonOption = False,
    csv: CsvOption = None,
) -> None:
    """Allocate yearly demand to routes under port capacities, with and without the US."""
    from networks.datasets import read_table
    from networks.errors import DatasetErrors
    from networks.schema import DEMAND
    from routing.plan import plan as allocate
    from routing.plan import plan_frontier

    graph = _graph()
    if demand is None:
        table = _dataset().tables.get("demand")
        if table is None:
            raise BypassError("the dataset has no demand.csv; pass --demand FILE")
    else:
        problems: list = []
        table = read_table(DEMAND, demand, problems)
        if problems:
            raise DatasetErrors(problems)
    for rec in table[["origin", "destination", "_line"]].itertuples(index=False):
        if rec.origin not in graph or rec.destination not in graph:
            bad, field = (rec.origin, "origin") if rec.origin not in graph else (
                rec.destination, "destination")
            from networks.errors import DatasetError

            raise DatasetError(str(demand or "demand.csv"), "unknown id", row=int(rec._line),
                               field=field, value=bad, expected="a hub or port id of the dataset")
    progress(f"plan: {len(table)} demand rows, column generation (GLOP)...")
    plans = {
        "us_free": allocate(graph, table, allow_us=False, max_days=max_days,
                            strict_waters=strict_waters),
        "us_allowed": allocate(graph, table, allow_us=True, max_days=max_days,
                               strict_waters=strict_waters),
    }
    sweeps = {}
    if frontier_points:
        progress(f"plan: epsilon-constraint sweep, {frontier_points} points per side...")
        for name, allow in (("us_free", False), ("us_allowed", True)):
            sweeps[name] = plan_frontier(graph, table, frontier_points, allow_us=allow,
                                         max_days=max_days, strict_waters=strict_waters)
    if csv is not None:
        import pandas as pd

        write_table(pd.concat([p.to_frame().assign(scenario=s) for s, p in plans.items()],
                              ignore_index=True), csv)
    if json_:
        payload = {s: p.to_dict() for s, p in plans.items()}
        if sweeps:
            payload["frontier"] = {s: f.to_dict()["points"] for s, f in sweeps.items()}
        _emit_json(payload)
        return
    for name, title in (("us_free", "Without US transit"), ("us_allowed", "US transit allowed")):
        p = plans[name]
        served = sum(p.demand.values()) - sum(p.unserved.values())
        out.print(f"\n[b]{title}[/b]: transport {p.transport_cost_usd / 1e6:,.1f} M USD/yr "
                  f"for {served:,.0f} TEU/yr ({p.transport_cost_usd / max(served, 1):,.0f} "
                  f"USD/TEU); unserved {sum(p.unserved.values()):,.0f} TEU/yr")
        t = Table(title="ports and lanes", title_justify="left", show_edge=False)
        t.add_column("port / lane")
        for label in ("TEU/yr used", "of capacity", "shadow price USD per TEU/yr"):
            t.add_column(label, justify="right")
        t.add_column("binding")
        for cap in sorted(p.capacities, key=lambda c: -c.used_teu_per_year):
            if cap.used_teu_per_year <= 0:
                continue
            t.add_row(cap.id, f"{cap.used_teu_per_year:,.0f}",
                      f"{cap.used_teu_per_year / cap.capacity_teu_per_year:.0%}",
                      f"{cap.shadow_price_usd_per_teu:,.2f}",
                      "[b]yes[/b]" if cap.binding else "")
        out.print(t)
        if name in sweeps:
            f = Table(title="system cost vs time (epsilon-constraint sweep)",
                      title_justify="left", show_edge=False)
            for label in ("point", "total cost M USD/yr", "TEU-days/yr (M)", "unserved TEU/yr"):
                f.add_column(label, justify="right")
            for row in sweeps[name].to_frame().itertuples(index=False):
                f.add_row(str(row.point), f"{row.total_cost_usd / 1e6:,.1f}",
                          f"{row.teu_hours / 24 / 1e6:,.2f}",
                          f"{row.unserved_teu_per_year:,.0f}")
            out.print(f)


@app.command()
def export(
    gpkg: Annotated[Path | None, typer.Option("--gpkg", help="GeoPackage (nodes, edges).")] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Plain edge table (CSV).")] = None,
) -> None:
    """Export the routing graph for GIS (GeoPackage) or spreadsheets (CSV)."""
    from networks.export import edge_table, write_geopackage

    if gpkg is None and csv is None:
        raise BypassError("say where: --gpkg FILE and/or --csv FILE")
    graph = _graph()
    if gpkg is not None:
        write_geopackage(graph, gpkg)
        out.print(f"wrote {gpkg} (layers nodes, edges; EPSG:4326)")
    if csv is not None:
        write_table(edge_table(graph), csv)
        out.print(f"wrote {csv} ({graph.number_of_edges()} edges)")


# --------------------------------------------------------------------------- data

data_app = typer.Typer(
    help="Swap, check and export datasets (schemas: docs/datasets.md).",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")


@data_app.command("schema")
def data_schema(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here (else print).")]
    = None,
) -> None:
    """The dataset schema reference as Markdown (docs/datasets.md is this)."""
    from networks.schema import schema_markdown

    text = schema_markdown()
    if out_file is None:
        sys.stdout.write(text)
        return
    from networks.atomic import write_text_atomic

    write_text_atomic(out_file, text)
    out.print(f"wrote {out_file}")


@data_app.command("validate")
def data_validate(
    folder: Annotated[Path | None, typer.Argument(help="Dataset folder (default: --data).")]
    = None,
) -> None:
    """Check a dataset: every problem on its own line (exit 2), then warnings (exit 0)."""
    from networks.datasets import validate_dataset

    folder = folder if folder is not None else state.data
    label = str(folder) if folder is not None else "default dataset"
    problems, warnings = validate_dataset(folder)
    for p in problems:
        sys.stderr.write(f"bypass: error: {p}\n")
    for w in warnings:
        sys.stderr.write(f"bypass: warning: {' '.join(w.split())}\n")
    if problems:
        failed = BypassError(f"{label}: {len(problems)} error(s), {len(warnings)} warning(s)")
        failed.exit_code = 2  # a dataset problem, like DatasetErrors
        raise failed
    sys.stdout.write(f"{label}: valid, {len(warnings)} warning(s)\n")


@data_app.command("export")
def data_export(
    folder: Annotated[Path, typer.Argument(help="Folder to write (new or empty).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite a non-empty folder.")]
    = False,
    land_links: Annotated[str, typer.Option(
        "--land-links", help="Format of the land links: csv (WKT), gpkg, geojson, parquet.")]
    = "csv",
) -> None:
    """Write the dataset (default, or --data) as editable files."""
    from networks.datasets import export_dataset

    written = export_dataset(_dataset(), folder, force=force, land_links=land_links)
    out.print(f"wrote {folder}: {', '.join(written)}")


@data_app.command("import-ports")
def data_import_ports(
    fmt: Annotated[str, typer.Option("--format", help="searoute or wpi.")],
    out_file: Annotated[Path, typer.Option("--out", help="ports.csv to write.")],
    source: Annotated[Path | None, typer.Argument(
        help="Port list (default for searoute: its shipped ports.geojson).")] = None,
    countries: Annotated[str, typer.Option(
        "--countries", help="ISO3 codes to keep, comma-separated (e.g. MEX,CAN,CHN).")] = "",
) -> None:
    """Import a public port list into the ports schema (missing fields by stated rules)."""
    from networks.adapters import import_ports, write_ports

    frame, notes = import_ports(fmt, source, tuple(countries.split(",")) if countries else ())
    write_ports(frame, out_file)
    for note in notes:
        progress(note)
    out.print(f"wrote {out_file}: {len(frame)} ports (rules for missing fields: "
              "docs/datasets.md, networks/adapters.py)")


# --------------------------------------------------------------------------- compare and report

FromMany = Annotated[list[str] | None, typer.Option(
    "--from", help="Origin hub or port, repeatable (default: every hub).")]
ToMany = Annotated[list[str] | None, typer.Option(
    "--to", help="Destination port, repeatable (default: every Asian port).")]
ScenarioOption = Annotated[str, typer.Option(
    "--scenario", help="Tariff scenario: a shipped name (status_quo, duty_25pct, duty_35pct, "
    "border_closure_risk) or a .toml file.")]
CargoValue = Annotated[float | None, typer.Option(
    "--cargo-value", min=0, help="Cargo value USD/TEU for every pair (default: the demand "
    "table's cargo_value_usd_per_teu, else 40,000).")]


def _comparison(from_, to, scenario, cargo_value, strict_waters, scheduled_only):
    from routing.compare import compare
    from routing.scenarios import load_scenario

    sc = load_scenario(scenario)
    graph = _graph()
    origins = [_place(graph, f, ("hub", "port"), "origin") for f in from_ or []] or None
    dests = [_place(graph, t, ("port",), "destination") for t in to or []] or None
    demand = _dataset().tables.get("demand")
    progress("compare: solving US-free and through-the-US routes per pair...")
    return graph, compare(graph, origins, dests, sc, demand=demand,
                          cargo_value_usd_per_teu=cargo_value, strict_waters=strict_waters,
                          scheduled_only=scheduled_only)


def _num(value: float, spec: str) -> str:
    return "-" if value != value else format(value, spec)


@app.command()
def compare(
    from_: FromMany = None,
    to: ToMany = None,
    scenario: ScenarioOption = "status_quo",
    cargo_value: CargoValue = None,
    strict_waters: Strict = False,
    scheduled_only: Scheduled = False,
    json_: JsonOption = False,
    csv: CsvOption = None,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Also write Parquet here.")]
    = None,
) -> None:
    """Every hub x Asian port: US-free vs through the US, with the tariff break-even."""
    from routing.compare import scenario_summary
    from routing.scenarios import builtin_scenarios

    _, comp = _comparison(from_, to, scenario, cargo_value, strict_waters, scheduled_only)
    scs = builtin_scenarios()
    if comp.scenario.name not in {s.name for s in scs}:
        scs.append(comp.scenario)
    summary = scenario_summary(comp, scs)
    if csv is not None:
        write_table(comp.frame, csv)
    if parquet is not None:
        if parquet.suffix.lower() != ".parquet":
            raise BypassError(f"--parquet {parquet}: the file name must end in .parquet")
        write_table(comp.frame, parquet)
    if json_:
        payload = comp.to_dict()
        payload["scenarios"] = [{k: (None if isinstance(v, float) and v != v else v)
                                 for k, v in rec.items()}
                                for rec in summary.to_dict(orient="records")]
        _emit_json(payload)
        return
    f = comp.frame
    sc = comp.scenario
    t = Table(title=f"US-free vs through the US, scenario {sc.name} (as of {sc.as_of}); "
                    "Δ = US-free minus via US", title_justify="left", show_edge=False)
    for label in ("from", "to", "US-free\nUSD/TEU", "US-free\ndays", "via US\nUSD/TEU",
                  "via US\ndays", "Δ\nUSD/TEU", "Δ\n%", "Δ\ndays", "break-even\nUSD/TEU",
                  "break-even\n% value", "favours"):
        t.add_column(label, justify="left" if label in ("from", "to", "favours") else "right",
                     no_wrap=True)
    for r in f.itertuples(index=False):
        fav = {"us_free": "[green]US-free[/green]", "via_us": "[red]via US[/red]"}.get(
            r.favours, "-")
        hyp_free = "*" if r.us_free_hypothetical else ""
        hyp_us = "*" if r.via_us_hypothetical else ""
        t.add_row(r.origin, r.destination,
                  _num(r.us_free_total_usd_per_teu, ",.0f") + hyp_free,
                  _num(r.us_free_days, ".1f"),
                  _num(r.via_us_total_usd_per_teu, ",.0f") + hyp_us, _num(r.via_us_days, ".1f"),
                  _num(r.diff_cost_usd_per_teu, "+,.0f"), _num(r.diff_cost_usd_per_teu_pct, "+.0f"),
                  _num(r.diff_days, "+.1f"), _num(r.breakeven_usd_per_teu, "+,.0f"),
                  _num(r.breakeven_pct_of_cargo_value, "+.1f"), fav)
    out.print(t)
    if f["us_free_hypothetical"].any() or f["via_us_hypothetical"].any():
        out.print("[yellow]* uses a sea leg with no scheduled liner service "
                  "(--scheduled-only leaves such legs out)[/yellow]")
    s = comp.summary()
    out.print(f"\n[b]{s['pairs_us_free']} of {s['pairs']} pairs "
              f"({_num(s['share_pairs_us_free'], '.0%')}) and "
              f"{_num(s['share_teu_us_free'], '.0%')} of demand volume favour the US-free "
              f"route[/b] under {sc.name}. Break-even: the extra US-transit charge at which "
              "both cost the same (<= 0: US-free already cheaper).")
    st = Table(title="All scenarios (same routes)", title_justify="left", show_edge=False)
    for label in ("scenario", "pairs US-free", "share of pairs", "TEU/yr US-free",
                  "share of TEU", "median break-even USD/TEU"):
        st.add_column(label, justify="left" if label == "scenario" else "right")
    for rec in summary.itertuples(index=False):
        st.add_row(rec.scenario, f"{rec.pairs_us_free} of {rec.pairs}",
                   _num(rec.share_pairs_us_free, ".0%"), _num(rec.teu_per_year_us_free, ",.0f"),
                   _num(rec.share_teu_us_free, ".0%"),
                   _num(rec.median_breakeven_usd_per_teu, "+,.0f"))
    out.print(st)
    out.print("[dim]In-bond transit through the US is normally not dutiable; the duty and "
              "disruption scenarios model policy risk, not current law.[/dim]")


@app.command()
def report(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the report into.")],
    from_: FromMany = None,
    to: ToMany = None,
    scenario: ScenarioOption = "status_quo",
    cargo_value: CargoValue = None,
    strict_waters: Strict = False,
    scheduled_only: Scheduled = False,
) -> None:
    """Write comparison.csv/.parquet, a self-contained report.html and map.png."""
    from routing.report import node_attributes, write_report

    graph, comp = _comparison(from_, to, scenario, cargo_value, strict_waters, scheduled_only)
    progress("report: drawing maps...")
    paths = write_report(comp, out_dir, node_attrs=node_attributes(graph))
    s = comp.summary()
    out.print(f"wrote {', '.join(str(p) for p in paths.values())}")
    out.print(f"{s['pairs_us_free']} of {s['pairs']} pairs favour the US-free route under "
              f"{comp.scenario.name}")


@app.command()
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="Fewer repeats (under a minute).")] = False,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures to this JSON file.")
    ] = None,
) -> None:
    """Benchmarks beside peers (searoute) and floors (networkx, scipy); not a pass/fail test."""
    from routing.bench import run, write_json

    if json_file is not None and not (json_file.parent if str(json_file.parent) else
                                      Path(".")).is_dir():
        raise BypassError(f"{json_file}: folder {json_file.parent} does not exist")
    report = run(quick=quick, progress=progress)
    sys.stdout.write(report.markdown())
    if json_file is not None:
        write_json(report, json_file)


@app.command()
def sweep(
    file: Annotated[str, typer.Argument(help="Sweep file (TOML), or a shipped name such as "
                                              "transpacific_2026.")],
    samples: Annotated[int, typer.Option("--samples", help="Number of sampled futures.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same results "
                                                      "on any number of workers).")] = 0,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for the Parquet samples, tables and charts.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Existing dask.distributed scheduler, e.g. tcp://10.0.0.5:8786 "
                            "(default: a local cluster of processes).")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="Worker processes of the local cluster (default: cores, max 4; "
                          "0: run in this process, no cluster).")]
    = None,
    json_: JsonOption = False,
) -> None:
    """Monte Carlo sweep: re-optimised routes per sampled future, per gateway family."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from routing.sweep import check_scheduler_address, run_sweep
    from routing.sweep_report import pair_table, policy_table, sensitivity_table
    from routing.sweep_spec import read_sweep

    spec = read_sweep(file)
    if samples < 1:
        raise BypassError(f"--samples must be a positive integer, got {samples}")
    if scheduler:
        check_scheduler_address(scheduler)
    graph = _graph()
    bar = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                   console=err, disable=state.quiet, transient=True)
    with bar:
        task = bar.add_task("sweep", total=samples)
        result = run_sweep(graph, spec, samples, seed=seed, out=out_dir, scheduler=scheduler,
                           workers=workers,
                           progress=lambda done, total: bar.update(task, completed=done))
    policies = policy_table(result)
    sens = sensitivity_table(result)
    pairs = pair_table(result)
    if json_:
        def rows(frame):
            return [{k: (None if isinstance(v, float) and v != v else v)
                     for k, v in rec.items()} for rec in frame.to_dict(orient="records")]
        _emit_json({"sweep": spec.name, "samples": samples, "seed": seed,
                    "families": result.model.families,
                    "out": None if out_dir is None else str(out_dir),
                    "policies": rows(policies), "sensitivity": rows(sens),
                    "pairs": rows(pairs)})
        return
    t = Table(title=f"Sweep {spec.name}: {samples} samples, seed {seed}, "
                    f"{result.seconds:.1f} s " + (f"on {result.workers} worker(s)"
                                                  if result.workers else "in this process"),
              title_justify="left", show_edge=False)
    for label in ("policy", "expected\nUSD/TEU", "CVaR95\nUSD/TEU", "regret\nUSD/TEU"):
        t.add_column(label, justify="left" if label == "policy" else "right")
    for r in policies.itertuples(index=False):
        t.add_row(r.policy, _num(r.expected_usd_per_teu, ",.0f"),
                  _num(r.cvar95_usd_per_teu, ",.0f"), _num(r.expected_regret_usd_per_teu, ",.0f"))
    out.print(t)
    st = Table(title="Inputs ranked by swing of (US-free minus via-US), USD/TEU",
               title_justify="left", show_edge=False)
    for label in ("input", "rank corr.", "at low", "at high", "swing"):
        st.add_column(label, justify="left" if label == "input" else "right")
    for r in sens.itertuples(index=False):
        st.add_row(r.input, _num(r.spearman_rho, "+.2f"),
                   _num(r.delta_at_low_usd_per_teu, "+,.0f"),
                   _num(r.delta_at_high_usd_per_teu, "+,.0f"), _num(r.swing_usd_per_teu, ",.0f"))
    out.print(st)
    share = pairs["p_us_free_cheaper"]
    out.print(f"P(US-free cheaper): median over {len(pairs)} pairs {_num(share.median(), '.0%')}"
              f", range {_num(share.min(), '.0%')} - {_num(share.max(), '.0%')}")
    if out_dir is not None:
        out.print(f"wrote {out_dir}/ (samples/corridor=*/part-*.parquet, inputs.parquet, "
                  "routes.parquet, pairs.csv, policies.csv, sensitivity.csv, summary.html, PNGs)")


def write_table(frame, path: Path) -> None:
    """Write a DataFrame as CSV (or Parquet by extension), atomically."""
    from networks.export import write_frame

    write_frame(frame, path)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app, turning errors into one line + exit code."""
    try:
        app(args=argv, prog_name="bypass", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        sys.stderr.write("bypass: aborted\n")
        return 130
    except TyperException as exc:  # usage errors: bad option, missing argument
        if exc.exit_code == 0 or "NoArgsIsHelp" in type(exc).__name__:
            exc.show()  # type: ignore[attr-defined]
            return 0 if exc.exit_code == 0 else 2
        message = " ".join(exc.format_message().split())
        sys.stderr.write(f"bypass: error: {message} (see 'bypass --help')\n")
        return exc.exit_code or 2
    except DatasetErrors as exc:
        more = " (run 'bypass data validate' for all)" if len(exc.problems) > 1 else ""
        sys.stderr.write(f"bypass: error: {exc}{more}\n")
        return exc.exit_code
    except BypassError as exc:
        sys.stderr.write(f"bypass: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("bypass: interrupted\n")
        return 130
    except BrokenPipeError:
        return 141
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
