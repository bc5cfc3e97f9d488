/* Three-terminal Li-ion synapse (LISTA / ECRAM, DESIGN.md 3 and 4.2), composed from the
 * elements of electrochem.h: channel electrode + electrolyte film + reservoir electrode.
 *
 * Circuit (the gate current I_G > 0 flows into the gate g and lithiates the channel):
 *
 *   g --[U_r(th_r,s) + eta_r]-- ri --[R_ion(T)]-- ic --[-(U_c(th_c,s) + eta_c)]-- ch
 *   g --------------------------[R_leak]---------------------------------------- ch
 *   ch = the channel's electrochemical node, at (V_S + V_D)/2; S --[G(th_c)]-- D
 *
 *   V_G = V_g - V_ch = f(I)   with I the ionic (faradaic) current, reservoir -> channel:
 *   f(I) = U_r(th_r - I/(F g_sr)) - U_c(th_c + I/(F g_sc))
 *          + vt2 asinh(I / (2 i0A_r)) + vt2 asinh(I / (2 i0A_c)) + I R_ion     (vt2 = 2RT/F)
 *   I_G  = I + V_G / R_leak       (the electrolyte's electronic leak: retention loss)
 *   open-circuit potential V_oc = f(0) = U_r(th_r) - U_c(th_c): a shorted gate (V_G = 0)
 *   drives I = f^-1(0) and relaxes the state; a floating gate (I_G = 0) loses Li only through
 *   the leak, I = -V_G / R_leak.
 *
 * Films (electrochem.h part 4) with ONE finite volume each: a synapse channel is 10-100 nm
 * thick, its diffusion time L^2/D is short next to retention times, and the single volume
 * carries the steady-profile surface resistance L/(3 D c_max A), exact for the steady part of
 * a constant-current load:
 *   q_c dth_c/dt = I,  q_r dth_r/dt = -I,   q = F c_max A L (C per unit lithiation)
 *   th_s = th + I / (F g_s)   (lse_film_surface)
 * LIMIT: the steady profile needs pulses longer than L^2/D (0.4 s for 20 nm at 1e-15 m2/s).
 * For shorter pulses it OVERSTATES the surface excursion: ECRAM-WO3's 0.108 nA x 1 us pulse
 * (2700 A/m2 on 200 nm x 200 nm) puts its reservoir surface at th_s ~ -17 (clamped by the
 * OCV law), where a semi-infinite film's sqrt(t) transient gives ~2 % of c_max. Charge, hence
 * G, is unaffected under current drive; V_G during the pulse carries ~2.3 V of this artefact
 * (5.0 V vs V_oc 0.71 V) and with it about half of ECRAM's reported dissipated write energy.
 * n_vol > 1 cures it: each film is electrochem.h part 4's finite-volume grid (graded finer
 * at the electrolyte side), integrated by TR-BDF2 with local error control (lss_segment_fv;
 * the stage surfaces are affine in I, so the current solve is the lumped one). ECRAM's pulse
 * then costs V_G = 3.35 V (8 volumes, grading 10) -> 2.79 V (32 volumes), against a floor
 * V_oc + I R_ion + BV = 2.69 V. The channel's layers conduct in parallel:
 * G = sum_k (dz_k / t_ch) G(th_k). Slower (~25 us per ECRAM pulse period vs 0.5 us), so
 * the presets keep n_vol = 1; use n_vol >= 8 for pulses shorter than L^2/D.
 * External reservoir (res_kind = LSS_RES_EXTERNAL): the far ionic node is a pin wired to a
 * microbattery anode's ionic node; the kernel then treats the reservoir as ideal Li metal
 * (U = 0, no overpotential, unlimited inventory: the battery model carries those) and g is
 * the battery's negative terminal.
 *
 * Channel conductance (read between S and D), f_ph = clamp((x - x_a)/(x_b - x_a), 0, 1):
 *   law LSS_G_LOG:    sigma = sigma_a^(1 - f_ph) sigma_b^f_ph   (phase coexistence between a
 *                     phase of conductivity sigma_a at x_a and one of sigma_b at x_b: the "log"
 *                     law of DESIGN 4.1 for metal-insulator materials, e.g. Li_xCoO2)
 *   law LSS_G_LINEAR: sigma = sigma_a + (sigma_b - sigma_a) f_ph
 *   G = sigma W t / L  (x from the mean channel lithiation th_c).
 *
 * Integration (piecewise-constant drive): classical RK4 on (th_c, th_r) with the algebraic
 * current solved at each stage by a safeguarded Newton iteration in s = asinh(I/(2 i0A_c)).
 * Substeps are chosen so that no substep moves th_c by more than LSS_DTH_MAX (the problem is
 * not stiff: pulse widths are far below the electrochemical time constant). A quiet segment
 * (th moves < LSS_DTH_QUIET, e.g. a floating gate) takes one Euler step with its start
 * current instead (difference from RK4 below the rounding of th). A current-driven segment
 * whose electronic leak moves th by < LSS_LEAK_PATH (programming pulses: R_leak ~1e18 ohm)
 * follows the leak-free line th0 + I_G t/q and integrates I, V_G I_G and V_oc I along it by
 * Simpson's rule (same order as RK4, one current solve per node; lss_segment_current), and
 * current-drive solves take Newton directly in I from the last current (h' = 1 + g_leak f'
 * ~ 1). Both films change by the same weighted sum of currents, so q_c th_c + q_r th_r is
 * conserved to rounding.
 * Energies: E_gate = int V_G I_G dt, E_oc = int V_oc I dt (the electrochemical energy stored
 * in the moved Li, returned by the reverse update); dissipated = E_gate - E_oc.
 */
#ifndef LS_SYNAPSE_H
#define LS_SYNAPSE_H

#include "electrochem.h"

enum { LSS_G_LOG = 0, LSS_G_LINEAR = 1 };
enum { LSS_RES_INTERNAL = 0, LSS_RES_EXTERNAL = 1 };
enum { LSS_DRIVE_V = 0, LSS_DRIVE_I = 1 };   /* segment driven by V_G (V) or I_G (A) */
#define LSS_DTH_MAX 2e-3
#define LSS_DTH_QUIET 1e-10  /* segments moving th by less: one Euler step (synapse.c) */
#define LSS_LEAK_PATH 1e-6   /* current drive whose leak moves th by less: Simpson on the
                                leak-free path (synapse.c, lss_segment_current) */
#define LS_ERR_SOLVE_S -4

/* accumulators */
enum { LSS_ACC_QG = 0, LSS_ACC_QI, LSS_ACC_EG, LSS_ACC_EOC, LSS_NACC };
/* per-segment output channels */
enum { LSS_OUT_T = 0, LSS_OUT_THC, LSS_OUT_THR, LSS_OUT_G, LSS_OUT_VG, LSS_OUT_IG, LSS_OUT_I,
       LSS_OUT_QG, LSS_OUT_QI, LSS_OUT_EG, LSS_OUT_EOC, LSS_NOUT };

typedef struct {
    /* channel */
    double w_ch, l_ch, t_ch;   /* width, length (S-D), thickness, m; gate area = w_ch l_ch */
    double c_max_ch;           /* Li concentration of the usable range, mol/m3 */
    double d_ch;               /* diffusivity at t_ref, m2/s */
    double i0_ch;              /* exchange current density at t_ref, A/m2 */
    lse_ocv ocv_ch;
    int g_law;                 /* LSS_G_* */
    double x_a, x_b;           /* stoichiometries of the end phases */
    double sigma_a, sigma_b;   /* their conductivities, S/m */
    /* electrolyte (thickness, area = gate area, conductivities) */
    lse_electrolyte el;
    /* reservoir */
    int res_kind;              /* LSS_RES_* */
    double res_area, res_thickness, c_max_res, d_res, i0_res;   /* m2, m, mol/m3, m2/s, A/m2 */
    lse_ocv ocv_res;
    /* temperature dependence of D and i0 (both electrodes) */
    double ea_d, ea_i0, t_ref; /* eV, eV, K */
    /* film discretisation: n_vol finite volumes per film (1: the lumped film above, RK4;
     * > 1: csrc/electrochem.h part 4 grids, TR-BDF2 with local error control, lss_segment_fv),
     * grading dz_0/dz_(n-1) (finer at the electrolyte side), tol on theta per step */
    int n_vol;
    double grading, tol;
} lss_params;

typedef struct {
    double vt2;
    double i2c, i2r;           /* 2 i0 A of channel and reservoir, A */
    double r_ion, g_leak;      /* ohm, S */
    double qc, qr;             /* F c_max A L, C per unit lithiation */
    double rsc, rsr;           /* theta per ampere at the surface: 1/(F g_s) */
    lse_ocv oc, orr;
    double T;
    int law, ext;
    double x0c, dxc, x_a, x_b, g_a, g_b, ln_ba;   /* G end values in S */
    int nv;                    /* finite volumes per film; the state is 2 nv values:
                                  channel volumes 0..nv-1, then reservoir volumes */
    double tol;
    lse_film fc, fr;           /* the film grids when nv > 1 */
} lss_coeffs;

int lss_coeffs_at(const lss_params *p, double T, lss_coeffs *c);
/* Number of state values (2 nv). */
static inline int lss_nstate(const lss_coeffs *c) { return 2 * c->nv; }
/* Mean lithiation of the channel (which = 0) or reservoir (1) film of state st. */
double lss_mean(const lss_coeffs *c, const double *st, int which);
/* G of a state: the film's layers conduct in parallel, G = sum_k (dz_k / t_ch) G(th_k). */
double lss_conductance_st(const lss_coeffs *c, const double *st);
/* Open-circuit gate voltage of a state (its outermost volumes), V. */
double lss_voc_st(const lss_coeffs *c, const double *st);
/* lss_solve for state st at rest of the films (surfaces th_(n-1) + I / (F g_s)). */
int lss_solve_st(const lss_coeffs *c, const double *st, int mode, double value, double guess,
                 double *i_ion, double *vg, double *ig);
/* Channel conductance G(th_c), S. */
double lss_conductance(const lss_coeffs *c, double thc);
/* Open-circuit gate voltage U_r(th_r) - U_c(th_c), V. */
double lss_voc(const lss_coeffs *c, double thc, double thr);
/* f(I) (gate-channel voltage for ionic current I), with df/dI if not NULL. */
double lss_vg_of_i(const lss_coeffs *c, double thc, double thr, double cur_i, double *df);
/* The ionic current for a drive (LSS_DRIVE_V: value = V_G; LSS_DRIVE_I: value = I_G);
 * guess = a starting current (e.g. the last one). Writes V_G and I_G. LS_OK or LS_ERR_SOLVE_S. */
int lss_solve(const lss_coeffs *c, double thc, double thr, int mode, double value, double guess,
              double *i_ion, double *vg, double *ig);
/* Advance state st (lss_nstate values) by h seconds under a constant drive; accumulates acc
 * (LSS_NACC values). *I_last: warm start in, last current out. */
int lss_segment(const lss_coeffs *c, double *st, int mode, double value, double h, double *acc,
                double *i_last);
/* A sequence of n segments; out: n rows of LSS_NOUT (state at each segment end, V_G/I_G/I
 * just before the end, running totals). Returns LS_OK or an error. */
int lss_run(const lss_coeffs *c, double *st, const int *mode, const double *value,
            const double *dur, long n, double *out);
/* Pulse train: n pulses of amplitude amp[k] (mode: V or A) for t_on each, then t_off with
 * the gate in rest_mode at rest_value (LSS_DRIVE_I with 0: floating; LSS_DRIVE_V with 0:
 * shorted). amp[k] = 0 with mode I means "no pulse" for array programming.
 * Per pulse writes g_out[k] (G after the pulse period), e_out[k] (E_gate of the pulse period),
 * either may be NULL; acc (LSS_NACC) accumulates totals. */
int lss_train(const lss_coeffs *c, double *st, const double *amp, long n, int mode,
              double t_on, double t_off, int rest_mode, double rest_value,
              double *g_out, double *e_out, double *acc);

#endif
