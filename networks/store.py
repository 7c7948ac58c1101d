"""The routing graph's disk cache: data only, checked on load, built once at a time.

Why a module of its own: a warm ``bypass route`` should load its graph without
importing pandas, geopandas or the geography stack, and a file planted in a
shared cache folder must never run code. So:

* The cache key (:func:`graph_fingerprint`, from :mod:`networks.fingerprint`)
  hashes the *bytes* of the dataset files, the ``networks`` source files and
  the versions of the data the builder reads; nothing is parsed to compute it.
* The cache file is a NumPy ``.npz`` read with ``allow_pickle=False``: a JSON
  document (node and edge attributes, tagged so tuples stay tuples) and the
  edge geometries as WKB bytes. Its header names the format, its version and
  the fingerprint, and a SHA-256 of the payload; a corrupt, foreign or stale
  file is rebuilt with a logged warning, never trusted.
* Cold builds take a file lock, so concurrent cold runs wait for the first
  instead of each rebuilding; an unwritable cache folder logs one warning and
  the graph is built without a cache.

``load_or_build`` (``networks.build.load_graph``) returns a fresh
:class:`~networks.graph.RoutingGraph` on every call (decoded from the
in-process copy of the cache file), so editing one loaded graph can never
change what the next ``load_graph()`` returns.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from networks import settings
from networks.atomic import cache_writable, touch_cache, write_cache
from networks.errors import CacheError
from networks.fingerprint import (
    CACHE_FORMAT,
    CACHE_SCHEMA,
    dataset_files,
    graph_fingerprint,
    header_problem,
)
from networks.graph import RoutingGraph

__all__ = [
    "CACHE_FORMAT",
    "Builder",
    "dataset_files",
    "decode_graph",
    "encode_graph",
    "graph_fingerprint",
    "load_or_build",
]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
#: ``build(data_dir, progress, dataset) -> graph``: a cold build (see networks.build).
Builder = Callable[[Any, Progress, Any], Any]

#: How long a cold run waits for another process building the same graph (s).
LOCK_TIMEOUT_S = 900.0


def _noop(_: str) -> None:
    return None


# --------------------------------------------------------------------------- key
# The key functions live in networks.fingerprint (no numpy/shapely: a warm
# route computes the key first); re-exported here for existing callers.


# --------------------------------------------------------------------------- encoding
def _enc(value: Any, geoms: list[BaseGeometry]) -> Any:
    """A JSON-able, tagged form of an attribute value ([tag, payload] for containers)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, np.generic):
        return _enc(value.item(), geoms)
    if isinstance(value, tuple):
        return ["t", [_enc(v, geoms) for v in value]]
    if isinstance(value, list):
        return ["l", [_enc(v, geoms) for v in value]]
    if isinstance(value, dict):
        return ["d", [[str(k), _enc(v, geoms)] for k, v in value.items()]]
    if isinstance(value, BaseGeometry):
        geoms.append(value)
        return ["g", len(geoms) - 1]
    raise CacheError(f"cannot cache a value of type {type(value).__name__}")


def _dec(value: Any, geoms: Any) -> Any:
    if not isinstance(value, list):
        return value
    tag, payload = value
    if tag == "t":
        return tuple(_dec(v, geoms) for v in payload)
    if tag == "l":
        return [_dec(v, geoms) for v in payload]
    if tag == "d":
        return {k: _dec(v, geoms) for k, v in payload}
    if tag == "g":
        return geoms[payload]
    raise CacheError(f"unknown value tag {tag!r}")


def encode_graph(graph: Any, fingerprint: str) -> bytes:
    """The graph as a data-only ``.npz`` (JSON attributes + WKB geometries)."""
    geoms: list[BaseGeometry] = []
    doc = {
        "graph": [[str(k), _enc(v, geoms)] for k, v in graph.graph.items()],
        "nodes": [[_enc(n, geoms), [[k, _enc(v, geoms)] for k, v in d.items()]]
                  for n, d in graph.nodes(data=True)],
        "edges": [[_enc(u, geoms), _enc(v, geoms), _enc(k, geoms),
                   [[a, _enc(x, geoms)] for a, x in d.items()]]
                  for u, v, k, d in graph.edges(keys=True, data=True)],
    }
    body = json.dumps(doc, separators=(",", ":")).encode()
    wkb = shapely.to_wkb(np.array(geoms, dtype=object)) if geoms else np.array([], dtype=object)
    blobs = np.frombuffer(b"".join(wkb), dtype=np.uint8)
    offsets = np.cumsum([0, *(len(b) for b in wkb)]).astype(np.int64)
    digest = hashlib.sha256(body + blobs.tobytes() + offsets.tobytes()).hexdigest()
    header = json.dumps({"schema": CACHE_SCHEMA, "format": CACHE_FORMAT,
                         "fingerprint": fingerprint, "sha256": digest}).encode()
    buf = io.BytesIO()
    np.savez(buf, header=np.frombuffer(header, dtype=np.uint8),
             body=np.frombuffer(body, dtype=np.uint8), wkb=blobs, offsets=offsets)
    return buf.getvalue()


class _Payload:
    """A checked cache file in memory: decodes to a fresh graph on demand."""

    def __init__(self, raw: bytes, fingerprint: str) -> None:
        try:
            with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in ("header", "body", "wkb", "offsets")}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise CacheError(f"not a graph cache file ({type(exc).__name__})") from None
        try:
            header = json.loads(arrays["header"].tobytes())
        except ValueError:
            raise CacheError("unreadable header") from None
        problem = header_problem(header, CACHE_SCHEMA, CACHE_FORMAT, "fingerprint",
                                 fingerprint, "bypass graph cache")
        if problem is not None:
            raise CacheError(problem)
        body, blobs = arrays["body"].tobytes(), arrays["wkb"].tobytes()
        offsets = arrays["offsets"]
        digest = hashlib.sha256(body + blobs + offsets.tobytes()).hexdigest()
        if digest != header.get("sha256"):
            raise CacheError("checksum mismatch")
        self.body = body
        self.wkb = [blobs[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(),
                                               strict=True)]

    def graph(self) -> RoutingGraph:
        try:
            doc = json.loads(self.body)
            geoms = shapely.from_wkb(self.wkb) if self.wkb else []
            g = RoutingGraph()
            g.graph.update({k: _dec(v, geoms) for k, v in doc["graph"]})
            g.add_nodes_from((_dec(n, geoms), {k: _dec(v, geoms) for k, v in attrs})
                             for n, attrs in doc["nodes"])
            g.add_edges_from((_dec(u, geoms), _dec(v, geoms), _dec(k, geoms),
                              {a: _dec(x, geoms) for a, x in attrs})
                             for u, v, k, attrs in doc["edges"])
        except (ValueError, TypeError, KeyError, IndexError, shapely.errors.GEOSException) as exc:
            raise CacheError(f"malformed graph document ({type(exc).__name__})") from None
        return g


def decode_graph(raw: bytes, fingerprint: str) -> RoutingGraph:
    """A graph from cache-file bytes; raises :class:`CacheError` unless they check out."""
    return _Payload(raw, fingerprint).graph()


# --------------------------------------------------------------------------- lock
@contextlib.contextmanager
def _build_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (others wait); no lock if it cannot be taken."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock, each run builds
        yield
        return
    try:
        fh = open(path, "a+b")  # noqa: SIM115 - closed in finally
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        waited = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if not waited:
                    log.info("another bypass process is building the graph cache; waiting")
                    waited = True
                if time.monotonic() > deadline:
                    log.warning("waited %.0f s for the graph cache lock %s; building anyway",
                                LOCK_TIMEOUT_S, path)
                    break
                time.sleep(0.2)
        yield
    finally:
        fh.close()  # releases the lock


# --------------------------------------------------------------------------- cache
def _read(path: Path, fingerprint: str) -> _Payload | None:
    """The checked cache file, or None (missing, or corrupt/foreign: logged)."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # no cache yet (or no cache folder)
        return None
    except OSError as exc:
        log.warning("graph cache %s unreadable (%s); rebuilding", path, exc.strerror)
        return None
    try:
        payload = _Payload(raw, fingerprint)
    except CacheError as exc:
        log.warning("graph cache %s rejected (%s); rebuilding it", path, exc)
        return None
    touch_cache(path)
    return payload


def _cache_path(fingerprint: str) -> Path:
    return settings.cache_dir() / f"graph-{fingerprint}.npz"


def _payload(data_dir: str | os.PathLike | None, fingerprint: str, build: Builder,
             progress: Progress, dataset: Any = None) -> _Payload:
    """The checked cache file's payload, building (and storing) it on a miss."""
    path = _cache_path(fingerprint)
    hit = _read(path, fingerprint)
    if hit is not None:
        return hit
    if not cache_writable(path.parent):  # warned once; work without a disk cache
        return _Payload(encode_graph(build(data_dir, progress, dataset), fingerprint), fingerprint)
    with _build_lock(path.with_suffix(".lock")):
        hit = _read(path, fingerprint)  # built by another process while we waited
        if hit is not None:
            return hit
        raw = encode_graph(build(data_dir, progress, dataset), fingerprint)
        write_cache(path, raw)
        return _Payload(raw, fingerprint)


#: Checked cache payloads of this process, by fingerprint (a few datasets at most).
_MEMO: dict[str, _Payload] = {}
_MEMO_SIZE = 4


def load_or_build(data_dir: str | os.PathLike | None, build: Builder, *,
                  progress: Progress = _noop, dataset: Any = None) -> RoutingGraph:
    """The routing graph of a dataset folder, from the caches or built by ``build``.

    Why: the graph takes about half a minute to build, so it is cached on disk
    (``BYPASS_CACHE_DIR``) and in the process, keyed by the dataset's content;
    yet every call returns a new graph, so a graph edited in a notebook never
    leaks into the next ``load_graph()``.

    Parameters
    ----------
    data_dir : path, optional
        A dataset folder; files it lacks come from the default dataset.
    progress : callable, optional
        Called with a one-line message at each step of a cold build.
    build : callable
        ``build(data_dir, progress, dataset) -> graph`` for a cold build.
    dataset : Dataset, optional
        The folder's dataset if already loaded (passed to ``build``).

    Returns
    -------
    RoutingGraph
        A fresh ``networkx.MultiDiGraph`` (see ``docs/graph.md``).

    Notes
    -----
    ``networks.build.load_graph`` is this with the graph builder; this module
    does not import the builder (it sits below it), so a warm load stays light.

    Raises
    ------
    DatasetErrors
        When the dataset does not validate (only on a cold build).
    """
    key = graph_fingerprint(data_dir)
    hit = _MEMO.get(key)
    if hit is None:
        hit = _payload(data_dir, key, build, progress, dataset)
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = hit
    return hit.graph()
