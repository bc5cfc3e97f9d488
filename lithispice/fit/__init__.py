"""Parameter extraction: fit a device's compact-model parameters to measured data through
its compiled kernel (scipy least squares), with 95 % intervals, correlations and
identifiability warnings (:mod:`.core`); measured data from arrays or CSV files with units
in the header (:mod:`.data`). One module per family: ``memristor``, ``synapse``,
``microbattery``, ``gas_sensor``.
"""
from .core import FitParam, FitResult, fitted_device, least_squares_fit
from .data import DataError, read_csv

__all__ = ["FitParam", "FitResult", "fitted_device", "least_squares_fit", "DataError",
           "read_csv"]
