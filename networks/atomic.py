"""Atomic file writes: write a temporary file beside the target, then rename it.

Every file bypass writes (reports, tables, exports, caches) goes through
here, so an interrupted or failed write never leaves half a file behind and
readers never see one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from networks.errors import BypassError

__all__ = ["CACHE_KEEP", "cache_writable", "prune_cache", "touch_cache", "write_atomic",
           "write_bytes_atomic", "write_cache", "write_text_atomic"]

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


def write_atomic(path: str | os.PathLike, write: Callable[[Path], object]) -> None:
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
    prune_cache(path)
    return True


#: Cache files of one kind (``graph-*.npz``, ``route-*.json``...) kept per folder.
CACHE_KEEP = 16
#: Age (s) after which a lock with no cache file beside it is left over from a failed build
#: (a cold build takes well under a minute).
STALE_LOCK_S = 3600.0


def touch_cache(path: str | os.PathLike) -> None:
    """Mark a cache file as just used (its mtime), so pruning keeps it; never fails."""
    with contextlib.suppress(OSError):
        os.utime(path)


def prune_cache(path: str | os.PathLike, keep: int = CACHE_KEEP) -> int:
    """Delete all but the ``keep`` most recently used cache files of ``path``'s kind.

    Why: every edited dataset or upgraded engine has a new cache key, so a
    cache folder would otherwise grow by a megabyte or two per variant for
    ever. A file's kind is its name up to the last ``-`` and its suffix
    (``graph-<key>.npz``); recency is the mtime, which readers refresh on a
    hit (:func:`touch_cache`). A pruned file's ``.lock`` goes with it, and so
    does an hour-old lock whose build never wrote its file. A file
    another process still wanted is rebuilt by it, so this never fails a
    command: errors are ignored. Returns how many files were deleted.
    """
    path = Path(path)
    stem, _, _ = path.name.rpartition("-")
    if not stem:
        return 0
    try:
        siblings = [p for p in path.parent.glob(f"{stem}-*{path.suffix}")
                    if p.name.rpartition("-")[0] == stem and p.is_file()]
        siblings.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return 0
    removed = 0
    for old in siblings[keep:]:
        if old == path:
            continue
        with contextlib.suppress(OSError):
            old.unlink()
            removed += 1
            old.with_suffix(".lock").unlink(missing_ok=True)
    # Locks of builds that never wrote their file (a dataset that failed to
    # validate), once no build can still be holding them.
    now = time.time()
    for lock in path.parent.glob(f"{stem}-*.lock"):
        with contextlib.suppress(OSError):
            if lock.name.rpartition("-")[0] == stem \
                    and not lock.with_suffix(path.suffix).exists() \
                    and now - lock.stat().st_mtime > STALE_LOCK_S:
                lock.unlink()
    return removed


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block ends, so a few renames finish together.

    Outside the main thread signal handlers cannot be changed; the block then
    runs as is (renames take microseconds).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[tuple] = []
    previous = signal.signal(signal.SIGINT, lambda *args: pending.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pending and callable(previous):
            previous(*pending[0])
        elif pending:
            raise KeyboardInterrupt


@contextlib.contextmanager
def staged_folder(out_dir: str | os.PathLike) -> Iterator[Path]:
    """Write a set of files as one unit: into a staging folder, swapped in at the end.

    Yields a fresh staging folder beside ``out_dir``. When the block ends
    normally, every file in it replaces its namesake in ``out_dir`` (created if
    missing) with Ctrl-C held back, so readers see the old set or the new set,
    never a mix. When the block raises (an error, Ctrl-C), the staging folder
    is removed and ``out_dir`` is left exactly as it was. Files of ``out_dir``
    that the new set does not contain are left alone.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BypassError(f"{out}: not a folder")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise BypassError(f"{out}: folder {parent} does not exist")
    try:
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.resolve().name}.staging-"))
    except OSError as exc:
        if not out.is_dir():
            raise BypassError(f"{out}: cannot write ({exc.strerror or exc})") from exc
        try:  # a writable folder in a read-only parent (``--out .``): stage inside it
            staging = Path(tempfile.mkdtemp(dir=out, prefix=".bypass-staging-"))
        except OSError as inner:
            raise BypassError(f"{out}: cannot write ({inner.strerror or inner})") from inner
    try:
        yield staging
        _swap_in(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, out: Path) -> None:
    """Move the staged files into ``out``; on failure put the old ones back."""
    names = sorted(p.name for p in staging.iterdir())
    with _sigint_deferred():
        try:
            if not out.exists():
                os.rename(staging, out)
                return
            backup = Path(tempfile.mkdtemp(dir=staging, prefix=".old-"))
            moved: list[str] = []
            replaced: list[str] = []
            try:
                for name in names:
                    if (out / name).exists():
                        os.rename(out / name, backup / name)
                        replaced.append(name)
                    os.rename(staging / name, out / name)
                    moved.append(name)
            except OSError:
                for name in moved:  # roll back: the old set, as it was
                    (out / name).unlink(missing_ok=True)
                for name in replaced:
                    os.rename(backup / name, out / name)
                raise
        except OSError as exc:
            raise BypassError(f"{out}: cannot write ({exc.strerror or exc})") from exc
