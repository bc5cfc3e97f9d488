"""Device models: parameter sets, compiled-kernel simulation and SPICE export.

``DEVICE_FAMILIES`` lists every device class that has presets; model-card export and the
``presets`` command iterate over it. A new family registers itself by being added here.
"""
from .base import SpiceDevice
from .gas_sensor import GasSensor, GasSensorTrace
from .memristor import Memristor, MemristorTrace, simulate_array
from .microbattery import BatteryCycler, BatteryTrace, Microbattery, Step
from .synapse import PulseResponse, Synapse, SynapseTrace, program_array

DEVICE_FAMILIES = (Memristor, Microbattery, Synapse, GasSensor)

__all__ = ["SpiceDevice", "DEVICE_FAMILIES", "Memristor", "MemristorTrace", "simulate_array",
           "GasSensor", "GasSensorTrace", "Microbattery", "BatteryTrace", "Step", "BatteryCycler",
           "Synapse", "SynapseTrace", "PulseResponse", "program_array"]
