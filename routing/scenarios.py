"""Tariff and disruption scenarios for routes that transit the United States.

A scenario is a TOML file (the shipped ones are in
``networks/data/scenarios/``). It prices policy risk on top of the transport
cost of a route through the US; US-free routes are never charged. Goods moving
in bond through the US (type 62 transportation and exportation entries) are
normally not dutiable: apart from ``status_quo`` the scenarios model policy
risk, not current law.

Charges per TEU on a route through the US, with cargo value ``V`` (USD/TEU)
and carrying cost ``r`` (share of cargo value per year)::

    surcharge  = surcharge_usd_per_teu
    duty       = duty_pct_of_cargo_value / 100 * V
    delay      = extra_border_delay_h * V * r / 8760
    disruption = disruption_probability * (C_fallback + disruption_delay_days * V * r / 365)

``C_fallback`` is the transport cost of the pair's best US-free route (the
box is re-shipped that way when the border closes; what was spent on the US
route is treated as lost). A pair with no US-free route waits instead, so its
fallback is the same US route. Every charge is flat per route through the US,
so it never changes which US route is cheapest.

Two optional tables serve the gateway corridors (``routing.corridors``) and
are ignored by the two-sided comparison:

* ``[policy] forbid_us_transit = true``: no route through the US is offered
  at all (e.g. in-bond transit closed to Mexican goods).
* ``[port_dwell]``: extra hours per box at a port (``MXZLO = 106.0``), valued
  at the carrying cost, ``extra_h * V * r / 8760`` per TEU on every route
  that passes the port; the corridors are re-solved with it, so a congested
  gateway can lose its traffic to another port of the same family.
* ``[passages.NAME]`` (``NAME`` a sea passage the network reports on its sea
  legs, e.g. ``suez``): ``extra_h`` and ``extra_usd_per_teu`` added once per
  sea leg that crosses the passage (a detour such as the Cape of Good Hope
  routing of Suez traffic, net of the canal toll and transit time the leg
  already carries). The corridors are re-solved with it, so a route may
  leave the passage for another way if one is cheaper.

The two-sided comparison (``routing.compare``) only re-prices its fixed
routes with the US-transit charges: it ignores ``[policy]``, ``[port_dwell]``
and ``[passages]``; use ``bypass corridors --scenario NAME`` for those.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from networks.errors import ScenarioError
from networks.settings import DATA_DIR

__all__ = [
    "BUILTIN",
    "DAYS_PER_YEAR",
    "HOURS_PER_YEAR",
    "SCENARIO_DIR",
    "Scenario",
    "Source",
    "builtin_scenarios",
    "load_scenario",
    "parse_scenario",
    "read_scenario",
]

#: Fields of a ``[passages.NAME]`` table.
_PASSAGE_FIELDS = ("extra_h", "extra_usd_per_teu")

#: Folder of the shipped scenario files.
SCENARIO_DIR = DATA_DIR / "scenarios"

#: Order in which the shipped scenarios are reported.
BUILTIN = ("status_quo", "duty_25pct", "duty_35pct", "border_closure_risk")

HOURS_PER_YEAR = 8760.0
DAYS_PER_YEAR = 365.0

_US_FIELDS = ("surcharge_usd_per_teu", "duty_pct_of_cargo_value", "extra_border_delay_h",
              "disruption_probability", "disruption_delay_days")


@dataclass(frozen=True)
class Source:
    """A citation: what it says, where (original URL) and when it was published."""

    title: str
    url: str
    date: str
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"title": self.title, "url": self.url, "date": self.date, "note": self.note}


@dataclass(frozen=True)
class Scenario:
    """Per-TEU charges on routes through the US (see the module docstring for the formula)."""

    name: str
    description: str = ""
    as_of: dt.date | None = None
    sources: tuple[Source, ...] = ()
    surcharge_usd_per_teu: float = 0.0
    duty_pct_of_cargo_value: float = 0.0
    extra_border_delay_h: float = 0.0
    disruption_probability: float = 0.0
    disruption_delay_days: float = 0.0
    carrying_cost_pct_per_year: float = 20.0
    #: No route through the US is offered (corridors only; see module docstring).
    forbid_us_transit: bool = False
    #: Extra dwell hours per box at a port, as sorted (port id, hours) pairs.
    port_extra_dwell_h: tuple[tuple[str, float], ...] = ()
    #: Extra (hours, USD/TEU) per sea leg crossing a passage, as sorted
    #: (passage, hours, USD/TEU) triples (corridors only; see module docstring).
    passage_extra: tuple[tuple[str, float, float], ...] = ()
    path: str | None = field(default=None, compare=False)

    def port_dwell_usd_per_teu(self, hours: float, cargo_value_usd: float) -> float:
        """Carrying cost of ``hours`` of extra dwell on one TEU of value ``cargo_value_usd``."""
        return hours * self.carrying_cost_pct_per_year / 100.0 * cargo_value_usd \
            / HOURS_PER_YEAR

    def charges(self, transport_usd: float, fallback_usd: float | None,
                cargo_value_usd: float) -> dict[str, float]:
        """Charges per TEU on one route through the US, by kind (USD/TEU)."""
        rate = self.carrying_cost_pct_per_year / 100.0 * cargo_value_usd
        fallback = transport_usd if fallback_usd is None else fallback_usd
        return {
            "surcharge": float(self.surcharge_usd_per_teu),
            "duty": self.duty_pct_of_cargo_value / 100.0 * cargo_value_usd,
            "delay": self.extra_border_delay_h * rate / HOURS_PER_YEAR,
            "disruption": self.disruption_probability
            * (fallback + self.disruption_delay_days * rate / DAYS_PER_YEAR),
        }

    def with_surcharge(self, extra_usd_per_teu: float) -> Scenario:
        """The same scenario with ``extra_usd_per_teu`` added to the flat surcharge."""
        return replace(self, surcharge_usd_per_teu=self.surcharge_usd_per_teu
                       + extra_usd_per_teu)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "sources": [s.to_dict() for s in self.sources],
            "us_transit": {k: getattr(self, k) for k in _US_FIELDS},
            "carrying_cost_pct_per_year": self.carrying_cost_pct_per_year,
            "forbid_us_transit": self.forbid_us_transit,
            "port_extra_dwell_h": dict(self.port_extra_dwell_h),
            "passages": {p: {"extra_h": h, "extra_usd_per_teu": usd}
                         for p, h, usd in self.passage_extra},
        }


def _number(raw: Mapping[str, Any], key: str, where: str, lo: float, hi: float) -> float:
    value = raw.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(f"{where}: {key} must be a number, got {value!r}")
    if not lo <= value <= hi:
        raise ScenarioError(f"{where}: {key} must be within {lo:g}..{hi:g}, got {value!r}")
    return float(value)


def _no_unknown(table: Mapping[str, Any], fields: Sequence[str], what: str,
                expected: str) -> None:
    """One error naming the first key of ``table`` that is not in ``fields``."""
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ScenarioError(f"{what} {unknown[0]!r}; expected {expected}")


def parse_scenario(raw: Mapping[str, Any], where: str = "scenario") -> Scenario:
    """A Scenario from the parsed TOML mapping; every problem is one ScenarioError line."""
    for key in ("name", "description", "as_of", "sources", "us_transit"):
        if key not in raw:
            raise ScenarioError(f"{where}: missing '{key}'")
    name = raw["name"]
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"{where}: name must be a non-empty string")
    as_of = raw["as_of"]
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            as_of = None
    if not isinstance(as_of, dt.date):
        raise ScenarioError(f"{where}: as_of must be a date (YYYY-MM-DD)")
    sources = []
    for i, s in enumerate(raw["sources"] or []):
        if not isinstance(s, Mapping) or not all(isinstance(s.get(k), str) and s.get(k)
                                                 for k in ("title", "url", "date")):
            raise ScenarioError(f"{where}: sources[{i}] needs title, url and date strings")
        if not s["url"].startswith(("https://", "http://")):
            raise ScenarioError(f"{where}: sources[{i}] url must be a web address")
        sources.append(Source(s["title"], s["url"], s["date"], str(s.get("note", ""))))
    if not sources:
        raise ScenarioError(f"{where}: at least one source is required")
    us = raw["us_transit"]
    if not isinstance(us, Mapping):
        raise ScenarioError(f"{where}: [us_transit] must be a table")
    _no_unknown(us, _US_FIELDS, f"{where}: unknown [us_transit] field",
                f"one of {', '.join(_US_FIELDS)}")
    valuation = raw.get("valuation", {})
    policy = raw.get("policy", {})
    if not isinstance(policy, Mapping) or set(policy) - {"forbid_us_transit"}:
        raise ScenarioError(f"{where}: [policy] takes only forbid_us_transit = true/false")
    forbid = policy.get("forbid_us_transit", False)
    if not isinstance(forbid, bool):
        raise ScenarioError(f"{where}: forbid_us_transit must be true or false")
    dwell_raw = raw.get("port_dwell", {})
    if not isinstance(dwell_raw, Mapping):
        raise ScenarioError(f"{where}: [port_dwell] must be a table of port id = hours")
    dwell = tuple(sorted((str(k), _number(dwell_raw, k, where, 0, 1e4)) for k in dwell_raw))
    passages_raw = raw.get("passages", {})
    if not isinstance(passages_raw, Mapping):
        raise ScenarioError(f"{where}: [passages] must hold tables such as [passages.suez]")
    passages = []
    for pname, table in sorted(passages_raw.items()):
        at = f"{where}: [passages.{pname}]"
        if not isinstance(table, Mapping):
            raise ScenarioError(f"{at} must be a table of {' and '.join(_PASSAGE_FIELDS)}")
        _no_unknown(table, _PASSAGE_FIELDS, f"{at}: unknown field",
                    " or ".join(_PASSAGE_FIELDS))
        passages.append((str(pname), _number(table, "extra_h", at, 0, 1e4),
                         _number(table, "extra_usd_per_teu", at, 0, 1e6)))
    return Scenario(
        name=name.strip(),
        description=" ".join(str(raw["description"]).split()),
        as_of=as_of,
        sources=tuple(sources),
        surcharge_usd_per_teu=_number(us, "surcharge_usd_per_teu", where, 0, 1e7),
        duty_pct_of_cargo_value=_number(us, "duty_pct_of_cargo_value", where, 0, 1000),
        extra_border_delay_h=_number(us, "extra_border_delay_h", where, 0, 1e5),
        disruption_probability=_number(us, "disruption_probability", where, 0, 1),
        disruption_delay_days=_number(us, "disruption_delay_days", where, 0, 3650),
        carrying_cost_pct_per_year=_number(
            {"carrying_cost_pct_per_year": valuation.get("carrying_cost_pct_per_year", 20.0)},
            "carrying_cost_pct_per_year", where, 0, 1000),
        forbid_us_transit=forbid,
        port_extra_dwell_h=dwell,
        passage_extra=tuple(passages),
        path=where,
    )


def read_scenario(path: str | Path) -> Scenario:
    """Read one scenario TOML file."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario ({exc.strerror or exc})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not valid TOML ({' '.join(str(exc).split())})") from exc
    return parse_scenario(raw, str(path))


def builtin_scenarios() -> list[Scenario]:
    """The shipped scenarios in report order (status quo first)."""
    return [read_scenario(SCENARIO_DIR / f"{name}.toml") for name in BUILTIN]


def load_scenario(name_or_path: str | Path | Scenario | None) -> Scenario:
    """A shipped scenario by name, a TOML file by path, or status quo for None."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    if name_or_path is None:
        name_or_path = "status_quo"
    text = str(name_or_path)
    shipped = SCENARIO_DIR / f"{text}.toml"
    if "/" not in text and "\\" not in text and not text.endswith(".toml"):
        if not shipped.is_file():
            names = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
            raise ScenarioError(f"unknown scenario {text!r}; shipped: {', '.join(names)} "
                                "(or give a .toml file)")
        return read_scenario(shipped)
    return read_scenario(Path(text))
