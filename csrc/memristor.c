/* Li memristor kernel: see memristor.h for the equations. */
#include "memristor.h"

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

int lsm_simulate(const lsm_coeffs *c, const double *t, const double *v, long n, double w0,
                 double *w_out, double *i_out)
{
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
