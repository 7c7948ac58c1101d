"""Response and error schemas of the web API (they generate its OpenAPI document).

The shapes are those of the CLI's ``--json`` output (``Route.to_dict``,
``Frontier.to_dict``, ``Comparison.to_dict``): the web layer adds geometry,
never different numbers. Models allow extra fields, so a field the model
gains (a new leg attribute, say) reaches the page without a change here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    """Documented fields plus whatever else the routing layer returns."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer: one line, the parameter at fault and what it accepts."""

    error: str = Field(description="One-line message saying what is wrong.")
    parameter: str | None = Field(None, description="Query parameter at fault, if any.")
    expected: str | None = Field(None, description="What that parameter accepts.")
    suggestions: list[str] = Field(default_factory=list,
                                   description="Closest known places for an unknown name.")


class LineGeometry(BaseModel):
    """GeoJSON MultiLineString in WGS84 lon/lat, cut at the antimeridian (RFC 7946)."""

    type: Literal["MultiLineString"] = "MultiLineString"
    coordinates: list[list[list[float]]]


class WatersNm(_Open):
    territorial: float = Field(description="nm inside the US 12 nm territorial sea.")
    eez: float = Field(description="nm inside the US 200 nm EEZ.")


class LegOut(_Open):
    """One leg as ``bypass route --json`` prints it, plus its geometry."""

    mode: str
    kind: str
    from_: str = Field(alias="from")
    to: str
    from_name: str | None = None
    to_name: str | None = None
    distance_km: float
    time_h: float
    cost_usd_per_teu: float
    co2_kg_per_teu: float
    us_transit: bool
    us_waters_nm: WatersNm
    distance_nm: float | None = None
    service: str | None = Field(None, description="Sea legs: scheduled or hypothetical.")
    geometry: LineGeometry | None = Field(
        None, description="Leg path (GeoJSON, antimeridian split); null for transfers.")


class TotalsOut(_Open):
    distance_km: float
    time_h: float
    time_days: float
    cost_usd_per_teu: float
    co2_kg_per_teu: float
    us_transit: bool
    transshipments: int
    border_crossings: int
    ports: list[str]


class RouteOut(_Open):
    legs: list[LegOut]
    totals: TotalsOut


class RouteResponse(_Open):
    """``bypass route --json``: the best US-free route beside the best through the US."""

    from_: str = Field(alias="from")
    to: str
    us_free: RouteOut | None
    via_us: RouteOut | None
    reasons: dict[str, str] = Field(description="Why a side is null, by side.")
    alternatives: dict[str, list[RouteOut]] | None = Field(
        None, description="With k > 1: up to k routes per side with differing ports/borders.")
    best: RouteOut | None = Field(None, description="With allow_us: the best route overall.")


class FrontierResponse(_Open):
    """``bypass frontier --json``: the exact cost-vs-time Pareto frontier per side."""

    from_: str = Field(alias="from")
    to: str
    us_free: list[RouteOut] | None = Field(description="Pareto-optimal routes, cheapest first.")
    via_us: list[RouteOut] | None
    reasons: dict[str, str]


class CompareResponse(_Open):
    """``bypass compare --json``: pairs, scenario, summary, and every scenario's summary."""

    scenario: dict[str, Any]
    route_options: dict[str, Any]
    summary: dict[str, Any]
    pairs: list[dict[str, Any]]
    scenarios: list[dict[str, Any]]


class CorridorOut(_Open):
    gateway: str
    us_transit: bool | None = None
    in_bond: bool | None = None
    legs: list[dict[str, Any]] | None = None
    totals: dict[str, Any] | None = None
    reason: str | None = None


class CorridorsResponse(_Open):
    """``bypass corridors --json``: the best route through each gateway family."""

    from_: str = Field(alias="from")
    to: str
    scenario: Any = None
    corridors: list[CorridorOut]


class ScenarioOut(_Open):
    name: str
    description: str
    as_of: str | None
    sources: list[dict[str, str]]
    us_transit: dict[str, Any] = Field(description="Charges on routes through the US.")
    carrying_cost_pct_per_year: float


class Feature(BaseModel):
    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any]
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    """GeoJSON FeatureCollection of places (WGS84 lon/lat points)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]
