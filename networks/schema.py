"""Dataset schemas: the one place where dataset fields are defined.

Loaders, validation, exports and the generated schema reference
(``docs/datasets.md``, checked by a test against :func:`schema_markdown`) all
read these definitions, so code and docs cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ISO3_PATTERN = r"^[A-Z]{3}$"
LOCODE_PATTERN = r"^[A-Z]{2}[A-Z2-9]{3}$"
NODE_ID_PATTERN = r"^[A-Z0-9][A-Z0-9_-]{0,31}$"
LINK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


@dataclass(frozen=True)
class Field:
    """One column: its type, unit, whether it must be present, and its limits."""

    name: str
    type: str  # "str", "float", "int", "wkt"
    description: str
    required: bool = True
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] = ()
    pattern: str | None = None
    nullable: bool = False  # an empty cell is allowed (means "unknown" / default)


@dataclass(frozen=True)
class TableSchema:
    """A dataset table: file name, id column, and fields."""

    name: str
    filename: str
    description: str
    fields: tuple[Field, ...]
    id_field: str | None = None
    references: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


LAT = dict(type="float", unit="degrees", minimum=-90.0, maximum=90.0)
LON = dict(type="float", unit="degrees", minimum=-180.0, maximum=180.0)
SOURCE = Field("source", "str", "citation(s): short title, URL, date; or 'ASSUMPTION: why'")

PORTS = TableSchema(
    name="ports",
    filename="ports.csv",
    description="Container ports keyed by UN/LOCODE.",
    id_field="locode",
    fields=(
        Field("locode", "str", "UN/LOCODE", pattern=LOCODE_PATTERN),
        Field("name", "str", "port name"),
        Field("country", "str", "ISO 3166-1 alpha-3 country code", pattern=ISO3_PATTERN),
        Field(
            "region",
            "str",
            "trade region (decides the ocean rate lane)",
            allowed=("mx_pacific", "mx_gulf", "ca_pacific", "us_pacific", "asia"),
        ),
        Field(
            "role", "str", "role in the network", allowed=("origin", "transshipment", "destination")
        ),
        Field("lat", description="latitude of the container terminal", **LAT),
        Field("lon", description="longitude of the container terminal", **LON),
        Field(
            "capacity_teu_per_year",
            "float",
            "container capacity (empty: unlimited)",
            unit="TEU/year",
            minimum=0.0,
            nullable=True,
        ),
        Field("handling_usd_per_teu", "float", "terminal handling per lift", unit="USD/TEU",
              minimum=0.0),
        Field("dwell_h", "float", "typical container dwell before loading", unit="h",
              minimum=0.0),
        SOURCE,
    ),
)

PORT_ACCESS = TableSchema(
    name="port_access",
    filename="port_access.csv",
    description=(
        "Explicit sea access lane of each port: waypoints from the quay out to a "
        "node of the sea network (the last waypoint must be a network node). "
        "Ports without a row fall back to their nearest sea node, with a warning."
    ),
    id_field="locode",
    references={"locode": ("ports",)},
    fields=(
        Field("locode", "str", "UN/LOCODE of the port", pattern=LOCODE_PATTERN),
        Field("waypoints", "wkt", "LINESTRING or POINT of waypoints after the quay (lon lat)"),
        Field("note", "str", "why this lane", required=False, nullable=True),
    ),
)

HUBS = TableSchema(
    name="hubs",
    filename="hubs.csv",
    description="Mexican production hubs (shipment origins).",
    id_field="id",
    fields=(
        Field("id", "str", "short upper-case id", pattern=NODE_ID_PATTERN),
        Field("name", "str", "hub name"),
        Field("state", "str", "state"),
        Field("lat", description="latitude", **LAT),
        Field("lon", description="longitude", **LON),
        Field("sectors", "str", "main export sectors, ';'-separated", required=False,
              nullable=True),
        SOURCE,
    ),
)

BORDERS = TableSchema(
    name="borders",
    filename="borders.csv",
    description="Land border crossings (nodes on the boundary).",
    id_field="id",
    fields=(
        Field("id", "str", "short upper-case id", pattern=NODE_ID_PATTERN),
        Field("name", "str", "crossing name"),
        Field("country_a", "str", "country on one side (ISO3)", pattern=ISO3_PATTERN),
        Field("country_b", "str", "country on the other side (ISO3)", pattern=ISO3_PATTERN),
        Field("lat", description="latitude", **LAT),
        Field("lon", description="longitude", **LON),
        Field("modes", "str", "modes that cross here, ';'-separated (road, rail)"),
        Field("crossing_h_road", "float", "road crossing time (empty: default)", unit="h",
              minimum=0.0, required=False, nullable=True),
        Field("crossing_h_rail", "float", "rail crossing time (empty: default)", unit="h",
              minimum=0.0, required=False, nullable=True),
        Field("fee_usd_per_teu_road", "float", "road crossing fees (empty: default)",
              unit="USD/TEU", minimum=0.0, required=False, nullable=True),
        Field("fee_usd_per_teu_rail", "float", "rail crossing fees (empty: default)",
              unit="USD/TEU", minimum=0.0, required=False, nullable=True),
        SOURCE,
    ),
)

JUNCTIONS = TableSchema(
    name="junctions",
    filename="junctions.csv",
    description="Rail/road junctions that land links meet at.",
    id_field="id",
    fields=(
        Field("id", "str", "short upper-case id", pattern=NODE_ID_PATTERN),
        Field("name", "str", "junction name"),
        Field("country", "str", "ISO3 country code", pattern=ISO3_PATTERN),
        Field("lat", description="latitude", **LAT),
        Field("lon", description="longitude", **LON),
        SOURCE,
    ),
)

LAND_LINKS = TableSchema(
    name="land_links",
    filename="land_links.csv",
    description="Road and rail links (usable both ways) with corridor geometry.",
    id_field="id",
    references={"from": ("hubs", "borders", "junctions", "ports"),
                "to": ("hubs", "borders", "junctions", "ports")},
    fields=(
        Field("id", "str", "link id", pattern=LINK_ID_PATTERN),
        Field("from", "str", "node id at one end"),
        Field("to", "str", "node id at the other end"),
        Field("mode", "str", "transport mode", allowed=("rail", "road")),
        Field("operator", "str", "operating railway / road authority", required=False,
              nullable=True),
        Field("distance_km", "float", "length along the corridor", unit="km", minimum=0.0),
        Field("documented_km", "float", "published corridor distance", unit="km",
              minimum=0.0, required=False, nullable=True),
        Field("documented_source", "str", "where documented_km is published",
              required=False, nullable=True),
        Field("geometry", "wkt", "LINESTRING (lon lat, ...) following the corridor"),
        SOURCE,
    ),
)

DEMAND = TableSchema(
    name="demand",
    filename="demand.csv",
    description="Yearly container demand between an origin and an Asian port.",
    references={"origin": ("hubs", "ports"), "destination": ("ports",)},
    fields=(
        Field("origin", "str", "hub or port id"),
        Field("destination", "str", "destination port UN/LOCODE"),
        Field("teu_per_year", "float", "demand", unit="TEU/year", minimum=0.0),
        Field("cargo_value_usd_per_teu", "float", "declared cargo value", unit="USD/TEU",
              minimum=0.0, required=False, nullable=True),
        SOURCE,
    ),
)

SEA_SERVICES = TableSchema(
    name="sea_services",
    filename="sea_services.csv",
    description=(
        "Port pairs with a scheduled liner service calling both ports; any other "
        "sea leg is reported as hypothetical."
    ),
    references={"from_locode": ("ports",), "to_locode": ("ports",)},
    fields=(
        Field("from_locode", "str", "UN/LOCODE", pattern=LOCODE_PATTERN),
        Field("to_locode", "str", "UN/LOCODE", pattern=LOCODE_PATTERN),
        Field("service", "str", "service reality", allowed=("scheduled", "hypothetical")),
        SOURCE,
    ),
)

TABLES: dict[str, TableSchema] = {
    s.name: s
    for s in (PORTS, PORT_ACCESS, HUBS, BORDERS, JUNCTIONS, LAND_LINKS, SEA_SERVICES, DEMAND)
}


def schema_markdown() -> str:
    """The schema reference as Markdown (``docs/datasets.md`` must equal this)."""
    out = ["# Dataset schemas", "",
           "Generated from `networks/schema.py`; a test keeps this page in sync.", ""]
    for s in TABLES.values():
        out += [f"## `{s.filename}` ({s.name})", "", s.description, ""]
        if s.id_field:
            out += [f"Id column: `{s.id_field}` (unique).", ""]
        out += ["| field | type | unit | required | allowed / range | description |",
                "|---|---|---|---|---|---|"]
        for f in s.fields:
            rng = ", ".join(f.allowed)
            if f.minimum is not None or f.maximum is not None:
                lo = "" if f.minimum is None else f"{f.minimum:g}"
                hi = "" if f.maximum is None else f"{f.maximum:g}"
                rng = f"{lo} .. {hi}"
            if f.pattern:
                rng = f"`{f.pattern}`"
            req = "yes" if f.required else "no"
            if f.nullable:
                req += " (may be empty)"
            out.append(f"| `{f.name}` | {f.type} | {f.unit} | {req} | {rng} | {f.description} |")
        out.append("")
    return "\n".join(out)
