"""The ``bypass`` command: parses arguments, calls the core, prints results.

Thin by design: every number comes from the same functions the Python API
exposes. Imports inside the commands are deliberate: ``bypass --help`` or a
warm ``bypass route`` must not pay for pandas, geopandas, OR-Tools or
matplotlib it does not use (start-up time). Errors from the core
(:mod:`networks.errors`) become one line on stderr and a non-zero exit code
(:func:`exit_code`), never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.exceptions import TyperException

from networks import __version__
from networks.errors import (
    BypassError,
    DatasetError,
    DatasetErrors,
    InfeasibleError,
    ScenarioError,
    UnknownPlaceError,
)

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.table import Table

__all__ = [
    "EXIT_CODES",
    "app",
    "exit_code",
    "hoist_global_options",
    "main",
    "write_table",
]

app = typer.Typer(
    name="bypass",
    help="Freight routes from Mexico to Asia that never transit the United States.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

class _LazyConsole:
    """A rich ``Console`` made on first use.

    Why: rich costs about 15 ms to import, a tenth of a warm ``bypass route
    --json``, which prints JSON and never needs it.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def real(self) -> Console:
        """The console itself (for rich objects that want one)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


out = _LazyConsole(highlight=False, width=None if sys.stdout.isatty() else 120)
err = _LazyConsole(stderr=True, highlight=False)


def _table(*args: Any, **kwargs: Any) -> Table:
    """``rich.table.Table``, imported when a table is printed (see ``_LazyConsole``)."""
    from rich.table import Table

    return Table(*args, **kwargs)

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


class _StderrHandler(logging.Handler):
    """Library warnings as ``bypass: warning: ...`` lines on the current stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        text = " ".join(record.getMessage().split())
        sys.stderr.write(f"bypass: {record.levelname.lower()}: {text}\n")


_HANDLER = _StderrHandler()


def _setup_logging(quiet: bool) -> None:
    """Route the library's ``logging`` warnings to stderr (``-q``: errors and cache trouble)."""
    for name in ("networks", "routing"):
        logger = logging.getLogger(name)
        if _HANDLER not in logger.handlers:
            logger.addHandler(_HANDLER)
        # Records still propagate: a host that configured the root logger (or
        # pytest's caplog) sees them too; a plain shell has no root handler.
        logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    # Cache trouble costs every later run half a minute: said even with -q.
    for name in ("networks.atomic", "networks.store"):
        logging.getLogger(name).setLevel(logging.WARNING)


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """Hold back the dataset and build warnings (``data validate`` lists them itself).

    Cache warnings (an unwritable cache folder, a rejected cache file) still show.
    """
    loggers = [logging.getLogger(n) for n in ("networks.datasets", "networks.build",
                                               "networks.plausibility")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


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
    _setup_logging(quiet)


def esc(value: object) -> str:
    """User data (names, ids, paths) as literal text in rich output, never markup.

    Why: a port named ``[/b]Manzanillo`` or a --data path with ``[/dim]`` in it
    would otherwise be read as a closing tag (rich raises MarkupError).
    """
    from rich.markup import escape

    return escape(str(value))


def progress(message: str) -> None:
    """Progress on long work goes to stderr so --json output stays clean."""
    if not state.quiet:
        err.print(f"[dim]{esc(message)}[/dim]")


def _dataset():
    from networks.datasets import load_dataset

    dataset = load_dataset(state.data)
    if dataset.filled_from_default and not state.quiet:
        err.print(
            f"[dim]{esc(state.data)}: using the default for "
            f"{esc(', '.join(dataset.filled_from_default))}"
            "[/dim]",
            soft_wrap=True,
        )
    return dataset  # its warnings were logged while loading (see _setup_logging)


def _emit_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


@app.command()
def ports(json_: JsonOption = False) -> None:
    """List the ports of the dataset, with the terminal charges the model uses."""
    dataset = _dataset()
    table = dataset.ports
    cols = ["locode", "name", "country", "region", "role", "lat", "lon",
            "capacity_teu_per_year", "capacity_basis", "export_dwell_h", "import_dwell_h"]
    rows = table[cols].reset_index(drop=True).sort_values("locode")
    charges = dataset.tables.get("port_charges")
    by_port = {} if charges is None else {
        r.locode: (float(r.export_handling_usd_per_teu), float(r.import_handling_usd_per_teu))
        for r in charges.itertuples(index=False)}
    if json_:
        records = []
        for rec in rows.to_dict(orient="records"):
            rec = {k: (None if v != v else v) for k, v in rec.items()}  # NaN -> null
            export, import_ = by_port.get(rec["locode"], (None, None))
            rec["export_handling_usd_per_teu"] = export
            rec["import_handling_usd_per_teu"] = import_
            records.append(rec)
        _emit_json(records)
        return
    t = _table(title=f"{len(rows)} ports (handling USD/TEU and dwell h: export/import; "
                     "handling from port_charges)", show_lines=False)
    for label, right in [("LOCODE", False), ("name", False), ("country", False),
                         ("region", False), ("role", False), ("capacity TEU/yr", True),
                         ("handling USD/TEU", True), ("dwell h", True)]:
        t.add_column(label, justify="right" if right else "left")
    for r in rows.itertuples():
        cap = "unlimited" if r.capacity_teu_per_year != r.capacity_teu_per_year else (
            f"{r.capacity_teu_per_year:,.0f}")
        handling = by_port.get(r.locode)
        t.add_row(*map(esc, (r.locode, r.name, r.country, r.region, r.role)), cap,
                  "default" if handling is None else f"{handling[0]:,.1f}/{handling[1]:,.1f}",
                  f"{r.export_dwell_h:g}/{r.import_dwell_h:g}")
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
        out.print(f"{esc(names[a])} ({esc(a)}) -> {esc(names[b])} ({esc(b)}): {nm:,.0f} nm "
                  f"({km:,.0f} km) by sea")


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
Hypothetical = Annotated[
    bool, typer.Option("--allow-hypothetical",
                       help="Also use direct sea legs no liner service offers (priced as a "
                            "charter/feeder; flagged in every output).")
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
    from networks.progress import reporting
    from networks.store import load_or_build  # no pandas on a warm start

    # A swapped dataset is loaded once: to say which files come from the default,
    # and (on a cache miss) to build from, instead of being read again by the build.
    dataset = _dataset() if state.data is not None else None

    with reporting(progress):  # first runs report from deep inside the build
        return load_or_build(state.data, _cold_build, progress=progress, dataset=dataset)


def _cold_build(data_dir, progress_, dataset):
    from networks.build import build_folder  # only on a cache miss: the heavy builder

    return build_folder(data_dir, progress_, dataset)


def _place(graph, text: str, kinds: tuple[str, ...], what: str) -> str:
    from networks.places import resolve_place

    return resolve_place(graph, text, kinds=kinds, what=what)[0]


def _route_options(objective, max_days, max_cost, via, avoid, strict, hypothetical,
                   avoid_countries=(), avoid_modes=(), max_transshipments=None):
    """The command line's route options as the API's ``RouteOptions`` (validated there)."""
    from networks.errors import QueryError
    from routing.options import RouteOptions

    try:
        return RouteOptions(
            objective=objective, max_days=max_days, max_cost=max_cost,
            via=tuple(via or ()), avoid=tuple(avoid or ()), strict_waters=strict,
            allow_hypothetical=hypothetical,
            avoid_countries=tuple(avoid_countries or ()),
            avoid_modes=tuple(avoid_modes or ()), max_transshipments=max_transshipments,
        )
    except QueryError as exc:  # say it with the flag the user typed
        text = str(exc)
        for option, flag in _FLAGS.items():
            if text.startswith(option):
                text = flag + text[len(option):]
                break
        raise QueryError(text) from None


#: RouteOptions field -> the command-line flag that sets it (for error messages).
_FLAGS = {"unknown objective": "--objective: unknown objective",
          "avoid_countries": "--avoid-country", "avoid_modes": "--avoid-mode",
          "max_days": "--max-days", "max_cost": "--max-cost",
          "max_transshipments": "--max-transshipments", "via": "--via", "avoid": "--avoid"}


def _legs_table(route, title: str) -> Table:
    t = _table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    # Figures never shrink on a narrow terminal (or in a pipe): ids and notes fold instead.
    t.add_column("leg", no_wrap=True)
    t.add_column("from", overflow="fold")
    t.add_column("to", overflow="fold")
    for label in ("km", "hours", "USD/TEU", "kg CO2/TEU"):
        t.add_column(label, justify="right", no_wrap=True, min_width=len(label))
    t.add_column("note", overflow="fold", ratio=1, min_width=10)
    for leg in route.legs:
        note = []
        if leg.service == "hypothetical":
            note.append("[yellow]hypothetical service[/yellow]")
        elif leg.mode == "sea" and leg.services:
            note.append("service " + esc(", ".join(leg.services)))
        if leg.wait_h:
            note.append(f"wait {leg.wait_h:.0f} h")
        if leg.us_transit:
            note.append("[red]US[/red]")
        elif leg.us_waters_nm.get("territorial", 0) > 0:
            note.append(f"US 12 nm: {leg.us_waters_nm['territorial']:.0f} nm")
        label = leg.kind if leg.mode == "transfer" else leg.mode
        t.add_row(esc(label), esc(leg.from_id), esc(leg.to_id),
                  f"{leg.distance_km:,.0f}", f"{leg.time_h:,.1f}",
                  f"{leg.cost_usd_per_teu:,.0f}", f"{leg.co2_kg_per_teu:,.0f}", " ".join(note))
    tot = route.totals
    t.add_section()
    t.add_row("[b]total[/b]", "", "", f"[b]{tot['distance_km']:,.0f}[/b]",
              f"[b]{tot['time_h']:,.1f}[/b]",
              f"[b]{tot['cost_usd_per_teu']:,.0f}[/b]", f"[b]{tot['co2_kg_per_teu']:,.0f}[/b]",
              "")
    t.caption = (f"in US waters: {tot['us_waters_nm']['territorial']:.0f} nm inside 12 nm, "
                 f"{tot['us_waters_nm']['eez']:.0f} nm inside 200 nm; "
                 f"{tot['transshipments']} transshipment(s); waiting {tot['wait_h']:.0f} h")
    t.caption_justify = "left"
    return t


def _in_bond_note(route) -> str:
    """The words every output uses for a Mexican box crossing US land to a non-US port."""
    return " (through the US in bond)" if route.totals.get("in_bond") else ""


def _side_payload(route) -> dict | None:
    return None if route is None else route.to_dict()


def _warm_route(from_: str, to: str, options):
    """(comparison, the default rule's US-free best if strict, node names) or None.

    From the compact route file (:mod:`routing.warm`); None whenever the full
    engine must answer.
    """
    from routing import warm

    found = warm.compare(state.data, from_, to, options, origin_kinds=("hub", "port"),
                         destination_kinds=("port",))
    if found is None or found.us_free is None:
        return None
    lax = None
    if options.strict_waters:  # what the strict rule rules out (see below)
        plain = warm.compare(state.data, found.origin, found.destination,
                             options.replace(strict_waters=False))
        if plain is None:
            return None
        lax = plain.us_free
    first = found.us_free.legs
    names = {found.origin: first[0].from_name, found.destination: first[-1].to_name}
    return found, lax, names


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
    allow_hypothetical: Hypothetical = False,
    avoid_country: AvoidCountry = None,
    avoid_mode: AvoidMode = None,
    max_transshipments: MaxTransship = None,
    json_: JsonOption = False,
    csv: CsvOption = None,
) -> None:
    """Best US-free route beside the best route through the US, leg by leg."""
    from networks.errors import QueryError

    def parsed_options():
        return _route_options(objective, max_days, max_cost, via, avoid, strict_waters,
                              allow_hypothetical, avoid_country, avoid_mode, max_transshipments)

    extra: dict[str, list] = {}
    best_any = ruled_out = None
    warm = None
    # A plain query answers from the compact route file when it can (numpy,
    # networkx... never imported); anything else, or any doubt, runs the full
    # engine. (Bad options are reported below, after the places, as ever.)
    if k == 1 and not allow_us and csv is None and state.data is None:
        with contextlib.suppress(QueryError):
            warm = _warm_route(from_, to, parsed_options())
    if warm is not None:
        result, lax, names = warm
        origin, dest = result.origin, result.destination
    else:
        from routing.query import SIDE_FILTERS, alternatives, compare_route, solve_route
        from routing.warm import remember

        graph = _graph()
        origin = _place(graph, from_, ("hub", "port"), "origin")
        dest = _place(graph, to, ("port",), "destination")
        options = parsed_options()
        result = compare_route(graph, origin, dest, options)
        remember(graph, state.data)  # the next plain query starts fast (never fails)
        names = {origin: graph.nodes[origin]["name"], dest: graph.nodes[dest]["name"]}
        if k > 1:
            for side, flags in SIDE_FILTERS:
                if result[side] is not None:
                    extra[side] = alternatives(graph, origin, dest, k, options.replace(**flags))
        if allow_us:
            best_any = solve_route(graph, origin, dest, options.replace(allow_us=True))
        lax = None
        if strict_waters:
            # What the strict rule costs: the default rule's US-free best, if it differs;
            # read as the strict side is (and as the warm path reads it), so an exact tie
            # between two routes is never reported as a route the rule ruled out.
            lax = compare_route(graph, origin, dest, options.replace(strict_waters=False)).us_free
    payload: dict = result.to_dict()
    if k > 1:
        payload["alternatives"] = {s: [r.to_dict() for r in v] for s, v in extra.items()}
    if best_any is not None:
        payload["best"] = best_any.to_dict()
    if strict_waters:
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
    out.print(f"[b]{esc(names[origin])} ({esc(origin)}) -> "
              f"{esc(names[dest])} ({esc(dest)})[/b], "
              f"minimising {objective}")
    for side, title in SIDES:
        r = result[side]
        if r is None:
            out.print(f"\n[b]{title}[/b]: none. {esc(result['reasons'].get(side, ''))}")
            continue
        out.print()
        out.print(_legs_table(r, f"{title}: {r.totals['cost_usd_per_teu']:,.0f} USD/TEU, "
                                 f"{r.totals['time_days']:.1f} days via "
                                 f"{esc(' -> '.join(r.totals['ports']))}{_in_bond_note(r)}"))
        for i, alt in enumerate(extra.get(side, [])[1:], start=2):
            tt = alt.totals
            out.print(f"  alternative {i}: {tt['cost_usd_per_teu']:,.0f} USD/TEU, "
                      f"{tt['time_days']:.1f} days via {esc(' -> '.join(tt['ports']))}"
                      f"{_in_bond_note(alt)}")
    if ruled_out is not None:
        tt = ruled_out.totals
        out.print(f"\n--strict-waters rules out the default rule's US-free best: "
                  f"{tt['cost_usd_per_teu']:,.0f} USD/TEU, {tt['time_days']:.1f} days via "
                  f"{esc(' -> '.join(tt['ports']))}, {tt['us_waters_nm']['territorial']:.0f} nm "
                  "inside the US 12 nm zone")
    if best_any is not None:
        tt = best_any.totals
        out.print(f"\nBest route allowed to use the US: {tt['cost_usd_per_teu']:,.0f} USD/TEU, "
                  f"{tt['time_days']:.1f} days via {esc(' -> '.join(tt['ports']))}"
                  f"{' (uses the US)' if tt['us_transit'] else ' (US-free)'}"
                  f"{_in_bond_note(best_any)}")
    a, b = result["us_free"], result["via_us"]
    if a is not None and b is not None:
        dc = a.totals["cost_usd_per_teu"] - b.totals["cost_usd_per_teu"]
        dd = a.totals["time_days"] - b.totals["time_days"]
        out.print(f"\nUS-free vs through the US: {dc:+,.0f} USD/TEU, {dd:+.1f} days")
    if any(leg.service == "hypothetical" for r in (a, b) if r for leg in r.legs):
        out.print("[yellow]hypothetical: a sea leg no liner service offers (charter/feeder "
                  "price; shown because of --allow-hypothetical)[/yellow]")


@app.command()
def frontier(
    from_: Annotated[str, typer.Option("--from", help="Origin hub or port (id or name).")],
    to: Annotated[str, typer.Option("--to", help="Destination port (id or name).")],
    max_days: MaxDays = None,
    max_cost: MaxCost = None,
    via: Via = None,
    avoid: Avoid = None,
    strict_waters: Strict = False,
    allow_hypothetical: Hypothetical = False,
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
    options = _route_options("cost", max_days, max_cost, via, avoid, strict_waters,
                             allow_hypothetical, avoid_country, avoid_mode, max_transshipments)
    fronts, reasons = {}, {}
    for side, flags in SIDE_FILTERS:
        try:
            fronts[side] = pareto(graph, origin, dest, options.replace(**flags))
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
            out.print(f"[b]{title}[/b]: none. {esc(reasons[side])}")
            continue
        t = _table(title=f"{title}: {len(fronts[side])} Pareto-optimal routes",
                   title_justify="left")
        for label in ("USD/TEU", "days", "CO2 kg/TEU", "ports", "borders", "hypothetical"):
            t.add_column(label, justify="right" if label in ("USD/TEU", "days", "CO2 kg/TEU")
                         else "left")
        for p in fronts[side].points:
            tt = p.totals
            borders = [leg.from_id.split(":")[0] for leg in p.legs if leg.kind.startswith("border")]
            t.add_row(f"{tt['cost_usd_per_teu']:,.0f}", f"{tt['time_days']:.1f}",
                      f"{tt['co2_kg_per_teu']:,.0f}", esc(" -> ".join(tt["ports"])),
                      esc(", ".join(borders)) or "-", "yes" if tt["hypothetical_services"] else "")
        out.print(t)


@app.command()
def plan(
    demand: Annotated[Path | None, typer.Option(
        "--demand", help="CSV with origin, destination, teu_per_year (default: shipped table).")
    ] = None,
    max_days: MaxDays = None,
    strict_waters: Strict = False,
    allow_hypothetical: Hypothetical = False,
    frontier_points: Annotated[int, typer.Option(
        "--frontier", min=0, max=50,
        help="Also sweep the system cost-vs-time frontier with this many points (0: off).")
    ] = 0,
    by_corridor: Annotated[bool, typer.Option(
        "--by-corridor", help="Yearly volume per gateway corridor, with and without US "
        "transit, at demand x1 and each --stress multiplier.")] = False,
    stress: Annotated[list[float] | None, typer.Option(
        "--stress", help="Demand multiplier for --by-corridor (repeatable; default 1.5 and 2).")
    ] = None,
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
                            strict_waters=strict_waters, allow_hypothetical=allow_hypothetical),
        "us_allowed": allocate(graph, table, allow_us=True, max_days=max_days,
                               strict_waters=strict_waters,
                               allow_hypothetical=allow_hypothetical),
    }
    sweeps = {}
    if frontier_points:
        progress(f"plan: epsilon-constraint sweep, {frontier_points} points per side...")
        for name, allow in (("us_free", False), ("us_allowed", True)):
            sweeps[name] = plan_frontier(graph, table, frontier_points, allow_us=allow,
                                         max_days=max_days, strict_waters=strict_waters,
                                         allow_hypothetical=allow_hypothetical)
    stress_frame = None
    if by_corridor:
        from routing.plan import corridor_stress

        factors = [1.0, *[f for f in (stress if stress is not None else [1.5, 2.0]) if f != 1.0]]
        progress(f"plan: volume per corridor at demand x{', x'.join(f'{f:g}' for f in factors)}")
        stress_frame = corridor_stress(graph, table, factors, max_days=max_days,
                                       strict_waters=strict_waters)
    elif stress:
        raise BypassError("--stress needs --by-corridor")
    if csv is not None:
        import pandas as pd

        write_table(stress_frame if stress_frame is not None else
                    pd.concat([p.to_frame().assign(scenario=s) for s, p in plans.items()],
                              ignore_index=True), csv)
    if json_:
        payload: dict[str, Any] = {s: p.to_dict() for s, p in plans.items()}
        if sweeps:
            payload["frontier"] = {s: f.to_dict()["points"] for s, f in sweeps.items()}
        if stress_frame is not None:
            payload["by_corridor"] = [
                {k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()}
                for rec in stress_frame.to_dict(orient="records")]
        _emit_json(payload)
        return
    if stress_frame is not None:
        _print_corridor_stress(stress_frame)
    for name, title in (("us_free", "Without US transit"), ("us_allowed", "US transit allowed")):
        p = plans[name]
        served = sum(p.demand.values()) - sum(p.unserved.values())
        out.print(f"\n[b]{title}[/b]: transport {p.transport_cost_usd / 1e6:,.1f} M USD/yr "
                  f"for {served:,.0f} TEU/yr ({p.transport_cost_usd / max(served, 1):,.0f} "
                  f"USD/TEU); unserved {sum(p.unserved.values()):,.0f} TEU/yr")
        t = _table(title="ports and lanes", title_justify="left", show_edge=False)
        t.add_column("port / lane")
        for label in ("TEU/yr used", "of capacity", "shadow price USD per TEU/yr"):
            t.add_column(label, justify="right")
        t.add_column("binding")
        for cap in sorted(p.capacities, key=lambda c: -c.used_teu_per_year):
            if cap.used_teu_per_year <= 0:
                continue
            t.add_row(esc(cap.id), f"{cap.used_teu_per_year:,.0f}",
                      f"{cap.used_teu_per_year / cap.capacity_teu_per_year:.0%}",
                      f"{cap.shadow_price_usd_per_teu:,.2f}",
                      "[b]yes[/b]" if cap.binding else "")
        out.print(t)
        if name in sweeps:
            f = _table(title="system cost vs time (epsilon-constraint sweep)",
                       title_justify="left", show_edge=False)
            for label in ("point", "total cost M USD/yr", "TEU-days/yr (M)", "unserved TEU/yr"):
                f.add_column(label, justify="right")
            for row in sweeps[name].to_frame().to_dict(orient="records"):
                f.add_row(str(row["point"]), f"{row['total_cost_usd'] / 1e6:,.1f}",
                          f"{row['teu_hours'] / 24 / 1e6:,.2f}",
                          f"{row['unserved_teu_per_year']:,.0f}")
            out.print(f)


def _print_corridor_stress(frame) -> None:
    """Volume per gateway corridor, one column per (demand multiplier, side)."""
    t = _table(title="Yearly TEU per gateway corridor (x = demand multiplier)",
               title_justify="left", show_edge=False)
    t.add_column("gateway")
    keys = list(dict.fromkeys(zip(frame["demand_factor"], frame["side"], strict=True)))
    for f, side in keys:
        t.add_column(f"x{f:g}\n{'no US' if side == 'us_free' else 'US allowed'}",
                     justify="right")
    for gw in dict.fromkeys(frame["gateway"]):
        cells = []
        for f, side in keys:
            sel = frame[(frame["demand_factor"] == f) & (frame["side"] == side)
                        & (frame["gateway"] == gw)]
            cells.append(_num(float(sel["teu_per_year"].iloc[0]), ",.0f") if len(sel) else "-")
        t.add_row(gw, *cells)
    out.print()
    out.print(t)
    out.print("[dim]other: boards outside the five gateway regions, or reaches a Mexican "
              "port through the US[/dim]")
    for f, side in keys:
        sel = frame[(frame["demand_factor"] == f) & (frame["side"] == side)]
        binding = sel["binding"].iloc[0] if len(sel) else ""
        hyp = float(sel["hypothetical_teu_per_year"].sum())
        out.print(f"x{f:g} {'without US transit' if side == 'us_free' else 'US allowed'}: "
                  f"binding {binding or 'none'}; on hypothetical sea legs {hyp:,.0f} TEU/yr")


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
        out.print(f"wrote {esc(gpkg)} (layers nodes, edges; EPSG:4326)")
    if csv is not None:
        write_table(edge_table(graph), csv)
        out.print(f"wrote {esc(csv)} ({graph.number_of_edges()} edges)")


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
    out.print(f"wrote {esc(out_file)}")


@data_app.command("validate")
def data_validate(
    folder: Annotated[Path | None, typer.Argument(help="Dataset folder (default: --data).")]
    = None,
) -> None:
    """Check a dataset: every problem on its own line (exit 2), then warnings (exit 0)."""
    from networks.build import check_dataset

    folder = folder if folder is not None else state.data
    label = str(folder) if folder is not None else "default dataset"
    with _silenced():  # listed below, each once
        problems, warnings = check_dataset(folder)
    for p in problems:
        sys.stderr.write(f"bypass: error: {p}\n")
    for w in warnings:
        sys.stderr.write(f"bypass: warning: {' '.join(w.split())}\n")
    if problems:
        raise _InvalidDataset(f"{label}: {len(problems)} error(s), {len(warnings)} warning(s)")
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
    out.print(f"wrote {esc(folder)}: {esc(', '.join(written))}")


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
    out.print(f"wrote {esc(out_file)}: {len(frame)} ports (rules for missing fields: "
              "docs/datasets.md, networks/adapters.py)")


# --------------------------------------------------------------------------- compare and report

FromMany = Annotated[list[str] | None, typer.Option(
    "--from", help="Origin hub or port, repeatable (default: every hub).")]
ToMany = Annotated[list[str] | None, typer.Option(
    "--to", help="Destination port, repeatable (default: every Asian port).")]
ScenarioOption = Annotated[str, typer.Option(
    "--scenario", help="Tariff scenario: a shipped name (status_quo, duty_25pct, duty_35pct, "
    "border_closure_risk; the corridor scenarios, which change routes, are for "
    "'bypass corridors') or a .toml file.")]
CargoValue = Annotated[float | None, typer.Option(
    "--cargo-value", min=0, max=1e8, help="Cargo value USD/TEU for every pair (default: the demand "
    "table's cargo_value_usd_per_teu, else 40,000).")]


def _comparison(from_, to, scenario, cargo_value, strict_waters, allow_hypothetical):
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
                          allow_hypothetical=allow_hypothetical)


def _num(value: object, spec: str) -> str:
    return "-" if value != value else format(value, spec)


@app.command()
def compare(
    from_: FromMany = None,
    to: ToMany = None,
    scenario: ScenarioOption = "status_quo",
    cargo_value: CargoValue = None,
    strict_waters: Strict = False,
    allow_hypothetical: Hypothetical = False,
    json_: JsonOption = False,
    csv: CsvOption = None,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Also write Parquet here.")]
    = None,
) -> None:
    """Every hub x Asian port: US-free vs through the US, with the tariff break-even."""
    from routing.compare import scenario_summary
    from routing.scenarios import builtin_scenarios

    _, comp = _comparison(from_, to, scenario, cargo_value, strict_waters,
                              allow_hypothetical)
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
    t = _table(title=f"US-free vs through the US, scenario {esc(sc.name)} (as of {sc.as_of}); "
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
        t.add_row(esc(r.origin), esc(r.destination),
                  _num(r.us_free_total_usd_per_teu, ",.0f") + hyp_free,
                  _num(r.us_free_days, ".1f"),
                  _num(r.via_us_total_usd_per_teu, ",.0f") + hyp_us, _num(r.via_us_days, ".1f"),
                  _num(r.diff_cost_usd_per_teu, "+,.0f"), _num(r.diff_cost_usd_per_teu_pct, "+.0f"),
                  _num(r.diff_days, "+.1f"), _num(r.breakeven_usd_per_teu, "+,.0f"),
                  _num(r.breakeven_pct_of_cargo_value, "+.1f"), fav)
    out.print(t)
    if f["us_free_hypothetical"].any() or f["via_us_hypothetical"].any():
        out.print("[yellow]* uses a sea leg no liner service offers "
                  "(--allow-hypothetical)[/yellow]")
    s = comp.summary()
    out.print(f"\n[b]{s['pairs_us_free']} of {s['pairs']} pairs "
              f"({_num(s['share_pairs_us_free'], '.0%')}) and "
              f"{_num(s['share_teu_us_free'], '.0%')} of demand volume favour the US-free "
              f"route[/b] under {esc(sc.name)}. Break-even: the extra US-transit charge at which "
              "both cost the same (<= 0: US-free already cheaper).")
    st = _table(title="All scenarios (same routes)", title_justify="left", show_edge=False)
    for label in ("scenario", "pairs US-free", "share of pairs", "TEU/yr US-free",
                  "share of TEU", "median break-even USD/TEU"):
        st.add_column(label, justify="left" if label == "scenario" else "right")
    for rec in summary.itertuples(index=False):
        st.add_row(esc(rec.scenario), f"{rec.pairs_us_free} of {rec.pairs}",
                   _num(rec.share_pairs_us_free, ".0%"), _num(rec.teu_per_year_us_free, ",.0f"),
                   _num(rec.share_teu_us_free, ".0%"),
                   _num(rec.median_breakeven_usd_per_teu, "+,.0f"))
    out.print(st)
    out.print("[dim]In-bond transit through the US is normally not dutiable; the duty and "
              "disruption scenarios model policy risk, not current law.[/dim]")
    if sc.forbid_us_transit or sc.port_extra_dwell_h:
        out.print(f"[yellow]{esc(sc.name)} closes US transit or adds port dwell; the two-sided "
                  "comparison ignores both (see 'bypass corridors').[/yellow]")


AllowHyp = Annotated[bool, typer.Option(
    "--allow-hypothetical", help="Also use sea legs with no scheduled service (priced as a "
    "charter, flagged).")]
CorridorScenario = Annotated[str, typer.Option(
    "--scenario", help="Scenario: a shipped name (status_quo, duty_25pct, duty_35pct, "
    "border_closure_risk, inbond_suspended, mx_pacific_congestion, cusma_review, "
    "red_sea_diversion) or a .toml file.")]


@app.command()
def corridors(
    from_: Annotated[str, typer.Option("--from", help="Origin hub or port (id or name).")],
    to: Annotated[str, typer.Option("--to", help="Asian destination port (id or name).")],
    objective: ObjectiveOption = "cost",
    scenario: CorridorScenario = "status_quo",
    cargo_value: CargoValue = None,
    allow_hypothetical: AllowHyp = False,
    strict_waters: Strict = False,
    avoid: Avoid = None,
    avoid_country: AvoidCountry = None,
    avoid_mode: AvoidMode = None,
    json_: JsonOption = False,
    csv: CsvOption = None,
) -> None:
    """Best route through each gateway (Mexican, Canadian by sea or in bond, US) and what
    it would take for each to win, under every scenario."""
    import pandas as pd

    from routing.corridors import CORRIDOR_SCENARIOS
    from routing.corridors import corridors as solve_corridors
    from routing.scenarios import load_scenario

    sc = load_scenario(scenario)
    graph = _graph()
    origin = _place(graph, from_, ("hub", "port"), "origin")
    dest = _place(graph, to, ("port",), "destination")
    if cargo_value is None:  # the demand table's value for the pair, as compare uses
        from routing.compare import demand_by_pair

        cargo_value = demand_by_pair(_dataset().tables.get("demand"))[1].get((origin, dest))
    opts: dict[str, Any] = dict(
        objective=objective, allow_hypothetical=allow_hypothetical,
        strict_waters=strict_waters, avoid=tuple(avoid or ()),
        avoid_countries=tuple(avoid_country or ()), avoid_modes=tuple(avoid_mode or ()),
        cargo_value_usd_per_teu=cargo_value)
    result = solve_corridors(graph, origin, dest, scenario=sc, **opts)
    names = [n for n in CORRIDOR_SCENARIOS if n != sc.name]
    others = [solve_corridors(graph, origin, dest, scenario=n, **opts) for n in names]
    if csv is not None:
        write_table(pd.concat([result.to_frame()] + [o.to_frame() for o in others],
                              ignore_index=True), csv)
    if json_:
        payload = result.to_dict()
        payload["scenarios"] = [
            {"scenario": o.scenario.name, "best": None if o.best is None else o.best.gateway,
             "switch": o.to_dict()["switch"]} for o in (result, *others)]
        _emit_json(payload)
        return
    nd = graph.nodes
    out.print(f"[b]{esc(nd[origin]['name'])} ({esc(origin)}) -> {esc(nd[dest]['name'])} "
              f"({esc(dest)})[/b]: best "
              f"route through each gateway, minimising {objective}, scenario {esc(sc.name)}, "
              f"cargo value {result.cargo_value_usd_per_teu:,.0f} USD/TEU")
    t = _table(show_edge=False, title_justify="left",
               title="switch = extra charge per TEU on the winner at which the gateway ties")
    for label in ("gateway", "port", "USD/TEU", "days", "route ports", "US transit",
                  "switch\nUSD/TEU", "switch\n% value", "note"):
        t.add_column(label, justify="right" if label in ("USD/TEU", "days") or
                     label.startswith("switch") else "left",
                     no_wrap=label not in ("note", "route ports"),
                     overflow="fold" if label in ("note", "route ports") else "ellipsis")
    rows = {r["gateway"]: r for r in result.thresholds()}
    reasons: list[str] = []  # why a gateway has no route: below the table, not squeezed in
    for c in result.corridors:
        if c.route is None:
            reasons.append(f"[{len(reasons) + 1}] {c.gateway}: {esc(c.reason)}")
            t.add_row(c.gateway, "-", "-", "-", "-", "-", "-", "-",
                      f"[dim]no route [{len(reasons)}][/dim]")
            continue
        tot = c.route.totals
        us = "[red]in bond[/red]" if c.in_bond else ("[red]yes[/red]" if c.us_transit else "no")
        note = " ".join(n for n in (
            "through the US in bond" if c.in_bond else "",
            "[yellow]hypothetical leg[/yellow]" if tot["hypothetical_services"] else "") if n)
        win = result.best is c
        r = None if win else rows[c.gateway]  # every routed non-winner has a threshold
        t.add_row(f"[b]{c.gateway}[/b]" if win else c.gateway, c.gateway_port or "-",
                  f"{c.total_usd_per_teu:,.0f}", f"{c.days:.1f}", esc(" > ".join(tot["ports"])), us,
                  "[green]best[/green]" if r is None else _num(r["switch_usd_per_teu"], ",.0f"),
                  "" if r is None else _num(r["switch_pct_of_cargo_value"], ".1f"), note)
    out.print(t)
    for line in reasons:
        out.print(f"[dim]{line}[/dim]")
    st = _table(show_edge=False, title_justify="left",
                title="Every scenario: winner, and switch USD/TEU per gateway (- = none)")
    st.add_column("scenario")
    st.add_column("best")
    for c in result.corridors:
        st.add_column(c.gateway, justify="right")
    for o in (result, *others):
        th = {r["gateway"]: r["switch_usd_per_teu"] for r in o.thresholds()}
        st.add_row(esc(o.scenario.name), "-" if o.best is None else o.best.gateway,
                   *[("best" if o.best is not None and c.gateway == o.best.gateway
                      else _num(th.get(c.gateway, float("nan")), ",.0f"))
                     for c in o.corridors])
    out.print()
    out.print(st)
    out.print("[dim]In bond = a Mexican box crossing the US by land to a non-US port; it is "
              "US transit. Scenario charges apply to US-transit corridors (and port dwell to "
              "routes through a congested port); they model policy risk, not current law."
              "[/dim]")


@app.command()
def report(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the report into.")],
    from_: FromMany = None,
    to: ToMany = None,
    scenario: ScenarioOption = "status_quo",
    cargo_value: CargoValue = None,
    strict_waters: Strict = False,
    allow_hypothetical: Hypothetical = False,
    with_corridors: Annotated[bool, typer.Option(
        "--corridors/--no-corridors", help="Include the gateway corridor section.")] = True,
) -> None:
    """Write comparison.csv/.parquet, a self-contained report.html and map.png."""
    from routing.report import node_attributes, write_report

    graph, comp = _comparison(from_, to, scenario, cargo_value, strict_waters,
                              allow_hypothetical)
    sections: list[tuple[str, str]] = []
    if with_corridors:
        from routing.corridors import CORRIDOR_SCENARIOS
        from routing.report_corridors import corridor_results, corridor_section

        progress("report: gateway corridors per pair and scenario...")
        scs = [comp.scenario, *[n for n in CORRIDOR_SCENARIOS if n != comp.scenario.name]]
        found = corridor_results(graph, comp.pairs, scs, comp.cargo_value,
                                 allow_hypothetical=allow_hypothetical,
                                 strict_waters=strict_waters)
        sections.append(corridor_section(found, node_attributes(graph), comp.names))
    progress("report: drawing maps...")
    paths = write_report(comp, out_dir, node_attrs=node_attributes(graph), sections=sections)
    s = comp.summary()
    out.print(f"wrote {esc(', '.join(str(p) for p in paths.values()))}")
    out.print(f"{s['pairs_us_free']} of {s['pairs']} pairs favour the US-free route under "
              f"{esc(comp.scenario.name)}")


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

    from routing.sweep import check_scheduler_address
    from routing.sweep_report import pair_table, policy_table, run_and_report, sensitivity_table
    from routing.sweep_spec import read_sweep

    spec = read_sweep(file)
    if samples < 1:
        raise BypassError(f"--samples must be a positive integer, got {samples}")
    if scheduler:
        check_scheduler_address(scheduler)
    graph = _graph()
    bar = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                   console=err.real(), disable=state.quiet, transient=True)
    with bar:
        task = bar.add_task("sweep", total=samples)
        result = run_and_report(graph, spec, samples, seed=seed, out=out_dir,
                                scheduler=scheduler, workers=workers,
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
    t = _table(title=f"Sweep {spec.name}: {samples} samples, seed {seed}, "
                     f"{result.seconds:.1f} s " + (f"on {result.workers} worker(s)"
                                                   if result.workers else "in this process"),
               title_justify="left", show_edge=False)
    for label in ("policy", "expected\nUSD/TEU", "CVaR95\nUSD/TEU", "regret\nUSD/TEU"):
        t.add_column(label, justify="left" if label == "policy" else "right")
    for r in policies.itertuples(index=False):
        t.add_row(esc(r.policy), _num(r.expected_usd_per_teu, ",.0f"),
                  _num(r.cvar95_usd_per_teu, ",.0f"), _num(r.expected_regret_usd_per_teu, ",.0f"))
    out.print(t)
    st = _table(title="Inputs ranked by swing of (US-free minus via-US), USD/TEU",
                title_justify="left", show_edge=False)
    for label in ("input", "rank corr.", "at low", "at high", "swing"):
        st.add_column(label, justify="left" if label == "input" else "right")
    for r in sens.itertuples(index=False):
        st.add_row(esc(r.input), _num(r.spearman_rho, "+.2f"),
                   _num(r.delta_at_low_usd_per_teu, "+,.0f"),
                   _num(r.delta_at_high_usd_per_teu, "+,.0f"), _num(r.swing_usd_per_teu, ",.0f"))
    out.print(st)
    share = pairs["p_us_free_cheaper"]
    out.print(f"P(US-free cheaper): median over {len(pairs)} pairs {_num(share.median(), '.0%')}"
              f", range {_num(share.min(), '.0%')} - {_num(share.max(), '.0%')}")
    if out_dir is not None:
        out.print(f"wrote {out_dir}/ (samples/corridor=*/part-*.parquet, inputs.parquet, "
                  "routes.parquet, pairs.csv, policies.csv, sensitivity.csv, summary.html, PNGs)")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind (default loopback only).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    cors_origin: Annotated[list[str] | None, typer.Option(
        "--cors-origin", help="Allow this web origin to call the API (repeatable; none by "
        "default).")] = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.1, max=600, help="Seconds one query may run before a 503.")] = 10.0,
) -> None:
    """The route planner's web page and JSON API (graph loaded once, read-only)."""
    try:
        from routing.web.server import serve as run_server
    except ImportError as exc:
        raise BypassError(f"bypass serve needs the web dependencies ({exc.name} is missing): "
                          "pip install fastapi uvicorn") from exc

    if state.data is not None:
        _dataset()
    progress("serve: loading the routing graph...")
    run_server(host, port, state.data, cors_origins=cors_origin or (), timeout_s=timeout,
               say=lambda m: err.print(m, highlight=False, markup=False))


def write_table(frame, path: Path) -> None:
    """Write a DataFrame as CSV (or Parquet by extension), atomically."""
    from networks.export import write_frame

    write_frame(frame, path)


class _InvalidDataset(BypassError, ValueError):
    """``data validate`` found problems (each already printed on its own line)."""


#: Exit codes by error class, most specific first (the README documents them).
#: Library errors carry none: mapping them to a process status is the CLI's job.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (DatasetError, 2),
    (DatasetErrors, 2),
    (ScenarioError, 2),
    (_InvalidDataset, 2),
    (UnknownPlaceError, 3),
    (InfeasibleError, 4),
    (BypassError, 1),
)


def exit_code(exc: BaseException) -> int:
    """The process exit status for an error (1 for any other ``BypassError``)."""
    return next((code for cls, code in EXIT_CODES if isinstance(exc, cls)), 1)


#: Options of the ``bypass`` callback that may also be written after the command.
_GLOBAL_WITH_VALUE = ("--data",)
_GLOBAL_FLAGS = ("--quiet",)


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move ``--data DIR`` (and ``--quiet``) written after a command in front of it.

    Why: the README says every command takes ``--data``, and people write
    ``bypass route --data DIR ...``; click only accepts the callback's options
    before the command name. Everything after a ``--`` is left alone.
    """
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in _GLOBAL_WITH_VALUE and i + 1 < len(argv):
            front += [arg, argv[i + 1]]
            i += 2
            continue
        if any(arg.startswith(f"{opt}=") for opt in _GLOBAL_WITH_VALUE) or arg in _GLOBAL_FLAGS:
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app, turning errors into one line + exit code."""
    argv = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    try:
        rc = app(args=argv, prog_name="bypass", standalone_mode=False)
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
        return exit_code(exc)
    except BypassError as exc:
        sys.stderr.write(f"bypass: error: {exc}\n")
        return exit_code(exc)
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        return 141
    if rc == INTERRUPTED:  # typer turns Ctrl-C into exit code 130 and returns it
        return _interrupted()
    return rc if isinstance(rc, int) and not isinstance(rc, bool) else 0


#: Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130


def _interrupted() -> int:
    """An interrupted run: say so, exit 130. Outputs are atomic, so none is half-written."""
    sys.stderr.write("bypass: interrupted (no output was left half-written)\n")
    return INTERRUPTED


def run() -> None:
    """``bypass`` / ``python -m routing.cli``: main() with Ctrl-C during start-up handled too."""
    try:
        code = main()
    except KeyboardInterrupt:
        code = _interrupted()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
