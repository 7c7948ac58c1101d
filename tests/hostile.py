"""A dataset whose every port, hub, border and junction has a hostile name.

Why: names are user data that reach terminals (rich markup), web pages
(HTML/JS), spreadsheets (formulas) and file names. Each name here attacks one
of them; the tests run it through validate, route, compare, report and export.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from networks import settings

#: One attack per entry; a row gets ``<attack> <id>`` so names stay unique.
HOSTILE = [
    '<img src=x onerror="window.__pwned=1;alert(2)">Shanghai',
    "</script><script>window.__pwned=1</script>",
    "\"><svg onload=window.__pwned=1>",
    "[/b]Manzanillo[/dim] [bold red]x",
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "quote's \"double\" `back`",
    "\u202eRTL override\u202c \u200fmark\u200f عربى",
    "W" * 10_000,
    "javascript:window.__pwned=1",
    "{{7*7}} ${7*7} %s %n",
]
NAME_TABLES = {"ports": "locode", "hubs": "id", "borders": "id", "junctions": "id"}


def hostile_dataset(root: Path) -> Path:
    """Copy the default dataset into ``root`` and give every place a hostile name."""
    shutil.copytree(settings.DATA_DIR, root)
    i = 0
    for table, ident in NAME_TABLES.items():
        path = root / f"{table}.csv"
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            row["name"] = f"{HOSTILE[i % len(HOSTILE)]} {row[ident]}"
            i += 1
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return root
