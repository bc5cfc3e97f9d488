/* Type-III potentiometric gas sensor kernel: see gas_sensor.h for the equations. */
#include "gas_sensor.h"
#include "electrochem.h"

#define LSG_DT_PIECE 0.5        /* K: largest temperature change within one exact sub-step */
#define LSG_MAX_PIECES 100000L  /* cap on the sub-steps of one sample interval */

double lsg_temperature(double T)
{
    return T > LSG_T_MIN ? T : LSG_T_MIN;
}

double lsg_e0(const lsg_params *p, double T)
{
    return p->e0_ref + p->de0_dt * (lsg_temperature(T) - p->t_ref);
}

double lsg_slope_ln(const lsg_params *p, double T)
{
    return p->s * LS_R * lsg_temperature(T) / (p->n * LS_F);
}

/* log10(1 + p/p_ref): 0 for p = 0, logarithmic for p >> p_ref. */
static double log_term(double k, double px, double pref)
{
    if (k == 0.0 || px <= 0.0)
        return 0.0;
    return k * log10(1.0 + px / pref);
}

double lsg_emf_eq(const lsg_params *p, const lsg_env *env, double lnp, double T)
{
    double Tc = lsg_temperature(T);
    double rt_f = LS_R * Tc / LS_F;
    double e = lsg_e0(p, Tc) - rt_f * (p->s / p->n) * lnp;
    if (p->nu_o2 != 0.0 && env->p_o2 > 0.0)
        e -= rt_f * p->nu_o2 * log(env->p_o2);
    e -= log_term(p->k_h2o, env->p_h2o, p->p_h2o_ref);
    e -= log_term(p->k_x, env->p_x, p->p_x_ref);
    return e;
}

double lsg_inv_tau(const lsg_params *p, double T)
{
    /* tau grows when cold: 1/tau = arrhenius(Ea_tau) / tau_ref */
    return ls_arrhenius(p->ea_tau, lsg_temperature(T), p->t_ref) / p->tau_ref;
}

/* The electrolyte film element of DESIGN 3 (csrc/electrochem.h), with the sensor's ionic path
 * length and cross-section in place of thickness and area. */
static lse_electrolyte film(const lsg_params *p)
{
    lse_electrolyte e = {.sigma_ref = p->sigma_ref, .ea = p->ea_sigma, .t_ref = p->t_sigma,
                         .sigma_e = p->sigma_e, .eps_r = 0.0, .thickness = p->length,
                         .area = p->area};
    return e;
}

double lsg_film_resistance(const lsg_params *p, double T)
{
    lse_electrolyte e = film(p);
    return lse_electrolyte_r_ion(&e, lsg_temperature(T));
}

double lsg_ct_resistance(const lsg_params *p, double T)
{
    if (p->asr_ct <= 0.0)
        return 0.0;
    /* two electrodes in series; the charge-transfer conductance is thermally activated */
    return 2.0 * p->asr_ct / (ls_arrhenius(p->ea_ct, lsg_temperature(T), p->t_ref) * p->el_area);
}

double lsg_series_resistance(const lsg_params *p, double T)
{
    return lsg_film_resistance(p, T) + lsg_ct_resistance(p, T);
}

double lsg_leak_resistance(const lsg_params *p)
{
    lse_electrolyte e = film(p);
    return lse_electrolyte_r_leak(&e);
}

double lsg_terminal_voltage(const lsg_params *p, double emf, double T, double r_load)
{
    double rs = lsg_series_resistance(p, T);
    double rl = lsg_leak_resistance(p);
    /* Thevenin equivalent of EMF + R_s shunted by the electronic leak */
    double vth = isfinite(rl) ? emf * rl / (rl + rs) : emf;
    double rth = isfinite(rl) ? rs * rl / (rs + rl) : rs;
    if (!(r_load > 0.0) || !isfinite(r_load))
        return vth;
    return vth * r_load / (r_load + rth);
}

/* (1 - e^-z)/z for z >= 0; the series keeps full precision for tiny z (cold sensor). */
static inline double phi1(double z)
{
    if (z < 1e-4)
        return 1.0 - z * (0.5 - z * (1.0 / 6.0 - z / 24.0));
    return -expm1(-z) / z;
}

/* Exact update over h seconds at constant 1/tau = itau, EMF_eq going linearly ea -> eb. */
static inline double lag_step(double x, double ea, double eb, double h, double itau)
{
    double z = h * itau;
    double ez = z < 1e-4 ? 1.0 - z * (1.0 - z * (0.5 - z / 6.0)) : exp(-z);
    return eb + (x - ea) * ez - (eb - ea) * phi1(z);
}

int lsg_simulate(const lsg_params *p, const lsg_env *env, const double *t, const double *lnp,
                 const double *T, long n, double x0, double r_load,
                 double *emf, double *emf_eq, double *v_out)
{
    double x = x0;
    if (n <= 0)
        return LS_OK;
    if (!isfinite(x0))
        return LS_ERR_INPUT;
    double ea = lsg_emf_eq(p, env, lnp[0], T[0]);
    if (emf) emf[0] = x;
    if (emf_eq) emf_eq[0] = ea;
    if (v_out) v_out[0] = lsg_terminal_voltage(p, x, T[0], r_load);
    for (long k = 0; k + 1 < n; ++k) {
        double h = t[k + 1] - t[k];
        if (!(h > 0.0) || !isfinite(lnp[k + 1]) || !isfinite(T[k + 1]))
            return LS_ERR_INPUT;
        double Ta = lsg_temperature(T[k]), Tb = lsg_temperature(T[k + 1]);
        double eb = lsg_emf_eq(p, env, lnp[k + 1], T[k + 1]);
        if (Ta == Tb) {
            x = lag_step(x, ea, eb, h, lsg_inv_tau(p, Ta));
        } else {
            /* T moves: EMF_eq is no longer linear in t and tau changes; cut the interval
             * into pieces of <= LSG_DT_PIECE kelvin, each integrated exactly with its
             * midpoint tau and its own end values of EMF_eq (second order in the piece). */
            long m = (long)ceil(fabs(Tb - Ta) / LSG_DT_PIECE);
            if (m > LSG_MAX_PIECES) m = LSG_MAX_PIECES;
            double e_prev = ea;
            for (long j = 1; j <= m; ++j) {
                double f = (double)j / (double)m, fm = (j - 0.5) / (double)m;
                double Tj = T[k] + (T[k + 1] - T[k]) * f;
                double lj = lnp[k] + (lnp[k + 1] - lnp[k]) * f;
                double ej = j == m ? eb : lsg_emf_eq(p, env, lj, Tj);
                double Tm = T[k] + (T[k + 1] - T[k]) * fm;
                x = lag_step(x, e_prev, ej, h / (double)m, lsg_inv_tau(p, Tm));
                e_prev = ej;
            }
        }
        if (!isfinite(x))
            return LS_ERR_INPUT;
        ea = eb;
        if (emf) emf[k + 1] = x;
        if (emf_eq) emf_eq[k + 1] = eb;
        if (v_out) v_out[k + 1] = lsg_terminal_voltage(p, x, T[k + 1], r_load);
    }
    return LS_OK;
}
