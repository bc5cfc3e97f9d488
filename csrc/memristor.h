/* Two-terminal Li memristor: state equation, current law and an adaptive integrator.
 *
 * State w in [0, 1]: fraction of the switching film in the Li-rich (metallic) phase.
 *   dw/dt = k_set(T)  sinh(max(v,0)/V0_set)   (1-w)^p
 *         - k_reset(T) sinh(max(-v,0)/V0_reset) w^p
 *         - (w - w_eq) / tau_ret(T)
 * with k(T) = k_ref exp(-Ea/kB (1/T - 1/T_ref)) and tau_ret(T) = tau_ref exp(+Ea_ret/kB (1/T - 1/T_ref)).
 * Current: I = G(w) * V_nl * sinh(v / V_nl)   (ohmic I = G v when V_nl <= 0)
 *   law 0 "log":         G = G_off^(1-w) G_on^w            (phase-separating metal-insulator films)
 *   law 1 "series":      1/G = w/G_on + (1-w)/G_off        (interfacial switching)
 *   law 2 "percolation": G = G_off + (G_on-G_off) s^t_perc, s = max(w-w_c,0)/(1-w_c)
 * The same equations are emitted as an ngspice .subckt by lithispice/devices/memristor_spice.py;
 * tests compare both waveform against waveform. */
#ifndef LS_MEMRISTOR_H
#define LS_MEMRISTOR_H

#include "ls_common.h"

enum { LSM_LAW_LOG = 0, LSM_LAW_SERIES = 1, LSM_LAW_PERCOLATION = 2 };

typedef struct {
    double k_set;      /* set rate prefactor at T_ref, 1/s */
    double k_reset;    /* reset rate prefactor at T_ref, 1/s */
    double v0_set;     /* field-acceleration voltage of set, V */
    double v0_reset;   /* field-acceleration voltage of reset, V */
    double p;          /* window exponent, >= 1 */
    double ea;         /* activation energy of switching, eV */
    double tau_ret;    /* retention time constant at T_ref, s */
    double ea_ret;     /* activation energy of retention loss, eV */
    double w_eq;       /* state retention relaxes to, 1 */
    double t_ref;      /* reference temperature, K */
    double g_on;       /* conductance at w = 1, S */
    double g_off;      /* conductance at w = 0, S */
    double v_nl;       /* current nonlinearity voltage, V (<= 0: ohmic) */
    int    law;        /* LSM_LAW_* */
    double w_c;        /* percolation threshold, 1 */
    double t_perc;     /* percolation exponent, 1 */
} lsm_params;

/* Temperature-resolved coefficients: computed once per (device, T), used in the hot loop. */
typedef struct {
    double ks, kr, inv_v0s, inv_v0r, p, inv_tau, w_eq;
    double g_on, g_off, ln_ratio, v_nl, inv_vnl, w_c, t_perc;
    int law;
} lsm_coeffs;

void   lsm_coeffs_at(const lsm_params *prm, double T, lsm_coeffs *c);
double lsm_rate(const lsm_coeffs *c, double v, double w);          /* dw/dt, 1/s */
double lsm_conductance(const lsm_coeffs *c, double w);             /* G(w), S */
double lsm_current(const lsm_coeffs *c, double v, double w);       /* I, A */

/* Integrate one device driven by a piecewise-linear voltage v(t) given at samples t[0..n-1]
 * (strictly increasing). Writes w_out[k] and i_out[k] (either may be NULL) at each sample.
 *
 * The integration is exact for the piecewise-linear stimulus, so there is no step size to
 * choose and no stiffness: within an interval where v keeps its sign only one of the two
 * switching terms is active, and with the window (1-w)^p the state equation separates:
 *   p = 1:  1 - w(t) = (1 - w_a) exp(-A),   p != 1: (1-w)^(1-p) = (1-w_a)^(1-p) + (p-1) A,
 *   A = integral k sinh(v(t)/V0) dt = k h sinh(x_mid) sinh(dx/2)/(dx/2)   (x = v/V0, linear v)
 * (mirror image for reset). Intervals where v changes sign are split at the zero crossing.
 * Retention (time constant ~1e7 s, six or more orders slower than switching) is applied by
 * Strang splitting as exact exponential relaxations towards w_eq (half interval each side).
 * Returns LS_OK or LS_ERR_INPUT (non-increasing time or non-finite result). */
int lsm_simulate(const lsm_coeffs *c, const double *t, const double *v, long n, double w0,
                 double *w_out, double *i_out);

#endif
