"""Specification of the netlist builder (lithispice.netlist).

What a circuit engineer relies on: a chip that reads like a schematic, checks that refuse a
broken circuit with a message naming the culprit, no way to smuggle SPICE (or shell) text
into a deck, byte-identical decks, and crossbar results that match linear algebra when
simulated in ngspice.
"""
from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from lithispice.errors import NameValidationError, NetlistError, ParameterError
from lithispice.netlist import Chip, Crossbar, build_crossbar, ideal_vmm
from lithispice.spice.names import fmt


# ---------------------------------------------------------------------- test devices
class LinR:
    """A linear resistor as a SpiceDevice: the simplest crossbar cell (r in ohm)."""

    subckt_name = "lin_r"
    pins = ("p", "n")
    dc_paths = (("p", "n"),)
    instance_params = ("r",)

    def __init__(self, r: float = 1e4):
        self.r = r

    def subckt(self) -> str:
        return f"* linear resistor cell\n.subckt lin_r p n params: r={fmt(self.r)}\nR1 p n {{r}}\n.ends lin_r\n"


class Cap:
    """A capacitor as a SpiceDevice: no DC path between its pins."""

    subckt_name = "cap_dev"
    pins = ("a", "b")
    dc_paths = ()
    instance_params = ()

    def subckt(self) -> str:
        return ".subckt cap_dev a b\nC1 a b 1e-12\n.ends\n"


class Evil:
    """A device whose text or names try to smuggle SPICE/shell into the deck."""

    pins = ("p", "n")
    dc_paths = (("p", "n"),)
    instance_params = ("r",)

    def __init__(self, subckt_name="evil", body="R1 p n 1k", pins=("p", "n"), params=("r",)):
        self.subckt_name, self._body, self.pins, self.instance_params = subckt_name, body, pins, params

    def subckt(self) -> str:
        return f".subckt {self.subckt_name} {' '.join(self.pins)}\n{self._body}\n.ends\n"


def divider() -> Chip:
    chip = Chip("divider")
    chip.vsource("in", "a", "0", dc=1.0)
    chip.resistor("top", "a", "mid", 1e3)
    chip.add("bot", LinR(3e3), p="mid", n="0")
    return chip


def v(res, key):
    return np.atleast_1d(np.asarray(res[key], dtype=float))


# ---------------------------------------------------------------------- deck text
def test_deck_reads_like_the_schematic():
    chip = divider()
    chip.op()
    deck = chip.deck()
    lines = deck.splitlines()
    assert lines[0] == ".title divider"
    assert "Vin a 0 dc 1.0" in lines
    assert "Rtop a mid 1000.0" in lines
    assert "Xbot mid 0 lin_r" in lines
    assert lines[-2:] == [".op", ".end"]
    # subcircuit before its first instance, once
    assert deck.count(".subckt lin_r") == 1
    assert deck.index(".subckt lin_r") < deck.index("Xbot")


def test_add_returns_spice_names_and_nets_are_case_insensitive():
    chip = Chip("names")
    assert chip.vsource("In", "A", "GND", 1.0) == "VIn"
    assert chip.resistor("load", "a", "0", 10.0) == "Rload"
    assert chip.nets() == ("a", "0")  # "A" and "a" are one SPICE node, "gnd" is ground
    assert chip.elements() == ("VIn", "Rload")


def test_deck_is_deterministic():
    def build():
        chip = divider()
        chip.add("extra", LinR(3e3), params={"r": 2e3}, n="mid", p="a")   # keyword order differs
        chip.capacitor("c", "mid", "0", 1e-9, ic=0.25)
        chip.options(reltol=1e-4, method="gear", abstol=1e-13)
        chip.ic("mid", 0.25)
        chip.save("v(mid)", "i(vin)")
        chip.tran(1e-6, 1e-3)
        return chip

    a, b = build(), build()
    assert a.deck() == b.deck()
    assert a.deck() == a.deck()
    # options sorted by name, so insertion order of keywords does not matter
    assert ".options abstol=1e-13 method=gear reltol=0.0001" in a.deck()


def test_same_device_subckt_once_and_conflicting_text_refused():
    chip = Chip("subckts")
    chip.vsource("s", "a", "0", 1.0)
    chip.add("d1", LinR(1e3), p="a", n="0")
    chip.add("d2", LinR(1e3), p="a", n="0")
    chip.op()
    assert chip.deck().count(".subckt lin_r") == 1
    with pytest.raises(NetlistError, match="lin_r"):
        chip.add("d3", LinR(2e3), p="a", n="0")      # same subckt_name, different text
    assert "Xd3" not in chip.elements()                # a refused add leaves the chip unchanged


def test_instance_params_only_from_device_and_finite():
    chip = divider()
    with pytest.raises(NetlistError, match="'w0'.*allowed: \\['r'\\]"):
        chip.add("d", LinR(), params={"w0": 0.5}, p="a", n="0")
    with pytest.raises(ParameterError, match="d.r"):
        chip.add("d", LinR(), params={"r": float("nan")}, p="a", n="0")


def test_graph_is_bipartite_with_pin_labels_and_read_only():
    chip = divider()
    g = chip.graph
    el = {n for n, d in g.nodes(data=True) if d["bipartite"] == 0}
    nets = {n for n, d in g.nodes(data=True) if d["bipartite"] == 1}
    assert el == {("element", "vin"), ("element", "rtop"), ("element", "xbot")}
    assert nets == {("net", "a"), ("net", "mid"), ("net", "0")}
    assert all((u in el) != (w in el) for u, w in g.edges())
    pins = {d["pin"] for _, _, d in g.edges(("element", "xbot"), data=True)}
    assert pins == {"p", "n"}
    with pytest.raises(nx.NetworkXError):
        g.add_edge(("element", "vin"), ("net", "zz"))


# ---------------------------------------------------------------------- checks
def test_floating_net_refused_naming_it():
    chip = divider()
    chip.resistor("dangle", "mid", "nowhere", 1e3)
    chip.op()
    with pytest.raises(NetlistError, match=r"floating net 'nowhere'.*'Rdangle'"):
        chip.deck()


def test_net_without_dc_path_refused_naming_it():
    chip = Chip("ac coupled")
    chip.vsource("in", "a", "0", 1.0)
    chip.capacitor("couple", "a", "island", 1e-9)
    chip.resistor("inner", "island", "island2", 1e3)
    chip.capacitor("out", "island2", "0", 1e-9)
    chip.tran(1e-6, 1e-5)
    with pytest.raises(NetlistError, match=r"no DC path to ground from net\(s\) 'island', 'island2'"):
        chip.check()
    # a shunt resistor to every node (ngspice rshunt) is a DC path: accepted
    chip.options(rshunt=1e12)
    chip.check()


def test_device_without_dc_path_and_current_source_are_not_dc_paths():
    chip = Chip("cap device")
    chip.isource("bias", "0", "x", 1e-6)          # current source: no DC path
    chip.add("c", Cap(), a="x", b="0")             # device with dc_paths=(): none either
    with pytest.raises(NetlistError, match=r"no DC path.*'x'"):
        chip.check()


def test_duplicate_names_refused_case_insensitively():
    chip = divider()
    with pytest.raises(NetlistError, match="duplicate element name 'RTOP'.*'Rtop'"):
        chip.resistor("TOP", "a", "mid", 1.0)
    with pytest.raises(NetlistError, match="duplicate element name 'Xbot'"):
        chip.add("bot", LinR(3e3), p="a", n="0")
    chip.capacitor("top", "a", "0", 1e-9)           # Ctop is not Rtop: different SPICE names
    assert "Ctop" in chip.elements()


def test_unknown_and_missing_pins_named():
    chip = divider()
    with pytest.raises(NetlistError, match=r"unknown pin\(s\) \['q'\]"):
        chip.add("d", LinR(), p="a", n="0", q="mid")
    with pytest.raises(NetlistError, match=r"unconnected pin\(s\) \['n'\]"):
        chip.add("d", LinR(), p="a")
    with pytest.raises(NetlistError, match="connected twice"):
        chip.add("d", LinR(), nets={"p": "a"}, p="mid", n="0")


def test_no_ground_refused():
    chip = Chip("no ground")
    chip.vsource("s", "a", "b", 1.0)
    chip.resistor("r", "a", "b", 1e3)
    with pytest.raises(NetlistError, match="no ground"):
        chip.check()


def test_empty_chip_refused():
    with pytest.raises(NetlistError, match="no elements"):
        Chip("empty").check()


def test_voltage_source_loop_refused():
    chip = Chip("loop")
    chip.vsource("a", "x", "0", 1.0)
    chip.vsource("b", "x", "0", 2.0)
    chip.resistor("r", "x", "0", 1.0)
    with pytest.raises(NetlistError, match=r"'Vb', 'Va' form a loop"):
        chip.check()


def test_all_problems_reported_at_once():
    chip = Chip("several")
    chip.vsource("s", "a", "0", 1.0)
    chip.resistor("r1", "a", "lonely", 1.0)
    chip.capacitor("c1", "a", "cnode", 1e-9)
    chip.capacitor("c2", "cnode", "0", 1e-9)
    with pytest.raises(NetlistError) as info:
        chip.check()
    assert len(info.value.problems) == 2
    assert "'lonely'" in str(info.value) and "'cnode'" in str(info.value)


def test_dangling_ic_save_and_dc_references_refused():
    chip = divider()
    chip.ic("ghost", 1.0)
    chip.save("v(phantom)", "i(vnone)")
    chip.dc("nosuch", 0, 1, 0.1)
    with pytest.raises(NetlistError) as info:
        chip.check()
    msg = str(info.value)
    assert "'ghost'" in msg and "'v(phantom)'" in msg and "'i(vnone)'" in msg and "'nosuch'" in msg


def test_run_without_analysis_refused():
    with pytest.raises(NetlistError, match="no analysis"):
        divider().run()


# ---------------------------------------------------------------------- injection
INJECTIONS = ["a\n.control", "x; shell rm -rf /", ".include /etc/passwd", "n1 n2", "a\r\nb",
              "v(a)", "a{b}", "", "1abc", "end", "x" * 65, "a=b", "a*b", "\u00e9t\u00e9"]


@pytest.mark.parametrize("bad", INJECTIONS)
def test_injected_element_names_refused(bad):
    chip = Chip("inj")
    with pytest.raises(NameValidationError):
        chip.resistor(bad, "a", "0", 1.0)
    with pytest.raises(NameValidationError):
        chip.add(bad, LinR(), p="a", n="0")
    assert chip.elements() == ()


@pytest.mark.parametrize("bad", INJECTIONS)
def test_injected_net_names_refused(bad):
    chip = Chip("inj")
    with pytest.raises(NameValidationError):
        chip.resistor("r", bad, "0", 1.0)
    with pytest.raises(NameValidationError):
        chip.add("d", LinR(), p="a", n=bad)
    with pytest.raises(NameValidationError):
        chip.ic(bad, 0.0)
    if bad != "v(a)":                              # "v(a)" is valid save syntax
        with pytest.raises(NameValidationError):
            chip.save(bad)
    assert chip.elements() == () and chip.nets() == ()


@pytest.mark.parametrize("bad", ["a\n.control", "x; shell rm -rf /", ".include /etc/passwd",
                                 "n1 n2", "r=1\n.endc"])
def test_injected_device_names_and_params_refused(bad):
    chip = Chip("inj")
    with pytest.raises(NameValidationError):
        chip.add("d", Evil(subckt_name=bad), p="a", n="0")
    with pytest.raises(NameValidationError):
        chip.add("d", Evil(pins=("p", bad)), nets={"p": "a", bad: "0"})
    with pytest.raises(NameValidationError):
        chip.add("d", Evil(params=(bad,)), params={bad: 1.0}, p="a", n="0")
    with pytest.raises(NetlistError):
        chip.add("d", LinR(), params={bad: 1.0}, p="a", n="0")


@pytest.mark.parametrize("body", [".control\nshell rm -rf /\n.endc", ".include /etc/passwd",
                                  ".end", ".options reltol=1", ".tran 1 2", ".lib x y",
                                  "R1 p n 1k\x00", ".ends\nV9 a 0 1"])
def test_device_subckt_text_cannot_carry_deck_commands(body):
    chip = Chip("inj")
    with pytest.raises(NetlistError):
        chip.add("d", Evil(body=body), p="a", n="0")


def test_subckt_text_must_match_the_device_pins():
    chip = Chip("pins")
    dev = Evil()
    dev.subckt = lambda: ".subckt evil n p\nR1 p n 1k\n.ends\n"   # pin order differs from .pins
    with pytest.raises(NetlistError, match="declares pins"):
        chip.add("d", dev, p="a", n="0")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), "1k", None, "1\n.control"])
def test_non_finite_or_textual_values_refused(bad):
    chip = Chip("values")
    for call in (lambda: chip.resistor("r", "a", "0", bad),
                 lambda: chip.capacitor("c", "a", "0", bad),
                 lambda: chip.vsource("v", "a", "0", bad),
                 lambda: chip.isource("i", "a", "0", bad),
                 lambda: chip.vcvs("e", "a", "0", "b", "0", bad),
                 lambda: chip.vsource("v", "a", "0", pwl=[(0.0, 0.0), (1e-3, bad)]),
                 lambda: chip.vsource("v", "a", "0", sine=(0.0, bad, 1e3)),
                 lambda: chip.ic("a", bad),
                 lambda: chip.options(reltol=bad),
                 lambda: chip.tran(1e-6, bad)):
        with pytest.raises(ParameterError):
            call()
    assert chip.elements() == ()


def test_title_cannot_inject():
    for bad in ("t\n.control", "t\r.include /etc/passwd", "", "x" * 201):
        with pytest.raises(NameValidationError):
            Chip(bad)


def test_options_whitelist():
    chip = divider()
    with pytest.raises(ParameterError, match="reltoll"):
        chip.options(reltoll=1e-4)                  # ngspice would silently ignore the typo
    with pytest.raises(ParameterError):
        chip.options(**{"reltol\n.control": 1e-3})
    with pytest.raises(ParameterError, match="method"):
        chip.options(method="gear\n.control")
    with pytest.raises(ParameterError, match="maxord"):
        chip.options(maxord=4)                      # trap is at most order 2
    with pytest.raises(ParameterError, match="itl4"):
        chip.options(itl4=2.5)
    assert chip.options(method="gear", maxord=4, noopiter=True, temp=85) == \
        {"method": "gear", "maxord": "4", "noopiter": True, "temp": "85.0"}


def test_physical_ranges_named():
    chip = Chip("ranges")
    with pytest.raises(ParameterError, match="'r.ohms'.*> 0 ohm"):
        chip.resistor("r", "a", "0", 0.0)
    with pytest.raises(ParameterError, match="'c.farads'"):
        chip.capacitor("c", "a", "0", -1e-9)
    with pytest.raises(ParameterError, match="times strictly increasing"):
        chip.vsource("v", "a", "0", pwl=[(0.0, 0.0), (1e-3, 1.0), (1e-3, 0.0)])
    with pytest.raises(ParameterError, match="v.sine.freq"):
        chip.vsource("v", "a", "0", sine={"offset": 0, "amplitude": 1, "freq": 0})
    with pytest.raises(ParameterError, match="rise"):
        chip.vsource("v", "a", "0", pulse={"v1": 0, "v2": 1, "fall": 1e-9, "width": 1e-6})
    with pytest.raises(ParameterError, match="at most one of"):
        chip.vsource("v", "a", "0", pwl=[(0, 0)], sine=(0, 1, 1e3))
    with pytest.raises(ParameterError, match="tran.tstep"):
        chip.tran(2e-3, 1e-3)
    with pytest.raises(ParameterError, match="dc.step"):
        chip.dc("v", 0.0, 1.0, -0.1)


def test_long_pwl_stays_on_one_line():
    """No '+' continuation: spicelib's SpiceEditor mangles one inside parentheses."""
    chip = Chip("pwl")
    pts = [(k * 1e-6, math.sin(k)) for k in range(20)]
    chip.vsource("v", "a", "0", pwl=pts)
    chip.resistor("r", "a", "0", 1e3)
    chip.op()
    deck = chip.deck()
    src = [ln for ln in deck.splitlines() if ln.startswith(("Vv", "+"))]
    assert len(src) == 1 and "\n+" not in deck
    assert src[0] == "Vv a 0 dc 0.0 pwl(" + " ".join(f"{fmt(t)} {fmt(v)}" for t, v in pts) + ")"


# ---------------------------------------------------------------------- ngspice runs
def test_divider_operating_point_in_ngspice():
    chip = divider()
    chip.op()
    res = chip.run()
    assert v(res, "v(mid)")[0] == pytest.approx(0.75, rel=1e-9)
    # SPICE: source current flows from p through the source to n, so it is negative here
    assert v(res, "i(vin)")[0] == pytest.approx(-1.0 / 4e3, rel=1e-9)


def test_dc_sweep_in_ngspice():
    chip = divider()
    chip.dc("in", 0.0, 2.0, 0.5)                   # the user name resolves to Vin
    assert ".dc Vin 0.0 2.0 0.5" in chip.deck()
    res = chip.run()
    np.testing.assert_allclose(v(res, "v(mid)"), 0.75 * np.arange(0.0, 2.01, 0.5), rtol=1e-9,
                               atol=1e-12)


def test_rc_pulse_transient_with_ic_in_ngspice():
    # 1 k x 1 nF = 1 us; a 0 -> 1 V step at 1 us charges the node from its .ic of 0.2 V
    chip = Chip("rc")
    chip.vsource("in", "a", "0", pulse={"v1": 0.2, "v2": 1.0, "delay": 1e-6, "rise": 1e-10,
                                        "fall": 1e-10, "width": 1.0})
    chip.resistor("r", "a", "out", 1e3)
    chip.capacitor("c", "out", "0", 1e-9)
    chip.ic("out", 0.2)
    chip.options(reltol=1e-6)
    chip.tran(1e-8, 6e-6, tmax=1e-8)
    res = chip.run()
    t, out = v(res, "time"), v(res, "v(out)")
    late = t > 1.2e-6
    expect = 1.0 - 0.8 * np.exp(-(t[late] - 1e-6 - 0.5e-10) / 1e-6)
    np.testing.assert_allclose(out[late], expect, atol=2e-3)
    assert out[t < 0.9e-6] == pytest.approx(0.2, abs=1e-6)


def test_sine_with_delay_and_phase_in_ngspice():
    chip = Chip("sine")
    chip.vsource("s", "a", "0", sine={"offset": 0.1, "amplitude": 1.0, "freq": 1e3,
                                      "delay": 1e-4, "phase": 90.0})
    chip.resistor("load", "a", "0", 1e3)
    chip.tran(1e-6, 2e-3, tmax=1e-6)
    res = chip.run()
    t = v(res, "time")
    # before the delay ngspice holds offset + amplitude * sin(phase)
    expect = 0.1 + np.sin(2 * np.pi * 1e3 * np.maximum(t - 1e-4, 0.0) + np.pi / 2)
    np.testing.assert_allclose(v(res, "v(a)"), expect, atol=1e-9)


def test_ac_sweep_of_rc_lowpass_in_ngspice():
    chip = Chip("rc ac")
    chip.vsource("in", "a", "0", ac=1.0)
    chip.resistor("r", "a", "out", 1e3)
    chip.capacitor("c", "out", "0", 1e-6)
    chip.ac("dec", 10, 1.0, 1e5)
    res = chip.run()
    f = np.asarray(res["frequency"]).real
    np.testing.assert_allclose(np.asarray(res["v(out)"]), 1.0 / (1.0 + 2j * np.pi * f * 1e-3),
                               rtol=1e-9)


def test_save_restricts_the_output_in_ngspice():
    chip = divider()
    chip.save("mid", "i(Vin)")
    chip.op()
    assert ".save v(mid) i(vin)" in chip.deck()
    res = chip.run()
    assert v(res, "v(mid)")[0] == pytest.approx(0.75)
    assert "v(a)" not in res


# ---------------------------------------------------------------------- crossbar
def nodal_crossbar(g, vrow, r_line, r_sense):
    """Column currents of a resistive crossbar by modified nodal analysis in numpy.

    Independent of the builder: it stamps the same physical network (row driver -> row
    wire segments -> cell conductances -> column wire segments -> sense resistor).
    """
    n, m = g.shape
    rn = lambda i, j: i * m + j                # noqa: E731 row-wire node at cell (i, j)
    cn = lambda i, j: n * m + i * m + j        # noqa: E731 column-wire node at cell (i, j)
    co = lambda j: 2 * n * m + j               # noqa: E731 bottom of column j
    size = 2 * n * m + m
    a, b = np.zeros((size, size)), np.zeros(size)

    def stamp(p, q, cond, vq=None):
        a[p, p] += cond
        if q is None:                          # q is a node held at vq (driver or ground)
            b[p] += cond * (vq or 0.0)
        else:
            a[q, q] += cond
            a[p, q] -= cond
            a[q, p] -= cond

    gl = 1.0 / r_line
    for i in range(n):
        stamp(rn(i, 0), None, gl, vrow[i])
        for j in range(1, m):
            stamp(rn(i, j - 1), rn(i, j), gl)
        for j in range(m):
            stamp(rn(i, j), cn(i, j), g[i, j])
    for j in range(m):
        for i in range(n - 1):
            stamp(cn(i, j), cn(i + 1, j), gl)
        stamp(cn(n - 1, j), co(j), gl)
        stamp(co(j), None, 1.0 / r_sense)
    x = np.linalg.solve(a, b)
    return np.array([x[co(j)] / r_sense for j in range(m)])


def conductance_matrix(rows, cols, seed=1):
    rng = np.random.default_rng(seed)
    return rng.uniform(1e-6, 1e-4, size=(rows, cols))       # 10 kohm .. 1 Mohm cells


def test_crossbar_names_explain_themselves():
    xb = build_crossbar(LinR(), 2, 3, r_line=1.0, row_sources=[0.1, 0.2])
    assert isinstance(xb, Crossbar)
    assert xb.row_sources == ("Vrow0", "Vrow1")
    assert xb.column_nets == ("col0", "col1", "col2")
    assert xb.sense_elements == ("Rsense0", "Rsense1", "Rsense2")
    assert xb.cells[1][2] == "Xr1c2"
    cell = xb.chip.element("Xr1c2")
    assert cell.nets == ("row1_c2", "col2_r1")
    assert xb.chip.element("Rrow1_s0").nets == ("row1", "row1_c0")
    assert xb.chip.element("Rcol2_s1").nets == ("col2_r1", "col2")


def test_crossbar_arguments_checked():
    with pytest.raises(ParameterError, match="readout"):
        build_crossbar(LinR(), 2, 2, readout="adc")
    with pytest.raises(ParameterError, match="r_line"):
        build_crossbar(LinR(), 2, 2, r_line=-1.0)
    with pytest.raises(ParameterError, match="rows"):
        build_crossbar(LinR(), 0, 2)
    with pytest.raises(ParameterError, match="row_sources"):
        build_crossbar(LinR(), 2, 2, row_sources=[0.1])
    with pytest.raises(ParameterError, match="device_params"):
        build_crossbar(LinR(), 2, 2, device_params={"r": np.ones((3, 2))})
    with pytest.raises(NetlistError, match="two-pin"):
        build_crossbar(Evil(pins=("a", "b", "c")), 2, 2)


def test_ideal_vmm():
    g = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_allclose(ideal_vmm(g, [1.0, 0.0, -1.0]), [-4.0, -4.0])
    assert ideal_vmm(g, np.ones((3, 5))).shape == (2, 5)
    with pytest.raises(ParameterError):
        ideal_vmm(g, [1.0, 2.0])


@pytest.mark.parametrize("readout", ["ammeter", "tia"])
def test_crossbar_without_wire_resistance_computes_g_dot_v_in_ngspice(readout):
    rows, cols = 5, 4
    g = conductance_matrix(rows, cols)
    vin = np.linspace(0.05, 0.4, rows)
    # a TIA holds the column at -v_out/A, not exactly 0 V: with A = 1e9 that offset costs
    # < 1e-8 of the cell voltage, so the 1e-6 comparison tests the wiring, not the gain
    xb = build_crossbar(LinR(), rows, cols, r_line=0.0, readout=readout, tia_gain=1e9,
                        row_sources=list(vin), device_params={"r": 1.0 / g})
    xb.chip.op()
    res = xb.chip.run()
    i_col = xb.column_currents(res)[:, 0]
    np.testing.assert_allclose(i_col, ideal_vmm(g, vin), rtol=1e-6)


def test_tia_readout_gives_minus_i_times_rf_in_ngspice():
    rows, cols, r_f, gain = 3, 3, 2e4, 1e6
    g = conductance_matrix(rows, cols, seed=7)
    vin = np.array([0.3, -0.1, 0.2])
    xb = build_crossbar(LinR(), rows, cols, readout="tia", r_f=r_f, tia_gain=gain,
                        row_sources=vin, device_params={"r": 1.0 / g})
    xb.chip.op()
    res = xb.chip.run()
    out = xb.output_voltages(res)[:, 0]
    i_ideal = ideal_vmm(g, vin)
    # finite gain A: the column sits at vc = -v_out/A, cells see V_i - vc, and
    # (vc - v_out)/r_f = sum_i G_ij (V_i - vc)  =>  vc = (G.V)_j / ((1 + A)/r_f + sum_i G_ij)
    vc = i_ideal / ((1 + gain) / r_f + g.sum(axis=0))
    np.testing.assert_allclose(out, -gain * vc, rtol=1e-9)
    # ... which is the ideal -I r_f to about 1e-5 at A = 1e6
    np.testing.assert_allclose(out, -i_ideal * r_f, rtol=2e-5)
    # the column is held at virtual ground
    assert np.max(np.abs([v(res, f"v(col{j})")[0] for j in range(cols)])) < 1e-5 * np.max(np.abs(out))


def test_crossbar_ir_drop_matches_nodal_analysis_in_ngspice():
    rows, cols, r_line, r_sense = 6, 8, 10.0, 20.0
    g = conductance_matrix(rows, cols, seed=3)
    vin = np.linspace(0.1, 0.3, rows)
    xb = build_crossbar(LinR(), rows, cols, r_line=r_line, readout="resistor", r_sense=r_sense,
                        row_sources=vin, device_params={"r": 1.0 / g})
    xb.chip.op()
    res = xb.chip.run()
    i_col = xb.column_currents(res)[:, 0]
    np.testing.assert_allclose(i_col, nodal_crossbar(g, vin, r_line, r_sense), rtol=1e-6)


def test_far_columns_read_less_with_wire_resistance_in_ngspice():
    # uniform array: without wires every column would read the same current
    rows, cols, r_line, r_sense = 8, 8, 10.0, 10.0
    g = np.full((rows, cols), 1e-4)                     # 10 kohm cells
    vin = np.full(rows, 0.3)
    xb = build_crossbar(LinR(), rows, cols, r_line=r_line, r_sense=r_sense,
                        row_sources=vin, device_params={"r": 1.0 / g})
    xb.chip.op()
    i_col = xb.column_currents(xb.chip.run())[:, 0]
    ideal = ideal_vmm(g, vin)
    deficit = 1.0 - i_col / ideal
    assert np.all(np.diff(i_col) < 0), "each column farther from the drivers reads less"
    # rough magnitude: the row wire carries up to 8 x 30 uA over 8 x 10 ohm -> a few percent
    assert 0.005 < deficit[0] < deficit[-1] < 0.2
    # the row wire alone: the far cell sits behind sum_k (8-k) x 30 uA x 10 ohm = 10.8 mV,
    # the near one behind 2.4 mV -> about (10.8 - 2.4) mV / 0.3 V = 2.8 % more deficit
    assert 0.015 < deficit[-1] - deficit[0] < 0.04
    np.testing.assert_allclose(i_col, nodal_crossbar(g, vin, r_line, r_sense), rtol=1e-6)


def test_crossbar_transient_row_stimuli_in_ngspice():
    # a PWL ramp on row 0 and a DC row 1: column currents follow G.V(t)
    g = conductance_matrix(2, 2, seed=5)
    xb = build_crossbar(LinR(), 2, 2, readout="ammeter",
                        row_sources=[{"pwl": [(0.0, 0.0), (1e-3, 0.5)]}, 0.2],
                        device_params={"r": 1.0 / g})
    xb.chip.tran(1e-5, 1e-3)
    res = xb.chip.run()
    t = v(res, "time")
    vin = np.vstack([0.5 * t / 1e-3, np.full_like(t, 0.2)])
    np.testing.assert_allclose(xb.column_currents(res), ideal_vmm(g, vin), rtol=1e-6, atol=1e-15)
