"""bypass.networks: datasets, geography, sea and land networks, the routing graph."""

from __future__ import annotations

__all__ = ["__version__"]


def _version() -> str:
    """The version, written once in ``pyproject.toml``: from the installed metadata,
    else (a source checkout on ``PYTHONPATH``) from ``pyproject.toml`` itself."""
    from importlib.metadata import PackageNotFoundError, version
    from pathlib import Path

    try:
        return version("bypass")
    except PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, ValueError):
            return "0+unknown"


__version__ = _version()
