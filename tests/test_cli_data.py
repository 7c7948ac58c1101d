"""`bypass data ...` and `--data DIR` as a user runs them: exit codes, one-line messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from networks.datasets import load_dataset
from networks.schema import schema_markdown
from networks.settings import DATA_DIR
from routing.cli import main

DATA = Path(__file__).resolve().parent / "data"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_broken_dataset_exits_2_with_one_line_per_problem(capsys):
    folder = DATA / "broken" / "ports_not_a_number"
    code, out, err = run(capsys, "data", "validate", str(folder))
    assert code == 2 and out == ""
    errors = [line for line in err.splitlines() if line.startswith("bypass: error: ")]
    assert errors == [
        f"bypass: error: {folder / 'ports.csv'}:5 field 'lat': not a number "
        "(got 'north', expected a number in degrees)",
        f"bypass: error: {folder}: 1 error(s), 3 warning(s)",
    ]
    # The small port list drops default rows naming other ports: said, not fatal.
    warnings = [line for line in err.splitlines() if line.startswith("bypass: warning: ")]
    # (services.csv names ports by rotation, not by reference: calls at ports the dataset
    # lacks drop out when the graph is built, so validation has one warning fewer.)
    assert len(warnings) == 3 and "port_access.csv (filled from the default)" in warnings[0]


def test_validate_lists_warnings_and_exits_0(capsys, tmp_path):
    hubs = pd.read_csv(DATA_DIR / "hubs.csv", dtype=str, keep_default_na=False)
    extra = {"id": "XLT", "name": "Lonely", "state": "Sonora", "lat": "29.0", "lon": "-111.0",
             "sectors": "", "source": "test"}
    pd.concat([hubs, pd.DataFrame([extra])]).to_csv(tmp_path / "hubs.csv", index=False)
    code, out, err = run(capsys, "data", "validate", str(tmp_path))
    assert code == 0
    assert "bypass: warning: hub XLT: no land link; it cannot reach any port" in err.splitlines()
    assert out.strip() == f"{tmp_path}: valid, 1 warning(s)"


def test_broken_dataset_stops_any_command_with_one_line(capsys):
    folder = DATA / "broken" / "land_links_unknown_node"
    code, out, err = run(capsys, "-q", "--data", str(folder), "route", "--from", "GDL",
                         "--to", "CNSHA")
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert f"{folder / 'land_links.csv'}:3 field 'to': unknown id (got 'XXX'" in err


def test_export_then_validate_and_refuse_to_overwrite(capsys, tmp_path):
    out_dir = tmp_path / "mine"
    code, out, _ = run(capsys, "data", "export", str(out_dir))
    assert code == 0 and "land_links.csv" in out
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        ["SOURCES.md", "borders.csv", "demand.csv", "hubs.csv", "junctions.csv",
         "land_links.csv", "parameters.toml", "port_access.csv", "port_charges.csv",
         "ports.csv", "services.csv"])
    code, _, err = run(capsys, "data", "export", str(out_dir))
    assert code == 1
    assert err == f"bypass: error: {out_dir}: folder is not empty (use --force to overwrite)\n"
    code, _, _ = run(capsys, "data", "export", str(out_dir), "--force", "--land-links", "gpkg")
    assert code == 0
    assert (out_dir / "land_links.gpkg").exists() and not (out_dir / "land_links.csv").exists()
    code, out, err = run(capsys, "data", "validate", str(out_dir))
    assert (code, err) == (0, "")
    code, _, err = run(capsys, "data", "export", str(tmp_path / "x"), "--land-links", "shp")
    assert code == 1 and "expected one of csv, gpkg, geojson, parquet" in err
    assert not (tmp_path / "x").exists()


def test_partial_dataset_says_what_came_from_the_default(capsys, tmp_path):
    shutil.copy(DATA_DIR / "ports.csv", tmp_path / "ports.csv")
    code, out, err = run(capsys, "--data", str(tmp_path), "ports", "--json")
    assert code == 0 and '"MXZLO"' in out
    assert "using the default for port_access.csv, hubs.csv" in " ".join(err.split())


def test_import_ports_from_searoute(capsys, tmp_path):
    target = tmp_path / "ports.csv"
    code, out, err = run(capsys, "data", "import-ports", "--format", "searoute", "--out",
                         str(target), "--countries", "MEX,CAN")
    assert code == 0 and "wrote" in out and "skipped" in err
    ports = load_dataset(tmp_path, check_sea=False).ports
    assert {"MXZLO", "MXTPB", "CAPRR", "CAVAN"} <= set(ports["locode"])
    assert set(ports["country"]) == {"MEX", "CAN"}
    assert ports.loc["MXTPB", "region"] == "mx_pacific"
    assert ports.loc["MXVER", "region"] == "mx_gulf"
    assert "MXAGU" not in ports.index  # inland: > 200 km from the sea network
    assert ports["capacity_teu_per_year"].isna().all()


def test_import_ports_from_a_wpi_csv(capsys, tmp_path):
    target = tmp_path / "ports.csv"
    code, _, _ = run(capsys, "data", "import-ports", "--format", "wpi",
                     str(DATA / "wpi_sample.csv"), "--out", str(target))
    assert code == 0
    ports = pd.read_csv(target)
    assert list(ports["locode"]) == ["MXPCH", "MXTPB", "CAVAN"]
    assert list(ports["region"]) == ["mx_pacific", "mx_pacific", "ca_pacific"]
    assert list(ports["role"]) == ["origin", "origin", "transshipment"]
    assert ports["source"].str.contains("World Port Index CSV wpi_sample.csv").all()
    code, _, err = run(capsys, "data", "import-ports", "--format", "wpi",
                       str(DATA / "broken" / "hubs_empty" / "hubs.csv"), "--out", str(target))
    assert code == 2 and err.count("\n") == 1 and "file is empty" in err


def test_schema_command_prints_the_reference(capsys, tmp_path):
    code, out, _ = run(capsys, "data", "schema")
    assert code == 0 and out == schema_markdown()
    code, _, _ = run(capsys, "data", "schema", "--out", str(tmp_path / "d.md"))
    assert code == 0 and (tmp_path / "d.md").read_text(encoding="utf-8") == schema_markdown()
