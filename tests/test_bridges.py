"""Bridges to PySpice and spicelib (issue 12 items 7 and 8).

PySpice: a device as a PySpice SubCircuit and a Chip as a PySpice Circuit, simulated by
PySpice itself (libngspice, in a child process: PySpice 1.5 allows one libngspice per
process and Debian's 39 cannot recover from a fatal error) and compared waveform against
waveform with ``Chip.run()`` (batch ngspice): the same ngspice underneath, so they agree to
1e-6 relative (in practice exactly). spicelib: a Chip deck opens in ``SpiceEditor``, saves
back unchanged, and edits of a component value and an instance parameter move the result
the way the physics says. Plus the deck format both need: a ``.title`` card first, one card
per line, still refusing hostile titles.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lithispice.spice.carddoc import at_temperature

from lithispice.blocks import Buffer
from lithispice.devices import GasSensor, Memristor, Microbattery, Synapse
from lithispice.engines import run_deck
from lithispice.errors import LithispiceError, NetlistError
from lithispice.netlist import Chip
from lithispice.netlist._checks import check_deck_text, validate_subckt_text
from lithispice.netlist._lines import one_card_per_line

HERE = Path(__file__).resolve().parent
RTOL = 1e-6


# ---------------------------------------------------------------------- chips (also run in
# the PySpice child, which imports this module and calls them by name)
def _memristor():
    return Memristor.preset("LiCoO2")


# 0 -> +3 V -> 0 -> -3.5 V -> 0 in 20 us: sets, then resets the cell; 13 corners (more than
# the 8 pairs per line the PWL used to be wrapped at)
MEM_PWL = [(0.0, 0.0), (1e-6, 0.5), (2e-6, 1.0), (3e-6, 1.5), (4e-6, 2.0), (5e-6, 2.5),
           (6e-6, 3.0), (8e-6, 3.0), (10e-6, 0.0), (12e-6, -3.5), (15e-6, -3.5),
           (17e-6, 0.0), (20e-6, 0.0)]


def memristor_chip(rs: float = 1e3, w0: float = 0.3) -> Chip:
    chip = Chip("memristor bridge")
    chip.vsource("in", "a", "0", pwl=MEM_PWL)
    chip.resistor("s", "a", "m", rs)
    chip.add("m1", _memristor(), params={"w0": w0}, p="m", n="0")
    chip.tran(1e-7, 2e-5)
    return chip


def synapse_chip() -> Chip:
    s = Synapse.preset("LISTA-LiCoO2")
    amp = 3 * s.potentiation_sign * s.pulse_amplitude
    per, tr = s.t_on + s.t_off, s.t_on * 1e-2
    pts = [(0.0, 0.0)]
    for k in range(3):
        t0 = k * per + 0.5 * s.t_off
        pts += [(t0 - tr / 2, 0.0), (t0 + tr / 2, amp), (t0 + s.t_on - tr / 2, amp),
                (t0 + s.t_on + tr / 2, 0.0)]
    pts.append((3 * per, 0.0))
    chip = Chip("synapse bridge")
    chip.isource("gate", "0", "gn", pwl=pts)
    chip.add("m", s, g="gn", s="0", d="0")
    chip.capacitor("wire", "gn", "0", 1e-18)
    chip.options(reltol=1e-6, abstol=1e-20, method="gear")
    chip.tran(per / 20, 3 * per, tmax=s.t_on / 20)
    return chip


def battery_chip() -> Chip:
    b = Microbattery.preset("LiPON-LiCoO2-Li")
    i1 = b.capacity_Ah                                    # 1 C, in A (1 h per capacity)
    chip = Chip("battery bridge")
    chip.isource("load", "p", "0", pwl=[(0.0, 0.0), (1.0, i1), (600.0, i1), (601.0, 0.0),
                                        (900.0, 0.0)])
    chip.add("b1", b, params={"soc0": 0.9}, pos="p", neg="0")
    chip.options(reltol=1e-6, method="gear")
    chip.tran(1.0, 900.0, tmax=5.0)
    return chip


def sensor_chip() -> Chip:
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    T = g.t_op
    tau = g.time_constant(T)
    t = [0.0, 2 * tau, 2.02 * tau, 6 * tau]
    p = [400e-6, 400e-6, 3000e-6, 3000e-6]
    chip = Chip("sensor bridge")
    chip.vsource("gas", "lgp", "0", pwl=g.gas_pwl(t, p))
    chip.vsource("temp", "tk", "0", dc=T)
    chip.add("s1", g, params=g.spice_params(p[0], T), se="se", ref="0", lgp="lgp", tk="tk")
    chip.resistor("load", "se", "0", 100.0 * g.output_resistance(T))
    chip.options(reltol=1e-4)
    chip.tran(t[-1] / 500, t[-1], tmax=t[-1] / 200)
    return chip


def _buffer_chip(title: str) -> Chip:
    chip = Chip(title)
    chip.vsource("dd", "vdd", "0", dc=3.3)
    chip.vsource("in", "a", "0", dc=1.0, ac=1.0)
    chip.resistor("f", "a", "b", 1e4)
    chip.capacitor("f", "b", "0", 1e-9)
    chip.add("u1", Buffer(), inp="b", out="out", vdd="vdd", vss="0")
    chip.resistor("l", "out", "0", 1e4)
    return chip


def buffer_dc_chip() -> Chip:
    chip = _buffer_chip("buffer dc bridge")
    chip.dc("in", 0.0, 3.0, 0.1)
    return chip


def buffer_ac_chip() -> Chip:
    chip = _buffer_chip("buffer ac bridge")
    chip.ac("dec", 10, 10.0, 1e7)
    return chip


def divider_op_chip() -> Chip:
    chip = Chip("divider op bridge")
    chip.vsource("in", "a", "0", dc=1.0)
    chip.resistor("top", "a", "m", 1e3)
    chip.add("m1", _memristor(), params={"w0": 0.7}, p="m", n="0")
    chip.ic("m", 0.5)
    chip.op()
    return chip


def mixed_chip(rs: float = 1e3, w0: float = 0.3) -> Chip:
    """One device of each family in one deck (their time scales differ: only the memristor
    branch moves in 20 us, the others sit near their operating points)."""
    chip = memristor_chip(rs, w0)
    chip.title = "all families bridge"
    b = Microbattery.preset("LiPON-LiCoO2-Li")
    chip.add("b1", b, params={"soc0": 0.8}, pos="p", neg="0")
    chip.resistor("load", "p", "0", 1e4)
    s = Synapse.preset("ECRAM-WO3")                     # its card has wrapped lines
    chip.isource("gate", "0", "gn", pwl=[(0.0, 0.0), (1e-6, 1e-10), (2e-5, 1e-10)])
    chip.add("syn", s, g="gn", s="0", d="0")
    g = GasSensor.preset("CO2-Li2CO3-Li3PO4")
    chip.vsource("gas", "lgp", "0", dc=g.lgp(400e-6))
    chip.vsource("temp", "tk", "0", dc=g.t_op)
    chip.add("s1", g, params=g.spice_params(400e-6, g.t_op), se="se", ref="0", lgp="lgp",
             tk="tk")
    chip.resistor("rl", "se", "0", 1e9)
    return chip


def hand_built_memristor_circuit():
    """The memristor chip written by a PySpice user: the device's SubCircuit, PySpice's
    own elements and simulator calls."""
    from PySpice.Spice.Netlist import Circuit
    sub = _memristor().pyspice_subcircuit()
    circuit = Circuit("memristor by hand")
    circuit.subcircuit(sub)
    pwl = " ".join(f"{t!r} {v!r}" for t, v in MEM_PWL)
    circuit.V("in", "a", circuit.gnd, f"dc 0 pwl({pwl})")
    circuit.R("s", "a", "m", 1e3)
    circuit.X("m1", sub.name, "m", circuit.gnd, w0=0.3)
    # PySpice's default circuit temperature is 27 C; a Chip's is 25 C (298.15 K), and the
    # cards follow the circuit temperature
    simulator = circuit.simulator(temperature=25.0)
    return simulator.transient(step_time=1e-7, end_time=2e-5)


def failing_op_circuit():
    """A node only capacitors reach: the operating point is singular, gmin and source
    stepping fail -- a run that must still fail with the note-tolerant libngspice."""
    from PySpice.Spice.Netlist import Circuit

    from lithispice.bridges.pyspice import ngspice_shared
    circuit = Circuit("singular")
    circuit.V("a", "a", circuit.gnd, "dc 1")
    circuit.R("x", "a", "b", 1e3)
    circuit.C("c", "b", "d", 1e-9)
    circuit.C("d", "d", circuit.gnd, 1e-9)
    return circuit.simulator(ngspice_shared=ngspice_shared()).operating_point()


# ---------------------------------------------------------------------- PySpice child
def _child(builder: str) -> None:
    """Run in the child: simulate ``builder``'s chip in PySpice, pickle the vectors."""
    fn = globals()[builder]
    if builder.startswith(("hand_", "failing_")):
        analysis = fn()
    else:
        analysis = fn().to_pyspice().run_analysis()
    out = {"nodes": {k.lower(): np.asarray(v) for k, v in analysis.nodes.items()},
           "branches": {k.lower(): np.asarray(v) for k, v in analysis.branches.items()}}
    for axis in ("time", "frequency"):
        if hasattr(analysis, axis):
            out[axis] = np.asarray(getattr(analysis, axis))
    if hasattr(analysis, "sweep"):
        out["sweep"] = np.asarray(analysis.sweep)
    with open(sys.argv[2], "wb") as fh:
        pickle.dump(out, fh)


def _run_child(builder: str, out: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, HOME=str(cwd), SPICE_USERINIT_DIR=str(cwd),
               PYTHONPATH=os.pathsep.join([str(HERE), str(HERE.parent),
                                           os.environ.get("PYTHONPATH", "")]))
    code = "import sys, test_bridges as tb; tb._child(sys.argv[1])"
    return subprocess.run([sys.executable, "-c", code, builder, str(out)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def pyspice_run(builder: str, tmp_path) -> dict:
    """Vectors of PySpice's own simulation of ``builder``'s circuit, from a fresh child."""
    out = tmp_path / f"{builder}.pkl"
    proc = _run_child(builder, out, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out, "rb") as fh:
        return pickle.load(fh)


def _pairs(ps: dict, res) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, PySpice vector, Chip.run vector) for every vector both have."""
    out = []
    for node, vec in ps["nodes"].items():
        if f"v({node})" in res.names:
            out.append((f"v({node})", vec, np.asarray(res[f"v({node})"])))
    for br, vec in ps["branches"].items():
        if f"i({br})" in res.names:
            out.append((f"i({br})", vec, np.asarray(res[f"i({br})"])))
    return out


def assert_same_waveforms(ps: dict, res, axis: str, must: tuple[str, ...]) -> None:
    ax = ps.get(axis)
    if ax is None and axis == "sweep":
        ax = ps.get("time")                 # PySpice names a .dc axis by the plot's scale
    ref = np.asarray(res.time if axis == "time" else res[res.names[0]])
    assert ax is not None and len(ax) == len(ref), (axis, None if ax is None else len(ax),
                                                    len(ref))
    np.testing.assert_allclose(np.real(ax), np.real(ref), rtol=1e-12, atol=0)
    pairs = _pairs(ps, res)
    names = {n for n, _, _ in pairs}
    assert set(must) <= names, (sorted(must), sorted(names))
    for name, a, b in pairs:
        scale = max(np.max(np.abs(b)), 1e-30)
        err = np.max(np.abs(a - b)) / scale
        assert err <= RTOL, f"{name}: PySpice vs Chip.run differ by {err:.2e} of {scale:.3e}"


# --------------------------------------------------------------- PySpice: subcircuits
FAMILIES = [Memristor.preset("LiCoO2"), Synapse.preset("ECRAM-WO3"),
            Microbattery.preset("LiPON-LiCoO2-Li"), GasSensor.preset("CO2-Li2CO3-Li3PO4"),
            Buffer()]


@pytest.mark.parametrize("device", FAMILIES, ids=lambda d: type(d).__name__)
def test_pyspice_subcircuit_prints_the_devices_own_card(device):
    from PySpice.Spice.Netlist import Circuit, SubCircuit
    sub = device.pyspice_subcircuit()
    assert isinstance(sub, SubCircuit)
    assert sub.name == device.subckt_name and tuple(sub.external_nodes) == tuple(device.pins)
    card = validate_subckt_text(device.subckt(), device.subckt_name, device.pins)
    assert str(sub) == one_card_per_line(card)              # the one definition, verbatim
    assert not any(ln.lstrip().startswith("+") for ln in str(sub).splitlines())
    # params: defaults of the .subckt line, every instance parameter among them
    assert set(device.instance_params) <= set(sub.parameters)
    # the same text Chip.deck() embeds, there with the chip's temperature written in
    # (carddoc.at_temperature: same values, no `temper` in the deck)
    chip = Chip("one device")
    chip.add("d1", device, nets={p: "0" for p in device.pins})   # deck text only
    assert at_temperature(str(sub), chip.temperature).rstrip("\n") in chip.deck()
    circuit = Circuit("c")
    circuit.subcircuit(sub)
    assert str(sub) in str(circuit)


def test_pyspice_subcircuit_refuses_what_chip_add_refuses():
    class Evil:
        subckt_name, pins, dc_paths, instance_params = "evil", ("p", "n"), (), ()

        def subckt(self):
            return ".subckt evil p n\n.include /etc/passwd\nR1 p n 1k\n.ends\n"

    from lithispice.bridges.pyspice import subcircuit
    with pytest.raises(NetlistError, match="not allowed"):
        subcircuit(Evil())
    with pytest.raises(NetlistError, match="not a SpiceDevice"):
        subcircuit(object())
    with pytest.raises(NetlistError, match="renamed"):
        _memristor().pyspice_subcircuit().clone("other")


def test_hand_built_pyspice_circuit_with_a_device_subcircuit_matches_chip_run(tmp_path):
    ps = pyspice_run("hand_built_memristor_circuit", tmp_path)
    res = memristor_chip().run()
    assert np.ptp(res["v(xm1.w)"]) > 0.3                 # the cell really switches
    assert_same_waveforms(ps, res, "time", ("v(m)", "v(xm1.w)", "i(vin)"))


# --------------------------------------------------------------- PySpice: Chip.to_pyspice
def test_to_pyspice_carries_the_decks_cards_and_settings():
    chip = synapse_chip()
    chip.ic("gn", 0.0)
    chip.save("v(gn)")
    circuit = chip.to_pyspice()
    deck = chip.deck()
    text = str(circuit)
    assert text.splitlines()[0] == deck.splitlines()[0] == ".title synapse bridge"
    for _, sub in chip._subckts.values():
        assert one_card_per_line(at_temperature(sub, chip.temperature).rstrip("\n")) in text
    for el in chip._elements.values():                    # PySpice elements, deck lines
        assert circuit[el.spice] is not None
        assert str(circuit[el.spice]).split() == el.line().split()
    sim = circuit.simulator()
    setup = str(sim)
    assert ".options reltol = 1e-06" in setup and ".options method = gear" in setup
    assert ".options abstol = 1e-20" in setup and ".ic V(gn)=0.0" in setup
    assert ".save v(gn)" in setup
    # the circuit temperature ngspice sees in the deck (.temp, degC) is PySpice's TEMP
    temp = [ln.split()[1] for ln in deck.splitlines() if ln.startswith(".temp ")]
    if temp:
        assert circuit.chip_temperature == float(temp[0])
        assert f".options TEMP = {float(temp[0])!r}C" in setup
    assert circuit.chip_analysis["kind"] == "tran"
    assert circuit.clone().chip_options == circuit.chip_options


def test_to_pyspice_checks_the_chip_first():
    chip = Chip("floating")
    chip.vsource("in", "a", "0", dc=1.0)
    chip.resistor("r", "a", "b", 1e3)
    with pytest.raises(NetlistError, match="floating net 'b'"):
        chip.to_pyspice()
    chip.resistor("r2", "b", "0", 1e3)
    with pytest.raises(NetlistError, match="no analysis"):
        chip.to_pyspice().run_analysis()


def test_note_tolerant_libngspice_still_fails_a_failed_run(tmp_path):
    out = tmp_path / "failing.pkl"
    proc = _run_child("failing_op_circuit", out, tmp_path)
    assert proc.returncode != 0 and not out.exists()
    assert "NgSpiceCommandError" in proc.stderr and "source stepping failed" in proc.stderr


ROUND_TRIPS = [  # builder, result axis, vectors that must be compared, a physics check
    ("memristor_chip", "time", ("v(m)", "v(xm1.w)", "i(vin)"),
     lambda r: np.ptp(r["v(xm1.w)"]) > 0.3),
    ("synapse_chip", "time", ("v(gn)",), lambda r: np.ptp(r["v(gn)"]) > 1e-3),
    ("battery_chip", "time", ("v(p)", "v(xb1.soc)"),
     lambda r: 0.05 < r["v(xb1.soc)"][0] - r["v(xb1.soc)"][-1] < 0.3),
    ("sensor_chip", "time", ("v(se)", "v(lgp)"), lambda r: np.ptp(r["v(se)"]) > 0.01),
    ("buffer_dc_chip", "sweep", ("v(out)", "v(b)", "i(vin)"),
     lambda r: np.ptp(r["v(out)"]) > 2.0),
    ("buffer_ac_chip", "frequency", ("v(out)", "v(b)"),
     lambda r: abs(r["v(out)"][0]) > 0.9 > 0.1 > abs(r["v(out)"][-1])),
    ("divider_op_chip", "none", ("v(m)", "v(a)", "i(vin)"),
     lambda r: 0.0 < float(np.ravel(r["v(m)"])[0]) < 1.0),
]


@pytest.mark.parametrize("builder, axis, must, physics", ROUND_TRIPS,
                         ids=[r[0] for r in ROUND_TRIPS])
def test_pyspice_round_trip_equals_chip_run(builder, axis, must, physics, tmp_path):
    chip = globals()[builder]()
    res = chip.run(timeout=120)
    assert physics(res), builder                           # a waveform worth comparing
    ps = pyspice_run(builder, tmp_path)
    if axis == "none":                                     # .op: one point per vector
        pairs = _pairs(ps, res)
        assert set(must) <= {n for n, _, _ in pairs}
        for name, a, b in pairs:
            np.testing.assert_allclose(np.ravel(a), np.ravel(b), rtol=RTOL, atol=1e-15,
                                       err_msg=name)
        return
    assert_same_waveforms(ps, res, axis, must)


# ---------------------------------------------------------------------- spicelib
def _write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_spicelib_opens_saves_unchanged_and_edits_a_chip_deck(tmp_path):
    from spicelib import SpiceEditor
    chip = mixed_chip()
    deck = chip.deck()
    vin = next(ln for ln in deck.splitlines() if ln.startswith("Vin"))
    assert len(MEM_PWL) > 8 and len(vin.split()) == 5 + 2 * len(MEM_PWL)   # one line
    path = _write(tmp_path, "mixed.cir", deck)
    ed = SpiceEditor(str(path))                  # was EncodingDetectError (title line)
    assert {c.upper() for c in ed.get_components()} == {e.upper() for e in chip.elements()}
    assert float(ed.get_component_value("Rs")) == 1e3
    assert float(ed.get_component_parameters("Xm1")["w0"]) == 0.3
    ed.save_netlist(str(tmp_path / "same.cir"))  # was UnrecognizedSyntaxError (PWL '+')
    assert (tmp_path / "same.cir").read_text() == deck     # nothing mangled on the way

    base = chip.run(timeout=120)
    i0 = np.abs(base["i(vin)"])
    # a component value: 10x the series resistor -> less current through the cell
    ed.set_component_value("Rs", 10e3)
    ed.save_netlist(str(tmp_path / "rs.cir"))
    res = run_deck((tmp_path / "rs.cir").read_text(), timeout=120)
    i1 = np.abs(np.interp(base.time, res.time, res["i(vin)"]))
    on = (base.time > 5e-6) & (base.time < 9.5e-6)         # while set, at 2.5 -> 3 -> 0.5 V
    assert np.all(i1[on] < i0[on]) and i1.max() < 0.5 * i0.max()
    assert res["v(xm1.w)"].max() < base["v(xm1.w)"].max()  # less voltage left to set it
    # an instance parameter: the cell starts more set (w0 0.3 -> 0.9) -> more current
    ed = SpiceEditor(str(path))
    ed.set_component_parameters("Xm1", w0=0.9)
    ed.save_netlist(str(tmp_path / "w0.cir"))
    res = run_deck((tmp_path / "w0.cir").read_text(), timeout=120)
    assert res["v(xm1.w)"][0] == pytest.approx(0.9, abs=1e-9)
    i2 = np.abs(np.interp(base.time, res.time, res["i(vin)"]))
    early = (base.time > 0.5e-6) & (base.time < 3e-6)        # before the set
    assert np.all(i2[early] > 10 * i0[early])
    # spicelib's edit equals the same edit made in Python
    ref = mixed_chip(w0=0.9).run(timeout=120)
    np.testing.assert_array_equal(res["i(vin)"], ref["i(vin)"])


def test_spicelib_reads_every_family_card_and_runs_it_unchanged(tmp_path):
    """The ECRAM and battery cards have wrapped lines (a break inside ``v(neg, ion)`` and a
    ``pwl(...)`` table): in a deck they are joined, which ngspice reads exactly as before."""
    from spicelib import SpiceEditor
    chip = mixed_chip()
    deck = chip.deck()
    wrapped = deck
    n_plus = 0
    for _, text in chip._subckts.values():
        n_plus += sum(ln.startswith("+") for ln in text.splitlines())
        text = at_temperature(text, chip.temperature)
        wrapped = wrapped.replace(one_card_per_line(text.rstrip("\n")), text.rstrip("\n"))
    assert n_plus >= 4 and "\n+" not in deck and wrapped.count("\n+") == n_plus
    a, b = run_deck(wrapped, timeout=120), chip.run(timeout=120)
    assert a.names == b.names
    for name in a.names:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    path = _write(tmp_path, "mixed.cir", deck)
    ed = SpiceEditor(str(path))
    ed.set_component_value("Rload", 2e4)                   # any edit rewrites the deck
    ed.save_netlist(str(tmp_path / "ed.cir"))
    edited = (tmp_path / "ed.cir").read_text()
    assert [ln for ln in edited.splitlines() if not ln.startswith("Rload")] == \
        [ln for ln in deck.splitlines() if not ln.startswith("Rload")]


# ---------------------------------------------------------------------- the title card
def test_deck_starts_with_a_title_card_that_ngspice_reads_as_the_title():
    chip = memristor_chip()
    assert chip.deck().splitlines()[0] == ".title memristor bridge"
    res = chip.run()
    assert res.plots[0].title == "memristor bridge"
    from lithispice.engines.shared import run_deck_shared
    assert run_deck_shared(chip.deck()).plots[0].title == "memristor bridge"


HOSTILE = [".include /etc/passwd", "*x", "+ .include x", " .control", "x\n.include y",
           "x\r.include y", ".title x", "", "a" * 201, "\u2028.include x", "x$y", "x'y"]


@pytest.mark.parametrize("bad", HOSTILE)
def test_check_deck_text_refuses_a_hostile_title_card(bad):
    deck = memristor_chip().deck()
    body = deck.split("\n", 1)[1]
    with pytest.raises(LithispiceError):
        check_deck_text(".title " + bad + "\n" + body)
    with pytest.raises(LithispiceError):
        Chip(bad)


def test_check_deck_text_wants_the_title_card():
    deck = memristor_chip().deck()
    body = deck.split("\n", 1)[1]
    for first in ("memristor bridge", "* memristor bridge", ".TITLE memristor bridge",
                  ".title", ".titlex y", ".include memristor"):
        with pytest.raises(NetlistError):
            check_deck_text(first + "\n" + body)
    check_deck_text(deck)


def test_long_pwl_stays_on_its_source_line():
    chip = memristor_chip()
    line = next(ln for ln in chip.deck().splitlines() if ln.startswith("Vin"))
    assert len(line.split()) == len("Vin a 0 dc 0.0".split()) + 2 * len(MEM_PWL)
    assert line.endswith(f"{MEM_PWL[-1][0]!r} {MEM_PWL[-1][1]!r})")
