"""Verilog-A cards: printed from the same subcircuit definition as the SPICE cards, compiled by
OpenVAF without a warning, documented from the parameter tables, and refusing what they
cannot carry.

Their simulated behaviour (VACASK against the C kernel and against ngspice) is checked in
tests/test_vacask_agreement.py.
"""
import re
from pathlib import Path

import pytest

import lithispice as ls
from lithispice import modelcards as mc
from lithispice.devices import DEVICE_FAMILIES
from lithispice.spice.expr import DialectError, parse_expression
from lithispice.spice.ir import parse_subckt
from lithispice.spice.veriloga import _Emitter, compile_va, device_veriloga, to_veriloga

ROOT = Path(__file__).resolve().parents[1]
VA_DIR = ROOT / "models" / "veriloga"
CARDS = sorted(VA_DIR.glob("*.va"))


def test_one_card_per_preset_in_sync():
    names = {p.stem for p in CARDS}
    want = {mc.card_name(f.preset(p)).lower() for f in DEVICE_FAMILIES for p in f.presets()}
    assert names == want
    for rel, text in mc.veriloga_files().items():
        assert (ROOT / "models" / rel).read_text() == text, "run: lithispice export --out models"


@pytest.mark.parametrize("card", CARDS, ids=lambda p: p.stem)
def test_card_compiles_without_warnings(card):
    # compile_va raises CompileError on any openvaf-r warning or error
    osdi = compile_va(card.read_text())
    assert osdi.stat().st_size > 1000


@pytest.mark.parametrize("family", DEVICE_FAMILIES, ids=lambda f: f.__name__)
def test_card_parameters_match_the_spice_card_and_are_documented(family):
    for preset in family.presets():
        dev = family.preset(preset)
        sub = parse_subckt(dev.subckt(), dev.subckt_name)
        text = (VA_DIR / f"{mc.card_name(dev).lower()}.va").read_text()
        declared = re.findall(r"parameter real (\w+) = ([^ ;]+)", text)
        assert [n for n, _ in declared] == list(sub.params)
        for name, default in declared:
            row = family.PARAMS.by_spice(name)
            line = next(ln for ln in text.splitlines() if f"parameter real {name} " in ln)
            assert "desc=" in line and 'type="instance"' in line
            if row.temperature:
                assert float(default) == 0.0 and "$temperature" in text
            else:
                assert float(default) == pytest.approx(
                    mc.evaluate(parse_expression(mc.parse_subckt_header(
                        dev.subckt(), dev.subckt_name).params[name].strip("{}")), {},
                        context="param"))
            if row.unit not in ("", "1") and not row.temperature:
                assert f'units="{row.unit}"' in line


def test_initial_states_are_switch_branches_held_in_the_operating_point():
    text = (VA_DIR / "lsm_licoo2.va").read_text()
    assert 'if (analysis("static")) begin' in text
    assert "V(ic_w) <+ w0;" in text and "I(ic_w) <+ 0.0;" in text


def test_random_sources_have_no_verilog_a_form():
    noisy = ls.Memristor.preset("LiCoO2").replace(sigma_vth_c2c=0.1, tau_c2c=1e-5)
    with pytest.raises(DialectError, match="trrandom"):
        device_veriloga(noisy)


@pytest.mark.parametrize("spice,va", [
    ("log(x)", "ln(x)"),
    ("log10(x)", "log(x)"),
    ("pow(x,2)", "pow(abs(x), 2.0)"),          # a B-source pow is abs(x)**2 in ngspice
    ("x**3", "pow(abs(x), 3.0)"),
    ("u(x)", "((x > 0) ? 1.0 : 0.0)"),
    ("uramp(x)", "max(x, 0.0)"),
    ("temper", "($temperature - 273.15)"),      # ngspice temper is in degC
    ("time", "$abstime"),
])
def test_expression_translations(spice, va):
    em = _Emitter({"x": "x"}, {}, "test")
    assert em.emit(parse_expression(spice), "bsource") == va


def test_pwl_extrapolates_linearly_like_ngspice():
    em = _Emitter({"x": "x"}, {}, "test")
    out = em.emit(parse_expression("pwl(x,0,0,1,2,2,3)"), "bsource")
    assert em.pre == ["t0_ = x;"]          # the argument is evaluated once
    # first segment (slope 2) below x = 1, extended to -inf; last (slope 1) extended to +inf
    assert out == "((t0_ <= 1.0) ? (0.0 + 2.0 * (t0_ - 0.0)) : (2.0 + 1.0 * (t0_ - 1.0)))"


@pytest.mark.parametrize("bad", ["gauss(0,1,1)", "unif(0,1)", "undefined_param*2"])
def test_untranslatable_expressions_are_refused(bad):
    with pytest.raises(DialectError):
        _Emitter({"x": "x"}, {}, "test").emit(parse_expression(bad), "bsource")


def test_names_that_are_verilog_a_keywords_are_refused():
    text = ".subckt bad p n params: begin=1\nR1 p n {begin}\n.ends bad\n"
    with pytest.raises(DialectError, match="begin"):
        to_veriloga(parse_subckt(text))


def _all_subckt_devices():
    import sys
    from lithispice import blocks
    from lithispice.devices.microbattery_spice import BatteryCycler
    devs = [f.preset(p) for f in DEVICE_FAMILIES for p in f.presets()]
    devs += [ls.Synapse.preset("LISTA-LiCoO2").replace(n_volumes=8),
             ls.Memristor.preset("LiCoO2").replace(window_p=2.0, v_nonlinear=1.5, law="series"),
             ls.Memristor.preset("LiCoO2").replace(sigma_vth_c2c=0.1, tau_c2c=1e-5)]
    devs += [getattr(blocks, n)() for n in ("ADC", "Buffer", "Heater", "InstrumentationAmp",
                                             "LDO", "OpAmp", "SampleHold", "Switch")]
    devs.append(BatteryCycler(i_dis=1e-4, i_chg=1e-4, v_lo=3.0, v_hi=4.2, i_taper=1e-5))
    sys.path.insert(0, str(ROOT / "netlists"))
    import synapse_array
    devs.append(synapse_array.AccessSwitch())
    return devs


def _ir_key(sub):
    from lithispice.spice.expr import canonical
    els = [(e.kind, e.name.lower(), e.nodes, canonical(e.value), tuple(c.lower() for c in e.ctrl),
            e.context, e.extra) for e in sub.devices()]
    return (sub.pins, {k: canonical(v) for k, v in sub.params.items()}, {k: canonical(v) for k, v in sub.derived.items()},
            els, {k: canonical(v) for k, v in sub.ics.items()})


@pytest.mark.parametrize("dev", _all_subckt_devices(), ids=lambda d: d.subckt_name)
def test_every_subckt_round_trips_through_the_ir(dev):
    """The device's element list (written in ngspice notation) read into the IR and printed
    back as ngspice gives the same IR: the printers lose nothing."""
    from lithispice.spice.printers import print_subckt
    sub = parse_subckt(dev.subckt(), dev.subckt_name)
    again = parse_subckt("\n".join(print_subckt(sub, "ngspice")), dev.subckt_name)
    assert _ir_key(again) == _ir_key(sub)
    for dialect in ("xyce", "ltspice"):
        if any(e.extra for e in sub.devices()):
            with pytest.raises(DialectError, match="trrandom"):
                print_subckt(sub, dialect)
        else:
            assert print_subckt(sub, dialect)[-1].startswith(".ends")
