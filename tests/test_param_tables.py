"""Parameter tables (lithispice.spice.params) against the places that must agree with them.

(a) Kernel field order, all four families: the packed float64 row is unpacked in the .pxi by
    position (``p.k_set = r[0]; ...``); nothing but these tests ties that position to the name
    in the exported ``*_FIELDS`` tuple the Python side packs by. A swapped pair would compile
    and run with wrong physics. The C member each index lands in must exist in the
    ``cdef extern`` struct, and every member of the parameter struct must be set.
(b) Memristor and gas sensor: table rows <-> dataclass fields <-> the ``params:`` of every
    preset's ``.subckt`` header.
(c) Values just outside each row's range raise ParameterError naming the parameter.
(d) ``replace`` with a SPICE or misspelt name answers with a "did you mean" TypeError.
"""
import ast
import dataclasses
import math
import re
from pathlib import Path

import pytest

import lithispice as ls
import lithispice._kernels as K
from lithispice.spice.names import fmt

PKG = Path(ls.__file__).parent

# --------------------------------------------------------------------------- (a) kernels

#: (pxi file, exported field tuple, unpack function) per family
KERNEL_FAMILIES = [
    ("_kernels_memristor.pxi", "MEMRISTOR_FIELDS", "_unpack"),
    ("_kernels_sensor.pxi", "GAS_SENSOR_FIELDS", "_lsg_unpack"),
    ("_kernels_battery.pxi", "BATTERY_FIELDS", "_unpack_battery"),
    ("_kernels_synapse.pxi", "SYNAPSE_FIELDS", "_syn_unpack"),
]

#: Pack names that are not the C member path with "." -> "_". BATTERY_FIELDS are the keys of
#: Microbattery.kernel_fields (named after the dataclass), so the pairing with lsb_params is
#: written out here: renaming either side without the other fails the test.
PACK_ALIASES = {
    "BATTERY_FIELDS": {
        "sigma_ref": "el.sigma_ref", "ea_sigma": "el.ea", "t_ref_sigma": "el.t_ref",
        "sigma_e": "el.sigma_e", "eps_r": "el.eps_r", "l_e": "el.thickness",
        "ocv_kind": "ocv.kind", "ocv_x0": "ocv.x0", "ocv_x1": "ocv.x1", "ocv_u0": "ocv.u_const",
        "ocv_n": "ocv.n", "ocv_tref": "ocv.t_ref",
    },
}


def _pxi_text(name: str) -> str:
    return (PKG / name).read_text()


def _structs() -> dict:
    """``{typedef name: {member: type}}`` of every ``ctypedef struct`` in the .pxi files
    (they compile into one module, so a struct may be declared in another family's file)."""
    out = {}
    for path in sorted(PKG.glob("_kernels*.pxi")):
        lines = path.read_text().splitlines()
        for k, line in enumerate(lines):
            m = re.match(r"(\s*)ctypedef struct (\w+)", line)
            if not m:
                continue
            indent, members = len(m.group(1)), {}
            for body in lines[k + 1:]:
                if body.strip() and len(body) - len(body.lstrip()) <= indent:
                    break
                decl = body.split("#")[0].strip()
                if not decl or decl == "pass":
                    continue
                ctype, names = decl.split(None, 1)
                for nm in names.split(","):
                    members[re.sub(r"\[.*\]", "", nm).strip()] = ctype
            out[m.group(2)] = members
    return out


def _unpack(text: str, fn: str):
    """(row variable, struct type, params variable, body lines) of unpack function ``fn``."""
    m = re.search(rf"^cdef[^\n]*\b{fn}\(\s*const double\[::1\] (\w+)\s*,\s*(\w+)\s*\*\s*(\w+)\)",
                  text, re.M)
    assert m, f"unpack function {fn} not found"
    body = []
    for line in text[m.end():].splitlines()[1:]:
        if line.strip() and not line[0].isspace():
            break
        body.append(line.split("#")[0])
    return m.group(1), m.group(2), m.group(3), body


def _statements(body):
    for line in body:
        for st in line.split(";"):
            if st.strip():
                yield st.strip()


def _fields_literal(text: str, name: str) -> tuple:
    m = re.search(rf"^{name} = (\(.*?\))\n", text, re.M | re.S)
    assert m, f"{name} not found"
    return ast.literal_eval(m.group(1))


@pytest.mark.parametrize("pxi, fields_name, fn", KERNEL_FAMILIES)
def test_kernel_unpack_order_matches_exported_fields(pxi, fields_name, fn):
    text = _pxi_text(pxi)
    fields = getattr(K, fields_name)
    # the compiled module exports what the .pxi says (a stale build fails here, not later)
    assert _fields_literal(text, fields_name) == fields, \
        f"lithispice._kernels.{fields_name} differs from {pxi}: rebuild the extension"
    r, struct, p, body = _unpack(text, fn)
    # plain copies "p.<path> = r[<k>]" (an <int> cast allowed); derived ones such as
    # "p.el.area = r[0] * r[1]" are not field positions
    plain = re.compile(rf"{p}\.([\w.]+)\s*=\s*(?:<\w+>\s*)?{r}\[(\d+)\]$")
    first = {}                                   # index -> the first path it is copied to
    for st in _statements(body):
        m = plain.match(st)
        if m:
            first.setdefault(int(m.group(2)), m.group(1))
    assert sorted(first) == list(range(len(fields))), \
        f"{fn} reads indices {sorted(first)}, {fields_name} has {len(fields)} entries"
    aliases = PACK_ALIASES.get(fields_name, {})
    for k, name in enumerate(fields):
        # el_sigma_ref <-> p.el.sigma_ref: nested members read with "." -> "_"
        expect = aliases.get(name, name).replace(".", "_")
        assert first[k].replace(".", "_") == expect, \
            f"{fields_name}[{k}] = {name!r} but {fn} copies r[{k}] into p.{first[k]}"


@pytest.mark.parametrize("pxi, fields_name, fn", KERNEL_FAMILIES)
def test_kernel_struct_declares_and_unpack_sets_every_member(pxi, fields_name, fn):
    structs = _structs()
    r, struct, p, body = _unpack(_pxi_text(pxi), fn)
    assert struct in structs, f"{struct} not declared in a cdef extern block"
    assigned, delegated = set(), set()
    for st in _statements(body):
        m = re.match(rf"{p}\.([\w.]+)(?:\[[^\]]*\])?\s*=", st)
        if m:
            assigned.add(m.group(1))
        delegated.update(re.findall(rf"&{p}\.([\w.]+)", st))   # filled by a helper
    aliases = PACK_ALIASES.get(fields_name, {})

    def declared(path):
        ctype = struct
        for part in path.split("."):
            if part not in structs.get(ctype, {}):
                return False
            ctype = structs[ctype][part]
        return True

    # every packed field is a declared C member (el_sigma_ref: member sigma_ref of el)
    for name in getattr(K, fields_name):
        paths = [aliases[name]] if name in aliases else [name, name.replace("_", ".", 1)]
        assert any(declared(pth) for pth in paths), \
            f"{fields_name} field {name!r} is no member of {struct} (cdef extern in {pxi})"

    # every member of the parameter struct is set (an unset one is stack garbage in C)
    def walk(ctype, prefix):
        for member, mtype in structs[ctype].items():
            path = prefix + member
            if path in delegated:
                continue
            if mtype in structs and path not in assigned:
                walk(mtype, path + ".")
            else:
                assert path in assigned, f"{fn} never sets {struct}.{path}"
    walk(struct, "")


@pytest.mark.parametrize("cls, fields_name", [(ls.Memristor, "MEMRISTOR_FIELDS"),
                                              (ls.GasSensor, "GAS_SENSOR_FIELDS")])
def test_kernel_fields_pack_every_exported_field(cls, fields_name):
    assert set(cls().kernel_fields()) == set(getattr(K, fields_name))


# --------------------------------------------------------------------------- (b) tables

#: fields that are not model numbers (labels, citations, the conduction law's name)
NOT_PARAMS = {
    ls.Memristor: {"name", "law", "source", "notes", "table3_ref", "assumed"},
    ls.GasSensor: {"name", "gas", "sensing_electrode", "reference_electrode", "electrolyte",
                   "cross_gas", "source", "notes", "assumed"},
}
FAMILIES = list(NOT_PARAMS)


def _init_fields(cls):
    return {f.name: f for f in dataclasses.fields(cls) if f.init}


def _header(subckt: str):
    """(name, pins, [(param, value text)]) of the ``.subckt NAME pins params: a=1 b=2`` line."""
    m = re.search(r"^\.subckt\s+(\S+)\s+(.*?)\s+params:\s*(.*)$", subckt, re.M)
    assert m, "no .subckt ... params: line"
    params = [tuple(kv.split("=", 1)) for kv in m.group(3).split()]
    return m.group(1), m.group(2).split(), params


@pytest.mark.parametrize("cls", FAMILIES)
def test_table_rows_and_dataclass_fields_agree(cls):
    table, fields = cls.PARAMS, _init_fields(cls)
    assert "PARAMS" not in fields                     # a ClassVar, not a dataclass field
    for row in table:
        assert row.field is None or row.field in fields, f"row {row.name}: no such field"
        assert row.unit and row.doc and "\n" not in row.doc, f"row {row.name}: unit and doc"
        if row.lo is not None and row.hi is not None:
            assert row.lo < row.hi
    rowed = {r.field for r in table if r.field}
    numeric = {n for n, f in fields.items() if f.type in ("float", "int")}
    assert numeric <= rowed, f"numeric fields without a row: {numeric - rowed}"
    # a new field must be put in the table or declared not-a-parameter here
    assert set(fields) - rowed == NOT_PARAMS[cls]
    temps = [r for r in table if r.temperature]
    assert all(r.unit == "K" and r.field is None for r in temps)


@pytest.mark.parametrize("cls", FAMILIES)
def test_every_card_instance_param_has_a_row(cls):
    table = cls.PARAMS
    assert cls.instance_params == tuple(table.spice_map())
    for preset in cls.presets():
        dev = cls.preset(preset)
        name, pins, params = _header(dev.subckt())
        assert name == dev.subckt_name and tuple(pins) == cls.pins
        names = [k for k, _ in params]
        for k in names:
            table.by_spice(k)                         # KeyError: a card param with no row
        assert names == list(table.spice_map()), preset
        for k, value in params:
            row = table.by_spice(k)
            if row.field:                             # defaults are the device's values
                assert value == fmt(getattr(dev, row.field)), (preset, k)


def test_memristor_card_defaults_for_card_only_rows():
    dev = ls.Memristor.preset("LiCoO2")
    params = dict(_header(dev.subckt())[2])
    # tk = 0: the card follows the circuit temperature (issue 12), its row allows the 0
    assert params["w0"] == "0" and params["tk"] == "0"
    row = ls.Memristor.PARAMS.by_spice("tk")
    assert row.temperature and row.lo == 0 and not row.lo_open and row.hi == 2000


# --------------------------------------------------------------------------- (c) ranges

def _outside(row):
    """Values just outside the row's range (open end: the end itself)."""
    out = []
    if row.lo is not None:
        out.append(row.lo if row.lo_open else math.nextafter(row.lo, -math.inf))
    if row.hi is not None:
        out.append(row.hi if row.hi_open else math.nextafter(row.hi, math.inf))
    return out


def _checked_rows(cls):
    return [(cls, r) for r in cls.PARAMS if r.field and r.check]


@pytest.mark.parametrize("cls, row", _checked_rows(ls.Memristor) + _checked_rows(ls.GasSensor),
                         ids=lambda x: getattr(x, "name", None) if not isinstance(x, type)
                         else x.__name__)
def test_value_just_outside_a_row_raises_naming_it(cls, row):
    base = cls.preset(cls.presets()[0])
    for bad in _outside(row) + [math.nan]:
        with pytest.raises(ls.ParameterError) as e:
            base.replace(**{row.field: bad})
        assert e.value.name == row.field and row.field in str(e.value)
        if row.unit != "1":
            assert str(e.value).endswith(row.unit)


@pytest.mark.parametrize("cls", FAMILIES)
def test_card_only_rows_validate_by_their_range(cls):
    for row in cls.PARAMS:
        if row.field is None:
            for bad in _outside(row):
                with pytest.raises(ls.ParameterError) as e:
                    row.validate(bad)
                assert e.value.name == row.spice


def test_rows_checked_in_code_still_raise():
    m = ls.Memristor.preset("LiCoO2")
    for kw in (dict(v_nonlinear=0.0), dict(v_nonlinear=-math.inf), dict(seed_c2c=1.5),
               dict(seed_c2c=-1), dict(seed_c2c=2**52), dict(seed_c2c=True)):
        with pytest.raises(ls.ParameterError) as e:
            m.replace(**kw)
        assert e.value.name == next(iter(kw))
    assert m.replace(v_nonlinear=math.inf, seed_c2c=2**52 - 1).seed_c2c == 2**52 - 1


def test_runtime_arguments_use_the_card_rows():
    m = ls.Memristor.preset("LiCoO2")
    with pytest.raises(ls.ParameterError) as e:       # tk row: (0, 2000] K
        m.switching_rate(1.0, temperature=2500.0)
    assert e.value.name == "temperature" and "K" in str(e.value)
    g = ls.GasSensor.preset("CO2-Li2CO3-Li3PO4")
    with pytest.raises(ls.ParameterError) as e:       # po2 row: (0, 100] bar
        g.emf(400e-6, 700.0, p_o2=0.0)
    assert e.value.name == "p_o2" and "bar" in str(e.value)


# --------------------------------------------------------------------------- (d) replace

def test_replace_with_a_spice_name_suggests_the_field():
    m = ls.Memristor.preset("LiCoO2")
    with pytest.raises(TypeError, match=r"unknown parameter 'ron'; did you mean 'r_on'\?"):
        m.replace(ron=2e4)
    with pytest.raises(TypeError, match="did you mean 'r_on'"):
        ls.Memristor.preset("LiCoO2", ron=2e4)        # presets go through replace
    g = ls.GasSensor.preset("CO2-Li2CO3-Li3PO4")
    with pytest.raises(TypeError, match="did you mean 'tau'"):
        g.replace(tau0=5.0)
    with pytest.raises(TypeError, match="did you mean 'source'"):
        g.replace(soruce="x")                         # a non-table field, misspelt
    with pytest.raises(TypeError, match="instance parameter"):
        m.replace(w0=0.5)                             # card-only: not a device field


@pytest.mark.parametrize("cls", FAMILIES)
def test_every_spice_alias_suggests_its_field(cls):
    dev = cls.preset(cls.presets()[0])
    for row in cls.PARAMS:
        if row.field and row.spice and row.spice != row.field:
            with pytest.raises(TypeError, match=f"did you mean '{row.field}'"):
                dev.replace(**{row.spice: getattr(dev, row.field)})


def test_replace_still_validates_and_replaces():
    m = ls.Memristor.preset("LiCoO2")
    assert m.replace(r_on=2e4).r_on == 2e4
    with pytest.raises(ls.ParameterError):
        m.replace(r_on=-1.0)
    g = ls.GasSensor.preset("CO2-Li2CO3-Li3PO4")
    assert g.replace(ideality=0.8).ideality == 0.8
