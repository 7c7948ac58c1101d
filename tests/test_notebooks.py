"""The notebooks in notebooks/ run top to bottom and are committed without outputs.

Each notebook is executed with nbclient in a ``python3`` kernel of this interpreter, with
notebooks/ as working directory and this process's environment (so ``BYPASS_CACHE_DIR``
reaches the kernel and the caches are shared). HTTP(S) proxies point at a closed port so a
notebook that tried to reach the network would fail here rather than pass silently.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {
    "01_route_query.ipynb",
    "02_tariff_scenarios.ipynb",
    "03_swap_port_dataset.ipynb",
    "04_network_plan.ipynb",
    "05_canadian_corridor.ipynb",
}
CELL_TIMEOUT_S = 300
NO_NETWORK = "http://127.0.0.1:9"  # discard port: nothing listens


def _ids(path: Path) -> str:
    return path.stem


def test_every_notebook_is_there():
    assert EXPECTED <= {p.name for p in NOTEBOOKS}


def test_python3_kernel_runs_this_interpreter():
    # The "python3" kernelspec must start this interpreter, where bypass is installed.
    cmd = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert Path(cmd[0]).resolve() == Path(sys.executable).resolve(), cmd


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_committed_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [], f"{path.name} cell {i}: outputs not stripped"
        assert cell.execution_count is None, f"{path.name} cell {i}: execution_count set"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_notebook_runs_top_to_bottom(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    env = dict(os.environ)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env[var] = NO_NETWORK
    for var in ("NO_PROXY", "no_proxy"):
        env.pop(var, None)
    client.execute(env=env)  # raises CellExecutionError (with the traceback) on any error

    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no chart was drawn"
    # It ends with a written takeaway computed in the notebook (displayed as Markdown).
    last = next(c for c in reversed(nb.cells) if c.cell_type == "code")
    assert any("text/markdown" in o.get("data", {}) for o in last.outputs), \
        f"{path.name}: the last code cell should display the takeaway as Markdown"
