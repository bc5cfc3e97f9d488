/* Two-terminal Li memristor: state equation, current law and an adaptive integrator.
 *
 * State w in [0, 1]: fraction of the switching film in the Li-rich (metallic) phase.
 *   dw/dt = k_set(T)  sinh(max(v,0)/V0_set)   (1-w)^p
 *         - k_reset(T) sinh(max(-v,0)/V0_reset) w^p
 *         - (w - w_eq) / tau_ret(T)
 * with k(T) = k_ref exp(-Ea/kB (1/T - 1/T_ref)) and tau_ret(T) = tau_ref exp(+Ea_ret/kB (1/T - 1/T_ref)).
 * Cycle-to-cycle variability (optional): k_set and k_reset are multiplied by exp(sig z), z ~ N(0,1)
 * drawn anew every tau_c2c seconds (held; independent streams for set and reset, counter-based
 * from the device's seed, so a run is reproducible and independent of thread count). With the
 * sinh rate a factor m shifts the switching voltage by about -V0 ln m, so sig = sigma_Vth / V0.
 * Choose tau_c2c = the programming period for one draw per cycle.
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
    double sig_set;    /* cycle-to-cycle sigma of ln k_set, 1 (0: none) */
    double sig_reset;  /* cycle-to-cycle sigma of ln k_reset, 1 */
    double tau_c2c;    /* hold time of each draw, s */
    double seed;       /* integer seed < 2^53 (a double so it packs with the rest) */
} lsm_params;

/* Temperature-resolved coefficients: computed once per (device, T), used in the hot loop. */
typedef struct {
    double ks, kr, inv_v0s, inv_v0r, p, inv_tau, w_eq;
    double g_on, g_off, ln_ratio, v_nl, inv_vnl, w_c, t_perc;
    int law;
    double sig_set, sig_reset, tau_c2c;
    unsigned long long seed;
} lsm_coeffs;

/* The z of draw j (stream 0: set, 1: reset) of a device with this seed: N(0, 1). */
double lsm_c2c_normal(unsigned long long seed, int stream, long long j);

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

/* ---- Block path: many devices, one shared stimulus, vectorised across devices ----------
 * Same scheme as lsm_simulate, reorganised time-outer / device-inner so the device loop is
 * branch-free and vectorises (SIMD lanes = devices). With one stimulus v(t) for the whole
 * block, the zero-crossing split and the set/reset sign are the same for every device and
 * sit outside the device loop. It applies to devices with window p == 1, law "log" and ohmic
 * current (lsm_block_ok); anything else takes lsm_simulate. exp() is ls_exp_fast (within
 * ~1 ulp of libm), so results agree with lsm_simulate to ~1e-15, not bit for bit. Each
 * device's result does not depend on the other devices in the call (on a given CPU).
 *
 * Coefficients are a structure of arrays: soa[q * stride + j] is coefficient q (LSMB_*) of
 * device j, filled by lsm_block_put. Device j writes row rows[j] (j if rows is NULL) of
 * w_out / i_out, i.e. w_out[rows[j] * ld_out + k], k < n_t; either output may be NULL.
 * Returns LS_OK, or LS_ERR_INPUT (non-increasing time or a non-finite state: run
 * lsm_simulate on the same devices to find which). */
enum { LSMB_KS, LSMB_KR, LSMB_IV0S, LSMB_IV0R, LSMB_ITAU, LSMB_WEQ, LSMB_GOFF, LSMB_LNR,
       LSMB_W0, LSMB_NCOEF };

int  lsm_block_ok(const lsm_coeffs *c);
/* 1 if lsm_simulate_block runs a SIMD build on this CPU (x86-64: an AVX2+FMA or AVX-512
 * clone, chosen at load time). Else it runs the plain build, which is slower than
 * lsm_simulate: callers should then prefer lsm_simulate. */
int  lsm_block_simd(void);
void lsm_block_put(double *soa, long stride, long j, const lsm_coeffs *c, double w0);
int  lsm_simulate_block(const double *soa, long stride, long n_dev, const long *rows,
                        const double *t, const double *v, long n_t,
                        double *w_out, double *i_out, long ld_out);

/* y[k] = ls_exp_fast(x[k]) compiled like lsm_simulate_block (same ISA clone, same FMA
 * contraction): lets tests check the exp the block path really runs. */
void lsm_exp_fast_array(const double *x, double *y, long n);

#endif
