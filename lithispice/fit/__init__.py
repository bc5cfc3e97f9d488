"""Parameter extraction: fit a device's compact-model parameters to measured data through
its compiled kernel (scipy least squares), with 95 % intervals, correlations and
identifiability warnings (:mod:`.core`); measured data from arrays or CSV files with units
in the header (:mod:`.data`). One module per family: ``memristor``, ``synapse``,
``microbattery``, ``gas_sensor`` (each: data classes with ``from_csv``, ``DATA_KINDS``,
``DEFAULT_PARAMS``, ``fit()``, ``synthetic()``); a config file -> fit -> report and fitted
model cards: :func:`run_fit_config` (``lithispice fit CONFIG``).
"""
from .core import FitParam, FitResult, fitted_device, least_squares_fit
from .data import DataError, read_csv


def run_fit_config(path, out=None):
    """Run the fit a config file describes (see :mod:`lithispice.fit.config`); returns the
    FitResult, with the report, plots and fitted cards written under ``out``."""
    from .config import run_fit_config as _run
    return _run(path, out=out)


__all__ = ["FitParam", "FitResult", "fitted_device", "least_squares_fit", "DataError",
           "read_csv", "run_fit_config"]
