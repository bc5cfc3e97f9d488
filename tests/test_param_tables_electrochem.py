"""The parameter tables of the microbattery and the synapse (devices/*_params.py) against the
dataclasses, the .subckt headers and the range checks they drive."""
import dataclasses
import math
import re

import pytest

from lithispice.devices.microbattery import Microbattery
from lithispice.devices.synapse import Synapse
from lithispice.errors import ParameterError
from lithispice.spice.params import ParamTable

FAMILIES = (Microbattery, Synapse)
_NUMERIC = {"float", "int", "float | None"}       # annotations are strings (__future__)


def _numeric_fields(cls) -> set:
    return {f.name for f in dataclasses.fields(cls) if f.init and f.type in _NUMERIC}


def _integer_fields(cls) -> set:
    return {f.name for f in dataclasses.fields(cls) if f.type == "int"}


def _devices(cls):
    """Every preset, its 8-volume variant and the SPICE variants (other pins)."""
    for p in cls.presets():
        d = cls.preset(p)
        yield d
        yield d.replace(n_volumes=8)
        yield d.with_reservoir_pin() if cls is Microbattery else d.with_external_reservoir()


@pytest.mark.parametrize("cls", FAMILIES)
def test_table_is_a_classvar_not_a_field(cls):
    assert isinstance(cls.PARAMS, ParamTable)
    assert "PARAMS" not in {f.name for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("cls", FAMILIES)
def test_every_field_row_names_a_numeric_field(cls):
    numeric = _numeric_fields(cls)
    for r in cls.PARAMS:
        if r.field is not None:
            assert r.field in numeric, r


@pytest.mark.parametrize("cls", FAMILIES)
def test_every_numeric_field_has_a_row(cls):
    rows = {r.field for r in cls.PARAMS if r.field}
    assert _numeric_fields(cls) <= rows, _numeric_fields(cls) - rows


@pytest.mark.parametrize("cls", FAMILIES)
def test_rows_carry_unit_doc_and_one_temperature(cls):
    for r in cls.PARAMS:
        assert r.unit and r.doc and "\n" not in r.doc, r
    temps = [r for r in cls.PARAMS if r.temperature]
    assert [(r.spice, r.field, r.unit) for r in temps] == [("tk", None, "K")]


@pytest.mark.parametrize("cls", FAMILIES)
def test_subckt_params_come_from_the_table(cls):
    names = [r.spice for r in cls.PARAMS.spice_rows()]
    for d in _devices(cls):
        head = next(ln for ln in d.subckt().splitlines() if ln.startswith(".subckt"))
        listed = re.findall(r"(\w+)=", head.split("params:", 1)[1])
        assert listed == names, (d.name, head)
        assert list(d.instance_params) == names
        for n in listed:
            cls.PARAMS.by_spice(n)                     # every header name has a row


def test_instance_rows_of_the_battery():
    p = Microbattery.PARAMS
    assert [r.spice for r in p.spice_rows()] == ["soc0", "tk", "soh", "qli0"]
    assert all(r.field is None for r in p.spice_rows())
    assert "-1" in p.by_spice("qli0").doc and p.by_spice("qli0").unit == "C"
    for nm in ("soc0", "soh"):
        assert (p.by_spice(nm).lo, p.by_spice(nm).hi) == (0, 1)


def test_instance_rows_of_the_synapse():
    p = Synapse.PARAMS
    assert p.spice_map() == {"thc0": "theta_c0", "thr0": "theta_r0", "tk": None}


def test_film_limit_matches_the_kernel():
    from lithispice._kernels import BATTERY_FILM_MAXN
    assert Microbattery.PARAMS.by_field("n_volumes").hi == BATTERY_FILM_MAXN


def _outside(r, integer: bool):
    """(bound, value) pairs just outside the row's range."""
    out = []
    if r.lo is not None:
        out.append(("lo", r.lo - 1 if integer else r.lo if r.lo_open
                    else math.nextafter(r.lo, -math.inf)))
    if r.hi is not None:
        out.append(("hi", r.hi + 1 if integer else r.hi if r.hi_open
                    else math.nextafter(r.hi, math.inf)))
    return out


def _field_cases():
    for cls in FAMILIES:
        ints = _integer_fields(cls)
        for r in cls.PARAMS:
            if r.field:
                integer = r.field in ints
                for bound, v in _outside(r, integer):
                    yield pytest.param(cls, r, int(v) if integer else v,
                                       id=f"{cls.__name__}-{r.field}-{bound}")


@pytest.mark.parametrize("cls, row, value", list(_field_cases()))
def test_values_just_outside_a_row_raise_naming_it(cls, row, value):
    dev = cls.preset(cls.presets()[0])
    with pytest.raises(ParameterError) as err:
        dev.replace(**{row.field: value})
    assert err.value.name == row.field
    if row.unit != "1" and row.check:
        assert err.value.allowed.endswith(row.unit), str(err.value)
    # just inside is accepted (the bound is the table's, not a stricter one elsewhere)
    if row.check and row.field not in ("v_min", "v_max", "x_a", "x_b"):   # relations aside
        inside = row.lo if (row.lo is not None and not row.lo_open) else None
        if inside is not None:
            dev.replace(**{row.field: inside})


@pytest.mark.parametrize("name", ["soc0", "soh"])
def test_battery_initial_state_checks_use_the_table(name):
    r = Microbattery.PARAMS.by_spice(name)
    b = Microbattery.preset(Microbattery.presets()[0])
    for _, v in _outside(r, False):
        with pytest.raises(ParameterError) as err:
            b.initial_state(**{name: v})
        assert err.value.name == name


@pytest.mark.parametrize("cls", FAMILIES)
def test_run_temperature_has_the_range_of_tk(cls):
    r = cls.PARAMS.by_spice("tk")
    d = cls.preset(cls.presets()[0])
    for _, v in _outside(r, False):
        with pytest.raises(ParameterError) as err:
            d.coefficients(v)
        assert err.value.name == "temperature" and err.value.allowed.endswith("K")


@pytest.mark.parametrize("cls, wrong, hint", [
    (Microbattery, "socc", "soc0"),            # an instance parameter, not a field
    (Microbattery, "cathode_thicknes", "cathode_thickness"),
    (Microbattery, "cathod", "cathode"),       # a non-numeric field (no row)
    (Synapse, "thc0", "theta_c0"),             # the SPICE spelling of a field
    (Synapse, "sigma_aa", "sigma_a"),
])
def test_replace_with_a_wrong_name_gives_a_hint(cls, wrong, hint):
    dev = cls.preset(cls.presets()[0])
    with pytest.raises(TypeError, match=rf"unknown parameter '{wrong}'; did you mean '{hint}'\?"):
        dev.replace(**{wrong: 1.0})
    with pytest.raises(TypeError, match="did you mean"):    # preset overrides go through replace
        cls.preset(cls.presets()[0], **{wrong: 1.0})


def test_replace_with_an_instance_parameter_says_so():
    b = Microbattery.preset(Microbattery.presets()[0])
    with pytest.raises(TypeError, match="'soc0' is an instance parameter"):
        b.replace(soc0=0.5)
    with pytest.raises(TypeError, match="unknown parameter 'zzz'"):
        b.replace(zzz=1.0)


@pytest.mark.parametrize("cls", FAMILIES)
def test_replace_still_validates_and_works(cls):
    dev = cls.preset(cls.presets()[0])
    assert dev.replace(t_ref=300.0).t_ref == 300.0
    with pytest.raises(ParameterError):
        dev.replace(t_ref=-1.0)
