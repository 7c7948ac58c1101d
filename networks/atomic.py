"""Atomic file writes: write a temporary file beside the target, then rename it.

Every file bypass writes (reports, tables, exports, caches) goes through
here, so an interrupted or failed write never leaves half a file behind and
readers never see one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from networks.errors import BypassError


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

    A cache that cannot be written (read-only or full disk) only costs speed.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, data)
    except (OSError, BypassError):
        return False
    return True
