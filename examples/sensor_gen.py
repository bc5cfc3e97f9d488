"""Sweep generator for examples/sensor_temperature.toml: the sensor node's CO2 sensor at one
temperature.

``deck(point)`` builds a small chip around the sensor of ``netlists/sensor_node.py`` (the
CO2 | Li2CO3 | Li3PO4 preset as a 1.2 um vertical film stack): the heater's thermal node
``tk`` held at ``point["temperature"]`` (K), the reference electrode biased at
``vmid`` = 1.25 V, the sensing electrode read by a unity-gain buffer on a 3.3 V supply. The
sensor starts in equilibrium with 400 ppm CO2 at that temperature; at one response time
constant tau(T) the gas steps to ``point["p_gas"]`` (bar) and the run lasts 10 tau, so the
final EMF is the equilibrium one (within e^-9). ``emf(result, point)`` extracts it.

Expected (Nernst, csrc/gas_sensor.h): EMF = V(ref) - V(se) falls by
2.303 s R T / (n F) per decade of CO2 (n = 2, ideality s ~ 0.8: 45 mV/dec at 573 K) and its
intercept rises with T (de0/dT > 0). Times in s, pressures in bar, temperatures in K.
"""
import lithispice as ls
from lithispice.blocks import OpAmp

V_MID = 1.25        # V, reference-electrode bias (as in the sensor node)
V_DD = 3.3          # V, buffer supply
P_START = 400e-6    # bar, gas before the step (400 ppm)


def sensor():
    """The sensor node's sensor (netlists/sensor_node.py chip_sensor)."""
    g = ls.GasSensor.preset("CO2-Li2CO3-Li3PO4")
    return g.replace(name="CO2_node_stack", film_length=1.2e-6, film_area=1e-6,
                     electrode_area=1e-6)


def deck(point):
    """Chip for one sweep point: ``temperature`` (K) and ``p_gas`` (bar)."""
    T, p = float(point["temperature"]), float(point["p_gas"])
    g = sensor()
    tau = g.time_constant(T)
    chip = ls.Chip("CO2 sensor at fixed temperature")
    chip.vsource("tk", "tk", "0", dc=T)                       # thermal node: V = K
    chip.vsource("gas", "lgp", "0", pwl=g.gas_pwl([0.0, tau, 1.01 * tau, 10 * tau],
                                                  [P_START, P_START, p, p]))
    chip.vsource("mid", "vmid", "0", dc=V_MID)
    chip.vsource("dd", "vdd", "0", dc=V_DD)
    chip.add("co2", g, params=g.spice_params(P_START, T), se="se", ref="vmid", lgp="lgp",
             tk="tk")
    buf = OpAmp(name="buffer", iq=20e-6, gbw=1e5, slew_rate=1e5, vos=0.2e-3).follower()
    chip.add("buf", buf, inp="se", out="vbuf", vdd="vdd", vss="0")
    chip.resistor("load", "vbuf", "0", 1e6)                  # the ADC input it would drive
    chip.tran(tau / 20, 10 * tau)
    return chip


def emf(res, point):
    """EMF = V(ref) - V(se) at the end of the run (V), and the buffered output v(vbuf) (V)."""
    return {"emf": float(res["v(vmid)"][-1] - res["v(se)"][-1]),
            "v_buf": float(res["v(vbuf)"][-1])}
