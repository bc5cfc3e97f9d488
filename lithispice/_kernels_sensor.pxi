# Gas sensor kernel bindings (csrc/gas_sensor.h); included by _kernels.pyx.
# Every name here carries a gas_sensor/_lsg prefix: the .pxi files share one module namespace.

cdef extern from "gas_sensor.h":
    ctypedef struct lsg_params:
        double n, s, e0_ref, de0_dt, nu_o2, t_ref, tau_ref, ea_tau
        double sigma_ref, ea_sigma, t_sigma, sigma_e, length, area
        double asr_ct, ea_ct, el_area, k_h2o, p_h2o_ref, k_x, p_x_ref
    ctypedef struct lsg_env:
        double p_o2, p_h2o, p_x
    double lsg_emf_eq(const lsg_params *p, const lsg_env *env, double lnp, double T) nogil
    double lsg_inv_tau(const lsg_params *p, double T) nogil
    double lsg_film_resistance(const lsg_params *p, double T) nogil
    double lsg_ct_resistance(const lsg_params *p, double T) nogil
    double lsg_leak_resistance(const lsg_params *p) nogil
    double lsg_terminal_voltage(const lsg_params *p, double emf, double T, double r_load) nogil
    int lsg_simulate(const lsg_params *p, const lsg_env *env, const double *t, const double *lnp,
                     const double *T, long n, double x0, double r_load,
                     double *emf, double *emf_eq, double *v_out) nogil

GAS_SENSOR_FIELDS = ("n", "s", "e0_ref", "de0_dt", "nu_o2", "t_ref", "tau_ref", "ea_tau",
                     "sigma_ref", "ea_sigma", "t_sigma", "sigma_e", "length", "area",
                     "asr_ct", "ea_ct", "el_area", "k_h2o", "p_h2o_ref", "k_x", "p_x_ref")
N_GAS_SENSOR_FIELDS = len(GAS_SENSOR_FIELDS)


cdef inline void _lsg_unpack(const double[::1] r, lsg_params *p) noexcept nogil:
    p.n = r[0]; p.s = r[1]; p.e0_ref = r[2]; p.de0_dt = r[3]; p.nu_o2 = r[4]; p.t_ref = r[5]
    p.tau_ref = r[6]; p.ea_tau = r[7]; p.sigma_ref = r[8]; p.ea_sigma = r[9]; p.t_sigma = r[10]
    p.sigma_e = r[11]; p.length = r[12]; p.area = r[13]; p.asr_ct = r[14]; p.ea_ct = r[15]
    p.el_area = r[16]; p.k_h2o = r[17]; p.p_h2o_ref = r[18]; p.k_x = r[19]; p.p_x_ref = r[20]


cdef inline int _lsg_prepare(const double[::1] params, const double[::1] env, lsg_params *p,
                             lsg_env *e) except -1:
    if params.shape[0] != N_GAS_SENSOR_FIELDS:
        raise ValueError(f"params must have {N_GAS_SENSOR_FIELDS} entries (GAS_SENSOR_FIELDS)")
    if env.shape[0] != 3:
        raise ValueError("env must be (p_o2, p_h2o, p_x) in bar")
    _lsg_unpack(params, p)
    e.p_o2 = env[0]; e.p_h2o = env[1]; e.p_x = env[2]
    return 0


def gas_sensor_simulate(const double[::1] params, const double[::1] env, const double[::1] t,
                        const double[::1] lnp, const double[::1] temperature, double x0,
                        double r_load):
    """Integrate one gas sensor. ``params`` in GAS_SENSOR_FIELDS order (SI); ``env`` =
    (p_O2, p_H2O, p_x) in bar; ``t`` (n,) s; ``lnp`` (n,) ln(p_gas / 1 bar); ``temperature``
    (n,) K; ``x0`` initial EMF, V; ``r_load`` ohm (inf = open circuit).
    Returns (emf, emf_eq, v_out), each (n,) in V."""
    cdef lsg_params p
    cdef lsg_env e
    _lsg_prepare(params, env, &p, &e)
    cdef Py_ssize_t n = t.shape[0]
    if lnp.shape[0] != n or temperature.shape[0] != n:
        raise ValueError("t, lnp and temperature need the same length")
    emf_arr = np.empty(n)
    eq_arr = np.empty(n)
    out_arr = np.empty(n)
    cdef double[::1] o1 = emf_arr
    cdef double[::1] o2 = eq_arr
    cdef double[::1] o3 = out_arr
    cdef int rc = 0
    if n == 0:
        return emf_arr, eq_arr, out_arr
    with nogil:
        rc = lsg_simulate(&p, &e, &t[0], &lnp[0], &temperature[0], n, x0, r_load,
                          &o1[0], &o2[0], &o3[0])
    if rc != 0:
        raise FloatingPointError(f"gas sensor kernel failed with code {rc} (non-finite input "
                                 "or non-increasing time)")
    return emf_arr, eq_arr, out_arr


def gas_sensor_emf_eq(const double[::1] params, const double[::1] env, const double[::1] lnp,
                      const double[::1] temperature):
    """Equilibrium EMF (V) at each (ln(p_gas/bar), T) pair."""
    cdef lsg_params p
    cdef lsg_env e
    _lsg_prepare(params, env, &p, &e)
    cdef Py_ssize_t k, n = lnp.shape[0]
    if temperature.shape[0] != n:
        raise ValueError("lnp and temperature need the same length")
    out = np.empty(n)
    cdef double[::1] o = out
    with nogil:
        for k in range(n):
            o[k] = lsg_emf_eq(&p, &e, lnp[k], temperature[k])
    return out


def gas_sensor_properties(const double[::1] params, const double[::1] temperature):
    """(tau s, R_film ohm, R_ct ohm, R_leak ohm) at each temperature (K)."""
    cdef lsg_params p
    cdef lsg_env e
    cdef double[::1] env0 = np.zeros(3)
    _lsg_prepare(params, env0, &p, &e)
    cdef Py_ssize_t k, n = temperature.shape[0]
    tau = np.empty(n)
    rf = np.empty(n)
    rct = np.empty(n)
    cdef double[::1] a = tau
    cdef double[::1] b = rf
    cdef double[::1] c = rct
    with nogil:
        for k in range(n):
            a[k] = 1.0 / lsg_inv_tau(&p, temperature[k])
            b[k] = lsg_film_resistance(&p, temperature[k])
            c[k] = lsg_ct_resistance(&p, temperature[k])
    return tau, rf, rct, lsg_leak_resistance(&p)


def gas_sensor_terminal_voltage(const double[::1] params, const double[::1] emf,
                                const double[::1] temperature, double r_load):
    """Terminal voltage V(ref) - V(se) (V) for internal EMF ``emf`` at temperature, with load
    ``r_load`` ohm (inf = open circuit)."""
    cdef lsg_params p
    cdef lsg_env e
    cdef double[::1] env0 = np.zeros(3)
    _lsg_prepare(params, env0, &p, &e)
    cdef Py_ssize_t k, n = emf.shape[0]
    if temperature.shape[0] != n:
        raise ValueError("emf and temperature need the same length")
    out = np.empty(n)
    cdef double[::1] o = out
    with nogil:
        for k in range(n):
            o[k] = lsg_terminal_voltage(&p, emf[k], temperature[k], r_load)
    return out
