"""The README's test command is what CI runs, and it brings what the tests need."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quick_start() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", text, re.S)
    assert block is not None
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_test_command_is_what_ci_runs():
    commands = _quick_start()
    assert commands[1] == "scripts/test"
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "scripts/test" in ci


def test_test_script_installs_chromium_and_extras():
    script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash")
    assert "apt-get install -y -q chromium" in script
    assert '-m pip install --quiet ".[test]"' in script
    assert '-m pytest -q "$@"' in script
    assert (ROOT / "scripts" / "test").stat().st_mode & 0o111
