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
