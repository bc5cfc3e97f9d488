"""The schema of a ``lithispice sweep`` config, checked whole before the first run.

:func:`validate_config` walks the loaded TOML/YAML table and answers the first problem with
a :class:`ConfigError` that names the key (``generator.variation.rnn``), says what is
allowed there and, for a misspelt name, which one was probably meant::

    generator.variation.rnn: unknown instance parameter of Memristor 'LiCoO2'; did you mean
    'ron'? (allowed: w0, tk, vset, ...)

Checked: every key at every level against the keys allowed there (``worker = 2`` is not
silently ignored), every value's type and range (``timeout = "abc"``, ``seed = "x"``,
``num = -3``), the crossbar's device family, preset and variation names against the family
(its presets, its ``instance_params``), swept preset names, sweep parameter names against what
the generator reads (crossbar fields, template placeholders), and the distributions of a random
space. Typos are thus found before a single simulation instead of after every point failed.

The returned config is a normalised copy (numbers as float/int, names as the family spells
them); :mod:`lithispice.cli` builds the generator and the space from it. Code named by a config
(python generators, extract functions) is *not* imported here: that is
:mod:`lithispice.batch.usercode`'s job when the sweep is built.
"""
from __future__ import annotations

import copy
import math
import numbers
import re
from pathlib import Path
from typing import Optional

# the shared config checks (lithispice/configcheck.py), under this module's old names
from ..configcheck import ConfigError
from ..configcheck import boolean as _bool  # noqa: F401
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
from ..configcheck import unknown as _unknown
from ..errors import LithispiceError

__all__ = ["ConfigError", "validate_config", "TOP_KEYS"]


#: Top-level keys and what they hold.
TOP_KEYS = {
    "name": "a label for the progress bar and the results",
    "out": "output folder (store in out/store, Dataset in out/results.nc)",
    "workers": "local worker processes, an integer >= 0 (0: in this process)",
    "scheduler": "a Dask scheduler address, e.g. 'tcp://127.0.0.1:8786'",
    "timeout": "seconds per run, a number > 0",
    "engine": "'ngspice' or 'vacask'",
    "retry_failed": "true or false: rerun points whose stored run failed",
    "generator": "a table: kind = 'crossbar' | 'template' | 'python' and its settings",
    "space": "a table: kind = 'grid' | 'points' | 'random' | 'montecarlo' and its settings",
    "extract": "a table: final = [...], function = '...', waveforms = [...], "
               "dims = {i_col = [\"col\"]}",
}
ENGINES = ("ngspice", "vacask")
GENERATOR_KINDS = ("crossbar", "template", "python")
SPACE_KINDS = ("grid", "points", "random", "montecarlo")
#: Keys of each generator kind (besides ``kind``); the crossbar's are its dataclass fields.
CROSSBAR_KEYS = ("family", "preset", "rows", "cols", "r_line", "v_write", "t_write", "v_read",
                 "t_read", "w0", "variation")
TEMPLATE_KEYS = ("file",)
PYTHON_KEYS = ("function",)
SPACE_KEYS = {"grid": ("kind", "seed", "parameters"), "points": ("kind", "seed", "points"),
              "random": ("kind", "seed", "n", "parameters"),
              "montecarlo": ("kind", "seed", "n", "parameters")}
EXTRACT_KEYS = ("final", "function", "waveforms", "dims")
RANGE_KEYS = ("start", "stop", "num", "log")
SPREAD_KINDS = ("lognormal", "normal")
#: Largest crossbar side and most values of one grid axis written as {start, stop, num}.
MAX_CROSSBAR = 1024
MAX_AXIS = 1_000_000
_DIM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# ------------------------------------------------------------------------------ helpers
def _scalar(path: str, value):
    """A sweep value: a number, a bool or one-line text."""
    if isinstance(value, bool) or isinstance(value, str):
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            raise ConfigError(path, "one-line text")
        return value
    if isinstance(value, numbers.Real):
        if not math.isfinite(float(value)):
            raise ConfigError(path, f"{value!r} is not a finite number")
        return value
    raise ConfigError(path, f"{_kind(value)} is not a number or text")


# ------------------------------------------------------------------------------ sections
def validate_config(cfg, base: Optional[Path] = None, *, engine: Optional[str] = None) -> dict:
    """Check a loaded sweep config (see module doc); returns a normalised copy.

    ``base``: the config's folder (template files are resolved and read against it);
    ``engine``: the command line's ``--engine``, which overrides the config's.
    Raises :class:`ConfigError` naming the first offending key.
    """
    if not isinstance(cfg, dict):
        raise ConfigError("", "the config must be a table of settings")
    cfg = copy.deepcopy(cfg)
    _check_keys("", cfg, TOP_KEYS)
    if "name" in cfg and cfg["name"] is not None:
        cfg["name"] = _text("name", cfg["name"], "a one-line label")
    if "out" in cfg and cfg["out"] is not None:
        cfg["out"] = _text("out", cfg["out"], "a folder path")
    if "workers" in cfg and cfg["workers"] is not None:
        cfg["workers"] = _integer("workers", cfg["workers"], 0, 4096)
    if "scheduler" in cfg and cfg["scheduler"] is not None:
        cfg["scheduler"] = _text("scheduler", cfg["scheduler"], "a scheduler address")
    if "timeout" in cfg:
        cfg["timeout"] = _number("timeout", cfg["timeout"], 0, 1e7, lo_open=True,
                                 what="a number of seconds")
    if "engine" in cfg:
        cfg["engine"] = _choice("engine", cfg["engine"], ENGINES, "engine")
    if "retry_failed" in cfg:
        cfg["retry_failed"] = _bool("retry_failed", cfg["retry_failed"])
    if "generator" not in cfg:
        raise ConfigError("generator", "missing: a table with kind = 'crossbar', 'template' or "
                          "'python'")
    gen = cfg["generator"] = _table("generator", cfg["generator"], required=True)
    used_by = _generator(gen, base)
    if "space" not in cfg:
        raise ConfigError("space", "missing: a table with kind = 'grid', 'points', 'random' or "
                          "'montecarlo'")
    space = cfg["space"] = _table("space", cfg["space"], required=True)
    ex = cfg["extract"] = _table("extract", cfg.get("extract"))
    names = _space(space)
    _extract(ex)
    run_engine = engine or cfg.get("engine") or "ngspice"
    if run_engine == "vacask" and gen["kind"] == "template":
        raise ConfigError("engine", "'vacask' runs Chips, and a template generator makes ngspice "
                          "deck text, which VACASK cannot run: use engine = \"ngspice\", or a "
                          "crossbar or python generator (a function returning a Chip)")
    _parameters_used(gen, space, names, used_by)
    return cfg


def _generator(gen: dict, base: Optional[Path]):
    """Checks the generator table; returns what its points read: a set of parameter names
    (None: anything, e.g. a python generator) and, for the crossbar, the family."""
    if "kind" not in gen:
        raise ConfigError("generator.kind", "missing: one of 'crossbar', 'template', 'python'")
    kind = gen["kind"] = _choice("generator.kind", gen["kind"], GENERATOR_KINDS, "generator kind")
    if kind == "crossbar":
        _check_keys("generator", gen, ("kind",) + CROSSBAR_KEYS)
        return _crossbar(gen)
    if kind == "template":
        _check_keys("generator", gen, ("kind",) + TEMPLATE_KEYS)
        if "file" not in gen:
            raise ConfigError("generator.file", "missing: the template deck (with {name} "
                              "placeholders)")
        f = Path(_text("generator.file", gen["file"], "a file path"))
        if not f.is_absolute() and base is not None:
            f = base / f
        if not f.is_file():
            raise ConfigError("generator.file", f"{str(f)!r} not found")
        try:
            text = f.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError("generator.file", f"cannot read {str(f)!r} ({exc})") from None
        from .generators import DeckTemplate
        try:
            fields = DeckTemplate(text).fields()
        except (LithispiceError, ValueError) as exc:
            raise ConfigError("generator.file", f"{str(f)!r}: {exc}") from None
        return set(fields), "template"
    _check_keys("generator", gen, ("kind",) + PYTHON_KEYS)
    if "function" not in gen:
        raise ConfigError("generator.function", "missing: 'file.py:function' or "
                          "'package.module:function' (point -> deck or Chip)")
    _function_spec("generator.function", gen["function"])
    return None, "python"


def _crossbar(gen: dict):
    from .generators import CrossbarProgramRead
    from ..devices import DEVICE_FAMILIES
    defaults = CrossbarProgramRead()
    fams = {f.__name__.lower(): f for f in DEVICE_FAMILIES}
    fam_name = gen.get("family", defaults.family)
    fam = fams[_choice("generator.family", fam_name, tuple(fams), "device family")]
    if "family" in gen:
        gen["family"] = fam.__name__
    preset = gen.get("preset", defaults.preset)
    _preset("generator.preset", fam, preset)
    dev = fam.preset(preset)
    if len(dev.pins) != 2:
        raise ConfigError("generator.family", f"{fam.__name__} has {len(dev.pins)} pins "
                          f"({', '.join(dev.pins)}); the crossbar needs a two-pin device family "
                          f"({', '.join(f.__name__ for f in DEVICE_FAMILIES if len(f.preset(f.presets()[0]).pins) == 2)})")
    for key in ("rows", "cols"):
        if key in gen:
            gen[key] = _integer(f"generator.{key}", gen[key], 1, MAX_CROSSBAR)
    for key, lo, lo_open, what in (("r_line", 0, False, "a resistance in ohm"),
                                   ("t_write", 0, True, "a time in s"),
                                   ("t_read", 0, True, "a time in s"),
                                   ("v_write", -1e3, False, "a voltage in V"),
                                   ("v_read", -1e3, False, "a voltage in V"),
                                   ("w0", 0, False, "an initial state")):
        if key in gen:
            hi = 1.0 if key == "w0" else (1e3 if key.startswith("v_") else None)
            gen[key] = _number(f"generator.{key}", gen[key], lo, hi, lo_open=lo_open, what=what)
    variation = _table("generator.variation", gen.get("variation"))
    allowed = _variation_names(dev)
    aliases = _variation_aliases(dev, allowed)
    for name in list(variation):
        # the Python spelling (r_on) names the same parameter as the SPICE one (ron)
        if isinstance(name, str) and name not in allowed and name in aliases:
            if aliases[name] in variation:
                raise ConfigError(f"generator.variation.{name}",
                                  f"the same parameter as {aliases[name]!r}: give it once")
            variation[aliases[name]] = variation.pop(name)
    for name, spec in variation.items():
        path = f"generator.variation.{name}"
        if not isinstance(name, str) or name.lower() not in {a.lower() for a in allowed}:
            shown = allowed + [a for a in aliases if a not in allowed]
            raise ConfigError(path, f"unknown instance parameter of {fam.__name__} {preset!r}"
                              f"{_hint(name, shown)} (allowed: {_listing(shown)})")
        spec = _table(path, spec, required=True)
        if len(spec) != 1:
            raise ConfigError(path, "one spread: {lognormal = sigma} or {normal = relative "
                              "sigma}")
        kind, sigma = next(iter(spec.items()))
        if kind not in SPREAD_KINDS:
            raise _unknown(path, kind, SPREAD_KINDS, "spread")
        spec[kind] = _number(f"{path}.{kind}", sigma, 0, 3, what="a relative sigma")
    return set(CROSSBAR_KEYS) - {"variation"}, fam


def _variation_names(dev) -> list:
    """Instance parameters of ``dev`` with a numeric default on its .subckt line (the ones
    instance_variation can spread)."""
    from .space import subckt_defaults
    nominal = {k.lower() for k in subckt_defaults(dev)}
    return [p for p in dev.instance_params if p.lower() in nominal]


def _variation_aliases(dev, allowed) -> dict:
    """Python field name -> SPICE name of the spreadable instance parameters (``r_on`` ->
    ``ron``), from the device family's parameter table."""
    table = getattr(type(dev), "PARAMS", None)
    if table is None:
        return {}
    low = {a.lower(): a for a in allowed}
    return {r.field: low[r.spice.lower()] for r in table
            if r.field and r.spice and r.spice.lower() in low}


def _preset(path: str, fam, value) -> None:
    names = fam.presets()
    if not isinstance(value, str) or value not in names:
        shown = value if isinstance(value, str) else _kind(value)
        raise ConfigError(path, f"unknown {fam.__name__} preset {shown!r}"
                          f"{_hint(value, names) if isinstance(value, str) else ''} "
                          f"(allowed: {_listing(names)})")


def _space(space: dict) -> list:
    """Checks the space table; returns its parameter names."""
    kind = space["kind"] = _choice("space.kind", space.get("kind", "grid"), SPACE_KINDS,
                                   "space kind")
    _check_keys("space", space, SPACE_KEYS[kind])
    if "seed" in space:
        space["seed"] = _integer("space.seed", space["seed"], 0, None,
                                 "a non-negative integer")
    if kind == "grid":
        params = _table("space.parameters", space.get("parameters"))
        if not params:
            raise ConfigError("space.parameters", "a grid needs at least one parameter "
                              "(name = [values] or name = {start, stop, num[, log]})")
        for name, spec in params.items():
            params[name] = _axis(f"space.parameters.{name}", spec)
        return list(params)
    if kind == "points":
        pts = space.get("points")
        if not isinstance(pts, list) or not pts:
            raise ConfigError("space.points", "a non-empty list of parameter tables")
        names: list = []
        for k, p in enumerate(pts):
            p = _table(f"space.points[{k}]", p, required=True)
            for name, v in p.items():
                p[name] = _scalar(f"space.points[{k}].{name}", v)
                if name not in names:
                    names.append(name)
        return names
    # random / montecarlo
    if "n" not in space:
        raise ConfigError("space.n", f"missing: the number of {kind} points")
    space["n"] = _integer("space.n", space["n"], 1, 10_000_000, "a number of points")
    params = _table("space.parameters", space.get("parameters"))
    from .space import DISTRIBUTIONS
    for name, d in params.items():
        path = f"space.parameters.{name}"
        d = _table(path, d, required=True)
        if "dist" not in d:
            raise ConfigError(f"{path}.dist", "missing: {dist = 'uniform', low = .., high = ..} "
                              f"(dist: {', '.join(DISTRIBUTIONS)})")
        dist = _choice(f"{path}.dist", d["dist"], tuple(DISTRIBUTIONS), "distribution")
        cls = DISTRIBUTIONS[dist]
        import dataclasses
        fields = [f.name for f in dataclasses.fields(cls)]
        args = {k: v for k, v in d.items() if k != "dist"}
        for k in args:
            if k not in fields:
                raise _unknown(path, k, ["dist"] + fields, f"setting of the {dist} distribution")
        for k in fields:
            if k not in args:
                raise ConfigError(f"{path}.{k}", f"missing: the {dist} distribution needs "
                                  f"{', '.join(fields)}")
        if dist == "choice":
            if not isinstance(args["values"], list) or not args["values"]:
                raise ConfigError(f"{path}.values", "a non-empty list of values")
            args["values"] = [_scalar(f"{path}.values[{i}]", v)
                              for i, v in enumerate(args["values"])]
        else:
            for k in fields:
                args[k] = _number(f"{path}.{k}", args[k])
        try:
            cls(**args)
        except (LithispiceError, TypeError, ValueError) as exc:
            raise ConfigError(path, str(exc)) from None
        params[name] = {"dist": dist, **args}
    return list(params)


def _axis(path: str, spec):
    if isinstance(spec, list):
        if not spec:
            raise ConfigError(path, "an empty list: give at least one value")
        return [_scalar(f"{path}[{i}]", v) for i, v in enumerate(spec)]
    if isinstance(spec, dict):
        _check_keys(path, spec, RANGE_KEYS)
        for k in ("start", "stop", "num"):
            if k not in spec:
                raise ConfigError(f"{path}.{k}", "missing: a range is {start, stop, num[, log]}")
        out = {"start": _number(f"{path}.start", spec["start"]),
               "stop": _number(f"{path}.stop", spec["stop"]),
               "num": _integer(f"{path}.num", spec["num"], 1, MAX_AXIS, "a number of values"),
               "log": _bool(f"{path}.log", spec["log"]) if "log" in spec else False}
        if out["log"] and not (out["start"] > 0 and out["stop"] > 0):
            raise ConfigError(path, "log spacing needs start > 0 and stop > 0")
        return out
    raise ConfigError(path, f"{_kind(spec)}: give a list of values or {{start, stop, num[, log]}}")


def _extract(ex: dict) -> None:
    _check_keys("extract", ex, EXTRACT_KEYS)
    if ex.get("function") is not None and ex.get("final") is not None:
        raise ConfigError("extract", "give 'function' or 'final', not both")
    if ex.get("function") is not None:
        _function_spec("extract.function", ex["function"])
    if ex.get("final") is not None:
        fin = ex["final"]
        if isinstance(fin, str):
            fin = ex["final"] = [fin]
        if not isinstance(fin, list) or not fin:
            raise ConfigError("extract.final", "a non-empty list of vector names, e.g. "
                              "[\"v(out)\"]")
        for i, v in enumerate(fin):
            _text(f"extract.final[{i}]", v, "a vector name")
    if ex.get("dims") is not None:
        dims = _table("extract.dims", ex["dims"], required=True)
        for var, names in dims.items():
            path = f"extract.dims.{var}"
            if isinstance(names, str):
                names = dims[var] = [names]
            if not isinstance(names, list) or not names:
                raise ConfigError(path, f"{_kind(names)}: give the dimension names of "
                                  f"{var!r}, e.g. [\"col\"] or [\"row\", \"col\"]")
            for i, d in enumerate(names):
                if not isinstance(d, str) or not _DIM_NAME.match(d):
                    raise ConfigError(f"{path}[{i}]", f"{_kind(d)} is not a dimension name "
                                      "(letters, digits and _, not starting with a digit)")
            if len(set(names)) != len(names):
                raise ConfigError(path, f"{names}: each dimension once")
    if ex.get("waveforms") is not None:
        w = ex["waveforms"]
        if isinstance(w, str):
            w = ex["waveforms"] = "all" if w == "all" else [w]
        if w != "all":
            if not isinstance(w, list):
                raise ConfigError("extract.waveforms", "a list of vector names, or \"all\"")
            for i, v in enumerate(w):
                _text(f"extract.waveforms[{i}]", v, "a vector name")


def _parameters_used(gen: dict, space: dict, names: list, used_by) -> None:
    """Sweep parameters against what the generator reads: a parameter no point uses is a
    typo (``rline`` for ``r_line``), a template placeholder no parameter fills fails every
    point; swept presets and families must exist."""
    reads, what = used_by
    if reads is None:
        return                                  # a python generator reads what it likes
    if what == "template":
        for name in names:
            if name not in reads:
                raise ConfigError(_param_path(space, name),
                                  f"not a placeholder of the template"
                                  f"{_hint(name, sorted(reads))} "
                                  f"(its placeholders: {_listing(sorted(reads)) or 'none'})")
        missing = sorted(set(reads) - set(names))
        if missing:
            raise ConfigError("space.parameters", f"the template's placeholder(s) "
                              f"{', '.join('{' + m + '}' for m in missing)} get no value: "
                              "add them to the space")
        return
    fam = what                                  # crossbar: parameters are its fields
    for name in names:
        if name not in reads:
            raise ConfigError(_param_path(space, name),
                              f"not a setting of the crossbar generator"
                              f"{_hint(name, sorted(reads))} (allowed: {_listing(sorted(reads))})")
    for value, path in _swept_values(space, "preset"):
        _preset(path, fam, value)
    for value, path in _swept_values(space, "family"):
        if not isinstance(value, str) or value.lower() != fam.__name__.lower():
            raise ConfigError(path, f"{value!r}: a swept family must be the generator's "
                              f"({fam.__name__}): the variation and preset names belong to it")


def _param_path(space: dict, name: str) -> str:
    return f"space.points.{name}" if space["kind"] == "points" else f"space.parameters.{name}"


def _swept_values(space: dict, name: str):
    kind = space["kind"]
    if kind == "grid":
        spec = (space.get("parameters") or {}).get(name)
        if isinstance(spec, list):
            for i, v in enumerate(spec):
                yield v, f"space.parameters.{name}[{i}]"
        elif spec is not None:
            yield spec.get("start"), f"space.parameters.{name}"
    elif kind == "points":
        for k, p in enumerate(space["points"]):
            if name in p:
                yield p[name], f"space.points[{k}].{name}"
    else:
        d = (space.get("parameters") or {}).get(name)
        if d is not None:
            if d["dist"] == "choice":
                for i, v in enumerate(d["values"]):
                    yield v, f"space.parameters.{name}.values[{i}]"
            else:
                yield math.nan, f"space.parameters.{name}"
