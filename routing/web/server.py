"""``bypass serve``: run the web app with uvicorn, safe by default.

Binds to loopback unless told otherwise and warns when it is not; on a
loopback address it also rejects requests whose Host header names another
machine (a DNS-rebinding guard: a web page elsewhere cannot make a browser
query the planner under a foreign name). No CORS unless origins are given.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

log = logging.getLogger("bypass.web")

LOOPBACK_NAMES = ("localhost",)
#: Simultaneous connections before uvicorn answers 503 itself.
LIMIT_CONCURRENCY = 256
#: Idle seconds before a keep-alive connection is closed. uvicorn's 5 s default races
#: busy clients that reuse a connection just as the server drops it (seen as a reset).
KEEP_ALIVE_S = 20


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def loopback_hosts(host: str) -> list[str] | None:
    """Host header values accepted on a loopback bind (None: no check, e.g. IPv6)."""
    if not is_loopback(host) or ":" in host:
        return None
    return sorted({host, "127.0.0.1", "localhost"})


def bind_warning(host: str, port: int) -> str | None:
    """What to tell the operator when the server is reachable from other machines."""
    if is_loopback(host):
        return None
    return (f"serving on {host}, which is not a loopback address: anyone who can reach this "
            f"machine on port {port} can use the planner (no authentication)")


def serve(host: str = "127.0.0.1", port: int = 8000, data_dir: str | Path | None = None, *,
          cors_origins: Iterable[str] = (), timeout_s: float = 10.0,
          say: Callable[[str], None] = print) -> None:
    """Load the graph once, then serve the page and API until interrupted."""
    import uvicorn

    from .app import create_app

    message = bind_warning(host, port)
    if message is not None:
        log.warning(message)
        say(f"warning: {message}")
    app = create_app(data_dir=data_dir, timeout_s=timeout_s, cors_origins=list(cors_origins),
                     allowed_hosts=loopback_hosts(host))
    shown = f"[{host}]" if ":" in host else host
    say(f"bypass: serving on http://{shown}:{port}/ (API docs at /docs); Ctrl-C stops")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False,
                limit_concurrency=LIMIT_CONCURRENCY, timeout_keep_alive=KEEP_ALIVE_S)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (for tests and benchmarks)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ServerThread:
    """uvicorn serving ``app`` on a loopback port in a background thread (tests, benchmarks).

    Use as a context manager; ``url`` is the base address. Start-up and
    shut-down are bounded (``start_timeout_s``), so a test never hangs on it.
    """

    def __init__(self, app, host: str = "127.0.0.1", port: int | None = None,
                 start_timeout_s: float = 15.0) -> None:
        import threading

        import uvicorn

        if not is_loopback(host):
            raise ValueError(f"ServerThread binds loopback only, not {host!r}")
        self.host, self.port = host, port or free_port(host)
        self.url = f"http://{host}:{self.port}"
        self.start_timeout_s = start_timeout_s
        config = uvicorn.Config(app, host=host, port=self.port, log_level="warning",
                                server_header=False, limit_concurrency=LIMIT_CONCURRENCY,
                                timeout_keep_alive=KEEP_ALIVE_S)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="bypass-web", daemon=True)

    def __enter__(self) -> ServerThread:
        import time

        self.thread.start()
        deadline = time.monotonic() + self.start_timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.server.should_exit = True
                raise RuntimeError(f"web server did not start on {self.url}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(self.start_timeout_s)
