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

#: Ocean trade (rate and CO2 lane) of a sea edge, by (origin region, destination region).
#: Every North American origin range shares one transpacific westbound model: the
#: rate difference between ranges comes from distance (and canal tolls), not a constant.
LANES: dict[tuple[str, str], str] = {
    ("mx_pacific", "asia"): "transpacific_wb",
    ("mx_gulf", "asia"): "transpacific_wb",
    ("ca_pacific", "asia"): "transpacific_wb",
    ("us_pacific", "asia"): "transpacific_wb",
    ("us_gulf", "asia"): "transpacific_wb",
    ("asia", "asia"): "intra_asia",
}
NORTH_AMERICA = ("mx_pacific", "mx_gulf", "ca_pacific", "us_pacific", "us_gulf")


def ocean_lane(from_region: str, to_region: str) -> str | None:
    """The trade lane of a sea edge; None for edges the network leaves out.

    Asia -> North America (the headhaul) is left out of the export network:
    no Mexico -> Asia route uses it.
    """
    if from_region in NORTH_AMERICA and to_region in NORTH_AMERICA:
        return "na_coastal"
    return LANES.get((from_region, to_region))


def ocean_rate(params: Mapping, lane: str, direct_nm: float) -> float:
    """Liner freight per TEU: ``base + per_nm x direct_nm`` of the lane (no canal tolls).

    ``direct_nm`` is the shortest sea distance between the boarding and the
    discharge port: carriers quote port to port, whatever the rotation.
    Parameters and their derivation: ``ocean.rate.<lane>`` in parameters.toml.
    """
    base = parameter(params, f"ocean.rate.{lane}.base_usd_per_teu")
    per_nm = parameter(params, f"ocean.rate.{lane}.per_usd_per_teu_nm")
    return base + per_nm * direct_nm


def sea_co2_g_per_teu_km(params: Mapping, lane: str) -> float:
    """CO2e intensity of a sea lane (GLEC-style), falling back to the generic sea figure."""
    try:
        return parameter(params, f"co2.sea_g_per_teu_km.{lane}")
    except Exception:  # noqa: BLE001 - a lane without its own factor uses the generic one
        return parameter(params, "co2.g_per_teu_km.sea")


def canal_figures(params: Mapping, passages) -> tuple[float, float]:
    """Toll (USD/TEU) and transit time (h) of the canals a sea path passes."""
    toll = time_h = 0.0
    for canal in ("panama", "suez"):
        if canal in passages:
            toll += parameter(params, f"ocean.{canal}_toll_usd_per_teu")
            time_h += parameter(params, f"ocean.{canal}_transit_h")
    return toll, time_h


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
    params: Mapping, lane: str, distance_nm: float, distance_km: float, passages=(),
    *, hypothetical: bool = False,
) -> dict[str, float]:
    """A direct port-to-port leg (no rotation): sailing time plus one port call.

    Used for hypothetical legs (``hypothetical=True``: the liner rate times
    ``ocean.hypothetical_rate_factor``, a charter/feeder premium).
    """
    speed = parameter(params, "ocean.speed_kn")
    toll, canal_h = canal_figures(params, passages)
    cost = ocean_rate(params, lane, distance_nm)
    if hypothetical:
        cost *= parameter(params, "ocean.hypothetical_rate_factor")
    return {
        "time_h": distance_nm / speed + parameter(params, "ocean.port_call_h") + canal_h,
        "cost_usd_per_teu": cost + toll,
        "co2_kg_per_teu": distance_km * sea_co2_g_per_teu_km(params, lane) / 1000.0,
    }


def service_ride(
    params: Mapping, lane: str, direct_nm: float, sailed_nm: float, sailed_km: float,
    calls: int, passages=(),
) -> dict[str, float]:
    """A box riding one liner service from its loading call to its discharge call.

    Time follows the rotation (``sailed_nm`` at ``ocean.speed_kn`` plus
    ``ocean.port_call_h`` for each of the ``calls`` it arrives at, the
    discharge call included) and CO2 the distance sailed; the freight is the
    port-to-port rate of the lane on ``direct_nm``, plus canal tolls.
    """
    speed = parameter(params, "ocean.speed_kn")
    toll, canal_h = canal_figures(params, passages)
    return {
        "time_h": sailed_nm / speed + calls * parameter(params, "ocean.port_call_h") + canal_h,
        "cost_usd_per_teu": ocean_rate(params, lane, direct_nm) + toll,
        "co2_kg_per_teu": sailed_km * sea_co2_g_per_teu_km(params, lane) / 1000.0,
    }


def headway_wait_h(sailings_per_week: float) -> float:
    """Average wait for a sailing: half the headway (7 days / sailings per week)."""
    return 0.5 * 168.0 / sailings_per_week


def handling_kg(params: Mapping) -> float:
    """CO2 of one terminal lift, kg per TEU."""
    return parameter(params, "co2.g_per_teu.handling") / 1000.0


def port_transfer(
    params: Mapping, handling_usd: float, dwell_h: float, wait_h: float = 0.0, lifts: int = 1
) -> dict[str, float]:
    """Loading, discharging or transshipping a box: handling, dwell and the sailing wait.

    ``wait_h`` (half the headway of the service boarded) is part of ``time_h``
    and also kept apart so outputs can show it.
    """
    return {"time_h": dwell_h + wait_h, "cost_usd_per_teu": handling_usd,
            "co2_kg_per_teu": lifts * handling_kg(params), "wait_h": wait_h}


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
