"""The ``lithispice`` command line.

    lithispice run DECK [--out DIR]          simulate a deck: CSV, netCDF and a PNG plot
                   [--plot V,..] [--save V,..]  ... what to draw / keep (ngspice .save)
    lithispice sweep CONFIG [--workers N]    a sweep / Monte Carlo from a TOML (or YAML) file
                     [--engine vacask]       ... in ngspice (default) or VACASK
    lithispice fit CONFIG [--out DIR]        fit a device to measured data (CSV); report, plots,
                                             and the fitted device's model cards
    lithispice lifetime CONFIG [--out DIR]   how long a microbattery powers a chip: circuit
                                             windows + battery kernel (netCDF and a PNG)
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
def to_netcdf(ds, path) -> None:
    """Write an xarray Dataset as netCDF (scipy engine: netCDF-3, no extra library) with
    the names the Python API uses (``v(col0)``, ``i(vin)``: valid netCDF names, written
    unchanged; see :mod:`lithispice.engines.ncio`)."""
    from .engines.ncio import to_netcdf as write
    try:
        write(ds, path)
    except ImportError as exc:
        raise UserError(f"writing netCDF needs scipy ({exc}); pip install scipy") from None


def result_dataset(res):
    """The primary plot of a Result as an xarray Dataset (:meth:`Result.to_xarray`)."""
    return res.to_xarray()


_VECTOR = re.compile(r"[^\s,()]+(?:\([^()]*\))?")
_SAVE_OK = re.compile(r"(?:[vi]\([A-Za-z0-9_.#:\-]+(?:,[A-Za-z0-9_.#:\-]+)?\)"
                      r"|[A-Za-z0-9_][A-Za-z0-9_.#:\-]*)\Z", re.I)


def vector_list(text: str, option: str, differential: bool = True) -> list[str]:
    """``'v(out),i(vdd) v(a,b)'`` -> ``['v(out)', 'i(vdd)', 'v(a,b)']`` (commas or spaces
    between names; a comma inside parentheses is a differential voltage). Only vector
    names are accepted: the list ends up in the deck (``--save``)."""
    names = _VECTOR.findall(text or "")
    rest = _VECTOR.sub("", text or "").replace(",", "").strip()
    bad = [n for n in names if not _SAVE_OK.match(n) or (not differential and "," in n)]
    if rest or bad or not names:
        raise UserError(f"{option} {text!r}: a list of vector names such as "
                        "'v(out),i(vdd),v(x1.w)'" + ("" if differential else
                                                     " (no differential v(a,b): save both nodes)"))
    return names


def add_saves(deck: str, names: list[str]) -> str:
    """The deck with ``.save <names>`` before its ``.end``: ngspice then writes only these
    vectors (and the axis). A bare node name ``out`` is saved as ``v(out)``."""
    vecs = [n if "(" in n or "#" in n else f"v({n})" for n in names]
    m = re.search(r"^[ \t]*\.end[ \t]*$", deck, re.I | re.M)
    line = ".save " + " ".join(vecs) + "\n"
    if m is None:
        return deck            # run_deck refuses a deck without .end with a clear message
    return deck[:m.start()] + line + deck[m.start():]


def plot_result(res, path, title: str, signals=()) -> list[str]:
    """PNG of ``signals`` (default: top-level nets and source currents) against the
    primary plot's axis, one panel per unit; returns the vectors drawn."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    chosen = list(signals) or res.default_signals(limit=None)
    shown = chosen[:24] if not signals else chosen
    if not shown:                              # e.g. --save of subcircuit nodes only
        shown = [n for n in res.names if n != res.axis_name][:24]
    if not shown:
        return []
    note = f"  [{len(shown)} of {len(chosen)} top-level vectors]" if len(shown) < len(chosen) else ""
    axes = res.plot(*shown, title=title + note, lw=1)
    fig = axes[0].figure
    from .fileio import atomic_path
    try:
        with atomic_path(path) as tmp:         # same extension: still a PNG
            fig.savefig(tmp, dpi=110)
    finally:
        plt.close(fig)
    return shown


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
    plot_names = vector_list(args.plot, "--plot") if args.plot else []
    save_names = vector_list(args.save, "--save", differential=False) if args.save else []
    text = deck_path.read_text(errors="replace")
    if save_names:
        text = add_saves(text, save_names)
    # relative .include/.lib paths resolve against the deck's folder, as in a netlister
    os.environ.setdefault("NGSPICE_INPUT_DIR", str(deck_path.resolve().parent))
    out = Path(args.out)
    progress = {None: "auto", True: True, False: False}[args.progress]
    try:
        res = run_deck(text, timeout=args.timeout, progress=progress)
    except SimulationError as exc:
        if save_names and "no data saved" in (exc.log_tail or ""):
            # ngspice's own message does not say why: none of the names exists
            raise UserError(f"--save {args.save!r}: the deck has none of these vectors "
                            "(misspelt node or source name?)") from None
        raise
    out.mkdir(parents=True, exist_ok=True)
    stem = deck_path.stem
    csv_path, nc_path, png_path = out / f"{stem}.csv", out / f"{stem}.nc", out / f"{stem}.png"
    written = [csv_path, nc_path] + ([] if args.no_plot else [png_path])
    # every output goes to a temporary name in --out and is renamed only once all are
    # complete: a full disk (DiskFullError) leaves no truncated or 0-byte file, and no mix
    # of this run's files with an older run's
    from contextlib import ExitStack
    from .fileio import atomic_path
    drawn: list[str] = []
    with ExitStack() as stack:
        tmp = [stack.enter_context(atomic_path(p)) for p in written]
        res.to_csv(tmp[0])
        to_netcdf(res.to_xarray(), tmp[1])
        if not args.no_plot:
            drawn = plot_result(res, tmp[2], f"{stem}: {res.plot.plotname}", plot_names)
    print(f"{deck_path.name}: {res.plot.plotname}, {len(res)} points, {len(res.names)} vectors, "
          f"ngspice {res.elapsed:.2f} s")
    for w in res.warnings:
        print(f"  warning: {w}")
    print(f"wrote into {out.resolve()}:")
    for p in written:
        size = p.stat().st_size
        print(f"  {p.name}  ({size / 1e6:.3g} MB)" if size >= 1e5 else f"  {p.name}  ({size} bytes)")
    if drawn:
        print(f"  plotted: {', '.join(drawn)}")
    return 0


def _load_config(path: Path) -> dict:
    from .batch.config import ConfigError
    from .batch.fromconfig import load_config
    try:
        return load_config(path)
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def cmd_sweep(args) -> int:
    from .batch import run_sweep
    from .batch.config import ConfigError
    from .batch.fromconfig import sweep_arguments
    from .batch.usercode import UserCodeError
    cfg_path = Path(args.config)
    cfg = _load_config(cfg_path)
    base = cfg_path.resolve().parent
    # one interpretation of a config for the CLI and Python (batch/fromconfig.py): the whole
    # config is checked against its schema first (batch/config.py), then only the code it
    # names is loaded, with no sys.path change (batch/usercode.py)
    try:
        kw = sweep_arguments(cfg, base, engine=args.engine)
    except (ConfigError, UserCodeError) as exc:
        raise UserError(f"{cfg_path.name}: {exc}") from None
    engine = kw["engine"]
    if isinstance(engine, str):
        engine = kw["engine"] = engine.strip().lower()   # anything else: run_sweep names it
    if engine == "vacask" and str((cfg.get("generator") or {}).get("kind", "")).lower() == "template":
        raise UserError("engine 'vacask' runs Chips, and a template generator makes ngspice deck "
                        "text, which VACASK cannot run: use engine = \"ngspice\", or a crossbar "
                        "or python generator (a function returning a Chip)")
    out = Path(args.out or cfg.get("out") or "sweep_out")
    if not out.is_absolute() and not args.out:
        out = base / out
    if args.workers is not None:
        kw["workers"] = args.workers
    if args.scheduler:
        kw["scheduler"] = args.scheduler
    res = run_sweep(store=out / "store", progress=not args.no_progress, **kw)
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


def cmd_fit(args) -> int:
    from .batch.config import ConfigError
    from .fit.config import fit_from_config, load_fit_config
    cfg_path = Path(args.config)
    # the whole config is checked and every data file read before the fit starts
    # (fit/config.py); a bad key, file or column is one line naming it
    try:
        fc = load_fit_config(cfg_path, out=args.out)
        res, paths = fit_from_config(fc)
    except ConfigError as exc:
        raise UserError(f"{cfg_path.name}: {exc}") from None
    print(f"{fc.family} fit to {fc.data_label}: {len(res.names)} parameters, "
          f"{res.n_data} residuals, rms {res.rms:.3g}, {res.elapsed:.2f} s"
          f"{'' if res.success else ' (NOT converged: ' + res.message + ')'}")
    for k in res.names:
        lo, hi = res.ci95[k]
        unit = res.units.get(k, "")
        flag = "  UNIDENTIFIABLE" if k in res.unidentifiable else ""
        print(f"  {k} = {res.values[k]:.5g} {unit}  (95 % [{lo:.4g}, {hi:.4g}]){flag}")
    for w in res.warnings:
        print(f"  warning: {w}")
    print(f"wrote {len(paths)} files under {fc.out}: report.txt, fit.json, residuals.png"
          f"{', fit.png' if any(p.name == 'fit.png' for p in paths) else ''}, "
          f"models/ (card {fc.card})")
    if not res.success:
        # the outputs are written (to look at), but a script must not take them for a fit
        print(f"error: the fit did not converge ({res.message}); see {fc.out / 'report.txt'}",
              file=sys.stderr)
        return EXIT_SIM
    return 0


def cmd_lifetime(args) -> int:
    from .batch.config import ConfigError
    from .cosim.config import simulate, load_lifetime_config, plot_lifetime, write_dataset
    cfg_path = Path(args.config)
    # the whole config is checked and its code loaded before the first circuit window
    # (cosim/config.py); a bad key is one line naming it
    try:
        lc = load_lifetime_config(cfg_path, engine=args.engine)
    except ConfigError as exc:
        raise UserError(f"{cfg_path.name}: {exc}") from None
    if args.out:
        nc, png = Path(args.out) / "lifetime.nc", Path(args.out) / "lifetime.png"
    else:
        nc = lc.netcdf or cfg_path.resolve().parent / "lifetime_out" / "lifetime.nc"
        png = lc.png or nc.with_suffix(".png")
    ds = simulate(lc, progress=not args.no_progress)
    write_dataset(ds, nc)
    plot_lifetime(ds, png, lc.name)
    a = ds.attrs
    t_end = float(ds.time.values[-1])
    ev = (f"event {a['event']} at {a['t_event'] / 86400:.4g} d (period {a['period_event']})"
          if a["event"] else "no event")
    print(f"{lc.name}: {ev}; {a['n_periods']} periods of {a['period']:g} s "
          f"({t_end / 86400:.4g} d) from {a['n_circuit_runs']} circuit runs "
          f"({a['engine_s']:.1f} s {a['engine']}) in {a['wall_s']:.1f} s; "
          f"SOC {float(ds.soc.values[0]):.4f} -> {float(ds.soc.values[-1]):.4f}, "
          f"charge {a['q_window'] + a['q_kernel']:.4g} C")
    print(f"wrote {nc}, {png}")
    return 0


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
    """A card value for the table: numbers with up to 6 significant digits (298.15, not
    298.1), anything else as written."""
    try:
        x = float(v)
    except ValueError:
        return str(v)
    return f"{x:.6g}"


def _card_value(name: str, value) -> str:
    """``tk=0`` on a card means "the circuit temperature" (.temp / .options temp)."""
    if name == "tk":
        try:
            if float(value) <= 0:
                return "circuit"
        except ValueError:
            pass
    return _fmt(value)


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
        # columns as wide as their longest entry, so long preset names stay aligned
        rows = []
        for p in names:
            dev = fam.preset(p)
            cells = [f"{k}={_card_value(k, headers[p].params[k])}" if k in headers[p].params
                     else "" for k in shown]
            rows.append((p, card_name(dev), cells, getattr(dev, "source", "")))
        w_name = max(len(r[0]) for r in rows)
        w_card = max(len(r[1]) for r in rows)
        w_cells = [max(len(r[2][j]) for r in rows) for j in range(len(shown))]
        for p, card, cells, src in rows:
            nums = "  ".join(c.ljust(w) for c, w in zip(cells, w_cells)).rstrip()
            print(f"  {p:<{w_name}}  {card:<{w_card}}  {nums}".rstrip())
            if args.all and src:
                print(f"  {'':<{w_name}}  source: {src}")
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


_FIT_EXAMPLE = textwrap.dedent("""\
    example config (fit.toml):
      family = "memristor"          # memristor | synapse | microbattery | gas_sensor
      preset = "LiCoO2"             # start values (and/or a [device] table of overrides)
      params = ["r_on", "v_set"]    # optional: default = the family's usual set
      out = "fit_out"               # relative to the config's folder
      [[data]]
      kind = "iv_loop"              # the family's data kinds (an error lists them)
      file = "loop_300K.csv"        # header with units: t [us], v [V], i [uA]
      temperature = 300.0           # K: conditions that are not columns

    lithispice fit fit.toml --out fit_out
    """)


_LIFETIME_EXAMPLE = textwrap.dedent("""\
    example config (lifetime.toml; SI units):
      name = "sensor_node"
      [window]
      chip = "node.py:window"       # window(params) -> Chip; RUNS that file
      [battery]
      instance = "bat"              # the name the window gives Chip.add
      preset = "LiPON-LiCoO2-Li"    # + params = {area = 1e-4} overrides
      current = "i(vmeter)"         # terminal current vector, A (> 0 discharging)
      [cosim]
      period = 600.0                # s, one window stands for one period
      horizon = 86400.0             # s of calendar time (less at an event)
      engine = "ngspice"            # or "vacask"
      tol_v = 0.01                  # V of OCV before the circuit runs again
      [output]                      # default: lifetime_out/ next to the config
      netcdf = "lifetime_out/lifetime.nc"

    lithispice lifetime lifetime.toml --out lifetime_out
    """)


def build_parser() -> argparse.ArgumentParser:
    ap = OneLineArgumentParser(
        prog="lithispice", description="Lithionic device models in ngspice and VACASK: "
        "simulate decks, run sweeps and Monte Carlo, export model cards.",
        epilog="Run 'lithispice COMMAND --help' for the options of a command.")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="simulate a deck; write CSV, netCDF and a PNG plot",
                       description=textwrap.fill(
                           "Simulate a SPICE deck with batch ngspice and write its primary "
                           "analysis as DECK.csv (the saved vectors, lossless), DECK.nc "
                           "(xarray/netCDF, units as attributes, the same vector names as the "
                           "Python API: v(out), i(vdd), v(x1.w)) and DECK.png (one panel per "
                           "unit), into --out (default ./lithispice_out).", 88),
                       epilog="examples:\n  lithispice run deck.cir --plot 'v(out),i(vdd)'\n"
                       "  lithispice run array.cir --save 'v(col0),v(col1),i(vdd)' --out res",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("deck", help="the deck file (title line first, analysis cards, .end)")
    p.add_argument("--out", default="lithispice_out",
                   help="output folder (default: lithispice_out in the current directory)")
    p.add_argument("--timeout", type=_seconds, default=600.0, help="ngspice time limit, s (600)")
    p.add_argument("--plot", metavar="VECTORS",
                   help="vectors to draw, e.g. 'v(out),i(vdd),v(x1.w)' (default: the "
                   "top-level nets and source currents, at most 24)")
    p.add_argument("--save", metavar="VECTORS",
                   help="keep only these vectors (an ngspice .save card), e.g. "
                   "'v(out),i(vdd)': small files for big arrays (default: all)")
    p.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="show simulated time / stop time with an ETA on stderr (default: "
                   "only on a terminal)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress display")
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

    p = sub.add_parser("fit", help="fit a device's parameters to measured data from a config",
                       description=textwrap.fill(
                           "Fit a device family's compact-model parameters to measured data "
                           "(CSV files with units in the header) through the compiled kernel. "
                           "Writes report.txt (values, 95 % intervals, correlations, warnings), "
                           "fit.json, residuals.png, and models/: the fitted device's ngspice, "
                           "Xyce, LTspice and Verilog-A cards.", 88),
                       epilog=_FIT_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="TOML (.toml) or YAML (.yaml) fit config")
    p.add_argument("--out", help="output folder (overrides the config's 'out')")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("lifetime", help="how long a microbattery powers a chip (co-simulation)",
                       description=textwrap.fill(
                           "Co-simulate a chip and its microbattery from a config: the circuit "
                           "engine runs one window (a duty cycle) from the battery's slow "
                           "states, the C kernel advances the battery over the periods the "
                           "window stands for, until the horizon or an event (v_min, anode "
                           "empty, a predicate). Writes lifetime.nc (SOC, Li, voltages against "
                           "calendar time, the window schedule, the charge ledger) and "
                           "lifetime.png. The window function in the config is executed.", 88),
                       epilog=_LIFETIME_EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="TOML (.toml) or YAML (.yaml) lifetime config")
    p.add_argument("--out", help="output folder (overrides the config's 'out')")
    p.add_argument("--engine", choices=("ngspice", "vacask"),
                   help="simulator of the windows (overrides the config's 'engine')")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_lifetime)

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

