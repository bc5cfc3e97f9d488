/* Three-terminal Li-ion synapse: see synapse.h for the equations. */
#include <stddef.h>
#include <string.h>

#include "synapse.h"

int lss_coeffs_at(const lss_params *p, double T, lss_coeffs *c)
{
    if (!(T > 0.0) || !isfinite(T))
        return LS_ERR_INPUT;
    double area = p->w_ch * p->l_ch;
    double fd = ls_arrhenius(p->ea_d, T, p->t_ref), fi = ls_arrhenius(p->ea_i0, T, p->t_ref);
    lse_film f;
    c->T = T;
    c->vt2 = lse_vt2(T);
    c->ext = p->res_kind == LSS_RES_EXTERNAL;
    /* channel: one finite volume (synapse.h) */
    if (lse_film_init(&f, 1, p->t_ch, 1.0, area, p->c_max_ch, p->d_ch * fd) != LS_OK)
        return LS_ERR_INPUT;
    c->qc = LS_F * f.m_tot;
    c->rsc = 1.0 / (LS_F * f.g_s);
    c->i2c = 2.0 * p->i0_ch * area * fi;
    c->oc = p->ocv_ch;
    if (lse_ocv_check(&c->oc) != LS_OK)
        return LS_ERR_INPUT;
    if (c->ext) {
        c->qr = INFINITY;      /* the battery's anode: inventory counted there */
        c->rsr = 0.0;
        c->i2r = INFINITY;     /* no overpotential in the synapse (the battery's Ba has it) */
    } else {
        if (lse_film_init(&f, 1, p->res_thickness, 1.0, p->res_area, p->c_max_res, p->d_res * fd) != LS_OK)
            return LS_ERR_INPUT;
        c->qr = LS_F * f.m_tot;
        c->rsr = 1.0 / (LS_F * f.g_s);
        c->i2r = 2.0 * p->i0_res * p->res_area * fi;
        c->orr = p->ocv_res;
        if (lse_ocv_check(&c->orr) != LS_OK)
            return LS_ERR_INPUT;
    }
    c->r_ion = lse_electrolyte_r_ion(&p->el, T);
    double rl = lse_electrolyte_r_leak(&p->el);
    c->g_leak = isfinite(rl) ? 1.0 / rl : 0.0;
    c->law = p->g_law;
    c->x0c = p->ocv_ch.x0;
    c->dxc = p->ocv_ch.x1 - p->ocv_ch.x0;
    c->x_a = p->x_a;
    c->x_b = p->x_b;
    double geo = p->w_ch * p->t_ch / p->l_ch;
    c->g_a = p->sigma_a * geo;
    c->g_b = p->sigma_b * geo;
    c->ln_ba = log(p->sigma_b / p->sigma_a);
    c->nv = p->n_vol;
    c->tol = p->tol;
    if (c->nv < 1 || c->nv > LSE_FILM_MAXN || !(p->grading >= 1.0))
        return LS_ERR_INPUT;
    if (c->nv > 1) {
        if (!(c->tol > 0.0) ||
            lse_film_init(&c->fc, c->nv, p->t_ch, p->grading, area, p->c_max_ch, p->d_ch * fd) != LS_OK)
            return LS_ERR_INPUT;
        if (!c->ext && lse_film_init(&c->fr, c->nv, p->res_thickness, p->grading, p->res_area,
                                     p->c_max_res, p->d_res * fd) != LS_OK)
            return LS_ERR_INPUT;
    }
    if (!(c->qc > 0.0) || !(c->r_ion >= 0.0) || !(c->i2c > 0.0) || !(c->i2r > 0.0) ||
        !(c->g_a > 0.0) || !(c->g_b > 0.0) || p->x_a == p->x_b)
        return LS_ERR_INPUT;
    return LS_OK;
}

double lss_conductance(const lss_coeffs *c, double thc)
{
    double x = c->x0c + c->dxc * thc;
    double fph = ls_clamp((x - c->x_a) / (c->x_b - c->x_a), 0.0, 1.0);
    if (c->law == LSS_G_LOG)
        return c->g_a * exp(fph * c->ln_ba);
    return c->g_a + (c->g_b - c->g_a) * fph;
}

double lss_voc(const lss_coeffs *c, double thc, double thr)
{
    double ur = c->ext ? 0.0 : lse_ocv_eval(&c->orr, thr, c->T, NULL);
    return ur - lse_ocv_eval(&c->oc, thc, c->T, NULL);
}

/* f(I) with the film surfaces affine in I: channel th_s = ac + bc I, reservoir ar - br I
 * (lumped film: th + I/(F g_s); multi-volume TR-BDF2 stage: the stage solution's surface). */
static double vg_affine(const lss_coeffs *c, double ac, double bc, double ar, double br,
                        double cur_i, double *df)
{
    double duc, dur = 0.0, ur = 0.0, d = c->r_ion;
    double uc = lse_ocv_eval(&c->oc, ac + cur_i * bc, c->T, &duc);
    double v = -uc + cur_i * c->r_ion;
    d -= duc * bc;
    if (!c->ext) {
        ur = lse_ocv_eval(&c->orr, ar - cur_i * br, c->T, &dur);
        double a = cur_i / c->i2r;
        v += ur + c->vt2 * asinh(a);
        d += -dur * br + c->vt2 / (c->i2r * sqrt(1.0 + a * a));
    }
    double b = cur_i / c->i2c;
    v += c->vt2 * asinh(b);
    d += c->vt2 / (c->i2c * sqrt(1.0 + b * b));
    if (df) *df = d;
    return v;
}

double lss_vg_of_i(const lss_coeffs *c, double thc, double thr, double cur_i, double *df)
{
    return vg_affine(c, thc, c->rsc, thr, c->rsr, cur_i, df);
}

/* h(s) = a f(I(s)) + b I(s) - rhs, I = i2c sinh(s): increasing in s. Newton in s (the
 * Butler-Volmer term is then linear in s, the ohmic one convex), kept inside a bracket and
 * bisected when a step leaves it. */
static int solve_affine(const lss_coeffs *c, double thc, double bc, double thr, double br,
                        int mode, double value, double guess, double *i_ion, double *vg,
                        double *ig)
{
    double a = mode == LSS_DRIVE_V ? 1.0 : c->g_leak;
    double b = mode == LSS_DRIVE_V ? 0.0 : 1.0;
    if (mode == LSS_DRIVE_I && c->g_leak == 0.0) {   /* pure current drive: I = I_G */
        *i_ion = value;
        *vg = vg_affine(c, thc, bc, thr, br, value, NULL);
        *ig = value;
        return isfinite(*vg) ? LS_OK : LS_ERR_SOLVE_S;
    }
    if (mode == LSS_DRIVE_I) {
        /* current drive, weak leak (the usual case: R_leak ~1e18-1e19 ohm): h(I) = I +
         * g_leak f(I) - I_G has h' = 1 + g_leak f' ~ 1, so Newton directly in I from I = I_G
         * converges in two or three steps without the s-space bracket. Falls through to the
         * safeguarded solver below if the leak is not weak or a step misbehaves. */
        /* start from the guess when it is already close (the last solve on the same
         * drive: one evaluation then), else from I_G */
        double cur = isfinite(guess) && fabs(guess - value) <= 1e-6 * fabs(value) + 1e-15
                     ? guess : value, df;
        for (int it = 0; it < 6; ++it) {
            double f = vg_affine(c, thc, bc, thr, br, cur, &df);
            double hp = 1.0 + c->g_leak * df;
            if (!isfinite(f) || !(c->g_leak * df < 0.5)) break;
            double step = (cur + c->g_leak * f - value) / hp;
            cur -= step;
            if (fabs(step) <= 1e-14 * fabs(cur) || step == 0.0) {
                *i_ion = cur;
                *vg = f - df * step;           /* f at the new current, to first order */
                *ig = value;
                return LS_OK;
            }
        }
    }
    /* start: the guess, or for a current drive the gate current itself (I ~ I_G) */
    double s = asinh((mode == LSS_DRIVE_I ? value : (isfinite(guess) ? guess : 0.0)) / c->i2c);
    double lo = -700.0, hi = 700.0, cur = 0.0, f = 0.0, dx_old = 1400.0;
    for (int it = 0; it < 200; ++it) {
        double ch = cosh(s);
        cur = c->i2c * sinh(s);
        double df;
        f = vg_affine(c, thc, bc, thr, br, cur, &df);
        double h = a * f + b * cur - value;
        if (!isfinite(h)) { hi = s; s = 0.5 * (lo + hi); continue; }
        if (h > 0.0) hi = s; else lo = s;
        double hp = (a * df + b) * c->i2c * ch;
        double step = h / hp;
        /* converged when the Newton step is negligible (tested before the bracket check: at
         * the root rounding can put a tiny step just outside the bracket) */
        int done = fabs(step) <= 1e-13 * (1.0 + fabs(s));
        double sn = s - step;
        /* rtsafe: bisect when Newton leaves the bracket or does not halve the last step
         * (far above the root the sinh makes Newton crawl by ~1 per iteration) */
        if (!done && (!(sn > lo && sn < hi) || fabs(2.0 * step) > fabs(dx_old))) {
            sn = 0.5 * (lo + hi);
            dx_old = 0.5 * (hi - lo);
        } else {
            dx_old = step;
        }
        s = sn;
        if (done || hi - lo <= 1e-14 * (1.0 + fabs(s))) {
            cur = c->i2c * sinh(s);
            f = vg_affine(c, thc, bc, thr, br, cur, NULL);
            *i_ion = cur;
            *vg = f;
            *ig = cur + c->g_leak * f;
            return LS_OK;
        }
    }
    return LS_ERR_SOLVE_S;
}

int lss_solve(const lss_coeffs *c, double thc, double thr, int mode, double value, double guess,
              double *i_ion, double *vg, double *ig)
{
    return solve_affine(c, thc, c->rsc, thr, c->rsr, mode, value, guess, i_ion, vg, ig);
}

/* --- state helpers (lumped: st = (th_c, th_r); multi-volume: two profiles) --------------- */

double lss_mean(const lss_coeffs *c, const double *st, int which)
{
    if (c->nv == 1)
        return st[which];
    if (which == 1 && c->ext)
        return st[c->nv];
    return lse_film_mean(which ? &c->fr : &c->fc, st + which * c->nv);
}

double lss_conductance_st(const lss_coeffs *c, const double *st)
{
    if (c->nv == 1)
        return lss_conductance(c, st[0]);
    double g = 0.0;
    for (int k = 0; k < c->nv; ++k)
        g += c->fc.dz[k] * lss_conductance(c, st[k]);
    return g / c->fc.thickness;
}

/* outermost volumes: the surfaces at zero current */
static inline double surf_c(const lss_coeffs *c, const double *st) { return st[c->nv - 1]; }
static inline double surf_r(const lss_coeffs *c, const double *st) { return st[2 * c->nv - 1]; }

double lss_voc_st(const lss_coeffs *c, const double *st)
{
    return lss_voc(c, surf_c(c, st), surf_r(c, st));
}

int lss_solve_st(const lss_coeffs *c, const double *st, int mode, double value, double guess,
                 double *i_ion, double *vg, double *ig)
{
    if (c->nv == 1)
        return lss_solve(c, st[0], st[1], mode, value, guess, i_ion, vg, ig);
    double br = c->ext ? 0.0 : 1.0 / (LS_F * c->fr.g_s);
    return solve_affine(c, surf_c(c, st), 1.0 / (LS_F * c->fc.g_s), surf_r(c, st), br, mode,
                        value, guess, i_ion, vg, ig);
}

/* --- multi-volume films: TR-BDF2 with local error control --------------------------------
 * The films are linear in their states with the ionic current as the flux (channel J = I/F,
 * reservoir -I/F), so a TR-BDF2 stage y = B + c f(y) of each film is y = y0 + c J resp with
 * y0 = (M + cK)^-1 M B (electrochem.h, lse_film_stage). Its surface is then affine in I,
 * a + b I with b = (c resp_(n-1) + 1/g_s) / F, and the stage current is the same scalar
 * solve as the lumped film's (solve_affine). The running totals (q_gate, q_ion, E_gate,
 * E_oc) are integrated by the same stages, so q_ion equals the films' change of content. */
typedef struct {
    double y[2 * LSE_FILM_MAXN];   /* film states */
    double f[2 * LSE_FILM_MAXN];   /* their rates */
    double q[LSS_NACC];            /* running totals */
    double fq[LSS_NACC];           /* their rates */
    double I;                      /* ionic current */
} fv_point;

static int fv_stage(const lss_coeffs *c, const lse_tri *tc, const lse_tri *tr, double cc,
                    const double *B, const double *Bq, int mode, double value, double guess,
                    fv_point *out)
{
    const int n = c->nv;
    double y0c[LSE_FILM_MAXN], y0r[LSE_FILM_MAXN];
    double ac, bc, ar = 0.0, br = 0.0;
    if (cc > 0.0) {
        lse_film_stage(&c->fc, tc, B, y0c);
        ac = y0c[n - 1];
        bc = (cc * tc->resp[n - 1] + 1.0 / c->fc.g_s) / LS_F;
        if (!c->ext) {
            lse_film_stage(&c->fr, tr, B + n, y0r);
            ar = y0r[n - 1];
            br = (cc * tr->resp[n - 1] + 1.0 / c->fr.g_s) / LS_F;
        }
    } else {
        ac = B[n - 1];
        bc = 1.0 / (LS_F * c->fc.g_s);
        if (!c->ext) {
            ar = B[2 * n - 1];
            br = 1.0 / (LS_F * c->fr.g_s);
        }
    }
    double I, vg, ig;
    int rc = solve_affine(c, ac, bc, ar, br, mode, value, guess, &I, &vg, &ig);
    if (rc != LS_OK)
        return rc;
    const double J = I / LS_F;
    double *y = out->y, *f = out->f;
    if (cc > 0.0) {
        for (int k = 0; k < n; ++k) {
            y[k] = y0c[k] + cc * J * tc->resp[k];
            f[k] = (y[k] - B[k]) / cc;
        }
        for (int k = 0; k < n; ++k) {
            y[n + k] = c->ext ? B[n + k] : y0r[k] - cc * J * tr->resp[k];
            f[n + k] = c->ext ? 0.0 : (y[n + k] - B[n + k]) / cc;
        }
    } else {
        for (int k = 0; k < 2 * n; ++k)
            y[k] = B[k];
        lse_film_rate(&c->fc, y, J, f);
        if (c->ext) {
            for (int k = 0; k < n; ++k) f[n + k] = 0.0;
        } else {
            lse_film_rate(&c->fr, y + n, -J, f + n);
        }
    }
    out->I = I;
    out->fq[LSS_ACC_QG] = ig;
    out->fq[LSS_ACC_QI] = I;
    out->fq[LSS_ACC_EG] = vg * ig;
    out->fq[LSS_ACC_EOC] = lss_voc_st(c, y) * I;
    for (int j = 0; j < LSS_NACC; ++j)
        out->q[j] = cc > 0.0 ? Bq[j] + cc * out->fq[j] : Bq[j];
    return LS_OK;
}

static int fv_step(const lss_coeffs *c, lse_tri *tc, lse_tri *tr, const fv_point *p0, double h,
                   int mode, double value, fv_point *p1, double *err)
{
    const int n = c->nv, ny = 2 * n;
    const double g = LSE_TRBDF2_GAMMA, cc = 0.5 * g * h;
    const double a1 = 1.0 / (g * (2.0 - g)), a0 = (1.0 - g) * (1.0 - g) / (g * (2.0 - g));
    double B[2 * LSE_FILM_MAXN], Bq[LSS_NACC];
    fv_point pg;
    if (tc->c != cc || tc->n != n) lse_tri_factor(&c->fc, cc, tc);
    if (!c->ext && (tr->c != cc || tr->n != n)) lse_tri_factor(&c->fr, cc, tr);
    for (int k = 0; k < ny; ++k) B[k] = p0->y[k] + cc * p0->f[k];
    for (int j = 0; j < LSS_NACC; ++j) Bq[j] = p0->q[j] + cc * p0->fq[j];
    int rc = fv_stage(c, tc, tr, cc, B, Bq, mode, value, p0->I, &pg);
    if (rc != LS_OK) return rc;
    for (int k = 0; k < ny; ++k) B[k] = a1 * pg.y[k] - a0 * p0->y[k];
    for (int j = 0; j < LSS_NACC; ++j) Bq[j] = a1 * pg.q[j] - a0 * p0->q[j];
    rc = fv_stage(c, tc, tr, cc, B, Bq, mode, value, pg.I, p1);
    if (rc != LS_OK) return rc;
    /* error estimate 2 C h (f0/g - fg/(g(1-g)) + f1/(1-g)), filtered (Shampine), both films */
    const double k2 = 2.0 * LSE_TRBDF2_ERRC * h;
    double est[2 * LSE_FILM_MAXN], e = 0.0;
    for (int k = 0; k < ny; ++k)
        est[k] = k2 * (p0->f[k] / g - pg.f[k] / (g * (1.0 - g)) + p1->f[k] / (1.0 - g));
    lse_tri_solve(&c->fc, tc, est, 1, est);
    if (!c->ext) lse_tri_solve(&c->fr, tr, est + n, 1, est + n);
    for (int k = 0; k < (c->ext ? n : ny); ++k) {
        double ek = fabs(est[k]) / c->tol;
        if (!(ek <= e)) e = ek;            /* also catches NaN */
    }
    *err = e;
    return LS_OK;
}

/* One constant-drive segment of h seconds for nv > 1. */
static int lss_segment_fv(const lss_coeffs *c, double *st, int mode, double value, double h,
                          double *acc, double *i_last)
{
    const int ny = 2 * c->nv;
    lse_tri tc, tr;
    tc.n = tr.n = 0;
    tc.c = tr.c = -1.0;
    fv_point p0, p1;
    double B[2 * LSE_FILM_MAXN], Bq[LSS_NACC] = {0.0, 0.0, 0.0, 0.0};
    memcpy(B, st, (size_t)ny * sizeof(double));
    /* consistent start: the current of the new drive at the present state */
    int rc = fv_stage(c, NULL, NULL, 0.0, B, Bq, mode, value, *i_last, &p0);
    if (rc != LS_OK) return rc;
    double t = 0.0, dt = h * 1e-6;        /* small first step: the drive just changed */
    const double dt_min = h * 1e-15;
    while (t < h) {
        double step = dt;
        int last = 0;
        if (t + step >= h * (1.0 - 1e-12)) { step = h - t; last = 1; }
        double err;
        rc = fv_step(c, &tc, &tr, &p0, step, mode, value, &p1, &err);
        if (rc == LS_OK && err <= 1.0) {
            p0 = p1;
            t = last ? h : t + step;
            double fac = err > 0.0 ? 0.9 * pow(err, -1.0 / 3.0) : 5.0;
            dt = step * (fac > 5.0 ? 5.0 : fac);
        } else {
            double fac = rc == LS_OK ? 0.9 * pow(err, -1.0 / 3.0) : 0.25;
            dt = step * (fac < 0.2 || !isfinite(fac) ? 0.2 : fac);
            if (dt < dt_min) return LS_ERR_STEP;
        }
    }
    memcpy(st, p0.y, (size_t)ny * sizeof(double));
    for (int j = 0; j < LSS_NACC; ++j) acc[j] += p0.q[j];
    *i_last = p0.I;
    return LS_OK;
}

/* Current drive with a weak leak: the ionic current is I_G less the leak's g_leak V_G, and
 * the leak moves th by at most LSS_LEAK_PATH over the segment. The states then follow the
 * leak-free straight line th(t) = th0 + I_G t / q to within that, so the currents, V_G and
 * V_oc are evaluated on that line and integrated by Simpson's rule per substep (fourth
 * order, as RK4): one current solve per node instead of one per RK4 stage. The path error
 * is ~LSS_LEAK_PATH x (relative change of the leak current) ~1e-6 x 1e-6: below rounding. */
static int lss_segment_current(const lss_coeffs *c, double *st, double ig, long nsub, double dt,
                               double I0, double vg0, double *acc, double *i_last)
{
    const double thc0 = st[0], thr0 = st[1];
    const double ac = ig / c->qc, ar = c->ext ? 0.0 : ig / c->qr;
    double Ia = I0, Va = vg0, Ea = lss_voc(c, thc0, thr0) * I0, Iw = I0;
    double sI = 0.0, sV = 0.0, sE = 0.0;
    for (long k = 0; k < nsub; ++k) {
        double Ik[2], Vk[2], Ek[2];
        for (int j = 0; j < 2; ++j) {        /* mid point, end point of substep k */
            double tt = dt * ((double)k + 0.5 * (double)(j + 1));
            double tc = thc0 + ac * tt, tr = thr0 - ar * tt, gk;
            int rc = lss_solve(c, tc, tr, LSS_DRIVE_I, ig, Iw, &Ik[j], &Vk[j], &gk);
            if (rc != LS_OK) return rc;
            Iw = Ik[j];
            Ek[j] = lss_voc(c, tc, tr) * Ik[j];
        }
        sI += Ia + 4.0 * Ik[0] + Ik[1];
        sV += Va + 4.0 * Vk[0] + Vk[1];
        sE += Ea + 4.0 * Ek[0] + Ek[1];
        Ia = Ik[1]; Va = Vk[1]; Ea = Ek[1];
    }
    double q = dt * sI / 6.0;               /* ionic charge moved, C */
    st[0] = thc0 + q / c->qc;
    if (!c->ext) st[1] = thr0 - q / c->qr;
    acc[LSS_ACC_QI] += q;
    acc[LSS_ACC_QG] += dt * (double)nsub * ig;
    acc[LSS_ACC_EG] += ig * dt * sV / 6.0;
    acc[LSS_ACC_EOC] += dt * sE / 6.0;
    *i_last = Iw;
    return LS_OK;
}

int lss_segment(const lss_coeffs *c, double *st, int mode, double value, double h, double *acc,
                double *i_last)
{
    if (!(h >= 0.0) || !isfinite(value))
        return LS_ERR_INPUT;
    if (h == 0.0)
        return LS_OK;
    if (c->nv > 1)
        return lss_segment_fv(c, st, mode, value, h, acc, i_last);
    double I0, vg, ig;
    int rc = lss_solve(c, st[0], st[1], mode, value, *i_last, &I0, &vg, &ig);
    if (rc != LS_OK) return rc;
    /* substeps: th_c moves at most LSS_DTH_MAX per substep (estimated from the start rate) */
    double dth = fabs(I0) * h / c->qc;
    if (!c->ext) {
        double dthr = fabs(I0) * h / c->qr;
        if (dthr > dth) dth = dthr;
    }
    if (dth <= LSS_DTH_QUIET) {
        /* quiet segment (a floating gate: only the electronic leak, ~1e-19 A): the current
         * changes over the segment by a relative ~ dth |d ln I / d th| (< 1e-7 for any OCV
         * slope below 1e3 per unit), so one Euler step with the start current differs from
         * RK4 by < 1e-17 in th: below the rounding of th itself. One solve, not five. */
        acc[LSS_ACC_EOC] += h * lss_voc(c, st[0], st[1]) * I0;
        acc[LSS_ACC_QI] += h * I0;
        acc[LSS_ACC_QG] += h * ig;
        acc[LSS_ACC_EG] += h * vg * ig;
        st[0] += h * I0 / c->qc;
        if (!c->ext) st[1] -= h * I0 / c->qr;
        *i_last = I0;
        return LS_OK;
    }
    long nsub = 1 + (long)(dth / LSS_DTH_MAX);
    if (nsub > 1000000) nsub = 1000000;
    double dt = h / (double)nsub;
    if (mode == LSS_DRIVE_I && c->g_leak * fabs(vg) * h <= LSS_LEAK_PATH * c->qc &&
        (c->ext || c->g_leak * fabs(vg) * h <= LSS_LEAK_PATH * c->qr))
        return lss_segment_current(c, st, value, nsub, dt, I0, vg, acc, i_last);
    double Iw = I0;
    for (long k = 0; k < nsub; ++k) {
        double thc = st[0], thr = st[1];
        double Ik[4], pk[4], ek[4], gk[4];
        static const double cc[4] = {0.0, 0.5, 0.5, 1.0};
        for (int j = 0; j < 4; ++j) {
            double tc = thc, tr = thr;
            if (j > 0) {
                tc = thc + cc[j] * dt * Ik[j - 1] / c->qc;
                tr = c->ext ? thr : thr - cc[j] * dt * Ik[j - 1] / c->qr;
            }
            if (k == 0 && j == 0) {
                Ik[0] = I0;          /* the start solve above: same state, same drive */
            } else {
                rc = lss_solve(c, tc, tr, mode, value, Iw, &Ik[j], &vg, &ig);
                if (rc != LS_OK) return rc;
            }
            Iw = Ik[j];
            gk[j] = ig;                           /* gate current */
            pk[j] = vg * ig;                      /* gate power */
            ek[j] = lss_voc(c, tc, tr) * Ik[j];   /* reversible (stored) power */
        }
        double Iavg = (Ik[0] + 2.0 * Ik[1] + 2.0 * Ik[2] + Ik[3]) / 6.0;
        st[0] = thc + dt * Iavg / c->qc;
        if (!c->ext) st[1] = thr - dt * Iavg / c->qr;
        acc[LSS_ACC_QI] += dt * Iavg;
        acc[LSS_ACC_QG] += dt * (gk[0] + 2.0 * gk[1] + 2.0 * gk[2] + gk[3]) / 6.0;
        acc[LSS_ACC_EG] += dt * (pk[0] + 2.0 * pk[1] + 2.0 * pk[2] + pk[3]) / 6.0;
        acc[LSS_ACC_EOC] += dt * (ek[0] + 2.0 * ek[1] + 2.0 * ek[2] + ek[3]) / 6.0;
    }
    *i_last = Iw;
    return LS_OK;
}

int lss_run(const lss_coeffs *c, double *st, const int *mode, const double *value,
            const double *dur, long n, double *out)
{
    double acc[LSS_NACC] = {0.0, 0.0, 0.0, 0.0};
    double t = 0.0, Il = 0.0;
    for (long k = 0; k < n; ++k) {
        int rc = lss_segment(c, st, mode[k], value[k], dur[k], acc, &Il);
        if (rc != LS_OK) return rc;
        t += dur[k];
        double cur, vg, ig;
        rc = lss_solve_st(c, st, mode[k], value[k], Il, &cur, &vg, &ig);
        if (rc != LS_OK) return rc;
        double *o = out + k * LSS_NOUT;
        o[LSS_OUT_T] = t;
        o[LSS_OUT_THC] = lss_mean(c, st, 0);
        o[LSS_OUT_THR] = lss_mean(c, st, 1);
        o[LSS_OUT_G] = lss_conductance_st(c, st);
        o[LSS_OUT_VG] = vg;
        o[LSS_OUT_IG] = ig;
        o[LSS_OUT_I] = cur;
        o[LSS_OUT_QG] = acc[LSS_ACC_QG];
        o[LSS_OUT_QI] = acc[LSS_ACC_QI];
        o[LSS_OUT_EG] = acc[LSS_ACC_EG];
        o[LSS_OUT_EOC] = acc[LSS_ACC_EOC];
    }
    return LS_OK;
}

int lss_train(const lss_coeffs *c, double *st, const double *amp, long n, int mode,
              double t_on, double t_off, int rest_mode, double rest_value,
              double *g_out, double *e_out, double *acc)
{
    double Il = 0.0;
    for (long k = 0; k < n; ++k) {
        double e0 = acc[LSS_ACC_EG];
        int rc = amp[k] != 0.0 ? lss_segment(c, st, mode, amp[k], t_on, acc, &Il)
                               : lss_segment(c, st, rest_mode, rest_value, t_on, acc, &Il);
        if (rc != LS_OK) return rc;
        rc = lss_segment(c, st, rest_mode, rest_value, t_off, acc, &Il);
        if (rc != LS_OK) return rc;
        if (g_out) g_out[k] = lss_conductance_st(c, st);
        if (e_out) e_out[k] = acc[LSS_ACC_EG] - e0;
    }
    return LS_OK;
}
