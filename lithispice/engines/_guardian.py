"""The guardian of a sweep worker process (see :mod:`lithispice.engines.procs`).

Run as ``python -I -S _guardian.py OWNER_PID`` with a pipe from the owner on stdin, on which
the owner writes one line per event: ``R<keep 0/1><folder>`` a run begins in that folder
(before its simulator starts), ``P<pgid> <folder>`` its simulator's process group,
``E<folder>`` the run is over. At end of file (the owner died, however it died), on SIGTERM,
or when OWNER_PID is no longer its parent: SIGKILL the groups of the runs still listed and
every process whose current directory is inside one of their folders (the simulator even if
the owner died before telling its group), remove the folders not kept, exit. Standard
library only and no site packages: it starts in ~10 ms and holds no descriptor of its owner
but the pipe.
"""
import os
import select
import shutil
import signal
import sys
import time


def _kill_inside(folders) -> int:
    """SIGKILL every process whose current directory is in one of ``folders``."""
    roots = [os.path.realpath(f) for f in folders]
    killed = 0
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return 0
    for pid in pids:
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if any(cwd == r or cwd.startswith(r + os.sep) for r in roots):
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    return killed


def main(owner: int) -> None:
    runs = {}                                    # folder -> [keep, set of pgids]

    def finish(*_):
        live = {d: r for d, r in runs.items() if os.path.isdir(d)}   # gone: cleaned up
        killed = 0
        for keep, pgids in live.values():
            for pgid in pgids:
                try:
                    os.killpg(pgid, signal.SIGKILL)
                    killed += 1
                except OSError:
                    pass
        if live:
            killed += _kill_inside(live)
        if killed:
            time.sleep(0.1)                      # let them go before their folders
        for folder, (keep, _) in live.items():
            if not keep:
                shutil.rmtree(folder, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the owner's to handle
    signal.signal(signal.SIGTERM, finish)
    poller = select.poll()
    poller.register(0, select.POLLIN)
    buf = b""
    while True:
        if not poller.poll(1000):
            if os.getppid() != owner:
                finish()
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            finish()
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for line in lines:
            text = line.decode("utf-8", "surrogateescape")
            kind, rest = text[:1], text[1:]
            try:
                if kind == "R":
                    runs[rest[1:]] = [rest[:1] == "1", set()]
                elif kind == "P":
                    pgid, _, folder = rest.partition(" ")
                    runs.setdefault(folder, [True, set()])[1].add(int(pgid))
                elif kind == "E":
                    runs.pop(rest, None)
            except ValueError:
                pass


if __name__ == "__main__":
    main(int(sys.argv[1]))
