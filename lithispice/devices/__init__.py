"""Device models: parameter sets, compiled-kernel simulation and SPICE export.

``DEVICE_FAMILIES`` lists every device class that has presets; model-card export and the
``presets`` command iterate over it. A new family registers itself by being added here.
"""
from .base import SpiceDevice
from .gas_sensor import GasSensor, GasSensorTrace
from .memristor import Memristor, MemristorTrace, simulate_array

DEVICE_FAMILIES = (Memristor, GasSensor)

__all__ = ["SpiceDevice", "DEVICE_FAMILIES", "Memristor", "MemristorTrace", "simulate_array",
           "GasSensor", "GasSensorTrace"]
