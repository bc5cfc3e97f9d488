"""Device-parallel kernel calls (lithispice/devices/_threads.py): threads split the devices,
never the answer."""
import numpy as np
import pytest

import lithispice as ls
from lithispice.devices.synapse import Synapse, program_array
from lithispice.errors import ParameterError

ECRAM = "ECRAM-WO3"


def test_threads_split_devices_without_changing_results():
    from lithispice.devices._threads import MIN_DEVICES_PER_THREAD, device_ranges
    # ranges cover every device once, in order, and never go below the useful chunk size
    for n, k in ((1, 4), (200, 2), (1000, 3), (10_001, 8)):
        r = device_ranges(n, k)
        assert r[0][0] == 0 and r[-1][1] == n and all(a[1] == b[0] for a, b in zip(r, r[1:]))
        assert len(r) == 1 or min(hi - lo for lo, hi in r) >= MIN_DEVICES_PER_THREAD
    s = Synapse.preset(ECRAM)
    rng = np.random.default_rng(3)
    amp = np.where(rng.uniform(size=(300, 20)) < 0.6, s.pulse_amplitude, -s.pulse_amplitude)
    one = program_array(s, amp, threads=1)
    many = program_array(s, amp, threads=3)
    for key in one:
        assert np.array_equal(one[key], many[key]), key
    m = ls.Memristor.preset("LiCoO2")
    devs = m.sample(200, seed=2)
    t = np.linspace(0, 2e-5, 401)
    v = 1.3 * m.v_reset * np.sin(2 * np.pi * 5e4 * t)
    a1 = ls.simulate_array(devs, t, v, threads=1)
    a2 = ls.simulate_array(devs, t, v, threads=2)
    assert np.array_equal(a1.state, a2.state) and np.array_equal(a1.i, a2.i)
    with pytest.raises(ParameterError) as err:
        program_array(s, amp, threads=0)
    assert err.value.name == "threads"
