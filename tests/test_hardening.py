"""Hardening: interrupts, reports as one unit, spreadsheet formulas, CLI markup.

Why: a careless or hostile user must get a clear one-line error or a correct
result, never a traceback, a success code for a run that did not finish, a
report mixing two runs, or a cell that runs as a formula in a spreadsheet.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from networks.build import load_graph
from networks.errors import BypassError
from networks.export import neutralise_cell, neutralise_formulas, write_frame
from routing import report as report_module
from routing.cli import main
from routing.compare import compare
from routing.report import node_attributes, write_report

ROOT = Path(__file__).resolve().parents[1]
FILES = ["comparison.csv", "comparison.parquet", "map.png", "report.html"]


@pytest.fixture(scope="module")
def graph():
    return load_graph()


@pytest.fixture(scope="module")
def comparison(graph):
    return compare(graph, ["MTY"], ["CNSHA"], "status_quo")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# --------------------------------------------------------------------------- Ctrl-C


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _interrupt_report(out: Path, after: str, delay: float) -> tuple[int, str]:
    """Run ``bypass report`` and send SIGINT ``delay`` s after stderr shows ``after``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "routing.cli", "report", "--out", str(out),
         "--from", "MTY", "--from", "GDL", "--to", "CNSHA", "--scenario", "duty_25pct"],
        cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    deadline = time.monotonic() + 15
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if after in line:
            break
    else:
        proc.kill()
        pytest.fail(f"never saw {after!r}: {seen}")
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    try:
        _, rest = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("interrupted run did not stop within 15 s")
    return proc.returncode, "".join(seen) + rest


@pytest.fixture(scope="module")
def earlier(comparison, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("earlier") / "R"
    write_report(comparison, out)
    return out


@pytest.mark.parametrize(("after", "delay"), [
    ("compare: solving", 0.0),   # while solving
    ("report: drawing", 0.0),    # as the files start
    ("report: drawing", 0.4),    # while drawing and writing
])
def test_ctrl_c_exits_130_and_leaves_the_old_report(earlier, tmp_path, after, delay):
    out = tmp_path / "R"
    shutil.copytree(earlier, out)  # an earlier, complete report (status_quo)
    before = _digests(out)
    rc, err = _interrupt_report(out, after, delay)
    if rc == 0:  # the run finished before the signal came: then it must be whole
        pytest.skip("run finished before SIGINT")  # pragma: no cover - timing
    assert rc == 130, err
    assert "bypass: interrupted" in err and "Traceback" not in err, err
    assert _digests(out) == before  # the old set, untouched: no new CSV beside an old map
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R"]  # no staging folder left


def test_ctrl_c_without_an_earlier_report_leaves_no_folder(tmp_path):
    rc, err = _interrupt_report(tmp_path / "R", "report: drawing", 0.0)
    assert rc == 130, err
    assert list(tmp_path.iterdir()) == []


def test_typer_interrupt_code_is_not_success(monkeypatch, capsys):
    """typer returns 130 for KeyboardInterrupt in non-standalone mode; main() must pass it on."""
    from routing import cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_dataset", interrupted)
    assert main(["ports"]) == 130
    assert "bypass: interrupted" in capsys.readouterr().err


# --------------------------------------------------------------------------- report as one unit


def test_report_failing_mid_write_keeps_the_old_set(comparison, graph, tmp_path, monkeypatch):
    out = tmp_path / "r"
    write_report(comparison, out, node_attrs=node_attributes(graph))
    before = _digests(out)
    assert sorted(before) == FILES
    written: list[str] = []
    real = report_module.write_text_atomic

    def spy(path, text):
        real(path, text)
        written.append(Path(path).name)

    def boom(*args, **kwargs):
        assert written == ["report.html"]  # the CSV, Parquet and HTML are written by now
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_module, "write_text_atomic", spy)
    monkeypatch.setattr(report_module, "static_map_figure", boom)
    with pytest.raises(OSError):
        write_report(comparison.under("duty_25pct"), out, node_attrs=node_attributes(graph))
    assert written == ["report.html"]
    assert _digests(out) == before  # not one file of the failed run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_report_swap_keeps_other_files(comparison, tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    write_report(comparison, out)
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, "notes.txt"])
    write_report(comparison.under("duty_35pct"), out)
    assert "duty_35pct" in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "notes.txt").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_report_into_a_file_is_an_error(comparison, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BypassError, match="not a folder"):
        write_report(comparison, blocker)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


# --------------------------------------------------------------------------- CSV formulas


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)",
                                  "\t=1", "\r=1"])
def test_formula_cells_are_neutralised(text):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Shanghai", "", "a=b", -5.0, -1, 0.0, None])
def test_other_cells_are_unchanged(value):
    assert neutralise_cell(value) == value or (value != value)


def test_csv_for_people_keeps_numbers_and_neutralises_text(tmp_path):
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "Manzanillo", "-cmd"],
                          "cost": [-1612.5, 3000.0, 0.0], "n": [-3, 2, 1]})
    write_frame(frame, tmp_path / "t.csv")
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\")", "Manzanillo", "'-cmd"]
    assert [r[1] for r in rows[1:]] == ["-1612.5", "3000.0", "0.0"]  # numbers stay numbers
    assert [r[2] for r in rows[1:]] == ["-3", "2", "1"]
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["cost"].dtype == float
    write_frame(frame, tmp_path / "t.parquet")  # typed data: unchanged
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), frame)
    assert neutralise_formulas(frame)["name"].tolist()[1] == "Manzanillo"


# --------------------------------------------------------------------------- hostile names


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    from tests.hostile import hostile_dataset

    # A --data path with rich markup in it too.
    return hostile_dataset(tmp_path_factory.mktemp("hostile") / "data[/dim][/b]")


def _formula_cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    bad = []
    for row in rows:
        for cell in row:
            if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                try:
                    float(cell)  # a number is not a formula
                except ValueError:
                    bad.append(cell[:40])
    return bad


@pytest.mark.parametrize("argv", [
    ["data", "validate"],
    ["ports"],
    ["ports", "--json"],
    ["distance", "--from", "MXZLO", "--to", "CNSHA"],
    ["route", "--from", "GDL", "--to", "CNSHA", "--csv", "{tmp}/route.csv", "-k", "2"],
    ["route", "--from", "MTY", "--to", "CNSHA", "--allow-us", "--strict-waters"],
    ["frontier", "--from", "MTY", "--to", "CNSHA", "--csv", "{tmp}/frontier.csv"],
    ["compare", "--from", "GDL", "--from", "MTY", "--to", "CNSHA", "--csv", "{tmp}/cmp.csv"],
    ["report", "--from", "GDL", "--to", "CNSHA", "--out", "{tmp}/rep"],
    ["export", "--csv", "{tmp}/edges.csv"],
    ["corridors", "--from", "MTY", "--to", "CNSHA"],
])
def test_hostile_names_through_every_command(hostile, tmp_path, capsys, argv):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    rc = main(["--data", str(hostile), *argv])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "Traceback" not in captured.err and "MarkupError" not in captured.err
    for path in tmp_path.rglob("*.csv"):
        assert _formula_cells(path) == [], path
    if argv[0] == "ports" and "--json" not in argv:
        assert "[/b]Manzanillo[/dim]" in captured.out  # printed literally
    if argv[0] == "route":
        assert (tmp_path / "route.csv").exists() or "--csv" not in argv
        if "--csv" in argv:
            text = (tmp_path / "route.csv").read_text(encoding="utf-8")
            # Names along the route that start like a formula are there, neutralised
            # (which row gets which hostile name depends on the tables' order).
            assert re.search(r"(^|,|\")'[=+\-@]", text, re.M), text[:400]


def test_data_path_with_rich_markup_prints_literally(tmp_path, capsys):
    """The 'using the default for ...' note names the --data path: markup in it is text."""
    from networks import settings

    root = tmp_path / "my[/dim]data[/b]"  # folders "my[", "dim]data[", "b]"
    root.mkdir(parents=True)
    shutil.copy(settings.DATA_DIR / "ports.csv", root / "ports.csv")
    rc = main(["--data", str(root), "ports"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert f"{root}: using the default for" in " ".join(captured.err.split())
