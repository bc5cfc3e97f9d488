"""Test-session guard: ngspice and the compiled kernels are required, never skipped.

A missing one stops the session with a non-zero exit and a message saying how to install it
(``make setup`` does both on a fresh Debian machine).
"""
import shutil

import pytest


def pytest_configure(config):
    problems = []
    if shutil.which("ngspice") is None:
        problems.append("ngspice executable not found (apt-get install ngspice libngspice0 "
                        "libngspice0-dev, or `make setup`)")
    try:
        import lithispice._kernels  # noqa: F401
    except ImportError as exc:
        problems.append(f"compiled extension lithispice._kernels missing ({exc}); run "
                        "`make setup` (pip install -e . builds it)")
    if problems:
        pytest.exit("test prerequisites missing:\n  " + "\n  ".join(problems), returncode=3)
