"""Progress messages from deep inside long computations to whoever is listening.

Why a context variable: a first run builds US maritime zones and sea legs
several calls below ``load_graph``; threading a callback through every layer
would tie geometry code to the CLI. The CLI (or any caller) wraps the work in
``reporting(callback)``; code that takes a while calls ``report(message)``,
which does nothing when nobody listens. Importing this module costs nothing.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["report", "reporting"]

_CALLBACK: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar(
    "bypass_progress", default=None
)


@contextmanager
def reporting(callback: Callable[[str], None]) -> Iterator[None]:
    """Send ``report`` messages to ``callback`` while the block runs."""
    token = _CALLBACK.set(callback)
    try:
        yield
    finally:
        _CALLBACK.reset(token)


def report(message: str) -> None:
    """One progress line for the current listener, if any."""
    callback = _CALLBACK.get()
    if callback is not None:
        callback(message)
