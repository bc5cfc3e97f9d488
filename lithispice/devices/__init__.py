"""Device models: parameter sets, compiled-kernel simulation and SPICE export."""
from .base import SpiceDevice
from .memristor import Memristor, MemristorTrace, simulate_array

__all__ = ["SpiceDevice", "Memristor", "MemristorTrace", "simulate_array"]
