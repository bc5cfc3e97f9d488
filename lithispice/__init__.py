"""lithispice: compact models of lithionic thin-film devices, in C and in ngspice.

Layers (one folder each): ``materials`` (cited numbers) -> ``devices`` (parameter sets, the
compiled kernels in csrc/ via ``_kernels``, SPICE export) -> ``netlist`` (Chip builder on
networkx) -> ``engines`` (ngspice batch / shared). Units are SI throughout.
"""
from .errors import (ConvergenceError, DiskFullError, LithispiceError, NameValidationError,
                     NetlistError, NetlistSyntaxError, NgspiceNotFoundError, ParameterError,
                     PhysicsWarning, SimulationError, SimulationTimeout)
from .devices.memristor import Memristor, MemristorTrace, simulate_array
from .devices.gas_sensor import GasSensor, GasSensorTrace
from .devices.microbattery import BatteryCycler, BatteryTrace, Microbattery, Step
from .devices.synapse import PulseResponse, Synapse, SynapseTrace, program_array
from .devices.gas_calibration import Calibration, fit as fit_gas_calibration
from . import blocks
from .engines import Result, run_deck, run_deck_shared  # noqa: E402
from .netlist import Chip, build_crossbar

__version__ = "0.1.0"

__all__ = [
    "Memristor", "MemristorTrace", "simulate_array",
    "Microbattery", "BatteryTrace", "Step", "BatteryCycler",
    "Synapse", "SynapseTrace", "PulseResponse", "program_array",
    "GasSensor", "GasSensorTrace", "Calibration", "fit_gas_calibration", "blocks",
    "Chip", "build_crossbar", "run_deck", "run_deck_shared", "Result",
    "LithispiceError", "ParameterError", "NetlistError", "NameValidationError",
    "SimulationError", "NgspiceNotFoundError", "NetlistSyntaxError", "ConvergenceError",
    "SimulationTimeout", "DiskFullError", "PhysicsWarning",
]
