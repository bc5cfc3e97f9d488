"""The batch ngspice engine: one ``ngspice -b -r out.raw deck.cir`` subprocess per run.

Each run gets a fresh temporary directory holding the deck, our own ``.spiceinit``, the raw
file and ngspice's stdout/stderr. ngspice runs there in its own process group (session), so
a timeout can kill it together with anything it started (a deck's ``shell`` command), and
with ``HOME`` and ``SPICE_USERINIT_DIR`` pointing at that directory, so the only
``.spiceinit`` it reads is ours and a user's ``~/.spiceinit`` cannot change results.
Relative ``.include``/``.lib`` paths still resolve against the caller's working directory
through ``NGSPICE_INPUT_DIR`` (unless the caller set that variable).

Failures become the typed exceptions of :mod:`lithispice.errors`; a run never returns an
empty Result. The log classification here is shared with the shared-library engine.
"""
from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import time
from typing import Callable, Iterable, Optional, Sequence

from ..errors import (
    ConvergenceError,
    NetlistSyntaxError,
    NgspiceNotFoundError,
    SimulationError,
    SimulationTimeout,
)
from ..validate import check_number
from .progress import NgspiceWatcher
from .procs import group_ended, group_started, run_ended, run_started, spawning
from .raw import read_raw
from .result import Plot, Result
from .rundir import disk_errno, disk_error, disk_full_error, make_rundir

__all__ = ["run_deck", "INSTALL_HINT"]

INSTALL_HINT = ("install it from the Debian packages: `sudo apt-get update && sudo "
                "DEBIAN_FRONTEND=noninteractive apt-get install -y ngspice libngspice0 "
                "libngspice0-dev`, or run `make setup` in the lithispice repository")

# Our .spiceinit. Why each line:
# * filetype=binary pins the raw format: the environment variable SPICE_ASCIIRAWFILE (or a
#   site spinit) could switch it to ASCII, which is slower and rounds to ~15 digits.
# * ngbehavior is deliberately left unset. Every compatibility flag (ps, lt, hs, ki, spe,
#   and 'a', which is matched as a *substring* of the value) rewrites the deck: PSpice/
#   LTspice expression and TABLE translation, different parameter handling. lithispice
#   emits native ngspice syntax, which is what ngspice 39 runs with no mode selected; the
#   "Note: No compatibility mode selected!" it prints is informational and ignored. The
#   only flag that selects no dialect *and* silences the note is "mc" (ngspice's own
#   'make check' mode), which is an internal test switch we do not want to depend on.
SPICEINIT = """\
* .spiceinit written by lithispice for one run (see lithispice/engines/batch.py)
set filetype=binary
"""

_END_RE = re.compile(r"^[ \t]*\.end[ \t]*$", re.I | re.M)
_CONTROL_RE = re.compile(r"^[ \t]*\.control\b", re.I | re.M)
_ANALYSIS_RE = re.compile(r"^[ \t]*\.(op|dc|ac|tran|noise|tf|sens|pz|disto|pss|sp)\b",
                          re.I | re.M)

# ---------------------------------------------------------------------------------------
# Log classification (shared with the shared-library engine)
# ---------------------------------------------------------------------------------------
# ngspice's messages for a deck it cannot read. Checked first: a deck that does not parse
# never reaches an analysis, so these cannot be side effects of a convergence failure.
SYNTAX_PATTERNS = [re.compile(p, re.I) for p in (
    r"Error on line \d+",
    r"unknown subckt",
    r"Too (few|many) parameters for subcircuit",
    r"could not find a valid modelname",
    r"model name is not found",
    r"can't find model",
    r"unknown model type",
    r"unknown parameter",
    r"unknown device type",
    r"Could not find include file",
    r"Undefined parameter",
    r"Expression err",
    r"Formula\(\) error",
    r"Cannot compute substitute",
    r"no such function",
    r"PTerror",
    r"syntax error",
    r"no such vector",
    r"is not in the circuit",
    r"no such device",
    r"circuit not parsed",
    r"TSTOP is invalid",
    r"Netlist line no\. \d+",
    r"missing \.ends?",
    r"unbalanced parentheses",
)]

# Failures of the Newton iteration / time stepping. They also occur as *warnings* in runs
# that recover (a floating node triggers "singular matrix" and "source stepping failed"
# before gmin stepping succeeds), so they are consulted only for a run that failed.
CONVERGENCE_PATTERNS = [re.compile(p, re.I) for p in (
    r"timestep too small",
    r"singular matrix",
    r"gmin stepping failed",
    r"source stepping failed",
    r"iteration limit",
    r"too many iterations",
    r"no convergence",
    r"(DC|Transient|AC) solution failed",
    r"Transient op failed",
)]

# Marks of a run that did not complete even though ngspice exited with status 0.
_FAILED_RUN_PATTERNS = [re.compile(p, re.I) for p in (
    r"simulation\(s\) aborted",
    r"Simulation interrupted due to error",
    r"there aren't any circuits loaded",
    r"circuit not parsed",
    r"fatal error",
    r"cannot recover",
)]

_STATS_LINE = re.compile(
    r"^\s*([A-Za-z][A-Za-z0-9 .,/()_-]*?)\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"\s*(MB|bytes)?\.?\s*$")
_MB = 1024.0 * 1024.0         # ngspice's "MB" is 2**20 bytes


def parse_stats(stdout: str) -> dict:
    """ngspice's ``name = value`` figures (batch end-of-run summary, ``rusage all`` /
    ``.options acct``) as a dict with snake_case keys: times suffixed ``_s`` (seconds),
    memory converted to bytes and suffixed ``_bytes``, counts as int."""
    stats: dict = {}
    for line in stdout.splitlines():
        if "=" not in line:
            continue
        m = _STATS_LINE.match(line)
        if not m:
            continue
        name, val, unit = m.group(1), m.group(2), m.group(3)
        seconds = "(seconds)" in name
        name = name.replace("(seconds)", "")
        key = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
        if not key:
            continue
        x = float(val)
        if unit == "MB":
            stats[key + "_bytes"] = int(round(x * _MB))
        elif unit == "bytes":
            stats[key + "_bytes"] = int(x)
        elif seconds or key.endswith("time"):
            stats[key + "_s"] = x
        else:
            stats[key] = int(x) if x.is_integer() and "." not in val else x
    return stats


def _lines(text: str) -> list[str]:
    # ngspice's progress output ("Reference value : ...") is separated by CR only.
    return [ln.rstrip() for ln in re.split(r"\r\n|\r|\n", text)]


def log_tail(stdout: str, stderr: str, n: int = 40) -> str:
    """The informative end of an ngspice log: stdout without the memory report, then
    stderr, blank lines dropped, consecutive repeats collapsed, last ``n`` lines."""
    noise = re.compile(r"DRAM|program size|pages =|^Stack =|^\s*$|Reference value|^\*\*")
    runs: list[list] = []                 # [line, count] with consecutive repeats merged
    for ln in _lines(stdout) + _lines(stderr):
        if noise.search(ln):
            continue
        if runs and runs[-1][0] == ln:
            runs[-1][1] += 1
        else:
            runs.append([ln, 1])
    out = [ln if k == 1 else f"{ln}   [repeated {k}x]" for ln, k in runs[-n:]]
    return "\n".join(out)


def _first_token(line: str) -> str:
    parts = line.split()
    return parts[0].lower() if parts else ""


def offending_lines(deck: str, log: str, limit: int = 8) -> tuple[str, ...]:
    """Deck lines an ngspice error message points at, as ``"<line number>: <text>"``."""
    deck_lines = deck.splitlines()
    found: list[str] = []

    def add_lineno(n: int, substitute: str = "") -> None:
        if 1 <= n <= len(deck_lines):
            text = deck_lines[n - 1].strip()
            # With .include/.lib or continuation lines ngspice's numbering may not match
            # the text we hold; then show what ngspice showed.
            if substitute and _first_token(text) != _first_token(substitute):
                found.append(f"{n}: {substitute.strip()}  (as read by ngspice)")
            else:
                found.append(f"{n}: {text}")
        elif substitute:
            found.append(f"?: {substitute.strip()}  (as read by ngspice)")

    def add_element(name: str) -> None:
        name = name.lower().strip("\"'")
        for k, text in enumerate(deck_lines, 1):
            tok = _first_token(text)
            # ngspice prefixes instance names inside subcircuits ("xx1" for X1).
            if tok and (tok == name or (name.startswith("x") and tok == name[1:])):
                found.append(f"{k}: {text.strip()}")
                return

    def add_containing(word: str, max_hits: int = 3) -> None:
        w = word.lower()
        hits = 0
        for k, text in enumerate(deck_lines, 1):
            if text.lstrip().startswith("*"):
                continue
            toks = re.split(r"[\s(),={}]+", text.lower())
            if w in toks:
                found.append(f"{k}: {text.strip()}")
                hits += 1
                if hits >= max_hits:
                    return

    lines = _lines(log)
    for idx, ln in enumerate(lines):
        m = re.search(r"Error on line (\d+)", ln)
        if m:
            sub = lines[idx + 1] if idx + 1 < len(lines) else ""
            add_lineno(int(m.group(1)), sub)
            continue
        m = re.search(r"Netlist line no\. (\d+)", ln)
        if m:
            add_lineno(int(m.group(1)))
            continue
        m = re.search(r"unknown subckt:\s*(\S+)", ln, re.I)
        if m:
            add_element(m.group(1))
            continue
        m = re.search(r"\(instance:\s*([^)\s]+)\)", ln)
        if m:
            add_element(m.group(1))
            continue
        m = re.search(r"^\s*in line (\S+)", ln)
        if m:
            add_element(m.group(1))
            continue
        m = re.search(r"can't find model '([^']+)'", ln)
        if m:
            add_containing(m.group(1))
            continue
        m = re.search(r"Could not find include file (.+)$", ln)
        if m:
            add_containing(".include")
            add_containing(".lib")
            continue
        m = re.search(r'named "([^"]+)" is not in the circuit', ln)
        if m:
            add_containing(m.group(1))
            continue
        m = re.search(r'trouble with node "([^"]+)"', ln)
        if m:
            add_containing(m.group(1))
            continue
        m = re.search(r"check node (\S+)", ln)
        if m:
            node = m.group(1)
            if node.endswith("#branch"):
                add_element(node[:-7])
            else:
                add_containing(node)
    uniq: list[str] = []
    for f in found:
        if f not in uniq:
            uniq.append(f)
    return tuple(uniq[:limit])


def _matches(patterns: Iterable[re.Pattern], text: str) -> Optional[str]:
    for p in patterns:
        m = p.search(text)
        if m:
            return m.group(0)
    return None


def classify_failure(deck: str, stdout: str, stderr: str, *, what: str,
                     partial: Optional[Result] = None) -> SimulationError:
    """Build the typed exception for a run known to have failed. ``what`` says how we know
    (exit status, missing output...). A partial result, if any, is attached to the
    exception as ``partial_result`` (the data up to the failure)."""
    log = stdout + "\n" + stderr
    tail = log_tail(stdout, stderr)
    lines = offending_lines(deck, log)
    hit = _matches(SYNTAX_PATTERNS, stderr) or _matches(SYNTAX_PATTERNS, stdout)
    if hit:
        err: SimulationError = NetlistSyntaxError(
            f"ngspice rejected the deck ({hit!r}; {what})", tail, lines)
    else:
        hit = _matches(CONVERGENCE_PATTERNS, stderr) or _matches(CONVERGENCE_PATTERNS, stdout)
        if hit:
            err = ConvergenceError(
                f"ngspice did not converge ({hit!r}; {what}). Check for floating nodes, "
                "loops of voltage sources, discontinuous B-source expressions; try "
                "smaller timesteps or .options gmin/reltol", tail, lines)
        elif (re.search(r"No job \(tran, ac, op etc\.\) defined|run simulation not started",
                        log, re.I) or not _ANALYSIS_RE.search(deck)):
            err = SimulationError(
                f"the deck defines no analysis (.op, .dc, .ac, .tran ...) ({what})", tail)
        else:
            err = SimulationError(f"ngspice failed ({what})", tail, lines)
    err.partial_result = partial          # type: ignore[attr-defined]
    return err


def deck_warnings(deck: str, stdout: str, stderr: str) -> list[str]:
    """Things that did not stop the run but that a user should know about."""
    notes: list[str] = []
    for ln in _lines(stderr):
        s = ln.strip()
        # Gmin/source-stepping chatter is expected when a run recovers; not worth keeping.
        if (s.startswith("Warning") and "gmin" not in s.lower() and "stepping" not in s.lower()
                and "singular matrix" not in s.lower()):
            notes.append(s)
    for ln in _lines(stderr):
        # The detail line under "Warning: Model issue on line N :".
        if "unrecognized parameter" in ln or ln.rstrip().endswith("ignored"):
            notes.append(ln.strip())
    if "No .measure possible in batch mode" in stderr:
        notes.append(".meas statements are not evaluated by ngspice in batch mode with a "
                     "raw file (-r); compute measurements from the returned vectors")
    if ".print line ignored" in stdout:
        notes.append(".print lines are ignored when a raw file is written")
    if _CONTROL_RE.search(deck):
        notes.append("the deck has a .control section: in batch mode ngspice runs it first, "
                     "then runs the dot-analyses again for the raw file")
    seen: list[str] = []
    for n in notes:
        if n not in seen:
            seen.append(n)
    return seen


def check_saved_vectors(deck: str, plots: Sequence[Plot]) -> None:
    """ngspice silently drops a ``.save`` of a vector that does not exist (a misspelt node).
    Raise NetlistSyntaxError instead of returning a result without it."""
    missing: list[str] = []
    bad_lines: list[str] = []
    for k, line in enumerate(deck.splitlines(), 1):
        s = line.strip()
        if not re.match(r"\.save\b", s, re.I):
            continue
        for tok in re.findall(r"[^\s,]+\([^)]*\)|[^\s,()]+", s)[1:]:
            t = tok.lower()
            if t in ("all", "allv", "alli", "allp", "alls") or t.startswith("@") or "@" in t:
                continue
            if re.match(r"^[a-z]+\(", t) and not t.startswith(("v(", "i(")):
                continue            # vm(), vdb() etc. are not saved as such
            if not any(t in p for p in plots):
                missing.append(tok)
                if f"{k}: {s}" not in bad_lines:
                    bad_lines.append(f"{k}: {s}")
    if missing:
        raise NetlistSyntaxError(
            f"Error: no such vector: .save names {', '.join(missing)}, which ngspice did not "
            "produce (misspelt node or element?)", "", tuple(bad_lines))


def prepare_deck(deck: str, stats: bool) -> str:
    """Validate the deck text and add what the engine needs; returns the text to write."""
    if not isinstance(deck, str):
        raise TypeError(f"deck must be str, not {type(deck).__name__}")
    if not deck.strip():
        raise NetlistSyntaxError("the deck is empty")
    ends = list(_END_RE.finditer(deck))
    if not ends:
        # ngspice itself runs a deck without .end, but a missing .end is the mark of a
        # truncated or badly assembled deck, which must not run as if it were complete.
        last = deck.rstrip().splitlines()[-1].strip()
        raise NetlistSyntaxError(
            "the deck has no '.end' line (truncated or badly assembled deck?)",
            "", (f"{len(deck.rstrip().splitlines())}: {last}",))
    if stats:
        # .options acct makes batch ngspice print the full 'rusage all' set at the end,
        # without a .control block (which would make batch mode run every analysis twice).
        e = ends[0]                 # ngspice ignores everything after the first .end
        deck = deck[:e.start()] + ".options acct\n" + deck[e.start():]
    if not deck.endswith("\n"):
        deck += "\n"
    return deck


def exit_problem(rc: int, program: str) -> str:
    """What a simulator's return code says went wrong ("" for a clean exit)."""
    if rc < 0:
        try:
            signame = signal.Signals(-rc).name
        except ValueError:
            signame = "unknown signal"
        return f"{program} was killed by signal {-rc} ({signame}): it crashed"
    return f"exit status {rc}" if rc != 0 else ""


def find_ngspice(ngspice: str) -> str:
    """Absolute path of the ngspice executable or NgspiceNotFoundError."""
    path = shutil.which(ngspice)
    if path is None:
        raise NgspiceNotFoundError(f"ngspice executable {ngspice!r} not found; {INSTALL_HINT}")
    return path


def _kill_group(proc: subprocess.Popen, grace: float = 0.5) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left; reap the child."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
            # The leader is gone; members it started may not be: SIGKILL the group too.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            break
        except subprocess.TimeoutExpired:
            continue
    try:
        proc.wait(1.0)
    except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
        pass


def wait_process(proc: subprocess.Popen, timeout: float,
                 tick: Optional[Callable[[], None]] = None, interval: float = 0.2) -> int:
    """``proc.wait(timeout)`` without its polling: Popen.wait with a timeout sleeps in
    growing steps of up to 50 ms, which would add several ms to every short run. A pidfd
    (Linux >= 5.3) becomes readable the moment the child exits.

    ``tick`` (progress display) is called every ``interval`` s while the process runs; the
    timeout still counts from the call (a monotonic deadline) and raises TimeoutExpired as
    without it. An exception from ``tick`` other than KeyboardInterrupt/SystemExit stops
    the ticks, never the wait."""
    deadline = time.monotonic() + timeout

    def step() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise subprocess.TimeoutExpired(proc.args, timeout)
        return left if tick is None else min(left, interval)

    def call_tick() -> None:
        nonlocal tick
        if tick is not None:
            try:
                tick()
            except Exception:         # a broken progress display must not end the run
                tick = None

    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        while True:
            try:
                return proc.wait(step())
            except subprocess.TimeoutExpired:
                if deadline - time.monotonic() <= 0:
                    raise subprocess.TimeoutExpired(proc.args, timeout) from None
                call_tick()
    try:
        poller = select.poll()      # not select.select: that fails for fds >= 1024
        poller.register(fd, select.POLLIN)
        while True:
            if poller.poll(max(0, int(step() * 1000 + 0.5))):
                return proc.wait()
            call_tick()
    finally:
        os.close(fd)


def _caller_cwd() -> str:
    """The caller's working directory, for relative .include paths ('' if it is gone)."""
    try:
        return os.getcwd()
    except OSError:
        return ""


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _check_run_args(deck, timeout, workdir, keep_files, ngspice, stats) -> None:
    """run_deck's arguments, each refused with a ParameterError naming it (not a TypeError
    from deep inside: ``timeout="5"`` reached the process wait)."""
    from ..errors import ParameterError
    if not isinstance(deck, str):
        raise ParameterError("deck", type(deck).__name__, "the deck text (str)")
    check_number("timeout", timeout, 0, None, lo_open=True, unit="s")
    if workdir is not None and not isinstance(workdir, (str, os.PathLike)):
        raise ParameterError("workdir", workdir, "a directory path or None")
    if not isinstance(ngspice, (str, os.PathLike)) or not str(ngspice):
        raise ParameterError("ngspice", ngspice, "the ngspice executable's name or path")
    for name, value in (("keep_files", keep_files), ("stats", stats)):
        if not isinstance(value, bool):
            raise ParameterError(name, value, "True or False")


def _progress_bar(progress, text: str):
    """A RunProgress for this deck when progress is wanted (see run_deck), else None."""
    from .progress import RunProgress, ngspice_extent, progress_wanted
    if not progress_wanted(progress):
        return None
    ext = ngspice_extent(text)
    return RunProgress(f"ngspice {ext.kind if ext else 'run'}", ext)


def run_deck(deck: str, timeout: float = 60.0, *, workdir: Optional[str] = None,
             keep_files: bool = False, ngspice: str = "ngspice",
             stats: bool = False, progress=False) -> Result:
    """Simulate a complete SPICE deck with batch ngspice and return its vectors.

    Args:
        deck: the netlist text: title line first, ``.end`` last, analyses as dot-cards
            (``.tran``, ``.ac``, ``.dc``, ``.op``...). No ``.control`` block is needed.
        timeout: wall-clock limit for ngspice, s. On expiry its whole process group is
            killed (SIGTERM, then SIGKILL after 0.5 s) and SimulationTimeout is raised.
        workdir: directory in which the per-run temporary directory is created (default:
            the system temp dir). The run directory is removed afterwards unless
            ``keep_files``.
        keep_files: keep the run directory (deck.cir, .spiceinit, out.raw, stdout.txt,
            stderr.txt); its path is ``Result.workdir`` (or ``exc.workdir``).
        ngspice: executable name or path.
        stats: append ``.options acct`` so that ngspice reports its full resource usage
            (iterations, timepoints, load/factor/solve times...) into ``Result.stats``.
        progress: show the simulated time against the stop time, with an ETA, on stderr
            while ngspice runs (True; ``"auto"``: only if stderr is a terminal; False:
            never). Read from ngspice's own "Reference value" output (every 0.25 s of CPU
            time), see :mod:`lithispice.engines.progress`.

    Returns:
        :class:`Result`; ``res.elapsed`` is this call's wall time in s.

    Raises:
        NgspiceNotFoundError, NetlistSyntaxError, ConvergenceError, SimulationTimeout,
        SimulationError (crash, no analysis, no output), DiskFullError (no space left
        for the run folder, the deck or the raw file -- ngspice itself exits with status 0
        on a cut raw file -- or the ``ulimit -f`` file size limit). A failed analysis that
        produced some points attaches them as ``exc.partial_result``.
    """
    t0 = time.perf_counter()
    _check_run_args(deck, timeout, workdir, keep_files, ngspice, stats)
    from .progress import progress_wanted
    show = progress_wanted(progress)      # a bad value: ParameterError before anything runs
    timeout = check_number("timeout", timeout, 0, None, lo_open=True, unit="s")
    text = prepare_deck(deck, stats)
    exe = find_ngspice(ngspice)
    # the run folder carries an owner file: a folder left by a killed process is removed
    # by a later run (engines/rundir.py); a full disk raises DiskFullError
    rundir = make_rundir("lithispice-", workdir, keep_files)
    proc: Optional[subprocess.Popen] = None
    try:
        run_started(rundir, keep_files)   # a sweep worker's guardian: see engines/procs.py
        deck_path = os.path.join(rundir, "deck.cir")
        try:
            with open(deck_path, "w", encoding="utf-8") as fh:
                fh.write(text)
            with open(os.path.join(rundir, ".spiceinit"), "w") as fh:
                fh.write(SPICEINIT)
        except OSError as exc:
            if disk_errno(exc):
                raise disk_error(exc, deck_path) from None
            raise
        env = dict(os.environ)
        env["HOME"] = rundir
        env["SPICE_USERINIT_DIR"] = rundir
        cwd = _caller_cwd()
        if cwd:
            env.setdefault("NGSPICE_INPUT_DIR", cwd)
        env.pop("SPICE_ASCIIRAWFILE", None)
        env["LC_ALL"] = "C"               # numbers with '.', whatever the user's locale
        out_path = os.path.join(rundir, "stdout.txt")
        err_path = os.path.join(rundir, "stderr.txt")
        raw_path = os.path.join(rundir, "out.raw")
        # stdout/stderr go to files, not pipes: no pipe can fill up and block ngspice, and
        # the log is still there after a kill.
        # spawning(): a stop signal is deferred until ngspice is started and registered
        # (a sweep worker's guardian kills a registered group if the worker dies)
        with spawning(), open(out_path, "wb") as fo, open(err_path, "wb") as fe:
            try:
                proc = subprocess.Popen(
                    [exe, "-b", "-r", raw_path, deck_path], cwd=rundir, env=env,
                    stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, start_new_session=True)
            except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
                raise NgspiceNotFoundError(
                    f"cannot execute ngspice at {exe!r} ({exc}); {INSTALL_HINT}") from None
            group_started(proc.pid, "" if keep_files else rundir)
        bar = _progress_bar(show, text)
        try:
            rc = wait_process(proc, timeout, NgspiceWatcher(err_path, bar) if bar else None)
        except subprocess.TimeoutExpired:
            if bar:
                bar.close(ok=False)
            _kill_group(proc)
            stdout, stderr = _read_text(out_path), _read_text(err_path)
            err = SimulationTimeout(
                f"ngspice ran longer than the timeout of {timeout:g} s and was killed "
                f"(process group {proc.pid})", log_tail(stdout, stderr, 20))
            err.pid = err.pgid = proc.pid                   # type: ignore[attr-defined]
            err.workdir = rundir if keep_files else None    # type: ignore[attr-defined]
            raise err from None
        except BaseException:
            if bar:
                bar.close(ok=False)
            _kill_group(proc)             # Ctrl-C etc.: never leave ngspice running
            raise
        if bar:
            bar.close(ok=rc == 0)
        stdout, stderr = _read_text(out_path), _read_text(err_path)
        plots: list[Plot] = []
        raw_error = ""
        if os.path.exists(raw_path):
            try:
                plots = read_raw(raw_path)
            except ValueError as exc:
                raw_error = f"unreadable raw file: {exc}"
        kept = rundir if keep_files else None
        stats_d = parse_stats(stdout)
        warns = deck_warnings(deck, stdout, stderr)

        def make(ps):
            return Result(ps, stdout=stdout, stderr=stderr,
                          elapsed=time.perf_counter() - t0, stats=stats_d, warnings=warns,
                          returncode=rc, engine="batch", workdir=kept, deck=deck)

        what = exit_problem(rc, "ngspice") or raw_error
        if what:
            pass
        elif not plots:
            what = "no output was written"
        elif any(p.truncated for p in plots):
            what = "an analysis stopped before its end"
        elif _matches(_FAILED_RUN_PATTERNS, stderr):
            what = "ngspice reported an aborted run"
        elif any(len(p) == 0 for p in plots):
            what = "an analysis produced no points"
        if what:
            partial = make(plots) if plots and any(len(p) for p in plots) else None
            err = classify_failure(deck, stdout, stderr, what=what, partial=partial)
            # a full disk cuts the raw file and ngspice still exits with status 0: say so
            # rather than "an analysis stopped before its end"
            disk = disk_full_error(rundir, stdout, stderr, what, rc=rc, tail=err.log_tail,
                                   by_space=type(err) is SimulationError)
            if disk is not None:
                disk.partial_result = partial               # type: ignore[attr-defined]
                err = disk
            err.workdir = kept                              # type: ignore[attr-defined]
            raise err
        check_saved_vectors(deck, plots)
        return make(plots)
    finally:
        if proc is not None and proc.returncode is None:
            _kill_group(proc)             # left before waiting for it: never leave it running
        if not keep_files:
            shutil.rmtree(rundir, ignore_errors=True)
        if proc is not None:
            group_ended(proc.pid)
        run_ended(rundir)
