"""Fuzzing the inputs a user controls: dataset files, CLI arguments, output files.

Why: every failure a user can provoke must end as a one-line reason and a
non-zero exit code (or a result), never a traceback, a hang or a half-written
file. Hypothesis is seeded and derandomised, so a failure reproduces.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networks import settings as bypass_settings
from networks.atomic import write_atomic
from networks.datasets import load_dataset, read_table
from networks.errors import BypassError, DatasetError, DatasetErrors
from networks.export import write_frame
from networks.schema import TABLES
from routing.cli import exit_code, main

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
DATA = bypass_settings.DATA_DIR
CSV_TABLES = sorted(name for name in TABLES if (DATA / f"{name}.csv").exists())
WEIRD_NUMBERS = ["nan", "NaN", "inf", "-inf", "1e308", "-1e308", "1e999", "-0", "0x10",
                 "1,5", "", " ", "9" * 400, "-1", "1e-320"]


def _mangle(text: str, how: str, draw) -> str | bytes:
    """One kind of damage to a CSV text (hypothesis draws the details)."""
    lines = text.splitlines(keepends=True)
    if how == "bytes":
        raw = bytearray(text.encode())
        for _ in range(draw(st.integers(1, 20))):
            pos = draw(st.integers(0, max(len(raw) - 1, 0)))
            raw[pos:pos + 1] = draw(st.binary(min_size=0, max_size=4))
        return bytes(raw)
    if how == "truncate":
        cut = draw(st.integers(0, len(text)))
        return text[:cut]
    if how == "drop_lines":
        keep = draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
        return "".join(line for line, k in zip(lines, keep, strict=True) if k)
    rows = list(csv.reader(io.StringIO(text)))
    if how == "swap_columns":
        n = len(rows[0])
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        swap_header = draw(st.booleans())
        for r, row in enumerate(rows):
            if (r > 0 or swap_header) and len(row) == n:
                row[i], row[j] = row[j], row[i]
    elif how == "numbers":
        for _ in range(draw(st.integers(1, 8))):
            r = draw(st.integers(1, max(len(rows) - 1, 1)))
            if r < len(rows) and rows[r]:
                c = draw(st.integers(0, len(rows[r]) - 1))
                rows[r][c] = draw(st.sampled_from(WEIRD_NUMBERS))
    elif how == "cells":
        for _ in range(draw(st.integers(1, 5))):
            r = draw(st.integers(0, max(len(rows) - 1, 0)))
            if rows and rows[r]:
                c = draw(st.integers(0, len(rows[r]) - 1))
                rows[r][c] = draw(st.text(max_size=30))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@FUZZ
@given(table=st.sampled_from(CSV_TABLES),
       how=st.sampled_from(["bytes", "truncate", "drop_lines", "swap_columns", "numbers",
                            "cells"]),
       data=st.data())
def test_mangled_dataset_file_is_a_dataset_error(table, how, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        shutil.copytree(DATA, root)
        path = root / f"{table}.csv"
        damaged = _mangle(path.read_text(encoding="utf-8"), how, data.draw)
        if isinstance(damaged, bytes):
            path.write_bytes(damaged)
        else:
            path.write_text(damaged, encoding="utf-8")
        problems: list[DatasetError] = []
        frame = read_table(TABLES[table], path, problems)
        assert frame is None or isinstance(frame, pd.DataFrame)
        assert all(isinstance(p, DatasetError) for p in problems)
        for p in problems:
            assert "\n" not in str(p) and str(p)
        try:
            dataset = load_dataset(root)
        except DatasetErrors as exc:
            assert exc.problems and "\n" not in str(exc)
            assert exit_code(exc) == 2  # exit codes live in the CLI (issue 15)
        else:
            assert table in dataset.tables or table not in ("ports", "hubs", "borders",
                                                            "junctions", "land_links")


# --------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def places() -> list[str]:
    from networks.build import load_graph

    g = load_graph()
    ids = sorted(str(n) for n, d in g.nodes(data=True) if d["kind"] in ("hub", "port"))
    names = sorted({str(d["name"]) for _, d in g.nodes(data=True) if d["kind"] == "port"})
    return ids + names


def _check_exit(rc: int, captured) -> None:
    if rc == 0:
        return
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("bypass: "), lines[0]
    assert "Traceback" not in captured.err


numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.integers(-10**6, 10**6).map(str), st.sampled_from(WEIRD_NUMBERS),
                    st.text(max_size=8))


@FUZZ
@given(data=st.data())
def test_cli_arguments_never_crash(places, capsys, data):
    place = st.one_of(st.sampled_from(places), st.text(max_size=20))
    argv = ["route", "--from", data.draw(place), "--to", data.draw(place)]
    for flag, values in (("--max-days", numbers), ("-k", numbers),
                         ("--objective", st.one_of(st.sampled_from(["cost", "time", "co2"]),
                                                   st.text(max_size=10)))):
        if data.draw(st.booleans()):
            argv += [flag, data.draw(values)]
    if data.draw(st.booleans()):
        argv.append("--json")
    rc = main(argv)
    _check_exit(rc, capsys.readouterr())


@FUZZ
@given(data=st.data())
def test_cli_valid_places_with_odd_limits(places, capsys, data):
    """Real places, so the solver runs; the limits are what is fuzzed."""
    argv = ["route", "--from", data.draw(st.sampled_from(places)),
            "--to", data.draw(st.sampled_from(places)), "--max-days", data.draw(numbers),
            "-k", data.draw(st.integers(-3, 25).map(str)),
            "--objective", data.draw(st.sampled_from(["cost", "time", "co2", "money"])),
            "--json"]
    rc = main(argv)
    _check_exit(rc, capsys.readouterr())


@pytest.mark.parametrize("argv", [
    ["route", "--from", "MTY", "--to", "CNSHA", "--max-days", "inf"],
    ["route", "--from", "MTY", "--to", "CNSHA", "--max-days", "nan"],
    ["route", "--from", "MTY", "--to", "CNSHA", "--max-days", "1e308"],
    ["route", "--from", "MTY", "--to", "CNSHA", "--max-days", "0"],
    ["route", "--from", "MTY", "--to", "MTY"],
    ["route", "--from", "", "--to", ""],
    ["route", "--from", "MTY", "--to", "CNSHA", "-k", "0"],
    ["route", "--from", "MTY", "--to", "CNSHA", "--objective", ""],
])
def test_cli_known_edge_cases(argv, capsys):
    rc = main(argv)
    _check_exit(rc, capsys.readouterr())


# --------------------------------------------------------------------------- atomic writes


class Boom(Exception):
    pass


@pytest.mark.parametrize("error", [Boom, OSError])
@pytest.mark.parametrize("existing", [False, True])
def test_failed_write_leaves_no_partial_or_temp_file(tmp_path, error, existing):
    target = tmp_path / "out.csv"
    if existing:
        target.write_text("old\n", encoding="utf-8")
    before = sorted(os.listdir(tmp_path))

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("half a tab")
            fh.flush()
        raise error("disk full")

    with pytest.raises(BypassError if error is OSError else Boom):
        write_atomic(target, write)
    assert sorted(os.listdir(tmp_path)) == before  # no temp file left behind
    if existing:
        assert target.read_text(encoding="utf-8") == "old\n"  # untouched
    else:
        assert not target.exists()


def test_failed_frame_write_leaves_nothing(tmp_path):
    """pandas fails half-way through the rows: the target never appears."""

    class Bad:
        def __str__(self) -> str:
            raise Boom("cannot format")

    frame = pd.DataFrame({"a": list(range(5000)), "b": ["x"] * 4999 + [Bad()]})
    with pytest.raises(Boom):
        write_frame(frame, tmp_path / "t.csv")
    assert os.listdir(tmp_path) == []


def test_successful_write_replaces_target(tmp_path):
    target = tmp_path / "t.csv"
    target.write_text("old\n", encoding="utf-8")
    write_frame(pd.DataFrame({"a": [1, 2]}), target)
    assert target.read_text(encoding="utf-8").splitlines() == ["a", "1", "2"]
    assert os.listdir(tmp_path) == ["t.csv"]
