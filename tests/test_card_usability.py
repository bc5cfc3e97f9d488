"""Model cards a designer can use without reading the Python (issue 12, items 2-4).

* Loading: in plain ngspice, ``.lib <family>.lib <card>`` (one section per card),
  ``.lib <family>.lib all`` and ``.include <family>.inc`` each define every card of every
  family; ``.include`` of the sectioned file is refused by ngspice, as its header says.
* Headers: every file of every form names each instance parameter, pin and probe node of its
  cards, and states the temperature rule; the documented probe nodes exist.
* Temperature: a card at its default ``tk = 0`` follows the circuit temperature (``.temp``,
  ``.options temp``; VACASK ``options temp``) and equals the C kernel at that temperature
  (memristor, Arrhenius 0.45 eV); ``tk > 0`` overrides it; Chip.temperature drives both
  engines.
"""
import re
from pathlib import Path

import numpy as np
import pytest

import lithispice as ls
from lithispice import modelcards as mc
from lithispice.devices import DEVICE_FAMILIES
from lithispice.engines import run_deck
from lithispice.errors import ParameterError, SimulationError
from lithispice.spice.carddoc import family_doc
from lithispice.spice.ir import parse_subckt

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
FAMILIES = list(DEVICE_FAMILIES)


def _cards(family):
    return [mc.card_name(family.preset(p)) for p in family.presets()]


def _instances(family) -> list[str]:
    """One instance of every card of ``family``: the first pin driven with 0.1 V through
    1 kohm, every other pin to ground through 1 kohm (no family knowledge needed)."""
    out = ["Vdrv drv 0 pwl(0 0 1u 0.1)"]
    for k, p in enumerate(family.presets()):
        pins = family.preset(p).pins
        nets = [f"c{k}p{j}" for j in range(len(pins))]
        out.append(f"Rd{k} drv {nets[0]} 1k")
        out += [f"Rg{k}_{j} {n} 0 1k" for j, n in enumerate(nets[1:], 1)]
        out.append(f"X{k} {' '.join(nets)} {_cards(family)[k]}")
    return out


def _deck(load: list[str], family) -> str:
    return "\n".join(["card loading", *load, *_instances(family), ".temp 25",
                      ".tran 1u 20u", ".end", ""])


def _check_every_instance(res, family):
    probe = family_doc(family)[2][0].node       # the first documented probe of the family
    for k in range(len(family.presets())):
        v = res[f"v(x{k}.{probe})"]
        assert np.all(np.isfinite(v)), (family.__name__, k)


# ----------------------------------------------------------------------------- loading
@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
def test_lib_sections_all_and_include_each_define_every_card(family, tmp_path):
    lib = MODELS / mc.library_path("ngspice", family, "lib")
    inc = MODELS / mc.library_path("ngspice", family, "inc")
    sections = [f".lib {lib} {c}" for c in _cards(family)]
    for load in (sections, [f".lib {lib} {mc.ALL_SECTION}"], [f".include {inc}"]):
        # runs in a temporary folder: the 'all' section's own .lib lines resolve next to
        # the library, not in the working directory
        res = run_deck(_deck(load, family), timeout=120, workdir=str(tmp_path))
        _check_every_instance(res, family)


def test_lib_without_the_card_section_does_not_define_the_card(tmp_path):
    """Each section holds its own card only: loading one card and using another fails."""
    fam = ls.Memristor
    lib = MODELS / mc.library_path("ngspice", fam, "lib")
    one, other = _cards(fam)[:2]
    deck = "\n".join(["one section", f".lib {lib} {one}", "V1 a 0 1", f"X1 a 0 {other}",
                      ".op", ".end", ""])
    with pytest.raises(SimulationError):
        run_deck(deck, timeout=60, workdir=str(tmp_path))


def test_include_of_the_sectioned_library_fails_as_its_header_says(tmp_path):
    fam = ls.Memristor
    lib = MODELS / mc.library_path("ngspice", fam, "lib")
    assert ".include of THIS file fails" in lib.read_text()
    with pytest.raises(SimulationError):
        run_deck(_deck([f".include {lib}"], fam), timeout=60, workdir=str(tmp_path))


@pytest.mark.parametrize("dialect", ["ngspice", "xyce"])
def test_sectioned_libraries_hold_only_card_sections(dialect):
    """Structure of <family>.lib: each card in its own section named like the card, nothing
    outside sections but comments; the only .lib calls are ngspice's 'all' section naming
    sections of the same file (a library never reads another file)."""
    for fam in FAMILIES:
        path = MODELS / mc.library_path(dialect, fam, "lib")
        own = path.name
        section, seen, defined = None, [], []
        for ln in path.read_text().splitlines():
            s = ln.strip()
            if not s or s[0] in "*+":
                continue
            words = s.split()
            head = words[0].lower()
            if head == ".lib" and len(words) == 2:
                assert section is None, (path, s)
                section = words[1]
                seen.append(section)
            elif head == ".endl":
                assert section is not None and words[1:] == [section], (path, s)
                section = None
            elif head == ".lib":
                assert section == mc.ALL_SECTION and dialect == "ngspice", (path, s)
                assert words[1] == own and words[2] in _cards(fam), (path, s)
            else:
                assert section is not None, (path, s)
                if head == ".subckt":
                    defined.append(words[1])
                    assert words[1] == section, (path, s)
        expect = _cards(fam) + ([mc.ALL_SECTION] if dialect == "ngspice" else [])
        assert seen == expect and defined == _cards(fam), path


# ----------------------------------------------------------------------------- headers
def _header(text: str, prefix: str) -> str:
    """The leading comment block of a file (up to its first non-comment line)."""
    out = []
    for ln in text.splitlines():
        if ln.startswith(prefix):
            out.append(ln)
        elif ln.strip():
            break
    return "\n".join(out)


def _files(family):
    for d in mc.DIALECTS:
        for kind in ("lib", "inc"):
            yield d, MODELS / mc.library_path(d, family, kind), "*"
    for p in family.presets():
        yield "veriloga", MODELS / "veriloga" / f"{mc.card_name(family.preset(p)).lower()}.va", "//"


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
def test_every_header_names_each_parameter_pin_and_probe(family):
    table, pins, probes, _ = family_doc(family)
    nodes = set()
    for p in family.presets():
        dev = family.preset(p)
        sub = parse_subckt(dev.subckt(), dev.subckt_name)
        # the documented pins are the card's pins, in order
        assert tuple(x.name for x in pins) == tuple(sub.pins)[:len(pins)], p
        nodes |= set(sub.nodes())
        if getattr(dev, "n_volumes", 0) == 1:      # the multi-volume film's nodes too
            var = dev.replace(n_volumes=2)
            nodes |= set(parse_subckt(var.subckt(), var.subckt_name).nodes())
    # every documented probe is a node of at least one card (no stale documentation)
    assert {pr.node for pr in probes} <= nodes, {pr.node for pr in probes} - nodes
    params = [r.spice for r in table.spice_rows()]
    assert params == list(family.preset(family.presets()[0]).instance_params)
    for dialect, path, prefix in _files(family):
        head = _header(path.read_text(), prefix)
        for name in params:
            assert re.search(rf"^{re.escape(prefix)}\s+{name}\s", head, re.M), (path, name)
        for pin in pins:
            assert re.search(rf"^{re.escape(prefix)}\s+{pin.name}\s", head, re.M), (path, pin.name)
        for pr in probes:
            assert re.search(rf"^{re.escape(prefix)}\s+{pr.node}\s+{re.escape(pr.unit)}\s",
                             head, re.M), (path, pr.node)
        if any(r.temperature for r in table.spice_rows()):
            assert "tk = 0 (the default) = the circuit temperature" in head, path
        else:               # the gas sensor: its temperature is the pin tk
            assert "temper+273.15" in head, path


def test_memristor_header_states_the_polarity_and_the_state_node():
    head = _header((MODELS / "ngspice" / "memristor.lib").read_text(), "*")
    assert "v(p,n) > 0 SETs" in head and "v(p,n) < 0 RESETs" in head
    assert "Use ONE card:     .lib models/ngspice/memristor.lib lsm_" in head
    assert re.search(r"^\*\s+w\s+1\s+switching state, 0 \(reset, R = roff\)", head, re.M)
    assert re.search(r"^\*\s+tk\s+K\s+\[0, 2000\]", head, re.M)


# ----------------------------------------------------------------------------- temperature
M = ls.Memristor.preset("LiCoO2")
F = 1.0 / (20.0 * M.t_switch_set)
AMP = 1.2 * M.v_set
TU = np.linspace(0.0, 2.0 / F, 4001)


def _kernel(kelvin):
    return M.simulate(TU, AMP * np.sin(2 * np.pi * F * TU), temperature=kelvin).i


def _rms(i, ref):
    return float(np.sqrt(np.mean((i - ref) ** 2)) / np.abs(ref).max())


def _plain_deck(temp_line: str, extra: str = "") -> str:
    """The card as a designer uses it: its .lib section, a sine, a temperature card."""
    lib = MODELS / "ngspice" / "memristor.lib"
    card = mc.card_name(M)
    period = 1.0 / F
    return "\n".join([
        "memristor follows the circuit temperature", f".lib {lib} {card}",
        f"Vin a 0 SIN(0 {AMP!r} {F!r})", f"X1 a 0 {card} {extra}".rstrip(), temp_line,
        f".tran {period / 400!r} {2 * period!r} 0 {period / 1000!r}", ".end", ""])


def _deck_current(text, tmp_path):
    res = run_deck(text, timeout=120, workdir=str(tmp_path))
    return np.interp(TU, res.time, -res["i(vin)"])


@pytest.mark.parametrize("temp_line,kelvin", [(".temp 27", 300.15),
                                              (".options temp=75", 348.15)])
def test_default_card_follows_the_deck_temperature(temp_line, kelvin, tmp_path):
    i_sp = _deck_current(_plain_deck(temp_line), tmp_path)
    assert _rms(i_sp, _kernel(kelvin)) < 1e-3        # measured: 7e-5
    # and 2 K already matter on this stimulus, so the comparison can fail: the kernel at the
    # presets' 298.15 K is off by 1.4 % (.temp 27) and 19 % (75 degC)
    assert _rms(i_sp, _kernel(298.15)) > 0.01


def test_tk_overrides_the_deck_temperature(tmp_path):
    i_sp = _deck_current(_plain_deck(".temp 27", "tk=350"), tmp_path)
    assert _rms(i_sp, _kernel(350.0)) < 1e-3
    assert _rms(i_sp, _kernel(300.15)) > 0.05


def _chip(temperature=None, params=None, options=None):
    chip = ls.Chip("temperature") if temperature is None else ls.Chip("temperature",
                                                                       temperature=temperature)
    chip.vsource("in", "a", "0", sine={"offset": 0.0, "amplitude": AMP, "freq": F})
    chip.add("m1", M, params=params or {"w0": 0.0}, p="a", n="0")
    if options:
        chip.options(**options)
    chip.tran(1 / F / 400, 2 / F, tmax=1 / F / 1000)
    return chip


def _chip_current(chip, engine):
    res = chip.run(engine=engine, timeout=120)
    return np.interp(TU, res.time, -res["i(vin)"])


@pytest.mark.parametrize("engine", ["ngspice", "vacask"])
def test_chip_temperature_drives_both_engines(engine):
    assert _rms(_chip_current(_chip(), engine), _kernel(298.15)) < 1e-3     # default 298.15 K
    hot = _chip_current(_chip(348.15), engine)
    assert _rms(hot, _kernel(348.15)) < 1e-3
    assert _rms(hot, _kernel(298.15)) > 0.05


def test_chip_deck_resolves_the_temperature_rule_exactly(tmp_path):
    """Chip decks write the cards' rule with the chip's temperature in place of ngspice's
    temper (ngspice inlines temper-dependent .params into every B-source: 2x slower
    arrays); the waveform is the card file's at the same .temp to rounding."""
    chip = _chip(348.15)
    deck = chip.deck()
    assert not re.search(r"\btemper\b", deck) and ".param tke={tk > 0 ? tk : 348.15}" in deck
    i_chip = _chip_current(chip, "ngspice")
    i_card = _deck_current(_plain_deck(".temp 75"), tmp_path)
    assert _rms(i_chip, i_card) < 1e-6


def test_instance_tk_overrides_the_chip_temperature_in_vacask():
    i_va = _chip_current(_chip(300.15, {"w0": 0.0, "tk": 350.0}), "vacask")
    assert _rms(i_va, _kernel(350.0)) < 1e-3


def test_chip_temperature_and_options_temp_are_one_setting():
    chip = _chip()
    assert chip.temperature == 298.15 and ".temp 25.0\n" in chip.deck()
    chip.options(temp=75)                           # degC, the later setting wins
    assert chip.temperature == pytest.approx(348.15)
    deck = chip.deck()
    assert ".temp 75.0\n" in deck and "temp=" not in deck and deck.count(".temp") == 1
    assert "temp=75.0" in chip.vacask_netlist()
    chip.temperature = 310.0
    assert chip.temperature == 310.0 and "temp" not in chip.options()
    assert ".temp 36.85\n" in chip.deck() and "temp=36.85" in chip.vacask_netlist()
    assert ".temp 27.0\n" in _chip(300.15).deck()
    with pytest.raises(ParameterError, match="298.15 K"):
        ls.Chip("t", temperature=25.0)              # degrees Celsius given as K
    with pytest.raises(ParameterError, match="temperature"):
        chip.temperature = -1.0


def test_xyce_and_ltspice_cards_read_their_temperature_variable():
    """Not runnable here (no Xyce, no LTspice): the text of the rule in each dialect, as the
    manuals name the circuit temperature (Xyce TEMP, LTspice temp; both in degC)."""
    rule = {"ngspice": ".param tke={tk>0 ? tk : temper+273.15}",
            "xyce": ".param tke={tk>0.0 ? tk : TEMP+273.15}",
            "ltspice": ".param tke={if(tk>0.0,tk,temp+273.15)}"}
    for fam in (ls.Memristor, ls.Synapse, ls.Microbattery):
        for d, line in rule.items():
            text = (MODELS / mc.library_path(d, fam, "inc")).read_text()
            assert text.count(line + "\n") == len(fam.presets()), (d, fam.__name__)
            # every thermally activated .param reads tke, none the raw instance parameter
            assert not re.search(r"1/tk\b|\*tk\b", text), (d, fam.__name__)
