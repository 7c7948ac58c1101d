"""Summary of a sweep: probabilities, policy risk, input sensitivity; tables and charts.

Why a module of its own: ``routing.sweep`` produces per-sample numbers; this
turns them into the answers an analyst reads (how often is the US-free route
cheaper, how often does each gateway family win, what does each routing
policy cost on average and in the worst 5 % of futures, which inputs move
the answer) and draws them offline (matplotlib, PNG embedded in one HTML).

Definitions (per pair, over samples):

* ``p_us_free_cheaper``: share of samples where the best US-free route costs
  no more than the best route through the US (charges included; a pair with
  no route through the US counts as US-free, as in ``routing.compare``, and
  one with no US-free route as not; ``p_us_free_route_exists`` tells which).
* ``p_best_<family>``: share of samples where that family is cheapest
  (``p_best_other``: the cheapest route belongs to no family).
* policies (``routing.sweep.POLICIES``): each re-optimises within its allowed
  families (or comparison side) every sample; ``expected`` is the mean cost, ``cvar95`` the mean of
  the worst 5 % of samples, ``regret`` the mean excess over choosing per sample.
* sensitivity: for each input, the one-at-a-time swing of the network mean
  of (US-free minus via-US cost) between the input at its sampled P10 and
  P90, every other input at its median (categorical inputs and the corridor
  closure: each case; ``routing.sweep.one_at_a_time``), and its Spearman rank
  correlation with that mean across the Monte Carlo samples.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .sweep import (
    POLICIES,
    SweepResult,
    cvar,
    one_at_a_time,
    policy_costs,
    run_sweep,
    sides_of,
)

__all__ = ["charts", "pair_table", "policy_table", "run_and_report", "sensitivity_table",
           "sides", "write_summary"]


def run_and_report(graph: Any, spec: Any, samples: int, **kwargs: Any) -> SweepResult:
    """``routing.sweep.run_sweep`` plus the summary tables and charts in ``out``.

    What ``bypass sweep`` runs. Keyword arguments go to ``run_sweep``.
    """
    return run_sweep(graph, spec, samples, finish=write_summary, **kwargs)


def sides(result: SweepResult) -> tuple[np.ndarray, np.ndarray]:
    """[S, P] best US-free and best via-US total cost (NaN where none)."""
    return sides_of(result.total, result.model.columns)


def pair_table(result: SweepResult) -> pd.DataFrame:
    """One row per pair: probabilities, expected cost, CVaR95 and regret of each policy."""
    m = result.model
    free, via = sides(result)
    free_wins = np.where(np.isnan(free) & np.isnan(via), np.nan,
                         (np.isnan(via) | (free <= via)).astype(float))
    nf = len(m.families)  # family columns come first, then the two sides
    t = np.where(np.isnan(result.total), np.inf, result.total)
    best = t[:, :nf, :].argmin(axis=1)  # [S, P]; ties: first family in report order
    overall = np.minimum(t[:, nf, :], t[:, nf + 1, :])
    # The best route belongs to no family (e.g. a US origin boarding in Mexico).
    other = t[:, :nf, :].min(axis=1) > overall + 1e-9
    best = np.where(other, nf, best)
    solvable: np.ndarray = np.asarray(np.isfinite(overall))
    pol = policy_costs(result)
    rows = []
    for p, (o, d) in enumerate(m.pairs):
        row: dict[str, Any] = {"origin": m.origins[o], "destination": m.destinations[d],
                               "samples": result.samples,
                               "p_us_free_cheaper": float(np.nanmean(free_wins[:, p]))
                               if np.isfinite(free_wins[:, p]).any() else math.nan,
                               "p_us_free_route_exists": float(np.mean(~np.isnan(free[:, p]))),
                               "p_via_us_route_exists": float(np.mean(~np.isnan(via[:, p])))}
        for f, fam in enumerate([*m.families, "other"]):
            ok = solvable[:, p]
            hits = best[ok, p] == f
            row[f"p_best_{fam}"] = float(hits.mean()) if ok.any() else math.nan
        base = pol["choose_per_sample"][:, p]
        for name in POLICIES:
            v = pol[name][:, p]
            if np.isnan(v).any():
                row[f"{name}_expected"] = row[f"{name}_cvar95"] = math.nan
                row[f"{name}_regret"] = math.nan
            else:
                row[f"{name}_expected"] = float(v.mean())
                row[f"{name}_cvar95"] = float(cvar(v))
                row[f"{name}_regret"] = float((v - base).mean())
        rows.append(row)
    return pd.DataFrame(rows)


def policy_table(result: SweepResult) -> pd.DataFrame:
    """Network view: per policy, mean over pairs of expected cost, CVaR95 and regret.

    Only pairs every policy can serve in every sample are averaged, so the
    policies are compared on the same pairs.
    """
    pol = policy_costs(result)
    ok = np.ones(result.model.n_pairs, dtype=bool)
    for v in pol.values():
        ok &= ~np.isnan(v).any(axis=0)
    base = pol["choose_per_sample"][:, ok]
    rows = []
    for name, v in pol.items():
        sub = v[:, ok]
        net = sub.mean(axis=1) if ok.any() else np.full(len(v), np.nan)
        rows.append({
            "policy": name, "uses": ", ".join(POLICIES[name]), "pairs": int(ok.sum()),
            "expected_usd_per_teu": float(net.mean()) if ok.any() else math.nan,
            "cvar95_usd_per_teu": float(cvar(net)) if ok.any() else math.nan,
            "mean_pair_cvar95_usd_per_teu": float(cvar(sub).mean()) if ok.any() else math.nan,
            "expected_regret_usd_per_teu": float((sub - base).mean()) if ok.any() else math.nan,
        })
    return pd.DataFrame(rows)


def sensitivity_table(result: SweepResult) -> pd.DataFrame:
    """Inputs ranked by their one-at-a-time swing, with the Monte Carlo rank correlation.

    ``delta`` is the network mean over pairs of (US-free minus via-US) cost:
    negative means the US-free route is cheaper. ``spearman_rho`` is the rank
    correlation of the input with that mean across the sampled futures
    (categorical inputs: ranked by their category mean).
    """
    from scipy.stats import spearmanr

    oat, base = one_at_a_time(result)
    free, via = sides(result)
    delta = free - via
    both = ~np.isnan(delta).any(axis=0)
    y = delta[:, both].mean(axis=1) if both.any() else np.full(result.samples, np.nan)
    rhos = []
    for name in oat["input"]:
        x = result.inputs[name].to_numpy()
        if x.dtype == object or x.dtype == bool:
            cats = pd.Series(y).groupby(pd.Series(x).astype(str)).mean()
            x = pd.Series(x).astype(str).map(cats.rank(method="dense")).to_numpy(dtype=float)
        rhos.append(_rho(spearmanr, x.astype(float), y))
    oat["spearman_rho"] = rhos
    oat["delta_at_medians_usd_per_teu"] = base
    return oat.sort_values("swing_usd_per_teu", ascending=False, kind="stable") \
        .reset_index(drop=True)


def _rho(spearmanr, x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3 or np.all(x == x[0]) or np.all(y == y[0]) or np.isnan(y).any():
        return math.nan
    return float(spearmanr(x, y).statistic)


# --------------------------------------------------------------------------- charts


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def charts(result: SweepResult, pairs: pd.DataFrame, policies: pd.DataFrame,
           sens: pd.DataFrame) -> dict[str, bytes]:
    """PNG bytes of the tornado, policy and pair-probability charts (offline, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, bytes] = {}
    centre = float(sens["delta_at_medians_usd_per_teu"].iloc[0]) if len(sens) else 0.0
    s = sens.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(len(s), 2) + 1.2))
    lows = s["delta_at_low_usd_per_teu"].to_numpy(dtype=float)
    highs = s["delta_at_high_usd_per_teu"].to_numpy(dtype=float)
    for i, (lo, hi) in enumerate(zip(lows.tolist(), highs.tolist(), strict=True)):
        ax.barh(i, hi - centre, left=centre, color="#c0392b", alpha=0.8)
        ax.barh(i, lo - centre, left=centre, color="#2471a3", alpha=0.8)
    ax.axvline(centre, color="black", lw=0.8)
    ax.set_yticks(range(len(s)), list(s["input"]))
    ax.set_xlabel("US-free minus via-US cost, mean over pairs (USD/TEU)\n"
                  "one at a time, others at their medians; blue: P10 (lowest category), "
                  "red: P90 (highest)")
    ax.set_title("Sensitivity (tornado)")
    out["tornado.png"] = _png(fig)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 3.2))
    x = np.arange(len(policies))
    ax.bar(x - 0.2, policies["expected_usd_per_teu"], 0.4, label="expected")
    ax.bar(x + 0.2, policies["cvar95_usd_per_teu"], 0.4, label="CVaR95")
    ax.set_xticks(x, [p.replace("_", " ") for p in policies["policy"]], fontsize=8)
    ax.set_ylabel("USD/TEU, mean over pairs")
    ax.set_title("Routing policies: expected cost and CVaR95")
    ax.legend()
    out["policies.png"] = _png(fig)
    plt.close(fig)

    grid = pairs.pivot(index="origin", columns="destination", values="p_us_free_cheaper")
    grid = grid.reindex(index=result.model.origins, columns=result.model.destinations)
    exists = pairs.pivot(index="origin", columns="destination",
                         values="p_us_free_route_exists") \
        .reindex(index=result.model.origins, columns=result.model.destinations)
    # Grey, not red: a pair with no (bookable) US-free route at all is not a pair
    # where the US-free route lost on price.
    values = np.ma.masked_where(~(exists.to_numpy(dtype=float) > 0),
                                grid.to_numpy(dtype=float))
    cmap = matplotlib.colormaps["RdYlGn"].with_extremes(bad="#bbbbbb")
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * grid.shape[1], 1.2 + 0.35 * grid.shape[0]))
    im = ax.imshow(values, vmin=0, vmax=1, cmap=cmap, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=60, fontsize=7)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=7)
    fig.colorbar(im, ax=ax, label="P(US-free cheaper)")
    ax.set_title("Probability the US-free route is cheaper\n(grey: no US-free route in any "
                 "sample)", fontsize=10)
    out["p_us_free.png"] = _png(fig)
    plt.close(fig)
    return out


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for rec in frame.itertuples(index=False):
        cells = []
        for v in rec:
            text = f"{v:,.3f}" if isinstance(v, float) and math.isfinite(v) else (
                "-" if isinstance(v, float) else str(v))
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def write_summary(result: SweepResult, folder: Path) -> dict[str, Path]:
    """Write pairs.csv, policies.csv, sensitivity.csv, the PNG charts and summary.html."""
    pairs = pair_table(result)
    policies = policy_table(result)
    sens = sensitivity_table(result)
    paths = {}
    for name, frame in (("pairs.csv", pairs), ("policies.csv", policies),
                        ("sensitivity.csv", sens)):
        frame.to_csv(folder / name, index=False)
        paths[name] = folder / name
    images = charts(result, pairs, policies, sens)
    for name, data in images.items():
        (folder / name).write_bytes(data)
        paths[name] = folder / name
    spec = result.model.spec
    sources = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(d.dist)}</td>"
        f"<td>{html.escape(json.dumps({p: v for p, v in d.params.items()}, default=str))}</td>"
        f"<td>{html.escape(d.source)}</td></tr>" for k, d in spec.inputs.items())
    img = "".join(f'<h2>{html.escape(n)}</h2><img alt="{html.escape(n)}" '
                  f'src="data:image/png;base64,{base64.b64encode(b).decode()}">'
                  for n, b in images.items())
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sweep {html.escape(spec.name)}</title><style>
body{{font-family:sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse;
font-size:12px}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}
img{{max-width:100%}}</style></head><body>
<h1>Sweep {html.escape(spec.name)}: {result.samples} samples, seed {result.seed}</h1>
<p>{html.escape(spec.description)}</p>
<p>Costs are USD per TEU including charges on routes through the US. Each sample
re-optimises every route. Gateway family = where the box boards its ocean service to
Asia. CVaR95 = mean of the worst 5 % of samples.</p>
<h2>Policies</h2>{_html_table(policies)}
<h2>Sensitivity (ranked)</h2>{_html_table(sens)}
<h2>Pairs</h2>{_html_table(pairs)}
{img}
<h2>Inputs and sources</h2><table><tr><th>input</th><th>distribution</th><th>parameters</th>
<th>source</th></tr>{sources}</table></body></html>"""
    (folder / "summary.html").write_text(page, encoding="utf-8")
    paths["summary.html"] = folder / "summary.html"
    return paths
