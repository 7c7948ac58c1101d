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
from networks.errors import BypassError, DatasetErrors

app = typer.Typer(
    name="bypass",
    help="Freight routes from Mexico to Asia that never transit the United States.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out = Console(highlight=False, soft_wrap=True)
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
    rows = table[cols].sort_values("locode")
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
