"""Specification of the materials database (lithispice.materials, lithispice.constants)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from lithispice import constants as C
from lithispice.errors import LithispiceError, ParameterError
from lithispice.materials import (ELECTRODES, ELECTROLYTES, LITHIUM_METAL, SWITCHING_LAYERS,
                                  TABLE3_SOURCE, UnknownMaterialError, electrode, electrolyte,
                                  lico2_ocv_ramadass2004, lnmo_ocv_mao2020, parse_ratio,
                                  parse_threshold, switching_layer, table3_rows)

ALL_ENTRIES = (list(ELECTROLYTES.values()) + list(ELECTRODES.values()) + [LITHIUM_METAL]
               + list(SWITCHING_LAYERS.values()))


# --- constants -------------------------------------------------------------------------------

def test_codata_2018_constants():
    assert C.F == 96485.33212
    assert C.R == 8.314462618
    assert C.k_B == 1.380649e-23
    assert C.q == 1.602176634e-19
    assert C.N_A == 6.02214076e23
    assert C.eps0 == 8.8541878128e-12
    assert C.T_ref == 298.15
    assert C.k_B_eV == 8.617333262e-5
    # exact SI relations
    assert C.F == pytest.approx(C.N_A * C.q, rel=1e-10)
    assert C.R == pytest.approx(C.N_A * C.k_B, rel=1e-10)
    assert C.k_B_eV == pytest.approx(C.k_B / C.q, rel=1e-9)


# --- every entry -----------------------------------------------------------------------------

@pytest.mark.parametrize("entry", ALL_ENTRIES, ids=lambda e: f"{type(e).__name__}:{e.name}")
def test_every_entry_has_a_source_and_valid_assumed_fields(entry):
    assert isinstance(entry.source, str) and len(entry.source.strip()) > 20
    names = {f.name for f in dataclasses.fields(entry)}
    assert set(entry.assumed) <= names
    # every assumption is explained in the notes
    if entry.assumed:
        assert "ASSUMED" in entry.notes


@pytest.mark.parametrize("entry", ALL_ENTRIES, ids=lambda e: e.name)
def test_entries_are_frozen(entry):
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.name = "x"


# --- electrolytes ----------------------------------------------------------------------------

def test_lipon_conductivity_at_25C_in_S_per_cm():
    lipon = electrolyte("LiPON")
    s = lipon.sigma(298.15)                      # S/m
    assert 2e-6 <= s / 100.0 <= 3.5e-6            # S/cm (Yu et al. 1997: 2.3e-6 S/cm)
    assert lipon.sigma_S_per_cm(298.15) == pytest.approx(2.3e-6, rel=1e-12)
    assert 0.5 <= lipon.Ea_eV <= 0.6
    assert lipon.sigma_e_S_per_m < 1e-6 * s     # electronically insulating


@pytest.mark.parametrize("name", list(ELECTROLYTES))
def test_arrhenius_slope_is_minus_Ea_over_kB(name):
    e = ELECTROLYTES[name]
    T = np.array([250.0, 300.0, 400.0, 600.0, 800.0])
    x, y = 1.0 / T, np.log(e.sigma(T))
    slope = np.polyfit(x, y, 1)[0]
    assert slope == pytest.approx(-e.Ea_eV / C.k_B_eV, rel=1e-9)
    # and exact two-point slopes
    for i in range(len(T) - 1):
        s2 = (y[i + 1] - y[i]) / (x[i + 1] - x[i])
        assert s2 == pytest.approx(-e.Ea_eV / C.k_B_eV, rel=1e-9)
    assert e.sigma(e.T_ref_K) == pytest.approx(e.sigma_ref_S_per_m, rel=1e-14)


def test_sigma_accepts_arrays_and_scalars():
    e = electrolyte("LLZO")
    assert isinstance(e.sigma(300.0), float)
    out = e.sigma([300.0, 350.0])
    assert isinstance(out, np.ndarray) and out.shape == (2,) and out[1] > out[0]


@pytest.mark.parametrize("T", [0.0, -10.0, float("nan"), float("inf"), [300.0, -1.0]])
def test_bad_temperature_raises_parameter_error_naming_T(T):
    with pytest.raises(ParameterError) as ei:
        electrolyte("LiPON").sigma(T)
    assert ei.value.name in ("T", "temperature")
    assert "T" in str(ei.value)


def test_li3po4_reference_is_the_sensor_temperature():
    e = electrolyte("Li3PO4")
    assert e.T_ref_K == pytest.approx(773.15)
    assert e.sigma_S_per_cm(773.15) == pytest.approx(2.15e-6)
    assert e.Ea_eV == pytest.approx(0.97)
    assert e.sigma_S_per_cm(298.15) < 1e-12     # useless at room temperature


def test_film_vs_pellet_orders():
    assert electrolyte("LLZO").form.startswith("pellet")
    assert electrolyte("LLTO_bulk").sigma(298.15) > 10 * electrolyte("LLTO").sigma(298.15)
    assert 1e-6 <= electrolyte("LLTO_amorphous_film").sigma_S_per_cm(298.15) <= 1e-5 * 1.0001
    assert 1e-4 <= electrolyte("LLZO").sigma_S_per_cm(298.15) <= 2e-3


def test_unknown_names_list_the_known_ones():
    with pytest.raises(UnknownMaterialError) as ei:
        electrolyte("Nafion")
    msg = str(ei.value)
    for k in ELECTROLYTES:
        assert k in msg
    assert isinstance(ei.value, KeyError) and isinstance(ei.value, LithispiceError)
    with pytest.raises(KeyError):
        electrode("graphite")
    with pytest.raises(KeyError):
        switching_layer("HfO2")


def test_lookup_aliases_and_case():
    assert electrolyte("lipon") is ELECTROLYTES["LiPON"]
    assert electrode("LNMO") is ELECTRODES["LiNi0.5Mn1.5O4"]
    assert electrode("lco") is ELECTRODES["LiCoO2"]
    assert electrode("Li") is LITHIUM_METAL
    assert switching_layer("LTO").name == "Li4+3xTi5O12"


# --- electrodes ------------------------------------------------------------------------------

def test_licoo2_areal_capacity_69_uAh_per_cm2_per_um():
    lco = electrode("LiCoO2")
    assert lco.specific_capacity_mAh_per_g == 137.0
    assert lco.density_g_per_cm3 == 5.05
    assert lco.areal_capacity_uAh_per_cm2_per_um == pytest.approx(69.0, abs=1.0)
    assert lco.cycle_life == 4000
    # 137 mAh/g is half a Li per LiCoO2 (x = 0.5..1)
    assert lco.specific_capacity_mAh_per_g / lco.theoretical_capacity_per_Li_mAh_per_g == pytest.approx(0.5, abs=0.005)


def test_c_max_is_consistent_with_capacity():
    for m in ELECTRODES.values():
        Q = m.specific_capacity_mAh_per_g * 3.6 * m.density_g_per_cm3 * 1e6   # C/m3
        assert m.volumetric_capacity_C_per_m3 == pytest.approx(Q)
        assert m.c_max_mol_per_m3 * C.F == pytest.approx(Q)
        # uAh/cm2/um from C/m3: 1 uAh = 3.6e-3 C, 1 cm2 um = 1e-10 m3
        assert m.areal_capacity_uAh_per_cm2_per_um == pytest.approx(Q * 1e-10 / 3.6e-3)
    # LiCoO2 usable c_max ~ half the full-Li concentration (5.05e6 g/m3 / 97.87 g/mol)
    assert ELECTRODES["LiCoO2"].c_max_mol_per_m3 == pytest.approx(0.5 * 5.05e6 / 97.87, rel=0.01)


def test_diffusivities_in_m2_per_s():
    lco = electrode("LiCoO2")
    lo, hi = lco.D_range_m2_per_s
    assert lo == pytest.approx(1e-17) and hi == pytest.approx(1e-15)   # 1e-13..1e-11 cm2/s
    for m in ELECTRODES.values():
        assert m.D_range_m2_per_s[0] <= m.D_m2_per_s <= m.D_range_m2_per_s[1]
        assert 1e-20 < m.D_m2_per_s < 1e-12


def test_reference_capacities_and_voltages():
    lnmo = electrode("LNMO")
    assert lnmo.specific_capacity_mAh_per_g == 122.0 and lnmo.cycle_life == 10000
    assert lnmo.U_nominal_V == pytest.approx(4.7)
    lto = electrode("Li4Ti5O12")
    assert lto.U_nominal_V == pytest.approx(1.55)
    assert lto.specific_capacity_mAh_per_g == pytest.approx(3 * lto.theoretical_capacity_per_Li_mAh_per_g, rel=0.01)
    assert electrode("Si").specific_capacity_mAh_per_g == pytest.approx(3.75 * electrode("Si").theoretical_capacity_per_Li_mAh_per_g, rel=0.001)
    li = LITHIUM_METAL
    assert li.density_g_per_cm3 == 0.534 and li.U_V == 0.0
    assert li.specific_capacity_mAh_per_g == pytest.approx(3860, abs=5)
    assert li.open_circuit_voltage(0.3) == 0.0


def test_lico2_ocv_ramadass():
    lco = electrode("LiCoO2")
    th = np.linspace(0.0, 1.0, 2001)
    u = lco.open_circuit_voltage(th)
    assert np.all(np.diff(u) < 0)                     # monotone: more Li, lower potential
    assert u[0] == pytest.approx(4.235, abs=0.005)     # charged end ~ 4.2 V cut-off
    assert 3.85 < lco.open_circuit_voltage(0.5) < 4.0
    assert lco.open_circuit_voltage(1.2) == lco.open_circuit_voltage(1.0)   # clipped
    # the raw fit refuses its poles (y = 0.4226 and 1.0043)
    with pytest.raises(ParameterError):
        lico2_ocv_ramadass2004(0.40)
    with pytest.raises(ParameterError):
        lico2_ocv_ramadass2004(1.01)
    with pytest.raises(ParameterError):
        lco.open_circuit_voltage(float("nan"))


def test_lnmo_ocv_table():
    assert lnmo_ocv_mao2020(0.0) == pytest.approx(4.7336)
    assert lnmo_ocv_mao2020(1.0) == pytest.approx(3.7273)
    assert lnmo_ocv_mao2020(0.45) == pytest.approx(0.5 * (4.7184 + 4.6806))
    u = electrode("LNMO").open_circuit_voltage(np.linspace(0, 1, 101))
    assert np.all(np.diff(u) <= 0)
    # entropic term: dU/dT < 0 everywhere in the table
    assert lnmo_ocv_mao2020(0.5, 313.15) < lnmo_ocv_mao2020(0.5, 293.15)


def test_flat_plateau_when_no_ocv_curve():
    lto = electrode("Li4Ti5O12")
    assert lto.ocv is None
    assert np.all(lto.open_circuit_voltage([0.1, 0.9]) == 1.55)


# --- switching layers and Table 3 ------------------------------------------------------------

def test_table3_has_15_rows_and_7_materials():
    rows = table3_rows()
    assert len(rows) == 15
    mats = {r.material for r in rows}
    assert mats == {"LiFePO4", "LiCoO2", "LiNbOx", "LLTO", "LiPON", "LiFe5O8", "Li4+3xTi5O12"}
    assert mats == set(SWITCHING_LAYERS)               # every Table 3 material has an entry
    assert all(r.source == TABLE3_SOURCE for r in rows)
    assert [r.ref for r in rows] == [38, 199, 43, 124, 123, 57, 134, 200, 129, 126, 201, 26, 20, 131, 44]
    assert len(table3_rows("LiCoO2")) == 6
    assert sum(r.three_terminal for r in rows) == 1


def _row(ref):
    (r,) = [r for r in table3_rows() if r.ref == ref]
    return r


INF = math.inf


@pytest.mark.parametrize("ref,v_set,v_reset,assumed", [
    (38, 3.0, None, True),                # "3"
    (199, None, -4.0, False),             # "-4"
    (43, 2.5, -3.0, False),               # "-3;+2.5"
    (124, None, -8.0, False),             # "-8"
    (123, (1.5, 2.0), -0.5, False),       # "-0.5;1.5-2"
    (57, None, (-4.1, -3.0), False),      # "-4.1 to -3.0"
    (134, 7.0, -2.6, False),              # "-2.6 to 7"
    (200, (1.5, 2.2), -2.4, False),       # "-2.4;1.5-2.2"
    (129, 2.4, -2.8, False),              # "-2.8;2.4"
    (126, 8.0, -8.0, False),              # "-8;8"
    (201, 2.0, (-INF, -10.0), True),      # ">10;2"  (unsigned pair: first = negative polarity)
    (26, 4.0, -1.0, True),                # "1;4"    (same rule)
    (20, 11.0, -35.0, False),             # "-35;11"
    (131, 3.0, None, True),               # "3"
    (44, (2.0, 4.0), None, True),         # "2-4"
])
def test_table3_thresholds(ref, v_set, v_reset, assumed):
    r = _row(ref)
    assert r.v_set_V == v_set
    assert r.v_reset_V == v_reset
    assert r.polarity_assumed is assumed
    if r.v_set_V is not None:
        assert r.v_set_nominal_V > 0
    if r.v_reset_V is not None:
        assert r.v_reset_nominal_V < 0


@pytest.mark.parametrize("ref,ratio,approx", [
    (38, (100.0, 100.0), True),           # "~100"
    (199, (100.0, 100.0), False),         # "1e2"
    (43, (1e4, 1e5), False),              # "1e4-1e5"
    (124, (1e4, 1e4), False),
    (123, None, False),                   # empty
    (57, None, False),
    (134, (1e3, 1e4), False),
    (200, (180.0, 180.0), False),
    (126, (1.4, 1.5), False),
    (26, (10.0, 15.0), False),
    (20, None, False),
    (44, (1e2, 1e4), False),
])
def test_table3_ratios(ref, ratio, approx):
    r = _row(ref)
    assert r.ron_off == ratio
    assert r.ron_off_approx is approx
    if ratio is not None:
        assert r.ron_off_nominal == pytest.approx(math.sqrt(ratio[0] * ratio[1]))


def test_table3_other_columns():
    r = _row(44)
    assert r.material == "Li4+3xTi5O12" and r.metal_insulator_transition is True
    assert (r.top_electrode, r.bottom_electrode, r.process) == ("Pt", "Pt", "PLD")
    assert r.phase_evolution_probed is True and r.dimensionality == "3D"
    assert _row(134).phase_evolution_probed is None       # empty cell
    assert _row(126).mechanism is None                    # empty cell
    assert _row(38).dimensionality == "1D"


def test_parsers_reject_garbage():
    with pytest.raises(ParameterError):
        parse_threshold("about three")
    with pytest.raises(ParameterError):
        parse_ratio("big")
    assert parse_threshold("") == (None, None, False)
    assert parse_ratio("1e-3-1e-2") == ((1e-3, 1e-2), False)   # exponent minus is not a range


def test_switching_layer_facts():
    lco = switching_layer("LiCoO2")
    assert lco.metal_insulator_transition
    assert (lco.x_metallic_below, lco.x_insulating_above) == (0.75, 0.95)
    assert lco.conductivity_ratio_min >= 100
    lto = switching_layer("Li4+3xTi5O12")
    assert lto.sigma_insulating_S_per_m == pytest.approx(1e-11)     # 1e-13 S/cm
    assert lto.sigma_metallic_S_per_m == pytest.approx(246.0)       # 2.46 S/cm
    assert lto.conductivity_ratio > 1e12
    lo, hi = lco.D_range_m2_per_s
    assert lo == pytest.approx(1e-15) and hi == pytest.approx(1e-13)   # 1e-11..1e-9 cm2/s
    assert not switching_layer("LiNbOx").metal_insulator_transition
    for r in table3_rows():
        assert r.switching_layer.metal_insulator_transition == r.metal_insulator_transition
