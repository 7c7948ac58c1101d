"""Corrections overlay for the MARNET sea network shipped by ``searoute``.

The upstream network is used as a dependency and never edited: these
corrections are applied on top when the sea graph is built. Each one says
what is wrong upstream and what the correction does; ``tests/test_sea.py``
checks each one. A correction either removes upstream edges (named by their
end coordinates, so an upstream change that drops them fails loudly) or adds
lanes (polylines whose vertices become nodes; a vertex equal to an upstream
node joins it).

Coordinates are lon/lat in EPSG:4326.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CORRECTIONS",
    "Correction",
]

Point = tuple[float, float]


@dataclass(frozen=True)
class Correction:
    """One documented change to the upstream sea network."""

    id: str
    reason: str
    add: tuple[tuple[Point, ...], ...] = ()
    remove: tuple[tuple[Point, Point], ...] = ()


# Upstream nodes the corrections join (exact MARNET coordinates).
_MX_SOUTH_HUB = (-103.40332, 17.983958)  # offshore Colima/Michoacan
_MX_SE = (-99.9, 16.5)  # off Guerrero, toward Panama
_MX_SW = (-105.5, 18.0)  # south-west of Manzanillo, toward Asia
_CABO_CORRIENTES = (-106.489938, 20.102998)
_OFF_SAN_DIEGO = (-117.7702, 32.6652)
_GUADALUPE_W = (-120.0, 30.0)
_GUADALUPE_E = (-117.491362, 28.696433)
_OFF_SAN_BLAS = (-105.776367, 21.350781)  # upstream node off Nayarit, south of Mazatlan
_OFF_JALISCO = (-105.50, 19.70)  # vertex of the Manzanillo lane (mx-pacific-approaches)

CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        id="mx-pacific-approaches",
        reason=(
            "Upstream has one node 130-150 km offshore for both Manzanillo and "
            "Lazaro Cardenas; nearest-node snapping merges the two ports and adds "
            "a long dog-leg. Add a coastal lane with a distinct approach node "
            "off each port, joined to the offshore lanes toward Asia, Panama "
            "and the Baja California coast."
        ),
        add=(
            # Lazaro Cardenas approach -> offshore hub and toward Panama.
            ((-102.25, 17.80), _MX_SOUTH_HUB),
            ((-102.25, 17.80), _MX_SE),
            # Manzanillo approach -> offshore hub, toward Asia and north-west.
            ((-104.45, 18.90), _MX_SOUTH_HUB),
            ((-104.45, 18.90), _MX_SW),
            ((-104.45, 18.90), (-105.00, 19.20), (-105.50, 19.70), _CABO_CORRIENTES),
        ),
    ),
    Correction(
        id="cabo-corrientes-coastal-lane",
        reason=(
            "Between Mazatlan and Manzanillo the network's only lane swings out "
            "to a node about 45 nm west of Cabo Corrientes (-106.49, 20.10), "
            "making Mazatlan-Manzanillo 358 nm against 297 nm in NGA Pub. 151 "
            "(+20 %). Add the coastal lane ships sail: from off San Blas, about "
            "8 nm west of Cabo Corrientes, to the Jalisco coast lane toward "
            "Manzanillo (316 nm, +6 %; the rest is the approach dog-legs)."
        ),
        add=((_OFF_SAN_BLAS, (-105.85, 20.40), _OFF_JALISCO),),
    ),
    Correction(
        id="ensenada-approach",
        reason=(
            "Nearest-node snapping sends Ensenada to a node off San Diego, 114 km "
            "away inside US waters. Give Todos Santos Bay its own approach node "
            "with lanes north (toward Los Angeles) and south-west into the open "
            "Pacific, so US-free legs need not enter US waters."
        ),
        add=(
            ((-116.80, 31.78), _OFF_SAN_DIEGO),
            ((-116.80, 31.78), (-117.40, 32.35), (-117.3, 32.7)),
            ((-116.80, 31.78), _GUADALUPE_W),
            ((-116.80, 31.78), (-116.40, 30.40), _GUADALUPE_E),
        ),
    ),
    Correction(
        id="isla-guadalupe",
        reason=(
            "The upstream edge between (-120, 30) and (-117.49, 28.70) crosses "
            "Isla Guadalupe (about 10 km over land). Replace it with a lane "
            "passing south of the island."
        ),
        remove=((_GUADALUPE_W, _GUADALUPE_E),),
        add=((_GUADALUPE_W, (-118.55, 28.70), _GUADALUPE_E),),
    ),
    Correction(
        id="prince-rupert-dixon-entrance",
        reason=(
            "Upstream sends Prince Rupert traffic north up the Gulf of Alaska "
            "to about 60N, making Prince Rupert-Yokohama about 9 % longer than "
            "the published distance. Add the real exit: west through Chatham "
            "Sound and Dixon Entrance into the open Pacific, joined to the "
            "great-circle lanes toward the Aleutians."
        ),
        add=(
            (
                (-130.499163, 54.210928),
                (-130.85, 54.42),
                (-131.80, 54.50),
                (-132.90, 54.45),
                (-134.00, 54.30),
                (-140.0, 53.5),
                (-150.0, 52.5),
                (-160.0, 50.0),
            ),
            # Great-circle track south of the Aleutians to the Kuril lanes.
            (
                (-134.00, 54.30),
                (-163.50, 53.80),
                (-172.00, 51.60),
                (180.0, 50.70),
                (170.0, 50.30),
                (161.437300, 48.475500),
            ),
        ),
    ),
    Correction(
        id="no-inside-passage",
        reason=(
            "Upstream routes Vancouver's northbound and trans-Pacific traffic "
            "through Discovery Passage and Johnstone Strait (Seymour Narrows), "
            "which ocean container ships do not use, and two of its edges cut "
            "about 8 km across Quadra and Sonora islands. Remove them; traffic "
            "leaves through Juan de Fuca Strait, as liner services do."
        ),
        remove=(
            ((-125.421295, 50.325299), (-125.204315, 49.990084)),
            ((-125.863495, 50.393637), (-125.558624, 50.371744)),
        ),
    ),
    Correction(
        id="offshore-lanes-outside-us-territorial-sea",
        reason=(
            "Upstream coastal lanes from Baja California to the Salish Sea and "
            "the great-circle exits from Ensenada run inside the US 12 nm "
            "territorial sea (Channel Islands, Santa Barbara Channel, Point "
            "Conception, Cape Mendocino). Ships may sail further out; add lanes "
            "200-250 km offshore (inside the US EEZ, outside its territorial "
            "sea) from off Ensenada and Baja California to Juan de Fuca Strait, "
            "Dixon Entrance and the trans-Pacific lanes, so a route that must "
            "avoid US territorial waters exists and the exposure is measurable."
        ),
        add=(
            ((-116.80, 31.78), (-119.00, 32.30), (-121.50, 33.50)),
            (_GUADALUPE_W, (-121.50, 33.50)),
            ((-121.50, 33.50), (-125.50, 36.60), (-130.346478, 39.680253)),
            ((-125.50, 36.60), (-127.00, 41.00), (-127.00, 46.00), (-125.5016, 48.5683)),
            ((-127.00, 46.00), (-131.00, 51.00), (-134.00, 54.30)),
        ),
    ),
)
