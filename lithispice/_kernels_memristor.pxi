# Memristor kernel bindings (csrc/memristor.h); included by _kernels.pyx.

cdef extern from "memristor.h":
    ctypedef struct lsm_params:
        double k_set, k_reset, v0_set, v0_reset, p, ea, tau_ret, ea_ret, w_eq, t_ref
        double g_on, g_off, v_nl
        int law
        double w_c, t_perc
    ctypedef struct lsm_coeffs:
        pass
    void lsm_coeffs_at(const lsm_params *prm, double T, lsm_coeffs *c) nogil
    double lsm_rate(const lsm_coeffs *c, double v, double w) nogil
    double lsm_current(const lsm_coeffs *c, double v, double w) nogil
    double lsm_conductance(const lsm_coeffs *c, double w) nogil
    int lsm_simulate(const lsm_coeffs *c, const double *t, const double *v, long n, double w0,
                     double *w_out, double *i_out) nogil

MEMRISTOR_FIELDS = ("k_set", "k_reset", "v0_set", "v0_reset", "p", "ea", "tau_ret", "ea_ret",
                    "w_eq", "t_ref", "g_on", "g_off", "v_nl", "law", "w_c", "t_perc")
N_MEMRISTOR_FIELDS = len(MEMRISTOR_FIELDS)


cdef inline void _unpack(const double[::1] r, lsm_params *p) noexcept nogil:
    p.k_set = r[0]; p.k_reset = r[1]; p.v0_set = r[2]; p.v0_reset = r[3]; p.p = r[4]
    p.ea = r[5]; p.tau_ret = r[6]; p.ea_ret = r[7]; p.w_eq = r[8]; p.t_ref = r[9]
    p.g_on = r[10]; p.g_off = r[11]; p.v_nl = r[12]; p.law = <int>r[13]
    p.w_c = r[14]; p.t_perc = r[15]


def memristor_simulate(const double[:, ::1] params, const double[::1] temperature,
                       const double[::1] t, const double[:, ::1] v, const double[::1] w0):
    """Integrate N memristors. ``params`` (N, 16) rows in MEMRISTOR_FIELDS order, SI units;
    ``temperature`` (N,) in K; ``t`` (n_t,) in s; ``v`` (N, n_t) or (1, n_t) shared, in V;
    ``w0`` (N,). Returns (w, i): (N, n_t) state and (N, n_t) current in A."""
    cdef Py_ssize_t n_dev = params.shape[0], n_t = t.shape[0], d
    if params.shape[1] != N_MEMRISTOR_FIELDS:
        raise ValueError(f"params must have {N_MEMRISTOR_FIELDS} columns")
    if temperature.shape[0] != n_dev or w0.shape[0] != n_dev:
        raise ValueError("temperature and w0 need one entry per device")
    if v.shape[1] != n_t or (v.shape[0] != n_dev and v.shape[0] != 1):
        raise ValueError("v must be (N, n_t) or (1, n_t)")
    cdef cnp.ndarray[cnp.float64_t, ndim=2] w_arr = np.empty((n_dev, n_t))
    cdef cnp.ndarray[cnp.float64_t, ndim=2] i_arr = np.empty((n_dev, n_t))
    cdef double[:, ::1] w_out = w_arr
    cdef double[:, ::1] i_out = i_arr
    cdef bint shared = v.shape[0] == 1
    cdef int rc = 0, bad = 0
    cdef lsm_params prm
    cdef lsm_coeffs co
    with nogil:
        for d in range(n_dev):
            _unpack(params[d], &prm)
            lsm_coeffs_at(&prm, temperature[d], &co)
            rc = lsm_simulate(&co, &t[0], &v[0 if shared else d, 0], n_t, w0[d],
                              &w_out[d, 0], &i_out[d, 0])
            if rc != 0:
                bad = rc
                break
    if bad != 0:
        raise FloatingPointError(f"memristor kernel failed with code {bad} on device {d} "
                                 "(non-finite input or non-increasing time)")
    return w_arr, i_arr


def memristor_rate(const double[::1] params, double temperature, const double[::1] v,
                   const double[::1] w):
    """dw/dt (1/s) at each (v, w) pair: for tests and the numpy baseline's cross-check."""
    cdef lsm_params prm
    cdef lsm_coeffs co
    cdef Py_ssize_t k, n = v.shape[0]
    out = np.empty(n)
    cdef double[::1] o = out
    _unpack(params, &prm)
    lsm_coeffs_at(&prm, temperature, &co)
    with nogil:
        for k in range(n):
            o[k] = lsm_rate(&co, v[k], w[k])
    return out


def memristor_conductance(const double[::1] params, const double[::1] w):
    """Low-field conductance G(w) in S at each state w."""
    cdef lsm_params prm
    cdef lsm_coeffs co
    cdef Py_ssize_t k, n = w.shape[0]
    out = np.empty(n)
    cdef double[::1] o = out
    _unpack(params, &prm)
    lsm_coeffs_at(&prm, prm.t_ref, &co)
    with nogil:
        for k in range(n):
            o[k] = lsm_conductance(&co, w[k])
    return out


def memristor_current(const double[::1] params, double temperature, const double[::1] v,
                      const double[::1] w):
    """Current (A) at each (v, w) pair."""
    cdef lsm_params prm
    cdef lsm_coeffs co
    cdef Py_ssize_t k, n = v.shape[0]
    out = np.empty(n)
    cdef double[::1] o = out
    _unpack(params, &prm)
    lsm_coeffs_at(&prm, temperature, &co)
    with nogil:
        for k in range(n):
            o[k] = lsm_current(&co, v[k], w[k])
    return out
