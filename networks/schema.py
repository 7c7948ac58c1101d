"""Dataset schemas: the one place where dataset fields are defined.

Loaders, validation, exports and the generated schema reference
(``docs/datasets.md``, checked by a test against :func:`schema_markdown`) all
read these definitions, so code and docs cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ASIA",
    "BORDERS",
    "DEFAULT_RULES",
    "DEMAND",
    "Field",
    "HUBS",
    "ISO3_PATTERN",
    "JUNCTIONS",
    "LAND_LINKS",
    "LAT",
    "LINK_ID_PATTERN",
    "LOCODE_PATTERN",
    "LON",
    "NODE_ID_PATTERN",
    "PARAMETERS",
    "PORTS",
    "PORT_ACCESS",
    "PORT_CHARGES",
    "SCENARIO",
    "SERVICES",
    "SOURCE",
    "TABLES",
    "TABLE_EXTENSIONS",
    "TABLE_FORMATS",
    "TOML_FILES",
    "TableSchema",
    "TomlKey",
    "TomlSchema",
    "WPI_COLUMNS",
    "WPI_IGNORED",
    "schema_markdown",
]

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
    exclusive_minimum: bool = False  # the value must be > minimum (a speed, a distance)
    #: words accepted in a numeric column instead of a number (read as NaN), e.g.
    #: ``unlimited`` for a capacity a user dataset chooses not to bound
    literals: tuple[str, ...] = ()

    def range_text(self) -> str:
        """The allowed range as written in messages and docs, e.g. ``> 0 .. 20000``."""
        lo = "" if self.minimum is None else (
            f"> {self.minimum:g}" if self.exclusive_minimum else f"{self.minimum:g}")
        hi = "" if self.maximum is None else f"{self.maximum:g}"
        return f"{lo} .. {hi}"


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


# Upper bounds: physically possible limits, far above any real value, so a typo
# (an extra zero run, a unit mix-up, 1e13) is an error rather than an answer. Each
# is ASSUMPTION with its reasoning; the solver's integer weights stay exact below them.
#: TEU per year: Shanghai, the busiest container port, handled 49.2 M TEU in 2023
#: (World Shipping Council, Top 50 World Container Ports - https://www.worldshipping.org/top-50-ports
#: (2024)); ASSUMPTION: twice that bounds any port or any demand.
MAX_TEU_PER_YEAR = 1e8
#: USD per TEU for a charge or fee (handling, border fees): ASSUMPTION: terminal
#: handling charges are hundreds of USD per TEU; 10,000 is beyond any real charge.
MAX_CHARGE_USD_PER_TEU = 1e4
#: Hours for a dwell or a crossing: ASSUMPTION: 90 days; a box that waits longer
#: is abandoned cargo, not a route.
MAX_WAIT_H = 2160.0
#: Length of one land link in km: ASSUMPTION: half the Earth's circumference
#: (20,004 km); no corridor between two nodes is longer.
MAX_LINK_KM = 20_000.0
#: Declared cargo value per TEU: ASSUMPTION: 100 M USD per TEU (a box of chips or
#: drugs is worth a few million); larger is a unit mistake.
MAX_CARGO_VALUE_USD_PER_TEU = 1e8

LAT: dict[str, Any] = dict(type="float", unit="degrees", minimum=-90.0, maximum=90.0)
LON: dict[str, Any] = dict(type="float", unit="degrees", minimum=-180.0, maximum=180.0)
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
            allowed=("mx_pacific", "mx_gulf", "ca_pacific", "us_pacific", "us_gulf", "asia"),
        ),
        Field(
            "role", "str", "role in the network", allowed=("origin", "transshipment", "destination")
        ),
        Field("lat", description="latitude of the container terminal", **LAT),
        Field("lon", description="longitude of the container terminal", **LON),
        Field(
            "capacity_teu_per_year",
            "float",
            "container capacity; the literal `unlimited` opts a user dataset out of the "
            "bound (the default dataset must give a number)",
            unit="TEU/year",
            minimum=0.0,
            exclusive_minimum=True,
            maximum=MAX_TEU_PER_YEAR,
            literals=("unlimited",),
        ),
        Field(
            "capacity_basis",
            "str",
            "what the capacity figure measures",
            allowed=("total_throughput", "export_side", "nameplate", "unlimited"),
        ),
        Field("export_dwell_h", "float",
              "typical dwell of an export box from gate-in to loading (origin port)",
              unit="h", minimum=0.0, maximum=MAX_WAIT_H),
        Field("import_dwell_h", "float",
              "typical dwell of an import box from discharge to gate-out (destination port)",
              unit="h", minimum=0.0, maximum=MAX_WAIT_H),
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
              minimum=0.0, maximum=MAX_WAIT_H, required=False, nullable=True),
        Field("crossing_h_rail", "float", "rail crossing time (empty: default)", unit="h",
              minimum=0.0, maximum=MAX_WAIT_H, required=False, nullable=True),
        Field("fee_usd_per_teu_road", "float", "road crossing fees (empty: default)",
              unit="USD/TEU", minimum=0.0, maximum=MAX_CHARGE_USD_PER_TEU, required=False,
              nullable=True),
        Field("fee_usd_per_teu_rail", "float", "rail crossing fees (empty: default)",
              unit="USD/TEU", minimum=0.0, maximum=MAX_CHARGE_USD_PER_TEU, required=False,
              nullable=True),
        Field("customs_h_road", "float",
              "customs / broker step for a truck (empty: default)", unit="h",
              minimum=0.0, maximum=MAX_WAIT_H, required=False, nullable=True),
        Field("customs_h_rail", "float",
              "customs step for a train (empty: default)", unit="h",
              minimum=0.0, maximum=MAX_WAIT_H, required=False, nullable=True),
        Field("interchange_h_rail", "float",
              "handover between the railways of the two sides (empty: default; 0 where one "
              "railway runs through)", unit="h", minimum=0.0, maximum=MAX_WAIT_H,
              required=False, nullable=True),
        Field("capacity_teu_per_year_road", "float",
              "published truck crossing capacity as TEU (empty: none published, unbounded)",
              unit="TEU/year", minimum=0.0, exclusive_minimum=True, maximum=MAX_TEU_PER_YEAR,
              required=False, nullable=True),
        Field("capacity_teu_per_year_rail", "float",
              "published rail crossing capacity as TEU (empty: none published, unbounded)",
              unit="TEU/year", minimum=0.0, exclusive_minimum=True, maximum=MAX_TEU_PER_YEAR,
              required=False, nullable=True),
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
        Field("distance_km", "float", "length along the corridor", unit="km", minimum=0.0,
              exclusive_minimum=True, maximum=MAX_LINK_KM),
        Field("documented_km", "float", "published corridor distance", unit="km",
              minimum=0.0, exclusive_minimum=True, maximum=MAX_LINK_KM, required=False,
              nullable=True),
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
        Field("teu_per_year", "float", "demand", unit="TEU/year", minimum=0.0,
              maximum=MAX_TEU_PER_YEAR),
        Field("cargo_value_usd_per_teu", "float", "declared cargo value", unit="USD/TEU",
              minimum=0.0, maximum=MAX_CARGO_VALUE_USD_PER_TEU, required=False, nullable=True),
        SOURCE,
    ),
)

SERVICES = TableSchema(
    name="services",
    filename="services.csv",
    description=(
        "Liner services, one row per service: the ordered rotation of port calls "
        "(UN/LOCODEs separated by ';', the loop closes back to the first call), "
        "sailings per week and published transit days. Sea edges of the routing graph "
        "follow these rotations (networks/services.py). Calls at ports absent from the "
        "ports table drop out of the rotation with one logged warning per service (quietly "
        "for calls marked '~', published calls the dataset leaves out on purpose). Any "
        "other port pair has only a hypothetical leg (opt-in, `--allow-hypothetical`)."
    ),
    id_field="service",
    fields=(
        Field("service", "str", "service id (no ':'), e.g. TLP5",
              pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"),
        Field("operators", "str", "operating carrier(s), ';'-separated"),
        Field("rotation", "str",
              "ordered port calls, UN/LOCODEs separated by ';' (at least 2); '~CODE' marks a "
              "published call at a port the dataset does not model (skipped quietly)",
              pattern=r"^~?[A-Z]{2}[A-Z2-9]{3}(;~?[A-Z]{2}[A-Z2-9]{3})+$"),
        Field("sailings_per_week", "float", "frequency (boarding waits half the headway)",
              unit="sailings/week", minimum=0.01, maximum=21.0),
        Field("transit_days", "str",
              "published port-to-port transit days, 'FROM>TO=days;...' (checked when the "
              "graph is built; tests compare the model's sea times with them)",
              required=False, nullable=True),
        SOURCE,
    ),
)

PORT_CHARGES = TableSchema(
    name="port_charges",
    filename="port_charges.csv",
    description=(
        "Terminal charges per TEU, one basis for every port: export handling where a box "
        "boards its first ship, import handling where it leaves its last one, and the "
        "transshipment charge and minimum connection dwell between two services (the wait "
        "for the onward sailing is added from its frequency). Rows for ports the dataset "
        "lacks are ignored; a port without a row uses the `ocean.default_handling_usd_per_teu` "
        "parameter with a warning."
    ),
    id_field="locode",
    fields=(
        Field("locode", "str", "UN/LOCODE", pattern=LOCODE_PATTERN),
        Field("export_handling_usd_per_teu", "float", "origin (export) handling",
              unit="USD/TEU", minimum=0.0, maximum=5000.0),
        Field("import_handling_usd_per_teu", "float", "destination (import) handling",
              unit="USD/TEU", minimum=0.0, maximum=5000.0),
        Field("transshipment_usd_per_teu", "float", "transshipment handling (discharge + load)",
              unit="USD/TEU", minimum=0.0, maximum=5000.0),
        Field("transshipment_dwell_h", "float", "minimum connection time between services",
              unit="h", minimum=0.0, maximum=720.0),
        SOURCE,
    ),
)

TABLES: dict[str, TableSchema] = {
    s.name: s
    for s in (PORTS, PORT_ACCESS, HUBS, BORDERS, JUNCTIONS, LAND_LINKS, SERVICES,
              PORT_CHARGES, DEMAND)
}


def schema_markdown() -> str:
    """The schema reference as Markdown (``docs/datasets.md`` must equal this)."""
    out = ["# Dataset schemas", "",
           "Generated from `networks/schema.py` by `bypass data schema --out docs/datasets.md`;",
           "a test keeps this page in sync.", "",
           "A dataset is a folder. Every command takes `--data DIR`; a file the folder",
           "lacks comes from the default dataset (the command says which). Rows of",
           "default-filled tables that name ids your files do not have (a port you",
           "dropped) are left out with a warning; in your own files an unknown id is an",
           "error. `bypass data validate DIR` lists every problem, one line each:",
           "`file:row field 'name': problem (got value, expected ...)`.", "",
           "Table formats, chosen by extension (one file per table):", ""]
    out += [f"- `{ext}`: {text}" for ext, text in TABLE_FORMATS.items()]
    out += ["", "In GeoJSON/GeoPackage/GeoParquet the feature geometry is the `geometry` "
            "field (`waypoints` for port_access); point tables (ports, hubs, borders, "
            "junctions) may leave out `lat`/`lon` and give POINT geometries instead.", ""]
    for s in TABLES.values():
        out += [f"## `{s.filename}` ({s.name})", "", s.description, ""]
        if s.id_field:
            out += [f"Id column: `{s.id_field}` (unique).", ""]
        out += ["| field | type | unit | required | allowed / range | description |",
                "|---|---|---|---|---|---|"]
        for f in s.fields:
            rng = ", ".join(f.allowed)
            if f.minimum is not None or f.maximum is not None:
                rng = f.range_text()
            if f.pattern:
                rng = f"`{f.pattern}`"
            req = "yes" if f.required else "no"
            if f.nullable:
                req += " (may be empty)"
            out.append(f"| `{f.name}` | {f.type} | {f.unit} | {req} | {rng} | {f.description} |")
        out.append("")
    for t in TOML_FILES.values():
        out += _toml_markdown(t)
    out += _import_markdown()
    return "\n".join(out)


#: WPI-style CSV column -> ports field. Alternatives are tried in order.
WPI_COLUMNS: dict[str, tuple[str, ...]] = {
    "locode": ("UN/LOCODE", "UNLOCODE", "LOCODE"),
    "name": ("Main Port Name", "Port Name", "PORT_NAME"),
    "lat": ("Latitude", "LATITUDE", "Lat"),
    "lon": ("Longitude", "LONGITUDE", "Lon"),
}
#: Informational only: the country is taken from the UN/LOCODE prefix.
WPI_IGNORED = ("Country Code", "World Port Index Number", "Region Name", "Harbor Size")

#: Countries whose ports the model treats as Asian destinations (East, Southeast
#: and South Asia; Russia is left out because its ports span two oceans).
ASIA = ("CHN", "HKG", "MAC", "TWN", "JPN", "KOR", "PRK", "VNM", "THA", "MYS", "SGP", "IDN",
        "PHL", "KHM", "MMR", "BRN", "TLS", "LAO", "MNG", "IND", "BGD", "LKA", "PAK")

DEFAULT_RULES = (
    "region: MEX -> mx_pacific when lon < -100 or lat < 17 (Pacific coast incl. the "
    "Isthmus and Chiapas), else mx_gulf; CAN -> ca_pacific when lon < -115 and lat < 60 "
    "(not the Arctic coast); USA -> us_pacific when lon < -115; other CAN/USA ports are "
    "skipped (no Atlantic lanes in the model); Asian countries (ASIA) -> asia; any other "
    "country is skipped",
    "inland (dry) ports farther than 200 km from the sea network are skipped",
    "role: mx_* -> origin, ca_pacific/us_pacific -> transshipment, asia -> destination",
    "export_dwell_h, import_dwell_h: the median of the default "
    "dataset's ports of the same region",
    "capacity_teu_per_year: the literal `unlimited` with capacity_basis `unlimited` (the "
    "sources carry no capacity; replace it with a sourced figure to bound the port)",
)




def _import_markdown() -> list[str]:
    out = ["## Importing port lists", "",
           "`bypass data import-ports --format searoute|wpi [SOURCE] --out ports.csv "
           "[--countries MEX,CAN,...]` writes a `ports.csv` from a public list:", "",
           "- `searoute`: the `ports.geojson` shipped in the `searoute` package (used when "
           "SOURCE is left out): `port` -> `locode`, `name` -> `name`, Point -> `lon`, `lat`.",
           "- `wpi`: a World-Port-Index-style CSV: "
           + "; ".join(f"`{names[0]}` -> `{field}`" for field, names in WPI_COLUMNS.items())
           + " (other columns, e.g. `Country Code`, are ignored).", "",
           "`country` is the ISO3 code of the UN/LOCODE's ISO alpha-2 prefix (Natural Earth "
           "`ISO_A2_EH` -> `ADM0_A3`). Fields the sources lack are filled by these rules, "
           "and each row's `source` says so:", ""]
    out += [f"- {rule}" for rule in DEFAULT_RULES]
    out += ["", "Asian countries: " + ", ".join(ASIA) + ".", ""]
    return out


# ------------------------------------------------------------------ TOML files


@dataclass(frozen=True)
class TomlKey:
    """One key of a TOML file: dotted name, unit, and whether the model needs it."""

    key: str
    unit: str
    description: str
    required: bool = True


@dataclass(frozen=True)
class TomlSchema:
    """A TOML file: its name, the shape of a leaf, and the keys it documents."""

    name: str
    filename: str
    description: str
    keys: tuple[TomlKey, ...]
    leaf: str = ""  # how a leaf is written (for the docs)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(k.key for k in self.keys if k.required)


_RATE = "USD/TEU"
PARAMETERS = TomlSchema(
    name="parameters",
    filename="parameters.toml",
    description=(
        "The cost, time and CO2 model. Every leaf parameter is a table "
        "`{ value = <number in its range>, unit = \"...\", source = \"...\" }`; `source` is a "
        "citation (short title, URL, date) or `ASSUMPTION: why`. `[meta]` holds plain "
        "values (date, currency, description). Keys the model does not read (e.g. "
        "`[reference.*]` constants) are allowed and checked the same way. A per-country "
        "key missing for a country falls back to the `MEX` figure."
    ),
    leaf="{ value, unit, source }",
    keys=(
        TomlKey("ocean.speed_kn", "kn", "liner service speed"),
        TomlKey("ocean.port_call_h", "h per port call", "time per port call of a sea leg"),
        *(TomlKey(f"ocean.rate.{lane}.{part}", unit,
                  f"ocean rate model, {lane}: {what} (rate = base + per_nm x direct nm)",
                  required=False)
          for lane in ("transpacific_wb", "intra_asia", "na_coastal")
          for part, unit, what in (("base_usd_per_teu", _RATE, "base"),
                                   ("per_usd_per_teu_nm", "USD/TEU per nm", "per nm"))),
        TomlKey("ocean.rate_usd_per_teu.asia_to_na", _RATE,
                "Asia -> North America rate (reference; headhaul legs are left out)",
                required=False),
        TomlKey("ocean.hypothetical_rate_factor", "x liner rate",
                "price of a direct leg with no liner service (opt-in)", required=False),
        TomlKey("ocean.default_handling_usd_per_teu", _RATE,
                "handling of a port without a port_charges row", required=False),
        TomlKey("ocean.suez_toll_usd_per_teu", "USD per loaded TEU", "Suez Canal toll",
                required=False),
        TomlKey("ocean.suez_transit_h", "h", "Suez Canal transit time", required=False),
        TomlKey("ocean.panama_toll_usd_per_teu", "USD per loaded TEU", "Panama Canal toll"),
        TomlKey("ocean.panama_transit_h", "h", "Panama Canal transit time"),
        TomlKey("rail.cost_usd_per_teu_km.MEX", "USD/TEU-km", "rail line-haul cost, Mexico"),
        TomlKey("rail.cost_usd_per_teu_km.USA", "USD/TEU-km", "rail line-haul cost, US",
                required=False),
        TomlKey("rail.cost_usd_per_teu_km.CAN", "USD/TEU-km", "rail line-haul cost, Canada",
                required=False),
        TomlKey("rail.speed_kmh.MEX", "km/h", "rail average speed, Mexico"),
        TomlKey("rail.speed_kmh.USA", "km/h", "rail average speed, US", required=False),
        TomlKey("rail.speed_kmh.CAN", "km/h", "rail average speed, Canada", required=False),
        TomlKey("rail.terminal_h", "h per rail leg end", "rail terminal time per ramp"),
        TomlKey("road.cost_usd_per_teu_km.MEX", "USD/TEU-km", "truck cost, Mexico"),
        TomlKey("road.cost_usd_per_teu_km.USA", "USD/TEU-km", "truck cost, US", required=False),
        TomlKey("road.cost_usd_per_teu_km.CAN", "USD/TEU-km", "truck cost, Canada",
                required=False),
        TomlKey("road.speed_kmh.MEX", "km/h", "truck average speed, Mexico"),
        TomlKey("road.speed_kmh.USA", "km/h", "truck average speed, US", required=False),
        TomlKey("road.speed_kmh.CAN", "km/h", "truck average speed, Canada", required=False),
        TomlKey("road.hos.max_driving_h.MEX", "h", "truck driving per shift (NOM-087); "
                "`.USA`, `.CAN` likewise", required=False),
        TomlKey("road.hos.rest_h.MEX", "h", "truck rest between shifts; per country",
                required=False),
        TomlKey("road.hos.break_every_h.MEX", "h", "driving before a short break; per country",
                required=False),
        TomlKey("road.hos.break_h.MEX", "h", "short break length; per country", required=False),
        TomlKey("transfer.interchange_usd_per_teu", "USD/TEU", "rail <-> truck lift"),
        TomlKey("transfer.interchange_h", "h", "rail <-> truck interchange time",
                required=False),
        TomlKey("border.default_crossing_h.road", "h", "road border time (crossing default)"),
        TomlKey("border.default_crossing_h.rail", "h", "rail border time (crossing default)"),
        TomlKey("border.default_customs_h.road", "h",
                "customs / broker step at a truck crossing (crossing default)", required=False),
        TomlKey("border.default_customs_h.rail", "h",
                "customs step at a rail crossing (crossing default)", required=False),
        TomlKey("border.default_interchange_h.rail", "h",
                "railway-to-railway handover at a rail crossing (crossing default)",
                required=False),
        TomlKey("border.default_fee_usd_per_teu.road", "USD/TEU",
                "road border fees (crossing default)"),
        TomlKey("border.default_fee_usd_per_teu.rail", "USD/TEU",
                "rail border fees (crossing default)"),
        TomlKey("co2.g_per_teu_km.sea", "g CO2e/TEU-km", "sea CO2e intensity"),
        *(TomlKey(f"co2.sea_g_per_teu_km.{lane}", "g CO2e/TEU-km",
                  f"sea CO2e intensity on the {lane} lane (fallback: co2.g_per_teu_km.sea)",
                  required=False)
          for lane in ("transpacific_wb", "intra_asia", "na_coastal")),
        TomlKey("co2.g_per_teu_km.rail", "g CO2e/TEU-km", "rail CO2e intensity"),
        TomlKey("co2.g_per_teu_km.road", "g CO2e/TEU-km", "road CO2e intensity"),
        TomlKey("co2.g_per_teu.handling", "g CO2e per TEU per terminal pass",
                "CO2e of one terminal lift"),
    ),
)

SCENARIO = TomlSchema(
    name="scenario",
    filename="scenarios/<name>.toml",
    description=(
        "A tariff/disruption scenario priced on routes through the US (read by "
        "`routing/scenarios.py`; `--scenario NAME` or a path). Plain TOML values, not "
        "`{ value, unit, source }` tables: the citations are the `[[sources]]` list. "
        "Charges per TEU on a route through the US: surcharge + duty% x cargo value + "
        "delay h x value x carrying cost / 8760 + probability x (fallback cost + "
        "delay days x value x carrying cost / 365). US-free routes are never charged."
    ),
    leaf="plain values",
    keys=(
        TomlKey("name", "", "scenario name (non-empty string)"),
        TomlKey("description", "", "what the scenario assumes"),
        TomlKey("as_of", "date", "date of the figures (YYYY-MM-DD)"),
        TomlKey("sources", "", "`[[sources]]` list (at least one) of `title`, `url` "
                "(http/https), `date`, optional `note`"),
        TomlKey("us_transit", "", "`[us_transit]` table; the five keys below default to 0"),
        TomlKey("us_transit.surcharge_usd_per_teu", "USD/TEU", "flat charge, 0 .. 1e7",
                required=False),
        TomlKey("us_transit.duty_pct_of_cargo_value", "% of cargo value", "duty, 0 .. 1000",
                required=False),
        TomlKey("us_transit.extra_border_delay_h", "h", "extra delay, 0 .. 1e5",
                required=False),
        TomlKey("us_transit.disruption_probability", "probability",
                "chance per shipment that the flow is stopped, 0 .. 1", required=False),
        TomlKey("us_transit.disruption_delay_days", "days", "delay before re-shipping, 0 .. 3650",
                required=False),
        TomlKey("valuation.carrying_cost_pct_per_year", "% of cargo value per year",
                "inventory carrying cost (default 20), 0 .. 1000", required=False),
        TomlKey("policy.forbid_us_transit", "true/false",
                "no route through the US is offered (gateway corridors only; default false)",
                required=False),
        TomlKey("port_dwell.<port id>", "h",
                "extra dwell per box at that port, valued at the carrying cost and solved "
                "into the corridors, 0 .. 1e4", required=False),
    ),
)

TOML_FILES: dict[str, TomlSchema] = {PARAMETERS.name: PARAMETERS, SCENARIO.name: SCENARIO}


@dataclass(frozen=True)
class Bound:
    """Range of the parameters under a dotted prefix (the longest matching prefix wins)."""

    prefix: str
    unit: str
    minimum: float
    maximum: float
    exclusive_minimum: bool = False
    why: str = ""

    def text(self) -> str:
        lo = f"> {self.minimum:g}" if self.exclusive_minimum else f"{self.minimum:g}"
        return f"{lo} .. {self.maximum:g} {self.unit}".rstrip()


#: Physically possible ranges of parameters.toml values. Every bound is an
#: ASSUMPTION far outside real values (reason in ``why``), so that a typo or a unit
#: mix-up is an error, not an answer; speeds must be > 0 (times divide by them).
PARAMETER_BOUNDS: tuple[Bound, ...] = (
    Bound("ocean.speed_kn", "kn", 0.0, 40.0, True,
          "the fastest container ships are designed for about 25 kn"),
    Bound("ocean.port_call_h", "h", 0.0, MAX_WAIT_H, why="90 days"),
    Bound("ocean.rate_usd_per_teu", "USD/TEU", 0.0, 5e4,
          why="five times the 2021 peak spot rates (about 10,000 USD/TEU)"),
    Bound("ocean.panama_toll_usd_per_teu", "USD/TEU", 0.0, MAX_CHARGE_USD_PER_TEU),
    Bound("ocean.panama_transit_h", "h", 0.0, MAX_WAIT_H),
    *(Bound(f"ocean.rate.{lane}.base_usd_per_teu", "USD/TEU", 0.0, 5e4,
            why="five times the 2021 peak spot rates (about 10,000 USD/TEU)")
      for lane in ("transpacific_wb", "intra_asia", "na_coastal")),
    *(Bound(f"ocean.rate.{lane}.per_usd_per_teu_nm", "USD/TEU per nm", 0.0, 10.0,
            why="10 USD/TEU per nm is 100,000 USD/TEU across the Pacific")
      for lane in ("transpacific_wb", "intra_asia", "na_coastal")),
    Bound("ocean.hypothetical_rate_factor", "x liner rate", 0.0, 100.0,
          why="a charter premium of 100x the liner rate is no longer a price"),
    Bound("ocean.default_handling_usd_per_teu", "USD/TEU", 0.0, MAX_CHARGE_USD_PER_TEU),
    Bound("ocean.suez_toll_usd_per_teu", "USD/TEU", 0.0, MAX_CHARGE_USD_PER_TEU),
    Bound("ocean.suez_transit_h", "h", 0.0, MAX_WAIT_H),
    Bound("rail.cost_usd_per_teu_km", "USD/TEU-km", 0.0, 100.0,
          why="land haulage costs a few USD per TEU-km at most"),
    Bound("road.cost_usd_per_teu_km", "USD/TEU-km", 0.0, 100.0,
          why="land haulage costs a few USD per TEU-km at most"),
    Bound("rail.speed_kmh", "km/h", 0.0, 200.0, True, "freight trains run below 160 km/h"),
    Bound("road.speed_kmh", "km/h", 0.0, 130.0, True, "the highest truck speed limits"),
    Bound("rail.terminal_h", "h", 0.0, MAX_WAIT_H),
    Bound("transfer.interchange_usd_per_teu", "USD/TEU", 0.0, MAX_CHARGE_USD_PER_TEU),
    Bound("transfer.interchange_h", "h", 0.0, MAX_WAIT_H),
    Bound("border.default_crossing_h", "h", 0.0, MAX_WAIT_H),
    Bound("border.default_customs_h", "h", 0.0, MAX_WAIT_H),
    Bound("border.default_interchange_h", "h", 0.0, MAX_WAIT_H),
    Bound("road.hos.max_driving_h", "h", 0.0, 24.0, True,
          "driving per shift cannot exceed a day (and the shift count divides by it)"),
    Bound("road.hos.rest_h", "h", 0.0, 168.0, why="a week"),
    Bound("road.hos.break_every_h", "h", 0.0, 24.0, True,
          "a driving spell cannot exceed a day (and the break count divides by it)"),
    Bound("road.hos.break_h", "h", 0.0, 24.0, why="a day"),
    Bound("border.default_fee_usd_per_teu", "USD/TEU", 0.0, MAX_CHARGE_USD_PER_TEU),
    Bound("co2.g_per_teu_km", "g CO2e/TEU-km", 0.0, 1e4,
          why="ten times a truck's intensity (about 1,000 g per TEU-km)"),
    Bound("co2.sea_g_per_teu_km", "g CO2e/TEU-km", 0.0, 1e4,
          why="ten times a truck's intensity (about 1,000 g per TEU-km)"),
    Bound("co2.g_per_teu", "g CO2e/TEU", 0.0, 1e6),
)
#: Any other numeric parameter: >= 0 and at most this (the solver's integer
#: weights stay exact below it); any key with "speed" in its name must be > 0.
MAX_PARAMETER = 1e9


def parameter_bound(dotted: str) -> Bound:
    """The range a parameter's value must lie in (longest matching prefix, else generic)."""
    best = None
    for b in PARAMETER_BOUNDS:
        if (dotted == b.prefix or dotted.startswith(b.prefix + ".")) and (
                best is None or len(b.prefix) > len(best.prefix)):
            best = b
    if best is not None:
        return best
    speed = any("speed" in part for part in dotted.split("."))
    return Bound(dotted, "", 0.0, MAX_PARAMETER, speed)

#: Other formats a table may be given in (same stem, e.g. ``land_links.gpkg``).
TABLE_FORMATS = {
    ".csv": "CSV, UTF-8, header row; geometry as WKT; row = line number",
    ".geojson": "GeoJSON FeatureCollection; fields in `properties`; row = feature number",
    ".gpkg": "GeoPackage (first layer); row = feature number",
    ".parquet": "Parquet or GeoParquet (geometry as WKB or WKT); row = record number",
}
#: Every file extension a table may have (``.json`` and ``.geoparquet`` are
#: accepted spellings of GeoJSON and Parquet); the readers and the cache key use it.
TABLE_EXTENSIONS = (*TABLE_FORMATS, ".json", ".geoparquet")


def _toml_markdown(s: TomlSchema) -> list[str]:
    out = [f"## `{s.filename}` ({s.name})", "", s.description, "",
           "| key | unit | required | description |", "|---|---|---|---|"]
    for k in s.keys:
        out.append(f"| `{k.key}` | {k.unit} | {'yes' if k.required else 'no'} "
                   f"| {k.description} |")
    out.append("")
    if s is PARAMETERS:
        out += ["Allowed ranges (by key prefix; ASSUMPTION: far outside real values, so a "
                "typo or a unit mix-up is an error rather than an answer). Any other numeric "
                f"parameter must be 0 .. {MAX_PARAMETER:g}, and > 0 if its key names a speed.",
                "", "| key prefix | range | why |", "|---|---|---|"]
        out += [f"| `{b.prefix}` | {b.text()} | {b.why} |" for b in PARAMETER_BOUNDS]
        out.append("")
    return out
