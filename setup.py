"""Build of lithispice: the C kernels in csrc/ compiled with the thin Cython layer."""
import glob

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

kernels = Extension(
    "lithispice._kernels",
    sources=["lithispice/_kernels.pyx"] + sorted(glob.glob("csrc/*.c")),
    include_dirs=["csrc", numpy.get_include()],
    extra_compile_args=["-O3", "-std=c99", "-fno-math-errno"],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
)

setup(
    ext_modules=cythonize([kernels], language_level=3,
                          compiler_directives={"boundscheck": False, "wraparound": False,
                                               "cdivision": True, "initializedcheck": False}),
)
