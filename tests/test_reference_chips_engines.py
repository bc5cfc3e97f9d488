"""The four reference chips of netlists/ in both engines: ngspice (the devices and blocks as
B-source subcircuits) and VACASK (the same subcircuits printed as Verilog-A, compiled by
OpenVAF). Each chip is built once, simulated in each engine, and checked twice: against what
the physics must give (the assertions of the chip's own ngspice tests, applied to each
engine) and against the other engine (tolerances justified where they are asserted).

The wall time of every run is written to the terminal (no timing assertion).

Also here: the two Verilog-A printer cases the chips exposed (a 0 V ammeter read by an F
source, a constant 0 initial condition), each run in both engines.
"""
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lithispice import Chip

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("ngspice", "vacask")


def _module(name):
    spec = importlib.util.spec_from_file_location(f"refchip_{name}",
                                                  ROOT / "netlists" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


xb = _module("crossbar")
sa = _module("synapse_array")
sn = _module("sensor_node")
bc = _module("battery_cycling")


def _say(request, line):
    """A line on the terminal even without -s (the wall times)."""
    capman = request.config.pluginmanager.get_plugin("capturemanager")
    if capman is None:                       # pragma: no cover
        print(line)
        return
    with capman.global_and_fixture_disabled():
        print("\n" + line, flush=True)


def _both(request, label, simulate):
    """{engine: Result} of simulate(engine) for both engines, wall times reported."""
    out, times = {}, {}
    for engine in ENGINES:
        t0 = time.perf_counter()
        out[engine] = simulate(engine)
        times[engine] = time.perf_counter() - t0
        assert (out[engine].engine == "vacask") == (engine == "vacask")
    _say(request, f"[wall time] {label}: " + ", ".join(
        f"{e} {times[e]:.2f} s ({len(out[e].time)} points)" for e in ENGINES))
    return out


# ------------------------------------------------------------------------------ crossbar
XB_PATTERN = xb.PATTERN[:4, :4]
XB_X = xb.X_READ[:4]


@pytest.fixture(scope="module")
def crossbar(request):
    d = xb.CrossbarDesign()
    res = _both(request, "crossbar 4x4 (program + VMM read)",
                lambda e: xb.simulate(d, XB_PATTERN, XB_X, engine=e, timeout=300))
    return {e: xb.analyze(r, d, XB_PATTERN, XB_X) for e, r in res.items()}


@pytest.mark.parametrize("engine", ENGINES)
def test_crossbar_programs_the_pattern_and_reads_with_ir_drop(crossbar, engine):
    a = crossbar[engine]
    on = XB_PATTERN == 1
    assert a["w"][on].min() > 0.8, a["w"]          # every selected cell was written
    assert a["w"][~on].max() < 0.3, a["w"]         # half-selected cells only disturbed
    err = a["rel_error"]                           # wire resistance: every column short of G.x
    assert np.all(err < 0) and err.min() < -0.01 and err.min() > -0.3, err
    assert np.argmin(err) == 0                     # the column with most cells on


def test_crossbar_engines_agree(crossbar):
    a, b = crossbar["ngspice"], crossbar["vacask"]
    # states: the on cells saturate at w = 1 in both; the half-selected cells' disturb (G up
    # ~40 % from G_off, the most step-sensitive number of the run: a sinh rate integrated over
    # 4 us of V/2 slots) differs by ~0.1 % in G. 1 % per cell (1e-3 in w) is the tolerance of
    # two time discretisations of one ODE, 40x below the disturb itself
    np.testing.assert_allclose(b["w"], a["w"], rtol=0, atol=1e-3)
    np.testing.assert_allclose(b["g"], a["g"], rtol=1e-2)
    dist_a = a["g"][XB_PATTERN == 0] / xb.CrossbarDesign().device.conductance(0.0) - 1
    dist_b = b["g"][XB_PATTERN == 0] / xb.CrossbarDesign().device.conductance(0.0) - 1
    np.testing.assert_allclose(dist_b, dist_a, rtol=2e-2)
    # the read is a linear network solve over those states; the off cells carry < 1e-4 of a
    # column's current, so the column currents agree to the engines' read tolerance (reltol
    # 1e-3); seen: 4e-7. The IR drop itself (0.1 % .. 2 % of full scale) is far above 1e-3
    # of each column: both engines must see the same error pattern
    np.testing.assert_allclose(b["i_meas"], a["i_meas"], rtol=1e-3)
    np.testing.assert_allclose(b["rel_error"], a["rel_error"], rtol=0, atol=1e-4)


# ------------------------------------------------------------------------- synapse array
# (n, levels, preset, theta_c0, v_write V, t_on s, G-vs-kernel tolerance) as tests/test_synapse
SYN_CASES = {
    # LISTA potentiation from the insulating end: Li goes back into the battery's anode
    "3x3-LISTA-returns-Li": (3, 6, "LISTA-LiCoO2", 0.9, 0.5, 2e-3, 0.02),
    # ECRAM potentiation: Li pumped from the anode into the WO3 channels (the other sign,
    # the other preset; faster kinetics)
    "3x3-ECRAM-draws-Li": (3, 6, "ECRAM-WO3", 0.02, -0.3, 1e-3, 0.05),
}


@pytest.fixture(scope="module", params=list(SYN_CASES), ids=list(SYN_CASES))
def synapse(request):
    # as tests/test_synapse.py: a small Li inventory (double precision resolves the fC) and
    # sigma_e = 0 (no post-processed leak integral in the balance)
    from lithispice.devices.microbattery import Microbattery
    from lithispice.devices.synapse import Synapse
    n, levels, preset, th0, v_write, t_on, tol = SYN_CASES[request.param]
    bat = Microbattery.preset("LiPON-LiCoO2-Li", sigma_e=0.0, area=1e-8)
    arr = sa.build(n, n, qli0=1e-10, seed=4, battery=bat, levels=levels,
                   synapse=Synapse.preset(preset, theta_c0=th0), v_write=v_write, t_on=t_on)
    res = _both(request, f"synapse array {request.param}",
                lambda e: sa.run(arr, engine=e, timeout=900))
    return arr, {e: sa.analyse(arr, r) for e, r in res.items()}, tol


@pytest.mark.parametrize("engine", ENGINES)
def test_synapse_array_conserves_lithium(synapse, engine, request):
    arr, an, _ = synapse
    a = an[engine]
    resid = a["dq_anode"] - a["dq_channels"] - a["q_leak"]
    _say(request, f"[{engine}] Li balance: anode {a['dq_anode']:.6e} C, channels "
                  f"{a['dq_channels']:.6e} C, residual {resid / abs(a['dq_channels']):.1e} rel.")
    # the assertions of tests/test_synapse.py::test_array_conserves_lithium
    assert abs(a["dq_channels"]) > 1e-14
    assert abs(resid) <= 1e-6 * abs(a["dq_channels"])
    assert abs(a["q_leak"]) < 1e-3 * abs(a["dq_channels"])
    assert a["li0"] - a["li1"] == pytest.approx(a["dq_anode"], rel=1e-12)
    assert np.sign(a["li0"] - a["li1"]) == np.sign(a["dq_channels"])
    assert np.sign(a["dq_channels"]) == -np.sign(arr.v_write)
    assert a["soc1"] == pytest.approx(a["soc0"], abs=1e-9)
    assert a["q_avail0"] - a["q_avail1"] == pytest.approx(a["dq_channels"], rel=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
def test_synapse_array_programs_and_reads_g_dot_v(synapse, engine):
    arr, an, tol = synapse
    a = an[engine]
    # the assertions of tests/test_synapse.py::test_array_programs_the_pattern_and_reads_g_dot_v
    assert np.allclose(a["g"], arr.g_predicted, rtol=tol)
    assert np.allclose(a["g"], arr.g_target, rtol=tol)
    assert len(np.unique(arr.pulses)) >= 3                   # several levels were written
    assert np.all(np.abs(a["i_col"] / a["i_expected"] - 1) < 0.01)


def test_synapse_array_engines_agree(synapse):
    arr, an, _ = synapse
    a, b = an["ngspice"], an["vacask"]
    # both integrate the same Butler-Volmer pulses; seen: G and column currents 1.5e-4 ..
    # 3e-4 apart, channel states 2e-5 (theta). 2e-3 is 10x that and 10x below the 1-2 %
    # landing tolerance on the kernel; one pulse more or less moves G by tens of %
    np.testing.assert_allclose(b["g"], a["g"], rtol=2e-3)
    np.testing.assert_allclose(b["i_col"], a["i_col"], rtol=2e-3)
    np.testing.assert_allclose(b["theta"], a["theta"], rtol=0, atol=1e-4)
    # the Li moved is a sum of small differences theta - theta0 (1e-2 .. 1e-1 of theta),
    # so its relative spread is larger: seen 4e-4 .. 1.2e-3
    assert b["dq_channels"] == pytest.approx(a["dq_channels"], rel=5e-3)
    assert b["dq_anode"] == pytest.approx(a["dq_anode"], rel=5e-3)


@pytest.fixture(scope="module")
def synapse16(request):
    # the 16 x 16 of tests/test_synapse.py (256 cells on one battery ion net, 3 levels), in
    # VACASK only: ngspice runs it there. ~17 s here, as long as ngspice: VACASK takes ~6x
    # more time points (its step control checks every unknown, here at reltol 1e-6 and
    # abstol 1e-15) at ~6x less time per point
    from lithispice.devices.microbattery import Microbattery
    from lithispice.devices.synapse import Synapse
    bat = Microbattery.preset("LiPON-LiCoO2-Li", sigma_e=0.0, area=1e-8)
    arr = sa.build(16, 16, qli0=1e-10, seed=4, battery=bat, levels=3,
                   synapse=Synapse.preset("LISTA-LiCoO2", theta_c0=0.9), v_write=0.5, t_on=2e-3)
    t0 = time.perf_counter()
    res = sa.run(arr, engine="vacask", timeout=600)
    _say(request, f"[wall time] synapse array 16x16-LISTA-returns-Li: vacask "
                  f"{time.perf_counter() - t0:.2f} s ({len(res.time)} points)")
    return arr, sa.analyse(arr, res)


def test_synapse_array_16x16_in_vacask(synapse16):
    arr, a = synapse16
    resid = a["dq_anode"] - a["dq_channels"] - a["q_leak"]
    assert abs(a["dq_channels"]) > 1e-14
    assert abs(resid) <= 1e-6 * abs(a["dq_channels"])
    assert a["q_avail0"] - a["q_avail1"] == pytest.approx(a["dq_channels"], rel=1e-6)
    assert np.allclose(a["g"], arr.g_predicted, rtol=0.02)
    assert np.all(np.abs(a["i_col"] / a["i_expected"] - 1) < 0.01)


# ---------------------------------------------------------------------------- sensor node
@pytest.fixture(scope="module")
def sensor(request):
    node = sn.build_sensor_node()            # 3600 s, 12 conversions, five CO2 levels
    res = _both(request, "sensor node (1 h, 12 conversions)",
                lambda e: node.run(engine=e, timeout=300))
    return node, res


@pytest.mark.parametrize("engine", ENGINES)
def test_sensor_node_codes_follow_the_sensor(sensor, engine):
    node, res = sensor
    tc, codes = node.codes(res[engine])
    assert len(tc) == 12 and len(np.unique(codes)) >= 4
    # as tests/test_gas_sensor.py: the code is the equilibrium reading within 1 LSB
    expected = node.expected_codes(tc - 0.101, res[engine])
    assert np.max(np.abs(codes - expected)) <= 1, (codes, expected)


def test_sensor_node_engines_agree(sensor):
    node, res = sensor
    a, b = res["ngspice"], res["vacask"]
    tc, codes_a = node.codes(a)
    _, codes_b = node.codes(b)
    lsb = node.v_ref / 2 ** node.adc.bits
    # the held voltages the quantizer read (1 s after each conversion). After a gas step the
    # EMF is still relaxing when it is sampled (5.8 tau into the window), and each engine
    # integrates that relaxation to the chip's reltol 1e-4 of the ~0.3 V EMF, 3e-5 V = 0.05
    # LSB (seen: 0.054 LSB after a step, < 5e-4 LSB elsewhere). Bound: 0.1 LSB
    h_a = np.interp(tc + 1.0, a.time, a["v(xadc.h)"])
    h_b = np.interp(tc + 1.0, b.time, b["v(xadc.h)"])
    dh = np.abs(h_b - h_a) / lsb
    assert np.max(dh) < 0.1, dh
    # codes can then differ by 1 only where a held voltage lies closer than dh to a code
    # edge; in this profile every one is >= 0.09 LSB from an edge and farther than dh, so
    # the codes must be equal, not merely within 1 LSB
    frac = h_a / lsb - np.floor(h_a / lsb)
    margin = np.minimum(frac, 1 - frac)
    assert np.all(dh < margin), (dh, margin)
    assert np.max(np.abs(codes_b - codes_a)) <= 1
    np.testing.assert_array_equal(codes_b, codes_a)
    # the supply side: the same heater duty cycle and quiescent currents from the battery
    # (an integral over 12 fixed 75 s windows; seen 2e-7 apart), and the battery ends at the
    # same voltage (seen 2 uV apart)
    q_a, q_b = node.battery_charge(a)[-1], node.battery_charge(b)[-1]
    assert q_b == pytest.approx(q_a, rel=1e-4)
    assert node.battery_voltage(b)[-1] == pytest.approx(node.battery_voltage(a)[-1], abs=1e-3)
    # the hotplate is at the same temperature in the middle of each heating window
    mid = tc - 40.0
    np.testing.assert_allclose(np.interp(mid, b.time, b["v(tk)"]),
                               np.interp(mid, a.time, a["v(tk)"]), rtol=0, atol=0.01)


# ------------------------------------------------------------------------ battery cycling
@pytest.fixture(scope="module")
def cycling(request):
    res = _both(request, "battery cycling (CC / rest / CC-CV, 9000 s)",
                lambda e: bc.simulate(engine=e, timeout=300))
    return res, {e: bc.analyze(r) for e, r in res.items()}


@pytest.mark.parametrize("engine", ENGINES)
def test_cycling_runs_every_phase(cycling, engine):
    res, an = cycling
    a, r = an[engine], res[engine]
    bat, cyc = bc.bench()
    assert a["t_discharge_end"] < a["t_charge_start"] < a["t_cc_end"] < a["t_charge_end"]
    assert a["t_charge_start"] - a["t_discharge_end"] == pytest.approx(cyc.t_rest, abs=5.0)
    # the discharge delivers what the kernel's 1C discharge to v_min delivers (as the ngspice
    # test of the deck), and it stops at v_min
    assert a["q_discharge"] == pytest.approx(bat.discharge_cc(cyc.i_dis).charge_Ah, rel=0.01)
    assert a["v_min"] == pytest.approx(bat.v_min, abs=0.03)
    # CV at v_max, then open circuit once the current tapered to i_taper
    t, v = r.time, r["v(p)"]
    cv = (t > a["t_cc_end"] + 60) & (t < a["t_charge_end"] - 60)
    assert cv.sum() > 10
    np.testing.assert_allclose(v[cv], bat.v_max, atol=1e-3)
    assert abs(a["i_end"]) < 1e-9
    assert a["soc_end"] > 0.95


def test_cycling_engines_agree(cycling, request):
    _, an = cycling
    a, b = an["ngspice"], an["vacask"]
    _say(request, "[cycling] phase ends (s) ngspice / vacask: " + ", ".join(
        f"{k[2:]} {a[k]:.1f} / {b[k]:.1f}"
        for k in ("t_discharge_end", "t_charge_start", "t_cc_end", "t_charge_end")))
    # phase ends are latch crossings; both engines step up to tmax = 5 s through them and the
    # discharge knee (V falling ~10 mV/s at the cut-off), so they may land a step apart:
    # 10 s (2 tmax, 0.3 % of the 3240 s discharge; seen 1.5-3 s)
    for k in ("t_discharge_end", "t_charge_start", "t_cc_end", "t_charge_end"):
        assert b[k] == pytest.approx(a[k], abs=10.0), k
    # charges: 10 s at 1C is 0.3 % of a full discharge; seen 5e-4
    assert b["q_discharge"] == pytest.approx(a["q_discharge"], rel=3e-3)
    assert b["q_charge"] == pytest.approx(a["q_charge"], rel=3e-3)
    # the final SOC is set where the CV current tapers to C/20: 10 s there is 1.4e-4 of the
    # capacity; seen 2e-7
    assert b["soc_end"] == pytest.approx(a["soc_end"], abs=5e-4)


# --------------------------------------------------------------------- command lines
def test_each_script_takes_an_engine(tmp_path, capsys):
    assert xb.main(["--out", str(tmp_path / "xb.cir"), "--simulate", "--engine", "vacask"]) == 0
    out = capsys.readouterr().out
    assert "vacask:" in out and "IR-drop error" in out
    assert bc.main(["--out", str(tmp_path / "bc.cir"), "--simulate", "--engine", "vacask"]) == 0
    out = capsys.readouterr().out
    assert "vacask:" in out and "final SOC 0.96" in out
    assert (tmp_path / "bc.cir").read_text() == bc.deck_text()
    assert sn.main(["--out", str(tmp_path / "sn.cir"), "--t-stop", "400", "--simulate",
                    "--engine", "vacask"]) == 0
    out = capsys.readouterr().out
    assert "vacask:" in out and "ADC codes:      [1567, 1567]" in out
    assert sa.main(["--run", "2", "--levels", "3", "--engine", "vacask",
                    "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "synapse array: vacask" in out and "VMM vs G^T v max" in out
    assert (tmp_path / "synapse_array.png").exists()
    x_cir = ["--out", str(tmp_path / "x.cir")]
    for mod, argv, sim in ((xb, x_cir, ["--simulate"]), (bc, x_cir, ["--simulate"]),
                           (sn, x_cir, ["--simulate"]), (sa, [], ["--run", "2"])):
        with pytest.raises(SystemExit) as e:            # --engine needs a simulation to select
            mod.main(argv + ["--engine", "vacask"])
        assert e.value.code == 2
        with pytest.raises(SystemExit) as e:            # and one of the two engines
            mod.main(argv + sim + ["--engine", "spectre"])
        assert e.value.code == 2
    capsys.readouterr()


# ------------------------------------------------ Verilog-A printer cases the chips exposed
class _Ammeter:
    """A 0 V source whose current an F source mirrors into a resistor (the synapse's Vmi /
    Vcm): the current from p flows through Vm and R1 (1 kohm) to n, F puts 2x it into node
    m (R2 = 500 ohm to ground). R1 ends on a pin, not on ground: this openvaf-r/VACASK
    build loses the current of a node whose only contributions are a two-node voltage branch
    and a linear conductance to ground (a separate defect; no card has that pattern)."""
    subckt_name = "ammeter_probe"
    pins = ("p", "n", "m")
    dc_paths = (("p", "n"),)
    instance_params = ()

    def subckt(self):
        return (".subckt ammeter_probe p n m\nVm p q 0\nR1 q n 1000\nF1 0 m Vm 2\nR2 m 0 500\n"
                ".ends ammeter_probe\n")


class _ZeroIC:
    """A 1 F integrator charged by 1 A with .ic v(x)=0 (the battery cycler's latches)."""
    subckt_name = "zero_ic"
    pins = ("p",)
    dc_paths = ()
    instance_params = ()

    def subckt(self):
        return (".subckt zero_ic p\nC1 x 0 1\nR1 x 0 1e12\nI1 0 x 1\nR2 p 0 1k\n.ic v(x)=0\n"
                ".ends zero_ic\n")


@pytest.mark.parametrize("engine", ENGINES)
def test_zero_volt_ammeter_is_read_in_both_engines(engine):
    chip = Chip("ammeter")
    chip.vsource("in", "p", "0", dc=1.0)
    chip.add("a", _Ammeter(), p="p", n="0", m="m")
    chip.resistor("load", "m", "0", 1e15)      # a reader of m (500 ohm inside: no effect)
    chip.op()
    res = chip.run(timeout=60, engine=engine)
    # 1 V over 1 kohm through the ammeter: 1 mA, mirrored x2 into 500 ohm: 1 V at m
    assert res["v(m)"][0] == pytest.approx(1.0, rel=1e-9)
    assert res["i(vin)"][0] == pytest.approx(-1e-3, rel=1e-9)


@pytest.mark.parametrize("engine", ENGINES)
def test_constant_zero_initial_condition_holds_in_both_engines(engine):
    chip = Chip("zero ic")
    chip.vsource("p", "p", "0", dc=0.0)
    chip.add("z", _ZeroIC(), p="p")
    chip.tran(0.01, 1.0, tmax=0.01)
    res = chip.run(timeout=60, engine=engine)
    x = res["v(xz.x)"]
    # starts at the .ic (not at the steady state 1e12 V) and ramps at 1 V/s
    assert abs(x[0]) < 1e-9
    assert x[-1] == pytest.approx(1.0, rel=1e-3)
