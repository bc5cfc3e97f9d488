"""Specification of the three-terminal Li-ion synapse and the synapse-array chip (DESIGN 3,
4.2; issue 4). The C kernel (csrc/synapse.h) is the reference; its SPICE export is checked
against it through real runs in both engines (ngspice: the B-source subckt; VACASK: the same
subckt as compiled Verilog-A) with the same tolerances, and the array chip's lithium
bookkeeping and VMM read are checked in ngspice with the microbattery as the shared Li
reservoir.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

import lithispice as ls
from lithispice.constants import k_B
from lithispice.devices import synapse_export as ex
from lithispice.devices.synapse import Synapse, program_array
from lithispice.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "netlists"))
import synapse_array  # noqa: E402

LISTA, ECRAM = "LISTA-LiCoO2", "ECRAM-WO3"
ENGINES = ("ngspice", "vacask")


# --- distinguishable states ---------------------------------------------------------------
# "Distinguishable": along a monotonic potentiation train, every pulse changes the read
# current by more than 3 sigma of the channel's own Johnson noise, read at V_read = 0.1 V over
# a B = 1 kHz bandwidth (a 1-ms integrating read): sigma_I = sqrt(4 k T G B), so a step dG at
# conductance G is resolved when dG V_read > 3 sqrt(4 k T G B). This is a physical floor
# (no ADC, no 1/f noise assumed), stated so that the count can be recomputed for another read.
V_READ, B_READ, T = 0.1, 1e3, 298.15


def distinguishable_states(resp) -> int:
    g = np.r_[resp.g0, resp.g]
    dg = np.diff(g)
    sigma = np.sqrt(4 * k_B * T * g[1:] * B_READ) / V_READ
    ok = (np.sign(dg) == np.sign(dg[0])) & (np.abs(dg) > 3 * sigma)
    # states = levels reached by consecutive resolved steps from the start of the train
    return int(np.argmin(ok)) + 1 if not ok.all() else len(g)


@pytest.mark.parametrize("name, needed", [(LISTA, 256), (ECRAM, 1000)])
def test_distinguishable_states_and_linearity(name, needed):
    s = Synapse.preset(name)
    up = s.potentiate(s.n_states)
    down = s.depress(s.n_states, state=up.final_state)
    assert distinguishable_states(up) >= needed
    assert distinguishable_states(down) >= needed
    fit = ex.linear_step_fit(up, down)
    print(f"{name}: {distinguishable_states(up)} states, LinearStep fit {fit}")
    if name == ECRAM:
        # linear channel law + constant-charge pulses: symmetric and linear
        assert abs(fit["gamma_up"]) < 0.05 and abs(fit["gamma_down"]) < 0.05
        assert abs(fit["up_down"]) < 0.02
    else:
        # log law: the step grows with G (gamma < 0 up); the depression mirror image
        assert fit["gamma_up"] < -0.5 and fit["gamma_down"] > 0.5
    # the depression train brings the channel back to where it started (charge symmetric)
    assert down.g[-1] == pytest.approx(up.g0, rel=1e-3)


def test_exports_have_aihwkit_and_crosssim_shapes(tmp_path):
    s = Synapse.preset(LISTA)
    up = s.potentiate(s.n_states)
    down = s.depress(s.n_states, state=up.final_state)
    p = ex.aihwkit_piecewise(up, down, n_nodes=21)
    assert len(p["piecewise_up"]) == len(p["piecewise_down"]) == 21
    assert p["dw_min"] > 0 and min(p["piecewise_up"]) > 0 and min(p["piecewise_down"]) > 0
    # log law: the up step at w_max is far larger than at w_min
    assert p["piecewise_up"][-1] > 10 * p["piecewise_up"][0]
    tab = ex.crosssim_table(up, down, 51)
    assert tab.shape == (51, 3) and np.all(np.diff(tab[:, 0]) > 0)
    assert np.all(tab[:, 1] > 0) and np.all(tab[:, 2] < 0)
    ex.write_crosssim_csv(tmp_path / "lut.csv", tab)
    assert (tmp_path / "lut.csv").read_text().startswith("G_S,dG_up_S,dG_down_S")


# --- energy ---------------------------------------------------------------------------------

def test_energy_per_write_at_200nm():
    s = Synapse.preset(LISTA)
    assert s.w_ch == s.l_ch == 200e-9
    r = s.potentiate(s.n_states)
    q = abs(r.q_gate) / s.n_states
    # energy balance: E_gate = stored (V_oc q) + dissipated, the stored part ~ |V_oc| q
    assert np.sum(r.energy) == pytest.approx(r.e_oc + r.e_diss, rel=1e-9)
    voc = abs(s.open_circuit_voltage())
    assert r.e_oc / s.n_states == pytest.approx(voc * q, rel=0.05)
    # Fuller et al. project < 10 aJ per write at 200 nm x 200 nm for low-voltage switching:
    # that is the dissipated part (the stored ~3.5 V x q is returned by the opposite write).
    # For the same charge per write delivered quasi-statically (1-s pulses) this stack
    # dissipates within an order of magnitude of it; at the preset's 1-ms pulses ~1 fJ.
    slow = s.potentiate(20, s.pulse_amplitude * s.t_on / 1.0, t_on=1.0, t_off=0.1)
    print(f"LISTA 200 nm: E_gate/write {r.energy_per_update:.3g} J, dissipated "
          f"{r.dissipated_per_update:.3g} J (1 ms); dissipated {slow.dissipated_per_update:.3g} J (1 s)")
    assert 1e-18 < slow.dissipated_per_update < 1e-16
    assert r.dissipated_per_update > slow.dissipated_per_update   # faster costs more
    # area scaling: same stack, 10x larger side -> 100x the charge and energy per state
    big = s.scaled(2e-6)
    rb = big.potentiate(5, 100 * s.pulse_amplitude)
    assert rb.energy_per_update / r.energy[:5].mean() == pytest.approx(100, rel=0.1)
    e = Synapse.preset(ECRAM).potentiate(50)
    assert e.energy_per_update < 5e-15          # fJ class (Tang et al.: ~1 fJ projected)


# --- open-circuit potential, retention -------------------------------------------------------

def test_shorted_gate_relaxes_and_floating_gate_keeps_the_state():
    s = Synapse.preset(LISTA)
    st = s.state(0.7, 0.3)
    voc = s.open_circuit_voltage(0.7, 0.3)
    assert voc < -3.0          # Si (0.4 V) vs Li_0.85CoO2 (~3.9 V)
    short = s.simulate([("shorted", 0, 10.0)], state=st)
    # V_G = 0 > V_oc: Li flows back into the channel (the cell discharges), G falls
    assert short.theta_c[-1] - 0.7 > 1e-3
    assert short.g[-1] < s.conductance(0.7)
    assert short.i_ion[-1] > 0
    float_ = s.simulate([("floating", 0, 10.0)], state=st)
    # floating: only the electronic leak moves Li: dtheta = (|V_oc|/R_leak) t / q_c
    q_c = s.coefficients()["qc"]
    expected = abs(voc) / s.r_leak * 10.0 / q_c
    assert float_.theta_c[-1] - 0.7 == pytest.approx(expected, rel=1e-3)
    assert float_.theta_c[-1] - 0.7 < 1e-2 * (short.theta_c[-1] - 0.7)
    tight = s.replace(sigma_e=0.0).simulate([("floating", 0, 10.0)], state=st)
    assert tight.theta_c[-1] == 0.7


# --- kernel vs ngspice ----------------------------------------------------------------------

def _spice_train(s, amp, n, ton, toff, c_wire=1e-18, engine="ngspice"):
    """G at the end of each period of an n-pulse current train in ``engine`` (lumped films)."""
    res = _spice_train_run(s, amp, n, ton, toff, c_wire, engine)
    ends = (np.arange(n) + 1) * (ton + toff)
    return s.conductance(np.interp(ends, res.time, res["v(xm.thc)"]))


def _spice_train_run(s, amp, n, ton, toff, c_wire=1e-18, engine="ngspice"):
    # symmetric ramps: the charge of each trapezoid equals amp * ton exactly
    per, tr = ton + toff, ton * 1e-2
    pts = [(0.0, 0.0)]
    for k in range(n):
        t0 = k * per + 0.5 * toff
        pts += [(t0 - tr / 2, 0.0), (t0 + tr / 2, amp), (t0 + ton - tr / 2, amp),
                (t0 + ton + tr / 2, 0.0)]
    pts.append((n * per, 0.0))
    chip = ls.Chip("synapse kernel vs ngspice")
    chip.isource("gate", "0", "gn", pwl=pts)      # I_G into the gate: an ideal current source
    chip.add("m", s, g="gn", s="0", d="0")
    if c_wire:
        # driver wiring at the gate: its charge (~4e-18 C for 1 aF) flows on into the channel
        # within ~10 ns of each rest (R_ion C), so each period's Li is intact; it makes the
        # ionic current implicit in Newton (the case that needs the surface regularisation)
        chip.capacitor("wire", "gn", "0", c_wire)
    chip.options(reltol=1e-6, abstol=1e-20, method="gear")
    chip.tran(per / 20, n * per, tmax=ton / 20)
    res = chip.run(timeout=120, engine=engine)
    assert res.time[-1] == pytest.approx(n * per, rel=1e-9)    # ran to the end
    return res


# Both presets, driven by an ideal current source into the gate. ECRAM-WO3 (0.32 nA into
# ~1e10 ohm) stopped with "timestep too small" at the first current edge while the
# Butler-Volmer interfaces were exported as I = 2 i0 A sinh(eta/vt2) (issue 4 review); the
# export now writes eta = vt2 asinh(I/(2 i0 A)) on the branch current. ECRAM with 0.1..10 aF
# at the gate still fails (S-shaped V_G(I) from its overdriven surfaces: synapse_spice.py).
# Every preset of the family without wiring capacitance, LISTA also with 1 aF; both engines.
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name, c_wire", [(LISTA, 1e-18)] + [(p, None) for p in Synapse.presets()])
def test_kernel_and_ngspice_agree_on_100_pulses(name, c_wire, engine):
    s = Synapse.preset(name)
    n = 100
    amp = 3 * s.potentiation_sign * s.pulse_amplitude
    g_sp = _spice_train(s, amp, n, s.t_on, s.t_off, c_wire, engine)
    segs = [("floating", 0, 0.5 * s.t_off)]
    for k in range(n):
        segs += [("current", amp, s.t_on), ("floating", 0, s.t_off if k < n - 1 else 0.5 * s.t_off)]
    g_k = s.simulate(segs).g[2::2]
    assert g_k[-1] > 1.5 * g_k[0]                 # the train really moves the state
    assert np.max(np.abs(g_sp / g_k - 1)) < 0.01, f"{engine}: {np.max(np.abs(g_sp / g_k - 1))}"


@pytest.mark.parametrize("c_wire", [1e-19, 1e-18, 1e-17])
def test_vacask_runs_lumped_ecram_with_gate_wiring_where_ngspice_stops(c_wire):
    """The lumped ECRAM film with 0.1-10 aF at the gate: ngspice stops ("timestep too small",
    the comment above); the same card compiled from Verilog-A runs in VACASK and lands on the
    kernel (the wiring charge flows on into the channel within each rest)."""
    s = Synapse.preset(ECRAM)
    n = 100
    amp = 3 * s.potentiation_sign * s.pulse_amplitude
    g_va = _spice_train(s, amp, n, s.t_on, s.t_off, c_wire, "vacask")
    segs = [("floating", 0, 0.5 * s.t_off)]
    for k in range(n):
        segs += [("current", amp, s.t_on), ("floating", 0, s.t_off if k < n - 1 else 0.5 * s.t_off)]
    g_k = s.simulate(segs).g[2::2]
    assert g_k[-1] > 1.5 * g_k[0]
    assert np.max(np.abs(g_va / g_k - 1)) < 0.01


# --- the array chip in ngspice ----------------------------------------------------------------

# (n, levels, preset, theta_c0, v_write V, t_on s, G-vs-target tolerance)
ARRAY_CASES = {
    # LISTA potentiation from the insulating end: delithiates the channels, Li back to the anode
    "3x3-LISTA-returns-Li": (3, 6, LISTA, 0.9, 0.5, 2e-3, 0.02),
    # LISTA depression from the metallic end (x = 0.75): lithiates them, Li drawn from the anode
    "3x3-LISTA-draws-Li": (3, 4, LISTA, 0.5, -0.5, 2e-3, 0.02),
    # ECRAM potentiation: Li pumped from the anode into the WO3 channels. Its open-loop write
    # lands within ~4 % of the kernel's isolated-device response: after each pulse the channel
    # keeps exchanging charge with its contacts' 1 fF until the interface is at rest (the
    # kernel's floating gate carries no charge); with 0.01 fF the gap is 0.05 %
    "3x3-ECRAM-draws-Li": (3, 6, ECRAM, 0.02, -0.3, 1e-3, 0.05),
    # the full 16 x 16 of the benchmark (256 cells on one battery ion net: the size
    # that used to stop ngspice) with 3 levels
    "16x16-LISTA-returns-Li": (16, 3, LISTA, 0.9, 0.5, 2e-3, 0.02),
    # resolved films (8 volumes): the surface layers relax after each write (L^2/D ~ 0.4 s),
    # so the read G sits ~47 % off the one-cell level map, but on the kernel's schedule-aware
    # prediction within 1 %
    "3x3-LISTA-8-volumes": (3, 4, LISTA, 0.9, 0.5, 2e-3, 0.02),
}


@pytest.fixture(scope="module", params=list(ARRAY_CASES), ids=list(ARRAY_CASES))
def array_run(request):
    # qli0: a small remaining Li inventory so that double precision resolves the fC moved (and
    # the cell is anode-limited). sigma_e = 0: the battery's own electronic leak (tested in
    # test_microbattery) would otherwise enter the balance through a post-processed integral
    # good to ~1e-5.
    from lithispice.devices.microbattery import Microbattery
    n, levels, preset, th0, v_write, t_on, tol = ARRAY_CASES[request.param]
    bat = Microbattery.preset("LiPON-LiCoO2-Li", sigma_e=0.0, area=1e-8)
    syn = Synapse.preset(preset, theta_c0=th0)
    if "volumes" in request.param:
        syn = syn.replace(n_volumes=8, film_grading=10.0)
    arr = synapse_array.build(n, n, qli0=1e-10, seed=4, battery=bat, levels=levels,
                              synapse=syn, v_write=v_write, t_on=t_on)
    res = arr.chip.run(timeout=900)
    return arr, res, synapse_array.analyse(arr, res), tol


def test_array_conserves_lithium(array_run):
    arr, res, a, _ = array_run
    # every coulomb of Li that moved into (out of) a channel left (entered) the battery's
    # Li-metal anode; so did any charge through the battery's own cell (what charged the 1 fF
    # on its pos net, read from node voltages)
    assert abs(a["dq_channels"]) > 1e-14
    resid = a["dq_anode"] - a["dq_channels"] - a["q_leak"]
    print(f"Li balance: anode {a['dq_anode']:.6e} C, channels {a['dq_channels']:.6e} C, "
          f"pos leak {a['q_leak']:.3e} C, residual {resid:.3e} C")
    # the battery's pos net has no DC leak (only 1 fF, charge from node voltages): the
    # balance closes without an allowance for unresolved currents
    assert abs(resid) <= 1e-6 * abs(a["dq_channels"])
    assert abs(a["q_leak"]) < 1e-3 * abs(a["dq_channels"])
    # the inventory drops by exactly that charge
    assert a["li0"] - a["li1"] == pytest.approx(a["dq_anode"], rel=1e-12)
    # potentiation delithiates the channels: the Li goes back into the anode, whose inventory
    # rises by the channel charge; depression draws it down
    assert np.sign(a["li0"] - a["li1"]) == np.sign(a["dq_channels"])
    assert np.sign(a["dq_channels"]) == -np.sign(arr.v_write)
    assert a["soc1"] == pytest.approx(a["soc0"], abs=1e-9)   # the cathode is not involved
    # the cell is anode-limited (qli0 = 1e-10 C << the cathode's ~25 uC): what it can deliver
    # changes by exactly the Li the channels took (or gave back)
    assert a["q_avail0"] - a["q_avail1"] == pytest.approx(a["dq_channels"], rel=1e-6)


def test_array_programs_the_pattern_and_reads_g_dot_v(array_run):
    arr, res, a, tol = array_run
    # open-loop write: conductances follow the ordering of the pulse counts
    order = np.argsort(arr.pulses.ravel(), kind="stable")
    g_by_count = a["g"].ravel()[order][np.diff(np.r_[-1, arr.pulses.ravel()[order]]) > 0]
    g_t_by_count = arr.g_target.ravel()[order][np.diff(np.r_[-1, arr.pulses.ravel()[order]]) > 0]
    assert np.all(np.sign(np.diff(g_by_count)) == np.sign(np.diff(g_t_by_count)))
    # every cell lands on the kernel's prediction for its own schedule (pulses, floating gaps,
    # the read): no half-select disturb (deselected cells float on g_off = 1e-15 S switches)
    assert np.allclose(a["g"], arr.g_predicted, rtol=tol)
    if arr.synapse.n_volumes == 1:    # lumped films do not relax: the level map itself holds
        assert np.allclose(a["g"], arr.g_target, rtol=tol)
    # VMM: column currents = G^T v within 1 %
    assert np.all(np.abs(a["i_col"] / a["i_expected"] - 1) < 0.01)


def test_array_script_runs_and_plots(tmp_path, capsys):
    assert synapse_array.main(["--run", "2", "--out", str(tmp_path)]) == 0
    png = tmp_path / "synapse_array.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "VMM vs G^T v max" in capsys.readouterr().out


def test_reference_deck_is_generated():
    text = synapse_array.deck_text()
    assert text == synapse_array.deck_text()                    # deterministic
    cir = ROOT / "netlists" / "synapse_array.cir"
    assert cir.read_text() == text


# --- arrays in the kernel and bad input ---------------------------------------------------------

def test_array_kernel_matches_single_device():
    s = Synapse.preset(ECRAM)
    amp = np.zeros((3, 20))
    amp[0, :] = s.pulse_amplitude
    amp[1, ::2] = s.pulse_amplitude
    out = program_array(s, amp)
    single = s.pulse_train(20, s.pulse_amplitude)
    assert out["g"][0] == pytest.approx(single.g, rel=1e-12)
    assert out["g"][2, -1] == pytest.approx(s.conductance(s.theta_c0), rel=1e-9)
    assert out["q_ion"][1] == pytest.approx(0.5 * out["q_ion"][0], rel=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n_volumes", [1, 8])
def test_shorted_gate_relaxes_alike_in_kernel_and_ngspice(n_volumes, engine):
    # the export's open-circuit potential and interfaces drive the same relaxation as the
    # kernel's when the gate is shorted to the channel (no source at all: V_G = 0)
    s = Synapse.preset(LISTA, n_volumes=n_volumes, film_grading=10.0)
    th0, tr0, t_end = 0.7, 0.3, 2.0
    chip = ls.Chip("shorted LISTA gate")
    chip.add("m", s, params={"thc0": th0, "thr0": tr0}, g="0", s="0", d="0")
    chip.options(reltol=1e-6, abstol=1e-20, method="gear")
    chip.tran(t_end / 200, t_end, tmax=t_end / 200)
    res = chip.run(timeout=120, engine=engine)
    ts = np.array([0.1, 0.5, 1.0, 2.0])
    k = s.simulate([("shorted", 0.0, d) for d in np.diff(np.r_[0.0, ts])], state=s.state(th0, tr0))
    th_sp = np.interp(ts, res.time, res["v(xm.thc)"])
    assert k.theta_c[-1] - th0 > 1e-3                  # it really relaxes (Li back to the channel)
    assert np.max(np.abs(th_sp - k.theta_c)) < 1e-3 * (k.theta_c[-1] - th0), \
        f"{engine}: {np.max(np.abs(th_sp - k.theta_c)) / (k.theta_c[-1] - th0):.2e}"


def test_floating_rest_follows_the_leak_exactly():
    # A floating gate moves theta_c only through the electrolyte's electronic leak; the
    # kernel's quiet-segment path (one step instead of RK4 + Newton) must be exact there.
    # (Its speed is measured in benchmarks/bench_synapse.py, not asserted here.)
    s = Synapse.preset(ECRAM)
    # and the quiet path is exact where it applies: the leak-only drift over 1 s
    st = s.state(0.05, 0.8)
    fl = s.simulate([("floating", 0, 1.0)], state=st)
    voc = s.open_circuit_voltage(0.05, 0.8)
    assert fl.theta_c[-1] - 0.05 == pytest.approx(-voc / s.r_leak / s.coefficients()["qc"], rel=1e-6)


@pytest.mark.parametrize("field, value", [("t_ch", 0.0), ("sigma_a", -1.0), ("x_b", 0.95),
                                          ("channel", "Au"), ("reservoir", "Cu"),
                                          ("theta_c0", 1.5), ("n_states", 0), ("sigma_e", np.nan)])
def test_bad_parameters_raise_parameter_error_naming_them(field, value):
    with pytest.raises(ParameterError) as err:
        Synapse.preset(LISTA, **{field: value})
    assert err.value.name == field


def test_bad_run_inputs_raise_parameter_error():
    s = Synapse.preset(LISTA)
    with pytest.raises(ParameterError) as err:
        s.pulse_train(0, 1e-12)
    assert err.value.name == "n_pulses"
    with pytest.raises(ParameterError) as err:
        s.simulate([("laser", 1.0, 1.0)])
    assert err.value.name == "drive"
    with pytest.raises(ParameterError) as err:
        program_array(s, np.full((2, 3), np.inf))
    assert err.value.name == "amplitudes"
    with pytest.raises(ParameterError) as err:
        synapse_array.build(0, 3)
    assert err.value.name == "n"
    for kw, name in ((dict(v_write=0.0), "v_write"), (dict(battery_area=1.0), "battery_area"),
                     (dict(weights=np.full((3, 3), 2.0)), "weights")):
        with pytest.raises(ParameterError) as err:
            synapse_array.build(3, 3, **kw)
        assert err.value.name == name


def test_sampled_gate_voltage_api_matches_segments():
    """s.simulate(t, v_gate=..., v_ds=...) (the issue's API) drives the same kernel as the
    segment form: each interval at the mean of its end values; x and i_ds follow from theta_c, g."""
    s = Synapse.preset(LISTA)
    t = np.linspace(0.0, 1e-2, 11)
    vg = np.full_like(t, s.open_circuit_voltage() - 0.5)
    tr = s.simulate(t, v_gate=vg, v_ds=0.01)
    ref = s.simulate([("voltage", v, 1e-3) for v in vg[1:]])
    assert tr.t.size == t.size and tr.t[0] == 0.0
    np.testing.assert_allclose(tr.g[1:], ref.g, rtol=1e-12)
    assert tr.g[0] == pytest.approx(s.conductance(s.theta_c0))
    np.testing.assert_allclose(tr.i_ds, tr.g * 0.01)
    x0, x1 = tr.x_range
    np.testing.assert_allclose(tr.x, x0 + (x1 - x0) * tr.theta_c)
    assert abs(tr.g[-1] - tr.g[0]) > 0.01 * tr.g[0]   # the overdrive moved the state
    with pytest.raises(ParameterError) as err:
        s.simulate(t, v_gate=vg[:-1])
    assert err.value.name == "v_gate"


# --- ECRAM-WO3 export with an implicit gate current: the measured mechanism ------------------
# (synapse_spice.py, KNOWN LIMIT). V_G(I) is monotonic, not S-shaped; what stops ngspice when
# a gate capacitor or a voltage source makes I implicit is the kink where the reservoir
# surface reaches the Ramadass clamp: steep (pole just outside the domain) then flat.

def test_ecram_gate_voltage_is_monotonic_with_a_kink_at_the_reservoir_clamp():
    from lithispice.materials.electrodes import (RAMADASS2004_LICOO2_DEN as den,
                                                 RAMADASS2004_LICOO2_DOMAIN as dom,
                                                 RAMADASS2004_LICOO2_NUM as num)
    P = np.polynomial.polynomial
    x = np.linspace(*dom, 4001)
    u = P.polyval(x * x, num) / P.polyval(x * x, den)
    assert np.all(np.diff(u) < 0)                      # the fit is monotonic on its domain
    poles = np.sqrt([r.real for r in np.roots(den[::-1]) if abs(r.imag) < 1e-12 and r.real > 0])
    near = poles[np.argsort(np.abs(poles - dom[0]))[0]], poles[np.argsort(np.abs(poles - dom[1]))[0]]
    assert dom[0] - 0.01 < near[0] < dom[0] and dom[1] < near[1] < dom[1] + 0.01

    s = Synapse.preset(ECRAM)

    def vg(i):                                         # the kernel's V_G at ionic current ~i
        return s.simulate([("current", i, 1e-15)]).v_gate[-1]

    cur = np.r_[-np.logspace(-9, -15, 90), np.logspace(-15, -9, 180)]
    v = np.array([vg(i) for i in cur])
    assert np.all(np.diff(v) > 0)                      # strictly increasing: no S
    co = s.coefficients()
    assert np.min(np.diff(v) / np.diff(cur)) > 0.9 * co["r_ion"]
    # the reservoir surface x_r = 0.5 + 0.5 th_rs reaches the 0.43 clamp at this current
    i_k = (s.theta_r0 - (2 * dom[0] - 1)) / co["rsr"]
    assert 1e-12 < i_k < 1e-11                         # a few pA: far below the 0.1 nA pulses
    left = (vg(0.999 * i_k) - vg(0.99 * i_k)) / (0.009 * i_k)
    right = (vg(1.01 * i_k) - vg(1.001 * i_k)) / (0.009 * i_k)
    assert left > 50 * right                           # the kink Newton cycles across



# --- multi-volume films (n_volumes > 1) ----------------------------------------------------------
# The lumped film puts the surface at the steady-profile offset I L / (3 D c_max A), valid for
# pulses longer than L^2/D; ECRAM's 1 us pulses are 1e6 times shorter (csrc/synapse.h, LIMIT).

def _films_spice_g(s, res, ends):
    from lithispice._kernels import synapse_films
    c = synapse_films(s._packed, s.t_ref)[0][0]
    w = c / c.sum()                                   # layer weights dz_k / t_ch
    return sum(w[k] * s.conductance(np.interp(ends, res.time, res[f"v(xm.tc{k})"]))
               for k in range(s.n_volumes))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name, c_gate", [(LISTA, None), (ECRAM, None), (ECRAM, 1e-18),
                                          (ECRAM, 1e-17)])
def test_multivolume_kernel_and_ngspice_agree_on_100_pulses(name, c_gate, engine):
    # ECRAM with 1 and 10 aF at the gate: the lumped export stops there (synapse_spice.py,
    # KNOWN LIMIT); with the film resolved it runs (0.1 aF with these 3x pulses still stops
    # at 8 volumes and runs at 12: a surface volume driven onto an OCV clamp is the same kink)
    s = Synapse.preset(name, n_volumes=8, film_grading=10.0)
    n, ton, toff = 100, s.t_on, s.t_off
    per = ton + toff
    amp = 3 * s.potentiation_sign * s.pulse_amplitude
    res = _spice_train_run(s, amp, n, ton, toff, c_gate, engine)
    # sample both where the kernel's rows are: mid-rest (the profile relaxes while floating,
    # so G moves during the rest, unlike the lumped film's)
    ends = np.r_[(np.arange(n - 1) + 1) * per + 0.5 * toff, n * per]
    segs = [("floating", 0, 0.5 * toff)]
    for k in range(n):
        segs += [("current", amp, ton), ("floating", 0, toff if k < n - 1 else 0.5 * toff)]
    g_k = s.simulate(segs).g[2::2]
    g_sp = _films_spice_g(s, res, ends)
    assert g_k[-1] > 1.5 * g_k[0]
    # 10 aF holds ~C dV_G of charge it returns slowly (synapse_spice.py): 0.13 % here
    assert np.max(np.abs(g_sp / g_k - 1)) < 0.01, f"{engine}: {np.max(np.abs(g_sp / g_k - 1))}"


def test_multivolume_film_removes_the_lumped_surface_artefact_and_conserves_li():
    lumped = Synapse.preset(ECRAM)
    fine = Synapse.preset(ECRAM, n_volumes=16, film_grading=100.0)
    seg = [("current", lumped.pulse_amplitude, lumped.t_on)]
    v_l = lumped.simulate(seg).v_gate[-1]
    v_8 = Synapse.preset(ECRAM, n_volumes=8, film_grading=10.0).simulate(seg).v_gate[-1]
    v_f = fine.simulate(seg).v_gate[-1]
    co = lumped.coefficients()
    i = lumped.pulse_amplitude
    # what the pulse must pay without surface depletion: V_oc + I R_ion + both BV overpotentials
    floor = (lumped.open_circuit_voltage() + i * co["r_ion"]
             + co["vt2"] * (np.arcsinh(i / co["i2c"]) + np.arcsinh(i / co["i2r"])))
    assert v_l - floor > 2.0                      # lumped: > 2 V of clamped-surface artefact
    assert floor < v_f < v_8 < v_l                # resolving the film removes it ...
    assert v_f - floor < 0.15                     # ... down to a real, small surface term
    # Li: the charge moved equals the change of the films' content, exactly (same stages)
    tr = fine.potentiate(200)
    prof = tr.final_state
    q_c, q_r = co["qc"], co["qr"]
    sm = fine.state_summary(prof)
    assert q_c * (sm["theta_c"] - fine.theta_c0) == pytest.approx(tr.q_ion, rel=1e-9)
    assert q_r * (fine.theta_r0 - sm["theta_r"]) == pytest.approx(tr.q_ion, rel=1e-9)
    # G of the profile: layers in parallel, the same from Python and from the kernel
    assert fine.profile_conductance(prof[:fine.n_volumes]) == pytest.approx(sm["g"], rel=1e-12)
    # the same charge gives a lower G than the lumped film: the Li piles up in the surface
    # layers, which saturate at sigma_b (x >= x_b), and the layers conduct in parallel
    g_lumped = lumped.potentiate(200).g[-1]
    assert lumped.conductance(lumped.theta_c0) < sm["g"] < 0.9 * g_lumped
