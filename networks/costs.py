"""Cost, time and CO2 of one edge, from the parameters file.

Pure functions: the builder passes the facts of an edge (mode, country,
distance, ports) and gets back ``time_h``, ``cost_usd_per_teu`` and
``co2_kg_per_teu``. All figures are per TEU; every parameter carries its unit
and source in ``parameters.toml``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from networks.params import parameter

__all__ = [
    "LANES",
    "NORTH_AMERICA",
    "border_crossing",
    "handling_kg",
    "land_edge",
    "ocean_lane",
    "port_transfer",
    "rail_ramp",
    "sea_edge",
    "truck_hours",
]

#: Ocean rate lane for a sea leg, by (origin region, destination region).
LANES: dict[tuple[str, str], str] = {
    ("mx_pacific", "asia"): "mx_pacific_to_asia",
    ("mx_gulf", "asia"): "mx_gulf_to_asia",
    ("ca_pacific", "asia"): "na_to_asia",
    ("us_pacific", "asia"): "na_to_asia",
    # ASSUMPTION (until the ocean helper's lane table lands): US Gulf -> Asia is priced
    # as the North America -> Asia backhaul; the Panama toll and transit are added by
    # sea_edge because the leg's geometry passes the canal.
    ("us_gulf", "asia"): "na_to_asia",
    ("asia", "asia"): "intra_asia",
}
NORTH_AMERICA = ("mx_pacific", "mx_gulf", "ca_pacific", "us_pacific", "us_gulf")


def ocean_lane(from_region: str, to_region: str) -> str | None:
    """The rate lane of a sea leg; None for legs the network leaves out.

    Asia -> North America legs (the headhaul) are left out of the export
    network: no Mexico -> Asia route uses them.
    """
    if from_region in NORTH_AMERICA and to_region in NORTH_AMERICA:
        return "na_coastal"
    return LANES.get((from_region, to_region))


def _country_value(params: Mapping, key: str, country: str) -> float:
    """Per-country parameter, falling back to MEX's for countries without one."""
    try:
        return parameter(params, f"{key}.{country}")
    except Exception:  # noqa: BLE001 - a missing per-country figure falls back
        return parameter(params, f"{key}.MEX")


def truck_hours(params: Mapping, country: str, driving_h: float) -> float:
    """Elapsed hours of a truck leg with ``driving_h`` of driving, under the legal limits.

    Mexico (NOM-087-SCT-2-2017) and the US (FMCSA hours of service) cap the
    driving of one shift and require rest between shifts and short breaks
    within one; a planner counts them, so a 1,285 km run is not 25.7 h
    non-stop. The driving is split into shifts of at most ``max_driving_h``
    joined by ``rest_h``; every full ``break_every_h`` of driving inside a shift
    (short of its end) adds a ``break_h`` pause.
    """
    if driving_h <= 0.0:
        return 0.0
    max_drive = _country_value(params, "road.hos.max_driving_h", country)
    rest = _country_value(params, "road.hos.rest_h", country)
    every = _country_value(params, "road.hos.break_every_h", country)
    brk = _country_value(params, "road.hos.break_h", country)
    shifts = math.ceil(driving_h / max_drive - 1e-9)
    pauses = 0
    left = driving_h
    for _ in range(shifts):
        shift = min(left, max_drive)
        pauses += max(math.ceil(shift / every - 1e-9) - 1, 0)
        left -= shift
    return driving_h + (shifts - 1) * rest + pauses * brk


def land_edge(params: Mapping, mode: str, country: str, distance_km: float) -> dict[str, float]:
    """Line-haul by rail or road within one country; trucks keep the driving-hour rules."""
    speed = _country_value(params, f"{mode}.speed_kmh", country)
    rate = _country_value(params, f"{mode}.cost_usd_per_teu_km", country)
    g_per_km = parameter(params, f"co2.g_per_teu_km.{mode}")
    hours = distance_km / speed
    if mode == "road":
        hours = truck_hours(params, country, hours)
    return {
        "time_h": hours,
        "cost_usd_per_teu": distance_km * rate,
        "co2_kg_per_teu": distance_km * g_per_km / 1000.0,
    }


def sea_edge(
    params: Mapping, lane: str, distance_nm: float, distance_km: float, via_panama: bool
) -> dict[str, float]:
    """A port-to-port sea leg: sailing time plus one port call; lane rate; canal."""
    speed = parameter(params, "ocean.speed_kn")
    time_h = distance_nm / speed + parameter(params, "ocean.port_call_h")
    cost = parameter(params, f"ocean.rate_usd_per_teu.{lane}")
    if via_panama:
        time_h += parameter(params, "ocean.panama_transit_h")
        cost += parameter(params, "ocean.panama_toll_usd_per_teu")
    return {
        "time_h": time_h,
        "cost_usd_per_teu": cost,
        "co2_kg_per_teu": distance_km * parameter(params, "co2.g_per_teu_km.sea") / 1000.0,
    }


def handling_kg(params: Mapping) -> float:
    """CO2 of one terminal lift, kg per TEU."""
    return parameter(params, "co2.g_per_teu.handling") / 1000.0


def port_transfer(params: Mapping, handling_usd: float, dwell_h: float) -> dict[str, float]:
    """Loading or discharging a box at a port: terminal handling and that side's dwell.

    The builder passes the port's export dwell on the load edge (origin port)
    and its import dwell on the discharge edge (destination port).
    """
    return {"time_h": float(dwell_h), "cost_usd_per_teu": handling_usd,
            "co2_kg_per_teu": handling_kg(params)}


def rail_ramp(params: Mapping) -> dict[str, float]:
    """Moving a box between truck/door and a rail terminal: one lift and yard time."""
    return {
        "time_h": parameter(params, "rail.terminal_h"),
        "cost_usd_per_teu": parameter(params, "transfer.interchange_usd_per_teu"),
        "co2_kg_per_teu": handling_kg(params),
    }


def border_crossing(
    params: Mapping,
    mode: str,
    crossing_h: float | None,
    fee_usd: float | None,
    customs_h: float | None = None,
    interchange_h: float | None = None,
) -> dict[str, float]:
    """Crossing a land border: crossing + customs/broker + (rail) interchange, plus fees.

    Each step takes the crossing's own figure (borders.csv) or else the
    ``border.default_*`` parameter. The steps are also returned separately
    (``crossing_h``, ``customs_h``, ``interchange_h``) so outputs can show them.
    """
    if crossing_h is None:
        crossing_h = parameter(params, f"border.default_crossing_h.{mode}")
    if fee_usd is None:
        fee_usd = parameter(params, f"border.default_fee_usd_per_teu.{mode}")
    if customs_h is None:
        customs_h = _optional(params, f"border.default_customs_h.{mode}")
    if interchange_h is None:
        interchange_h = (_optional(params, "border.default_interchange_h.rail")
                         if mode == "rail" else 0.0)
    steps = {"crossing_h": float(crossing_h), "customs_h": float(customs_h),
             "interchange_h": float(interchange_h)}
    return {"time_h": sum(steps.values()), "cost_usd_per_teu": float(fee_usd),
            "co2_kg_per_teu": 0.0, **steps}


def _optional(params: Mapping, key: str) -> float:
    """A parameter a dataset may leave out (0 when absent: the step is not modelled)."""
    try:
        return parameter(params, key)
    except Exception:  # noqa: BLE001 - an older parameters file without the step
        return 0.0
