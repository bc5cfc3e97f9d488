"""A sweep config (TOML / YAML) -> the :func:`run_sweep` call it stands for.

``lithispice sweep CONFIG`` and Python share this, so a config run and the API call it
describes make the same points, keys and Dataset::

    from lithispice.batch.fromconfig import run_config
    res = run_config("sweep.toml", workers=0)        # store in <out>/store
    res.dataset

:func:`sweep_arguments` gives the keyword arguments (``deck``, ``space``, ``extract``,
``waveforms``, ``dims``, ``timeout``, ``retry_failed``, ``name``, ``engine``, ``workers``,
``scheduler``) of a config checked by :func:`~lithispice.batch.config.validate_config`;
:func:`load_config` reads the file. Naming code (``function = "gen.py:deck"``) executes it
(:mod:`.usercode`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from .config import ConfigError, validate_config

__all__ = ["load_config", "sweep_arguments", "run_config"]


def load_config(path) -> dict:
    """The table of a TOML (or, with pyyaml, YAML: ``.yaml`` / ``.yml``) config file.
    Raises ConfigError for a missing or unreadable file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("", f"config file {str(path)!r} not found")
    text = path.read_text()
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ConfigError("", "a YAML config needs pyyaml (pip install pyyaml); or use "
                              "TOML") from None
        try:
            cfg = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError("", f"{path}: invalid YAML: {exc}") from None
    else:
        try:
            import tomllib
        except ImportError:                      # Python 3.10
            import tomli as tomllib
        try:
            cfg = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("", f"{path}: invalid TOML: {exc}") from None
    if not isinstance(cfg, dict):
        raise ConfigError("", f"{path}: the config must be a table of settings")
    return cfg


def _space(s: dict):
    from . import space as sp
    kind, seed = s["kind"], int(s.get("seed", 0))
    params = s.get("parameters") or {}
    if kind == "grid":
        return sp.Grid({k: sp.axis_values(k, v) for k, v in params.items()}, seed=seed)
    if kind == "points":
        return sp.Points(s["points"], seed=seed)
    dists = {name: sp.DISTRIBUTIONS[d["dist"]](**{k: v for k, v in d.items() if k != "dist"})
             for name, d in params.items()}
    return sp.Random(int(s["n"]), seed=seed, **dists)


def _generator(g: dict, base: Path):
    """(deck function, its default extraction or None)."""
    from .generators import CrossbarProgramRead, DeckTemplate
    from .usercode import load_function
    g = dict(g)
    kind = g.pop("kind")
    if kind == "crossbar":
        variation = CrossbarProgramRead.spreads(g.pop("variation", {}) or {})
        gen = CrossbarProgramRead(variation=variation, **g)
        return gen, gen.extractor()
    if kind == "template":
        f = Path(g["file"])
        return DeckTemplate((f if f.is_absolute() else base / f).read_text()), None
    return load_function(g["function"], base, "generator.function"), None


def sweep_arguments(cfg: dict, base=None, *, engine: Optional[str] = None) -> dict:
    """The :func:`run_sweep` keyword arguments of config ``cfg`` (checked here with
    :func:`validate_config`; ``base``: the config's folder, default the working
    directory; ``engine`` overrides the config's). Without ``store`` and ``progress``."""
    from .usercode import load_function
    from .worker import final
    base = Path(base) if base is not None else Path.cwd()
    cfg = validate_config(cfg, base, engine=engine)
    deck, extract = _generator(cfg["generator"], base)
    ex = cfg.get("extract") or {}
    if ex.get("function"):
        extract = load_function(ex["function"], base, "extract.function")
    elif ex.get("final"):
        extract = final(*[str(v) for v in ex["final"]])
    return {"deck": deck, "space": _space(cfg["space"]), "extract": extract,
            "waveforms": ex.get("waveforms") or (), "dims": ex.get("dims"),
            "timeout": float(cfg.get("timeout", 60)),
            "retry_failed": bool(cfg.get("retry_failed", True)), "name": cfg.get("name"),
            "engine": engine or cfg.get("engine") or "ngspice",
            "workers": cfg.get("workers"), "scheduler": cfg.get("scheduler") or None}


def run_config(path, *, out=None, workers=None, scheduler=None, engine=None,
               progress: bool = True):
    """Run the sweep of a config file, as ``lithispice sweep`` does: the store in
    ``<out>/store`` (``out``: argument, else the config's ``out`` relative to its folder,
    else ``sweep_out`` there). Returns the :class:`SweepResult`."""
    from .sweep import run_sweep
    path = Path(path)
    base = path.resolve().parent
    kw = sweep_arguments(load_config(path), base, engine=engine)
    if workers is not None:
        kw["workers"] = workers
    if scheduler is not None:
        kw["scheduler"] = scheduler
    cfg_out = load_config(path).get("out")
    folder = Path(out) if out is not None else base / (cfg_out or "sweep_out")
    return run_sweep(store=folder / "store", progress=progress, **kw)
