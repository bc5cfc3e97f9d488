/* Electrochemical elements of lithispice (DESIGN.md section 3): reusable building blocks.
 *
 * Every electrode/electrolyte interface has an electronic node (a terminal) and an ionic node
 * (the electrolyte potential). The elements below are what sits between those nodes; devices
 * (microbattery, synapse, sensor) are compositions of them. Plain C99, SI units:
 * V, A, s, K, m, m2, mol, mol/m3, S/m, F.
 *
 * 1. Electrolyte film (thickness L, area A) between two ionic nodes:
 *      sigma(T) = sigma_ref exp(-Ea/kB (1/T - 1/T_ref))            [S/m]
 *      R_ion(T) = L / (sigma(T) A)                                  [ohm]
 *      R_leak   = L / (sigma_e A)  between the two electronic sides  [ohm]  (INFINITY if sigma_e = 0)
 *      C_geo    = eps0 eps_r A / L                                   [F]
 *
 * 2. Butler-Volmer interface (symmetric, alpha = 1/2), i0A = exchange current i0 * A [A]:
 *      eta = (2RT/F) asinh(i / (2 i0A)),   i = 2 i0A sinh(F eta / (2RT)).
 *    Sign: i > 0 and eta > 0 in the same direction (the caller fixes which way is positive).
 *
 * 3. Open-circuit potential U(theta, T) of an intercalation electrode vs Li/Li+ [V].
 *    theta in [0, 1] is the lithiation of the usable range; the stoichiometry is
 *    x = x0 + (x1 - x0) theta. Laws:
 *      LSE_OCV_CONST            U = u_const (flat two-phase plateau)
 *      LSE_OCV_RAMADASS_LICOO2  Li_xCoO2, Ramadass et al., J. Electrochem. Soc. 151, A196 (2004):
 *                               U = sum a_k x^(2k) / sum b_k x^(2k), k = 0..5. The rational function
 *                               has poles at x = 0.4226 and x = 1.0043, so x is clamped to
 *                               [0.43, 1.0] (the guard of lithispice.materials.lico2_ocv_ramadass2004).
 *      LSE_OCV_TABLE            piecewise-linear table U_ref(x) + (T - t_ref) dU/dT(x), x clamped to
 *                               the table ends (e.g. LiNi0.5Mn1.5O4, Mao et al., ACS Omega 5, 4109
 *                               (2020)). Same interpolation as ngspice's pwl() and numpy.interp.
 *    Outside the clamp the derivative is 0 (the kernel's Newton solver stays monotone).
 *
 * 4. Intercalation film: planar solid diffusion dc/dt = D d2c/dz2 in a film of thickness L,
 *    molar flux J [mol/s] in at the electrolyte side, none at the current collector. Finite
 *    volumes k = 0 (collector) .. n-1 (electrolyte side), widths dz_k (uniform, or geometrically
 *    finer towards the surface: dz_0 / dz_(n-1) = grading). In lithiation theta = c / c_max:
 *      m_k dtheta_k/dt = g_(k-1) (theta_(k-1) - theta_k) + g_k (theta_(k+1) - theta_k) + [k = n-1] J
 *      m_k = c_max A dz_k            [mol per unit theta]
 *      g_k = D c_max A / ((dz_k + dz_(k+1)) / 2)   [mol/s per unit theta], between k and k+1
 *      theta_surf = theta_(n-1) + J / g_s,  g_s = D c_max A / (dz_(n-1)/2)   (half-cell extrapolation)
 *    A single volume (n = 1) uses g_s = D c_max A / (L/3) instead: the steady constant-flux
 *    profile is a parabola whose surface sits J L / (3 D c_max A) above the mean, so the lumped
 *    model is exact for the steady part of a constant-current load.
 *    The same equations are an exact RC ladder (node voltage = theta_k):
 *      C_k = F m_k [F],  R_k = 1 / (F g_k) [ohm],  R_s = 1 / (F g_s) [ohm], current in = F J.
 *    Time integration (lse_film_simulate and the device kernels): TR-BDF2 (gamma = 2 - sqrt 2),
 *    L-stable and second order; both stages share the matrix M + c K (c = gamma h / 2), so one
 *    tridiagonal factorisation per step. The sum of m_k theta_k changes by exactly the integrated
 *    flux (the Laplacian K has zero column sums), i.e. the discretisation conserves lithium.
 *
 * 5. Li-metal electrode: U = 0, a Butler-Volmer interface, and a finite inventory q [C]
 *    (thickness * A * c_Li * F). dq/dt = -i (Li leaves the metal when i > 0); q <= 0 is an event
 *    that the device kernels report (LSB_END_ANODE_EMPTY), never a silent negative thickness.
 */
#ifndef LS_ELECTROCHEM_H
#define LS_ELECTROCHEM_H

#include "ls_common.h"

#define LSE_FILM_MAXN  128   /* most finite volumes per film */
#define LSE_OCV_MAXPTS 64    /* most points of an OCV table */
#define LSE_EPS0 8.8541878128e-12   /* vacuum permittivity, F/m (CODATA 2018) */

/* --- 1. electrolyte film ------------------------------------------------------------- */
typedef struct {
    double sigma_ref;  /* Li-ion conductivity at t_ref, S/m */
    double ea;         /* activation energy of sigma, eV */
    double t_ref;      /* reference temperature, K */
    double sigma_e;    /* electronic (leak) conductivity, S/m; 0 = no leak */
    double eps_r;      /* relative permittivity; 0 = unknown (no geometric capacitance) */
    double thickness;  /* m */
    double area;       /* m2 */
} lse_electrolyte;

double lse_electrolyte_sigma(const lse_electrolyte *e, double T);   /* S/m */
double lse_electrolyte_r_ion(const lse_electrolyte *e, double T);   /* ohm */
double lse_electrolyte_r_leak(const lse_electrolyte *e);            /* ohm, INFINITY if no leak */
double lse_electrolyte_c_geo(const lse_electrolyte *e);             /* F, 0 if eps_r unknown */

/* --- 2. Butler-Volmer ------------------------------------------------------------------ */
/* 2RT/F, V: the voltage scale of the symmetric Butler-Volmer law. */
static inline double lse_vt2(double T) { return 2.0 * LS_R * T / LS_F; }
/* Overpotential (V) that drives current i (A) through an interface of exchange current i0A (A);
 * *deta_di (ohm) if not NULL. */
double lse_bv_eta(double i, double i0A, double T, double *deta_di);
/* Current (A) driven by overpotential eta (V); *di_deta (S) if not NULL. */
double lse_bv_current(double eta, double i0A, double T, double *di_deta);

/* --- 3. open-circuit potential --------------------------------------------------------- */
enum { LSE_OCV_CONST = 0, LSE_OCV_RAMADASS_LICOO2 = 1, LSE_OCV_TABLE = 2 };
#define LSE_RAMADASS_XMIN 0.43
#define LSE_RAMADASS_XMAX 1.0

typedef struct {
    int kind;          /* LSE_OCV_* */
    double x0, x1;     /* stoichiometry at theta = 0 and theta = 1 */
    double u_const;    /* V (LSE_OCV_CONST) */
    int n;             /* table points (LSE_OCV_TABLE), 2..LSE_OCV_MAXPTS, x increasing */
    double t_ref;      /* K, temperature of the table */
    double x[LSE_OCV_MAXPTS], u[LSE_OCV_MAXPTS], dudt[LSE_OCV_MAXPTS];  /* 1, V, V/K */
} lse_ocv;

/* Checks an OCV description; LS_OK or LS_ERR_INPUT. */
int lse_ocv_check(const lse_ocv *o);
/* U(theta, T) in V; *du_dtheta (V per unit theta) if not NULL. */
double lse_ocv_eval(const lse_ocv *o, double theta, double T, double *du_dtheta);

/* --- 4. intercalation film (planar diffusion) ------------------------------------------ */
typedef struct {
    int n;                      /* finite volumes */
    double thickness;           /* m */
    double dz[LSE_FILM_MAXN];   /* m */
    double m[LSE_FILM_MAXN];    /* mol per unit theta */
    double g[LSE_FILM_MAXN];    /* g[k], k < n-1: between volumes k and k+1, mol/s per unit theta */
    double g_s;                 /* between volume n-1 and the surface, mol/s per unit theta */
    double m_tot;               /* sum of m, mol per unit theta (= c_max A L) */
} lse_film;

/* Builds the grid. grading >= 1: dz_0/dz_(n-1) (1 = uniform). LS_OK or LS_ERR_INPUT. */
int lse_film_init(lse_film *f, int n, double thickness, double grading, double area,
                  double c_max, double D);
/* Surface lithiation for flux J (mol/s) into the film. */
static inline double lse_film_surface(const lse_film *f, const double *theta, double J)
{
    return theta[f->n - 1] + J / f->g_s;
}
/* Mean lithiation (volume-weighted). */
double lse_film_mean(const lse_film *f, const double *theta);
/* dtheta/dt for flux J (mol/s): out[k]. */
void lse_film_rate(const lse_film *f, const double *theta, double J, double *out);
/* The RC ladder of the film: C[k] (F), R[k] (ohm) between volumes k and k+1 (k < n-1), and
 * *R_s (ohm) between volume n-1 and the surface node. */
void lse_film_ladder(const lse_film *f, double *C, double *R, double *R_s);

/* Factorisation of M + c K (tridiagonal, symmetric positive definite), with the response to a
 * unit flux into the surface volume (it depends on c only, so it is solved once per factor). */
typedef struct {
    int n;
    double c;
    double winv[LSE_FILM_MAXN];   /* 1 / pivot */
    double cp[LSE_FILM_MAXN];     /* modified super-diagonal */
    double sub[LSE_FILM_MAXN];    /* sub-diagonal */
    double resp[LSE_FILM_MAXN];   /* (M + cK)^-1 e_(n-1) */
} lse_tri;

void lse_tri_factor(const lse_film *f, double c, lse_tri *t);
/* x = (M + cK)^-1 (M rhs) when scale_by_m, else (M + cK)^-1 rhs. x may alias rhs. */
void lse_tri_solve(const lse_film *f, const lse_tri *t, const double *rhs, int scale_by_m, double *x);

/* Implicit stage theta = theta_b + c f(theta) with flux J: theta = theta0 + c J t->resp, where
 * theta0 = (M + cK)^-1 M theta_b is written by this call. */
void lse_film_stage(const lse_film *f, const lse_tri *t, const double *theta_b, double *theta0);

/* Stand-alone film under a piecewise-linear flux J(t) (mol/s) given at t[0..nt-1] (strictly
 * increasing): TR-BDF2 with local error control (absolute tolerance tol on theta, filtered
 * estimate). theta (n values) is the initial state on entry and the final state on return.
 * Writes theta_surf[k] and theta_mean[k] at each sample (either may be NULL).
 * Returns LS_OK, LS_ERR_INPUT or LS_ERR_STEP. */
int lse_film_simulate(const lse_film *f, const double *t, const double *J, long nt, double tol,
                      double *theta, double *theta_surf, double *theta_mean);

/* --- 5. Li-metal electrode ---------------------------------------------------------------- */
/* Li-metal inventory (C) of a film of thickness (m), area (m2) and Li concentration c_li
 * (mol/m3): thickness * area * c_li * F. */
static inline double lse_li_inventory(double thickness, double area, double c_li)
{
    return thickness * area * c_li * LS_F;
}

/* TR-BDF2 constants shared by the film and device integrators. */
#define LSE_TRBDF2_GAMMA   0.58578643762690485   /* 2 - sqrt(2) */
/* |local error constant| (3 gamma^2 - 4 gamma + 2) / (12 (2 - gamma)) */
#define LSE_TRBDF2_ERRC    0.040440114519880860

#endif
