"""Physical constants used throughout lithispice (SI units).

Values: CODATA 2018 (NIST SP 961, May 2019; https://physics.nist.gov/cuu/Constants/).
Since the 2019 SI redefinition, N_A, k_B, q (elementary charge) are exact, so F = N_A*q and
R = N_A*k_B are exact too (F and R below are those products truncated to the digits CODATA
publishes). eps0 is a CODATA 2018 *recommended* (measured) value.
"""
from __future__ import annotations

#: Faraday constant, C/mol (exact: N_A*q = 96485.33212... C/mol).
F: float = 96485.33212
#: Molar gas constant, J/(mol K) (exact: N_A*k_B = 8.314462618... J/(mol K)).
R: float = 8.314462618
#: Boltzmann constant, J/K (exact).
k_B: float = 1.380649e-23
#: Boltzmann constant, eV/K (k_B/q = 8.617333262... eV/K).
k_B_eV: float = 8.617333262e-5
#: Elementary charge, C (exact).
q: float = 1.602176634e-19
#: Avogadro constant, 1/mol (exact).
N_A: float = 6.02214076e23
#: Vacuum electric permittivity, F/m (CODATA 2018 recommended, rel. unc. 1.5e-10).
eps0: float = 8.8541878128e-12
#: Reference temperature, K (25 degC); the temperature at which most room-temperature data are quoted.
T_ref: float = 298.15
#: 0 degC in K (for degC -> K conversions).
T_0C: float = 273.15
#: Charge of one mAh, C (1 mAh = 3.6 C).
C_PER_MAH: float = 3.6


def celsius_to_kelvin(t_celsius: float) -> float:
    """Temperature in K from a temperature in degC."""
    return t_celsius + T_0C
