/* Type-III potentiometric gas sensor (DESIGN 3 and 4.4): sensing electrode | Li-ion
 * electrolyte film | reference electrode.
 *
 * Sign convention. EMF is the open-circuit voltage of the REFERENCE electrode measured
 * against the SENSING electrode, EMF = V(ref) - V(se). With it the Nernst law reads as in
 * DESIGN 4.4:
 *
 *   EMF_eq = E0(T) - (R T / F) [ (s/n) ln(p_gas / p_ref) + nu_O2 ln(p_O2 / p_ref) ]
 *            - k_H2O log10(1 + p_H2O / p_H2O_ref) - k_x log10(1 + p_x / p_x_ref)
 *
 *   E0(T)   = e0_ref + de0_dt (T - t_ref)            (E0 = -dG0/(nF) is linear in T for
 *                                                      a reaction with dCp ~ 0)
 *   p_ref   = 1 bar (standard state); every partial pressure is in bar (= mole fraction at
 *             1 bar total pressure: 400 ppm = 400e-6).
 *
 * Why V(ref) - V(se): the sensing reaction forms a Li salt from the gas, e.g.
 *   Li2CO3 = 2 Li+ + CO2 + 1/2 O2 + 2 e-     (n = 2; NO2/nitrite: LiNO2 = Li+ + NO2 + e-, n = 1;
 *                                            SO2/sulfate: Li2SO4 = 2 Li+ + SO2 + O2 + 2 e-, n = 2)
 * so more gas lowers the Li chemical potential at the sensing electrode and raises its
 * electrode potential: V(se) - V(ref) grows with ln p, and EMF as defined falls with the
 * slope s R T/(nF) per e-fold (2.303 s R T/(nF) per decade: 66.8 mV at 673.15 K for n = 2).
 * nu_O2 is set by the pair of electrodes: 0 when both consume O2 in the same ratio to Li
 * (Li2CO3 vs Li2TiO3 + TiO2: Li2TiO3 = 2 Li+ + TiO2 + 1/2 O2 + 2 e-, the O2 cancels);
 * +1/4 for Li2SO4 vs Li2TiO3 + TiO2; -1/4 for LiNO2 vs Li2TiO3 + TiO2; -1/12 for Li2CO3 vs
 * LiCoO2 + Co3O4. s (ideality) multiplies only the target-gas term.
 * Humidity and one cross gas enter as additive log terms with coefficients in V/decade;
 * log10(1 + p/p_ref) instead of log10(p/p_ref) so that dry air / no interferent is finite
 * (and contributes 0) while large partial pressures give a logarithmic response.
 *
 * Dynamics: the electrode EMF relaxes to EMF_eq with one time constant
 *   d EMF / dt = (EMF_eq(t) - EMF) / tau(T),   tau(T) = tau_ref exp(+Ea_tau/kB (1/T - 1/t_ref)),
 * so a concentration step reaches 90 % in t90 = ln(10) tau = 2.303 tau.
 *
 * Electrical output: the EMF source sits in series with the ionic resistance of the film
 *   R_film(T) = L / (sigma(T) A),   sigma(T) = sigma_ref exp(-Ea_sigma/kB (1/T - 1/T_sigma))
 * (the electrolyte film element of DESIGN 3, lse_electrolyte in csrc/electrochem.h, with L the
 * ionic path length and A its cross-section) and the charge-transfer resistance of the two electrodes
 *   R_ct(T) = 2 ASR_ct(T) / A_el,  ASR_ct(T) = asr_ct_ref exp(+Ea_ct/kB (1/T - 1/t_ref)),
 * with the film's electronic leak R_leak = L / (sigma_e A) across the terminals (sigma_e = 0:
 * no leak). Open-circuit terminal voltage V(ref) - V(se) = EMF R_leak / (R_leak + R_s).
 *
 * Temperatures below LSG_T_MIN are evaluated at LSG_T_MIN in the kernel and in the SPICE
 * form alike (keeps the Arrhenius exponentials finite; no sensor works at 150 K anyway).
 * The same equations are emitted as an ngspice .subckt by
 * lithispice/devices/gas_sensor_spice.py; tests compare both on the same stimulus. */
#ifndef LS_GAS_SENSOR_H
#define LS_GAS_SENSOR_H

#include "ls_common.h"

#define LSG_T_MIN 150.0    /* K: floor of the temperature used in every T-dependent term */

typedef struct {
    double n;              /* electrons per gas molecule, 1 */
    double s;              /* ideality (1 = Nernstian), 1 */
    double e0_ref;         /* E0 at t_ref (all partial pressures 1 bar), V */
    double de0_dt;         /* dE0/dT, V/K */
    double nu_o2;          /* order of the O2 term, 1 (see header) */
    double t_ref;          /* reference temperature of E0, tau and ASR_ct, K */
    double tau_ref;        /* response time constant at t_ref, s */
    double ea_tau;         /* activation energy of 1/tau, eV */
    double sigma_ref;      /* ionic conductivity of the film at t_sigma, S/m */
    double ea_sigma;       /* activation energy of sigma, eV */
    double t_sigma;        /* reference temperature of sigma, K */
    double sigma_e;        /* electronic conductivity of the film, S/m (0 = none) */
    double length;         /* ionic path length through the film, m */
    double area;           /* ionic path cross-section, m^2 */
    double asr_ct;         /* area-specific charge-transfer resistance per electrode at t_ref, ohm m^2 */
    double ea_ct;          /* activation energy of the charge-transfer conductance, eV */
    double el_area;        /* electrode area (each of the two), m^2 */
    double k_h2o;          /* humidity coefficient, V per decade of (1 + p/p_ref) */
    double p_h2o_ref;      /* humidity reference partial pressure, bar */
    double k_x;            /* cross-gas coefficient, V per decade of (1 + p/p_ref) */
    double p_x_ref;        /* cross-gas reference partial pressure, bar */
} lsg_params;

/* Background gas composition, constant over one simulation (bar). */
typedef struct {
    double p_o2, p_h2o, p_x;
} lsg_env;

double lsg_temperature(double T);                                /* max(T, LSG_T_MIN), K */
double lsg_e0(const lsg_params *p, double T);                      /* V */
double lsg_slope_ln(const lsg_params *p, double T);                /* s R T/(n F), V per e-fold */
/* EMF_eq (V) for ln(p_gas / 1 bar) = lnp at temperature T. */
double lsg_emf_eq(const lsg_params *p, const lsg_env *env, double lnp, double T);
double lsg_inv_tau(const lsg_params *p, double T);                 /* 1/tau, 1/s */
double lsg_film_resistance(const lsg_params *p, double T);         /* R_film, ohm */
double lsg_ct_resistance(const lsg_params *p, double T);           /* R_ct (both electrodes), ohm */
double lsg_series_resistance(const lsg_params *p, double T);       /* R_film + R_ct, ohm */
double lsg_leak_resistance(const lsg_params *p);                   /* ohm (INFINITY: no leak) */
/* Terminal voltage V(ref) - V(se) for internal EMF emf, loaded by r_load ohm
 * (r_load = INFINITY or <= 0: open circuit). */
double lsg_terminal_voltage(const lsg_params *p, double emf, double T, double r_load);

/* Integrate the first-order lag for samples t[0..n-1] (strictly increasing) of ln(p_gas/bar)
 * lnp[] and temperature T[] (K), both taken as piecewise linear in time between samples
 * (p is therefore interpolated geometrically, which is what a PWL source on the SPICE
 * control node log10(p/ppm) does). x0: EMF at t[0], V.
 * The update over an interval with constant T is exact: EMF_eq(t) is then linear in t,
 *   x_b = E_b + (x_a - E_a) e^-z - (E_b - E_a) (1 - e^-z)/z,   z = h / tau,
 * so there is no step size to choose and no stiffness. Where T changes the interval is cut
 * into pieces of at most 0.5 K (tau from the midpoint temperature of each piece).
 * Outputs (any may be NULL): emf[k] (the lagged EMF, V), emf_eq[k] (V), v_out[k] (terminal
 * voltage with load r_load, V). Returns LS_OK or LS_ERR_INPUT. */
int lsg_simulate(const lsg_params *p, const lsg_env *env, const double *t, const double *lnp,
                 const double *T, long n, double x0, double r_load,
                 double *emf, double *emf_eq, double *v_out);

#endif
