"""The shared-library engine: libngspice through PySpice's ``NgSpiceShared``, in a child.

Why a child process (a fresh interpreter, one per run):

* PySpice 1.5 allows one NgSpiceShared per process (a second raises cffi's CDefError), and
  libngspice cannot be reset after a fatal error ("ngspice.dll cannot recover and awaits to
  be detached"); it also grows by MBs per run. A fresh process per run sidesteps all three,
  and a timeout can kill it (libngspice runs in-process and cannot be interrupted safely).
* The child is started like multiprocessing's 'spawn' start method does it (a new
  ``sys.executable``, nothing inherited but the environment), but with ``subprocess``
  rather than ``multiprocessing``: the 'spawn' bootstrap re-imports the caller's
  ``__main__`` in the child, which re-runs an unguarded script's top-level code (and fails
  outright for code read from stdin). Our child imports only this module. It also gets its
  own session, so a timeout kills its whole process group.

PySpice's own stdout/stderr handling is replaced: it raises NgSpiceCommandError on any
stderr line that does not start with "Warning:" (ngspice's gmin-stepping "Note:" lines
included) and logs every such line as an error. The child records the lines instead and the
parent classifies the log with the same rules as the batch engine. PySpice's cosmetic
"Unsupported Ngspice version 39" warning is filtered out; nothing else is silenced.

Starting the child (Python + PySpice import + libngspice init) costs ~0.3 s per run: use
the batch engine for throughput, this one for interactive use and as a cross-check.
"""
from __future__ import annotations

import os
import pickle
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Optional

from ..errors import NgspiceNotFoundError, SimulationError, SimulationTimeout
from ..validate import check_number
from .batch import (
    _FAILED_RUN_PATTERNS,
    INSTALL_HINT,
    SPICEINIT,
    _caller_cwd,
    _matches,
    _read_text,
    check_saved_vectors,
    classify_failure,
    deck_warnings,
    log_tail,
    parse_stats,
    prepare_deck,
)
from .result import Plot, Result

__all__ = ["run_deck_shared"]

# ngspice's plot type names (tran1, ac2, ...) -> the plot names it writes in raw files.
_PLOTNAMES = {
    "tran": "Transient Analysis",
    "ac": "AC Analysis",
    "dc": "DC transfer characteristic",
    "op": "Operating Point",
    "noise": "Noise Spectral Density Curves",
    "tf": "Transfer Function",
    "sens": "Sensitivity Analysis",
    "pz": "Pole-Zero Analysis",
    "disto": "Distortion - 2nd harmonic",
    "pss": "Periodic Steady State Analysis",
}

# ngspice's vector types (enum simulation_types, ngspice >= 27) by number, spelled as in
# raw files where they differ.
_VTYPES = ("notype", "time", "frequency", "voltage", "current", "voltage-density",
           "current-density", "sqr-voltage-density", "sqr-current-density", "sqr-voltage",
           "sqr-current", "pole", "zero", "s-param", "temp-sweep", "res-sweep",
           "impedance", "admittance", "power", "phase", "decibel", "capacitance", "charge")


def _raw_style_name(name: str, vtype: str) -> str:
    """libngspice names node voltages 'out' and branch currents 'v1#branch'; the raw file
    (and therefore Result) calls them 'v(out)' and 'i(v1)'."""
    if name.endswith("#branch"):
        return f"i({name[:-7]})"
    if vtype == "voltage" and "(" not in name and not name.startswith("@"):
        return f"v({name})"
    return name


# ---------------------------------------------------------------------------------------
# Child side
# ---------------------------------------------------------------------------------------
def _child_main(argv: list[str]) -> int:
    """Entry point of the child interpreter: ``argv = [rundir, input_dir, stats]``.

    Protocol on the original stdout (the control channel): a line ``ready`` once libngspice
    is loaded, then ``done`` after ``result.pkl`` was written to the run directory. The
    child exits with os._exit, skipping libngspice's teardown, which is not safe after a
    fatal error."""
    rundir, input_dir, stats = argv[0], argv[1], argv[2] == "1"
    try:
        os.setsid()                  # normally done by the parent (start_new_session)
    except OSError:
        pass
    os.chdir(rundir)
    os.environ["HOME"] = rundir
    os.environ["SPICE_USERINIT_DIR"] = rundir
    if input_dir:
        os.environ.setdefault("NGSPICE_INPUT_DIR", input_dir)
    os.environ["LC_ALL"] = "C"
    # Keep the control channel on a private fd; whatever libngspice prints straight to
    # fd 1/2 (progress "Reference value", crash messages) goes to a file.
    control = os.fdopen(os.dup(1), "w", buffering=1)
    direct = os.open(os.path.join(rundir, "direct.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(direct, 1)
    os.dup2(direct, 2)
    code = 0
    try:
        with open(os.path.join(rundir, "deck.cir"), encoding="utf-8") as fh:
            deck = fh.read()
        code = _child_run(control, deck, rundir, stats)
    except BaseException as exc:     # report anything unexpected rather than dying mute
        _write_result(rundir, {"error": ("internal", f"{type(exc).__name__}: {exc}")})
        control.write("done\n")
        code = 1
    finally:
        try:
            control.flush()
        except Exception:
            pass
        os._exit(code)


def _write_result(rundir: str, payload: dict) -> None:
    import pickle
    tmp = os.path.join(rundir, "result.pkl.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, os.path.join(rundir, "result.pkl"))


def _child_run(control, deck: str, rundir: str, stats: bool) -> int:
    import logging
    import warnings

    import numpy as np

    class _DropVersionWarning(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return "Unsupported Ngspice version" not in record.getMessage()

    logging.getLogger("PySpice.Spice.NgSpice.Shared.NgSpiceShared").addFilter(
        _DropVersionWarning())
    warnings.filterwarnings("ignore", message=".*Unsupported Ngspice version.*")
    try:
        from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi
    except ImportError as exc:
        _write_result(rundir, {"error": (
            "notfound", f"PySpice is not importable ({exc}); `pip install PySpice` is "
            "needed for the shared engine")})
        control.write("done\n")
        return 1

    out_fh = open(os.path.join(rundir, "stdout.txt"), "w", buffering=1, encoding="utf-8")
    err_fh = open(os.path.join(rundir, "stderr.txt"), "w", buffering=1, encoding="utf-8")
    state = {"exit": None}

    class _Recorder(NgSpiceShared):
        """NgSpiceShared that records ngspice's output instead of judging it."""

        @staticmethod
        def _send_char(message_c, ngspice_id, user_data):
            self = ffi.from_handle(user_data)
            raw = ffi.string(message_c)
            msg = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            prefix, _, content = msg.partition(" ")
            if prefix == "stderr":
                self._stderr.append(content)
                err_fh.write(content + "\n")
            else:
                self._stdout.append(content if prefix == "stdout" else msg)
                out_fh.write((content if prefix == "stdout" else msg) + "\n")
            return 0

        @staticmethod
        def _exit(exit_status, immediate_unloding, quit_exit, ngspice_id, user_data):
            # Called on a fatal error; libngspice is unusable afterwards. Remember it.
            state["exit"] = int(exit_status)
            err_fh.write(f"[libngspice requested exit, status {int(exit_status)}]\n")
            return exit_status

    try:
        ng = _Recorder(ngspice_id=0, send_data=False)
    except OSError as exc:           # dlopen failed: libngspice.so missing
        _write_result(rundir, {"error": (
            "notfound", f"libngspice could not be loaded ({exc}); {INSTALL_HINT}")})
        control.write("done\n")
        return 1
    control.write("ready\n")

    load_failed = ""
    try:
        ng.load_circuit(deck)
    except Exception as exc:         # NameError("ngSpice_Circ returned 1") on fatal errors
        load_failed = f"{type(exc).__name__}: {exc}"
    if not load_failed and state["exit"] is None:
        try:
            ng.run()
        except Exception as exc:
            load_failed = f"run failed: {type(exc).__name__}: {exc}"
    rusage = ""
    if stats and not load_failed and state["exit"] is None:
        try:
            rusage = ng.exec_command("rusage all")
        except Exception:
            rusage = ""

    plots = []
    lib = ng._ngspice_shared         # the cffi handle: the documented sharedspice C API
    try:
        plot_names = [p for p in ng.plot_names if p != "const"]
    except Exception:
        plot_names = []
    for pname in reversed(plot_names):        # ngspice lists the newest plot first
        vecs = lib.ngSpice_AllVecs(pname.encode())
        entries = []
        k = 0
        while vecs[k] != ffi.NULL:
            vname = ffi.string(vecs[k]).decode("utf-8", "replace")
            k += 1
            info = lib.ngGet_Vec_Info(f"{pname}.{vname}".encode())
            if info == ffi.NULL:
                continue
            n = int(info.v_length)
            vtype = _VTYPES[info.v_type] if 0 <= info.v_type < len(_VTYPES) else "notype"
            if info.v_compdata != ffi.NULL:
                buf = np.frombuffer(ffi.buffer(info.v_compdata, n * 16), dtype=np.float64)
                arr = buf.view(np.complex128).copy()
            elif info.v_realdata != ffi.NULL:
                arr = np.frombuffer(ffi.buffer(info.v_realdata, n * 8), dtype=np.float64).copy()
            else:
                arr = np.zeros(0)
            entries.append((_raw_style_name(vname, vtype), vtype, arr))
        kind = pname.rstrip("0123456789")
        plots.append({"typename": pname, "kind": kind, "vectors": entries})
    out_fh.flush()
    err_fh.flush()
    _write_result(rundir, {"plots": plots, "load_failed": load_failed,
                           "fatal_exit": state["exit"], "rusage": rusage})
    control.write("done\n")
    return 0


# ---------------------------------------------------------------------------------------
# Parent side
# ---------------------------------------------------------------------------------------
def _order(entries: list) -> list:
    """Axis first (as in raw files), then the rest in ngspice's creation order, which
    libngspice lists newest first."""
    entries = list(reversed(entries))
    for k, (name, vtype, _) in enumerate(entries):
        if vtype in ("time", "frequency") or "sweep" in name:
            return [entries[k]] + entries[:k] + entries[k + 1:]
    return entries


def _to_plot(d: dict, title: str) -> Optional[Plot]:
    entries = _order(d["vectors"])
    if not entries:
        return None
    names = [e[0] for e in entries]
    types = [e[1] for e in entries]
    cols = [e[2] for e in entries]
    is_cplx = any(c.dtype.kind == "c" for c in cols)
    n = max(len(c) for c in cols)
    # Only vectors of the plot's length are data; shorter ones would be scalars/constants.
    keep = [k for k, c in enumerate(cols) if len(c) == n]
    plotname = _PLOTNAMES.get(d["kind"], d["typename"])
    if d["kind"] == "noise" and d["typename"] != "noise1":
        plotname = "Integrated Noise" if n == 1 else plotname
    return Plot([names[k] for k in keep], [types[k] for k in keep], [cols[k] for k in keep],
                title=title, plotname=plotname, flags="complex" if is_cplx else "real")


def _kill(proc: subprocess.Popen) -> None:
    """SIGTERM the child's process group, then SIGKILL; reap it."""
    for sig, wait in ((signal.SIGTERM, 0.5), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # anything the child itself started
        except ProcessLookupError:
            pass
        break
    try:
        proc.wait(1.0)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass


def _child_env() -> dict:
    env = dict(os.environ)
    # The child imports this module: make the package importable however the parent
    # found it (installed, editable, or only on sys.path through the current directory).
    pkg_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(
        [pkg_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


_BOOT = "import sys; from lithispice.engines.shared import _child_main; _child_main(sys.argv[1:])"


def run_deck_shared(deck: str, timeout: float = 60.0, *, startup_timeout: float = 60.0,
                    stats: bool = False, keep_files: bool = False,
                    workdir: Optional[str] = None) -> Result:
    """Simulate a deck with libngspice (PySpice NgSpiceShared) in a fresh child process.

    Same deck rules, Result and exceptions as :func:`lithispice.engines.run_deck`.

    Args:
        deck: complete netlist text (title line first, ``.end`` last).
        timeout: limit for loading and simulating the circuit, s, counted from the moment
            libngspice is ready in the child; on expiry the child's process group is killed
            and SimulationTimeout raised.
        startup_timeout: limit for starting the child (Python, PySpice, libngspice), s.
        stats: run ngspice's ``rusage all`` after the analyses; figures in ``Result.stats``.
        keep_files / workdir: as for ``run_deck`` (the run directory holds the logs).

    Returns:
        :class:`Result` with ``engine == "shared"``; ``elapsed`` includes the child's
        start-up (~0.3 s).
    """
    t0 = time.perf_counter()
    text = prepare_deck(deck, stats=False)
    check_number("timeout", timeout, 0, None, lo_open=True, unit="s")
    title = text.splitlines()[0].strip()
    if title[:7].lower() == ".title ":       # ngspice's title card: the title follows it
        title = title[7:].strip()
    rundir = tempfile.mkdtemp(prefix="lithispice-shared-", dir=workdir)
    proc: Optional[subprocess.Popen] = None
    try:
        with open(os.path.join(rundir, ".spiceinit"), "w") as fh:
            fh.write(SPICEINIT)
        with open(os.path.join(rundir, "deck.cir"), "w", encoding="utf-8") as fh:
            fh.write(text)
        with open(os.path.join(rundir, "child.txt"), "wb") as child_err:
            proc = subprocess.Popen(
                [sys.executable, "-c", _BOOT, rundir, _caller_cwd(), "1" if stats else "0"],
                cwd=rundir, env=_child_env(), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=child_err, start_new_session=True)
        ready = done = False
        deadline = time.monotonic() + startup_timeout
        buf = b""
        fd = proc.stdout.fileno()
        poller = select.poll()      # not select.select: that fails for fds >= 1024
        poller.register(fd, select.POLLIN | select.POLLHUP)
        while not done:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(int(remaining * 1000) + 1):
                _kill(proc)
                stdout = _read_text(os.path.join(rundir, "stdout.txt"))
                stderr = _read_text(os.path.join(rundir, "stderr.txt"))
                phase = "the simulation" if ready else "start-up of the shared-library child"
                limit = timeout if ready else startup_timeout
                err = SimulationTimeout(
                    f"{phase} ran longer than {limit:g} s; child process group {proc.pid} "
                    "was killed", log_tail(stdout, stderr, 20))
                err.pid = err.pgid = proc.pid                # type: ignore[attr-defined]
                raise err
            chunk = os.read(fd, 4096)
            if not chunk:
                break                                        # EOF: the child is gone
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line == b"ready" and not ready:
                    ready = True
                    deadline = time.monotonic() + timeout
                elif line == b"done":
                    done = True
        try:
            proc.wait(5.0)
        except subprocess.TimeoutExpired:
            _kill(proc)
        stdout = _read_text(os.path.join(rundir, "stdout.txt"))
        stderr = _read_text(os.path.join(rundir, "stderr.txt"))
        extra = _read_text(os.path.join(rundir, "direct.txt")) + \
            _read_text(os.path.join(rundir, "child.txt"))
        if extra.strip():
            stderr = stderr + extra
        payload = None
        if done and os.path.exists(os.path.join(rundir, "result.pkl")):
            with open(os.path.join(rundir, "result.pkl"), "rb") as fh:
                payload = pickle.load(fh)
        if payload is None:
            rc = proc.returncode
            how = f"signal {-rc}" if rc is not None and rc < 0 else f"exit code {rc}"
            raise classify_failure(text, stdout, stderr,
                                   what=f"the libngspice child died ({how})")
        if "error" in payload:
            kind, message = payload["error"]
            if kind == "notfound":
                raise NgspiceNotFoundError(message)
            raise SimulationError(f"shared-library child failed: {message}",
                                  log_tail(stdout, stderr))
        plots = [p for p in (_to_plot(d, title) for d in payload["plots"]) if p is not None]
        stats_d = parse_stats(stdout)
        if payload.get("rusage"):
            stats_d.update(parse_stats(payload["rusage"]))
        kept = rundir if keep_files else None

        def make(ps):
            return Result(ps, stdout=stdout, stderr=stderr,
                          elapsed=time.perf_counter() - t0, stats=stats_d,
                          warnings=deck_warnings(text, stdout, stderr), returncode=0,
                          engine="shared", workdir=kept, deck=text)

        what = ""
        if payload["fatal_exit"] is not None:
            what = f"libngspice reported a fatal error (exit status {payload['fatal_exit']})"
        elif payload["load_failed"]:
            what = payload["load_failed"]
        elif not plots:
            what = "no analysis produced output"
        elif _matches(_FAILED_RUN_PATTERNS, stderr):
            what = "ngspice reported an aborted run"
            plots[-1].truncated = True          # the analysis that was running stopped
        elif any(len(p) == 0 for p in plots):
            what = "an analysis produced no points"
        if what:
            partial = make(plots) if plots and any(len(p) for p in plots) else None
            raise classify_failure(text, stdout, stderr, what=what, partial=partial)
        check_saved_vectors(text, plots)
        return make(plots)
    finally:
        if proc is not None:
            if proc.returncode is None:
                _kill(proc)
            if proc.stdout is not None:
                proc.stdout.close()
        if not keep_files:
            shutil.rmtree(rundir, ignore_errors=True)
