"""Cost, time and CO2 of one edge, from the parameters file.

Pure functions: the builder passes the facts of an edge (mode, country,
distance, ports) and gets back ``time_h``, ``cost_usd_per_teu`` and
``co2_kg_per_teu``. All figures are per TEU; every parameter carries its unit
and source in ``parameters.toml``.
"""

from __future__ import annotations

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
]

#: Ocean rate lane for a sea leg, by (origin region, destination region).
LANES: dict[tuple[str, str], str] = {
    ("mx_pacific", "asia"): "mx_pacific_to_asia",
    ("mx_gulf", "asia"): "mx_gulf_to_asia",
    ("ca_pacific", "asia"): "na_to_asia",
    ("us_pacific", "asia"): "na_to_asia",
    ("asia", "asia"): "intra_asia",
}
NORTH_AMERICA = ("mx_pacific", "mx_gulf", "ca_pacific", "us_pacific")


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


def land_edge(params: Mapping, mode: str, country: str, distance_km: float) -> dict[str, float]:
    """Line-haul by rail or road within one country."""
    speed = _country_value(params, f"{mode}.speed_kmh", country)
    rate = _country_value(params, f"{mode}.cost_usd_per_teu_km", country)
    g_per_km = parameter(params, f"co2.g_per_teu_km.{mode}")
    return {
        "time_h": distance_km / speed,
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
    """Loading or discharging a box at a port: terminal handling and dwell."""
    return {"time_h": dwell_h, "cost_usd_per_teu": handling_usd,
            "co2_kg_per_teu": handling_kg(params)}


def rail_ramp(params: Mapping) -> dict[str, float]:
    """Moving a box between truck/door and a rail terminal: one lift and yard time."""
    return {
        "time_h": parameter(params, "rail.terminal_h"),
        "cost_usd_per_teu": parameter(params, "transfer.interchange_usd_per_teu"),
        "co2_kg_per_teu": handling_kg(params),
    }


def border_crossing(
    params: Mapping, mode: str, crossing_h: float | None, fee_usd: float | None
) -> dict[str, float]:
    """Crossing a land border: the crossing's own time and fees, else the defaults."""
    if crossing_h is None:
        crossing_h = parameter(params, f"border.default_crossing_h.{mode}")
    if fee_usd is None:
        fee_usd = parameter(params, f"border.default_fee_usd_per_teu.{mode}")
    return {"time_h": float(crossing_h), "cost_usd_per_teu": float(fee_usd),
            "co2_kg_per_teu": 0.0}
