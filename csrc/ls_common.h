/* Shared definitions of the lithispice C kernels.
 * Plain C99, no Python headers: the kernels are callable from any language.
 * Units are SI throughout (V, A, s, K, S, F, mol, C). */
#ifndef LS_COMMON_H
#define LS_COMMON_H

#include <math.h>
#include <stdint.h>

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

/* Forced inlining: a vectorised loop must not call out (a call also drops the vector path). */
#if defined(__GNUC__)
#  define LS_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#  define LS_ALWAYS_INLINE static inline
#endif

/* Bit casts for ls_exp_fast (GCC and clang vectorise these unions). */
LS_ALWAYS_INLINE uint64_t ls_d2u(double x) { union { double d; uint64_t u; } c; c.d = x; return c.u; }
LS_ALWAYS_INLINE double ls_u2d(uint64_t u) { union { double d; uint64_t u; } c; c.u = u; return c.d; }

/* exp(x) without a libm call, branch-free so loops calling it vectorise (it is what the
 * memristor block path uses; scalar code keeps libm's exp as the reference).
 * x = k ln2 + r, |r| <= ln2/2 (a hair more from rounding):
 *   k = round(x / ln2) by the round-to-nearest magic constant 0x1.8p52 (its low mantissa
 *       bits then hold k as an integer: no floor/rint, no double->int64 instruction);
 *   r = (x - k ln2_hi) - k ln2_lo (Cody-Waite: ln2_hi has 32 significant bits, so k ln2_hi
 *       and the first subtraction are exact for |k| < 2^21);
 *   exp(r) = 1 + (r + r^2 P(r)), P of degree 10: near-minimax (Chebyshev interpolation of
 *       (e^r - 1 - r)/r^2), approximation error 3.3e-19 relative on |r| <= ln2/2;
 *   2^k = 2^k1 2^k2 with k1 = floor(k/2), k2 = k - k1: both halves are normal numbers over
 *       the whole clamped range, so overflow to inf, gradual underflow to subnormals and 0
 *       come out as in libm, and only the last multiplication rounds.
 * Input clamped to |x| <= 746 (beyond: exactly 0 and inf); NaN propagates.
 * Against glibc over [-700, 700]: max relative difference 2.2e-16 (1 ulp; tests/test_memristor.py). */
LS_ALWAYS_INLINE double ls_exp_fast(double x)
{
    const double magic = 0x1.8p52, log2e = 0x1.71547652b82fep+0;
    const double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
    /* Quiet comparisons (isless/isgreater never raise FE_INVALID), so GCC may if-convert the
     * clamp into selects under the default -ftrapping-math: the loop stays vectorisable. */
    double xc = isgreater(fabs(x), 746.0) ? copysign(746.0, x) : x;
    double kd = xc * log2e + magic;
    uint64_t kb = ls_d2u(kd) - ls_d2u(magic);            /* k mod 2^64, |k| <= 1076 */
    kd -= magic;
    double r = (xc - kd * ln2_hi) - kd * ln2_lo;
    double p = 0x1.1f730a202ec17p-29;
    p = p * r + 0x1.af4df5750ec30p-26;
    p = p * r + 0x1.27e4db6121beep-22;
    p = p * r + 0x1.71de022bd5558p-19;
    p = p * r + 0x1.a01a01a6d9931p-16;
    p = p * r + 0x1.a01a01abe9ce8p-13;
    p = p * r + 0x1.6c16c16c162d2p-10;
    p = p * r + 0x1.11111111100d8p-7;
    p = p * r + 0x1.5555555555556p-5;
    p = p * r + 0x1.5555555555557p-3;
    p = p * r + 0.5;
    double y = 1.0 + (r + (r * r) * p);
    uint64_t u1 = (kb + 2048u) >> 1;                     /* k1 + 1024, k1 = floor(k/2) */
    uint64_t k2 = kb - (u1 - 1024u);                     /* k - k1 (mod 2^64) */
    double s1 = ls_u2d((u1 - 1u) << 52);                 /* 2^k1: exponent field k1 + 1023 */
    double s2 = ls_u2d((k2 + 1023u) << 52);              /* 2^k2 */
    return y * s1 * s2;
}

#endif
