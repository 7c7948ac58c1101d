"""Type checking is part of CI, and the bug it found in the parameter ranges stays fixed."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from networks import settings
from networks.datasets import PARAMETERS_FILE, read_parameters
from networks.errors import DatasetError
from networks.schema import PARAMETER_BOUNDS, Bound, parameter_bound

ROOT = Path(__file__).resolve().parents[1]


def test_every_parameter_bound_has_fields_of_their_declared_types():
    # A reason passed positionally landed in ``exclusive_minimum`` (a non-empty
    # string is truthy), so 0 was rejected as "must be > 0" and ``why`` was empty.
    for b in PARAMETER_BOUNDS:
        assert isinstance(b.exclusive_minimum, bool), b
        assert isinstance(b.why, str), b
    assert [f.name for f in dataclasses.fields(Bound)][4:6] == ["exclusive_minimum", "why"]


@pytest.mark.parametrize(("key", "why"), [
    ("ocean.rate_usd_per_teu.asia_to_na", "2021 peak"),
    ("rail.cost_usd_per_teu_km.MEX", "USD per TEU-km"),
    ("road.cost_usd_per_teu_km.MEX", "USD per TEU-km"),
])
def test_zero_cost_parameter_is_accepted(tmp_path, key, why):
    bound = parameter_bound(key)
    assert not bound.exclusive_minimum and why in bound.why
    text = (settings.DATA_DIR / PARAMETERS_FILE).read_text(encoding="utf-8")
    pattern = r"(\[" + re.escape(key) + r"\]\nvalue = )[^\n]+"
    text, n = re.subn(pattern, lambda m: m.group(1) + "0.0", text)
    assert n == 1, key
    path = tmp_path / PARAMETERS_FILE
    path.write_text(text, encoding="utf-8")
    problems: list[DatasetError] = []
    params = read_parameters(path, problems)
    assert problems == [] and params is not None
    node = params
    for part in key.split("."):
        node = node[part]
    assert node["value"] == 0.0


def test_ci_type_checks_with_what_the_test_extra_installs():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "mypy networks routing" in ci
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extra = [re.split(r"[<>=~ ]", r, maxsplit=1)[0]
             for r in meta["project"]["optional-dependencies"]["test"]]
    assert "mypy" in extra and "pandas-stubs" in extra
    mypy = meta["tool"]["mypy"]
    assert "ignore_errors" not in mypy and "exclude" not in mypy
    assert not any(o.get("ignore_errors") for o in mypy.get("overrides", []))
