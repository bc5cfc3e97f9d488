"""Co-simulation of a chip (circuit engine: ngspice or VACASK) and the slow states of its
microbattery (C kernel): months of duty cycles from a few circuit windows.

    from lithispice.cosim import SlowBattery, cosimulate
    ds = cosimulate(window, SlowBattery("bat", cell, current="i(vmeter)"),
                    period=600.0, horizon=86400.0)

``window(params) -> Chip`` builds one duty cycle with the battery instance ``"bat"`` given
``params`` (soc0, soh, qli0, tk). See :func:`cosimulate` for the options and
:mod:`lithispice.cosim.record` for the Dataset it returns; :mod:`lithispice.cosim.config`
for a study from a TOML file (:func:`run_lifetime_config`).
"""
from .battery import AnodeDrawBattery, SlowBattery
from .config import lifetime_from_config, run_lifetime_config
from .draw import WindowDraw
from .driver import LOADS, WindowRun, cosimulate

__all__ = ["SlowBattery", "AnodeDrawBattery", "WindowDraw", "WindowRun", "cosimulate", "LOADS",
           "lifetime_from_config", "run_lifetime_config"]
