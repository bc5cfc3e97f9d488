"""Behavioral circuit blocks in real ngspice: op-amp (gain, GBW, rails, supply current,
offset, bias, slew), buffer, instrumentation amplifier, ADC (quantizer, bits, register),
sample-and-hold, heater (thermal RC), LDO and switch."""
import math

import numpy as np
import pytest

import lithispice as ls
from lithispice.blocks import ADC, LDO, Heater, InstrumentationAmp, OpAmp, SampleHold, Switch
from lithispice.devices.base import SpiceDevice


def _supplied(title, vdd=5.0, vss=0.0):
    chip = ls.Chip(title)
    # the tests compare to 1e-4 and below: ngspice's default reltol (1e-3) would decide them
    chip.options(reltol=1e-7, vntol=1e-10, abstol=1e-15)
    chip.vsource("dd", "vdd", "0", dc=vdd)
    if vss != 0.0:
        chip.vsource("ss", "vss", "0", dc=vss)
    return chip, ("vss" if vss != 0.0 else "0")


def _f3db(f, mag, ref):
    """Frequency where |H| crosses ref/sqrt(2) (log interpolation)."""
    target = ref / math.sqrt(2.0)
    assert np.any(mag < target) and mag[0] > target
    k = np.argmax(mag < target)
    lf = np.interp(target, [mag[k], mag[k - 1]], [np.log(f[k]), np.log(f[k - 1])])
    return float(np.exp(lf))


# ------------------------------------------------------------------------------ op-amp
def test_blocks_are_spice_devices():
    for blk in (OpAmp(), OpAmp().follower(), InstrumentationAmp(), ADC(), ADC(output="bits"),
                SampleHold(), Heater(), LDO(), Switch()):
        assert isinstance(blk, SpiceDevice)
        assert blk.subckt().splitlines()[1].startswith(f".subckt {blk.subckt_name} ")
        assert "limit(" not in blk.subckt()
    assert OpAmp().subckt_name != OpAmp(gain=2e5).subckt_name


def test_opamp_open_loop_gain_and_pole_from_an_ac_run():
    a = OpAmp(gain=2e5, gbw=2e6)
    chip, vss = _supplied("opamp open loop")
    chip.vsource("inp", "inp", "0", dc=2.5, ac=1.0)
    chip.vsource("inn", "inn", "0", dc=2.5)
    chip.add("u1", a, inp="inp", inn="inn", out="out", vdd="vdd", vss=vss)
    chip.resistor("load", "out", "0", 1e7)
    chip.ac("dec", 40, 0.1, 1e7)
    res = chip.run(timeout=60)
    f, mag = res.frequency, np.abs(res["v(out)"])
    assert mag[0] == pytest.approx(a.gain, rel=1e-3)
    assert _f3db(f, mag, mag[0]) == pytest.approx(a.gbw / a.gain, rel=1e-2)
    # single pole: the gain-bandwidth product holds a decade above the pole
    k = np.argmin(np.abs(f - 1e3))
    assert mag[k] * f[k] == pytest.approx(a.gbw, rel=1e-2)


def test_buffer_bandwidth_is_the_gbw():
    a = OpAmp(gain=1e5, gbw=1e6)
    chip, vss = _supplied("buffer bandwidth")
    chip.vsource("inp", "inp", "0", dc=2.0, ac=1.0)
    chip.add("u1", a.follower(), inp="inp", out="out", vdd="vdd", vss=vss)
    chip.resistor("load", "out", "0", 1e6)
    chip.ac("dec", 40, 10.0, 1e8)
    res = chip.run(timeout=60)
    f, mag = res.frequency, np.abs(res["v(out)"])
    assert mag[0] == pytest.approx(a.gain / (1 + a.gain), rel=1e-4)
    assert _f3db(f, mag, mag[0]) == pytest.approx(a.gbw * (1 + 1 / a.gain), rel=1e-2)


def test_noninverting_gain_and_rails_clip_from_the_supply_pins():
    a = OpAmp(gain=1e5, headroom=0.05)
    for vdd in (3.0, 5.0):
        chip, vss = _supplied(f"clip {vdd}", vdd=vdd)
        chip.vsource("in", "inp", "0", dc=0.0)
        chip.add("u1", a, inp="inp", inn="fb", out="out", vdd="vdd", vss=vss)
        chip.resistor("f", "out", "fb", 9e3)
        chip.resistor("g", "fb", "0", 1e3)
        chip.dc("Vin", -0.2, 0.8, 0.01)
        res = chip.run(timeout=60)
        vin, vout = res["v(inp)"], res["v(out)"]
        lin = (vin > 0.02) & (10 * vin < vdd - 0.3)
        # the open-loop output sits at mid-supply for vd = 0: v_o = vdd/2 + A vd, seen through
        # rout into the 10 kohm feedback divider (beta = 1/10)
        k = 1e4 / (1e4 + a.rout)
        expect = k * (vdd / 2 + a.gain * vin) / (1 + a.gain * k / 10)
        np.testing.assert_allclose(vout[lin], expect[lin], rtol=1e-6)
        np.testing.assert_allclose(vout[lin], 10 * vin[lin], rtol=2e-3)
        # clipped a headroom away from each rail (the 10 kohm feedback loads the 100 ohm rout)
        assert vout.max() == pytest.approx((vdd - 0.05) * 1e4 / (1e4 + a.rout), abs=5e-3)
        assert vout.min() == pytest.approx(0.05 * 1e4 / (1e4 + a.rout), abs=5e-3)
        assert np.all(np.diff(vout) >= -1e-9)               # smooth and monotone


def test_opamp_supply_current_is_quiescent_plus_sourced_load():
    a = OpAmp(iq=37e-6)
    for vin, r_load in ((1.5, 1e3), (1.5, 1e5)):
        chip, vss = _supplied("supply current", vdd=3.0)
        chip.vsource("in", "inp", "0", dc=vin)
        chip.add("u1", a.follower(), inp="inp", out="out", vdd="vdd", vss=vss)
        chip.resistor("load", "out", "0", r_load)
        chip.op()
        res = chip.run(timeout=60)
        i_dd = -res["i(vdd)"][0]                   # current out of the supply's + terminal
        assert i_dd == pytest.approx(a.iq + res["v(out)"][0] / r_load, rel=1e-4)
    # a sinking output does not draw its load current from vdd
    chip, _ = _supplied("sinking", vdd=3.0)
    chip.vsource("in", "inp", "0", dc=0.5)
    chip.vsource("top", "top", "0", dc=3.0)
    chip.add("u1", a.follower(), inp="inp", out="out", vdd="vdd", vss="0")
    chip.resistor("load", "top", "out", 1e3)
    chip.op()
    res = chip.run(timeout=60)
    assert -res["i(vdd)"][0] == pytest.approx(a.iq, rel=1e-4)
    # no supply, no quiescent current
    chip, _ = _supplied("off", vdd=0.0)
    chip.vsource("in", "inp", "0", dc=0.0)
    chip.add("u1", a.follower(), inp="inp", out="out", vdd="vdd", vss="0")
    chip.resistor("load", "out", "0", 1e5)
    chip.op()
    assert abs(chip.run(timeout=60)["i(vdd)"][0]) < 1e-9


def test_offset_and_bias_current():
    a = OpAmp(vos=3e-3, ibias=2e-9, rin=1e15, rcm=1e15)
    chip, _ = _supplied("offset bias")
    chip.vsource("in", "src", "0", dc=1.0)
    chip.resistor("s", "src", "inp", 1e6)                  # 1 Mohm source resistance
    chip.add("u1", a.follower(), inp="inp", out="out", vdd="vdd", vss="0")
    chip.resistor("load", "out", "0", 1e5)
    chip.op()
    res = chip.run(timeout=60)
    # out = (vdd/2 + A (v_src - i_b R_s + vos)) / (1 + A): the follower's finite-gain error
    # is taken from mid-supply, where the open-loop output rests
    expect = (2.5 + a.gain * (1.0 - 2e-9 * 1e6 + 3e-3)) / (1 + a.gain)
    assert res["v(out)"][0] == pytest.approx(expect, abs=2e-6)


def test_slew_rate_limits_a_large_step():
    a = OpAmp(gbw=1e6, slew_rate=0.5e6)
    chip, _ = _supplied("slew")
    chip.vsource("in", "inp", "0", pwl=[(0.0, 1.0), (1e-6, 1.0), (1.001e-6, 4.0), (20e-6, 4.0)])
    chip.add("u1", a.follower(), inp="inp", out="out", vdd="vdd", vss="0")
    chip.resistor("load", "out", "0", 1e5)
    chip.tran(5e-9, 20e-6, tmax=5e-9)
    res = chip.run(timeout=60)
    t, v = res.time, res["v(out)"]
    t_a = np.interp(1.5, v[t > 1e-6], t[t > 1e-6])      # 1.5 V -> 3.5 V on the rising edge
    t_b = np.interp(3.5, v[t > 1e-6], t[t > 1e-6])
    assert 2.0 / (t_b - t_a) == pytest.approx(a.slew_rate, rel=0.01)
    assert res["v(out)"][-1] == pytest.approx(4.0, abs=1e-3)


def test_opamp_recovers_from_saturation_quickly():
    # the anti-windup keeps the internal node near the rails: a comparator-like overdrive
    # releases in about (0.5 V + swing) / slew rate, not after the huge A*vd would unwind
    a = OpAmp(gbw=1e6, slew_rate=1e6)
    chip, _ = _supplied("recovery")
    chip.vsource("in", "inp", "0", pwl=[(0.0, 3.0), (50e-6, 3.0), (50.01e-6, 2.0), (80e-6, 2.0)])
    chip.vsource("ref", "inn", "0", dc=2.5)
    chip.add("u1", a, inp="inp", inn="inn", out="out", vdd="vdd", vss="0")
    chip.resistor("load", "out", "0", 1e5)
    chip.tran(10e-9, 80e-6, tmax=20e-9)
    res = chip.run(timeout=60)
    t, v = res.time, res["v(out)"]
    assert v[np.searchsorted(t, 49e-6)] > 4.9
    low = (t > 50e-6) & (v < 0.5)
    assert low.any()
    assert t[low][0] - 50e-6 < 7e-6                       # ~5.5 V at 1 V/us


def test_opamp_validation_names_the_parameter():
    for field, value in [("gain", 0.5), ("gbw", 0.0), ("iq", -1e-6), ("rout", float("nan"))]:
        with pytest.raises(ls.ParameterError) as e:
            OpAmp(**{field: value})
        assert e.value.name == field


# ------------------------------------------------------------------------------ INA
def test_instrumentation_amp_gain_reference_and_bandwidth():
    ina = InstrumentationAmp(gain=20.0, gbw=1e6)
    chip, _ = _supplied("ina")
    chip.vsource("cm", "cm", "0", dc=1.2)
    chip.vsource("d", "inp", "cm", dc=0.0, ac=1.0)
    chip.vsource("ref", "ref", "0", dc=2.0)
    chip.add("u1", ina, inp="inp", inn="cm", ref="ref", out="out", vdd="vdd", vss="0")
    chip.resistor("load", "out", "0", 1e6)
    chip.ac("dec", 40, 1.0, 1e7)
    res = chip.run(timeout=60)
    f, mag = res.frequency, np.abs(res["v(out)"])
    assert mag[0] == pytest.approx(ina.closed_loop_gain, rel=1e-4)
    assert _f3db(f, mag, mag[0]) == pytest.approx(ina.bandwidth, rel=1e-2)
    # DC: v(out) = v(ref) + G vd, common mode rejected
    chip2, _ = _supplied("ina dc")
    chip2.vsource("cm", "cm", "0", dc=1.2)
    chip2.vsource("d", "inp", "cm", dc=0.0)
    chip2.vsource("ref", "ref", "0", dc=2.0)
    chip2.add("u1", ina, inp="inp", inn="cm", ref="ref", out="out", vdd="vdd", vss="0")
    chip2.resistor("load", "out", "0", 1e6)
    chip2.dc("Vd", -0.05, 0.05, 0.01)
    res = chip2.run(timeout=60)
    k = 1e6 / (1e6 + ina.rout)                            # rout into the 1 Mohm load
    np.testing.assert_allclose(res["v(out)"], k * (2.0 + ina.closed_loop_gain * res["v(inp,cm)"]),
                               atol=1e-7)


# ------------------------------------------------------------------------------ ADC, S&H
def _adc_chip(adc, vref=2.0):
    chip, _ = _supplied("adc", vdd=3.0)
    chip.vsource("rf", "vref", "0", dc=vref)
    chip.vsource("ck", "clk", "0", dc=3.0)                 # free-running: always tracking
    chip.vsource("in", "vin", "0", dc=0.0)
    return chip


def test_adc_code_is_floor_v_over_lsb_clipped():
    adc = ADC(bits=6, iq=15e-6)
    chip = _adc_chip(adc)
    chip.add("a1", adc, vin="vin", clk="clk", vref="vref", code="code", vdd="vdd", vss="0")
    chip.resistor("rd", "code", "0", 1e9)
    chip.dc("Vin", -0.2500317, 2.25, 0.0071)       # off the code boundaries
    res = chip.run(timeout=60)
    v, code = res["v(vin)"], res["v(code)"]
    lsb = 2.0 / 64
    expect = np.clip(np.floor(v / lsb), 0, 63)
    np.testing.assert_array_equal(code, expect)
    assert code.min() == 0 and code.max() == 63
    assert set(np.unique(code)) == set(range(64))          # no missing codes
    assert -res["i(vdd)"][0] == pytest.approx(15e-6, rel=1e-6)


def test_adc_bits_output():
    adc = ADC(bits=5, output="bits", v_logic=1.8)
    chip = _adc_chip(adc)
    pins = {f"b{k}": f"b{k}" for k in range(5)}
    chip.add("a1", adc, nets=dict(vin="vin", clk="clk", vref="vref", vdd="vdd", vss="0", **pins))
    for k in range(5):
        chip.resistor(f"rd{k}", f"b{k}", "0", 1e9)
    chip.dc("Vin", -0.1000317, 2.1, 0.0113)
    res = chip.run(timeout=60)
    bits = np.stack([res[f"v(b{k})"] for k in range(5)])
    assert set(np.unique(bits)) <= {0.0, 1.8}
    code = (bits / 1.8 * (2 ** np.arange(5))[:, None]).sum(axis=0)
    np.testing.assert_array_equal(code, adc.ideal_code(res["v(vin)"], 2.0))


def test_sample_and_hold_holds():
    sh = SampleHold(c_hold=10e-12, r_leak=1e15)
    chip = ls.Chip("sample and hold")
    chip.vsource("in", "vin", "0", sine=(1.0, 0.5, 200.0))
    t_hold = 3.3e-3
    chip.vsource("ck", "clk", "0", pwl=[(0.0, 2.0), (t_hold, 2.0), (t_hold + 1e-6, 0.0), (1.0, 0.0)])
    chip.add("s1", sh, vin="vin", clk="clk", out="out", vss="0")
    chip.resistor("rd", "out", "0", 1e6)
    chip.options(method="gear")
    chip.tran(1e-6, 20e-3, tmax=2e-6)
    res = chip.run(timeout=60)
    t, out, vin = res.time, res["v(out)"], res["v(vin)"]
    track = t < t_hold - 1e-5
    np.testing.assert_allclose(out[track], vin[track], atol=2e-4)       # r_on c_hold = 10 ns
    held = out[np.searchsorted(t, t_hold + 2e-5)]
    assert held == pytest.approx(np.interp(t_hold, t, vin), abs=2e-3)
    after = t > t_hold + 2e-5
    assert np.ptp(vin[after]) > 0.9                        # the input keeps moving ...
    # ... the output only drifts through the hold leak (to vss) and the open switch (to vin)
    dt = t[-1] - t_hold - 2e-5
    bound = (abs(held) / sh.r_leak + 1.5 / sh.r_off) / sh.c_hold * dt
    assert abs(out[-1] - held) <= 1.01 * bound
    assert bound < 1e-5


def test_adc_register_keeps_the_code_while_the_input_moves():
    adc = ADC(bits=8)
    chip, _ = _supplied("adc hold", vdd=3.0)
    chip.vsource("rf", "vref", "0", dc=2.0)
    chip.vsource("in", "vin", "0", pwl=[(0.0, 0.51), (1e-3, 0.51), (2e-3, 1.7), (5e-3, 0.2)])
    chip.vsource("ck", "clk", "0", pwl=[(0.0, 2.0), (0.8e-3, 2.0), (0.801e-3, 0.0), (5e-3, 0.0)])
    chip.add("a1", adc, vin="vin", clk="clk", vref="vref", code="code", vdd="vdd", vss="0")
    chip.resistor("rd", "code", "0", 1e9)
    chip.options(method="gear")
    chip.tran(1e-6, 5e-3)
    res = chip.run(timeout=60)
    after = res.time > 0.9e-3
    assert np.all(res["v(code)"][after] == adc.ideal_code(0.51, 2.0))
    assert adc.ideal_code(0.51, 2.0) == 65


def test_adc_validation_names_the_parameter():
    for field, value in [("bits", 0), ("bits", 2.5), ("output", "hex"), ("c_hold", 0.0)]:
        with pytest.raises(ls.ParameterError) as e:
            ADC(**{field: value})
        assert e.value.name == field


# ------------------------------------------------------------------------------ heater
def test_heater_thermal_rc_and_steady_temperature():
    h = Heater(r_heater=400.0, r_th=40e3, c_th=5e-7)
    chip = ls.Chip("heater")
    chip.vsource("drv", "p", "0", pwl=[(0.0, 0.0), (1e-3, 0.0), (1.001e-3, 2.0), (0.2, 2.0)])
    chip.add("h1", h, params={"tamb": 290.0}, p="p", n="0", tk="tk", tgnd="0")
    chip.resistor("rd", "tk", "0", 1e9)
    chip.options(method="gear", reltol=1e-5)
    chip.tran(1e-4, 0.2, tmax=1e-4)
    res = chip.run(timeout=60)
    t, T = res.time, res["v(tk)"]
    dT = 40e3 * 2.0 ** 2 / 400.0                          # r_th P = 400 K
    assert T[0] == pytest.approx(290.0)
    assert T[-1] == pytest.approx(290.0 + dT, rel=1e-4)
    tau = h.time_constant                                  # 20 ms
    k = np.searchsorted(t, 1.001e-3 + tau)
    assert (T[k] - 290.0) / dT == pytest.approx(1 - math.exp(-1), abs=5e-3)
    assert -res["i(vdrv)"][-1] == pytest.approx(2.0 / 400.0, rel=1e-6)
    assert h.steady_temperature(2.0, 290.0) == pytest.approx(290.0 + dT)


def test_heater_with_tcr_matches_its_steady_state_and_design_helper():
    h = Heater(r_heater=300.0, tcr=3.9e-3)
    chip = ls.Chip("pt heater")
    chip.vsource("drv", "p", "0", dc=3.0)
    chip.add("h1", h, p="p", n="0", tk="tk", tgnd="0")
    chip.resistor("rd", "tk", "0", 1e9)
    chip.op()
    T = chip.run(timeout=60)["v(tk)"][0]
    assert T == pytest.approx(h.steady_temperature(3.0), rel=1e-6)
    r0 = h.resistance_for(773.15, 3.3)
    assert h.replace(r_heater=r0).steady_temperature(3.3) == pytest.approx(773.15, rel=1e-9)


# ------------------------------------------------------------------------------ power
def test_ldo_regulates_drops_out_and_passes_its_input_current():
    ldo = LDO(v_out=3.3, dropout=0.15, iq=5e-6)
    chip = ls.Chip("ldo")
    chip.vsource("b", "vin", "0", dc=4.0)
    chip.vsource("e", "en", "0", dc=2.0)
    chip.add("u1", ldo, vin="vin", out="out", en="en", gnd="0")
    chip.resistor("load", "out", "0", 330.0)
    chip.dc("Vb", 2.5, 4.5, 0.05)
    res = chip.run(timeout=60)
    vin, vout = res["v(vin)"], res["v(out)"]
    reg = vin > 3.6
    np.testing.assert_allclose(vout[reg], 3.3 * 330.0 / 330.5, rtol=1e-3)
    drop = vin < 3.3
    np.testing.assert_allclose(vout[drop], (vin[drop] - 0.15) * 330.0 / 330.5, atol=2e-3)
    np.testing.assert_allclose(-res["i(vb)"], vout / 330.0 + 5e-6, rtol=1e-4)
    # disabled: no output
    chip2 = ls.Chip("ldo off")
    chip2.vsource("b", "vin", "0", dc=4.0)
    chip2.vsource("e", "en", "0", dc=0.0)
    chip2.add("u1", ldo, vin="vin", out="out", en="en", gnd="0")
    chip2.resistor("load", "out", "0", 330.0)
    chip2.op()
    res = chip2.run(timeout=60)
    assert abs(res["v(out)"][0]) < 1e-6
    assert -res["i(vb)"][0] == pytest.approx(5e-6, rel=1e-3)


def test_switch_on_and_off():
    sw = Switch(r_on=2.0, r_off=1e9)
    for ctl, r in ((3.0, 2.0), (0.0, 1e9)):
        chip = ls.Chip("switch")
        chip.vsource("s", "a", "0", dc=1.0)
        chip.vsource("c", "ctl", "0", dc=ctl)
        chip.add("k1", sw, a="a", b="b", ctl="ctl", vss="0")
        chip.resistor("load", "b", "0", 100.0)
        chip.op()
        res = chip.run(timeout=60)
        assert res["v(b)"][0] == pytest.approx(100.0 / (100.0 + r), rel=1e-6)
