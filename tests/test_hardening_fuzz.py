"""Fuzzing every table and parameters.toml with typed, out-of-range and extreme values.

Why: each value a user can put in a dataset must end as a one-line dataset
error naming the file, or as answers inside physical ranges; never a
traceback, a ZeroDivisionError, a wrapped integer weight or a negative cost.
Hypothesis is derandomised (a failure reproduces); examples are few so each
test stays well under 20 s (a dataset that loads is built into a graph).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networks import settings as bypass_settings
from networks.datasets import load_dataset
from networks.errors import DatasetErrors
from networks.schema import TABLES
from routing.cli import exit_code, main
from tests.test_fuzz import _assert_within_schema

FUZZ = settings(max_examples=10, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
DATA = bypass_settings.DATA_DIR
CSV_TABLES = sorted(name for name in TABLES if (DATA / f"{name}.csv").exists())
EXTREMES = ["nan", "inf", "-inf", "1e308", "-1e308", "5e-324", "-0.0", "0", "1e13", "-1",
            "1e-9", "NaN", "Infinity", "1_000", "0x1p3", "", " ", "None", "null", "1e400"]


def _cell(f_type: str):
    """Values for one cell of a field of this type: extremes, other types, in-range numbers."""
    numbers = st.one_of(st.sampled_from(EXTREMES),
                        st.floats(allow_nan=True, allow_infinity=True).map(repr),
                        st.floats(0, 1e4).map(repr), st.integers(-10**20, 10**20).map(str))
    text = st.text(max_size=20)
    if f_type in ("float", "int"):
        return st.one_of(numbers, text)
    if f_type == "wkt":
        return st.one_of(st.sampled_from(["POINT (0 0)", "LINESTRING (0 0, 0 0)",
                                          "LINESTRING (-100 20, 100 20)", "POLYGON EMPTY",
                                          "LINESTRING (nan nan, 1 1)", "GEOMETRYCOLLECTION EMPTY",
                                          "LINESTRING (-99 19, -99.1 19.1)"]), text, numbers)
    return st.one_of(text, numbers, st.sampled_from(["MTY", "CNSHA", "USA", "MEX", "rail",
                                                      "road", "asia", "origin", "scheduled"]))


def _route_is_physical(root: Path, capsys) -> None:
    rc = main(["-q", "--data", str(root), "route", "--from", "MTY", "--to", "CNSHA", "--json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if rc != 0:  # e.g. no route once a link is gone: one clean line
        assert rc in (1, 2, 3, 4), (rc, captured.err)
        lines = [ln for ln in captured.err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("bypass: error: "), captured.err
        return
    payload = json.loads(captured.out)
    for side in ("us_free", "via_us"):
        route = payload[side]
        if route is None:
            continue
        t = route["totals"]
        assert 0 < t["distance_km"] < 60_000, t
        assert 0 < t["cost_usd_per_teu"] < 100_000, t
        assert 0 < t["time_days"] < 365, t
        assert 0 <= t["co2_kg_per_teu"] < 100_000, t
        for leg in route["legs"]:
            assert leg["cost_usd_per_teu"] >= 0 and math.isfinite(leg["cost_usd_per_teu"])
            assert leg["time_h"] >= 0 and math.isfinite(leg["time_h"])


def _check_load(root: Path, capsys) -> None:
    try:
        dataset = load_dataset(root)
        for name in list(dataset.tables):
            dataset.tables[name]  # lazy tables too
    except DatasetErrors as exc:
        assert exit_code(exc) == 2
        for p in exc.problems:
            assert "\n" not in str(p) and str(p).startswith(str(root)), str(p)
        return
    _assert_within_schema(dataset)
    _route_is_physical(root, capsys)


@FUZZ
@given(table=st.sampled_from(CSV_TABLES), data=st.data())
def test_every_table_with_typed_and_extreme_values(table, data, capsys):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        root.mkdir()
        shutil.copy(DATA / f"{table}.csv", root / f"{table}.csv")
        path = root / f"{table}.csv"
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        schema = TABLES[table]
        for _ in range(data.draw(st.integers(1, 3))):
            r = data.draw(st.integers(1, len(rows) - 1))
            c = data.draw(st.integers(0, len(rows[0]) - 1))
            known = {f.name: f for f in schema.fields}
            f_type = known[rows[0][c]].type if rows[0][c] in known else "str"
            rows[r][c] = data.draw(_cell(f_type))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
        _check_load(root, capsys)


@FUZZ
@given(data=st.data())
def test_parameters_with_typed_and_extreme_values(data, capsys):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        root.mkdir()
        text = (DATA / "parameters.toml").read_text(encoding="utf-8")
        values = list(re.finditer(r"^value = (.+)$", text, re.M))
        for _ in range(data.draw(st.integers(1, 3))):
            m = values[data.draw(st.integers(0, len(values) - 1))]
            new = data.draw(st.one_of(
                st.sampled_from(["0", "0.0", "-1", "1e308", "1e13", "nan", "inf", "-inf",
                                 '"5"', "true", "[]", "1e-300", "1"]),
                st.floats(0, 1e3).map(lambda v: repr(float(v)))))
            text = text[:m.start(1)] + new + text[m.end(1):]
            values = list(re.finditer(r"^value = (.+)$", text, re.M))
        (root / "parameters.toml").write_text(text, encoding="utf-8")
        _check_load(root, capsys)
