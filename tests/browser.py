"""Headless Chromium for the browser tests: one launcher, one request guard.

The report and the web page promise to render with nothing from the internet;
only a real browser checks that. It is Debian's Chromium (``scripts/test``
installs it when missing) driven by Playwright's Python package; no browser is
ever downloaded. A missing browser or Playwright is a failure, not a skip.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: URLs a page of a saved report may load: itself and inline data.
LOCAL = ("file:", "data:", "about:")


def chromium_path() -> str:
    """Debian's Chromium, or a failure that says how to install it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        pytest.fail("no Chromium found: run scripts/test (it installs Debian's chromium)")
    return found


@dataclass
class PageLog:
    """What a page did that a test may forbid."""

    errors: list[str] = field(default_factory=list)    # console errors, page exceptions
    external: list[str] = field(default_factory=list)  # requests the guard refused
    failed: list[str] = field(default_factory=list)    # failed requests, HTTP >= 400
    dialogs: list[str] = field(default_factory=list)   # alert/confirm/prompt messages


@contextlib.contextmanager
def guarded_page(tmp_path: Path, *, allow: tuple[str, ...] = LOCAL,
                 viewport: tuple[int, int] = (1300, 900)) -> Iterator[tuple[Any, PageLog]]:
    """A page that may load only URLs starting with ``allow``; everything else is aborted.

    The browser runs offline unless ``allow`` names an http(s) origin (the web
    app's loopback server). Dialogs are dismissed and recorded.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install '.[test]'")
    log = PageLog()
    offline = not any(a.startswith("http") for a in allow)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium_path(), headless=True,
            args=FLAGS, offline=offline,
            viewport={"width": viewport[0], "height": viewport[1]})
        try:
            def guard(route) -> None:
                url = route.request.url
                if url.startswith(allow):
                    route.continue_()
                else:
                    log.external.append(url)
                    route.abort()

            def on_dialog(dialog) -> None:
                log.dialogs.append(dialog.message)
                dialog.dismiss()

            context.route("**/*", guard)
            page = context.new_page()
            page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: log.errors.append(str(exc)))
            page.on("requestfailed", lambda r: log.failed.append(r.url))
            page.on("response", lambda r: log.failed.append(f"{r.status} {r.url}")
                    if r.status >= 400 else None)
            page.on("dialog", on_dialog)
            yield page, log
        finally:
            context.close()
