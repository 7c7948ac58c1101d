"""bypass.routing.web: the route planner's web page and JSON API (``bypass serve``).

The app is built by :func:`create_app` around one routing graph loaded at
start-up and shared read-only by every request. It only parses, calls the
public routing API and formats: every number comes from the same functions
the CLI uses. FastAPI and uvicorn are imported only when this package is.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
