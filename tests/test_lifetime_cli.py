"""`lithispice lifetime CONFIG`: the example config runs (real ngspice) and writes its
Dataset and plot; a bad config exits 2 with one line naming the key."""
import pathlib
import shutil

import numpy as np
import pytest

from lithispice.cli import main
from lithispice.engines.ncio import open_netcdf

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "lifetime"


@pytest.fixture()
def example(tmp_path):
    """A copy of examples/lifetime (config + its window builder) in tmp_path."""
    d = tmp_path / "lifetime"
    shutil.copytree(EXAMPLE, d)
    return d / "sensor_node.toml"


def test_example_runs_and_writes_dataset_and_plot(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["lifetime", str(EXAMPLE / "sensor_node.toml"), "--out", str(out),
                 "--no-progress"]) == 0
    ds = open_netcdf(out / "lifetime.nc")
    assert (out / "lifetime.png").stat().st_size > 10000
    a = ds.attrs
    # node.py: 0.5 mA x 5 s + ~1 uA the rest of each 600 s period on a 0.249 C cell: the
    # 3.5 V dropout (the predicate) comes before the cell's v_min, with most of it used
    assert a["event"] == "ldo_dropout" and a["name"] == "sensor_node"
    assert a["n_circuit_runs"] < a["n_periods"]             # the kernel skipped periods
    per = (a["q_window"] + a["q_kernel"]) / a["n_periods"]
    assert per == pytest.approx(0.5e-3 * 5 + 600 * 4.0 / 4e6, rel=0.05)
    assert 0.05 < ds.soc.values[-1] < 0.5
    assert a["li_window"] + a["li_kernel"] == pytest.approx(a["li_total"], rel=1e-9)
    # the event's window is the first whose minimum voltage is below 3.5 V
    w = np.asarray(ds.kind.values).astype(str) == "window"
    vmin = ds.v_min.values[w]
    assert vmin[-1] < 3.5 < vmin[-2]
    assert set(np.asarray(ds.run_purpose.values).astype(str)) <= {"window", "bisect"}
    assert "ldo_dropout" in capsys.readouterr().out


def test_output_table_and_engine_override(example, capsys):
    """[output] files relative to the config; --engine vacask replaces cosim.engine."""
    text = example.read_text().replace("horizon = 172800.0", "horizon = 3600.0")
    example.write_text(text + '\n[output]\nnetcdf = "res/life.nc"\npng = "res/life.png"\n')
    assert main(["lifetime", str(example), "--engine", "vacask", "--no-progress"]) == 0
    ds = open_netcdf(example.parent / "res" / "life.nc")
    assert (example.parent / "res" / "life.png").is_file()
    assert ds.attrs["engine"] == "vacask" and ds.attrs["n_periods"] == 6
    assert ds.attrs["event"] == ""


BAD = [
    # (text replaced, by, key named in the message)
    ('period = 600.0', 'period = -600.0', "cosim.period"),
    ('period = 600.0', 'periode = 600.0', "cosim.periode"),      # + did you mean 'period'
    ('tol_v = 0.01', 'tol_v = "small"', "cosim.tol_v"),
    ('engine = "ngspice"', 'engine = "spectre"', "cosim.engine"),
    ('preset = "LiPON-LiCoO2-Li"', 'preset = "LiPON-LiCoO2"', "battery.preset"),
    ('soc0 = 1.0', 'soc0 = 1.5', "battery.soc0"),
    ('current = "i(vmeter)"', 'current = "i(vmeter)"\nparams = {aera = 1e-4}',
     "battery.params.aera"),
    ('chip = "node.py:window"', 'chip = "node.py:windo"', "window.chip"),
    ('chip = "node.py:window"', 'chip = "nowhere.py:window"', "window.chip"),
    ('predicate = "node.py:event"', 'predicate = 3', "cosim.predicate"),
    ('[battery]', '[batery]', "batery"),
    ('instance = "bat"', 'instance = "bt"', "battery.instance"),   # checked on the chip
    ('soc0 = 1.0', 'soc0 = 1.0\ndraw = "gate"', "battery.draw"),
]


@pytest.mark.parametrize("old,new,key", BAD, ids=[b[2] + str(i) for i, b in enumerate(BAD)])
def test_bad_config_exits_2_naming_the_key(example, capsys, old, new, key):
    text = example.read_text()
    assert old in text
    example.write_text(text.replace(old, new, 1))
    assert main(["lifetime", str(example), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("lithispice lifetime: error: sensor_node.toml:")
    assert f"'{key}'" in err
    assert not (example.parent / "lifetime_out").exists()       # nothing ran


def test_misspelt_key_gets_a_hint(example, capsys):
    example.write_text(example.read_text().replace("tol_v = 0.01", "tolv = 0.01"))
    assert main(["lifetime", str(example)]) == 2
    assert "did you mean 'tol_v'" in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["lifetime", str(tmp_path / "none.toml")]) == 2
    assert "not found" in capsys.readouterr().err


def test_anode_draw_is_selected_by_the_config(example):
    """`draw = "anode"`: the window's draw is booked on the anode's Li inventory (synapse gates
    take Li through the ion pin), by the library's AnodeDrawBattery."""
    from lithispice.cosim import AnodeDrawBattery, SlowBattery
    from lithispice.cosim.config import load_lifetime_config
    text = example.read_text()
    assert type(load_lifetime_config(example).battery) is SlowBattery
    example.write_text(text.replace("soc0 = 1.0", 'soc0 = 1.0\ndraw = "anode"'))
    assert type(load_lifetime_config(example).battery) is AnodeDrawBattery
