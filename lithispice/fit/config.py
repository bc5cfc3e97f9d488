"""A fit described in a config file (``lithispice fit CONFIG``), checked whole before the fit.

TOML (or YAML with pyyaml)::

    family = "memristor"          # memristor | synapse | microbattery | gas_sensor
    preset = "LiCoO2"             # start values; and/or a [device] table of field overrides
    params = ["r_on", "v_set"]    # optional: default = the family's usual set for the data
    out = "fit_out"               # report, plots, fitted model cards (relative to the config)
    card = "lsm_mine"             # optional: name of the fitted card (default <preset card>_fit)

    [device]                      # optional: start values overriding the preset's (SI)
    r_on = 2.0e4

    [params.v_set]                # optional, instead of the list: bounds / log / start of a
    lower = 1.0                   # parameter (missing keys: the family's DEFAULT_PARAMS)
    upper = 3.5

    [[data]]                      # one table per measurement file
    kind = "iv_loop"              # a key of the family module's DATA_KINDS
    file = "loop_300K.csv"        # relative to the config's folder; units in the header
    temperature = 300.0           # scalar conditions, passed to the data class's from_csv
    conditions = {kind = "set"}   # conditions named like kind/file (or any other) go here

:func:`load_fit_config` reads and checks everything -- keys, the family, preset and device
fields, the parameter names, every data kind and file (each CSV is read, so a column with the
wrong unit or a NaN is reported here) -- and answers the first problem with the sweep
configs' :class:`~lithispice.batch.config.ConfigError` naming the key (``data[1].file``,
``params[0]``, ``device.ron``) and, for a misspelt name, the one probably meant.
:func:`run_fit_config` then fits (``lithispice.fit.<family>.fit``) and writes into ``out``:

    report.txt, fit.json, residuals.png   FitResult.save
    fit.png                               data against the fitted model, when the family
                                          module has ``plot_fit(result, data, path)``
    models/                               the fitted device's cards: ngspice (.inc and .lib),
                                          Xyce, LTspice, Verilog-A (modelcards.device_cards)
"""
from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from ..configcheck import ConfigError
from ..configcheck import boolean as _bool
from ..configcheck import check_keys as _check_keys
from ..configcheck import choice as _choice
from ..configcheck import hint as _hint
from ..configcheck import integer as _integer
from ..configcheck import kind as _kind
from ..configcheck import listing as _listing
from ..configcheck import number as _number
from ..configcheck import table as _table
from ..configcheck import text as _text
from ..errors import LithispiceError, ParameterError

__all__ = ["ConfigError", "FitConfig", "FAMILIES", "TOP_KEYS", "load_fit_config",
           "validate_fit_config", "run_fit_config", "fit_from_config"]

#: config family name -> device class name (lithispice.devices)
FAMILIES = {"memristor": "Memristor", "synapse": "Synapse", "microbattery": "Microbattery",
            "gas_sensor": "GasSensor"}
TOP_KEYS = {
    "family": "the device family: " + ", ".join(FAMILIES),
    "preset": "the preset whose values start the fit",
    "device": "a table of device fields overriding the preset's start values (SI units)",
    "params": "the fields to fit: a list of names, or a table name = {lower, upper, log, start}",
    "out": "output folder (relative to the config's folder; default fit_out)",
    "card": "name of the fitted device's model card (default: the preset's card + '_fit')",
    "data": "the measurements: [[data]] tables with kind, file and conditions",
    "max_nfev": "most model evaluations the optimiser may spend (an integer >= 1; default: "
                "scipy's); a fit stopped by it is reported NOT converged (exit status 1)",
}
PARAM_KEYS = ("lower", "upper", "log", "start")
#: keys of a [[data]] table that are not passed to the data class; ``conditions``: a table
#: of conditions whose names clash with these (a switching-time file's ``kind = "reset"``)
DATA_OWN_KEYS = ("kind", "file", "conditions")
DEFAULT_OUT = "fit_out"


@dataclass
class FitConfig:
    """A checked fit config: ``family`` (config name), ``module`` (lithispice.fit.<family>),
    ``device`` (the start device), ``params`` (FitParam list, or None: the family's default
    set), ``data`` (data objects, in config order), ``files`` (their paths), ``data_label``
    (what the fitted device's ``source`` will say it was fitted to), ``out`` (folder),
    ``card`` (name of the fitted card), ``raw`` (the normalised config table)."""
    family: str
    module: object
    device: object
    params: Optional[list]
    data: list
    files: list
    data_label: str
    out: Path
    card: str
    raw: dict
    max_nfev: Optional[int] = None      # optimiser budget (model evaluations); None: scipy's


# ------------------------------------------------------------------------------ loading
def read_config_file(path: Union[str, Path]) -> dict:
    """The table of a TOML (``.toml``) or YAML (``.yaml``/``.yml``) file; ConfigError when it
    is missing or does not parse (one reader for every config: batch/fromconfig.py)."""
    from ..batch.fromconfig import load_config
    return load_config(path)


def load_fit_config(path: Union[str, Path], out: Union[str, Path, None] = None) -> FitConfig:
    """Read and check the config at ``path`` (see the module doc); ``out`` (relative to the
    working directory) overrides the config's ``out`` (relative to the config's folder)."""
    path = Path(path)
    return validate_fit_config(read_config_file(path), path.resolve().parent, out=out)


# ------------------------------------------------------------------------------ checking
def _family_module(name: str):
    """``lithispice.fit.<name>``; ConfigError when it is not available."""
    try:
        return importlib.import_module(f"lithispice.fit.{name}")
    except ImportError as exc:
        raise ConfigError("family", f"fitting {name!r} is not available ({exc})") from None


def _device_class(family: str):
    from ..devices import DEVICE_FAMILIES
    return next(f for f in DEVICE_FAMILIES if f.__name__ == FAMILIES[family])


def _fields(cls) -> list:
    """Settable fields of a device dataclass (no private ones)."""
    return [f.name for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")]


def _start_device(cfg: dict, cls):
    """The device the fit starts from: the preset with the [device] overrides."""
    overrides = _table("device", cfg.get("device"))
    fields = _fields(cls)
    for k, v in overrides.items():
        if not isinstance(k, str) or k not in fields:
            raise ConfigError(f"device.{k}", f"unknown field of {cls.__name__}"
                              f"{_hint(k, fields)} (allowed: {_listing(fields)})")
        if isinstance(v, (dict, list)):
            raise ConfigError(f"device.{k}", f"{_kind(v)} is not a number or text")
    preset = cfg.get("preset")
    if preset is None and not overrides:
        raise ConfigError("preset", f"missing: the {cls.__name__} preset the fit starts from "
                          f"(allowed: {_listing(cls.presets())}), or a [device] table")
    try:
        if preset is None:
            return cls(**overrides)
        names = cls.presets()
        if not isinstance(preset, str) or preset not in names:
            shown = preset if isinstance(preset, str) else _kind(preset)
            raise ConfigError("preset", f"unknown {cls.__name__} preset {shown!r}"
                              f"{_hint(preset, names) if isinstance(preset, str) else ''} "
                              f"(allowed: {_listing(names)})")
        return cls.preset(preset, **overrides)
    except ParameterError as exc:
        key = f"device.{exc.name}" if exc.name in overrides else "device"
        raise ConfigError(key, str(exc)) from None
    except TypeError as exc:                     # a required field without a value
        raise ConfigError("device", str(exc)) from None


def _params(cfg: dict, module) -> Optional[list]:
    """The FitParam list of ``params`` (None: the family's default set)."""
    from .core import FitParam
    spec = cfg.get("params")
    if spec is None:
        return None
    defaults = getattr(module, "DEFAULT_PARAMS", {})
    allowed = list(defaults)

    def known(path, name):
        if not isinstance(name, str) or name not in defaults:
            raise ConfigError(path, f"{_kind(name) if not isinstance(name, str) else repr(name)}"
                              f" is not a fittable parameter{_hint(name, allowed)} "
                              f"(allowed: {_listing(allowed)})")
        return defaults[name]

    if isinstance(spec, list):
        if not spec:
            raise ConfigError("params", "an empty list: name at least one parameter, or leave "
                              "'params' out for the family's default set")
        out = [known(f"params[{i}]", n) for i, n in enumerate(spec)]
        names = [p.field for p in out]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup:
            raise ConfigError("params", f"{dup!r} is listed twice")
        return out
    if not isinstance(spec, dict) or not spec:
        raise ConfigError("params", f"{_kind(spec)}: give a list of names, e.g. [\"r_on\"], "
                          "or a table name = {lower, upper, log, start}")
    out = []
    for name, sub in spec.items():
        path = f"params.{name}"
        base = known(path, name)
        sub = _table(path, sub)
        _check_keys(path, sub, PARAM_KEYS)
        kw = {"lower": base.lower, "upper": base.upper, "log": base.log, "start": base.start}
        for k in ("lower", "upper", "start"):
            if k in sub:
                kw[k] = _number(f"{path}.{k}", sub[k])
        if "log" in sub:
            kw["log"] = _bool(f"{path}.log", sub["log"])
        try:
            p = FitParam(name, kw["lower"], kw["upper"], kw["log"], kw["start"])
        except ParameterError as exc:
            raise ConfigError(path, str(exc)) from None
        if p.start is not None and not p.lower <= p.start <= p.upper:
            raise ConfigError(f"{path}.start", f"{p.start:g} is outside [{p.lower:g}, "
                              f"{p.upper:g}]")
        out.append(p)
    return out


def _condition(path: str, value):
    """A scalar condition for from_csv: a number, a bool, text, or a list of numbers."""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, numbers.Real):
        return _number(path, value)
    if isinstance(value, list) and value:
        return [_number(f"{path}[{i}]", v) for i, v in enumerate(value)]
    raise ConfigError(path, f"{_kind(value)} is not a number, text or list of numbers")


def _condition_names(cls) -> Optional[list]:
    """Keyword names ``cls.from_csv`` takes besides the path (None: any, it has **meta and
    the class is not a dataclass)."""
    sig = inspect.signature(cls.from_csv)
    ps = list(sig.parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in ps):
        if dataclasses.is_dataclass(cls):
            return [f.name for f in dataclasses.fields(cls) if f.init]
        return None
    return [p.name for p in ps[1:] if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _data(cfg: dict, module, base: Optional[Path]) -> tuple[list, list]:
    """Loads every [[data]] table through the module's DATA_KINDS; (objects, files)."""
    from .data import DataError
    kinds = dict(getattr(module, "DATA_KINDS", {}))
    tables = cfg.get("data")
    if tables is None:
        raise ConfigError("data", f"missing: at least one [[data]] table with kind "
                          f"({_listing(kinds)}) and file")
    if isinstance(tables, dict):
        tables = [tables]
    if not isinstance(tables, list) or not tables:
        raise ConfigError("data", f"{_kind(tables)}: give [[data]] tables with kind and file")
    objs, files = [], []
    for i, tab in enumerate(tables):
        path = f"data[{i}]"
        tab = _table(path, tab, required=True)
        if "kind" not in tab:
            raise ConfigError(f"{path}.kind", f"missing: one of {_listing(kinds)}")
        kind = tab["kind"]
        if not isinstance(kind, str) or kind not in kinds:
            raise ConfigError(f"{path}.kind", f"unknown data kind "
                              f"{kind if isinstance(kind, str) else _kind(kind)!r}"
                              f"{_hint(kind, kinds) if isinstance(kind, str) else ''} "
                              f"(allowed: {_listing(kinds)})")
        cls = kinds[kind]
        if "file" not in tab:
            raise ConfigError(f"{path}.file", "missing: the CSV file of the measurement "
                              "(units in the header, e.g. 't [us], v [V], i [uA]')")
        f = Path(_text(f"{path}.file", tab["file"], "a file path"))
        if not f.is_absolute() and base is not None:
            f = base / f
        if not f.is_file():
            raise ConfigError(f"{path}.file", f"{str(f)!r} not found")
        names = _condition_names(cls)
        meta, where = {}, {}
        given = [(f"{path}.{k}", k, v) for k, v in tab.items() if k not in DATA_OWN_KEYS]
        given += [(f"{path}.conditions.{k}", k, v)
                  for k, v in _table(f"{path}.conditions", tab.get("conditions")).items()]
        for key, k, v in given:
            if names is not None and k not in names:
                raise ConfigError(key, f"unknown condition of a {kind!r} measurement"
                                  f"{_hint(k, names)} (allowed: "
                                  f"{_listing(list(DATA_OWN_KEYS) + names)})")
            if k in meta:
                raise ConfigError(key, "given twice (here and in the table itself)")
            meta[k] = _condition(key, v)
            where[k] = key
        if names is not None and "label" in names and "label" not in meta:
            meta["label"] = _shown(f, base)      # the report names the file as the config does
        try:
            objs.append(cls.from_csv(f, **meta))
        except DataError as exc:                 # a bad column, or a bad condition's value
            raise ConfigError(where.get(exc.column, f"{path}.file"), str(exc)) from None
        except ParameterError as exc:
            raise ConfigError(where.get(exc.name, path), f"{f.name}: {exc}") from None
        except TypeError as exc:                # a condition from_csv does not take
            raise ConfigError(path, f"{kind!r} data: {exc}") from None
        files.append(f)
    return objs, files


def validate_fit_config(cfg, base: Optional[Path] = None, *,
                        out: Union[str, Path, None] = None) -> FitConfig:
    """Check a loaded fit config (see the module doc) and load its data; ``base``: the
    config's folder (data files and ``out`` are relative to it). Raises ConfigError naming
    the first offending key."""
    if not isinstance(cfg, dict):
        raise ConfigError("", "the config must be a table of settings")
    cfg = copy.deepcopy(cfg)
    _check_keys("", cfg, TOP_KEYS)
    if "family" not in cfg:
        raise ConfigError("family", f"missing: one of {_listing(FAMILIES)}")
    family = cfg["family"] = _choice("family", cfg["family"], tuple(FAMILIES), "device family")
    cls = _device_class(family)
    device = _start_device(cfg, cls)
    module = _family_module(family)
    params = _params(cfg, module)
    from .. import modelcards
    from ..spice.names import check_name
    if cfg.get("card") is not None:
        card = _text("card", cfg["card"], "a card name")
        try:
            card = check_name(card, "card name")
        except LithispiceError as exc:
            raise ConfigError("card", str(exc)) from None
    else:
        card = f"{modelcards.card_name(device)}_fit"
    if out is not None:
        out_dir = Path(out)
    else:
        out_dir = Path(_text("out", cfg["out"], "a folder path") if cfg.get("out") is not None
                       else DEFAULT_OUT)
        if not out_dir.is_absolute() and base is not None:
            out_dir = base / out_dir
    max_nfev = (None if cfg.get("max_nfev") is None
                else _integer("max_nfev", cfg["max_nfev"], 1, 10 ** 9))
    data, files = _data(cfg, module, base)
    label = ", ".join(_shown(f, base) for f in files)
    return FitConfig(family=family, module=module, device=device, params=params, data=data,
                     files=files, data_label=label, out=out_dir, card=card, raw=cfg,
                     max_nfev=max_nfev)


def _shown(f: Path, base: Optional[Path]) -> str:
    """A data file as the config names it (relative to the config's folder where it is)."""
    try:
        return str(f.relative_to(base)) if base is not None else str(f)
    except ValueError:
        return str(f)


# ------------------------------------------------------------------------------ running
def fit_from_config(fc: FitConfig) -> tuple[object, list[Path]]:
    """Fit a checked config and write its outputs into ``fc.out``; ``(FitResult, paths)``."""
    from .. import modelcards
    from ..fileio import atomic_path
    try:
        extra = {} if fc.max_nfev is None else {"max_nfev": fc.max_nfev}
        result = fc.module.fit(fc.device, list(fc.data), fc.params,
                               data_label=fc.data_label, **extra)
    except ParameterError as exc:
        if exc.name == "params":                 # e.g. a parameter these kinds cannot fit
            raise ConfigError("params", str(exc)) from None
        raise
    out = Path(fc.out)
    paths = list(result.save(out))
    hook = getattr(fc.module, "plot_fit", None)
    if callable(hook):
        png = out / "fit.png"
        hook(result, fc.data, png)
        paths.append(png)
    cards = modelcards.device_cards(result.device, name=fc.card)
    for rel, text in sorted(cards.items()):
        p = out / "models" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(p) as tmp:
            Path(tmp).write_text(text)
        paths.append(p)
    return result, paths


def run_fit_config(path: Union[str, Path], out: Union[str, Path, None] = None):
    """Load, check and run the fit config at ``path`` (see the module doc); ``out``
    overrides the config's output folder. Returns the :class:`~lithispice.fit.FitResult`
    (``.device`` is the fitted device). Raises ConfigError naming the key for a bad config
    or bad data."""
    return fit_from_config(load_fit_config(path, out=out))[0]
