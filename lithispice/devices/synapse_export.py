"""Pulse response of a synapse as the tables other neuromorphic simulators take.

* aihwkit ``PiecewiseStepDevice`` (aihwkit.simulator.configs.devices): ``w_min``, ``w_max``,
  ``dw_min`` and the relative step-size vectors ``piecewise_up`` / ``piecewise_down`` given on
  nodes equally spaced over [w_min, w_max] (first and last at the bounds; the update is
  dw_min times the linearly interpolated node value).
* aihwkit ``LinearStepDevice`` fit: the step shrinks linearly with the weight,
  dw_up(w) = dw_up0 (1 - gamma_up w / w_max), |dw_down(w)| = dw_down0 (1 - gamma_down w / w_min)
  (the aihwkit form w <- w - dw^d (gamma^d w + 1) with gamma^+ = -gamma_up / w_max,
  gamma^- = -gamma_down / w_min); gamma = 0 is a perfectly linear device, gamma = 1 soft
  bounds. ``up_down`` = (dw_up0 - dw_down0) / (dw_up0 + dw_down0) measures the asymmetry.
* CrossSim-style lookup table: rows (G, dG_up, dG_down) in siemens: the conductance change of
  one potentiating / depressing pulse as a function of the present conductance.
Weights map linearly onto conductance: w = w_min + (w_max - w_min) (G - G_min)/(G_max - G_min).
"""
from __future__ import annotations

import numpy as np

from ..errors import ParameterError


def _steps(resp):
    g = np.r_[resp.g0, resp.g]
    return g[:-1], np.diff(g)


def _window(up, down):
    g_all = np.r_[up.g0, up.g, down.g0, down.g]
    return float(g_all.min()), float(g_all.max())


def _w(g, gmin, gmax, w_min, w_max):
    return w_min + (w_max - w_min) * (g - gmin) / (gmax - gmin)


def aihwkit_piecewise(up, down, n_nodes: int = 21, w_min: float = -1.0, w_max: float = 1.0) -> dict:
    """PiecewiseStepDevice parameters from a potentiation train ``up`` and a depression train
    ``down`` (PulseResponse). Returns dict w_min, w_max, dw_min, piecewise_up, piecewise_down
    (lists of n_nodes floats), g_min, g_max (S)."""
    if not 2 <= int(n_nodes) <= 64:
        raise ParameterError("n_nodes", n_nodes, "an integer in [2, 64] (aihwkit GPU limit)")
    if not w_max > w_min:
        raise ParameterError("w_max", w_max, f"> w_min = {w_min}")
    gmin, gmax = _window(up, down)
    gu, du = _steps(up)
    gd, dd = _steps(down)
    wu = _w(gu, gmin, gmax, w_min, w_max)
    wd = _w(gd, gmin, gmax, w_min, w_max)
    dwu = np.abs(du) / (gmax - gmin) * (w_max - w_min)
    dwd = np.abs(dd) / (gmax - gmin) * (w_max - w_min)
    nodes = np.linspace(w_min, w_max, int(n_nodes))
    iu, idd = np.argsort(wu), np.argsort(wd)
    vu = np.interp(nodes, wu[iu], dwu[iu])
    vd = np.interp(nodes, wd[idd], dwd[idd])
    dw_min = float(np.interp(0.5 * (w_min + w_max), wu[iu], dwu[iu]))
    return {"w_min": w_min, "w_max": w_max, "dw_min": dw_min,
            "piecewise_up": [float(v) for v in vu / dw_min],
            "piecewise_down": [float(v) for v in vd / dw_min], "g_min": gmin, "g_max": gmax}


def linear_step_fit(up, down, w_min: float = -1.0, w_max: float = 1.0) -> dict:
    """LinearStepDevice fit (least squares): gamma_up, gamma_down, dw_min (mean of the two
    zero-weight steps), up_down (asymmetry), and the fit's relative rms residuals."""
    gmin, gmax = _window(up, down)
    out = {}
    for tag, resp, wb in (("up", up, w_max), ("down", down, w_min)):
        g, d = _steps(resp)
        w = _w(g, gmin, gmax, w_min, w_max)
        dw = np.abs(d) / (gmax - gmin) * (w_max - w_min)
        A = np.c_[np.ones_like(w), w]
        (a, b), *_ = np.linalg.lstsq(A, dw, rcond=None)
        # dw = a (1 - gamma w / wb)  ->  b = -a gamma / wb
        out[f"dw_{tag}0"] = float(a)
        out[f"gamma_{tag}"] = float(-b * wb / a)
        out[f"rms_{tag}"] = float(np.sqrt(np.mean((A @ [a, b] - dw) ** 2)) / np.mean(dw))
    out["dw_min"] = 0.5 * (out["dw_up0"] + out["dw_down0"])
    out["up_down"] = (out["dw_up0"] - out["dw_down0"]) / (out["dw_up0"] + out["dw_down0"])
    out["w_min"], out["w_max"] = w_min, w_max
    return out


def crosssim_table(up, down, n_points: int = 101) -> np.ndarray:
    """CrossSim-style lookup table: (n_points, 3) rows G (S, uniform over the window),
    dG_up (S, > 0) and dG_down (S, < 0) of one pulse at that conductance."""
    if not 2 <= int(n_points) <= 100000:
        raise ParameterError("n_points", n_points, "an integer in [2, 100000]")
    gmin, gmax = _window(up, down)
    gu, du = _steps(up)
    gd, dd = _steps(down)
    iu, idd = np.argsort(gu), np.argsort(gd)
    g = np.linspace(gmin, gmax, int(n_points))
    return np.c_[g, np.interp(g, gu[iu], np.abs(du[iu])), -np.interp(g, gd[idd], np.abs(dd[idd]))]


def write_crosssim_csv(path, table) -> None:
    """Write a crosssim_table() as CSV with a header line (G_S, dG_up_S, dG_down_S),
    whole or not at all (:mod:`lithispice.fileio`)."""
    from ..fileio import atomic_path, is_path
    if not is_path(path):
        np.savetxt(path, np.asarray(table), delimiter=",", header="G_S,dG_up_S,dG_down_S",
                   comments="")
        return
    with atomic_path(path) as tmp:
        np.savetxt(tmp, np.asarray(table), delimiter=",", header="G_S,dG_up_S,dG_down_S",
                   comments="")
