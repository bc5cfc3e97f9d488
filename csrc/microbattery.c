/* Thin-film microbattery kernel: see microbattery.h for the equations. */
#include "microbattery.h"

#include <string.h>

/* Differential states besides theta, stored after the n theta values of point.y: the cathode
 * overpotential, the Li-metal inventory and three accumulators (terminal charge, terminal
 * energy, faradaic throughput) integrated by the same scheme so that they are consistent with
 * the states to rounding. */
enum { Y_ETA = 0, Y_Q, Y_AQ, Y_AE, Y_AABS, Y_NEXTRA };
#define NY_MAX (LSB_MAXN + Y_NEXTRA)

typedef struct {
    double t;
    double y[NY_MAX];     /* theta_0..theta_(n-1), eta_c, q_li, acc_q, acc_e, acc_abs */
    double f[NY_MAX];     /* their time derivatives at t (first-same-as-last) */
    double soh, dead;     /* active fraction, Li in inactive material (C): updated after steps */
    double i_ext, i_cell, i_f, v, ths, u;  /* algebraic values at t */
    double didx;          /* d i_f / d eta at t (error filter of the eta state) */
} point;

typedef struct {
    int mode;             /* LSB_CC: i = a + b (t - t0); LSB_CV: v = a */
    double t0, a, b;
} drive;

typedef struct {
    double v_min, v_max, i_min;
} limits;

typedef struct {
    double *out;
    long cap, n;
    int every;            /* record every accepted step */
    int overflow;
} recorder;

static inline double drive_value(const drive *d, double t)
{
    return d->mode == LSB_CC ? d->a + d->b * (t - d->t0) : d->a;
}

/* --- coefficients and state --------------------------------------------------------------- */

int lsb_coeffs_at(const lsb_params *p, double T, lsb_coeffs *c)
{
    if (!(T > 0.0) || !isfinite(T) || !(p->t_ref > 0.0) || !(p->area > 0.0) || !(p->tol > 0.0)
        || !(p->i0_c > 0.0) || !(p->i0_a > 0.0) || !(p->c_dl >= 0.0) || !(p->k_fade >= 0.0)
        || !(p->el.sigma_ref > 0.0) || !(p->el.thickness > 0.0) || !(p->el.area > 0.0))
        return LS_ERR_INPUT;
    double D = p->d_c * ls_arrhenius(p->ea_d, T, p->t_ref);
    int rc = lse_film_init(&c->film, p->n_vol, p->l_c, p->grading, p->area, p->c_max, D);
    if (rc != LS_OK || lse_ocv_check(&p->ocv) != LS_OK)
        return LS_ERR_INPUT;
    c->ocv = p->ocv;
    c->T = T;
    c->vt2 = lse_vt2(T);
    c->i0A_c = p->i0_c * p->area * ls_arrhenius(p->ea_i0c, T, p->t_ref);
    c->i0A_a = p->i0_a * p->area * ls_arrhenius(p->ea_i0a, T, p->t_ref);
    c->cdl = p->c_dl * p->area;
    c->r_ion = lse_electrolyte_r_ion(&p->el, T);
    double rl = lse_electrolyte_r_leak(&p->el);
    c->g_leak = isfinite(rl) ? 1.0 / rl : 0.0;
    c->q0 = LS_F * p->c_max * p->area * p->l_c;
    c->i_scale = c->q0 / 3600.0;
    c->k_fade = p->k_fade;
    c->tol = p->tol;
    return LS_OK;
}

void lsb_initial_state(const lsb_coeffs *c, double soc0, double q_li0, double soh, double *state)
{
    const int n = c->film.n;
    for (int k = 0; k < n; ++k)
        state[k] = 1.0 - soc0;
    state[n + LSB_ST_ETA] = 0.0;
    state[n + LSB_ST_QLI] = q_li0;
    state[n + LSB_ST_SOH] = soh;
    state[n + LSB_ST_DEAD] = 0.0;
}

/* --- one implicit stage ---------------------------------------------------------------- */

typedef struct {
    int kind;          /* 0: x = i_cell (no double layer); 1: x = eta (double layer, c > 0);
                          2: x = i_cell with eta frozen (double layer, consistency solve c = 0) */
    int mode;
    double val;        /* i_ext (A) or v_set (V) */
    double c;          /* stage coefficient, s (0: consistency solve) */
    double ths0, beta; /* theta_s = ths0 + beta * i_f */
    double etab;       /* eta base (kind 1) or frozen eta (kind 2), V */
    double i0A, cdl;   /* cathode exchange current (A) and double layer (F) at this soh */
} stage;

typedef struct {
    double i_f, i_cell, eta, ths, u, v, didx;
} alg;

/* Residual of the stage's algebraic equation, increasing in x; *dr = its derivative. */
static double residual(const lsb_coeffs *co, const stage *s, double x, double *dr, alg *a)
{
    double di_f, di_cell, deta;
    switch (s->kind) {
    case 1:
        a->eta = x;
        a->i_f = lse_bv_current(x, s->i0A, co->T, &di_f);
        a->didx = di_f;
        a->i_cell = a->i_f + s->cdl * (x - s->etab) / s->c;
        di_cell = di_f + s->cdl / s->c;
        deta = 1.0;
        break;
    case 2:
        a->eta = s->etab;
        a->i_f = lse_bv_current(s->etab, s->i0A, co->T, &a->didx);
        di_f = 0.0;
        a->i_cell = x;
        di_cell = 1.0;
        deta = 0.0;
        break;
    default:
        a->i_f = x;
        a->i_cell = x;
        di_f = di_cell = 1.0;
        a->eta = lse_bv_eta(x, s->i0A, co->T, &deta);
        a->didx = 1.0 / deta;
        break;
    }
    double dU, deta_a;
    a->ths = s->ths0 + s->beta * a->i_f;
    a->u = lse_ocv_eval(&co->ocv, a->ths, co->T, &dU);
    double eta_a = lse_bv_eta(a->i_cell, co->i0A_a, co->T, &deta_a);
    a->v = a->u - a->eta - eta_a - co->r_ion * a->i_cell;
    double dv = dU * s->beta * di_f - deta - (deta_a + co->r_ion) * di_cell;
    if (s->mode == LSB_CC) {
        *dr = di_cell - co->g_leak * dv;
        return a->i_cell - co->g_leak * a->v - s->val;
    }
    *dr = -dv;
    return s->val - a->v;
}

/* Safeguarded Newton: Newton steps, bisection once the root is bracketed and Newton leaves
 * the bracket, bounded steps while it is not. The residual is monotone in x (U falls with
 * lithiation; every overpotential rises with current), so the root is unique. */
static int newton(const lsb_coeffs *co, const stage *s, double x, double xs, double *x_out, alg *a)
{
    double lo = 0.0, hi = 0.0, dr = 0.0;
    int have_lo = 0, have_hi = 0;
    for (int it = 0; it < 200; ++it) {
        double r = residual(co, s, x, &dr, a);
        if (!isfinite(r) || !isfinite(dr)) {
            if (!(have_lo && have_hi))
                return LS_ERR_SOLVE;
            x = 0.5 * (lo + hi);
            continue;
        }
        if (r == 0.0) {
            *x_out = x;
            return LS_OK;
        }
        if (r < 0.0) { lo = x; have_lo = 1; } else { hi = x; have_hi = 1; }
        double xn = dr > 0.0 ? x - r / dr : NAN;
        if (have_lo && have_hi) {
            if (!(xn > lo && xn < hi))
                xn = 0.5 * (lo + hi);
        } else {
            double lim = 4.0 * fabs(x) + 20.0 * xs;
            if (!isfinite(xn))
                xn = r < 0.0 ? x + lim : x - lim;
            else if (xn - x > lim)
                xn = x + lim;
            else if (x - xn > lim)
                xn = x - lim;
        }
        double dx = xn - x;
        x = xn;
        /* 1e-11 of the scale: far below what the step's error control resolves; the
         * conservation of Li does not depend on it (the states follow from x linearly) */
        if (fabs(dx) <= 1e-11 * (fabs(x) + xs)
            || (have_lo && have_hi && hi - lo <= 1e-14 * (fabs(x) + xs))) {
            residual(co, s, x, &dr, a);
            *x_out = x;
            return LS_OK;
        }
    }
    return LS_ERR_SOLVE;
}

/* Solve the stage y = B + c f(y) at time ts (c > 0), or make the algebraic values of the
 * state B consistent (c == 0). tri must be factored for c. guess: the previous point. */
static int stage_solve(const lsb_coeffs *co, const drive *dr, const lse_tri *tri, double c,
                       double ts, const double *B, double soh, const point *guess,
                       const point *guess2, double wguess, point *out)
{
    const lse_film *fm = &co->film;
    const int n = fm->n;
    double th0[LSB_MAXN];
    const double *resp = tri ? tri->resp : NULL;
    stage s;
    s.mode = dr->mode;
    s.val = drive_value(dr, ts);
    s.c = c;
    s.i0A = co->i0A_c * soh;
    s.cdl = co->cdl * soh;
    s.etab = B[n + Y_ETA];
    const double fs = 1.0 / (LS_F * soh);     /* i_f -> flux into the unit-soh film, mol/s */
    if (c > 0.0) {
        lse_film_stage(fm, tri, B, th0);
        s.ths0 = th0[n - 1];
        s.beta = fs * (c * resp[n - 1] + 1.0 / fm->g_s);
        s.kind = s.cdl > 0.0 ? 1 : 0;
    } else {
        s.ths0 = B[n - 1];
        s.beta = fs / fm->g_s;
        s.kind = s.cdl > 0.0 ? 2 : 0;
    }
    /* initial guess: the previous point, or a linear extrapolation through two points */
    double x0 = s.kind == 1 ? guess->y[n + Y_ETA] : guess->i_cell;
    if (guess2) {
        double x2 = s.kind == 1 ? guess2->y[n + Y_ETA] : guess2->i_cell;
        x0 += wguess * (x2 - x0);
    }
    double xs = s.kind == 1 ? co->vt2 : co->i_scale;
    double x;
    alg a;
    int rc = newton(co, &s, x0, xs, &x, &a);
    if (rc != LS_OK)
        return rc;
    double J = a.i_f * fs;
    double *y = out->y, *f = out->f;
    if (c > 0.0) {
        for (int k = 0; k < n; ++k) {
            y[k] = th0[k] + c * J * resp[k];
            f[k] = (y[k] - B[k]) / c;
        }
    } else {
        for (int k = 0; k < n; ++k)
            y[k] = B[k];
        lse_film_rate(fm, y, J, f);
    }
    y[n + Y_ETA] = a.eta;
    f[n + Y_ETA] = s.cdl > 0.0 ? (a.i_cell - a.i_f) / s.cdl : 0.0;
    double fl[Y_NEXTRA];
    fl[Y_Q] = -a.i_cell;
    fl[Y_AQ] = s.mode == LSB_CC ? s.val : a.i_cell - co->g_leak * a.v;
    fl[Y_AE] = a.v * fl[Y_AQ];
    fl[Y_AABS] = fabs(a.i_f);
    for (int j = Y_Q; j < Y_NEXTRA; ++j) {
        f[n + j] = fl[j];
        y[n + j] = c > 0.0 ? B[n + j] + c * fl[j] : B[n + j];
    }
    out->t = ts;
    out->soh = soh;
    out->i_ext = fl[Y_AQ];
    out->i_cell = a.i_cell;
    out->i_f = a.i_f;
    out->v = a.v;
    out->ths = a.ths;
    out->u = a.u;
    out->didx = a.didx;
    return LS_OK;
}

/* Make the algebraic values of p consistent with its states under drive dr (after a jump of
 * the drive, and at the start). */
static int consistent(const lsb_coeffs *co, const drive *dr, point *p)
{
    double B[NY_MAX];
    const int ny = co->film.n + Y_NEXTRA;
    memcpy(B, p->y, (size_t)ny * sizeof(double));
    double soh = p->soh, dead = p->dead;
    point tmp = *p;
    int rc = stage_solve(co, dr, NULL, 0.0, p->t, B, soh, &tmp, NULL, 0.0, p);
    p->soh = soh;
    p->dead = dead;
    return rc;
}

/* --- TR-BDF2 step --------------------------------------------------------------------------- */

/* One step of size h from p0 into p1; *err = filtered local error norm (<= 1: accept). */
static int trbdf2_step(const lsb_coeffs *co, const drive *dr, lse_tri *tri, const point *p0,
                       double h, point *p1, double *err)
{
    const lse_film *fm = &co->film;
    const int n = fm->n, ny = n + Y_NEXTRA;
    const double g = LSE_TRBDF2_GAMMA, c = 0.5 * g * h;
    const double a1 = 1.0 / (g * (2.0 - g)), a0 = (1.0 - g) * (1.0 - g) / (g * (2.0 - g));
    double B[NY_MAX];
    point pg;
    if (tri->c != c || tri->n != n)
        lse_tri_factor(fm, c, tri);
    for (int k = 0; k < ny; ++k)
        B[k] = p0->y[k] + c * p0->f[k];
    int rc = stage_solve(co, dr, tri, c, p0->t + g * h, B, p0->soh, p0, NULL, 0.0, &pg);
    if (rc != LS_OK)
        return rc;
    for (int k = 0; k < ny; ++k)
        B[k] = a1 * pg.y[k] - a0 * p0->y[k];
    rc = stage_solve(co, dr, tri, c, p0->t + h, B, p0->soh, p0, &pg, 1.0 / g, p1);
    if (rc != LS_OK)
        return rc;
    /* error estimate 2 C h (f0/g - fg/(g(1-g)) + f1/(1-g)), filtered (Shampine) */
    const double k2 = 2.0 * LSE_TRBDF2_ERRC * h;
    double est[LSB_MAXN];
    for (int k = 0; k < n; ++k)
        est[k] = k2 * (p0->f[k] / g - pg.f[k] / (g * (1.0 - g)) + p1->f[k] / (1.0 - g));
    lse_tri_solve(fm, tri, est, 1, est);
    double e = 0.0;
    for (int k = 0; k < n; ++k) {
        double ek = fabs(est[k]) / co->tol;
        if (!(ek <= e)) e = ek;
    }
    if (co->cdl > 0.0) {
        const int j = n + Y_ETA;
        double ee = k2 * (p0->f[j] / g - pg.f[j] / (g * (1.0 - g)) + p1->f[j] / (1.0 - g));
        ee /= 1.0 + c * p1->didx / (co->cdl * p0->soh);
        ee = fabs(ee) / co->tol;             /* tol read as volts for eta */
        if (!(ee <= e)) e = ee;
    }
    *err = e;
    /* capacity fade, lagged: the active fraction shrinks with the faradaic throughput and the
     * Li of the material that goes inactive is booked as dead Li (conserved) */
    p1->soh = p0->soh;
    p1->dead = p0->dead;
    if (co->k_fade > 0.0) {
        double soh = p0->soh - co->k_fade * (p1->y[n + Y_AABS] - p0->y[n + Y_AABS]);
        if (soh < 1e-3) soh = 1e-3;
        double li = 0.0;
        for (int k = 0; k < n; ++k)
            li += fm->m[k] * p1->y[k];
        p1->dead = p0->dead + (p0->soh - soh) * LS_F * li;
        p1->soh = soh;
    }
    return LS_OK;
}

/* --- events --------------------------------------------------------------------------------- */

enum { EV_VMIN = 0, EV_VMAX, EV_IMIN, EV_ANODE, EV_CFULL, EV_CEMPTY, EV_COUNT };
static const int EV_REASON[EV_COUNT] = {
    LSB_END_V_MIN, LSB_END_V_MAX, LSB_END_I_MIN, LSB_END_ANODE_EMPTY, LSB_END_CATHODE_FULL,
    LSB_END_CATHODE_EMPTY};

/* Event function (triggered when < 0) and whether it is armed at p. */
static double event_fn(const lsb_coeffs *co, const drive *dr, const limits *L, int ev,
                       const point *p, int *armed)
{
    const int n = co->film.n;
    switch (ev) {
    case EV_VMIN:
        *armed = dr->mode == LSB_CC && p->i_ext > 0.0 && isfinite(L->v_min);
        return p->v - L->v_min;
    case EV_VMAX:
        *armed = dr->mode == LSB_CC && p->i_ext < 0.0 && isfinite(L->v_max);
        return L->v_max - p->v;
    case EV_IMIN:
        *armed = dr->mode == LSB_CV && L->i_min > 0.0;
        return fabs(p->i_ext) - L->i_min;
    case EV_ANODE:
        *armed = 1;
        return p->y[n + Y_Q];
    /* armed only while both the reaction and the cell current push further that way: a full
     * cell can still be charged and an empty one discharged, also while the double layer
     * still feeds the old direction for a few time constants after the current reverses */
    case EV_CFULL:
        *armed = p->i_f > 0.0 && p->i_cell > 0.0;
        return 1.0 - p->ths;
    default:
        *armed = p->i_f < 0.0 && p->i_cell < 0.0;
        return p->ths;
    }
}

static double event_tol(const lsb_coeffs *co, const limits *L, int ev)
{
    switch (ev) {
    case EV_VMIN: case EV_VMAX: return 1e-9;                 /* V */
    case EV_IMIN: return 1e-9 * L->i_min;                    /* A */
    case EV_ANODE: return 1e-12 * co->q0;                    /* C */
    default: return 1e-12;                                   /* theta */
    }
}

/* Armed event triggered at p (before any time step): LSB_END_* or 0. */
static int event_now(const lsb_coeffs *co, const drive *dr, const limits *L, const point *p)
{
    for (int ev = 0; ev < EV_COUNT; ++ev) {
        int armed;
        double phi = event_fn(co, dr, L, ev, p, &armed);
        if (armed && phi < 0.0)
            return EV_REASON[ev];
    }
    return 0;
}

/* Illinois regula falsi on the step size for the root of event ev in (0, h]. */
static int locate(const lsb_coeffs *co, const drive *dr, const limits *L, int ev, const point *p0,
                  const point *p1, double h, point *pe)
{
    lse_tri tri;
    int armed, side = 0;
    double a = 0.0, b = h, err;
    double fa = event_fn(co, dr, L, ev, p0, &armed), fb = event_fn(co, dr, L, ev, p1, &armed);
    const double tol = event_tol(co, L, ev);
    point pm;
    *pe = *p1;
    tri.n = 0;
    tri.c = -1.0;
    for (int it = 0; it < 100; ++it) {
        double hm = b - fb * (b - a) / (fb - fa);
        if (!(hm > a && hm < b))
            hm = 0.5 * (a + b);
        int rc = trbdf2_step(co, dr, &tri, p0, hm, &pm, &err);
        if (rc != LS_OK)
            return rc;
        double fm = event_fn(co, dr, L, ev, &pm, &armed);
        if (fm < 0.0) {
            b = hm; fb = fm; *pe = pm;
            if (side == -1) fa *= 0.5;
            side = -1;
        } else {
            a = hm; fa = fm;
            if (side == 1) fb *= 0.5;
            side = 1;
        }
        if (fabs(fm) <= tol) {
            *pe = pm;
            return LS_OK;
        }
        if (b - a <= 1e-13 * (fabs(p0->t) + h))
            return LS_OK;            /* pe: the triggered end of the bracket */
    }
    return LS_OK;
}

/* --- recording -------------------------------------------------------------------------------- */

static void write_row(const lsb_coeffs *co, const point *p, double *row)
{
    const lse_film *fm = &co->film;
    const int n = fm->n;
    double li = 0.0;
    for (int k = 0; k < n; ++k)
        li += fm->m[k] * p->y[k];
    row[LSB_OUT_T] = p->t;
    row[LSB_OUT_V] = p->v;
    row[LSB_OUT_I] = p->i_ext;
    row[LSB_OUT_ILEAK] = co->g_leak * p->v;
    row[LSB_OUT_SOC] = 1.0 - li / fm->m_tot;
    row[LSB_OUT_THS] = p->ths;
    row[LSB_OUT_ETA] = p->y[n + Y_ETA];
    row[LSB_OUT_QLI] = p->y[n + Y_Q];
    row[LSB_OUT_QCAT] = LS_F * p->soh * li + p->dead;
    row[LSB_OUT_QDL] = co->cdl * p->soh * p->y[n + Y_ETA];
    row[LSB_OUT_SOH] = p->soh;
    row[LSB_OUT_OCV] = p->u;
    row[LSB_OUT_IF] = p->i_f;
}

static void record(const lsb_coeffs *co, recorder *rec, const point *p)
{
    if (!rec)
        return;
    if (rec->n >= rec->cap) {
        rec->overflow = 1;
        return;
    }
    write_row(co, p, rec->out + rec->n * LSB_NOUT);
    rec->n += 1;
}

/* --- integration over an interval with events ----------------------------------------------- */

/* Advance p (consistent at p->t) to t_end under drive dr. Returns LSB_END_NONE when t_end is
 * reached, the LSB_END_* of the first event (p is then at the event), or a negative error.
 * *h carries the step size between calls. Each accepted step is recorded when rec->every. */
static int integrate(const lsb_coeffs *co, const drive *dr, const limits *L, point *p,
                     double t_end, double *h, recorder *rec)
{
    lse_tri tri;
    tri.n = 0;
    tri.c = -1.0;
    /* two buffers swapped by pointer: an accepted step costs no copy of the state */
    point buf, pe, best;
    point *cur = p, *nxt = &buf;
    int result = LSB_END_NONE;
    while (cur->t < t_end) {
        double remaining = t_end - cur->t;
        if (remaining <= 1e-14 * fabs(t_end)) {
            cur->t = t_end;
            break;
        }
        double hs = *h, err;
        int last = 0;
        if (hs >= 0.99 * remaining) {
            hs = remaining;
            last = 1;
        }
        int rc = trbdf2_step(co, dr, &tri, cur, hs, nxt, &err);
        if (rc != LS_OK || !(err <= 1.0)) {
            double fac = (rc == LS_OK && isfinite(err)) ? 0.9 / cbrt(err) : 0.25;
            if (fac > 0.5) fac = 0.5;
            if (fac < 0.1) fac = 0.1;
            *h = hs * fac;
            if (*h < 1e-15 * (1.0 + fabs(cur->t))) {
                result = rc != LS_OK ? rc : LS_ERR_STEP;
                break;
            }
            continue;
        }
        if (last)
            nxt->t = t_end;
        /* events: the earliest armed one that this step triggered */
        int found = -1;
        for (int ev = 0; ev < EV_COUNT; ++ev) {
            int armed0, armed1;
            double f0 = event_fn(co, dr, L, ev, cur, &armed0);
            double f1 = event_fn(co, dr, L, ev, nxt, &armed1);
            if (!(armed1 && f1 < 0.0))
                continue;
            if (f0 >= 0.0) {
                rc = locate(co, dr, L, ev, cur, nxt, hs, &pe);
                if (rc != LS_OK) {
                    found = -2;
                    result = rc;
                    break;
                }
            } else {
                pe = *nxt;   /* armed only now (the current changed sign): at the step end */
            }
            if (found < 0 || pe.t < best.t) {
                best = pe;
                found = ev;
            }
        }
        if (found == -2)
            break;
        if (found >= 0) {
            *nxt = best;
            point *tmp = cur; cur = nxt; nxt = tmp;
            if (rec && rec->every)
                record(co, rec, cur);
            result = EV_REASON[found];
            break;
        }
        point *tmp = cur; cur = nxt; nxt = tmp;
        if (rec && rec->every)
            record(co, rec, cur);
        double fac = err > 0.0 ? 0.9 / cbrt(err) : 5.0;
        if (fac > 5.0) fac = 5.0;
        if (fac < 0.2) fac = 0.2;
        if (!last || fac < 1.0)
            *h = hs * fac;
    }
    if (cur != p)
        *p = *cur;
    return result;
}

static void load_point(const lsb_coeffs *co, const double *state, point *p)
{
    const int n = co->film.n;
    memset(p, 0, sizeof *p);
    for (int k = 0; k < n; ++k)
        p->y[k] = state[k];
    p->y[n + Y_ETA] = state[n + LSB_ST_ETA];
    p->y[n + Y_Q] = state[n + LSB_ST_QLI];
    p->soh = state[n + LSB_ST_SOH];
    p->dead = state[n + LSB_ST_DEAD];
}

static void store_point(const lsb_coeffs *co, const point *p, double *state)
{
    const int n = co->film.n;
    for (int k = 0; k < n; ++k)
        state[k] = p->y[k];
    state[n + LSB_ST_ETA] = p->y[n + Y_ETA];
    state[n + LSB_ST_QLI] = p->y[n + Y_Q];
    state[n + LSB_ST_SOH] = p->soh;
    state[n + LSB_ST_DEAD] = p->dead;
}

static int state_ok(const lsb_coeffs *co, const double *state)
{
    const int n = co->film.n;
    for (int k = 0; k < n + LSB_NEXTRA; ++k)
        if (!isfinite(state[k]))
            return 0;
    return state[n + LSB_ST_SOH] > 0.0 && state[n + LSB_ST_SOH] <= 1.0;
}

/* Initial step size after a jump of the drive: small enough for the double-layer transient
 * (the error control grows it by up to 5x per step). */
#define H_START 1e-5

long lsb_simulate(const lsb_coeffs *co, double *state, const double *t, const double *i, long nt,
                  double v_min, double v_max, double *out, int *reason)
{
    point p;
    limits L = {v_min, v_max, 0.0};
    drive dr = {LSB_CC, 0.0, 0.0, 0.0};
    *reason = LSB_END_NONE;
    if (nt < 1 || !state_ok(co, state))
        return LS_ERR_INPUT;
    for (long k = 0; k < nt; ++k)
        if (!isfinite(t[k]) || !isfinite(i[k]) || (k > 0 && !(t[k] > t[k - 1])))
            return LS_ERR_INPUT;
    load_point(co, state, &p);
    p.t = t[0];
    dr.t0 = t[0];
    dr.a = i[0];
    int rc = consistent(co, &dr, &p);
    if (rc != LS_OK)
        return rc;
    write_row(co, &p, out);
    long rows = 1;
    int ev = event_now(co, &dr, &L, &p);
    double h = H_START;
    for (long k = 0; ev == LSB_END_NONE && k + 1 < nt; ++k) {
        dr.t0 = t[k];
        dr.a = i[k];
        dr.b = (i[k + 1] - i[k]) / (t[k + 1] - t[k]);
        ev = integrate(co, &dr, &L, &p, t[k + 1], &h, NULL);
        if (ev < 0)
            return ev;
        write_row(co, &p, out + rows * LSB_NOUT);
        rows += 1;
    }
    *reason = ev;
    store_point(co, &p, state);
    return rows;
}

long lsb_run_protocol(const lsb_coeffs *co, double *state, const lsb_step *steps, int n_steps,
                      long n_repeat, int record_all, double *out, long out_cap,
                      double *summary, long sum_cap, long *n_sum, int *reason)
{
    point p;
    recorder rec = {out, out_cap, 0, record_all, 0};
    *n_sum = 0;
    *reason = LSB_END_NONE;
    if (n_steps < 1 || n_repeat < 1 || !state_ok(co, state))
        return LS_ERR_INPUT;
    for (int s = 0; s < n_steps; ++s) {
        const lsb_step *st = &steps[s];
        if ((st->mode != LSB_CC && st->mode != LSB_CV) || !isfinite(st->value)
            || !(st->duration >= 0.0) || isnan(st->v_min) || isnan(st->v_max)
            || !(st->i_min >= 0.0))
            return LS_ERR_INPUT;
    }
    load_point(co, state, &p);
    p.t = 0.0;
    for (long r = 0; r < n_repeat; ++r) {
        for (int s = 0; s < n_steps; ++s) {
            const lsb_step *st = &steps[s];
            drive dr = {st->mode, p.t, st->value, 0.0};
            limits L = {st->v_min, st->v_max, st->i_min};
            int rc = consistent(co, &dr, &p);
            if (rc != LS_OK)
                return rc;
            if (record_all)
                record(co, &rec, &p);
            double t0 = p.t, q0 = p.y[co->film.n + Y_AQ], e0 = p.y[co->film.n + Y_AE];
            double h = H_START;
            int ev = event_now(co, &dr, &L, &p);
            if (ev == LSB_END_NONE && st->duration > 0.0)
                ev = integrate(co, &dr, &L, &p, t0 + st->duration, &h, &rec);
            if (ev < 0)
                return ev;
            if (!record_all)          /* otherwise integrate() recorded every step already */
                record(co, &rec, &p);
            if (rec.overflow)
                return LS_ERR_BUF;
            if (*n_sum < sum_cap) {
                double *row = summary + *n_sum * LSB_NSUM;
                double li = 0.0;
                for (int k = 0; k < co->film.n; ++k)
                    li += co->film.m[k] * p.y[k];
                row[LSB_SUM_STEP] = s;
                row[LSB_SUM_CYCLE] = (double)r;
                row[LSB_SUM_T0] = t0;
                row[LSB_SUM_T1] = p.t;
                row[LSB_SUM_REASON] = ev;
                row[LSB_SUM_CHARGE] = p.y[co->film.n + Y_AQ] - q0;
                row[LSB_SUM_ENERGY] = p.y[co->film.n + Y_AE] - e0;
                row[LSB_SUM_V] = p.v;
                row[LSB_SUM_I] = p.i_ext;
                row[LSB_SUM_SOC] = 1.0 - li / co->film.m_tot;
                row[LSB_SUM_SOH] = p.soh;
                *n_sum += 1;
            } else {
                return LS_ERR_BUF;
            }
            *reason = ev;
            /* running out of Li metal ends everything; a saturated cathode surface ends the
             * step like a cut-off (the cell cannot take that current any more: what a real
             * cell's collapsing voltage would tell the cycler) */
            int hard = ev == LSB_END_ANODE_EMPTY;
            if (hard || (ev != LSB_END_NONE && st->stop)) {
                store_point(co, &p, state);
                return rec.n;
            }
        }
    }
    store_point(co, &p, state);
    return rec.n;
}

int lsb_voltage_now(const lsb_coeffs *co, const double *state, double i, double *v)
{
    point p;
    drive dr = {LSB_CC, 0.0, i, 0.0};
    if (!state_ok(co, state) || !isfinite(i))
        return LS_ERR_INPUT;
    load_point(co, state, &p);
    int rc = consistent(co, &dr, &p);
    *v = p.v;
    return rc;
}
