"""Atomic file writes: write a temporary file beside the target, then rename it.

Every file bypass writes (reports, tables, exports, caches) goes through
here, so an interrupted or failed write never leaves half a file behind and
readers never see one.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from networks.errors import BypassError

__all__ = ["cache_writable", "write_atomic", "write_bytes_atomic", "write_cache",
           "write_text_atomic"]

log = logging.getLogger(__name__)
#: Cache folders already reported as unwritable (one warning per folder and process).
_WARNED: set[str] = set()


def _warn_unwritable(folder: Path, why: str) -> None:
    if str(folder) not in _WARNED:
        _WARNED.add(str(folder))
        log.warning(
            "cache folder %s is not writable (%s): working without a cache, so every run "
            "rebuilds (about half a minute); set BYPASS_CACHE_DIR to a writable folder",
            folder, why,
        )


def cache_writable(folder: str | os.PathLike) -> bool:
    """True if cache files can be written in ``folder`` (created if missing).

    Why: an unwritable cache only costs speed, but a lot of it, so the first
    failure is logged once (never silently), and callers skip locking.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        _warn_unwritable(folder, exc.strerror or type(exc).__name__)
        return False
    return True


def write_atomic(path: str | os.PathLike, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a fresh temporary path, then rename it to ``path``.

    The temporary path keeps the target's suffix (writers such as GDAL pick
    the format from it) and does not exist yet (they want to create it). An
    OSError becomes a one-line BypassError naming the file.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise BypassError(f"{path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        tmp_path.unlink()
        write(tmp_path)
        os.replace(tmp_path, path)
    except OSError as exc:
        raise BypassError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    finally:
        tmp_path.unlink(missing_ok=True)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """UTF-8 text, atomically."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Bytes, atomically."""
    write_atomic(path, lambda tmp: tmp.write_bytes(data))


def write_cache(path: str | os.PathLike, data: bytes) -> bool:
    """Store a derived-data cache file; False (not an error) if it cannot be written.

    A cache that cannot be written (read-only or full disk) only costs speed;
    the first failure per folder is logged as a warning.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, data)
    except (OSError, BypassError) as exc:
        _warn_unwritable(path.parent, str(exc))
        return False
    return True
