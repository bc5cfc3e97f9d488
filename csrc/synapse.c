/* Three-terminal Li-ion synapse: see synapse.h for the equations. */
#include <stddef.h>

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

double lss_vg_of_i(const lss_coeffs *c, double thc, double thr, double cur_i, double *df)
{
    double duc, dur = 0.0, ur = 0.0, d = c->r_ion;
    double uc = lse_ocv_eval(&c->oc, thc + cur_i * c->rsc, c->T, &duc);
    double v = -uc + cur_i * c->r_ion;
    d -= duc * c->rsc;
    if (!c->ext) {
        ur = lse_ocv_eval(&c->orr, thr - cur_i * c->rsr, c->T, &dur);
        double a = cur_i / c->i2r;
        v += ur + c->vt2 * asinh(a);
        d += -dur * c->rsr + c->vt2 / (c->i2r * sqrt(1.0 + a * a));
    }
    double b = cur_i / c->i2c;
    v += c->vt2 * asinh(b);
    d += c->vt2 / (c->i2c * sqrt(1.0 + b * b));
    if (df) *df = d;
    return v;
}

/* h(s) = a f(I(s)) + b I(s) - rhs, I = i2c sinh(s): increasing in s. Newton in s (the
 * Butler-Volmer term is then linear in s, the ohmic one convex), kept inside a bracket and
 * bisected when a step leaves it. */
int lss_solve(const lss_coeffs *c, double thc, double thr, int mode, double value, double guess,
              double *i_ion, double *vg, double *ig)
{
    double a = mode == LSS_DRIVE_V ? 1.0 : c->g_leak;
    double b = mode == LSS_DRIVE_V ? 0.0 : 1.0;
    if (mode == LSS_DRIVE_I && c->g_leak == 0.0) {   /* pure current drive: I = I_G */
        *i_ion = value;
        *vg = lss_vg_of_i(c, thc, thr, value, NULL);
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
            double f = lss_vg_of_i(c, thc, thr, cur, &df);
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
        f = lss_vg_of_i(c, thc, thr, cur, &df);
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
            f = lss_vg_of_i(c, thc, thr, cur, NULL);
            *i_ion = cur;
            *vg = f;
            *ig = cur + c->g_leak * f;
            return LS_OK;
        }
    }
    return LS_ERR_SOLVE_S;
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
        rc = lss_solve(c, st[0], st[1], mode[k], value[k], Il, &cur, &vg, &ig);
        if (rc != LS_OK) return rc;
        double *o = out + k * LSS_NOUT;
        o[LSS_OUT_T] = t;
        o[LSS_OUT_THC] = st[0];
        o[LSS_OUT_THR] = st[1];
        o[LSS_OUT_G] = lss_conductance(c, st[0]);
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
        if (g_out) g_out[k] = lss_conductance(c, st[0]);
        if (e_out) e_out[k] = acc[LSS_ACC_EG] - e0;
    }
    return LS_OK;
}
