"""Property-based tests (hypothesis) of the public device API and the raw-file reader.

For every public function of the four device families (constructors, replace, simulate,
emf, terminal_voltage, concentration, switching_rate, conductance, voltage_now, the cycler
drivers, potentiate, gas_pwl, program_array ...) arbitrary arguments -- floats with nan / inf /
huge / negative values, wrong types (strings, bools, None, complex, dicts), wrong shapes,
ragged lists -- are tried one to three at a time on top of valid defaults. The outcome must be

* a result whose numbers are all finite and physical (terminal voltages within +-10 V,
  conductances > 0, lithiations and states in range, ...), or
* a typed lithispice error; a ParameterError must name one of the arguments that were changed
  (or its own name must appear in the message);

never a TypeError / ValueError / FloatingPointError / AttributeError / ZeroDivisionError from
inside, never NaN or inf, never a call that runs for minutes. The raw reader gets random bytes
and mutated copies of real ngspice raw files (binary and ASCII): it returns the plots (complete
ones equal to the original, truncated ones flagged and a prefix of it) or raises RawFileError.

Counts of every outcome are printed at the end (``pytest -s``) and written as JSON to
``$LITHISPICE_FUZZ_REPORT`` when set. ``LITHISPICE_FUZZ_SURVEY=1`` counts without failing
(to survey an older version of the package).
"""
from __future__ import annotations

import collections
import json
import math
import os
import re
import subprocess
import time
from dataclasses import fields, is_dataclass

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, Phase, given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from lithispice.devices import GasSensor, Memristor, Microbattery, Step, Synapse  # noqa: E402
from lithispice.devices.memristor import simulate_array  # noqa: E402
from lithispice.devices.synapse import program_array  # noqa: E402
from lithispice.errors import LithispiceError, ParameterError  # noqa: E402

SURVEY = os.environ.get("LITHISPICE_FUZZ_SURVEY") == "1"
HANG_S = 20.0                     # a single call longer than this counts as a hang
N_EXAMPLES = int(os.environ.get("LITHISPICE_FUZZ_EXAMPLES", "200"))
# no shrink phase: a failing example is reported as drawn (shrinking the deep device calls
# took tens of minutes), so a regression fails in seconds
SETTINGS = settings(max_examples=N_EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck), database=None,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate))

# outcome counters per property: inputs, result, clear, typed, crash, hang, wrong
COUNTS: dict = collections.defaultdict(collections.Counter)
EXAMPLES: dict = collections.defaultdict(list)


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    total = collections.Counter()
    lines = [f"{'property':<34}{'inputs':>7}{'results':>8}{'clear':>7}{'typed':>7}"
             f"{'crash':>7}{'hang':>6}{'wrong':>7}"]
    for name in sorted(COUNTS):
        c = COUNTS[name]
        total.update(c)
        lines.append(f"{name:<34}{c['inputs']:>7}{c['result']:>8}{c['clear']:>7}"
                     f"{c['typed']:>7}{c['crash']:>7}{c['hang']:>6}{c['wrong']:>7}")
    lines.append(f"{'TOTAL':<34}{total['inputs']:>7}{total['result']:>8}{total['clear']:>7}"
                 f"{total['typed']:>7}{total['crash']:>7}{total['hang']:>6}{total['wrong']:>7}")
    print("\n" + "\n".join(lines))
    path = os.environ.get("LITHISPICE_FUZZ_REPORT")
    if path:
        with open(path, "w") as fh:
            json.dump({"counts": {k: dict(v) for k, v in COUNTS.items()},
                       "examples": {k: v[:20] for k, v in EXAMPLES.items()}}, fh, indent=1)


# ------------------------------------------------------------------------------ strategies
def _nasty_scalar():
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-300, -1e-300, 1e300,
                         -1e300, 5e-324, 1e30, -1.0, -3, 0, 2**63, 10**400 // 10**390]),
        st.integers(-10**20, 10**20),
        st.none(), st.booleans(),
        st.sampled_from(["5", "abc", "nan", "", "1e3"]),
        st.complex_numbers(max_magnitude=10, allow_nan=False),
    )


def _nasty():
    floats = st.floats(allow_nan=True, allow_infinity=True)
    return st.one_of(
        _nasty_scalar(),
        st.lists(floats, max_size=4),
        st.lists(st.lists(floats, max_size=3), min_size=1, max_size=3),      # ragged
        hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
                   elements=floats),
        st.dictionaries(st.text(max_size=3), floats, max_size=2),
        st.tuples(floats, st.text(max_size=3)),
    )


NASTY = _nasty()


def _f(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


# ------------------------------------------------------------------------------ checks
ALLOWED_INF = {"r_load", "v_min", "v_max", "r_leak", "cycle_life", "v_nonlinear",
               "leak_resistance"}


def _non_finite(x, path="result", depth=0) -> list:
    """Paths of non-finite numbers in a result (dataclasses, dicts, sequences, arrays)."""
    if depth > 4:
        return []
    bad = []
    if isinstance(x, (bool, np.bool_, str)) or x is None:
        return bad
    if isinstance(x, int):
        return bad                          # Python ints are finite (and may exceed int64)
    if isinstance(x, (float, np.number)):
        if not np.isfinite(x):
            bad.append(path)
    elif isinstance(x, np.ndarray):
        if x.dtype.kind in "fc" and not np.all(np.isfinite(x)):
            bad.append(path)
    elif isinstance(x, dict):
        for k, v in x.items():
            if k not in ALLOWED_INF:
                bad += _non_finite(v, f"{path}[{k!r}]", depth + 1)
    elif isinstance(x, (list, tuple)):
        for k, v in enumerate(x[:50]):
            bad += _non_finite(v, f"{path}[{k}]", depth + 1)
    elif is_dataclass(x):
        for f in fields(x):
            if f.name not in ALLOWED_INF and not f.name.startswith("_"):
                bad += _non_finite(getattr(x, f.name), f"{path}.{f.name}", depth + 1)
    return bad


def _within(name, a, lo, hi):
    a = np.asarray(a, dtype=np.float64)
    if a.size and not (np.all(a >= lo) and np.all(a <= hi)):
        return [f"{name} outside [{lo}, {hi}]: {a.min():.4g} .. {a.max():.4g}"]
    return []


def _classify(prop, call, changed, aliases=()):
    """Run ``call``; count and return the outcome (and a problem text for failures)."""
    c = COUNTS[prop]
    c["inputs"] += 1
    t0 = time.perf_counter()
    try:
        result = call()
    except ParameterError as exc:
        if time.perf_counter() - t0 > HANG_S:
            c["hang"] += 1
            return "hang", f"took {time.perf_counter() - t0:.1f} s"
        names = set(changed) | set(aliases)
        text = str(exc)
        if exc.name in names or any(re.search(rf"\b{re.escape(n)}\b", text) for n in names):
            c["clear"] += 1
            return "clear", None
        c["crash"] += 1
        return "crash", f"ParameterError names {exc.name!r}, changed {sorted(changed)}: {text[:200]}"
    except LithispiceError:
        c["typed"] += 1
        return "typed", None
    except Exception as exc:            # noqa: BLE001 - the point of the test
        c["crash"] += 1
        return "crash", f"{type(exc).__name__}: {str(exc)[:200]}"
    if time.perf_counter() - t0 > HANG_S:
        c["hang"] += 1
        return "hang", f"took {time.perf_counter() - t0:.1f} s"
    return "result", result


def _fuzz(prop, data, fn, defaults, plausible=None, check=None, aliases=(), max_changed=3):
    """One example: change 1..max_changed arguments of ``fn`` (valid ``defaults``) to
    values drawn from ``plausible[name]`` or the nasty strategy, call, classify."""
    plausible = plausible or {}
    names = sorted(defaults)
    k = data.draw(st.integers(1, min(max_changed, len(names))), label="n_changed")
    changed = data.draw(st.lists(st.sampled_from(names), min_size=k, max_size=k, unique=True),
                        label="changed")
    kw = dict(defaults)
    for name in changed:
        # plausible values twice as often as nasty ones: results get checked too
        strat = st.one_of(plausible[name], plausible[name], NASTY) if name in plausible else NASTY
        kw[name] = data.draw(strat, label=name)
    outcome, detail = _classify(prop, lambda: fn(**kw), changed, aliases)
    problem = None
    if outcome in ("crash", "hang"):
        problem = detail
    elif outcome == "result":
        bad = _non_finite(detail)
        if not bad and check is not None:
            try:
                bad = check(detail)
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                bad = [f"result of the wrong kind {type(detail).__name__}: {exc}"]
        if bad:
            COUNTS[prop]["wrong"] += 1
            problem = f"silent wrong result: {bad[:3]}"
        else:
            COUNTS[prop]["result"] += 1
    if problem is not None:
        EXAMPLES[prop].append(f"{fn_name(fn)}({_short(kw, changed)}) -> {problem}")
        if not SURVEY:
            raise AssertionError(f"{prop}: {fn_name(fn)}({_short(kw, changed)}) -> {problem}")


def fn_name(fn):
    return getattr(fn, "__qualname__", repr(fn))


def _short(kw, changed):
    def r(v):
        s = repr(v)
        return s if len(s) < 60 else s[:57] + "..."
    return ", ".join(f"{k}={r(kw[k])}" for k in changed)


# ------------------------------------------------------------------------------ devices
M = Memristor.preset("LiCoO2")
G = GasSensor.preset(GasSensor.presets()[0])
B = Microbattery.preset(Microbattery.presets()[0])
BL = B.lumped()
S = Synapse.preset("LISTA-LiCoO2")
CAP = B.capacity_Ah                      # A for a 1C rate (numerically)
T_MEM = np.linspace(0.0, 2e-5, 9)


def _w_ok(tr):
    return _within("state", tr.state, 0.0, 1.0)


def _battery_ok(tr):
    return (_within("v", tr.v, -10, 10) + _within("soh", tr.soh, 1e-9, 1.0)
            + _within("soc", tr.soc, -0.01, 1.01))


def _synapse_trace_ok(tr):
    return _within("theta_c", tr.theta_c, -0.5, 1.5) + _within("g", tr.g, 1e-300, 1e12)


def _temps():
    return st.one_of(_f(200.0, 1000.0), _f(1.0, 4000.0))


@SETTINGS
@given(st.data())
def test_memristor_queries(data):
    which = data.draw(st.sampled_from(["rate", "conductance"]))
    if which == "rate":
        _fuzz("Memristor.switching_rate", data, M.switching_rate,
              dict(v=1.0, temperature=300.0, w=0.5),
              dict(v=_f(-50, 50), temperature=_temps(), w=_f(-0.1, 1.1)))
    else:
        _fuzz("Memristor.conductance", data, M.conductance, dict(w=0.5),
              dict(w=st.one_of(_f(-0.1, 1.1), st.lists(_f(-0.05, 1.05), max_size=5))),
              check=lambda g: _within("G", g, 1 / M.r_off * (1 - 1e-12), 1 / M.r_on * (1 + 1e-12)))


@SETTINGS
@given(st.data())
def test_memristor_simulate(data):
    if data.draw(st.booleans()):
        _fuzz("Memristor.simulate", data, M.simulate,
              dict(t=T_MEM, v=np.full(9, 0.5), temperature=300.0, w0=0.0),
              dict(t=hnp.arrays(np.float64, st.integers(0, 6), elements=_f(-1, 1)),
                   v=st.one_of(_f(-20, 20).map(lambda x: np.full(9, x)),
                               hnp.arrays(np.float64, 9, elements=_f(-1e3, 1e3))),
                   temperature=_temps(), w0=_f(-0.1, 1.1)), check=_w_ok)
    else:
        _fuzz("simulate_array", data, simulate_array,
              dict(devices=[M, M], t=T_MEM, v=np.full(9, 0.5), temperature=300.0, w0=0.0,
                   threads=1),
              dict(devices=st.sampled_from([[], [M], [M, "x"], M, None]),
                   threads=st.integers(-2, 4), w0=st.lists(_f(-0.1, 1.1), max_size=3)),
              check=_w_ok)


MEM_FIELDS = {"v_set": _f(-1, 5), "r_on": _f(-1, 1e7), "r_off": _f(-1, 1e9),
              "t_ref": _f(-1, 3000), "window_p": _f(0, 12), "law": st.text(max_size=8),
              "name": st.one_of(st.none(), st.text(max_size=3)), "seed_c2c": st.integers(-5, 5),
              "sigma_vth_c2c": _f(-1, 2), "tau_c2c": _f(-1, 1), "ea_switch": _f(-1, 4),
              "v_nonlinear": _f(-1, 10), "w_c": _f(-0.5, 1.5), "nonlinearity_set": _f(0, 60)}


@SETTINGS
@given(st.data())
def test_memristor_construct_and_replace(data):
    defaults = {k: getattr(M, k) for k in MEM_FIELDS}
    def build(**kw):
        dev = Memristor(**kw)
        dev.subckt()                   # the card builds from any accepted parameter set
        return dev
    if data.draw(st.booleans()):
        _fuzz("Memristor()+subckt", data, build, defaults, MEM_FIELDS)
    else:
        _fuzz("Memristor.replace", data, M.replace, defaults, MEM_FIELDS)


def _gas_emf_ok(e):
    return _within("emf", e, -10, 10)


@SETTINGS
@given(st.data())
def test_gas_sensor_statics(data):
    which = data.draw(st.sampled_from(["emf", "terminal", "concentration", "props", "lgp",
                                       "pwl", "spice_params"]))
    env = dict(p_o2=0.2, p_h2o=0.0, p_cross=0.0)
    envs = dict(p_o2=_f(-1, 200), p_h2o=_f(-1, 10), p_cross=_f(-1, 10))
    if which == "emf":
        _fuzz("GasSensor.emf", data, G.emf, dict(p_gas=400e-6, temperature=700.0, **env),
              dict(p_gas=_f(-1, 1e6), temperature=_temps(), **envs), check=_gas_emf_ok)
    elif which == "terminal":
        _fuzz("GasSensor.terminal_voltage", data, G.terminal_voltage,
              dict(emf=0.1, temperature=700.0, r_load=1e6),
              dict(emf=_f(-20, 20), temperature=_temps(), r_load=_f(-1, 1e12)),
              check=_gas_emf_ok)
    elif which == "concentration":
        _fuzz("GasSensor.concentration", data, G.concentration,
              dict(emf=0.1, temperature=700.0, **env),
              dict(emf=_f(-20, 20), temperature=_temps(), **envs),
              check=lambda p: _within("p_gas", p, 1e-300, 100.0))
    elif which == "props":
        fn = data.draw(st.sampled_from([G.time_constant, G.t90, G.film_resistance,
                                        G.output_resistance, G.slope_per_decade,
                                        G.series_resistance]))
        _fuzz(f"GasSensor.{fn.__name__}", data, fn, dict(temperature=700.0),
              dict(temperature=_temps()), check=lambda r: _within("value", r, 0, np.inf))
    elif which == "lgp":
        _fuzz("GasSensor.lgp", data, GasSensor.lgp, dict(p_gas=400e-6), dict(p_gas=_f(-1, 1e4)))
    elif which == "pwl":
        def pwl_ok(pairs):
            t = [a for a, _ in pairs]
            return [] if all(b > a for a, b in zip(t, t[1:])) else ["times not increasing"]
        _fuzz("GasSensor.gas_pwl", data, GasSensor.gas_pwl,
              dict(t=[0.0, 1.0, 2.0], p_gas=[400e-6, 800e-6, 400e-6]),
              dict(t=st.lists(_f(-1, 10), max_size=4), p_gas=st.lists(_f(-1, 1), max_size=4)),
              check=pwl_ok)
    else:
        _fuzz("GasSensor.spice_params", data, G.spice_params,
              dict(p_gas=400e-6, temperature=700.0, **env),
              dict(p_gas=_f(-1, 1e3), temperature=_temps(), **envs),
              check=lambda d: _within("x0", d["x0"], -10, 10))


@SETTINGS
@given(st.data())
def test_gas_sensor_simulate(data):
    def ok(tr):
        return _within("emf", tr.emf, -10, 10) + _within("v_out", tr.v_out, -10, 10)
    _fuzz("GasSensor.simulate", data, G.simulate,
          dict(t=np.linspace(0, 100, 6), p_gas=400e-6, temperature=700.0, x0=None, r_load=1e9,
               p_o2=0.2, p_h2o=0.0, p_cross=0.0),
          dict(p_gas=st.one_of(_f(1e-12, 10), hnp.arrays(np.float64, 6, elements=_f(-1, 10))),
               temperature=_temps(), x0=_f(-20, 20), r_load=_f(-1, 1e15)), check=ok)


GAS_FIELDS = {"tau": _f(-1, 1e13), "t_ref": _f(-1, 4000), "de0_dt": _f(-1, 1),
              "ideality": _f(-1, 3), "gas": st.text(max_size=4),
              "name": st.one_of(st.none(), st.text(max_size=3)), "sigma_ref": _f(-1, 1e7),
              "ea_tau": _f(-1, 6), "n_electrons": _f(-1, 9)}


@SETTINGS
@given(st.data())
def test_gas_sensor_construct(data):
    defaults = {k: getattr(G, k) for k in GAS_FIELDS}
    def build(**kw):
        dev = GasSensor(**kw)
        dev.subckt()
        return dev
    dev = data.draw(st.sampled_from(["new", "replace"]))
    fn = build if dev == "new" else G.replace
    _fuzz(f"GasSensor{'()+subckt' if dev == 'new' else '.replace'}", data, fn, defaults,
          GAS_FIELDS)


def _cur():
    return st.one_of(_f(-10 * CAP, 10 * CAP), _f(-1e3, 1e3))


@SETTINGS
@given(st.data())
def test_microbattery_statics(data):
    which = data.draw(st.sampled_from(["voltage_now", "ocv", "r_ion", "coefficients",
                                       "initial_state", "soh_after"]))
    if which == "voltage_now":
        _fuzz("Microbattery.voltage_now", data, BL.voltage_now,
              dict(current=CAP, temperature=300.0, soc0=1.0, state=None),
              dict(current=_cur(), temperature=_temps(), soc0=_f(-0.5, 1.5),
                   state=hnp.arrays(np.float64, st.integers(3, 7), elements=_f(-2, 2))),
              check=lambda v: _within("v", v, -10, 10))
    elif which == "ocv":
        _fuzz("Microbattery.ocv", data, B.ocv, dict(soc=0.5, temperature=300.0),
              dict(soc=_f(-1, 2), temperature=_temps()),
              check=lambda u: _within("ocv", u, 0, 10))
    elif which == "r_ion":
        _fuzz("Microbattery.r_ion", data, B.r_ion, dict(temperature=300.0),
              dict(temperature=_temps()), check=lambda r: _within("r", r, 0, np.inf))
    elif which == "coefficients":
        _fuzz("Microbattery.coefficients", data, B.coefficients, dict(temperature=300.0),
              dict(temperature=_temps()))
    elif which == "initial_state":
        _fuzz("Microbattery.initial_state", data, B.initial_state,
              dict(soc0=0.5, soh=1.0, q_anode0=None),
              dict(soc0=_f(-1, 2), soh=_f(-1, 2), q_anode0=_f(-1, 10)))
    else:
        _fuzz("Microbattery.soh_after", data, B.soh_after, dict(cycles=100.0),
              dict(cycles=_f(-10, 1e9)), check=lambda s: _within("soh", s, 0, 1))


@SETTINGS
@given(st.data())
def test_microbattery_drivers(data):
    which = data.draw(st.sampled_from(["discharge_cc", "charge_cc", "charge_cccv", "simulate",
                                       "pulse_load", "hold_cv", "rest", "run", "cycle"]))
    temps = dict(temperature=_temps(), soc0=_f(-0.5, 1.5),
                 state=hnp.arrays(np.float64, st.integers(4, 6), elements=_f(-2, 2)),
                 record=st.sampled_from([True, False, 1, None, "yes"]))
    base = dict(temperature=300.0, soc0=1.0, state=None, record=True)
    b = BL
    if which == "discharge_cc":
        _fuzz("Microbattery.discharge_cc", data, b.discharge_cc,
              dict(current=CAP, v_min=None, t_max=60.0, **base),
              dict(current=_cur(), v_min=_f(-20, 20), t_max=_f(-1, 1e4), **temps),
              check=_battery_ok)
    elif which == "charge_cc":
        _fuzz("Microbattery.charge_cc", data, b.charge_cc,
              dict(current=CAP, v_max=None, t_max=60.0, **dict(base, soc0=0.0)),
              dict(current=_cur(), v_max=_f(-20, 20), t_max=_f(-1, 1e4), **temps),
              check=_battery_ok)
    elif which == "charge_cccv":
        _fuzz("Microbattery.charge_cccv", data, b.charge_cccv,
              dict(current=CAP, v_max=None, i_min=None, t_max=60.0, **dict(base, soc0=0.0)),
              dict(current=_cur(), v_max=st.one_of(_f(-20, 20), st.just(math.inf)),
                   i_min=_f(-1, 1), t_max=_f(-1, 1e4), **temps), check=_battery_ok)
    elif which == "simulate":
        base.pop("record")
        temps.pop("record")
        _fuzz("Microbattery.simulate", data, b.simulate,
              dict(t=np.linspace(0, 60, 5), current=CAP, v_min=None, v_max=None, **base),
              dict(current=st.one_of(_cur(), hnp.arrays(np.float64, 5, elements=_f(-1, 1))),
                   t=hnp.arrays(np.float64, st.integers(0, 5), elements=_f(-10, 100)),
                   v_min=_f(-20, 20), v_max=_f(-20, 20), **temps), check=_battery_ok)
    elif which == "pulse_load":
        _fuzz("Microbattery.pulse_load", data, b.pulse_load,
              dict(current=CAP, t_on=1.0, t_off=1.0, n_pulses=2, v_min=None, **base),
              dict(current=_cur(), t_on=_f(-1, 100), t_off=_f(-1, 100),
                   n_pulses=st.integers(-2, 5), **temps), check=_battery_ok)
    elif which == "hold_cv":
        base.pop("record")
        temps.pop("record")
        _fuzz("Microbattery.hold_cv", data, b.hold_cv,
              dict(voltage=4.0, duration=30.0, i_min=0.0, **base),
              dict(voltage=_f(-5, 20), duration=_f(-1, 1e3), i_min=_f(-1, 1), **temps),
              check=_battery_ok)
    elif which == "rest":
        base.pop("record")
        temps.pop("record")
        _fuzz("Microbattery.rest", data, b.rest, dict(duration=30.0, **base),
              dict(duration=_f(-1, 1e6), **temps), check=_battery_ok)
    elif which == "run":
        steps = st.one_of(st.just([Step("cc", CAP, 10.0)]), st.just([]), st.just([1.0]),
                          st.just(Step("rest", 0.0, 5.0)))
        _fuzz("Microbattery.run", data, b.run,
              dict(steps=[Step("cc", CAP, 10.0)], repeat=1, **base),
              dict(steps=steps, repeat=st.integers(-2, 3), **temps), check=_battery_ok)
    else:
        _fuzz("Microbattery.cycle", data, b.cycle,
              dict(n_cycles=1, current=20 * CAP, charge_current=None, i_min=None, t_rest=0.0,
                   **dict(base, record=False)),
              dict(n_cycles=st.integers(-1, 2), current=_cur(), charge_current=_cur(),
                   i_min=_f(-1, 1), t_rest=_f(-1, 100), **temps), check=_battery_ok)


@SETTINGS
@given(st.data())
def test_step_construct(data):
    _fuzz("Step()", data, Step,
          dict(mode="cc", value=1e-6, duration=1.0, v_min=3.0, v_max=4.2, i_min=0.0, stop=False),
          dict(mode=st.sampled_from(["cc", "cv", "rest", "CC", "x"]), value=_f(-20, 20),
               v_min=_f(-20, 20), v_max=_f(-20, 20)))


BAT_FIELDS = {"area": _f(-1, 2), "t_ref": _f(-1, 3000), "v_min": _f(-1, 12),
              "v_max": _f(-1, 12), "cycle_life": st.one_of(_f(-1, 1e6), st.just(math.inf)),
              "n_volumes": st.integers(-1, 200), "cathode": st.text(max_size=8),
              "name": st.one_of(st.none(), st.text(max_size=3)), "D": _f(-1, 1e-5),
              "sigma_ref": _f(-1, 1e5), "ea_sigma": _f(-1, 4), "reservoir_pin": NASTY,
              "c_max": _f(-1, 1e7)}


@SETTINGS
@given(st.data())
def test_microbattery_construct(data):
    defaults = {k: getattr(B, k) for k in BAT_FIELDS}

    def build(**kw):
        dev = B.replace(**kw)
        dev.subckt()                   # the card must build too (t_ref=5 K said 'value')
        return dev
    _fuzz("Microbattery.replace+subckt", data, build, defaults, BAT_FIELDS)


@SETTINGS
@given(st.data())
def test_synapse_queries(data):
    which = data.draw(st.sampled_from(["conductance", "voc", "state", "summary", "coeffs",
                                       "profile"]))
    if which == "conductance":
        _fuzz("Synapse.conductance", data, S.conductance, dict(theta_c=0.5, temperature=300.0),
              dict(theta_c=_f(-2, 3), temperature=_temps()),
              check=lambda g: _within("g", g, 1e-300, 1e12))
    elif which == "voc":
        _fuzz("Synapse.open_circuit_voltage", data, S.open_circuit_voltage,
              dict(theta_c=0.5, theta_r=0.5, temperature=300.0),
              dict(theta_c=_f(-2, 3), theta_r=_f(-2, 3), temperature=_temps()),
              check=lambda v: _within("v_oc", v, -10, 10))
    elif which == "state":
        _fuzz("Synapse.state", data, S.state, dict(theta_c=0.5, theta_r=0.5),
              dict(theta_c=_f(-2, 3), theta_r=_f(-2, 3)))
    elif which == "summary":
        _fuzz("Synapse.state_summary", data, S.state_summary,
              dict(state=[0.5, 0.5], temperature=300.0),
              dict(state=st.lists(_f(-10, 10), max_size=3), temperature=_temps()),
              check=lambda d: _within("theta_c", d["theta_c"], -0.5, 1.5))
    elif which == "coeffs":
        _fuzz("Synapse.coefficients", data, S.coefficients, dict(temperature=300.0),
              dict(temperature=_temps()))
    else:
        _fuzz("Synapse.profile_conductance", data, S.profile_conductance,
              dict(theta_profile=[0.5], temperature=300.0),
              dict(theta_profile=st.lists(_f(-2, 3), max_size=3), temperature=_temps()))


@SETTINGS
@given(st.data())
def test_synapse_runs(data):
    which = data.draw(st.sampled_from(["simulate", "segments", "pulse_train", "potentiate",
                                       "program_array"]))
    if which == "simulate":
        _fuzz("Synapse.simulate", data, S.simulate,
              dict(t=np.linspace(0, 1e-3, 4), v_gate=np.full(4, 0.1), v_ds=0.01,
                   temperature=300.0, state=None),
              dict(v_gate=hnp.arrays(np.float64, 4, elements=_f(-5, 5)),
                   state=st.lists(_f(-10, 10), max_size=3), v_ds=_f(-20, 20),
                   temperature=_temps()), check=_synapse_trace_ok)
    elif which == "segments":
        seg = st.tuples(st.sampled_from(["current", "voltage", "floating", "x"]),
                        _f(-1e-9, 1e-9), _f(-1, 1e-2))
        _fuzz("Synapse.simulate(segments)", data, S.simulate,
              dict(t=[("current", 1e-12, 1e-3)], v_ds=0.01, temperature=300.0, state=None),
              dict(t=st.lists(seg, max_size=3), state=st.lists(_f(-10, 10), max_size=3),
                   temperature=_temps()),
              check=_synapse_trace_ok, aliases=("value", "duration", "drive"))
    elif which == "pulse_train":
        _fuzz("Synapse.pulse_train", data, S.pulse_train,
              dict(n_pulses=3, amplitude=1e-12, drive="current", t_on=1e-3, t_off=1e-3,
                   rest="floating", temperature=300.0, state=None),
              dict(n_pulses=st.integers(-2, 5), amplitude=_f(-1e-9, 1e-9),
                   drive=st.sampled_from(["current", "voltage", "x"]), t_on=_f(-1, 1e-2),
                   state=st.lists(_f(-10, 10), max_size=3), temperature=_temps()),
              check=lambda r: _within("g", r.g, 1e-300, 1e12))
    elif which == "potentiate":
        _fuzz("Synapse.potentiate", data, S.potentiate,
              dict(n_pulses=3, magnitude=1e-12, drive="current"),
              dict(n_pulses=st.integers(-2, 5), magnitude=_f(-1e-9, 1e-9),
                   drive=st.sampled_from(["current", "voltage", "x"])),
              check=lambda r: _within("g", r.g, 1e-300, 1e12))
    else:
        _fuzz("program_array", data, lambda **kw: program_array(S, **kw),
              dict(amplitudes=np.full((2, 3), 1e-12), states=None, temperature=300.0, threads=1),
              dict(amplitudes=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=3),
                                         elements=_f(-1e-9, 1e-9)),
                   states=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=3),
                                     elements=_f(-2, 2)),
                   temperature=_temps(), threads=st.integers(-1, 3)),
              check=lambda d: _within("g", d["g"], 1e-300, 1e12))


SYN_FIELDS = {"w_ch": _f(-1, 1e-1), "t_ref": _f(-1, 3000), "theta_c0": _f(-1, 2),
              "channel": st.text(max_size=6), "n_volumes": st.integers(-1, 40),
              "name": st.one_of(st.none(), st.text(max_size=3)), "x_b": _f(-1, 11),
              "c_max_ch": st.one_of(st.none(), _f(-1, 1e7)), "sigma_a": _f(-1, 1e9),
              "rest": st.text(max_size=8), "film_tol": _f(-1, 1)}


@SETTINGS
@given(st.data())
def test_synapse_construct(data):
    defaults = {k: getattr(S, k) for k in SYN_FIELDS}

    def build(**kw):
        dev = S.replace(**kw)
        dev.subckt()
        return dev
    _fuzz("Synapse.replace+subckt", data, build, defaults, SYN_FIELDS)


@SETTINGS
@given(st.data())
def test_helpers(data):
    """Variability, calibration, geometry helpers."""
    from lithispice.devices import gas_calibration as gc
    which = data.draw(st.sampled_from(["sample", "fit", "calibration", "scaled",
                                       "with_electrolyte"]))
    if which == "sample":
        _fuzz("Memristor.sample", data, M.sample,
              dict(n=3, seed=0, sigma_ln_r_on=0.1, sigma_ln_r_off=0.2, sigma_v_th=0.05),
              dict(n=st.integers(-2, 5), seed=st.integers(-2, 2**70), sigma_v_th=_f(-1, 1)))
    elif which == "fit":
        _fuzz("gas_calibration.fit", data, gc.fit,
              dict(p_gas=[1e-4, 1e-3, 1e-2], emf=[0.3, 0.25, 0.2], temperature=None),
              dict(p_gas=st.lists(_f(-1, 200), max_size=4),
                   emf=st.lists(_f(-1e300, 1e300), max_size=4), temperature=_temps()))
    elif which == "calibration":
        cal = gc.Calibration(e0=0.1, slope=-0.05, rms=0.0, n_points=3, temperature=700.0)
        fn = data.draw(st.sampled_from([cal.concentration, cal.reading]))
        arg = "emf" if fn == cal.concentration else "p_gas"
        _fuzz(f"Calibration.{fn.__name__}", data, fn, {arg: 0.2 if arg == "emf" else 1e-3},
              {arg: _f(-10, 10)}, check=lambda v: _within("value", v, -1e300, 1e300))
    elif which == "scaled":
        _fuzz("Synapse.scaled", data, S.scaled, dict(w_ch=1e-6, l_ch=None),
              dict(w_ch=_f(-1, 1), l_ch=_f(-1, 1)))
    else:
        _fuzz("GasSensor.with_electrolyte", data, GasSensor.with_electrolyte,
              dict(electrolyte="Li3PO4"), dict(electrolyte=st.text(max_size=8)), max_changed=1)


@SETTINGS
@given(st.data())
def test_presets_and_subckt(data):
    fam = data.draw(st.sampled_from([Memristor, GasSensor, Microbattery, Synapse]))
    _fuzz(f"{fam.__name__}.preset", data, fam.preset, dict(name=fam.presets()[0]),
          dict(name=st.text(max_size=12)), max_changed=1)
    dev = fam.preset(fam.presets()[0])
    _fuzz(f"{fam.__name__}.subckt", data, dev.subckt, dict(dialect="ngspice"),
          dict(dialect=st.sampled_from(["ngspice", "xyce", "NGSPICE"])), max_changed=1)


# ------------------------------------------------------------------------------ raw reader
import lithispice.errors  # noqa: E402
from lithispice.engines.raw import parse_raw  # noqa: E402

# (a survey of an older version without RawFileError counts its ValueErrors as crashes)
RawFileError = getattr(lithispice.errors, "RawFileError", ())

MULTI = """several analyses
V1 in 0 dc 1 ac 1 pwl(0 0 1n 1)
R1 in out 1k
C1 out 0 1u
.op
.dc V1 0 2 0.5
.ac dec 5 10 10k
.tran 100u 1m
.end
"""


def _ngspice_raw(tmp, ascii_form: bool) -> bytes:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "deck.cir").write_text(MULTI)
    (tmp / ".spiceinit").write_text("set filetype=ascii\n" if ascii_form else "\n")
    env = dict(os.environ, HOME=str(tmp), SPICE_USERINIT_DIR=str(tmp), LC_ALL="C")
    subprocess.run(["ngspice", "-b", "-r", "out.raw", "deck.cir"], cwd=tmp, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=60)
    return (tmp / "out.raw").read_bytes()


@pytest.fixture(scope="module")
def raw_files(tmp_path_factory):
    import shutil
    if shutil.which("ngspice") is None:
        pytest.skip("ngspice not installed")
    base = tmp_path_factory.mktemp("raw")
    out = _Files()
    for form in ("binary", "ascii"):
        buf = _ngspice_raw(base / form, form == "ascii")
        out[form] = (buf, parse_raw(buf))
    return out


class _Files(dict):
    def __repr__(self):                     # keep hypothesis' failure reports short
        return f"<raw files {sorted(self)}>"


def _raw_outcome(prop, buf, original):
    """Parse ``buf``: RawFileError, or plots each equal to the original plot at its index
    (complete) or a prefix of it (truncated). Returns the problem text or None."""
    c = COUNTS[prop]
    c["inputs"] += 1
    t0 = time.perf_counter()
    try:
        plots = parse_raw(buf)
    except RawFileError:
        c["clear"] += 1
        return None
    except LithispiceError:
        c["typed"] += 1
        return None
    except Exception as exc:            # noqa: BLE001
        c["crash"] += 1
        return f"{type(exc).__name__}: {exc}"
    if time.perf_counter() - t0 > HANG_S:
        c["hang"] += 1
        return "hang"
    if original is None:                # no oracle: the plots must at least be consistent
        for p in plots:
            if len({len(p[n]) for n in p.names}) > 1:
                c["wrong"] += 1
                return f"plot {p.plotname!r}: columns of different lengths"
        c["result"] += 1
        return None
    problem = None
    if len(plots) > len(original):
        problem = f"{len(plots)} plots from a file of {len(original)}"
    for k, p in enumerate(plots[:len(original)]):
        o = original[k]
        if p.names != o.names:
            problem = f"plot {k}: names {p.names} != {o.names}"
            break
        n = len(p)
        if (n > len(o)) or (not p.truncated and n != len(o)):
            problem = f"plot {k}: {n} rows marked {'truncated' if p.truncated else 'complete'}, " \
                      f"original {len(o)}"
            break
        for name in o.names:
            a, b = p[name], o[name][:n]
            if not np.array_equal(a, b, equal_nan=True):
                problem = f"plot {k}: {name} differs from the file's data " \
                          f"({'truncated' if p.truncated else 'complete'})"
                break
        if problem:
            break
    if problem:
        c["wrong"] += 1
    else:
        c["result"] += 1
    return problem


def _mutations(buf: bytes):
    """Strategies of mutated copies of ``buf`` that keep a checkable relation to it."""
    headers = [m.start() for m in re.finditer(rb"Title:", buf)]
    markers = [m.end() for m in re.finditer(rb"(Binary|Values):[ \t]*\r?\n", buf)]
    cut = st.integers(0, len(buf)).map(lambda k: buf[:k])
    dup_header = st.sampled_from(list(zip(headers, markers))).map(
        lambda hm: buf[:hm[1]] + buf[hm[0]:])                 # a header right after a header
    def set_count(args):
        k, key, val = args
        pat = re.compile(key + rb":[ \t]*\d+")
        hits = list(pat.finditer(buf))
        if not hits:
            return buf
        m = hits[k % len(hits)]
        return buf[:m.start()] + key + b": " + str(val).encode() + buf[m.end():]
    count = st.tuples(st.integers(0, 10), st.sampled_from([b"No. Points", b"No. Variables"]),
                      st.integers(-3, 2000)).map(set_count)
    junk = st.tuples(st.sampled_from(headers + [len(buf)]), st.binary(min_size=1, max_size=40)
                     ).map(lambda a: buf[:a[0]] + a[1] + buf[a[0]:])
    strict = st.one_of(cut, dup_header, count, junk).map(lambda b: (b, True))
    # a splice can put other valid data where a plot's data was: only consistency is checked
    splice = st.tuples(st.integers(0, len(buf)), st.integers(0, len(buf))).map(
        lambda a: (buf[:a[0]] + buf[a[1]:], False))
    return st.one_of(strict, splice)


@SETTINGS
@given(data=st.data())
def test_raw_reader_random_bytes(data):
    buf = data.draw(st.one_of(st.binary(max_size=300),
                              st.binary(max_size=200).map(lambda b: b"Title: x\n" + b),
                              st.text(max_size=200).map(lambda s: ("Title: x\n" + s).encode())))
    problem = _raw_outcome("read_raw(random bytes)", buf, None)
    assert problem is None or SURVEY, problem


@SETTINGS
@given(data=st.data())
def test_raw_reader_mutated_real_files(raw_files, data):
    form = data.draw(st.sampled_from(["binary", "ascii"]))
    buf, original = raw_files[form]
    mutated, strict = data.draw(_mutations(buf))
    problem = _raw_outcome(f"read_raw(mutated {form})", mutated, original if strict else None)
    if problem is not None:
        EXAMPLES[f"read_raw(mutated {form})"].append(problem)
    assert problem is None or SURVEY, problem


@SETTINGS
@given(data=st.data())
def test_raw_reader_binary_value_flips_keep_shape(raw_files, data):
    """Bytes flipped inside the binary data (not the headers) change values, never the
    plots' shapes or completeness."""
    buf, original = raw_files["binary"]
    regions = []
    for m in re.finditer(rb"Binary:\n", buf):
        nxt = buf.find(b"Title:", m.end())
        regions.append((m.end(), nxt if nxt != -1 else len(buf)))
    lo, hi = data.draw(st.sampled_from(regions))
    pos = data.draw(st.lists(st.integers(lo, hi - 1), min_size=1, max_size=4))
    b = bytearray(buf)
    for p in pos:
        b[p] ^= data.draw(st.integers(1, 255))
    COUNTS["read_raw(binary value flips)"]["inputs"] += 1
    try:
        plots = parse_raw(bytes(b))
    except RawFileError:
        # a flip that writes a plot header inside the data would be refused: practically never
        COUNTS["read_raw(binary value flips)"]["clear"] += 1
        return
    ok = [len(p) for p in plots] == [len(o) for o in original] and \
        not any(p.truncated for p in plots)
    COUNTS["read_raw(binary value flips)"]["result" if ok else "wrong"] += 1
    assert ok or SURVEY
