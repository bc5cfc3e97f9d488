# Memristor kernel bindings (csrc/memristor.h); included by _kernels.pyx.

cdef extern from "memristor.h":
    ctypedef struct lsm_params:
        double k_set, k_reset, v0_set, v0_reset, p, ea, tau_ret, ea_ret, w_eq, t_ref
        double g_on, g_off, v_nl
        int law
        double w_c, t_perc
        double sig_set, sig_reset, tau_c2c, seed
    ctypedef struct lsm_coeffs:
        pass
    void lsm_coeffs_at(const lsm_params *prm, double T, lsm_coeffs *c) nogil
    double lsm_rate(const lsm_coeffs *c, double v, double w) nogil
    double lsm_current(const lsm_coeffs *c, double v, double w) nogil
    double lsm_conductance(const lsm_coeffs *c, double w) nogil
    int lsm_simulate(const lsm_coeffs *c, const double *t, const double *v, long n, double w0,
                     double *w_out, double *i_out) nogil
    enum: LSMB_NCOEF
    int lsm_block_ok(const lsm_coeffs *c) nogil
    int lsm_block_simd() nogil
    void lsm_block_put(double *soa, long stride, long j, const lsm_coeffs *c, double w0) nogil
    int lsm_simulate_block(const double *soa, long stride, long n_dev, const long *rows,
                           const double *t, const double *v, long n_t,
                           double *w_out, double *i_out, long ld_out) nogil
    void lsm_exp_fast_array(const double *x, double *y, long n) nogil
    double lsm_c2c_normal(unsigned long long seed, int stream, long long j) nogil

cdef extern from "ls_common.h":
    double ls_exp_fast(double x) nogil

MEMRISTOR_FIELDS = ("k_set", "k_reset", "v0_set", "v0_reset", "p", "ea", "tau_ret", "ea_ret",
                    "w_eq", "t_ref", "g_on", "g_off", "v_nl", "law", "w_c", "t_perc",
                    "sig_set", "sig_reset", "tau_c2c", "seed")
N_MEMRISTOR_FIELDS = len(MEMRISTOR_FIELDS)


cdef inline void _unpack(const double[::1] r, lsm_params *p) noexcept nogil:
    p.k_set = r[0]; p.k_reset = r[1]; p.v0_set = r[2]; p.v0_reset = r[3]; p.p = r[4]
    p.ea = r[5]; p.tau_ret = r[6]; p.ea_ret = r[7]; p.w_eq = r[8]; p.t_ref = r[9]
    p.g_on = r[10]; p.g_off = r[11]; p.v_nl = r[12]; p.law = <int>r[13]
    p.w_c = r[14]; p.t_perc = r[15]
    p.sig_set = r[16]; p.sig_reset = r[17]; p.tau_c2c = r[18]; p.seed = r[19]


def memristor_c2c_normal(unsigned long long seed, int stream, long long j):
    """The kernel's cycle-to-cycle draw z (N(0, 1)) number j of stream 0 (set) / 1 (reset)."""
    return lsm_c2c_normal(seed, stream, j)


MEMRISTOR_PATHS = ("auto", "block", "scalar")


cdef bint _use_block(str path, bint shared) except -1:
    if path not in MEMRISTOR_PATHS:
        raise ValueError(f"path must be one of {MEMRISTOR_PATHS}, not {path!r}")
    return shared and (path == "block" or (path == "auto" and lsm_block_simd()))


def memristor_simulate(const double[:, ::1] params, const double[::1] temperature,
                       const double[::1] t, const double[:, ::1] v, const double[::1] w0,
                       str path="auto", out=None, Py_ssize_t first=0):
    """Integrate N memristors. ``params`` (N, N_MEMRISTOR_FIELDS) rows in MEMRISTOR_FIELDS order, SI units;
    ``temperature`` (N,) in K; ``t`` (n_t,) in s; ``v`` (N, n_t) or (1, n_t) shared, in V;
    ``w0`` (N,). Returns (w, i): (N, n_t) state and (N, n_t) current in A.

    Kernels: with a shared stimulus, the devices that qualify (window p = 1, law "log",
    ohmic) go through the vectorised block kernel (lsm_simulate_block), the others through
    the scalar reference kernel (lsm_simulate). ``path``: "auto" does so when this CPU runs
    a SIMD build of the block kernel (else all scalar), "block" always, "scalar" never.
    The kernels agree to ~1e-15 (they differ only in exp()); see ``memristor_path``.
    ``out``: optional (w, i) C-contiguous float64 (N, n_t) arrays to write into (e.g. row
    blocks of a larger result, for device-parallel calls); ``first``: index of device 0 in
    error messages."""
    cdef Py_ssize_t n_dev = params.shape[0], n_t = t.shape[0], d, j
    if params.shape[1] != N_MEMRISTOR_FIELDS:
        raise ValueError(f"params must have {N_MEMRISTOR_FIELDS} columns")
    if temperature.shape[0] != n_dev or w0.shape[0] != n_dev:
        raise ValueError("temperature and w0 need one entry per device")
    if v.shape[1] != n_t or (v.shape[0] != n_dev and v.shape[0] != 1):
        raise ValueError("v must be (N, n_t) or (1, n_t)")
    cdef bint shared = v.shape[0] == 1
    cdef bint use_block = _use_block(path, shared) and n_t > 0
    if out is None:
        out = (np.empty((n_dev, n_t)), np.empty((n_dev, n_t)))
    cdef cnp.ndarray[cnp.float64_t, ndim=2] w_arr = out[0]
    cdef cnp.ndarray[cnp.float64_t, ndim=2] i_arr = out[1]
    if w_arr.shape[0] != n_dev or w_arr.shape[1] != n_t or i_arr.shape[0] != n_dev or i_arr.shape[1] != n_t:
        raise ValueError("out arrays must be (N, n_t)")
    cdef double[:, ::1] w_out = w_arr
    cdef double[:, ::1] i_out = i_arr
    cdef int rc = 0, bad = 0
    cdef long n_blk = 0
    cdef lsm_params prm
    cdef lsm_coeffs co
    cdef double[:, ::1] soa
    cdef long[::1] rows
    if use_block:
        soa = np.empty((LSMB_NCOEF, n_dev))
        rows = np.empty(n_dev, dtype="l")
    with nogil:
        for d in range(n_dev):
            _unpack(params[d], &prm)
            lsm_coeffs_at(&prm, temperature[d], &co)
            if use_block and lsm_block_ok(&co):
                lsm_block_put(&soa[0, 0], n_dev, n_blk, &co, w0[d])
                rows[n_blk] = d
                n_blk += 1
                continue
            rc = lsm_simulate(&co, &t[0], &v[0 if shared else d, 0], n_t, w0[d],
                              &w_out[d, 0], &i_out[d, 0])
            if rc != 0:
                bad = rc
                break
        if bad == 0 and n_blk > 0:
            rc = lsm_simulate_block(&soa[0, 0], n_dev, n_blk, &rows[0], &t[0], &v[0, 0], n_t,
                                    &w_out[0, 0], &i_out[0, 0], n_t)
            if rc != 0:
                # Name the failing device as the scalar path would: rerun them there.
                for j in range(n_blk):
                    d = rows[j]
                    _unpack(params[d], &prm)
                    lsm_coeffs_at(&prm, temperature[d], &co)
                    bad = lsm_simulate(&co, &t[0], &v[0, 0], n_t, w0[d],
                                       &w_out[d, 0], &i_out[d, 0])
                    if bad != 0:
                        break
                if bad == 0:
                    bad = rc
    if bad != 0:
        raise FloatingPointError(f"memristor kernel failed with code {bad} on device {first + d} "
                                 "(non-finite input or non-increasing time)")
    return w_arr, i_arr


def memristor_path(const double[:, ::1] params, const double[::1] temperature, bint shared,
                   str path="auto"):
    """Which kernel ``memristor_simulate`` runs for these devices with this ``path``:
    "block" (every device in the vectorised block kernel), "scalar" (none) or "mixed"."""
    cdef Py_ssize_t d, n_dev = params.shape[0], n_blk = 0
    cdef lsm_params prm
    cdef lsm_coeffs co
    if params.shape[1] != N_MEMRISTOR_FIELDS or temperature.shape[0] != n_dev:
        raise ValueError(f"params (N, {N_MEMRISTOR_FIELDS}) and temperature (N,) expected")
    if _use_block(path, shared):
        for d in range(n_dev):
            _unpack(params[d], &prm)
            lsm_coeffs_at(&prm, temperature[d], &co)
            n_blk += lsm_block_ok(&co)
    return "block" if n_blk == n_dev else ("scalar" if n_blk == 0 else "mixed")


def memristor_block_simd():
    """True if this CPU runs a SIMD (AVX2+FMA or AVX-512) build of the block kernel."""
    return bool(lsm_block_simd())


def memristor_exp_fast(const double[::1] x, bint block_build=True):
    """ls_exp_fast at each x, for accuracy tests: as compiled into the block kernel (the ISA
    clone this CPU runs, with its FMA contraction) or, with block_build=False, as compiled
    into this module (baseline ISA, no contraction)."""
    cdef Py_ssize_t k, n = x.shape[0]
    out = np.empty(n)
    cdef double[::1] o = out
    if n == 0:
        return out
    with nogil:
        if block_build:
            lsm_exp_fast_array(&x[0], &o[0], n)
        else:
            for k in range(n):
                o[k] = ls_exp_fast(x[k])
    return out


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
