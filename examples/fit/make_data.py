"""Write the example fit's measured data: pinched I-V loops of a known Li memristor plus noise.

The "device under test" is the LiCoO2 preset with r_on = 20 kohm, v_set = 2.2 V and
v_reset = 2.6 V (instead of the preset's 10 kohm, 2.5 V, 3.0 V); the fit in
memristor_fit.toml starts from the plain preset and should find these values again. Two
sine loops (50 kHz, +-4 V) at 300 K and 330 K, current noise 1 % of the peak current, fixed
seed: the files are the same on every run.

    python examples/fit/make_data.py          # rewrites loop_300K.csv and loop_330K.csv here
"""
from pathlib import Path

import numpy as np

import lithispice as ls

HERE = Path(__file__).resolve().parent
#: the parameters the data are generated with (tests compare the fit against them)
TRUTH = {"r_on": 2.0e4, "v_set": 2.2, "v_reset": 2.6}
TEMPERATURES = (300.0, 330.0)           # K
NOISE = 0.01                            # of the peak current
SEED = 13


def device() -> "ls.Memristor":
    """The device the data come from."""
    return ls.Memristor.preset("LiCoO2").replace(**TRUTH)


def loop(temperature: float, seed: int):
    """(t s, v V, i A): one noisy pinched loop."""
    t = np.linspace(0.0, 4e-5, 801)
    v = 4.0 * np.sin(2 * np.pi * 5e4 * t)
    i = device().simulate(t, v, temperature=temperature).i
    rng = np.random.default_rng(seed)
    return t, v, i + rng.normal(0.0, NOISE * np.abs(i).max(), i.size)


def write(folder: Path = HERE) -> list[Path]:
    """Write one CSV per temperature into ``folder``; returns the paths."""
    paths = []
    for k, temp in enumerate(TEMPERATURES):
        t, v, i = loop(temp, SEED + k)
        path = Path(folder) / f"loop_{temp:.0f}K.csv"
        rows = [f"# LiCoO2 memristor, {temp:g} K, 50 kHz sine +-4 V; synthetic "
                f"(examples/fit/make_data.py, seed {SEED + k})", "t [us], v [V], i [uA]"]
        rows += [f"{a * 1e6:.6g}, {b:.6g}, {c * 1e6:.6g}" for a, b, c in zip(t, v, i)]
        path.write_text("\n".join(rows) + "\n")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write():
        print(f"wrote {p}")
