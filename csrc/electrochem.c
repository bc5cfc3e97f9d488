/* Electrochemical elements: see electrochem.h for the equations. */
#include "electrochem.h"

#include <string.h>

/* --- 1. electrolyte film ------------------------------------------------------------- */

double lse_electrolyte_sigma(const lse_electrolyte *e, double T)
{
    return e->sigma_ref * ls_arrhenius(e->ea, T, e->t_ref);
}

double lse_electrolyte_r_ion(const lse_electrolyte *e, double T)
{
    return e->thickness / (lse_electrolyte_sigma(e, T) * e->area);
}

double lse_electrolyte_r_leak(const lse_electrolyte *e)
{
    return e->sigma_e > 0.0 ? e->thickness / (e->sigma_e * e->area) : INFINITY;
}

double lse_electrolyte_c_geo(const lse_electrolyte *e)
{
    return e->eps_r > 0.0 ? LSE_EPS0 * e->eps_r * e->area / e->thickness : 0.0;
}

/* --- 2. Butler-Volmer ------------------------------------------------------------------ */

double lse_bv_eta(double i, double i0A, double T, double *deta_di)
{
    double vt2 = lse_vt2(T), s = i / (2.0 * i0A);
    if (deta_di)
        *deta_di = vt2 / (2.0 * i0A * sqrt(1.0 + s * s));
    return vt2 * asinh(s);
}

double lse_bv_current(double eta, double i0A, double T, double *di_deta)
{
    double vt2 = lse_vt2(T);
    /* |eta| beyond ~700 vt2 would overflow exp(); no real interface gets there (that is
     * tens of volts), and a finite huge value keeps a Newton iteration bracketing. */
    double x = ls_clamp(eta / vt2, -700.0, 700.0);
    double e = exp(x), ei = 1.0 / e;
    if (di_deta)
        *di_deta = i0A * (e + ei) / vt2;
    return i0A * (e - ei);
}

/* --- 3. open-circuit potential --------------------------------------------------------- */

/* Ramadass et al. 2004, as lithispice.materials.electrodes.RAMADASS2004_LICOO2_NUM/_DEN:
 * coefficients of x^0, x^2, ..., x^10. */
static const double RAM_A[6] = {-4.656, 88.669, -401.119, 342.909, -462.471, 433.434};
static const double RAM_B[6] = {-1.0, 18.933, -79.532, 37.311, -73.083, 95.96};

int lse_ocv_check(const lse_ocv *o)
{
    if (!isfinite(o->x0) || !isfinite(o->x1) || o->x0 == o->x1)
        return LS_ERR_INPUT;
    switch (o->kind) {
    case LSE_OCV_CONST:
        return isfinite(o->u_const) ? LS_OK : LS_ERR_INPUT;
    case LSE_OCV_RAMADASS_LICOO2:
        return LS_OK;
    case LSE_OCV_TABLE:
        if (o->n < 2 || o->n > LSE_OCV_MAXPTS || !(o->t_ref > 0.0))
            return LS_ERR_INPUT;
        for (int k = 0; k < o->n; ++k) {
            if (!isfinite(o->x[k]) || !isfinite(o->u[k]) || !isfinite(o->dudt[k]))
                return LS_ERR_INPUT;
            if (k > 0 && !(o->x[k] > o->x[k - 1]))
                return LS_ERR_INPUT;
        }
        return LS_OK;
    default:
        return LS_ERR_INPUT;
    }
}

double lse_ocv_eval(const lse_ocv *o, double theta, double T, double *du_dtheta)
{
    double dxdth = o->x1 - o->x0;
    double x = o->x0 + dxdth * theta;
    switch (o->kind) {
    case LSE_OCV_RAMADASS_LICOO2: {
        int clamped = 0;
        /* the guard: outside [0.43, 1.0] the fit runs into its poles */
        if (x < LSE_RAMADASS_XMIN) { x = LSE_RAMADASS_XMIN; clamped = 1; }
        if (x > LSE_RAMADASS_XMAX) { x = LSE_RAMADASS_XMAX; clamped = 1; }
        double y = x * x, num = 0.0, den = 0.0, dnum = 0.0, dden = 0.0;
        for (int k = 5; k >= 0; --k) {       /* Horner in y = x^2, with d/dy */
            dnum = dnum * y + num;
            dden = dden * y + den;
            num = num * y + RAM_A[k];
            den = den * y + RAM_B[k];
        }
        if (du_dtheta)
            *du_dtheta = clamped ? 0.0 : (dnum * den - num * dden) / (den * den) * 2.0 * x * dxdth;
        return num / den;
    }
    case LSE_OCV_TABLE: {
        const int n = o->n;
        double dT = T - o->t_ref;
        if (x <= o->x[0]) {
            if (du_dtheta) *du_dtheta = 0.0;
            return o->u[0] + dT * o->dudt[0];
        }
        if (x >= o->x[n - 1]) {
            if (du_dtheta) *du_dtheta = 0.0;
            return o->u[n - 1] + dT * o->dudt[n - 1];
        }
        int lo = 0, hi = n - 1;                 /* bisection: x[lo] <= x < x[hi] */
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            if (x >= o->x[mid]) lo = mid; else hi = mid;
        }
        double w = (x - o->x[lo]) / (o->x[hi] - o->x[lo]);
        double ua = o->u[lo] + dT * o->dudt[lo], ub = o->u[hi] + dT * o->dudt[hi];
        if (du_dtheta)
            *du_dtheta = (ub - ua) / (o->x[hi] - o->x[lo]) * dxdth;
        return ua + w * (ub - ua);
    }
    default:
        if (du_dtheta) *du_dtheta = 0.0;
        return o->u_const;
    }
}

/* --- 4. intercalation film --------------------------------------------------------------- */

int lse_film_init(lse_film *f, int n, double thickness, double grading, double area,
                  double c_max, double D)
{
    if (n < 1 || n > LSE_FILM_MAXN || !(thickness > 0.0) || !(grading >= 1.0) || !isfinite(grading)
        || !(area > 0.0) || !(c_max > 0.0) || !(D > 0.0) || !isfinite(thickness * area * c_max * D))
        return LS_ERR_INPUT;
    memset(f, 0, sizeof *f);
    f->n = n;
    f->thickness = thickness;
    if (n == 1 || grading == 1.0) {
        for (int k = 0; k < n; ++k)
            f->dz[k] = thickness / n;
    } else {
        /* geometric widths dz_k = dz_0 q^k with dz_0 / dz_(n-1) = grading */
        double q = pow(grading, -1.0 / (n - 1)), s = 0.0, p = 1.0;
        for (int k = 0; k < n; ++k) { s += p; p *= q; }
        p = thickness / s;
        for (int k = 0; k < n; ++k) { f->dz[k] = p; p *= q; }
    }
    double dca = D * c_max * area;
    f->m_tot = 0.0;
    for (int k = 0; k < n; ++k) {
        f->m[k] = c_max * area * f->dz[k];
        f->m_tot += f->m[k];
        f->g[k] = k + 1 < n ? dca / (0.5 * (f->dz[k] + f->dz[k + 1])) : 0.0;
    }
    f->g_s = n == 1 ? dca / (thickness / 3.0) : dca / (0.5 * f->dz[n - 1]);
    return LS_OK;
}

double lse_film_mean(const lse_film *f, const double *theta)
{
    double s = 0.0;
    for (int k = 0; k < f->n; ++k)
        s += f->m[k] * theta[k];
    return s / f->m_tot;
}

void lse_film_rate(const lse_film *f, const double *theta, double J, double *out)
{
    const int n = f->n;
    for (int k = 0; k < n; ++k) {
        double r = 0.0;
        if (k > 0) r += f->g[k - 1] * (theta[k - 1] - theta[k]);
        if (k + 1 < n) r += f->g[k] * (theta[k + 1] - theta[k]);
        if (k == n - 1) r += J;
        out[k] = r / f->m[k];
    }
}

void lse_film_ladder(const lse_film *f, double *C, double *R, double *R_s)
{
    for (int k = 0; k < f->n; ++k) {
        C[k] = LS_F * f->m[k];
        if (k + 1 < f->n)
            R[k] = 1.0 / (LS_F * f->g[k]);
    }
    *R_s = 1.0 / (LS_F * f->g_s);
}

void lse_tri_factor(const lse_film *f, double c, lse_tri *t)
{
    const int n = f->n;
    t->n = n;
    t->c = c;
    double cp_prev = 0.0;
    for (int k = 0; k < n; ++k) {
        double gl = k > 0 ? f->g[k - 1] : 0.0, gr = k + 1 < n ? f->g[k] : 0.0;
        double diag = f->m[k] + c * (gl + gr);
        double sub = -c * gl;
        double w = diag - sub * cp_prev;
        t->sub[k] = sub;
        t->winv[k] = 1.0 / w;
        t->cp[k] = -c * gr * t->winv[k];
        cp_prev = t->cp[k];
    }
    /* unit flux into the last volume: the forward sweep is zero until the last row */
    for (int k = 0; k < n - 1; ++k)
        t->resp[k] = 0.0;
    t->resp[n - 1] = t->winv[n - 1];
    for (int k = n - 2; k >= 0; --k)
        t->resp[k] = -t->cp[k] * t->resp[k + 1];
}

void lse_tri_solve(const lse_film *f, const lse_tri *t, const double *rhs, int scale_by_m, double *x)
{
    const int n = t->n;
    double prev = 0.0;
    for (int k = 0; k < n; ++k) {
        double d = scale_by_m ? f->m[k] * rhs[k] : rhs[k];
        prev = (d - t->sub[k] * prev) * t->winv[k];
        x[k] = prev;
    }
    for (int k = n - 2; k >= 0; --k)
        x[k] -= t->cp[k] * x[k + 1];
}

void lse_film_stage(const lse_film *f, const lse_tri *t, const double *theta_b, double *theta0)
{
    lse_tri_solve(f, t, theta_b, 1, theta0);
}

/* One TR-BDF2 step of the linear film with flux J(t) = Ja + Jb (t - t0) from time t over h.
 * Writes the new theta into th1 and returns the filtered error norm (max |est| / tol). */
static double film_step(const lse_film *f, lse_tri *tri, const double *th, const double *f0,
                        double t, double h, double t0, double Ja, double Jb, double tol,
                        double *th1, double *f1)
{
    const int n = f->n;
    const double g = LSE_TRBDF2_GAMMA, c = 0.5 * g * h;
    double base[LSE_FILM_MAXN], th0[LSE_FILM_MAXN];
    const double *resp = tri->resp;
    double thg[LSE_FILM_MAXN], fg[LSE_FILM_MAXN], est[LSE_FILM_MAXN];
    if (tri->c != c || tri->n != n)
        lse_tri_factor(f, c, tri);
    /* TR stage to t + gamma h */
    double Jg = Ja + Jb * (t + g * h - t0);
    for (int k = 0; k < n; ++k)
        base[k] = th[k] + c * f0[k];
    lse_film_stage(f, tri, base, th0);
    for (int k = 0; k < n; ++k) {
        thg[k] = th0[k] + c * Jg * resp[k];
        fg[k] = (thg[k] - base[k]) / c;
    }
    /* BDF2 stage to t + h (same matrix: c2 = h (1-g)/(2-g) = gamma h / 2) */
    double J1 = Ja + Jb * (t + h - t0);
    const double a1 = 1.0 / (g * (2.0 - g)), a0 = (1.0 - g) * (1.0 - g) / (g * (2.0 - g));
    for (int k = 0; k < n; ++k)
        base[k] = a1 * thg[k] - a0 * th[k];
    lse_film_stage(f, tri, base, th0);
    for (int k = 0; k < n; ++k) {
        th1[k] = th0[k] + c * J1 * resp[k];
        f1[k] = (th1[k] - base[k]) / c;
    }
    /* local error estimate 2 C h (f0/g - fg/(g(1-g)) + f1/(1-g)), filtered through
     * (M + cK)^-1 M (Shampine) so stiff diffusion modes do not shrink the step */
    const double k2 = 2.0 * LSE_TRBDF2_ERRC * h;
    for (int k = 0; k < n; ++k)
        est[k] = k2 * (f0[k] / g - fg[k] / (g * (1.0 - g)) + f1[k] / (1.0 - g));
    lse_tri_solve(f, tri, est, 1, est);
    double err = 0.0;
    for (int k = 0; k < n; ++k) {
        double e = fabs(est[k]) / tol;
        if (!(e <= err)) err = e;      /* also catches NaN */
    }
    return err;
}

int lse_film_simulate(const lse_film *f, const double *t, const double *J, long nt, double tol,
                      double *theta, double *theta_surf, double *theta_mean)
{
    const int n = f->n;
    double f0[LSE_FILM_MAXN], f1[LSE_FILM_MAXN], th1[LSE_FILM_MAXN];
    lse_tri tri;
    tri.n = 0;
    tri.c = -1.0;
    if (nt <= 0)
        return LS_OK;
    if (!(tol > 0.0))
        return LS_ERR_INPUT;
    if (theta_surf) theta_surf[0] = lse_film_surface(f, theta, J[0]);
    if (theta_mean) theta_mean[0] = lse_film_mean(f, theta);
    lse_film_rate(f, theta, J[0], f0);
    double h = 0.0;
    for (long s = 0; s + 1 < nt; ++s) {
        double ta = t[s], tb = t[s + 1];
        if (!(tb > ta) || !isfinite(J[s]) || !isfinite(J[s + 1]))
            return LS_ERR_INPUT;
        double Jb = (J[s + 1] - J[s]) / (tb - ta), tt = ta;
        if (h <= 0.0)
            h = 1e-3 * (tb - ta);
        while (tt < tb) {
            double hs = h, last = 0;
            if (tt + hs >= tb || tt + 1.01 * hs >= tb) { hs = tb - tt; last = 1; }
            double err = film_step(f, &tri, theta, f0, tt, hs, ta, J[s], Jb, tol, th1, f1);
            double fac = err > 0.0 ? 0.9 * pow(err, -1.0 / 3.0) : 5.0;
            fac = fac > 5.0 ? 5.0 : (fac < 0.2 ? 0.2 : fac);
            if (!(err <= 1.0)) {          /* reject (or NaN) */
                h = hs * (isfinite(err) ? fac : 0.25);
                if (h < 1e-14 * (fabs(tt) + (tb - ta)))
                    return LS_ERR_STEP;
                continue;
            }
            memcpy(theta, th1, (size_t)n * sizeof(double));
            memcpy(f0, f1, (size_t)n * sizeof(double));
            tt = last ? tb : tt + hs;
            if (!last || fac < 1.0)
                h = hs * fac;
        }
        if (theta_surf) theta_surf[s + 1] = lse_film_surface(f, theta, J[s + 1]);
        if (theta_mean) theta_mean[s + 1] = lse_film_mean(f, theta);
    }
    return LS_OK;
}
