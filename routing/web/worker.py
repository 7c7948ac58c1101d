"""The solver worker: one thread, a deadline per query, a bounded queue.

Solver calls run one at a time (the solver's caches are not meant for
concurrent writers, and CPU-bound Python gains nothing from more threads);
a query past its deadline is stopped and answered 503, and so is one that
finds the queue full.
"""

from __future__ import annotations

import asyncio
import ctypes
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .errors import WebError


class QueryAbandoned(BaseException):
    """Raised inside the solver thread to stop a query past its deadline.

    A BaseException, so no ``except Exception`` in the solver swallows it.
    """


class SolverWorker:
    """One worker thread for solver calls, a deadline per call and a bounded queue.

    Python cannot kill a thread, so a query past its deadline is stopped by
    raising :class:`QueryAbandoned` inside the solver thread
    (``PyThreadState_SetAsyncExc``): it fires at the next Python bytecode of
    that query (the label search is pure Python; a C call such as one
    OR-Tools solve, milliseconds here, finishes first). Only the query that
    timed out is targeted (a token checked under the lock), so the next query
    never inherits it. The solver's own work limit, when it has one, usually
    answers first; this deadline is the backstop that keeps the worker free.
    """

    def __init__(self, timeout_s: float, max_pending: int) -> None:
        self.timeout_s = float(timeout_s)
        self.max_pending = int(max_pending)
        self._lock = threading.Lock()
        self._pending = 0
        self._current: object | None = None
        self._thread_id: int | None = None
        self._pool = self._new_pool()
        self._closed = False
        self.abandoned = 0

    @staticmethod
    def _new_pool() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="bypass-solver")

    def start(self) -> None:
        """(Re)start the worker thread after a shutdown (an app may be served again)."""
        with self._lock:
            if self._closed:
                self._pool, self._closed = self._new_pool(), False

    def _done(self, _future) -> None:
        with self._lock:
            self._pending -= 1

    def _call(self, token: object, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        with self._lock:
            self._current, self._thread_id = token, threading.get_ident()
        try:
            return fn(*args, **kwargs)
        finally:
            with self._lock:
                self._current = None

    def _abandon(self, token: object) -> bool:
        """Stop the query ``token`` if it is the one running; True if it was."""
        with self._lock:
            if self._current is not token or self._thread_id is None:
                return False
            hit = ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(self._thread_id), ctypes.py_object(QueryAbandoned))
            self.abandoned += 1
            return hit == 1

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            if self._pending >= self.max_pending:
                raise WebError(f"server busy: {self._pending} queries queued; retry shortly",
                               status=503)
            self._pending += 1
        token = object()
        try:
            future = self._pool.submit(self._call, token, fn, args, kwargs)
        except RuntimeError as exc:  # shut down
            with self._lock:
                self._pending -= 1
            raise WebError("server is shutting down", status=503) from exc
        future.add_done_callback(self._done)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s)
        except TimeoutError as exc:
            future.cancel()  # still queued: never starts
            self._abandon(token)  # running: stopped at its next bytecode
            raise WebError(
                f"query exceeded the server's work limit ({self.timeout_s:g} s) and was "
                "stopped; narrow it (fewer pairs, lower k, fewer constraints)",
                status=503) from exc

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
