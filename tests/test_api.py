"""The Python API does what the CLI does: one place resolver, RouteOptions, result objects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from networks.build import load_graph
from networks.errors import BypassError, InfeasibleError, QueryError, UnknownPlaceError
from networks.places import resolve_place
from routing import RouteComparison, RouteOptions, alternatives, compare_route, solve_route
from routing.cli import exit_code, main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph():
    return load_graph()


@pytest.mark.parametrize("first", [
    "from routing.plan import plan; from routing.frontier import frontier",
    "import routing.plan, routing.frontier",
    "from routing import solve_route",
    "pass",
])
def test_public_functions_are_callables_in_any_import_order(first):
    code = (f"{first}\nfrom routing import plan, frontier, solve_route\n"
            "import routing, types\n"
            "from routing.plan import plan as p2\n"
            "print(all(isinstance(f, types.FunctionType) for f in "
            "(plan, frontier, solve_route, routing.plan, routing.frontier)), p2 is plan)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True, timeout=60).stdout.split()
    assert out == ["True", "True"]


def test_public_modules_declare_all():
    import importlib

    names = [".".join(p.relative_to(ROOT).with_suffix("").parts)
             for pkg in ("networks", "routing") for p in sorted((ROOT / pkg).glob("*.py"))]
    assert len(names) > 25
    for name in names:
        name = name.removesuffix(".__init__")
        module = importlib.import_module(name)
        assert module.__all__, name
        for item in module.__all__:
            assert getattr(module, item) is not None, (name, item)


def test_names_work_like_ids(graph):
    by_name = solve_route(graph, "monterrey", "shanghai")
    by_id = solve_route(graph, "MTY", "CNSHA")
    assert (by_name.origin, by_name.destination) == ("MTY", "CNSHA")
    assert by_name.legs == by_id.legs
    via = solve_route(graph, "MTY", "CNSHA", via=["lázaro cárdenas"])
    assert "MXLZC" in via.ports


def test_border_crossing_id_avoided_from_python(graph):
    first = compare_route(graph, "monterrey", "shanghai").via_us
    borders = {graph.nodes[n]["border"] for n in first.nodes
               if graph.nodes[n]["kind"] == "border"}
    assert len(borders) == 1
    crossing = borders.pop()
    assert sorted(resolve_place(graph, crossing)) == sorted(
        n for n in graph if graph.nodes[n].get("border") == crossing)
    second = compare_route(graph, "monterrey", "shanghai", avoid=[crossing]).via_us
    assert not any(graph.nodes[n].get("border") == crossing for n in second.nodes)
    assert second.cost_usd_per_teu >= first.cost_usd_per_teu
    laredo = compare_route(graph, "MTY", "CNSHA", avoid=["NLD-LRD"]).via_us
    assert not any(n.startswith("NLD-LRD:") for n in laredo.nodes)


def test_unknown_place_is_a_lookup_error_with_suggestions(graph):
    with pytest.raises(LookupError) as caught:
        solve_route(graph, "monterey", "CNSHA")
    err = caught.value
    assert isinstance(err, UnknownPlaceError)
    assert "Monterrey (MTY)" in err.suggestions
    assert str(err).startswith("unknown origin 'monterey'")


def test_route_options_validate_once():
    opts = RouteOptions(avoid_countries=["can"], avoid_modes=("Rail",), via="MXLZC",
                        max_days="25")
    assert opts.avoid_countries == ("CAN",) and opts.avoid_modes == ("rail",)
    assert opts.via == ("MXLZC",) and opts.max_days == 25.0
    assert hash(opts) == hash(RouteOptions.of(opts))
    for bad in ({"objective": "speed"}, {"max_days": -1}, {"max_days": float("nan")},
                {"avoid_countries": ["ZZ"]}, {"avoid_modes": ["air"]},
                {"max_transshipments": 1.5}, {"objective": {"cost": 0}}):
        with pytest.raises(QueryError):
            RouteOptions(**bad)
    with pytest.raises(TypeError, match="max_dayz"):
        RouteOptions.of(max_dayz=3)
    with pytest.raises(ValueError):
        RouteOptions(max_cost="cheap")


def test_options_object_and_keywords_agree(graph):
    opts = RouteOptions(objective="time", max_transshipments=0)
    a = solve_route(graph, "GDL", "JPYOK", opts)
    b = solve_route(graph, "GDL", "JPYOK", objective="time", max_transshipments=0)
    assert a.legs == b.legs and a.constraints == b.constraints
    assert a.constraints["objective"] == "time"
    c = solve_route(graph, "GDL", "JPYOK", opts, objective="cost")
    assert c.constraints["objective"] == "cost"
    alts = alternatives(graph, "GDL", "JPYOK", 2, opts)
    assert alts[0].legs == a.legs


def test_compare_route_returns_a_result_object(graph):
    result = compare_route(graph, "GDL", "JPYOK", max_transshipments=1)
    assert isinstance(result, RouteComparison)
    assert result["us_free"] is result.us_free and result["via_us"] is result.via_us
    assert not result.us_free.us_transit and result.via_us.us_transit
    assert result.options.max_transshipments == 1
    data = result.to_dict()
    assert set(data) == {"from", "to", "us_free", "via_us", "reasons"}
    assert json.loads(json.dumps(data))["us_free"]["totals"]["ports"] == result.us_free.ports
    missing = compare_route(graph, "MTY", "CNSHA", max_days=3)
    assert missing.us_free is None and "days" in missing.reasons["us_free"]


def test_cli_and_api_agree(graph, capsys):
    assert main(["-q", "route", "--from", "lazaro cardenas", "--to", "busan", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    api = compare_route(graph, "lazaro cardenas", "busan").to_dict()
    assert cli == api


def test_exit_codes_live_in_the_cli():
    assert exit_code(UnknownPlaceError("x")) == 3
    assert exit_code(InfeasibleError("x")) == 4
    assert exit_code(QueryError("x")) == 1
    assert exit_code(BypassError("x")) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--objective", "speed"], "bypass: error: --objective: unknown objective 'speed'"),
    (["--avoid-country", "ZZ"], "bypass: error: --avoid-country takes ISO 3166 alpha-3"),
    (["--max-days", "-1"], "bypass: error: --max-days must be a finite non-negative number"),
    (["--avoid-mode", "air"], "bypass: error: --avoid-mode takes rail, road or sea"),
])
def test_cli_option_errors_name_the_flag(capsys, args, message):
    assert main(["-q", "route", "--from", "MTY", "--to", "CNSHA", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
