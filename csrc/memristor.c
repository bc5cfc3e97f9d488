/* Li memristor kernel: see memristor.h for the equations. */
#include <limits.h>

#include "memristor.h"

#if defined(__SSE2__) && !defined(LSMB_NO_NT)
#  include <emmintrin.h>   /* streaming stores of the block path */
#endif

void lsm_coeffs_at(const lsm_params *prm, double T, lsm_coeffs *c)
{
    double fa = ls_arrhenius(prm->ea, T, prm->t_ref);
    c->ks = prm->k_set * fa;
    c->kr = prm->k_reset * fa;
    c->inv_v0s = 1.0 / prm->v0_set;
    c->inv_v0r = 1.0 / prm->v0_reset;
    c->p = prm->p;
    /* Retention slows down when cold: tau(T) = tau_ref / arrhenius(Ea_ret). */
    c->inv_tau = prm->tau_ret > 0.0 ? ls_arrhenius(prm->ea_ret, T, prm->t_ref) / prm->tau_ret : 0.0;
    c->w_eq = prm->w_eq;
    c->g_on = prm->g_on;
    c->g_off = prm->g_off;
    c->ln_ratio = log(prm->g_on / prm->g_off);
    c->v_nl = prm->v_nl;
    c->inv_vnl = prm->v_nl > 0.0 ? 1.0 / prm->v_nl : 0.0;
    c->law = prm->law;
    c->w_c = prm->w_c;
    c->t_perc = prm->t_perc;
    c->sig_set = prm->sig_set;
    c->sig_reset = prm->sig_reset;
    c->tau_c2c = prm->tau_c2c;
    c->seed = (unsigned long long)prm->seed;
}

/* splitmix64 (Steele, Lea, Flood 2014): a counter-based stream, no state between calls */
static inline unsigned long long splitmix64(unsigned long long x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

double lsm_c2c_normal(unsigned long long seed, int stream, long long j)
{
    unsigned long long k = splitmix64(seed ^ splitmix64(((unsigned long long)j << 1) | (unsigned)stream));
    unsigned long long a = splitmix64(k), b = splitmix64(k ^ 0xD1B54A32D192ED03ULL);
    double u1 = ((double)(a >> 11) + 0.5) * 0x1.0p-53;     /* (0, 1) */
    double u2 = (double)(b >> 11) * 0x1.0p-53;             /* [0, 1) */
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);   /* Box-Muller */
}

/* Window powers: p == 1 is the common case and avoids pow(). */
static inline double wpow(double x, double p)
{
    return p == 1.0 ? x : pow(x, p);
}

double lsm_rate(const lsm_coeffs *c, double v, double w)
{
    double wc = ls_clamp(w, 0.0, 1.0);
    double r = -(w - c->w_eq) * c->inv_tau;
    if (v > 0.0)
        r += c->ks * sinh(v * c->inv_v0s) * wpow(1.0 - wc, c->p);
    else if (v < 0.0)
        r -= c->kr * sinh(-v * c->inv_v0r) * wpow(wc, c->p);
    return r;
}

double lsm_conductance(const lsm_coeffs *c, double w)
{
    double wc = ls_clamp(w, 0.0, 1.0);
    switch (c->law) {
    case LSM_LAW_SERIES:
        return 1.0 / (wc / c->g_on + (1.0 - wc) / c->g_off);
    case LSM_LAW_PERCOLATION: {
        double s = wc > c->w_c ? (wc - c->w_c) / (1.0 - c->w_c) : 0.0;
        return c->g_off + (c->g_on - c->g_off) * pow(s, c->t_perc);
    }
    default:
        return c->g_off * exp(wc * c->ln_ratio);
    }
}

double lsm_current(const lsm_coeffs *c, double v, double w)
{
    double g = lsm_conductance(c, w);
    return c->inv_vnl > 0.0 ? g * c->v_nl * sinh(v * c->inv_vnl) : g * v;
}

/* sinh(d)/d. Finely sampled stimuli give small d, where the Taylor series (truncation
 * error < 3e-14 relative for |d| < 0.1) saves an exp() in the hot loop. */
static inline double sinhc(double d)
{
    if (fabs(d) < 0.1) {
        double d2 = d * d;
        return 1.0 + d2 * (1.0 / 6.0 + d2 * (1.0 / 120.0 + d2 * (1.0 / 5040.0)));
    }
    return sinh(d) / d;
}

/* Move the untransformed fraction u (1-w for set, w for reset) by the rate integral A. */
static inline double relax_fraction(double u, double A, double p)
{
    if (p == 1.0)
        return u * exp(-A);
    if (u <= 0.0)
        return 0.0;
    return pow(pow(u, 1.0 - p) + (p - 1.0) * A, 1.0 / (1.0 - p));
}

/* exp(-z) for z >= 0, cheap when z is tiny (retention over one sample interval). */
static inline double decay(double z)
{
    return z < 1e-3 ? 1.0 - z * (1.0 - z * (0.5 - z / 6.0)) : exp(-z);
}

/* Retention over h seconds: exact exponential relaxation towards w_eq. */
static inline double retain(const lsm_coeffs *c, double w, double h)
{
    return c->inv_tau > 0.0 ? c->w_eq + (w - c->w_eq) * decay(h * c->inv_tau) : w;
}

/* Exact switching update over h seconds of a linear ramp va -> vb that keeps its sign,
 * with retention applied by Strang splitting (half before, half after: second order). */
static inline double advance(const lsm_coeffs *c, double w, double h, double va, double vb)
{
    double s = va + vb;
    w = retain(c, w, 0.5 * h);
    if (s > 0.0) {
        double xa = va * c->inv_v0s, xb = vb * c->inv_v0s;
        double A = c->ks * h * ls_sinh(0.5 * (xa + xb)) * sinhc(0.5 * (xb - xa));
        w = 1.0 - relax_fraction(1.0 - w, A, c->p);
    } else if (s < 0.0) {
        double xa = -va * c->inv_v0r, xb = -vb * c->inv_v0r;
        double A = c->kr * h * ls_sinh(0.5 * (xa + xb)) * sinhc(0.5 * (xb - xa));
        w = relax_fraction(w, A, c->p);
    }
    return retain(c, w, 0.5 * h);
}

/* lsm_simulate with cycle-to-cycle draws: every interval is also split at the multiples of
 * tau_c2c, where the rate multipliers change (the integration stays exact per piece). */
static int simulate_c2c(const lsm_coeffs *c, const double *t, const double *v, long n, double w0,
                        double *w_out, double *i_out)
{
    lsm_coeffs cc = *c;
    const double tau = c->tau_c2c;
    long long jcur = LLONG_MIN;
    double w = ls_clamp(w0, 0.0, 1.0);
    if (n <= 0)
        return LS_OK;
    if (!(tau > 0.0))
        return LS_ERR_INPUT;
    if (w_out) w_out[0] = w;
    if (i_out) i_out[0] = lsm_current(c, v[0], w);
    for (long k = 0; k + 1 < n; ++k) {
        const double ta = t[k], tb = t[k + 1], va = v[k], vb = v[k + 1], h = tb - ta;
        if (!(h > 0.0))
            return LS_ERR_INPUT;
        double tc = ta, vc = va;
        while (tc < tb) {
            long long j = (long long)floor(tc / tau);
            if ((double)(j + 1) * tau <= tc) ++j;          /* rounding at a boundary */
            double tn = (double)(j + 1) * tau;
            if (tn > tb) tn = tb;
            double vn = tn >= tb ? vb : va + (vb - va) * ((tn - ta) / h);
            if ((vc > 0.0 && vn < 0.0) || (vc < 0.0 && vn > 0.0)) {   /* zero crossing */
                tn = tc + (tn - tc) * vc / (vc - vn);
                vn = 0.0;
            }
            if (j != jcur) {
                cc.ks = c->ks * exp(c->sig_set * lsm_c2c_normal(c->seed, 0, j));
                cc.kr = c->kr * exp(c->sig_reset * lsm_c2c_normal(c->seed, 1, j));
                jcur = j;
            }
            if (!(tn > tc)) {       /* rounding left no room: finish the interval in one piece */
                tn = tb;
                vn = vb;
            }
            w = advance(&cc, w, tn - tc, vc, vn);
            tc = tn;
            vc = vn;
        }
        if (!isfinite(w))
            return LS_ERR_INPUT;
        if (w_out) w_out[k + 1] = w;
        if (i_out) i_out[k + 1] = lsm_current(c, vb, w);
    }
    return LS_OK;
}

int lsm_simulate(const lsm_coeffs *c, const double *t, const double *v, long n, double w0,
                 double *w_out, double *i_out)
{
    if (c->sig_set > 0.0 || c->sig_reset > 0.0)
        return simulate_c2c(c, t, v, n, w0, w_out, i_out);
    double w = ls_clamp(w0, 0.0, 1.0);
    if (n <= 0)
        return LS_OK;
    if (w_out) w_out[0] = w;
    if (i_out) i_out[0] = lsm_current(c, v[0], w);
    for (long k = 0; k + 1 < n; ++k) {
        double h = t[k + 1] - t[k], va = v[k], vb = v[k + 1];
        if (!(h > 0.0))
            return LS_ERR_INPUT;
        if ((va > 0.0 && vb < 0.0) || (va < 0.0 && vb > 0.0)) {
            double hz = h * va / (va - vb);          /* time of the zero crossing */
            w = advance(c, w, hz, va, 0.0);
            w = advance(c, w, h - hz, 0.0, vb);
        } else {
            w = advance(c, w, h, va, vb);
        }
        if (!isfinite(w))
            return LS_ERR_INPUT;
        if (w_out) w_out[k + 1] = w;
        if (i_out) i_out[k + 1] = lsm_current(c, vb, w);
    }
    return LS_OK;
}

/* ==== Block path (see memristor.h): devices in SIMD lanes, one shared stimulus ============
 *
 * Devices are processed in chunks of LSMB_B; for each chunk the time loop is outer and every
 * device loop inside it is straight-line code (selects, no branches, no calls: exp is
 * ls_exp_fast), which GCC vectorises. What depends on the stimulus only (interval length,
 * zero-crossing split, set/reset/neither) is decided once per interval outside the device
 * loops, and so are two cheap-case tests; those are exact or conservative for every device
 * of the chunk, so each device gets the arithmetic it would get alone (results do not
 * depend on how devices are grouped):
 *   - retention decay: the cubic of decay() when (h/2) max(inv_tau) < 1e-3 (then every
 *     device's z is below 1e-3, rounding being monotone), else a per-device select;
 *   - sinh(d)/d: the short series of sinhc() when a bound on max |d| is below 0.1, else a
 *     per-device select between that series, a long series (|d| < 1, where (e - 1/e)/2
 *     would lose digits to cancellation) and the exp form.
 * Outputs: samples go to a ring of LSMB_R samples x LSMB_B devices (contiguous vector
 * stores) and every LSMB_T samples each device's row of w_out / i_out is written up to its
 * last whole 64-byte line with streaming (non-temporal) stores: the (N, n_t) outputs are
 * far larger than the caches and written once, so this saves the read-for-ownership of
 * every line. The few samples before a line boundary wait in the ring for the next round.
 *
 * ISA: target_clones builds x86-64-v4 (AVX-512) and x86-64-v3 (AVX2 + FMA) clones next to
 * the baseline one, and the loader picks the best the CPU has; the build stays portable (no
 * -march). FMA contraction is allowed in this section only; it has no effect in the
 * baseline clone (no FMA there). No -ffast-math: the arithmetic stays IEEE.
 * The cloned functions must not call non-inlined code: GCC 12 then omitted the vzeroupper
 * on return, and every SSE/libm instruction after it ran ~15x slower. Hence always_inline.
 * Build knobs (for comparisons): -DLSM_NO_CLONES builds only the plain version,
 * -DLSMB_NO_NT writes the outputs with ordinary stores. */

#define LSMB_B 128   /* devices per chunk */
#define LSMB_T 16    /* samples between output rounds */
#define LSMB_R 32    /* ring length (power of 2, >= LSMB_T + 7) */
#define LSMB_PAD 8   /* lanes are padded to a multiple of this (the widest vector, AVX-512) */

#if defined(__GNUC__)
#  define LSMB_ALIGN __attribute__((aligned(64)))
#else
#  define LSMB_ALIGN
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) \
    && !defined(LSM_NO_CLONES)
#  define LSM_CLONES_X86 1
#  if __GNUC__ >= 12
#    define LSM_CLONES \
        __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#  else
#    define LSM_CLONES __attribute__((target_clones("avx2", "default")))
#  endif
#else
#  define LSM_CLONES
#endif

int lsm_block_simd(void)
{
#if defined(LSM_CLONES_X86)
    __builtin_cpu_init();
#  if __GNUC__ >= 12
    return __builtin_cpu_supports("x86-64-v3") != 0;   /* what the v3 / v4 clones need */
#  else
    return __builtin_cpu_supports("avx2") != 0;
#  endif
#else
    return 0;
#endif
}

#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC push_options
#  pragma GCC optimize ("fp-contract=fast")
#endif
#define LSMB_INLINE LS_ALWAYS_INLINE

int lsm_block_ok(const lsm_coeffs *c)
{
    return c->p == 1.0 && c->law == LSM_LAW_LOG && !(c->inv_vnl > 0.0) &&
           !(c->sig_set > 0.0 || c->sig_reset > 0.0);     /* c2c draws: scalar path */
}

void lsm_block_put(double *soa, long stride, long j, const lsm_coeffs *c, double w0)
{
    double *s = soa + j;
    s[LSMB_KS * stride] = c->ks;
    s[LSMB_KR * stride] = c->kr;
    s[LSMB_IV0S * stride] = c->inv_v0s;
    s[LSMB_IV0R * stride] = c->inv_v0r;
    /* Without retention (inv_tau = 0) the scalar path leaves w alone; the block kernel
     * applies w_eq + (w - w_eq) * 1 unconditionally, which is exactly w when w_eq = 0. */
    s[LSMB_ITAU * stride] = c->inv_tau;
    s[LSMB_WEQ * stride] = c->inv_tau > 0.0 ? c->w_eq : 0.0;
    s[LSMB_GOFF * stride] = c->g_off;
    s[LSMB_LNR * stride] = c->ln_ratio;
    s[LSMB_W0 * stride] = ls_clamp(w0, 0.0, 1.0);
}

/* Selects. GCC keeps -ftrapping-math (the default) here, so it will not execute floating-point
 * arithmetic speculatively: a plain `c ? a : b` whose arm holds arithmetic gets sunk into a
 * branch and the loop no longer vectorises. blk_sel computes both arms and picks bits, which
 * leaves nothing to sink; the comparisons are the quiet isless/isgreater (no FE_INVALID). */
LSMB_INLINE double blk_sel(int c, double a, double b)
{
    uint64_t m = c ? ~(uint64_t)0 : 0;       /* the comparison's own lane mask */
    return ls_u2d((ls_d2u(a) & m) | (ls_d2u(b) & ~m));
}

/* decay(z) of the scalar path: its cubic branch, and the full select. */
LSMB_INLINE double blk_decay_cubic(double z)
{
    return 1.0 - z * (1.0 - z * (0.5 - z * (1.0 / 6.0)));
}

LSMB_INLINE double blk_decay(double z)
{
    double c = blk_decay_cubic(z), e = ls_exp_fast(-z);
    return blk_sel(isless(z, 1e-3), c, e);
}

/* sinhc(d) of the scalar path: its series branch, and the full select. */
LSMB_INLINE double blk_sinhc_short(double d)
{
    double d2 = d * d;
    return 1.0 + d2 * (1.0 / 6.0 + d2 * (1.0 / 120.0 + d2 * (1.0 / 5040.0)));
}

LSMB_INLINE double blk_sinhc(double d)
{
    double d2 = d * d, a = fabs(d);
    double s0 = blk_sinhc_short(d);
    /* sum_n d^2n / (2n+1)!, n <= 9: truncation < 3e-20 for |d| < 1 */
    double s1 = 1.0 + d2 * (1.0 / 6.0 + d2 * (1.0 / 120.0 + d2 * (1.0 / 5040.0
              + d2 * (1.0 / 362880.0 + d2 * (1.0 / 39916800.0 + d2 * (1.0 / 6227020800.0
              + d2 * (1.0 / 1307674368000.0 + d2 * (1.0 / 355687428096000.0
              + d2 * (1.0 / 121645100408832000.0)))))))));
    double e = ls_exp_fast(d);
    double s2 = 0.5 * (e - 1.0 / e) / d;     /* NaN at d = 0, never selected there */
    return blk_sel(isless(a, 0.1), s0, blk_sel(isless(a, 1.0), s1, s2));
}

/* One sub-interval of length h with a linear ramp va -> vb that keeps its sign (advance()
 * of the scalar path) for m devices. sgn: +1 set, -1 reset, 0 neither. fast: every device
 * takes the cubic decay and the short sinhc series (else both are selected per device).
 * Called with constant flags: each call site becomes its own straight-line loop.
 * (Fusing blk_sample into this loop measured slower: three exp() need more constants than
 * there are vector registers.) */
LSMB_INLINE void blk_advance(long m, double *restrict W, const double *restrict kk,
                             const double *restrict iv, const double *restrict itau,
                             const double *restrict weq, double h, double va, double vb,
                             const int sgn, const int fast)
{
    const double hh = 0.5 * h;
    for (long j = 0; j < m; ++j) {
        double w = W[j], we = weq[j];
        double z = hh * itau[j];
        double f = fast ? blk_decay_cubic(z) : blk_decay(z);
        w = we + (w - we) * f;                  /* retention, first half */
        if (sgn != 0) {
            double xa = sgn > 0 ? va * iv[j] : -va * iv[j];
            double xb = sgn > 0 ? vb * iv[j] : -vb * iv[j];
            double e = ls_exp_fast(0.5 * (xa + xb));
            double sh = 0.5 * (e - 1.0 / e);
            double d = 0.5 * (xb - xa);
            double sc = fast ? blk_sinhc_short(d) : blk_sinhc(d);
            double ea = ls_exp_fast(-(kk[j] * h * sh * sc));
            w = sgn > 0 ? 1.0 - (1.0 - w) * ea : w * ea;
        }
        W[j] = we + (w - we) * f;               /* retention, second half */
    }
}

/* Conservative test that every device of the chunk has |d| = |xb - xa|/2 < 0.1 (x = v/V0):
 * the bound covers the roundings of the products and of the difference. */
LSMB_INLINE int blk_series_ok(double va, double vb, double max_iv)
{
    double bound = 0.5 * max_iv * (fabs(vb - va) + 1e-15 * (fabs(va) + fabs(vb)));
    return bound * (1.0 + 1e-9) < 0.1;
}

/* Advance all devices over one sub-interval (see blk_advance). */
LSMB_INLINE void blk_interval(long m, double *restrict W, const double *const *C,
                              double max_iv0s, double max_iv0r, double max_itau,
                              double h, double va, double vb)
{
    const double *itau = C[LSMB_ITAU], *weq = C[LSMB_WEQ];
    int cubic = 0.5 * h * max_itau < 1e-3;
    double s = va + vb;
    if (s > 0.0) {
        const double *kk = C[LSMB_KS], *iv = C[LSMB_IV0S];
        if (cubic && blk_series_ok(va, vb, max_iv0s))
            blk_advance(m, W, kk, iv, itau, weq, h, va, vb, 1, 1);
        else
            blk_advance(m, W, kk, iv, itau, weq, h, va, vb, 1, 0);
    } else if (s < 0.0) {
        const double *kk = C[LSMB_KR], *iv = C[LSMB_IV0R];
        if (cubic && blk_series_ok(va, vb, max_iv0r))
            blk_advance(m, W, kk, iv, itau, weq, h, va, vb, -1, 1);
        else
            blk_advance(m, W, kk, iv, itau, weq, h, va, vb, -1, 0);
    } else {
        const double *kk = C[LSMB_KS], *iv = C[LSMB_IV0S];
        if (cubic)
            blk_advance(m, W, kk, iv, itau, weq, h, va, vb, 0, 1);
        else
            blk_advance(m, W, kk, iv, itau, weq, h, va, vb, 0, 0);
    }
}

/* State and current at one sample into ring rows rw, ri (lsm_current: law log, ohmic). */
LSMB_INLINE void blk_sample(long m, const double *restrict W, const double *restrict goff,
                            const double *restrict lnr, double v, double *restrict rw,
                            double *restrict ri)
{
    for (long j = 0; j < m; ++j) {
        double w = W[j];
        double wc = isless(w, 0.0) ? 0.0 : w;
        wc = isgreater(wc, 1.0) ? 1.0 : wc;
        rw[j] = w;
        ri[j] = goff[j] * ls_exp_fast(wc * lnr[j]) * v;
    }
}

/* Write samples [a, b) of ring column j into row dst, whole aligned 64-byte lines with
 * streaming stores, the rest (row head and tail only) with ordinary ones. */
LSMB_INLINE void blk_write(double *dst, const double *ring, long j, long a, long b)
{
    long s = a;
#if defined(__SSE2__) && !defined(LSMB_NO_NT)
    while (s < b && ((uintptr_t)(dst + s) & 63u))
        dst[s] = ring[(s & (LSMB_R - 1)) * LSMB_B + j], ++s;
    for (; s + 8 <= b; s += 8)
        for (long q = 0; q < 8; q += 2)
            _mm_stream_pd(dst + s + q, _mm_set_pd(ring[((s + q + 1) & (LSMB_R - 1)) * LSMB_B + j],
                                                  ring[((s + q) & (LSMB_R - 1)) * LSMB_B + j]));
#endif
    for (; s < b; ++s)
        dst[s] = ring[(s & (LSMB_R - 1)) * LSMB_B + j];
}

/* Largest sample index <= n whose address in row dst starts a 64-byte line (n - 7 at worst). */
LSMB_INLINE long blk_line_start(const double *dst, long n)
{
    return n - (long)(((uintptr_t)(dst + n) & 63u) >> 3);
}

/* One output round for the chunk's devices: rows up to their last line start before
 * sample n (final: up to n). done_w / done_i: first sample not yet written, per device. */
LSMB_INLINE void blk_flush(long m, long j0, const long *rows, const double *rw,
                           const double *ri, long *done_w, long *done_i, long n, int final,
                           double *w_out, double *i_out, long ld_out)
{
    for (long j = 0; j < m; ++j) {
        long row = rows ? rows[j0 + j] : j0 + j;
        if (w_out) {
            double *dst = w_out + row * ld_out;
            long b = final ? n : blk_line_start(dst, n);
            blk_write(dst, rw, j, done_w[j], b);
            done_w[j] = b > done_w[j] ? b : done_w[j];
        }
        if (i_out) {
            double *dst = i_out + row * ld_out;
            long b = final ? n : blk_line_start(dst, n);
            blk_write(dst, ri, j, done_i[j], b);
            done_i[j] = b > done_i[j] ? b : done_i[j];
        }
    }
}

LSM_CLONES
int lsm_simulate_block(const double *soa, long stride, long n_dev, const long *rows,
                       const double *t, const double *v, long n_t,
                       double *w_out, double *i_out, long ld_out)
{
    /* Per chunk: coefficients copied to aligned local arrays and padded to a multiple of
     * LSMB_PAD lanes by repeating the last device, so the vector loops run without a scalar
     * remainder (padding lanes compute but are never written out). */
    LSMB_ALIGN double C[LSMB_NCOEF][LSMB_B], W[LSMB_B];
    LSMB_ALIGN double rw[LSMB_R * LSMB_B], ri[LSMB_R * LSMB_B];
    long done_w[LSMB_B], done_i[LSMB_B];
    const double *Cp[LSMB_NCOEF];
    for (int q = 0; q < LSMB_NCOEF; ++q)
        Cp[q] = C[q];
    const double *iv0s = C[LSMB_IV0S], *iv0r = C[LSMB_IV0R], *itau = C[LSMB_ITAU];
    int rc = LS_OK;
    if (n_t <= 0)
        return LS_OK;
    for (long j0 = 0; j0 < n_dev && rc == LS_OK; j0 += LSMB_B) {
        long m = n_dev - j0 < LSMB_B ? n_dev - j0 : LSMB_B;
        long mp = (m + LSMB_PAD - 1) / LSMB_PAD * LSMB_PAD;
        for (int q = 0; q < LSMB_NCOEF; ++q)
            for (long j = 0; j < mp; ++j)
                C[q][j] = soa[q * stride + j0 + (j < m ? j : m - 1)];
        double max_iv0s = 0.0, max_iv0r = 0.0, max_itau = 0.0;
        for (long j = 0; j < mp; ++j) {
            W[j] = C[LSMB_W0][j];
            max_iv0s = iv0s[j] > max_iv0s ? iv0s[j] : max_iv0s;
            max_iv0r = iv0r[j] > max_iv0r ? iv0r[j] : max_iv0r;
            max_itau = itau[j] > max_itau ? itau[j] : max_itau;
        }
        for (long j = 0; j < m; ++j)
            done_w[j] = done_i[j] = 0;
        blk_sample(mp, W, C[LSMB_GOFF], C[LSMB_LNR], v[0], rw, ri);
        long k = 0;
        for (; k + 1 < n_t; ++k) {
            double h = t[k + 1] - t[k], va = v[k], vb = v[k + 1];
            if (!(h > 0.0)) {
                rc = LS_ERR_INPUT;
                break;
            }
            if ((va > 0.0 && vb < 0.0) || (va < 0.0 && vb > 0.0)) {
                double hz = h * va / (va - vb);        /* time of the zero crossing */
                blk_interval(mp, W, Cp, max_iv0s, max_iv0r, max_itau, hz, va, 0.0);
                blk_interval(mp, W, Cp, max_iv0s, max_iv0r, max_itau, h - hz, 0.0, vb);
            } else {
                blk_interval(mp, W, Cp, max_iv0s, max_iv0r, max_itau, h, va, vb);
            }
            long r = ((k + 1) & (LSMB_R - 1)) * LSMB_B;  /* ring row of sample k + 1 */
            blk_sample(mp, W, C[LSMB_GOFF], C[LSMB_LNR], vb, rw + r, ri + r);
            if ((k + 2) % LSMB_T == 0)                 /* samples 0..k+1 are in the ring */
                blk_flush(m, j0, rows, rw, ri, done_w, done_i, k + 2, 0, w_out, i_out, ld_out);
        }
        blk_flush(m, j0, rows, rw, ri, done_w, done_i, k + 1, 1, w_out, i_out, ld_out);
        /* A NaN state stays NaN through every later update (and the state cannot reach
         * +-inf from finite values), so checking the final states catches any failure. */
        for (long j = 0; j < m; ++j)
            if (!isfinite(W[j]))
                rc = LS_ERR_INPUT;
    }
#if defined(__SSE2__) && !defined(LSMB_NO_NT)
    _mm_sfence();                                      /* order the streaming stores */
#endif
    return rc;
}

LSM_CLONES
void lsm_exp_fast_array(const double *x, double *y, long n)
{
    for (long k = 0; k < n; ++k)
        y[k] = ls_exp_fast(x[k]);
}

#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC pop_options
#endif
