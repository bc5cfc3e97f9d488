"""Verilog-A cards follow the simulator's temperature unless an instance gives ``tk``: a
memristor with tk = 0 in VACASK at `.options temp` behaves as the kernel at that temperature,
and differs from one at the card's reference temperature (Arrhenius, 0.45 eV)."""
import numpy as np
import pytest

import lithispice as ls


def _current(params, options=None):
    m = ls.Memristor.preset("LiCoO2")
    f = 1.0 / (20.0 * m.t_switch_set)
    chip = ls.Chip("temperature")
    chip.vsource("in", "a", "0", sine={"offset": 0.0, "amplitude": 1.2 * m.v_set, "freq": f})
    chip.add("m1", m, params=params, p="a", n="0")
    if options:
        chip.options(**options)
    chip.tran(1 / f / 400, 2 / f, tmax=1 / f / 1000)
    res = chip.run(engine="vacask", timeout=60)
    tu = np.linspace(0, 2 / f, 4001)
    return m, f, tu, np.interp(tu, res.time, -res["i(vin)"])


@pytest.mark.parametrize("kelvin", [270.0, 340.0])
def test_tk_zero_follows_the_simulator_temperature(kelvin):
    m, f, tu, i_va = _current({"w0": 0.0, "tk": 0.0}, {"temp": kelvin - 273.15})
    tr = m.simulate(tu, 1.2 * m.v_set * np.sin(2 * np.pi * f * tu), temperature=kelvin)
    ref = m.simulate(tu, 1.2 * m.v_set * np.sin(2 * np.pi * f * tu), temperature=m.t_ref)
    peak = np.abs(tr.i).max()
    assert np.sqrt(np.mean((i_va - tr.i) ** 2)) / peak < 0.01
    # and the temperature matters on this stimulus, so the check can fail
    assert np.sqrt(np.mean((ref.i - tr.i) ** 2)) / peak > 0.05


def test_an_instance_tk_overrides_the_simulator_temperature():
    m, f, tu, i_va = _current({"w0": 0.0, "tk": 320.0}, {"temp": 0.0})
    tr = m.simulate(tu, 1.2 * m.v_set * np.sin(2 * np.pi * f * tu), temperature=320.0)
    assert np.sqrt(np.mean((i_va - tr.i) ** 2)) / np.abs(tr.i).max() < 0.01
