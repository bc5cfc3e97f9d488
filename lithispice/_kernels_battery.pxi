# Electrochemical element and microbattery kernel bindings (csrc/electrochem.h,
# csrc/microbattery.h); included by _kernels.pyx.
#
# A battery's parameters cross the boundary as one float64 row: the scalar fields in
# BATTERY_FIELDS order, then the OCV table (x, U, dU/dT; BATTERY_OCV_MAXPTS values each,
# unused points zero). lithispice.devices.microbattery packs it. SI units throughout.

from libc.math cimport INFINITY
from cpython.mem cimport PyMem_Free, PyMem_Malloc

cdef extern from "electrochem.h":
    enum:
        LSE_FILM_MAXN
        LSE_OCV_MAXPTS
    ctypedef struct lse_electrolyte:
        double sigma_ref, ea, t_ref, sigma_e, eps_r, thickness, area
    ctypedef struct lse_ocv:
        int kind
        double x0, x1, u_const
        int n
        double t_ref
        double x[LSE_OCV_MAXPTS]
        double u[LSE_OCV_MAXPTS]
        double dudt[LSE_OCV_MAXPTS]
    ctypedef struct lse_film:
        int n
        double thickness, g_s, m_tot
    double lse_electrolyte_r_ion(const lse_electrolyte *e, double T) nogil
    double lse_electrolyte_r_leak(const lse_electrolyte *e) nogil
    double lse_electrolyte_c_geo(const lse_electrolyte *e) nogil
    double lse_bv_eta(double i, double i0A, double T, double *deta_di) nogil
    double lse_bv_current(double eta, double i0A, double T, double *di_deta) nogil
    int lse_ocv_check(const lse_ocv *o) nogil
    double lse_ocv_eval(const lse_ocv *o, double theta, double T, double *du_dtheta) nogil
    int lse_film_init(lse_film *f, int n, double thickness, double grading, double area,
                      double c_max, double D) nogil
    void lse_film_ladder(const lse_film *f, double *C, double *R, double *R_s) nogil
    int lse_film_simulate(const lse_film *f, const double *t, const double *J, long nt,
                          double tol, double *theta, double *theta_surf,
                          double *theta_mean) nogil

cdef extern from "microbattery.h":
    enum:
        LSB_NEXTRA
        LSB_NOUT
        LSB_NSUM
        LS_ERR_BUF
    ctypedef struct lsb_params:
        double area, l_c, c_max, d_c, ea_d, i0_c, ea_i0c, c_dl
        int n_vol
        double grading
        lse_ocv ocv
        lse_electrolyte el
        double i0_a, ea_i0a, k_fade, t_ref, tol
    ctypedef struct lsb_coeffs:
        lse_film film
        double T, vt2, i0A_c, i0A_a, cdl, r_ion, g_leak, q0, i_scale, k_fade, tol
    ctypedef struct lsb_step:
        int mode
        double value, duration, v_min, v_max, i_min
        int stop
    int lsb_coeffs_at(const lsb_params *p, double T, lsb_coeffs *c) nogil
    void lsb_initial_state(const lsb_coeffs *c, double soc0, double q_li0, double soh,
                           double *state) nogil
    long lsb_simulate(const lsb_coeffs *c, double *state, const double *t, const double *i,
                      long nt, double v_min, double v_max, double *out, int *reason) nogil
    long lsb_run_protocol(const lsb_coeffs *c, double *state, const lsb_step *steps,
                          int n_steps, long n_repeat, int record, double *out, long out_cap,
                          double *summary, long sum_cap, long *n_sum, int *reason) nogil
    int lsb_voltage_now(const lsb_coeffs *c, const double *state, double i, double *v) nogil

BATTERY_FIELDS = ("area", "l_c", "c_max", "d_c", "ea_d", "i0_c", "ea_i0c", "c_dl", "n_vol",
                  "grading", "sigma_ref", "ea_sigma", "t_ref_sigma", "sigma_e", "eps_r", "l_e",
                  "i0_a", "ea_i0a", "k_fade", "t_ref", "tol", "ocv_kind", "ocv_x0", "ocv_x1",
                  "ocv_u0", "ocv_n", "ocv_tref")
N_BATTERY_FIELDS = len(BATTERY_FIELDS)
BATTERY_OCV_MAXPTS = LSE_OCV_MAXPTS
BATTERY_ROW = N_BATTERY_FIELDS + 3 * LSE_OCV_MAXPTS
BATTERY_FILM_MAXN = LSE_FILM_MAXN
BATTERY_STATE_EXTRA = LSB_NEXTRA
BATTERY_OUT_CHANNELS = ("t", "v", "i", "i_leak", "soc", "theta_surf", "eta_cathode", "q_anode",
                        "q_cathode", "q_dl", "soh", "ocv", "i_faradaic")
BATTERY_SUMMARY_CHANNELS = ("step", "cycle", "t_start", "t_end", "reason", "charge", "energy",
                            "v_end", "i_end", "soc_end", "soh_end")
# LSB_END_* codes, by index
BATTERY_END_REASONS = (None, "v_min", "v_max", "i_min", "anode_empty", "cathode_full",
                       "cathode_empty")
OCV_KINDS = {"const": 0, "ramadass_licoo2": 1, "table": 2}

assert len(BATTERY_OUT_CHANNELS) == LSB_NOUT and len(BATTERY_SUMMARY_CHANNELS) == LSB_NSUM


cdef int _unpack_battery(const double[::1] r, lsb_params *p) except -1:
    if r.shape[0] != BATTERY_ROW:
        raise ValueError(f"battery parameter row must have {BATTERY_ROW} values")
    cdef int k, m = LSE_OCV_MAXPTS, o = N_BATTERY_FIELDS
    p.area = r[0]; p.l_c = r[1]; p.c_max = r[2]; p.d_c = r[3]; p.ea_d = r[4]
    p.i0_c = r[5]; p.ea_i0c = r[6]; p.c_dl = r[7]; p.n_vol = <int>r[8]; p.grading = r[9]
    p.el.sigma_ref = r[10]; p.el.ea = r[11]; p.el.t_ref = r[12]; p.el.sigma_e = r[13]
    p.el.eps_r = r[14]; p.el.thickness = r[15]; p.el.area = r[0]
    p.i0_a = r[16]; p.ea_i0a = r[17]; p.k_fade = r[18]; p.t_ref = r[19]; p.tol = r[20]
    p.ocv.kind = <int>r[21]; p.ocv.x0 = r[22]; p.ocv.x1 = r[23]; p.ocv.u_const = r[24]
    p.ocv.n = <int>r[25]; p.ocv.t_ref = r[26]
    for k in range(m):
        p.ocv.x[k] = r[o + k]
        p.ocv.u[k] = r[o + m + k]
        p.ocv.dudt[k] = r[o + 2 * m + k]
    return 0


cdef int _battery_coeffs(const double[::1] params, double T, lsb_coeffs *c) except -1:
    cdef lsb_params p
    _unpack_battery(params, &p)
    if lsb_coeffs_at(&p, T, c) != 0:
        raise ValueError("invalid battery parameters or temperature (kernel refused them)")
    return 0


def battery_coeffs(const double[::1] params, double temperature):
    """Temperature-resolved coefficients of the kernel (SI): r_ion (ohm), r_leak (ohm, inf if
    none), i0A_c and i0A_a (A, cathode at soh = 1), c_dl (F), q0 (C), vt2 (V), n (volumes)."""
    cdef lsb_coeffs c
    _battery_coeffs(params, temperature, &c)
    return dict(r_ion=c.r_ion, r_leak=(1.0 / c.g_leak if c.g_leak > 0 else INFINITY),
                i0A_c=c.i0A_c, i0A_a=c.i0A_a, c_dl=c.cdl, q0=c.q0, vt2=c.vt2, n=c.film.n)


def battery_initial_state(const double[::1] params, double soc0, double q_li0, double soh):
    """Uniform state vector (n + BATTERY_STATE_EXTRA,): theta_k = 1 - soc0, eta_c = 0,
    Li-metal inventory q_li0 (C), active fraction soh, no dead Li."""
    cdef lsb_coeffs c
    _battery_coeffs(params, 298.15, &c)
    out = np.empty(c.film.n + LSB_NEXTRA)
    cdef double[::1] o = out
    lsb_initial_state(&c, soc0, q_li0, soh, &o[0])
    return out


cdef object _check_state(lsb_coeffs *c, state):
    st = np.array(state, dtype=np.float64, copy=True).ravel()
    if st.shape[0] != c.film.n + LSB_NEXTRA:
        raise ValueError(f"state must have {c.film.n + LSB_NEXTRA} values")
    return st


def battery_simulate(const double[::1] params, double temperature, state, const double[::1] t,
                     const double[::1] i, double v_min, double v_max):
    """Current-driven run: i (A, > 0 discharge) piecewise linear at times t (s). Returns
    (rows (m, n_channels), reason code, final state). The run stops at an event."""
    cdef lsb_coeffs c
    _battery_coeffs(params, temperature, &c)
    if t.shape[0] != i.shape[0] or t.shape[0] < 1:
        raise ValueError("t and i need the same non-zero length")
    st = _check_state(&c, state)
    cdef double[::1] s = st
    out = np.empty((t.shape[0] + 1, LSB_NOUT))
    cdef double[:, ::1] o = out
    cdef int reason = 0
    cdef long rows
    with nogil:
        rows = lsb_simulate(&c, &s[0], &t[0], &i[0], t.shape[0], v_min, v_max, &o[0, 0], &reason)
    if rows < 0:
        raise FloatingPointError(f"microbattery kernel failed with code {rows} "
                                 "(bad input, step size underflow or no solution)")
    return out[:rows], reason, st


def battery_protocol(const double[::1] params, double temperature, state, const double[:, ::1] steps,
                     long n_repeat, bint record, long out_cap=512):
    """Cycler protocol: steps (n, 7) rows (mode 0 CC / 1 CV, value A or V, duration s, v_min V,
    v_max V, i_min A, stop 0/1), repeated n_repeat times. Returns (rows, summary, reason code,
    final state); the output buffer grows until it fits."""
    cdef lsb_coeffs c
    _battery_coeffs(params, temperature, &c)
    if steps.shape[1] != 7 or steps.shape[0] < 1:
        raise ValueError("steps must be (n, 7)")
    cdef Py_ssize_t ns = steps.shape[0], k
    st0 = _check_state(&c, state)
    cdef lsb_step *prog = <lsb_step *> PyMem_Malloc(ns * sizeof(lsb_step))
    if prog == NULL:
        raise MemoryError()
    cdef double[::1] s
    cdef double[:, ::1] o
    cdef double[:, ::1] sm
    cdef long rows, nsum = 0, cap = max(out_cap, 16), scap = ns * n_repeat
    cdef int reason = 0
    try:
        for k in range(ns):
            prog[k].mode = <int>steps[k, 0]
            prog[k].value = steps[k, 1]
            prog[k].duration = steps[k, 2]
            prog[k].v_min = steps[k, 3]
            prog[k].v_max = steps[k, 4]
            prog[k].i_min = steps[k, 5]
            prog[k].stop = <int>steps[k, 6]
        summary = np.empty((scap, LSB_NSUM))
        sm = summary
        while True:
            st = st0.copy()
            s = st
            out = np.empty((cap, LSB_NOUT))
            o = out
            with nogil:
                rows = lsb_run_protocol(&c, &s[0], prog, <int>ns, n_repeat, record, &o[0, 0],
                                        cap, &sm[0, 0], scap, &nsum, &reason)
            if rows == LS_ERR_BUF and cap < 200_000_000:
                cap *= 4
                continue
            break
    finally:
        PyMem_Free(prog)
    if rows < 0:
        raise FloatingPointError(f"microbattery kernel failed with code {rows} "
                                 "(bad input, step size underflow or no solution)")
    return out[:rows], summary[:nsum], reason, st


def battery_voltage_now(const double[::1] params, double temperature, state, double i):
    """Terminal voltage (V) at terminal current i (A) in the given state, with no time passing."""
    cdef lsb_coeffs c
    _battery_coeffs(params, temperature, &c)
    st = _check_state(&c, state)
    cdef double[::1] s = st
    cdef double v = 0.0
    if lsb_voltage_now(&c, &s[0], i, &v) != 0:
        raise FloatingPointError("no consistent operating point")
    return v


def battery_ocv(const double[::1] params, double temperature, const double[::1] theta):
    """Cathode open-circuit potential U(theta, T) (V) and dU/dtheta (V) at each theta."""
    cdef lsb_params p
    _unpack_battery(params, &p)
    if lse_ocv_check(&p.ocv) != 0:
        raise ValueError("invalid OCV description")
    cdef Py_ssize_t k, n = theta.shape[0]
    u = np.empty(n)
    du = np.empty(n)
    cdef double[::1] uo = u
    cdef double[::1] do = du
    with nogil:
        for k in range(n):
            uo[k] = lse_ocv_eval(&p.ocv, theta[k], temperature, &do[k])
    return u, du


def battery_ladder(const double[::1] params, double temperature):
    """RC ladder of the cathode film at soh = 1 and the given temperature: (C (n,) F,
    R (n-1,) ohm between volumes k and k+1, R_s ohm from the last volume to the surface)."""
    cdef lsb_coeffs c
    _battery_coeffs(params, temperature, &c)
    cdef int n = c.film.n
    C = np.empty(n)
    R = np.empty(max(n, 1))
    cdef double[::1] cv = C
    cdef double[::1] rv = R
    cdef double rs = 0.0
    lse_film_ladder(&c.film, &cv[0], &rv[0], &rs)
    return C, R[:n - 1].copy(), rs


def film_simulate(int n, double thickness, double grading, double area, double c_max, double D,
                  const double[::1] t, const double[::1] J, theta0, double tol=1e-8):
    """Stand-alone intercalation film (electrochem.h part 4): flux J (mol/s) into the surface,
    piecewise linear at times t (s). Returns (theta_surf, theta_mean, theta_final)."""
    cdef lse_film f
    if lse_film_init(&f, n, thickness, grading, area, c_max, D) != 0:
        raise ValueError("invalid film parameters")
    if t.shape[0] != J.shape[0] or t.shape[0] < 1:
        raise ValueError("t and J need the same non-zero length")
    th = np.array(np.broadcast_to(np.asarray(theta0, dtype=np.float64), (n,)), dtype=np.float64)
    cdef double[::1] thv = th
    ts = np.empty(t.shape[0])
    tm = np.empty(t.shape[0])
    cdef double[::1] tsv = ts
    cdef double[::1] tmv = tm
    cdef int rc
    with nogil:
        rc = lse_film_simulate(&f, &t[0], &J[0], t.shape[0], tol, &thv[0], &tsv[0], &tmv[0])
    if rc != 0:
        raise FloatingPointError(f"film kernel failed with code {rc}")
    return ts, tm, th


def electrolyte_r_ion(double sigma_ref, double ea, double t_ref, double thickness, double area,
                      const double[::1] temperature):
    """Ionic resistance L/(sigma(T) A) (ohm) of an electrolyte film at each temperature (K)."""
    cdef lse_electrolyte e
    e.sigma_ref = sigma_ref; e.ea = ea; e.t_ref = t_ref; e.sigma_e = 0.0; e.eps_r = 0.0
    e.thickness = thickness; e.area = area
    cdef Py_ssize_t k, n = temperature.shape[0]
    out = np.empty(n)
    cdef double[::1] o = out
    for k in range(n):
        o[k] = lse_electrolyte_r_ion(&e, temperature[k])
    return out


def bv_overpotential(const double[::1] i, double i0A, double temperature):
    """Butler-Volmer overpotential (V) for currents i (A), exchange current i0A (A)."""
    cdef Py_ssize_t k, n = i.shape[0]
    out = np.empty(n)
    cdef double[::1] o = out
    for k in range(n):
        o[k] = lse_bv_eta(i[k], i0A, temperature, NULL)
    return out
