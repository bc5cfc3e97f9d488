"""Bounded, scaled least squares of a device's parameters through its compiled kernel, with
confidence intervals, correlations and identifiability warnings from the Jacobian.

Every family's ``fit()`` (``lithispice/fit/<family>.py``) builds a residual function
``device -> {group label: weighted residual array}`` from its data and calls
:func:`least_squares_fit`. The optimiser sees each parameter as ``z = log10(value)`` (``log``:
quantities that span decades, resistances, diffusivities, time constants) or ``z = value /
scale`` (``scale`` = |start value|), so every unknown is O(1) and steps are relative.

Uncertainty (the usual nonlinear-regression recipe, e.g. Bates & Watts 1988, ch. 2):
``cov_z = s^2 (J^T J)^-1`` with ``J`` the Jacobian of the residuals in z at the optimum and
``s^2 = 2 cost / (n - p)`` (the residual variance; ``absolute_sigma=True`` when the residuals
are already divided by a known noise level: ``s^2 = 1``). The 95 % interval is ``z +- t(0.975,
n - p) se_z`` mapped back to SI (asymmetric for log parameters). A parameter is reported
**unidentifiable** when the data cannot pin it: its 95 % interval spans more than a factor 10
(log) or more than +-100 % of its value (linear), it lies in a near-null direction of ``J``
(relative singular value < 1e-8, loading > 0.5), or it ended on a bound.
"""
from __future__ import annotations

import dataclasses
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence, Union

import numpy as np

from ..errors import ParameterError

__all__ = ["FitParam", "FitResult", "least_squares_fit", "fitted_device", "resolve_params"]

#: a candidate the kernel refuses (ParameterError, non-finite output) costs this much per residual
PENALTY = 1e6


@dataclass(frozen=True)
class FitParam:
    """One parameter to fit: ``field`` of the device dataclass, bounds ``lower`` < ``upper`` in
    the field's SI unit, ``log``: fit log10(value) (needs lower > 0), ``start``: initial value
    (default: the device's current value, clipped into the bounds)."""
    field: str
    lower: float
    upper: float
    log: bool = False
    start: Optional[float] = None

    def __post_init__(self):
        if not (math.isfinite(self.lower) and math.isfinite(self.upper)
                and self.lower < self.upper):
            raise ParameterError(f"{self.field} bounds", (self.lower, self.upper),
                                 "finite lower < upper")
        if self.log and not self.lower > 0:
            raise ParameterError(f"{self.field} lower bound", self.lower,
                                 "> 0 for a log-scaled parameter")


def resolve_params(params, defaults: Mapping[str, "FitParam"]) -> list:
    """``params`` (a FitParam, a field name, or a sequence of them) as FitParam objects, names
    looked up in a family's ``defaults`` (its ``DEFAULT_PARAMS``); ParameterError otherwise."""
    if isinstance(params, (str, FitParam)):
        params = [params]
    out = []
    for p in params:
        if isinstance(p, FitParam):
            out.append(p)
        elif isinstance(p, str) and p in defaults:
            out.append(defaults[p])
        else:
            raise ParameterError("params", p, "a FitParam or one of " + ", ".join(defaults))
    return out


@dataclass
class FitResult:
    """The outcome of a fit. Values in SI (the device fields' units).

    ``device``: the fitted device (``source`` says what it was fitted to, fitted fields leave
    ``assumed``); ``values`` / ``stderr`` / ``ci95`` per fitted field; ``correlation``
    (p x p, order of ``names``); ``unidentifiable``: fields the data cannot pin, with the
    reasons in ``warnings``; ``residuals`` per data group (weighted, as minimised);
    ``rms`` of all residuals; ``n_data``, ``dof`` = n - p, ``nfev`` model evaluations,
    ``elapsed`` s."""
    device: object
    names: tuple
    values: dict
    stderr: dict
    ci95: dict
    correlation: np.ndarray
    start: dict
    residuals: dict
    rms: float
    cost: float
    n_data: int
    dof: int
    nfev: int
    success: bool
    message: str
    unidentifiable: tuple
    warnings: tuple
    data_label: str
    elapsed: float
    units: dict = field(default_factory=dict)

    def covers(self, truth: Mapping[str, float]) -> dict:
        """``{field: True if its 95 % interval contains truth[field]}`` (for tests)."""
        return {k: bool(self.ci95[k][0] <= truth[k] <= self.ci95[k][1])
                for k in self.names if k in truth}

    def report(self) -> str:
        """A plain-text report: data, fit quality, each parameter with its 95 % interval,
        the correlation matrix and the warnings."""
        lines = [f"lithispice fit: {getattr(self.device, 'name', type(self.device).__name__)}",
                 f"data: {self.data_label}",
                 f"{self.n_data} residuals, {len(self.names)} parameters, dof {self.dof}, "
                 f"{self.nfev} model evaluations in {self.elapsed:.2f} s; "
                 f"{'converged' if self.success else 'NOT converged'}: {self.message}",
                 f"rms residual {self.rms:.4g} (weighted)",
                 "", f"{'parameter':<22} {'unit':<8} {'start':>12} {'fitted':>12} "
                 f"{'std err':>10} {'95 % interval':>27}"]
        for k in self.names:
            lo, hi = self.ci95[k]
            flag = "  UNIDENTIFIABLE" if k in self.unidentifiable else ""
            lines.append(f"{k:<22} {self.units.get(k, ''):<8} {self.start[k]:>12.5g} "
                         f"{self.values[k]:>12.5g} {self.stderr[k]:>10.3g} "
                         f"[{lo:>12.5g}, {hi:>12.5g}]{flag}")
        lines += ["", "correlation:"]
        w = max(len(k) for k in self.names)
        for i, k in enumerate(self.names):
            lines.append(f"  {k:<{w}} " + " ".join(f"{c:+.2f}" for c in self.correlation[i]))
        if self.warnings:
            lines += ["", "warnings:"] + [f"  - {m}" for m in self.warnings]
        lines += ["", "residual rms per data group:"]
        for g, r in self.residuals.items():
            lines.append(f"  {g}: {float(np.sqrt(np.mean(np.square(r)))):.4g} ({len(r)} points)")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict:
        """JSON-ready summary (no device object)."""
        return {"device": getattr(self.device, "name", ""), "data": self.data_label,
                "parameters": {k: {"value": self.values[k], "stderr": self.stderr[k],
                                   "ci95": list(self.ci95[k]), "start": self.start[k],
                                   "unit": self.units.get(k, ""),
                                   "identifiable": k not in self.unidentifiable}
                               for k in self.names},
                "correlation": self.correlation.tolist(), "rms": self.rms,
                "n_data": self.n_data, "dof": self.dof, "nfev": self.nfev,
                "success": self.success, "message": self.message,
                "warnings": list(self.warnings), "elapsed_s": self.elapsed}

    def plot_residuals(self, ax=None):
        """Residuals (weighted) against point index, one colour per data group; returns the
        Axes."""
        import matplotlib
        if ax is None:
            matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt
            _, ax = plt.subplots(figsize=(8, 3.5))
        start = 0
        for g, r in self.residuals.items():
            idx = np.arange(start, start + len(r))
            ax.plot(idx, r, ".", ms=3, label=g)
            start += len(r)
        ax.axhline(0.0, color="k", lw=0.6)
        ax.set_xlabel("data point")
        ax.set_ylabel("weighted residual")
        ax.set_title(f"fit residuals: rms {self.rms:.3g}")
        if len(self.residuals) > 1:
            ax.legend(fontsize=7, markerscale=3)
        return ax

    def save(self, folder: Union[str, Path]) -> list[Path]:
        """Write ``report.txt``, ``fit.json`` and ``residuals.png`` into ``folder`` (created);
        returns the paths."""
        from ..fileio import atomic_open, atomic_path
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        rep, js, png = folder / "report.txt", folder / "fit.json", folder / "residuals.png"
        with atomic_open(rep) as fh:
            fh.write(self.report())
        with atomic_open(js) as fh:
            fh.write(json.dumps(self.to_dict(), indent=2))
        ax = self.plot_residuals()
        ax.figure.tight_layout()
        with atomic_path(png) as tmp:
            ax.figure.savefig(tmp, dpi=120, format="png")
        import matplotlib.pyplot as plt
        plt.close(ax.figure)
        return [rep, js, png]

    def __repr__(self) -> str:
        vals = ", ".join(f"{k}={self.values[k]:.4g}" for k in self.names)
        return f"<FitResult {vals}; rms {self.rms:.3g}, {len(self.unidentifiable)} unidentifiable>"


def fitted_device(device, values: Mapping[str, float], data_label: str,
                  unidentifiable: Sequence[str] = ()):
    """``device`` with ``values`` set; ``source`` says it was fitted (and to what), fitted
    fields leave ``assumed`` (where the device has one) -- except those the data could not
    identify, which stay assumed."""
    changes = dict(values)
    names = {f.name for f in dataclasses.fields(device)}
    if "source" in names:
        old = getattr(device, "source", "")
        changes["source"] = (f"fitted to {data_label} ({', '.join(sorted(values))}); "
                             f"start: {old}" if old else f"fitted to {data_label}")
    if "assumed" in names:
        pinned = set(values) - set(unidentifiable)
        changes["assumed"] = tuple(a for a in device.assumed if a not in pinned)
    return device.replace(**changes)


def _to_z(p: FitParam, v: float, scale: float) -> float:
    return math.log10(v) if p.log else v / scale


def _from_z(p: FitParam, z: float, scale: float) -> float:
    return 10.0 ** z if p.log else z * scale


def least_squares_fit(device, params: Sequence[FitParam],
                      residuals: Callable[[object], Mapping[str, np.ndarray]], *,
                      data_label: str = "arrays", absolute_sigma: bool = False,
                      units: Optional[Mapping[str, str]] = None, max_nfev: Optional[int] = None,
                      diff_step: float = 1e-6, loss: str = "linear") -> FitResult:
    """Fit ``params`` of ``device`` so that ``residuals(candidate)`` (a mapping of data group
    -> weighted residual array; the same lengths every call) is least in the 2-norm.

    ``absolute_sigma``: the residuals are already divided by the data's noise standard
    deviation (intervals then use s^2 = 1 instead of the residual variance). ``units``:
    field -> unit text for the report (default: the device's parameter table). Returns a
    :class:`FitResult`."""
    from scipy.optimize import least_squares
    from scipy.stats import t as student_t

    params = list(params)
    if not params:
        raise ParameterError("params", params, "at least one parameter to fit")
    names = tuple(p.field for p in params)
    if len(set(names)) != len(names):
        raise ParameterError("params", names, "distinct fields")
    known = {f.name for f in dataclasses.fields(device)}
    for p in params:
        if p.field not in known:
            raise ParameterError("params", p.field,
                                 f"a field of {type(device).__name__} ({', '.join(sorted(known))})")
    start = {}
    for p in params:
        v = float(getattr(device, p.field)) if p.start is None else float(p.start)
        # strictly inside the bounds: the optimiser needs room on both sides
        span = (math.log10(p.upper) - math.log10(p.lower)) if p.log else (p.upper - p.lower)
        eps = 1e-9 * span
        if p.log:
            v = 10 ** min(max(math.log10(max(v, p.lower)), math.log10(p.lower) + eps),
                          math.log10(p.upper) - eps)
        else:
            v = min(max(v, p.lower + eps), p.upper - eps)
        start[p.field] = v
    # relative steps around the start; a start at 0 scales by the bounds' span instead
    scales = [1.0 if p.log else max(abs(start[p.field]), 1e-3 * (p.upper - p.lower))
              for p in params]
    z0 = np.array([_to_z(p, start[p.field], s) for p, s in zip(params, scales)])
    lo = np.array([_to_z(p, p.lower, s) for p, s in zip(params, scales)])
    hi = np.array([_to_z(p, p.upper, s) for p, s in zip(params, scales)])

    def candidate(z):
        return device.replace(**{p.field: _from_z(p, float(zi), s)
                                 for p, zi, s in zip(params, z, scales)})

    first = residuals(device.replace(**start))
    groups = list(first)
    sizes = [len(np.ravel(first[g])) for g in groups]
    n = int(sum(sizes))
    if n <= len(params):
        raise ParameterError("data", n, f"more residuals than the {len(params)} fitted "
                             "parameters")
    n_eval = [0]

    def fun(z):
        n_eval[0] += 1
        try:
            r = residuals(candidate(z))
            out = np.concatenate([np.ravel(np.asarray(r[g], dtype=float)) for g in groups])
        except (ParameterError, ValueError, FloatingPointError, ArithmeticError):
            return np.full(n, PENALTY)
        if out.shape != (n,) or not np.all(np.isfinite(out)):
            return np.full(n, PENALTY)
        return out

    t0 = time.perf_counter()
    sol = least_squares(fun, z0, bounds=(lo, hi), x_scale="jac", diff_step=diff_step,
                        method="trf", loss=loss, max_nfev=max_nfev)
    elapsed = time.perf_counter() - t0
    z = sol.x
    J = np.asarray(sol.jac, dtype=float)
    r = np.asarray(sol.fun, dtype=float)
    p_ = len(params)
    dof = n - p_
    s2 = 1.0 if absolute_sigma else float(r @ r) / dof
    # pseudo-inverse: a rank-deficient J (unidentifiable direction) gives huge, not NaN, errors
    U, sv, Vt = np.linalg.svd(J, full_matrices=False)
    smax = sv[0] if sv.size and sv[0] > 0 else 1.0
    keep = sv > smax * 1e-12
    inv = np.zeros_like(sv)
    inv[keep] = 1.0 / sv[keep] ** 2
    cov_z = (Vt.T * inv) @ Vt * s2
    # directions the data do not see at all: infinite variance along them
    null = ~keep
    se_z = np.sqrt(np.clip(np.diag(cov_z), 0.0, None))
    if null.any():
        se_z = np.where(np.abs(Vt[null]).max(axis=0) > 0.5, np.inf, se_z)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov_z / np.outer(se_z, se_z)
    corr = np.where(np.isfinite(corr), corr, 0.0)
    np.fill_diagonal(corr, 1.0)
    tq = float(student_t.ppf(0.975, dof))

    values, stderr, ci95, warn, unident = {}, {}, {}, [], []
    for i, (p, s) in enumerate(zip(params, scales)):
        v = float(_from_z(p, float(z[i]), s))
        values[p.field] = v
        if p.log:
            stderr[p.field] = float(v * math.log(10.0) * se_z[i])
            with np.errstate(over="ignore"):          # se = inf: the interval is (0, inf)
                ci95[p.field] = (float(np.power(10.0, z[i] - tq * se_z[i])),
                                 float(np.power(10.0, z[i] + tq * se_z[i])))
            wide = tq * se_z[i] > 1.0                      # more than a decade either way
        else:
            stderr[p.field] = float(se_z[i] * s)
            ci95[p.field] = (float((z[i] - tq * se_z[i]) * s), float((z[i] + tq * se_z[i]) * s))
            wide = tq * se_z[i] * s > abs(v)                # +-100 % of the value
        why = []
        if wide:
            why.append("its 95 % interval is wider than " + ("a decade" if p.log else "+-100 %"))
        weak = sv / smax < 1e-8
        if weak.any() and np.abs(Vt[weak, i]).max() > 0.5:
            why.append("it lies in a direction the data do not change")
        at_bound = (abs(z[i] - lo[i]) < 1e-6 * max(1.0, abs(lo[i]))
                    or abs(z[i] - hi[i]) < 1e-6 * max(1.0, abs(hi[i])))
        if at_bound:
            why.append(f"it ended on a bound ({p.lower:g} .. {p.upper:g})")
        if why:
            unident.append(p.field)
            warn.append(f"{p.field}: not identifiable from these data: " + "; ".join(why))
    for i in range(p_):
        for j in range(i + 1, p_):
            if abs(corr[i, j]) > 0.99 and np.isfinite(se_z[i]) and np.isfinite(se_z[j]):
                warn.append(f"{names[i]} and {names[j]} are correlated {corr[i, j]:+.3f}: the "
                            "data pin a combination of them better than either")
    if not sol.success:
        warn.append(f"optimiser did not converge: {sol.message}")
    res_groups, k = {}, 0
    for g, m in zip(groups, sizes):
        res_groups[g] = r[k:k + m]
        k += m
    if units is None:
        table = getattr(type(device), "PARAMS", None)
        units = {}
        for nme in names:
            try:
                units[nme] = table.by_field(nme).unit if table is not None else ""
            except Exception:                      # a field without a table row
                units[nme] = ""
    fitted = fitted_device(device, values, data_label, unident)
    return FitResult(device=fitted, names=names, values=values, stderr=stderr, ci95=ci95,
                     correlation=corr, start=start, residuals=res_groups,
                     rms=float(np.sqrt(np.mean(r ** 2))), cost=float(sol.cost), n_data=n,
                     dof=dof, nfev=int(n_eval[0]), success=bool(sol.success),
                     message=str(sol.message), unidentifiable=tuple(unident),
                     warnings=tuple(warn), data_label=data_label, elapsed=elapsed,
                     units=dict(units))
