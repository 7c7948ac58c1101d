"""Reading a value out of the parameters file's nested tables.

A module of its own so the cost functions (:mod:`networks.costs`) need not
import the dataset I/O layer: data flows dataset -> parameters -> costs.
"""

from __future__ import annotations

from collections.abc import Mapping

from networks.errors import DatasetError

__all__ = ["PARAMETERS_FILE", "parameter"]

PARAMETERS_FILE = "parameters.toml"


def parameter(params: Mapping, dotted: str) -> float:
    """The numeric value of a parameter such as ``"rail.speed_kmh.MEX"``."""
    node: object = params
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise DatasetError(PARAMETERS_FILE, "missing parameter", field=dotted,
                               expected="a {value, unit, source} table")
        node = node[part]
    if isinstance(node, Mapping):
        node = node.get("value")
    return float(node)  # type: ignore[arg-type]
