# cython: language_level=3
"""Thin Cython layer over the C kernels in csrc/.

Parameters cross the boundary as rows of a float64 array in a fixed field order (see
``MEMRISTOR_FIELDS``); the Python device classes pack them. Loops run without the GIL and
touch no Python objects. One .pxi per device family keeps the bindings next to each other
but separate; they compile into this single extension module.
"""
import numpy as np
cimport numpy as cnp

cnp.import_array()

include "_kernels_memristor.pxi"
include "_kernels_sensor.pxi"
include "_kernels_battery.pxi"
include "_kernels_synapse.pxi"
