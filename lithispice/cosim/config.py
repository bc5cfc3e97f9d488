"""A lifetime study from a config file (TOML, or YAML with pyyaml): the input of the
``lithispice lifetime CONFIG`` command, checked whole before the first circuit window.

Example (every key but the window's function and ``cosim.period`` / ``cosim.horizon``
optional; SI units)::

    name = "sensor_node"              # a label for the plot and the printout

    [window]                          # the chip of one window, either
    chip = "node.py:window"           #   window(params) -> Chip, or a factory:
    # function = "sensor_lifetime.py:window_builder"   # function(cell, **args) -> window
    # args = { period = 600.0, t_on = 5.0 }

    [battery]
    instance = "bat"                  # the name the window's chip gives the cell (Chip.add)
    preset = "LiPON-LiCoO2-Li"        # Microbattery preset ...
    params = { area = 25e-4 }         # ... with these fields replaced
    current = "i(vmeter)"             # terminal-current vector; omit: from the qa counter
    temperature = 298.15              # K
    soc0 = 1.0
    soh = 1.0
    qli0 = 0.5                        # C (default: the preset's)
    draw = "terminal"                 # or "anode": the load takes Li from the anode's ion
                                      # pin (synapse gates), not the terminals (AnodeDrawBattery)

    [cosim]                           # keywords of lithispice.cosim.cosimulate
    period = 600.0                    # s
    horizon = 31536000.0              # s (a year)
    engine = "ngspice"
    timeout = 600.0                   # s per circuit run
    idle_current = "last"             # or A
    tol_v = 0.005                     # V
    max_stride = 1000
    v_min = 3.0                       # V (default: the cell's)
    load = "current"                  # current | resistive | power
    replay = "mean"                   # waveform | mean
    failure = "event"                 # raise | event
    predicate = "node.py:event"       # predicate(WindowRun), or a factory:
    # predicate = { function = "sensor_lifetime.py:adc_in_tolerance", args = { heater = true } }

    [output]                          # relative to the config's folder
    netcdf = "lifetime.nc"
    png = "lifetime.png"

Files named by ``chip`` / ``function`` / ``predicate`` are user code, loaded as a sweep
config loads its generator (:mod:`lithispice.batch.usercode`): naming a file runs it.
:func:`load_lifetime_config` checks every key, number, the preset and its fields, and loads
that code; the first problem is a :class:`~lithispice.batch.config.ConfigError` naming the
key (``cosim.tol_v``, ``battery.params.area``, ``window.chip``) and, for a misspelt name,
the one probably meant. :func:`run_lifetime_config` / :func:`lifetime_from_config` run it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from ..configcheck import ConfigError
from ..configcheck import check_keys as _check_keys
from ..configcheck import choice as _choice
from ..configcheck import function_spec as _function_spec
from ..configcheck import hint as _hint
from ..configcheck import integer as _integer
from ..configcheck import kind as _kind
from ..configcheck import listing as _listing
from ..configcheck import number as _number
from ..configcheck import table as _table
from ..configcheck import text as _text

__all__ = ["ConfigError", "LifetimeConfig", "load_lifetime_config", "check_lifetime_config",
           "lifetime_from_config", "run_lifetime_config", "simulate", "write_dataset",
           "plot_lifetime"]

TOP_KEYS = {"name": "a label for the plot and the printout",
            "window": "a table: chip = 'file.py:window', or function (+ args)",
            "battery": "a table: instance, preset, params, current, temperature, soc0, soh, "
                       "qli0, draw",
            "cosim": "a table: period, horizon and the keywords of cosimulate",
            "output": "a table: netcdf, png (files relative to the config's folder)"}
WINDOW_KEYS = ("chip", "function", "args")
BATTERY_KEYS = ("instance", "preset", "params", "current", "temperature", "soc0", "soh", "qli0",
                "draw")
#: battery.draw -> where a window's draw leaves the cell (the SlowBattery class advancing it)
DRAWS = ("terminal", "anode")
COSIM_KEYS = ("period", "horizon", "engine", "timeout", "idle_current", "load", "replay",
              "tol_v", "max_stride", "v_min", "predicate", "failure")
OUTPUT_KEYS = ("netcdf", "png")
PREDICATE_KEYS = ("function", "args")
ENGINES = ("ngspice", "vacask")


@dataclass
class LifetimeConfig:
    """A checked config: ``window`` (the window function params -> Chip), ``battery`` (the
    SlowBattery), ``kwargs`` (the other keywords of :func:`~lithispice.cosim.cosimulate`),
    ``name``, ``netcdf`` / ``png`` (output paths or None), ``raw`` (the config table)."""
    name: str
    window: object
    battery: object
    kwargs: dict
    netcdf: Optional[Path]
    png: Optional[Path]
    raw: dict


def _load(spec: str, key: str, folder: Path):
    from ..batch.usercode import UserCodeError, load_function
    try:
        fn = load_function(spec, folder, what=key)
    except UserCodeError as exc:
        raise ConfigError(key, str(exc)) from None
    if not callable(fn):
        raise ConfigError(key, f"{spec!r} is {_kind(fn)}, not a function")
    return fn


def _factory(spec: dict, key: str, folder: Path, *first):
    """``spec``'s function (a factory) called with ``first`` and its ``args``."""
    fn = _load(_function_spec(f"{key}.function", spec.get("function")), f"{key}.function",
               folder)
    args = _table(f"{key}.args", spec.get("args"))
    try:
        out = fn(*first, **args)
    except TypeError as exc:
        raise ConfigError(f"{key}.args", f"the function does not take them: {exc}") from None
    if not callable(out):
        raise ConfigError(f"{key}.function", f"must return a function, returned {_kind(out)}")
    return out


def _cell(b: dict):
    from ..devices.microbattery import Microbattery
    from ..errors import LithispiceError
    presets = Microbattery.presets()
    preset = _text("battery.preset", b.get("preset", "LiPON-LiCoO2-Li"), "a preset name")
    if preset not in presets:
        raise ConfigError("battery.preset", f"unknown preset {preset!r}{_hint(preset, presets)}"
                          f" (allowed: {_listing(presets)})")
    over = _table("battery.params", b.get("params"))
    fields = [f.name for f in dataclasses.fields(Microbattery) if not f.name.startswith("_")]
    _check_keys("battery.params", over, fields, "Microbattery field")
    try:
        return Microbattery.preset(preset).replace(**over)
    except LithispiceError as exc:
        name = getattr(exc, "name", None)
        raise ConfigError(f"battery.params.{name}" if name in over else "battery.params",
                          str(exc)) from None


def check_lifetime_config(cfg, base=".", *, engine: Optional[str] = None) -> LifetimeConfig:
    """Check a config table (module docstring), load the code it names; ``base``: the folder
    relative paths start from; ``engine`` overrides ``cosim.engine``."""
    from ..errors import LithispiceError
    from .battery import AnodeDrawBattery, SlowBattery
    from .driver import LOADS
    folder = Path(base).resolve()
    cfg = _table("", cfg, required=True)
    _check_keys("", cfg, TOP_KEYS, "table")
    name = _text("name", cfg.get("name", "lifetime"), "a label (text)")
    w = _table("window", cfg.get("window"), required=True)
    _check_keys("window", w, WINDOW_KEYS)
    if ("chip" in w) == ("function" in w):
        raise ConfigError("window", "give one of 'chip' (file.py:window, params -> Chip) or "
                          "'function' (a factory: function(cell, **args) -> window)")
    if "chip" in w and "args" in w:
        raise ConfigError("window.args", "only with 'function' (a factory)")
    b = _table("battery", cfg.get("battery"))
    _check_keys("battery", b, BATTERY_KEYS)
    c = _table("cosim", cfg.get("cosim"), required=True)
    _check_keys("cosim", c, COSIM_KEYS)
    o = _table("output", cfg.get("output"))
    _check_keys("output", o, OUTPUT_KEYS)

    cell = _cell(b)
    instance = _text("battery.instance", b.get("instance", "bat"),
                     "the instance name the window gives Chip.add (e.g. 'bat')")
    current = b.get("current")
    if current is not None:
        current = _text("battery.current", current, "a result vector such as 'i(vmeter)'")
    temperature = _number("battery.temperature", b.get("temperature", 298.15), 0, 2000,
                          lo_open=True, what="a temperature in K")
    kw = {"soc0": _number("battery.soc0", b.get("soc0", 1.0), 0, 1),
          "soh": _number("battery.soh", b.get("soh", 1.0), 0, 1, lo_open=True),
          "qli0": None if b.get("qli0") is None else _number(
              "battery.qli0", b["qli0"], 0, lo_open=True, what="a Li inventory in C")}
    for key in ("period", "horizon"):
        if key not in c:
            raise ConfigError(f"cosim.{key}", "missing (seconds)")
        kw[key] = _number(f"cosim.{key}", c[key], 0, lo_open=True, what="a time in s")
    kw["engine"] = _choice("cosim.engine", engine or c.get("engine", "ngspice"), ENGINES,
                           "engine")
    if "timeout" in c:
        kw["timeout"] = _number("cosim.timeout", c["timeout"], 0, lo_open=True,
                                what="a time in s")
    if "tol_v" in c:
        kw["tol_v"] = _number("cosim.tol_v", c["tol_v"], 0, lo_open=True, what="a voltage in V")
    if "max_stride" in c:
        kw["max_stride"] = _integer("cosim.max_stride", c["max_stride"], 1, 10 ** 9)
    if "v_min" in c:
        kw["v_min"] = _number("cosim.v_min", c["v_min"], 0, 10, what="a voltage in V")
    for key, options in (("load", LOADS), ("replay", ("waveform", "mean")),
                         ("failure", ("raise", "event"))):
        if key in c:
            kw[key] = _choice(f"cosim.{key}", c[key], options, key)
    if "idle_current" in c:
        v = c["idle_current"]
        kw["idle_current"] = "last" if v == "last" else _number(
            "cosim.idle_current", v, 0, what="a current in A (>= 0) or 'last'")
    outs = {k: Path(_text(f"output.{k}", o[k], "a file name")) for k in OUTPUT_KEYS if k in o}
    outs = {k: p if p.is_absolute() else folder / p for k, p in outs.items()}
    pred = c.get("predicate")
    if pred is not None and not isinstance(pred, (str, dict)):
        raise ConfigError("cosim.predicate", f"{_kind(pred)} is not 'file.py:function' or a "
                          "table {function, args}")
    if isinstance(pred, dict):
        _check_keys("cosim.predicate", pred, PREDICATE_KEYS)
    draw = _choice("battery.draw", b.get("draw", "terminal"), DRAWS, "draw")
    try:
        cls = AnodeDrawBattery if draw == "anode" else SlowBattery
        battery = cls(instance, cell, current=current, temperature=temperature)
    except LithispiceError as exc:
        raise ConfigError(f"battery.{getattr(exc, 'name', '')}".rstrip("."), str(exc)) from None

    # the user code last: a config with a bad key runs none of it
    if "chip" in w:
        window = _load(_function_spec("window.chip", w["chip"]), "window.chip", folder)
    else:
        window = _factory(w, "window", folder, cell)
    if isinstance(pred, str):
        kw["predicate"] = _load(_function_spec("cosim.predicate", pred), "cosim.predicate",
                                folder)
    elif isinstance(pred, dict):
        kw["predicate"] = _factory(pred, "cosim.predicate", folder)
    _check_instance(window, battery, kw)
    return LifetimeConfig(name=name, window=window, battery=battery, kwargs=kw,
                          netcdf=outs.get("netcdf"), png=outs.get("png"), raw=dict(cfg))


def _check_instance(window, battery, kw) -> None:
    """Build the first window's chip (no simulation) and check that it holds the battery
    instance the config names: a misspelt instance is a config error, not a failure after
    the first circuit run."""
    import inspect
    from ..errors import NetlistError
    params = battery.params(battery.initial_state(kw["soc0"], kw["soh"], kw["qli0"]))
    try:
        takes_t = "t" in inspect.signature(window).parameters
    except (TypeError, ValueError):
        takes_t = False
    built = window(dict(params), t=0.0) if takes_t else window(dict(params))
    chip = getattr(built, "chip", built)
    if not hasattr(chip, "element"):
        raise ConfigError("window", f"the window function returned {type(built).__name__}, "
                          "not a Chip (or an object with .chip)")
    try:
        chip.element(battery.xname)
    except NetlistError:
        xs = [e for e in chip.elements() if e.lower().startswith("x")]
        raise ConfigError("battery.instance", f"the window's chip has no instance "
                          f"{battery.instance!r} (element {battery.xname!r}); its instances: "
                          f"{', '.join(x[1:] for x in xs[:20]) or 'none'}") from None


def load_lifetime_config(path, *, engine: Optional[str] = None) -> LifetimeConfig:
    """Read and check the config file ``path`` (module docstring)."""
    from ..batch.fromconfig import load_config
    path = Path(path)
    return check_lifetime_config(load_config(path), path.resolve().parent, engine=engine)


def simulate(lc: LifetimeConfig, progress=False):
    """Co-simulate a checked config (:func:`load_lifetime_config`); the Dataset of
    :func:`~lithispice.cosim.cosimulate` with attrs ``name``."""
    from .driver import cosimulate
    ds = cosimulate(lc.window, lc.battery, progress=progress, **lc.kwargs)
    ds.attrs["name"] = lc.name
    return ds


def lifetime_from_config(cfg: dict, base=".", *, engine: Optional[str] = None, progress=False):
    """Run the lifetime study a config table describes (module docstring); ``base`` is the
    folder that relative paths start from; ``engine`` overrides ``cosim.engine``. Returns
    the Dataset of :func:`lithispice.cosim.cosimulate` (writes nothing)."""
    return simulate(check_lifetime_config(cfg, base, engine=engine), progress)


def run_lifetime_config(path, *, engine: Optional[str] = None, out=None, progress=False):
    """Load the config file ``path``, run the study, write the Dataset to ``out`` (a netCDF
    path; default ``output.netcdf``, if given) and the plot to ``output.png`` (if given);
    return the Dataset."""
    lc = load_lifetime_config(path, engine=engine)
    ds = simulate(lc, progress)
    nc = Path(out) if out is not None else lc.netcdf
    if nc is not None:
        write_dataset(ds, nc)
    if lc.png is not None:
        plot_lifetime(ds, lc.png, lc.name)
    return ds


def write_dataset(ds, path) -> None:
    """Write a co-simulation Dataset as netCDF-3 (:func:`lithispice.engines.ncio.to_netcdf`;
    the text variables ``kind`` and ``run_purpose`` as fixed-width strings)."""
    from ..engines.ncio import to_netcdf
    ds = ds.copy()
    for k in ("kind", "run_purpose"):
        if k in ds and ds[k].dtype == object:
            ds[k] = ds[k].astype(str)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    to_netcdf(ds, path)


def plot_lifetime(ds, path, title: str = "") -> None:
    """SOC and Li inventory, voltages (OCV, each circuit window's minimum and end) against
    calendar time with the event, and the window schedule (which periods ran in the
    circuit, which the kernel advanced: grey). Writes ``path`` (PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t = ds.time.values
    span = max(float(t[-1]), 1.0)
    unit, scale = (("d", 86400.0) if span > 3 * 86400 else ("h", 3600.0) if span > 3 * 3600
                   else ("min", 60.0) if span > 180 else ("s", 1.0))
    x = t / scale
    kind = np.asarray(ds.kind.values).astype(str)
    w = kind == "window"
    ev, t_ev = str(ds.attrs.get("event", "")), float(ds.attrs.get("t_event", np.nan))
    fig, ax = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
    a = ax[0]
    a.plot(x, ds.soc.values, color="C0", label="SOC")
    a.set_ylabel("SOC")
    b = a.twinx()
    b.plot(x, ds.li.values, color="C1", ls="--", label="Li inventory (C)")
    b.set_ylabel("Li inventory (C)")
    a.legend(loc="lower left", fontsize=8)
    b.legend(loc="upper right", fontsize=8)
    a.set_title(f"{title or 'lifetime'} ({ds.attrs.get('engine', '')}): event "
                f"{ev or 'none'}" + (f" at {t_ev / scale:.4g} {unit}" if ev else ""))
    a = ax[1]
    a.plot(x, ds.ocv.values, label="OCV")
    a.plot(x[w], ds.v_min.values[w], "v", ms=4, label="window minimum V")
    a.plot(x[w], ds.v_end.values[w], "o", ms=3, label="window end V")
    if "v_min" in ds.attrs:
        a.axhline(float(ds.attrs["v_min"]), ls=":", color="k", label="v_min")
    a.set_ylabel("V")
    a.legend(fontsize=8)
    a = ax[2]
    purpose = np.asarray(ds.run_purpose.values).astype(str)
    rt = ds.run_time.values / scale
    for p, col in (("window", "C2"), ("bisect", "C3")):
        s = purpose == p
        if s.any():
            a.plot(rt[s], np.nonzero(s)[0], "o", ms=4, color=col, label=f"circuit run ({p})")
    P = float(ds.attrs.get("period", 1.0))
    skip = kind == "skip"
    for t1, k in zip(t[skip], ds.periods.values[skip]):
        a.axvspan((t1 - k * P) / scale, t1 / scale, color="0.85")
    if ev:
        for q in ax:
            q.axvline(t_ev / scale, color="r", lw=0.8)
    a.set_ylabel("circuit run #")
    a.set_xlabel(f"calendar time ({unit})  (grey: periods the kernel advanced)")
    a.set_title(f"{ds.attrs.get('n_circuit_runs')} circuit runs for "
                f"{ds.attrs.get('n_periods')} periods")
    a.legend(fontsize=8)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
