"""Data flows one way: dataset -> graph -> compiled -> queries -> comparison -> report/CLI.

Reads every import (also those inside functions, which would hide a cycle)
with ``ast`` and checks the layering rules and that there is no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("networks", "routing")


def _imports() -> nx.DiGraph:
    graph = nx.DiGraph()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join(parts)
            graph.add_node(name)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                targets: list[str] = []
                if isinstance(node, ast.Import):
                    targets = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = node.module or ""
                    if node.level:
                        pkg = parts if path.name == "__init__.py" else parts[:-1]
                        up = pkg[: len(pkg) - node.level + 1]
                        base = ".".join([*up, base] if base else up)
                    targets = [base] + [f"{base}.{a.name}" for a in node.names]
                for target in targets:
                    if target.split(".")[0] in PACKAGES:
                        graph.add_edge(name, target)
    # Keep only edges between real modules (``from networks.errors import X`` -> module).
    real = {n for n in graph.nodes if (ROOT / (n.replace(".", "/") + ".py")).exists()
            or (ROOT / n.replace(".", "/") / "__init__.py").exists()}
    out = nx.DiGraph()
    for a, b in graph.edges:
        if a in real and b in real and a != b and b not in PACKAGES:
            out.add_edge(a, b)
    return out


def test_dataset_layer_builds_nothing():
    """Loading and validating a dataset never builds the sea network or the graph.

    (Plausibility checks may read the country polygons of ``networks.geography``:
    world data, not something built from the dataset.)
    """
    g = _imports()
    for low in ("networks.datasets", "networks.schema", "networks.params", "networks.costs",
                "networks.errors", "networks.places", "networks.graph", "networks.settings"):
        reach = nx.descendants(g, low) if low in g else set()
        assert not reach & {"networks.build", "networks.sea", "networks.store",
                            "networks.adapters"}, (low, sorted(reach))
    for light in ("networks.schema", "networks.params", "networks.costs", "networks.errors",
                  "networks.places", "networks.graph", "networks.settings"):
        reach = nx.descendants(g, light) if light in g else set()
        assert "networks.geography" not in reach, light


def test_schema_adapters_and_costs_import_one_way():
    g = _imports()
    assert not g.has_edge("networks.schema", "networks.adapters")
    assert not g.has_edge("networks.costs", "networks.datasets")
    schema_uses = set(g.successors("networks.schema")) if "networks.schema" in g else set()
    assert schema_uses <= {"networks.errors"}


def test_no_import_cycles():
    g = _imports()
    cycles = [c for c in nx.simple_cycles(g) if len(c) > 1]
    assert cycles == []


def test_core_never_imports_the_cli_or_reports():
    g = _imports()
    for core in ("networks.build", "networks.store", "routing.query", "routing.solver",
                 "routing.compare"):
        reach = nx.descendants(g, core) if core in g else set()
        assert not reach & {"routing.cli", "routing.report"}, core
