"""Progress of one simulator run: simulated position against the analysis end, with an ETA.

Where the position comes from (both read while the simulator runs, from files it writes
anyway, so nothing changes in how it is started, killed or cleaned up):

* **ngspice** (batch, ``-b -r``): while it writes the raw file, ngspice prints
  ``" Reference value :  1.23494e-01\\r"`` to stderr every 0.25 s of CPU time (outitf.c;
  silenced only by ``set norefvalue``, which lithispice's .spiceinit does not set). The
  reference value is the analysis axis: the time of a transient, the swept value of a DC
  sweep, the frequency of an AC analysis. :class:`NgspiceWatcher` reads the stderr file's
  new bytes.
* **VACASK** prints a progress bar only to a terminal; its output goes to a file here. It
  writes each raw file point by point (binary, buffered), so :class:`RawWatcher` reads the
  axis value of the last complete point of the running analysis's raw file.

The extent (start and stop of the axis) comes from the deck's ``.tran``/``.dc``/``.ac`` card
(:func:`ngspice_extent`) or the VACASK ``analysis`` line (:func:`vacask_extent`). A deck with
several sweeping analyses shows its transient; one whose extent cannot be read (a
``{param}`` stop time) shows the position and the elapsed time only.

:class:`RunProgress` draws it on stderr: on a terminal one line rewritten in place (at most
5 times a second); otherwise (a log file, asked for explicitly) one plain line every
:data:`LOG_INTERVAL` seconds at first, then every tenth of the elapsed time (at most 30 s
apart). ``progress="auto"`` means "on if stderr is a terminal". The ETA assumes the
remaining simulated time runs at the average speed so far: a schedule whose busy events
(write pulses) cluster in time makes it jump.
"""
from __future__ import annotations

import math
import os
import re
import struct
import sys
import time
from dataclasses import dataclass
from typing import Callable, Optional

__all__ = ["Extent", "RunProgress", "NgspiceWatcher", "RawWatcher", "ngspice_extent",
           "vacask_extent", "progress_wanted", "LOG_INTERVAL"]

#: seconds between two progress lines when stderr is not a terminal
LOG_INTERVAL = 1.0
_TTY_INTERVAL = 0.2
_SUFFIX = (("meg", 1e6), ("mil", 25.4e-6), ("t", 1e12), ("g", 1e9), ("k", 1e3), ("m", 1e-3),
           ("u", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15))


def progress_wanted(progress, stream=None) -> bool:
    """Whether to show progress: ``True`` always, ``False``/``None`` never, ``"auto"``
    when ``stream`` (default stderr) is a terminal."""
    from ..errors import ParameterError
    if progress is None or progress is False:
        return False
    if progress is True:
        return True
    if isinstance(progress, str) and progress.lower() == "auto":
        stream = sys.stderr if stream is None else stream
        try:
            return bool(stream.isatty())
        except (AttributeError, ValueError):
            return False
    raise ParameterError("progress", progress, "True, False or 'auto' (on if stderr is a terminal)")


def spice_number(text: str) -> Optional[float]:
    """A SPICE number (``10u``, ``1.5meg``, ``3e-3s``), or None (an expression)."""
    m = re.fullmatch(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([A-Za-z]*)", text.strip())
    if not m:
        return None
    x, suf = float(m.group(1)), m.group(2).lower()
    for s, f in _SUFFIX:
        if suf.startswith(s):
            return x * f
    return x


@dataclass(frozen=True)
class Extent:
    """The axis range of an analysis: ``kind`` (tran, dc, ac), ``start``, ``stop`` (axis
    units), ``unit`` (s, V, A, Hz...), ``log`` (AC dec/oct: progress in log frequency)."""
    kind: str
    start: float
    stop: float
    unit: str = "s"
    log: bool = False

    def fraction(self, value: float) -> Optional[float]:
        """Position of ``value`` in [0, 1] (None if the extent is degenerate)."""
        a, b, x = self.start, self.stop, value
        if self.log:
            if a <= 0 or b <= 0 or x <= 0:
                return None
            a, b, x = math.log(a), math.log(b), math.log(x)
        if not (math.isfinite(a) and math.isfinite(b)) or a == b:
            return None
        return min(max((x - a) / (b - a), 0.0), 1.0)


def ngspice_extent(deck: str) -> Optional[Extent]:
    """The extent of the deck's transient (or its only DC sweep / AC analysis), or None."""
    cards: dict = {}
    for ln in deck.splitlines()[1:]:
        s = ln.strip()
        m = re.match(r"\.(tran|dc|ac)\b\s*(.*)$", s, re.I)
        if m:
            cards.setdefault(m.group(1).lower(), []).append(m.group(2).split())
        elif re.match(r"\.end\b", s, re.I) and not re.match(r"\.ends\b", s, re.I):
            break
    if len(cards.get("tran", ())) == 1:
        w = cards["tran"][0]
        stop = spice_number(w[1]) if len(w) > 1 else None
        # ngspice's reference value runs from 0 even with a TSTART (points before it are
        # computed, not written)
        return Extent("tran", 0.0, stop, "s") if stop else None
    if cards.get("tran") or sum(len(v) for v in cards.values()) != 1:
        return None
    if "dc" in cards:
        w = cards["dc"][0]
        if len(w) != 4:                       # nested sweeps: the first source cycles
            return None
        a, b = spice_number(w[1]), spice_number(w[2])
        unit = {"v": "V", "i": "A"}.get(w[0][:1].lower(), "")
        return Extent("dc", a, b, unit) if a is not None and b is not None else None
    w = cards["ac"][0]
    if len(w) < 4:
        return None
    a, b = spice_number(w[2]), spice_number(w[3])
    if a is None or b is None:
        return None
    return Extent("ac", a, b, "Hz", log=w[0].lower() in ("dec", "oct"))


def vacask_extent(netlist: str) -> Optional[tuple[str, Extent]]:
    """(analysis name, extent) of a VACASK netlist's transient analysis, or None."""
    for ln in netlist.splitlines():
        m = re.match(r"\s*analysis\s+(\S+)\s+tran\b(.*)$", ln)
        if m:
            words = dict(re.findall(r"(\w+)=(\S+)", m.group(2)))
            stop = spice_number(words.get("stop", ""))
            if stop:
                return m.group(1).strip("'\""), Extent("tran", 0.0, stop, "s")
    return None


def _fmt_s(t: float) -> str:
    if t < 60:
        return f"{t:.1f} s"
    if t < 3600:
        return f"{int(t // 60)} min {int(t % 60):02d} s"
    return f"{int(t // 3600)} h {int(t % 3600 // 60):02d} min"


class RunProgress:
    """Draws ``label: 1.2e-03 s of 3e-03 s  40%  elapsed 2.0 s, ETA 3.0 s`` on ``stream``
    (default stderr): in place on a terminal, else a line every :data:`LOG_INTERVAL` s and
    sparser later (see the module doc).
    ``update(value)`` with the axis position; ``close()`` prints the final line."""

    def __init__(self, label: str, extent: Optional[Extent], stream=None,
                 clock: Callable[[], float] = time.monotonic):
        self.label = label
        self.extent = extent
        self.stream = sys.stderr if stream is None else stream
        try:
            self.tty = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.tty = False
        self.clock = clock
        self.t0 = clock()
        self.value: Optional[float] = None
        self._last = -math.inf
        self._width = 0
        self.lines = 0                    # lines written (tests, and close())
        self.closed = False

    def text(self, final: bool = False, now: Optional[float] = None) -> str:
        el = (self.clock() if now is None else now) - self.t0
        ext, v = self.extent, self.value
        unit = ext.unit if ext else ""
        if v is None:
            pos = "starting"
            if ext:
                pos += f", to {ext.stop:.6g} {unit}"
        elif ext:
            pos = f"{v:.6g} {unit} of {ext.stop:.6g} {unit}"
        else:
            pos = f"at {v:.6g}"
        f = ext.fraction(v) if (ext and v is not None) else None
        parts = [f"{self.label}: {pos}"]
        if f is not None:
            parts.append(f"{100 * f:3.0f}%")
        tail = f"elapsed {_fmt_s(el)}"
        if final:
            tail = f"done in {_fmt_s(el)}"
        elif f is not None and f > 0.005:
            tail += f", ETA {_fmt_s(el * (1 - f) / f)}"
        parts.append(tail)
        return "  ".join(parts)

    def update(self, value: Optional[float] = None) -> None:
        """Record the axis position ``value`` (None: no news) and draw if it is time."""
        if self.closed:
            return
        if value is not None and math.isfinite(value):
            self.value = value
        now = self.clock()
        # a log gets a line every second at first, then every tenth of the elapsed time
        # (at most 30 s apart): a long run writes tens of lines, not thousands
        gap = _TTY_INTERVAL if self.tty else min(max(LOG_INTERVAL, (now - self.t0) / 10), 30.0)
        if now - self._last < gap:
            return
        self._last = now
        self._write(self.text(now=now))

    def _write(self, line: str, end: str = "") -> None:
        try:
            if self.tty:
                pad = max(self._width - len(line), 0)
                self.stream.write("\r" + line + " " * pad + end)
                self._width = len(line)
            else:
                self.stream.write(line + "\n")
            self.stream.flush()
            self.lines += 1
        except (OSError, ValueError):     # a closed or broken stderr: stop drawing
            self.closed = True

    def close(self, ok: bool = True) -> None:
        """Final line: ``done in ...`` (``ok``) or the last position reached."""
        if self.closed:
            return
        if self.lines == 0:               # ended before the first tick: nothing to report
            self.closed = True
            return
        if ok and self.extent is not None:
            self.value = self.extent.stop
        self._write(self.text(final=ok), end="\n")
        self.closed = True


class NgspiceWatcher:
    """Feeds a :class:`RunProgress` with the last ``Reference value`` in ngspice's stderr
    file (read incrementally from where the previous call stopped)."""

    _REF = re.compile(rb"Reference value\s*:\s*([-+0-9.eE]+)")

    def __init__(self, stderr_path: str, progress: RunProgress):
        self.path, self.progress, self.offset = stderr_path, progress, 0
        self._tail = b""

    def __call__(self) -> None:
        value = None
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read(1 << 20)
                self.offset += len(chunk)
        except OSError:
            chunk = b""
        if chunk:
            text = self._tail + chunk
            hits = self._REF.findall(text)
            self._tail = text[-64:]
            if hits:
                try:
                    value = float(hits[-1])
                except ValueError:
                    value = None
        self.progress.update(value)


class RawWatcher:
    """Feeds a :class:`RunProgress` with the axis value (first variable) of the last
    complete point of a binary raw file that is being written (VACASK)."""

    def __init__(self, raw_path: str, progress: RunProgress):
        self.path, self.progress = raw_path, progress
        self.data_at: Optional[int] = None
        self.record = 0
        self._complex = False

    def _header(self, fh) -> None:
        head = fh.read(1 << 22)
        k = head.find(b"Binary:\n")
        if k < 0:
            return
        m = re.search(rb"No\. Variables:\s*(\d+)", head[:k])
        if not m:
            return
        self._complex = b"complex" in head[:k].lower().split(b"flags:", 1)[-1][:40]
        self.record = int(m.group(1)) * (16 if self._complex else 8)
        self.data_at = k + len(b"Binary:\n")

    def __call__(self) -> None:
        value = None
        try:
            with open(self.path, "rb") as fh:
                if self.data_at is None:
                    self._header(fh)
                if self.data_at is not None and self.record > 0:
                    size = os.fstat(fh.fileno()).st_size
                    n = (size - self.data_at) // self.record
                    if n > 0:
                        fh.seek(self.data_at + (n - 1) * self.record)
                        (value,) = struct.unpack("<d", fh.read(8))
        except (OSError, struct.error):
            value = None
        self.progress.update(value)
