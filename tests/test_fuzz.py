"""Fuzzing the inputs a user controls: dataset files, CLI arguments, output files.

Why: every failure a user can provoke must end as a one-line reason and a
non-zero exit code (or a result), never a traceback, a hang or a half-written
file. Hypothesis is seeded and derandomised, so a failure reproduces.
"""

from __future__ import annotations

import csv
import io
import json
import math
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
        read_table(TABLES[table], path, problems)
        original = (DATA / f"{table}.csv").read_bytes()
        raw = path.read_bytes()
        if raw == original:
            assert problems == []  # an undamaged file reads clean
        lines = raw.count(b"\n") + 2
        for p in problems:
            assert "\n" not in str(p) and str(p).startswith(str(path)), str(p)
            assert p.row is None or 1 <= p.row <= lines, (p.row, lines)
        try:
            dataset = load_dataset(root)
        except DatasetErrors as exc:
            assert exc.problems and "\n" not in str(exc)
            assert exit_code(exc) == 2  # exit codes live in the CLI (issue 15)
            if problems:  # the file's own problems are all reported, in order
                assert [str(p) for p in exc.problems[:len(problems)]] == \
                    [str(p) for p in problems]
        else:
            assert problems == [], [str(p) for p in problems]  # never swallowed
            _assert_within_schema(dataset)


def _assert_within_schema(dataset) -> None:
    """Every value of a loaded dataset is inside its field's declared range."""
    import re

    for name in dataset.tables:
        frame = dataset.tables[name]
        for f in TABLES[name].fields:
            if f.name not in frame:
                continue
            values = frame[f.name].tolist()
            if f.type in ("float", "int"):
                for v in values:
                    if v is None or v != v:
                        assert f.nullable or not f.required, (name, f.name)
                        continue
                    assert math.isfinite(v), (name, f.name, v)
                    assert f.minimum is None or v >= f.minimum, (name, f.name, v)
                    assert f.maximum is None or v <= f.maximum, (name, f.name, v)
                    if f.exclusive_minimum:
                        assert v > f.minimum, (name, f.name, v)
            elif f.pattern:
                for v in values:
                    assert v is None or re.match(f.pattern, v), (name, f.name, v)
            elif f.allowed:
                for v in values:
                    assert v is None or v in f.allowed, (name, f.name, v)


def _mangle_toml(text: str, how: str, draw) -> str | bytes:
    """One kind of damage to parameters.toml."""
    import re

    if how == "bytes":
        raw = bytearray(text.encode())
        for _ in range(draw(st.integers(1, 10))):
            pos = draw(st.integers(0, len(raw) - 1))
            raw[pos:pos + 1] = draw(st.binary(min_size=0, max_size=3))
        return bytes(raw)
    if how == "truncate":
        return text[:draw(st.integers(0, len(text)))]
    values = list(re.finditer(r"^value = (.+)$", text, re.M))
    m = values[draw(st.integers(0, len(values) - 1))]
    if how == "value":
        new = draw(st.sampled_from(TOML_VALUES))
    elif how == "float":
        new = repr(draw(st.floats(allow_nan=False, allow_infinity=False)))
        new = new if "e" in new or "." in new else new + ".0"
    else:  # drop the whole table
        start = text.rfind("\n[", 0, m.start())
        end = text.find("\n[", m.end())
        return text[:start + 1] + (text[end + 1:] if end != -1 else "")
    return text[:m.start(1)] + new + text[m.end(1):]


TOML_VALUES = ["0", "0.0", "-0.0", "-1", "1e308", "-1e308", "1e13", "nan", "inf", "-inf",
               '"12"', "true", "[1, 2]", "{ a = 1 }", "1979-05-27", "0x10", "1e-320",
               "9" * 40]


@FUZZ
@given(how=st.sampled_from(["bytes", "truncate", "value", "float", "drop"]), data=st.data())
def test_mangled_parameters_are_a_dataset_error(how, data):
    """parameters.toml damaged: a one-line error naming the file, or values in range."""
    from networks.schema import parameter_bound

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        root.mkdir()
        text = (DATA / "parameters.toml").read_text(encoding="utf-8")
        damaged = _mangle_toml(text, how, data.draw)
        target = root / "parameters.toml"
        if isinstance(damaged, bytes):
            target.write_bytes(damaged)
        else:
            target.write_text(damaged, encoding="utf-8")
        try:
            dataset = load_dataset(root)
        except DatasetErrors as exc:
            assert exit_code(exc) == 2
            for p in exc.problems:
                assert "\n" not in str(p) and str(p).startswith(str(target)), str(p)
            return
        # Accepted: every leaf value is a finite number inside its documented range.

        def walk(node, trail: str) -> None:
            for key, val in node.items():
                name = f"{trail}.{key}" if trail else key
                if trail == "" and key == "meta":
                    continue
                if "value" in val:
                    v = val["value"]
                    b = parameter_bound(name)
                    assert isinstance(v, int | float) and math.isfinite(v), (name, v)
                    assert b.minimum <= v <= b.maximum, (name, v)
                    assert not (b.exclusive_minimum and v == b.minimum), (name, v)
                else:
                    walk(val, name)

        walk(dataset.parameters, "")


# --------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def places() -> list[str]:
    from networks.build import load_graph

    g = load_graph()
    ids = sorted(str(n) for n, d in g.nodes(data=True) if d["kind"] in ("hub", "port"))
    names = sorted({str(d["name"]) for _, d in g.nodes(data=True) if d["kind"] == "port"})
    return ids + names


def _invalid(argv: list[str]) -> str | None:
    """Why the CLI must refuse ``argv`` (None: it may succeed or fail on the places)."""
    if "--max-days" in argv:
        raw = argv[argv.index("--max-days") + 1]
        try:
            days = float(raw)
        except ValueError:
            return f"--max-days {raw!r} is not a number"
        if not math.isfinite(days) or days < 0:
            return f"--max-days {raw!r} is not a finite non-negative number"
    if "-k" in argv:
        raw = argv[argv.index("-k") + 1]
        try:
            k = int(raw)
        except ValueError:
            return f"-k {raw!r} is not an integer"
        if not 1 <= k <= 20:
            return f"-k {raw!r} is outside 1..20"
    if "--objective" in argv and argv[argv.index("--objective") + 1] not in ("cost", "time",
                                                                            "co2"):
        return "unknown objective"
    return None


def _check_exit(argv: list[str], rc: int, captured) -> None:
    """The CLI's contract for one run: a valid answer, or one clean error line.

    Fails if an invalid argument (``--max-days nan``) is accepted, if an
    interrupt's code (130) or any undocumented code appears, if an answer is
    outside physical ranges, or if an error is not one line without traceback.
    """
    assert "Traceback" not in captured.err
    assert rc in (0, 1, 2, 3, 4), (argv, rc, captured.err)  # documented codes; never 130
    why = _invalid(argv)
    if rc == 0:
        assert why is None, f"accepted {argv}: {why}"
        assert captured.out.strip(), argv
        assert "error" not in captured.err, captured.err
        if "--json" in argv:
            payload = json.loads(captured.out)
            limit = float(argv[argv.index("--max-days") + 1]) if "--max-days" in argv else None
            for side in ("us_free", "via_us"):
                route = payload[side]
                if route is None:
                    continue
                t = route["totals"]
                assert 0 < t["distance_km"] < 60_000, t  # less than 1.5 times round the Earth
                assert 0 < t["cost_usd_per_teu"] < 100_000, t
                assert 0 < t["time_days"] < 365, t
                assert 0 <= t["co2_kg_per_teu"] < 100_000, t
                if limit is not None:
                    assert t["time_days"] <= limit + 1e-6, (t, limit)
        return
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("bypass: error: "), lines[0]
    assert captured.out == "" or "--json" not in argv, captured.out


def test_check_exit_catches_what_it_names():
    """The oracle itself: it must fail on an accepted nan and on an interrupt code."""

    class Out:
        def __init__(self, out: str, err: str) -> None:
            self.out, self.err = out, err

    ok = Out("{}", "")
    with pytest.raises(AssertionError, match="accepted"):
        _check_exit(["route", "--from", "MTY", "--to", "CNSHA", "--max-days", "nan"], 0,
                    Out("table", ""))
    with pytest.raises(AssertionError):
        _check_exit(["route", "--from", "MTY", "--to", "CNSHA"], 130,
                    Out("", "bypass: interrupted\n"))
    with pytest.raises(AssertionError):
        _check_exit(["route", "--from", "MTY", "--to", "CNSHA"], 1,
                    Out("", "Traceback (most recent call last):\nValueError\n"))
    with pytest.raises(AssertionError):
        _check_exit(["route", "--from", "MTY", "--to", "CNSHA", "--json"], 0,
                    Out(json.dumps({"us_free": {"totals": {
                        "distance_km": 1e4, "cost_usd_per_teu": -5.0, "time_days": 20,
                        "co2_kg_per_teu": 1}}, "via_us": None}), ""))
    _check_exit(["route", "--from", "MTY", "--to", "CNSHA", "--max-days", "nan"], 1,
                Out("", "bypass: error: max_days must be a finite non-negative number\n"))
    assert ok.out == "{}"


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
    _check_exit(argv, rc, capsys.readouterr())


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
    _check_exit(argv, rc, capsys.readouterr())


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
    _check_exit(argv, rc, capsys.readouterr())
    if _invalid(argv) is not None or argv[2] == argv[4] or argv[2] == "":
        assert rc != 0, argv


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
