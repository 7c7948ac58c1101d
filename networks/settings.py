"""Settings in one place: constants, paths and defaults that modules share."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "EEZ_NM",
    "KM_PER_NM",
    "TERRITORIAL_SEA_NM",
    "US",
    "cache_dir",
]

#: Kilometres per international nautical mile (exact by definition).
KM_PER_NM = 1.852

#: Directory of the embedded default dataset.
DATA_DIR = Path(__file__).resolve().parent / "data"

#: Width of the US territorial sea and EEZ (UNCLOS arts. 3 and 57), nautical miles.
TERRITORIAL_SEA_NM = 12.0
EEZ_NM = 200.0

#: ISO 3166-1 alpha-3 code of the country whose transit bypass avoids.
US = "USA"


def cache_dir() -> Path:
    """Where derived data (sea legs) is cached; safe to delete at any time.

    ``BYPASS_CACHE_DIR`` overrides the per-user cache directory.
    """
    override = os.environ.get("BYPASS_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("bypass"))

#: TEU per FEU: the one 20'/40' conversion of the project. A figure quoted per
#: 40' box is divided by this to get USD per TEU; a figure per 20' box is per TEU
#: as it stands. Dataset figures (parameters.toml, port_charges.csv) are stored per
#: TEU, derived with this rule in their source text.
TEU_PER_FEU = 2.0


def per_teu_from_feu(value_per_feu: float) -> float:
    """USD (or any amount) per TEU from a figure quoted per 40' box."""
    return value_per_feu / TEU_PER_FEU
