"""The ``lithispice`` command line.

    lithispice run DECK [--out DIR]          simulate a deck: CSV, netCDF and a PNG plot
    lithispice sweep CONFIG [--workers N]    a sweep / Monte Carlo from a TOML (or YAML) file
                     [--engine vacask]       ... in ngspice (default) or VACASK
    lithispice export [--out models]         write the model cards (ngspice, Xyce, LTspice, Verilog-A)
    lithispice presets [--family NAME]       every device family's presets with key numbers
    lithispice demo [--out demo_out]         the crossbar demo (--engine vacask: in VACASK)

``lithispice COMMAND --help`` explains each. User errors (a missing file, a bad config, a
deck ngspice rejects) print one clear message and exit with status 2 (usage/config) or 1
(simulation); no traceback.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import textwrap
from pathlib import Path

import numpy as np

from .errors import LithispiceError, SimulationError

EXIT_SIM, EXIT_USAGE = 1, 2


class UserError(Exception):
    """A problem the user can fix (bad file, bad config); printed without a traceback."""


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse that answers a bad argument with one line on stderr (``lithispice run:
    error: argument --timeout: ...``) and exit status 2, without the usage block."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _seconds(text: str) -> float:
    """argparse type: a finite time > 0, s."""
    try:
        x = float(text)
    except ValueError:
        x = float("nan")
    if not (x > 0 and x < float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a time in s > 0")
    return x


def _count(lo: int, hi: int):
    """argparse type: an integer in [lo, hi]."""
    def parse(text: str) -> int:
        try:
            k = int(text)
        except ValueError:
            k = None
        if k is None or not lo <= k <= hi:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer in [{lo}, {hi}]")
        return k
    return parse


# ------------------------------------------------------------------------------ helpers
def _safe_var(name: str, used: set) -> str:
    """A netCDF-safe variable name for an ngspice vector name (``v(x1.w)`` -> ``v_x1_w``)."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "var"
    if not base[0].isalpha():
        base = "v_" + base
    out, k = base, 2
    while out.lower() in used:
        out, k = f"{base}_{k}", k + 1
    used.add(out.lower())
    return out


def to_netcdf(ds, path) -> None:
    """Write an xarray Dataset as netCDF (scipy engine: netCDF-3, no extra library):
    names made netCDF-safe (the SPICE name is kept in the ``spice_name`` attribute), complex
    variables split into ``<name>_re``/``<name>_im``, 64-bit integers narrowed or made float."""
    import xarray as xr
    used: set = set()
    data, coords = {}, {}
    dim_names = {d: _safe_var(str(d), used) for d in ds.dims}

    def convert(name, var):
        var = var.rename({d: dim_names[d] for d in var.dims})
        attrs = dict(var.attrs)
        base = re.sub(r"[^A-Za-z0-9_]+", "_", str(name)).strip("_")
        if str(name) != base:
            attrs["spice_name"] = str(name)
        vals = var.values
        if np.iscomplexobj(vals):
            return [(_safe_var(f"{base}_re", used), var.real.assign_attrs(attrs, part="real")),
                    (_safe_var(f"{base}_im", used), var.imag.assign_attrs(attrs, part="imaginary"))]
        if vals.dtype.kind in "iu" and vals.dtype.itemsize > 4:
            fits = vals.size == 0 or (vals.min() >= -2**31 and vals.max() < 2**31)
            var = var.astype(np.int32 if fits else np.float64)
        target = dim_names[name] if name in ds.dims else _safe_var(str(name), used)
        return [(target, var.assign_attrs(attrs))]

    for name, var in ds.coords.items():
        for new, v in convert(name, var):
            coords[new] = v
    for name, var in ds.data_vars.items():
        for new, v in convert(name, var):
            data[new] = v
    out = xr.Dataset(data, coords=coords)
    out.attrs = {k: (v if isinstance(v, (str, int, float, np.integer, np.floating)) else str(v))
                 for k, v in ds.attrs.items()}
    from .fileio import atomic_path
    try:
        with atomic_path(path) as tmp:         # whole or not at all (a full disk)
            out.to_netcdf(tmp, engine="scipy")
    except ImportError as exc:
        raise UserError(f"writing netCDF needs scipy ({exc}); pip install scipy") from None


def result_dataset(res):
    """The primary plot of a Result as an xarray Dataset (axis as coordinate, SI units)."""
    import xarray as xr
    plot = res.plot
    axis = plot.axis
    axis_name = plot.axis_name or "index"
    dim = re.sub(r"[^A-Za-z0-9_]+", "_", axis_name).strip("_") or "index"
    if axis is None:
        axis = np.arange(len(plot), dtype=float)
    data = {}
    for name, typ in zip(plot.names, plot.types):
        if plot.axis_name is not None and name == plot.axis_name:
            continue
        unit = {"voltage": "V", "current": "A", "time": "s", "frequency": "Hz"}.get(typ, "")
        data[name] = ((dim,), np.asarray(plot[name]), {"units": unit, "vector_type": typ})
    ds = xr.Dataset(data, coords={dim: (dim, np.asarray(axis),
                                        {"units": {"time": "s", "frequency": "Hz"}.get(dim, "")})})
    ds.attrs.update(title=plot.title, plotname=plot.plotname, engine=res.engine)
    return ds


def plot_voltages(res, path, title: str) -> int:
    """PNG of the node voltages of the primary plot against its axis; returns traces drawn."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plot = res.plot
    names = [n for n, t in zip(plot.names, plot.types) if t == "voltage"]
    x = plot.axis if plot.axis is not None else np.arange(len(plot))
    fig, ax = plt.subplots(figsize=(9, 5))
    shown = names[:24]
    for n in shown:
        y = plot[n]
        ax.plot(x, np.real(y), label=n, lw=1)
    unit = {"time": "s", "frequency": "Hz"}.get((plot.axis_name or "").lower(), "")
    ax.set_xlabel(f"{plot.axis_name or 'point'}" + (f" ({unit})" if unit else ""))
    ax.set_ylabel("node voltage (V)")
    ax.set_title(title + (f"  [{len(shown)} of {len(names)} nodes]" if len(names) > len(shown) else ""))
    if shown:
        ax.legend(fontsize=7, ncol=2 if len(shown) > 8 else 1, loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    from .fileio import atomic_path
    try:
        with atomic_path(path) as tmp:         # same extension: still a PNG
            fig.savefig(tmp, dpi=110)
    finally:
        plt.close(fig)
    return len(shown)


# ------------------------------------------------------------------------------ commands
def cmd_run(args) -> int:
    from .engines import run_deck
    if getattr(args, "engine", "ngspice") != "ngspice":
        raise UserError(
            f"--engine {args.engine}: 'run' simulates an ngspice deck, which VACASK cannot run. "
            "VACASK runs Chips built in Python (Chip.run(engine='vacask')) and sweep configs "
            "(lithispice sweep CONFIG --engine vacask, or engine = \"vacask\" in the config, "
            "with a crossbar or python generator), not ngspice decks; run this deck with "
            "--engine ngspice (the default)")
    deck_path = Path(args.deck)
    if not deck_path.is_file():
        raise UserError(f"deck file {str(deck_path)!r} not found")
    text = deck_path.read_text(errors="replace")
    # relative .include/.lib paths resolve against the deck's folder, as in a netlister
    os.environ.setdefault("NGSPICE_INPUT_DIR", str(deck_path.resolve().parent))
    out = Path(args.out) if args.out else deck_path.resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    res = run_deck(text, timeout=args.timeout)
    stem = deck_path.stem
    csv_path, nc_path, png_path = out / f"{stem}.csv", out / f"{stem}.nc", out / f"{stem}.png"
    written = [csv_path, nc_path] + ([] if args.no_plot else [png_path])
    # every output goes to a temporary name in --out and is renamed only once all are
    # complete: a full disk (DiskFullError) leaves no truncated or 0-byte file, and no mix
    # of this run's files with an older run's
    from contextlib import ExitStack
    from .fileio import atomic_path
    with ExitStack() as stack:
        tmp = [stack.enter_context(atomic_path(p)) for p in written]
        res.to_csv(tmp[0])
        to_netcdf(result_dataset(res), tmp[1])
        if not args.no_plot:
            plot_voltages(res, tmp[2], f"{stem}: {res.plot.plotname}")
    print(f"{deck_path.name}: {res.plot.plotname}, {len(res)} points, {len(res.names)} vectors, "
          f"ngspice {res.elapsed:.2f} s")
    for w in res.warnings:
        print(f"  warning: {w}")
    for p in written:
        print(f"wrote {p}")
    return 0


def _load_config(path: Path) -> dict:
    if not path.is_file():
        raise UserError(f"config file {str(path)!r} not found")
    text = path.read_text()
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise UserError("a YAML config needs pyyaml (pip install pyyaml); or use TOML") from None
        try:
            cfg = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise UserError(f"{path}: invalid YAML: {exc}") from None
    else:
        try:
            import tomllib
        except ImportError:                      # Python 3.10
            try:
                import tomli as tomllib
            except ImportError:
                raise UserError("TOML configs need Python >= 3.11 (or pip install tomli)") from None
        try:
            cfg = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"{path}: invalid TOML: {exc}") from None
    if not isinstance(cfg, dict):
        raise UserError(f"{path}: the config must be a table of settings")
    return cfg


def _import(spec: str, what: str, base: Path | None = None):
    """The function a config names: ``file.py:function`` (loaded by path, relative to the
    config's folder ``base``) or ``package.module:function``. This executes that code; the
    config's folder is never put first on sys.path (lithispice.batch.usercode)."""
    from .batch.usercode import UserCodeError, load_function
    try:
        return load_function(spec, base if base is not None else Path.cwd(), what)
    except UserCodeError as exc:
        raise UserError(str(exc)) from None


def _axis_values(name, spec):
    if isinstance(spec, list):
        return spec
    if isinstance(spec, dict) and {"start", "stop", "num"} <= set(spec):
        num = int(spec["num"])
        if spec.get("log"):
            if not (spec["start"] > 0 and spec["stop"] > 0):
                raise UserError(f"space.parameters.{name}: log spacing needs start, stop > 0")
            return list(np.geomspace(spec["start"], spec["stop"], num))
        return list(np.linspace(spec["start"], spec["stop"], num))
    raise UserError(f"space.parameters.{name}: a list of values or {{start, stop, num[, log]}}")


def _build_space(cfg: dict):
    from .batch import space as sp
    s = dict(cfg.get("space") or {})
    kind = str(s.get("kind", "grid")).lower()
    seed = int(s.get("seed", 0))
    params = s.get("parameters") or {}
    if kind == "grid":
        if not params:
            raise UserError("space.parameters: a grid needs at least one parameter")
        return sp.Grid({k: _axis_values(k, v) for k, v in params.items()}, seed=seed)
    if kind == "points":
        pts = s.get("points")
        if not isinstance(pts, list) or not pts:
            raise UserError("space.points: a list of parameter tables")
        return sp.Points(pts, seed=seed)
    if kind in ("random", "montecarlo"):
        if "n" not in s:
            raise UserError(f"space.n: the number of {kind} points")
        dists = {}
        for name, d in params.items():
            if not isinstance(d, dict) or "dist" not in d:
                raise UserError(f"space.parameters.{name}: {{dist = 'uniform', low = .., high = ..}}")
            d = dict(d)
            cls = sp.DISTRIBUTIONS.get(str(d.pop("dist")).lower())
            if cls is None:
                raise UserError(f"space.parameters.{name}.dist: one of {sorted(sp.DISTRIBUTIONS)}")
            try:
                dists[name] = cls(**d)
            except TypeError as exc:
                raise UserError(f"space.parameters.{name}: {exc}") from None
        return sp.Random(int(s["n"]), seed=seed, **dists)
    raise UserError(f"space.kind {kind!r}: one of grid, points, random, montecarlo")


def _build_generator(cfg: dict, base: Path):
    from .batch import CrossbarProgramRead, DeckTemplate
    g = dict(cfg.get("generator") or {})
    kind = str(g.pop("kind", "")).lower()
    if kind == "crossbar":
        variation = CrossbarProgramRead.spreads(g.pop("variation", {}))
        try:
            gen = CrossbarProgramRead(variation=variation, **g)
        except TypeError as exc:
            raise UserError(f"generator: {exc}") from None
        return gen, gen.extractor()
    if kind == "template":
        if "file" not in g:
            raise UserError("generator.file: the template deck (with {name} placeholders)")
        f = (base / g["file"]) if not Path(g["file"]).is_absolute() else Path(g["file"])
        if not f.is_file():
            raise UserError(f"generator.file {str(f)!r} not found")
        return DeckTemplate(f.read_text()), None
    if kind == "python":
        if "function" not in g:
            raise UserError("generator.function: 'gen.py:function' (a file next to the config) or "
                            "'package.module:function' (point -> deck or Chip)")
        return _import(g["function"], "generator.function", base), None
    raise UserError("generator.kind: one of 'crossbar', 'template', 'python'")


def cmd_sweep(args) -> int:
    from .batch import final, run_sweep
    cfg_path = Path(args.config)
    cfg = _load_config(cfg_path)
    base = cfg_path.resolve().parent
    # the whole config against its schema before anything runs: unknown keys, bad values,
    # preset and variation names (batch/config.py)
    from .batch.config import ConfigError, validate_config
    try:
        cfg = validate_config(cfg, base, engine=args.engine)
    except ConfigError as exc:
        raise UserError(f"{cfg_path.name}: {exc}") from None
    # no sys.path change: only the code the config names is loaded (batch/usercode.py)
    gen, default_extract = _build_generator(cfg, base)
    space = _build_space(cfg)
    ex = dict(cfg.get("extract") or {})
    extract = default_extract
    if ex.get("function"):
        extract = _import(ex["function"], "extract.function", base)
    elif ex.get("final"):
        extract = final(*[str(v) for v in ex["final"]])
    waveforms = ex.get("waveforms") or ()
    out = Path(args.out or cfg.get("out") or "sweep_out")
    if not out.is_absolute() and not args.out:
        out = base / out
    workers = args.workers if args.workers is not None else cfg.get("workers")
    scheduler = args.scheduler or cfg.get("scheduler") or None
    engine = args.engine or cfg.get("engine") or "ngspice"
    if isinstance(engine, str):
        engine = engine.strip().lower()       # anything else: run_sweep names it
    if engine == "vacask" and str((cfg.get("generator") or {}).get("kind", "")).lower() == "template":
        raise UserError("engine 'vacask' runs Chips, and a template generator makes ngspice deck "
                        "text, which VACASK cannot run: use engine = \"ngspice\", or a crossbar "
                        "or python generator (a function returning a Chip)")
    res = run_sweep(gen, space, store=out / "store", extract=extract, waveforms=waveforms,
                    workers=workers, scheduler=scheduler, timeout=float(cfg.get("timeout", 60)),
                    retry_failed=bool(cfg.get("retry_failed", True)),
                    progress=not args.no_progress, name=cfg.get("name"), engine=engine)
    nc = out / "results.nc"
    to_netcdf(res.dataset, nc)
    print(f"{res.n_points} points: {res.n_ok} ok, {res.n_failed} failed, {res.n_missing} missing "
          f"(ran {res.n_ran}, reused {res.n_reused}) in {res.elapsed:.1f} s, {res.engine} on "
          f"{res.executor}")
    for f in res.failures[:10]:
        print(f"  failed point {f.index} {f.params}: {f.error_type}: {f.message}")
    if len(res.failures) > 10:
        print(f"  ... and {len(res.failures) - 10} more (see the Dataset's error variables)")
    print(f"wrote {nc} (store: {res.store})")
    return 0 if res.n_failed == 0 else EXIT_SIM


def cmd_export(args) -> int:
    from . import modelcards
    dialects = modelcards.FORMS if args.dialect == "all" else (args.dialect,)
    if args.check:
        bad = modelcards.check_models(args.out, dialects)
        if bad:
            print(f"out of date under {args.out}: {', '.join(bad)} "
                  f"(run: lithispice export --out {args.out})")
            return 1
        print(f"{args.out}: model cards up to date")
        return 0
    paths = modelcards.export(args.out, dialects)
    for p in paths:
        print(f"wrote {p}")
    return 0


def _fmt(v) -> str:
    try:
        x = float(v)
    except ValueError:
        return str(v)
    return f"{x:.4g}"


def cmd_presets(args) -> int:
    from .devices import DEVICE_FAMILIES
    from .modelcards import card_name, key_parameters, parse_subckt_header
    fams = [f for f in DEVICE_FAMILIES if not args.family or f.__name__.lower() == args.family.lower()]
    if not fams:
        raise UserError(f"no device family {args.family!r}; families: "
                        f"{', '.join(f.__name__ for f in DEVICE_FAMILIES)}")
    for fam in fams:
        names = fam.presets()
        first = fam.preset(names[0])
        headers = {p: parse_subckt_header(fam.preset(p).subckt(), fam.preset(p).subckt_name)
                   for p in names}
        # key numbers: the parameters whose defaults differ between the family's presets
        shown = list(headers[names[0]].params) if args.all else key_parameters(fam)
        print(f"{fam.__name__}: {len(names)} presets; pins {' '.join(first.pins)}; "
              f"model cards {fam.__name__.lower()}.lib; instance parameters "
              f"{', '.join(first.instance_params)}")
        for p in names:
            dev = fam.preset(p)
            nums = "  ".join(f"{k}={_fmt(headers[p].params[k])}" for k in shown
                             if k in headers[p].params)
            print(f"  {p:<14} {card_name(dev):<20} {nums}")
            src = getattr(dev, "source", "")
            if args.all and src:
                print(f"  {'':<14} source: {src}")
    return 0


def cmd_demo(args) -> int:
    from . import demo
    demo.main(args.rest)
    return 0


# ------------------------------------------------------------------------------ parser
_SWEEP_EXAMPLE = textwrap.dedent("""\
    example config (TOML; YAML with the same structure works if pyyaml is installed):

      name = "crossbar_mc"
      out = "sweep_out"              # store in out/store, Dataset in out/results.nc
      workers = 2                    # local processes; or scheduler = "tcp://127.0.0.1:8786"
      timeout = 60                   # s per run
      engine = "ngspice"             # or "vacask" (Chips only: crossbar / python generators)

      [generator]                    # kind: crossbar | template | python
      kind = "crossbar"              # program row 0, read all rows; any 2-pin preset
      preset = "LiCoO2"
      rows = 4
      cols = 4
      [generator.variation]          # device-to-device, drawn per instance per point
      ron = {lognormal = 0.1}
      vset = {normal = 0.05}

      [space]                        # kind: grid | points | random | montecarlo
      kind = "montecarlo"
      n = 200
      seed = 1

      [extract]                      # default for crossbar: column currents i_col
      # final = ["v(out)"]           # last values of vectors
      # function = "ex.py:extract"   # (result, point) -> {name: value}; RUNS ex.py
      # waveforms = ["v(out)"]

    template generator:  [generator] kind = "template"  file = "rc.cir"   (deck with {r} ...; ngspice only)
    python generator:    [generator] kind = "python"    function = "gen.py:deck"  (point -> Chip or deck text)
    grid parameters:     [space.parameters] r = [1e3, 2e3]  or  r = {start=1e3, stop=1e4, num=5, log=true}
    random parameters:   [space.parameters] t = {dist = "uniform", low = 290, high = 350}

    user code: a python generator or extract.function EXECUTES the code it names, with your
    permissions -- run only configs you trust. "gen.py:deck" loads that file (relative to the
    config's folder) by path; "package.module:deck" imports an installed module (the config's
    folder is searched only if none is installed). Nothing else next to the config is ever
    imported: a crossbar or template config runs no Python from its folder, and files there
    named like installed modules (numpy.py, xarray.py, ...) never replace them. A template
    deck runs in ngspice as written (a .control block in it too): trust it like code.
    """)


def build_parser() -> argparse.ArgumentParser:
    ap = OneLineArgumentParser(
        prog="lithispice", description="Lithionic device models in ngspice and VACASK: "
        "simulate decks, run sweeps and Monte Carlo, export model cards.",
        epilog="Run 'lithispice COMMAND --help' for the options of a command.")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="simulate a deck; write CSV, netCDF and a PNG plot",
                       description="Simulate a SPICE deck with batch ngspice and write its "
                       "primary analysis as DECK.csv (all vectors, lossless), DECK.nc (xarray/"
                       "netCDF, SI units) and DECK.png (node voltages).")
    p.add_argument("deck", help="the deck file (title line first, analysis cards, .end)")
    p.add_argument("--out", help="output folder (default: the deck's folder)")
    p.add_argument("--timeout", type=_seconds, default=600.0, help="ngspice time limit, s (600)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG")
    p.add_argument("--engine", choices=("ngspice", "vacask"), default="ngspice",
                   help="ngspice only: a deck is ngspice text; VACASK runs Chips built in "
                   "Python and sweep configs, not decks")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("sweep", help="run a parameter sweep or Monte Carlo from a config",
                       description="Run a sweep: every point one ngspice (or VACASK) run in "
                       "a worker process (or on a Dask cluster). Interrupted sweeps resume: run "
                       "the same command again. A config with a python generator or an "
                       "extract.function executes the Python code it names (see below).",
                       epilog=_SWEEP_EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="TOML (.toml) or YAML (.yaml) config file")
    p.add_argument("--workers", type=_count(0, 4096),
                   help="local worker processes (overrides the config; 0: in this process)")
    p.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--out", help="output folder (overrides the config's 'out')")
    p.add_argument("--engine", choices=("ngspice", "vacask"),
                   help="simulator for every point (overrides the config's 'engine'; default "
                   "ngspice). vacask needs a generator that builds Chips (crossbar, python)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("export", help="write the model cards (ngspice, Xyce, LTspice, Verilog-A)",
                       description="Generate the model card libraries of every device "
                       "family's presets, in ngspice, Xyce and LTspice dialects and as Verilog-A modules, plus a README.")
    p.add_argument("--out", default="models", help="output folder (default: models)")
    p.add_argument("--dialect", default="all", choices=("all", "ngspice", "xyce", "ltspice", "veriloga"),
                   help="which dialect(s) (default: all)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if the files under --out are out of date")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("presets", help="list every device family's presets with key numbers",
                       description="List the presets of every device family: card name and "
                       "the default values of its instance parameters (SI units).")
    p.add_argument("--family", help="only this family (e.g. Memristor)")
    p.add_argument("--all", action="store_true", help="every parameter, and the sources")
    p.set_defaults(func=cmd_presets)

    p = sub.add_parser("demo", help="run the crossbar demo (lithispice.demo)",
                       description="Run lithispice.demo; options after 'demo' go to it "
                       "(--out, --size, --preset, --r-line, --engine ngspice|vacask).",
                       add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER, help="arguments for the demo")
    p.set_defaults(func=cmd_demo)
    return ap


def main(argv=None) -> int:
    ap = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"]:
        # everything after 'demo' belongs to the demo's own parser (argparse's REMAINDER
        # does not take a leading --option)
        args = argparse.Namespace(command="demo", func=cmd_demo, rest=argv[1:])
    else:
        args = ap.parse_args(argv)
    if not getattr(args, "func", None):
        ap.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"lithispice {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SimulationError as exc:
        print(f"lithispice {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_SIM
    except LithispiceError as exc:
        print(f"lithispice {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"lithispice {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"lithispice {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

