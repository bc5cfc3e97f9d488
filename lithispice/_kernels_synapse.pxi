# Three-terminal synapse kernel bindings (csrc/synapse.h); included by _kernels.pyx.
# Parameters cross as one packed float64 vector (SYNAPSE_FIELDS, then two OCV blocks of
# SYNAPSE_OCV_BLOCK values: kind, x0, x1, u_const, t_ref, n, x[64], u[64], dudt[64]).
# A state is lss_nstate values: (theta_c, theta_r) for lumped films, else the two profiles.

cdef extern from "synapse.h":
    ctypedef struct lse_electrolyte_s "lse_electrolyte":
        double sigma_ref, ea, t_ref, sigma_e, eps_r, thickness, area
    ctypedef struct lse_ocv_s "lse_ocv":
        int kind
        double x0, x1, u_const
        int n
        double t_ref
        double x[64]
        double u[64]
        double dudt[64]
    ctypedef struct lss_params:
        double w_ch, l_ch, t_ch, c_max_ch, d_ch, i0_ch
        lse_ocv_s ocv_ch
        int g_law
        double x_a, x_b, sigma_a, sigma_b
        lse_electrolyte_s el
        int res_kind
        double res_area, res_thickness, c_max_res, d_res, i0_res
        lse_ocv_s ocv_res
        double ea_d, ea_i0, t_ref
        int n_vol
        double grading, tol
    ctypedef struct lss_coeffs:
        double vt2, i2c, i2r, r_ion, g_leak, qc, qr, rsc, rsr, T
        int law, ext
        double x0c, dxc, x_a, x_b, g_a, g_b, ln_ba
        int nv
        double tol
        lse_film fc, fr
    int lss_nstate(const lss_coeffs *c) nogil
    double lss_conductance_st(const lss_coeffs *c, const double *st) nogil
    double lss_mean(const lss_coeffs *c, const double *st, int which) nogil
    double lss_voc_st(const lss_coeffs *c, const double *st) nogil
    enum: LSS_NOUT
    enum: LSS_NACC
    int lss_coeffs_at(const lss_params *p, double T, lss_coeffs *c) nogil
    double lss_conductance(const lss_coeffs *c, double thc) nogil
    double lss_voc(const lss_coeffs *c, double thc, double thr) nogil
    double lss_vg_of_i(const lss_coeffs *c, double thc, double thr, double I, double *df) nogil
    int lss_solve(const lss_coeffs *c, double thc, double thr, int mode, double value,
                  double guess, double *I, double *vg, double *ig) nogil
    int lss_run(const lss_coeffs *c, double *st, const int *mode, const double *value,
                const double *dur, long n, double *out) nogil
    int lss_train(const lss_coeffs *c, double *st, const double *amp, long n, int mode,
                  double t_on, double t_off, int rest_mode, double rest_value,
                  double *g_out, double *e_out, double *acc) nogil

SYNAPSE_FIELDS = ("w_ch", "l_ch", "t_ch", "c_max_ch", "d_ch", "i0_ch", "g_law", "x_a", "x_b",
                  "sigma_a", "sigma_b", "el_sigma_ref", "el_ea", "el_t_ref", "el_sigma_e",
                  "el_eps_r", "el_thickness", "res_kind", "res_area", "res_thickness",
                  "c_max_res", "d_res", "i0_res", "ea_d", "ea_i0", "t_ref", "n_vol", "grading",
                  "tol")
SYNAPSE_OCV_MAXPTS = 64
SYNAPSE_OCV_BLOCK = 6 + 3 * 64
SYNAPSE_PACKED_LEN = len(SYNAPSE_FIELDS) + 2 * SYNAPSE_OCV_BLOCK
SYNAPSE_OUT_CHANNELS = ("t", "theta_c", "theta_r", "g", "v_gate", "i_gate", "i_ion",
                        "q_gate", "q_ion", "e_gate", "e_oc")
SYNAPSE_ACC_CHANNELS = ("q_gate", "q_ion", "e_gate", "e_oc")


cdef void _syn_ocv(const double[::1] r, Py_ssize_t o, lse_ocv_s *v) noexcept nogil:
    cdef int k
    v.kind = <int>r[o]; v.x0 = r[o + 1]; v.x1 = r[o + 2]; v.u_const = r[o + 3]
    v.t_ref = r[o + 4]; v.n = <int>r[o + 5]
    for k in range(64):
        v.x[k] = r[o + 6 + k]
        v.u[k] = r[o + 70 + k]
        v.dudt[k] = r[o + 134 + k]


cdef void _syn_unpack(const double[::1] r, lss_params *p) noexcept nogil:
    p.w_ch = r[0]; p.l_ch = r[1]; p.t_ch = r[2]; p.c_max_ch = r[3]; p.d_ch = r[4]
    p.i0_ch = r[5]; p.g_law = <int>r[6]; p.x_a = r[7]; p.x_b = r[8]; p.sigma_a = r[9]
    p.sigma_b = r[10]
    p.el.sigma_ref = r[11]; p.el.ea = r[12]; p.el.t_ref = r[13]; p.el.sigma_e = r[14]
    p.el.eps_r = r[15]; p.el.thickness = r[16]; p.el.area = r[0] * r[1]
    p.res_kind = <int>r[17]; p.res_area = r[18]; p.res_thickness = r[19]; p.c_max_res = r[20]
    p.d_res = r[21]; p.i0_res = r[22]; p.ea_d = r[23]; p.ea_i0 = r[24]; p.t_ref = r[25]
    p.n_vol = <int>r[26]; p.grading = r[27]; p.tol = r[28]
    _syn_ocv(r, 29, &p.ocv_ch)
    _syn_ocv(r, 29 + 198, &p.ocv_res)


cdef int _syn_coeffs(const double[::1] packed, double T, lss_coeffs *c) except -1:
    cdef lss_params p
    if packed.shape[0] != SYNAPSE_PACKED_LEN:
        raise ValueError(f"packed synapse parameters must have {SYNAPSE_PACKED_LEN} values")
    _syn_unpack(packed, &p)
    if lss_coeffs_at(&p, T, c) != 0:
        raise ValueError("synapse kernel refused the parameters (non-finite or non-positive)")
    return 0


def synapse_coeffs(const double[::1] packed, double T):
    """Temperature-resolved coefficients (SI): dict of qc, qr (C per unit lithiation), r_ion,
    r_surface_c/r (theta per A), i2c, i2r (2 i0 A, A), g_leak (S), g_a, g_b (S), vt2 (V)."""
    cdef lss_coeffs c
    _syn_coeffs(packed, T, &c)
    return {"qc": c.qc, "qr": c.qr, "r_ion": c.r_ion, "g_leak": c.g_leak, "i2c": c.i2c,
            "i2r": c.i2r, "rsc": c.rsc, "rsr": c.rsr, "g_a": c.g_a, "g_b": c.g_b, "vt2": c.vt2,
            "external": bool(c.ext), "n_state": lss_nstate(&c)}


def synapse_state_summary(const double[::1] packed, double T, const double[::1] state):
    """(mean theta_c, mean theta_r, G S, V_oc V) of a state vector."""
    cdef lss_coeffs c
    _syn_coeffs(packed, T, &c)
    if state.shape[0] != lss_nstate(&c):
        raise ValueError(f"state must have {lss_nstate(&c)} values")
    return (lss_mean(&c, &state[0], 0), lss_mean(&c, &state[0], 1),
            lss_conductance_st(&c, &state[0]), lss_voc_st(&c, &state[0]))


def synapse_films(const double[::1] packed, double T):
    """RC ladders of the channel and reservoir films (electrochem.h part 4) at temperature T:
    ((C, R, R_s) channel, (C, R, R_s) reservoir or None), C (n,) F, R (n-1,) ohm between
    volumes k and k+1, R_s ohm from the outermost volume to the surface. Multi-volume films
    only (n_vol > 1)."""
    cdef lss_coeffs c
    _syn_coeffs(packed, T, &c)
    if c.nv < 2:
        raise ValueError("the films are lumped (n_vol = 1): see synapse_coeffs")
    out = []
    cdef double rs = 0.0
    cdef double[::1] cv
    cdef double[::1] rv
    for which in range(2):
        if which == 1 and c.ext:
            out.append(None)
            continue
        C = np.empty(c.nv)
        R = np.empty(c.nv)
        cv = C
        rv = R
        if which == 0:
            lse_film_ladder(&c.fc, &cv[0], &rv[0], &rs)
        else:
            lse_film_ladder(&c.fr, &cv[0], &rv[0], &rs)
        out.append((C, R[:c.nv - 1].copy(), rs))
    return tuple(out)


def synapse_conductance(const double[::1] packed, double T, const double[::1] theta_c):
    """G(theta_c), S, for each channel lithiation."""
    cdef lss_coeffs c
    _syn_coeffs(packed, T, &c)
    cdef Py_ssize_t n = theta_c.shape[0], k
    out = np.empty(n)
    cdef double[::1] o = out
    with nogil:
        for k in range(n):
            o[k] = lss_conductance(&c, theta_c[k])
    return out


def synapse_voc(const double[::1] packed, double T, double thc, double thr):
    """Open-circuit gate voltage U_r(theta_r) - U_c(theta_c), V."""
    cdef lss_coeffs c
    _syn_coeffs(packed, T, &c)
    return lss_voc(&c, thc, thr)


def synapse_solve(const double[::1] packed, double T, double thc, double thr, int mode,
                  double value):
    """(I_ion, V_G, I_G) for a gate drive (mode 0: V_G = value; 1: I_G = value)."""
    cdef lss_coeffs c
    cdef double I = 0.0, vg = 0.0, ig = 0.0
    _syn_coeffs(packed, T, &c)
    if lss_solve(&c, thc, thr, mode, value, 0.0, &I, &vg, &ig) != 0:
        raise FloatingPointError("synapse current solve failed")
    return I, vg, ig


def synapse_run(const double[::1] packed, double T, const double[::1] state,
                const int[::1] modes, const double[::1] values, const double[::1] durations):
    """Piecewise-constant gate drive: segment k held for durations[k] s in mode modes[k]
    (0: V_G = values[k] V, 1: I_G = values[k] A). Returns (rows (n, SYNAPSE_OUT_CHANNELS) at
    each segment end, final state)."""
    cdef lss_coeffs c
    _syn_coeffs(packed, T, &c)
    cdef Py_ssize_t n = modes.shape[0]
    if values.shape[0] != n or durations.shape[0] != n or state.shape[0] != lss_nstate(&c):
        raise ValueError("modes, values, durations need one entry per segment; state "
                         f"{lss_nstate(&c)} values")
    st = np.array(state, dtype=np.float64)
    out = np.empty((n, LSS_NOUT))
    cdef double[::1] s = st
    cdef double[:, ::1] o = out
    cdef int rc = 0
    if n > 0:
        with nogil:
            rc = lss_run(&c, &s[0], &modes[0], &values[0], &durations[0], n, &o[0, 0])
    if rc != 0:
        raise FloatingPointError(f"synapse kernel failed with code {rc}")
    return out, st


def synapse_train_array(const double[::1] packed, double T, const double[:, ::1] states,
                        const double[:, ::1] amp, int mode, double t_on, double t_off,
                        int rest_mode, double rest_value, Py_ssize_t first=0):
    """Pulse trains for N synapses of one parameter set: states (N, 2) initial (theta_c,
    theta_r); amp (N, n) pulse amplitudes (V or A by mode; 0 = no pulse in that slot).
    Returns (G (N, n) after each pulse period in S, E (N, n) gate energy of each period in J,
    acc (N, 4) totals q_gate, q_ion (C), e_gate, e_oc (J), final states (N, 2)).
    The device loop runs without the GIL and touches no Python object. ``first``: index of
    device 0 in error messages (device-parallel calls)."""
    cdef lss_coeffs c
    _syn_coeffs(packed, T, &c)
    cdef Py_ssize_t N = states.shape[0], n = amp.shape[1], d
    if states.shape[1] != lss_nstate(&c) or amp.shape[0] != N:
        raise ValueError(f"states must be (N, {lss_nstate(&c)}) and amp (N, n_pulses)")
    st = np.array(states, dtype=np.float64)
    g = np.empty((N, n))
    e = np.empty((N, n))
    acc = np.zeros((N, LSS_NACC))
    cdef double[:, ::1] s = st
    cdef double[:, ::1] go = g
    cdef double[:, ::1] eo = e
    cdef double[:, ::1] ac = acc
    cdef int rc = 0, bad = 0
    cdef Py_ssize_t bad_d = -1
    if n > 0:
        with nogil:
            for d in range(N):
                rc = lss_train(&c, &s[d, 0], &amp[d, 0], n, mode, t_on, t_off, rest_mode,
                               rest_value, &go[d, 0], &eo[d, 0], &ac[d, 0])
                if rc != 0:
                    bad = rc
                    bad_d = d
                    break
    if bad != 0:
        raise FloatingPointError(f"synapse kernel failed with code {bad} on device {first + bad_d}")
    return g, e, acc, st
