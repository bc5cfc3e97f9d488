/* Thin-film solid-state microbattery: cathode film + electrolyte film + Li-metal anode
 * (DESIGN.md 3 and 4.3), composed from the elements of electrochem.h, with an implicit adaptive
 * integrator and cycler-style drivers.
 *
 * Circuit (discharge current i > 0 leaves the pos terminal):
 *
 *   pos --[U_c(theta_s, T)]-- cx --[BV_c || C_dl]-- ic --[R_ion(T)]-- ia --[BV_a]-- neg
 *    |_____________________________[R_leak]____________________________________|
 *
 *   V = U_c(theta_s) - eta_c - eta_a(i_cell) - R_ion(T) i_cell
 *   i_cell = i + V / R_leak                     (the electronic leak discharges the cell itself)
 *   i_cell = i_f + C_dl d(eta_c)/dt             (i_f: faradaic current of the cathode)
 *   i_f    = 2 i0_c A_c sinh(eta_c / (2RT/F))   (Butler-Volmer, A_c = A soh)
 *   eta_a  = (2RT/F) asinh(i_cell / (2 i0_a A))
 *   cathode film: planar diffusion (electrochem.h, part 4) with flux i_f / F into its surface,
 *     over the active area A_c = A soh
 *   anode: dq_li/dt = -i_cell (Li-metal inventory q_li in C)
 *   R_ion(T) = L_e / (sigma(T) A), sigma Arrhenius; D(T), i0(T) Arrhenius with their own Ea.
 *   Without a double layer (c_dl = 0) eta_c follows the current instantly: i_f = i_cell.
 *
 * Capacity fade (loss of active material): the active fraction soh shrinks with the faradaic
 * charge throughput, d soh/dt = -k_fade |i_f|. A full cycle of a faded cell passes 2 Q0 soh, so
 * with k_fade = (1 - 0.8^(1/N_life)) / (2 Q0) a cell cycled at 100 % depth of discharge keeps
 * soh = 0.8^(N / N_life): 80 % after N_life cycles (the caller computes k_fade).
 * The Li held by the material that goes inactive is kept in li_dead (conserved, no longer cycled).
 * soh is frozen within a step and updated after it (it moves ~1e-5 per cycle).
 *
 * Conservation: F soh sum(m_k theta_k) + li_dead + C_dl eta_c + q_li is invariant to rounding:
 * every stage of the integrator changes these states by the same linear combination of currents.
 *
 * Integrator: TR-BDF2 (L-stable, 2nd order, both stages on the same tridiagonal matrix), with the
 * algebraic unknown (i_cell, or eta_c when there is a double layer) solved by a safeguarded
 * scalar Newton iteration per stage, a local error estimate filtered through the stage matrix
 * (Shampine), and step-size control. Events (cut-off voltages, taper current, anode exhausted,
 * cathode surface saturated) are located to within event tolerances by Illinois regula falsi on
 * the step size, then the step ends there.
 */
#ifndef LS_MICROBATTERY_H
#define LS_MICROBATTERY_H

#include "electrochem.h"

#define LSB_MAXN LSE_FILM_MAXN
#define LS_ERR_BUF -3      /* output buffer too small (protocol runs) */
#define LS_ERR_SOLVE -4    /* the algebraic equation of a stage has no solution */

/* State vector layout (double[n + LSB_NEXTRA]): theta_0..theta_(n-1), then: */
enum { LSB_ST_ETA = 0, LSB_ST_QLI = 1, LSB_ST_SOH = 2, LSB_ST_DEAD = 3, LSB_NEXTRA = 4 };

/* Driver modes */
enum { LSB_CC = 0, LSB_CV = 1 };

/* Why a step/simulation ended */
enum {
    LSB_END_NONE = 0,          /* ran to the end of its time */
    LSB_END_V_MIN = 1,         /* voltage fell to v_min while discharging */
    LSB_END_V_MAX = 2,         /* voltage rose to v_max while charging */
    LSB_END_I_MIN = 3,         /* |current| of a CV step tapered to i_min */
    LSB_END_ANODE_EMPTY = 4,   /* the Li-metal inventory is exhausted */
    LSB_END_CATHODE_FULL = 5,  /* the cathode surface reached theta = 1 (fully lithiated) */
    LSB_END_CATHODE_EMPTY = 6  /* the cathode surface reached theta = 0 */
};

/* Output channels (one row per output point) */
enum {
    LSB_OUT_T = 0,       /* s */
    LSB_OUT_V,           /* terminal voltage, V */
    LSB_OUT_I,           /* terminal current, A (> 0 discharge) */
    LSB_OUT_ILEAK,       /* electronic leak current V/R_leak, A */
    LSB_OUT_SOC,         /* 1 - mean cathode lithiation (of the active material) */
    LSB_OUT_THS,         /* cathode surface lithiation theta_s */
    LSB_OUT_ETA,         /* cathode overpotential eta_c, V */
    LSB_OUT_QLI,         /* Li-metal inventory, C */
    LSB_OUT_QCAT,        /* Li in the cathode (active + inactive), C */
    LSB_OUT_QDL,         /* charge on the double layer C_dl eta_c, C */
    LSB_OUT_SOH,         /* active fraction of the cathode */
    LSB_OUT_OCV,         /* U_c(theta_s), V */
    LSB_OUT_IF,          /* faradaic current of the cathode, A */
    LSB_NOUT
};

/* Protocol step summary channels */
enum {
    LSB_SUM_STEP = 0, LSB_SUM_CYCLE, LSB_SUM_T0, LSB_SUM_T1, LSB_SUM_REASON, LSB_SUM_CHARGE,
    LSB_SUM_ENERGY, LSB_SUM_V, LSB_SUM_I, LSB_SUM_SOC, LSB_SUM_SOH, LSB_NSUM
};

typedef struct {
    double area;        /* footprint, m2 */
    /* cathode */
    double l_c;         /* cathode film thickness, m */
    double c_max;       /* Li concentration of the usable range, mol/m3 */
    double d_c;         /* Li diffusivity at t_ref, m2/s */
    double ea_d;        /* its activation energy, eV */
    double i0_c;        /* exchange current density at t_ref, A/m2 */
    double ea_i0c;      /* eV */
    double c_dl;        /* double-layer capacitance of the cathode interface, F/m2 (0 = none) */
    int    n_vol;       /* finite volumes of the cathode film */
    double grading;     /* dz_collector / dz_surface >= 1 */
    lse_ocv ocv;        /* cathode open-circuit potential */
    /* electrolyte (its thickness and area are in el) */
    lse_electrolyte el;
    /* anode */
    double i0_a;        /* Li/electrolyte exchange current density at t_ref, A/m2 */
    double ea_i0a;      /* eV */
    /* aging and numerics */
    double k_fade;      /* d soh/dt = -k_fade |i_f|, 1/C */
    double t_ref;       /* K, reference temperature of d_c and the i0 */
    double tol;         /* local error tolerance: theta (1) and eta (tol volts) */
} lsb_params;

/* Temperature-resolved coefficients. */
typedef struct {
    lse_film film;      /* at unit active fraction (soh = 1) and D(T) */
    lse_ocv ocv;
    double T, vt2;
    double i0A_c, i0A_a;   /* A, cathode at soh = 1 */
    double cdl;            /* F, at soh = 1 */
    double r_ion, g_leak;  /* ohm, S */
    double q0;             /* capacity F c_max A L (soh = 1), C */
    double i_scale;        /* 1C current q0 / 3600 s, A (Newton scaling) */
    double k_fade, tol;
} lsb_coeffs;

/* One protocol step (cycler semantics). */
typedef struct {
    int mode;           /* LSB_CC or LSB_CV */
    double value;       /* A (CC, > 0 discharge) or V (CV) */
    double duration;    /* s, the step ends after this time at the latest */
    double v_min;       /* V: end when V falls below while discharging (-INFINITY: never) */
    double v_max;       /* V: end when V rises above while charging (INFINITY: never) */
    double i_min;       /* A: end a CV step when |i| falls below (0: never) */
    int stop;           /* 1: a limit (not the duration) ends the whole protocol */
} lsb_step;

int lsb_coeffs_at(const lsb_params *p, double T, lsb_coeffs *c);
/* Uniform initial state at state of charge soc0 with Li inventory q_li0 (C), active fraction soh. */
void lsb_initial_state(const lsb_coeffs *c, double soc0, double q_li0, double soh, double *state);

/* Piecewise-linear current i(t) at samples t[0..nt-1] (strictly increasing). out: (nt + 1) rows of
 * LSB_NOUT channels, written at each sample; an event (v_min while i > 0, v_max while i < 0, anode
 * exhausted, cathode saturated) ends the run with one extra row at the event. Returns the number of
 * rows written (>= 1) or a negative LS_ERR_*; *reason = LSB_END_*. state is updated in place. */
long lsb_simulate(const lsb_coeffs *c, double *state, const double *t, const double *i, long nt,
                  double v_min, double v_max, double *out, int *reason);

/* Runs n_steps steps, repeated n_repeat times. A step ends at its duration or at the first of
 * its limits (v_min, v_max, i_min) or a cathode-saturation event, and the next step starts
 * (unless the step's stop flag is set); LSB_END_ANODE_EMPTY ends the protocol.
 * record = 1: a row at every accepted time step (and at every step start/end); 0: only the
 * step ends. out has room for out_cap rows; summary for
 * sum_cap steps (LSB_NSUM channels). Returns rows written, or LS_ERR_BUF (rows_needed not known:
 * retry larger), or another LS_ERR_*. *n_sum = steps summarised; *reason = the reason that
 * ended the last step. */
long lsb_run_protocol(const lsb_coeffs *c, double *state, const lsb_step *steps, int n_steps,
                      long n_repeat, int record, double *out, long out_cap,
                      double *summary, long sum_cap, long *n_sum, int *reason);

/* Terminal voltage (V) and terminal current for a given terminal current i (A) in the current
 * state, without advancing time (the instantaneous response: the double layer holds eta_c). */
int lsb_voltage_now(const lsb_coeffs *c, const double *state, double i, double *v);

#endif
