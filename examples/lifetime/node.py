"""Window builder for examples/lifetime/sensor_node.toml: one 10 s duty cycle of a sensor node
on a 1 cm2 LiPON | LiCoO2 | Li microbattery.

``window(params)`` returns the Chip of one window with the battery instance ``bat`` in the
state ``params`` (soc0, soh, qli0 C, tk K: the slow states lithispice.cosim hands over):
battery -> 0 V ammeter ``Vmeter`` (its current i(vmeter) is the battery's draw, A) -> supply
net ``vdd``; a sleeping MCU (4 MOhm, ~1 uA) always on; 1 s into the window the heater and
ADC draw 0.5 mA for 5 s (one measurement). The remaining 590 s of each 600 s period the
node sleeps at the window's last current (the kernel's share).

``event(run)``: the supply's LDO (3.3 V, 0.2 V dropout) cannot hold its output once the
battery's minimum voltage in a window falls below 3.5 V: the event "ldo_dropout" (before
the cell's own v_min, 3.0 V).
"""
import lithispice as ls

I_MEAS = 0.5e-3      # A, heater + ADC while measuring
T_MEAS = 5.0         # s
T_WAKE = 1.0         # s, from the window's start to the measurement
R_SLEEP = 4e6        # ohm, the sleeping MCU
T_WINDOW = 10.0      # s
V_DROPOUT = 3.5      # V, LDO output 3.3 V + 0.2 V dropout


def window(params):
    cell = ls.Microbattery.preset("LiPON-LiCoO2-Li")
    c = ls.Chip("sensor node duty cycle")
    c.add("bat", cell, params=params, nets={"pos": "bat", "neg": "0"})
    c.vsource("meter", "bat", "vdd", dc=0.0)
    c.resistor("sleep", "vdd", "0", R_SLEEP)
    a = T_WAKE
    c.isource("meas", "vdd", "0", pwl=[(0.0, 0.0), (a, 0.0), (a + 1e-3, I_MEAS),
                                       (a + T_MEAS, I_MEAS), (a + T_MEAS + 1e-3, 0.0),
                                       (T_WINDOW, 0.0)])
    c.tran(0.1, T_WINDOW, tmax=0.5)
    return c


def event(run):
    """'ldo_dropout' when the battery's lowest voltage in the window is below V_DROPOUT."""
    return "ldo_dropout" if run.draw.v_min < V_DROPOUT else None
