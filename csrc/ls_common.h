/* Shared definitions of the lithispice C kernels.
 * Plain C99, no Python headers: the kernels are callable from any language.
 * Units are SI throughout (V, A, s, K, S, F, mol, C). */
#ifndef LS_COMMON_H
#define LS_COMMON_H

#include <math.h>

/* CODATA 2018 (exact since the 2019 SI redefinition, except where noted). */
#define LS_F     96485.33212      /* Faraday constant, C/mol */
#define LS_R     8.314462618      /* molar gas constant, J/(mol K) */
#define LS_KB_EV 8.617333262e-5   /* Boltzmann constant, eV/K */
#define LS_Q     1.602176634e-19  /* elementary charge, C */

/* Status codes returned by the kernels. */
#define LS_OK          0
#define LS_ERR_INPUT  -1   /* non-finite or non-monotonic input */
#define LS_ERR_STEP   -2   /* step size fell below the minimum */

static inline double ls_clamp(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* Arrhenius factor exp(-Ea/kB (1/T - 1/Tref)): multiplies a rate given at Tref. */
static inline double ls_arrhenius(double ea_eV, double T, double T_ref)
{
    return exp(-ea_eV / LS_KB_EV * (1.0 / T - 1.0 / T_ref));
}

/* sinh via one exp(): faster than libm's sinh. Near x = 0 its absolute error stays ~1e-16,
 * which is all the rate integrals need (they multiply it by a small k*h there). */
static inline double ls_sinh(double x)
{
    double e = exp(x);
    return 0.5 * (e - 1.0 / e);
}

#endif
