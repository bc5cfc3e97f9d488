"""Reader of ngspice raw files (``ngspice -b -r out.raw deck.cir``).

A raw file is one or more *plots* back to back, one per analysis. Each plot is an ASCII
header::

    Title: <deck title>
    Date: <date>
    Plotname: Transient Analysis
    Flags: real                    (or: complex)
    No. Variables: 4
    No. Points: 526
    Variables:
    \t0\ttime\ttime
    \t1\tv(out)\tvoltage
    ...
    Binary:                        (or: Values:)

followed by the data, point-major: for every point, one native-endian float64 per variable
(two, real then imaginary, for a complex plot). ``Values:`` introduces the ASCII form
(``index value`` then one value per line, complex values as ``re,im``).

ngspice patches ``No. Points`` only when an analysis finishes, so the plot of a run that
aborted (timestep too small, killed) says 0: the number of points is then derived from the
file size, and the plot is marked ``truncated``.

Units are those of ngspice: s, V, A, Hz, K for temperature sweeps.
"""
from __future__ import annotations

import os
import re
from typing import Union

import numpy as np

from .result import Plot

__all__ = ["read_raw", "parse_raw"]

_TITLE = b"Title:"
# Both data markers end the header; they start a line of their own.
_DATA_MARKER = re.compile(rb"^(Binary|Values):[ \t]*\r?\n", re.M)


def read_raw(source: Union[str, os.PathLike, bytes, bytearray, memoryview]) -> list[Plot]:
    """Read an ngspice raw file (binary or ASCII) into a list of :class:`Plot`, in file order.

    ``source`` is a path or the file's bytes. Each plot holds one numpy array per variable:
    float64 for a real plot, complex128 for a complex (AC, noise) plot; the sweep axis of a
    complex plot (frequency, Hz) is returned real. Raises ``ValueError`` if the file is not
    a raw file (an empty file gives an empty list).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        buf = bytes(source)
    else:
        with open(source, "rb") as fh:
            buf = fh.read()
    return parse_raw(buf)


def parse_raw(buf: bytes) -> list[Plot]:
    """Parse the bytes of a raw file; see :func:`read_raw`."""
    plots: list[Plot] = []
    pos = 0
    n = len(buf)
    while True:
        # Skip blank lines between plots (the ASCII form puts one there).
        while pos < n and buf[pos] in b" \t\r\n":
            pos += 1
        if pos >= n:
            break
        if not buf.startswith(_TITLE, pos):
            if not plots:
                raise ValueError("not an ngspice raw file: it does not start with 'Title:'")
            # Trailing garbage after the last complete plot (a write cut short): stop here.
            break
        m = _DATA_MARKER.search(buf, pos)
        if m is None:
            # The header itself is cut short (crash while writing it): nothing to read.
            break
        header = _parse_header(buf[pos:m.start()].decode("latin-1"))
        binary = m.group(1) == b"Binary"
        data_start = m.end()
        if binary:
            plot, pos = _read_binary(buf, data_start, header)
        else:
            plot, pos = _read_ascii(buf, data_start, header)
        plots.append(plot)
    return plots


def _parse_header(text: str) -> dict:
    """Header lines ``Key: value`` up to ``Variables:``, then the variable table."""
    hdr: dict = {"variables": []}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        key, _, val = line.partition(":")
        key = key.strip().lower()
        if key == "variables":
            # The table: "\t<index>\t<name>\t<type>[\t<params>...]".
            while i < len(lines) and lines[i][:1] in ("\t", " ") and lines[i].strip():
                parts = lines[i].split()
                i += 1
                if len(parts) >= 3:
                    hdr["variables"].append((parts[1], parts[2]))
                elif len(parts) == 2:
                    hdr["variables"].append((parts[1], "notype"))
            continue
        hdr[key] = val.strip()
    try:
        nvars = int(hdr.get("no. variables", len(hdr["variables"])))
        npoints = int(hdr.get("no. points", "0") or 0)
    except ValueError as exc:
        raise ValueError(f"malformed raw header: {exc}") from None
    if nvars != len(hdr["variables"]):
        raise ValueError(
            f"malformed raw header: 'No. Variables: {nvars}' but {len(hdr['variables'])} listed")
    hdr["nvars"] = nvars
    hdr["npoints"] = npoints
    hdr["complex"] = "complex" in hdr.get("flags", "").lower()
    return hdr


def _make_plot(hdr: dict, columns: list[np.ndarray], truncated: bool) -> Plot:
    names = [name for name, _ in hdr["variables"]]
    types = [typ for _, typ in hdr["variables"]]
    return Plot(
        names=names,
        types=types,
        columns=columns,
        title=hdr.get("title", ""),
        date=hdr.get("date", ""),
        plotname=hdr.get("plotname", ""),
        flags=hdr.get("flags", ""),
        truncated=truncated,
    )


def _read_binary(buf: bytes, start: int, hdr: dict) -> tuple[Plot, int]:
    nvars, npoints, is_cplx = hdr["nvars"], hdr["npoints"], hdr["complex"]
    width = nvars * (2 if is_cplx else 1)        # float64 values per point
    rowbytes = 8 * width
    available = (len(buf) - start) // rowbytes if rowbytes else 0
    truncated = False
    if npoints <= 0 or npoints > available:
        # No. Points was never patched (aborted run) or the file was cut short: take the
        # whole rows present, but stop at a following plot's header if there is one. A
        # header starts on a row boundary (ngspice writes no separator; allow a newline),
        # which makes a false match inside binary data practically impossible.
        truncated = True
        limit = available
        nxt = buf.find(_TITLE, start)
        while nxt != -1:
            rows, rest = divmod(nxt - start, rowbytes)
            if rows <= available and not buf[nxt - rest:nxt].strip():
                limit = rows
                break
            nxt = buf.find(_TITLE, nxt + 1)
        npoints = limit
    data = np.frombuffer(buf, dtype=np.float64, count=npoints * width, offset=start)
    data = data.reshape(npoints, width)
    if is_cplx:
        data = data.view(np.complex128)             # (npoints, nvars), re/im pairs
    # One contiguous copy per variable: the arrays must not keep the whole file alive.
    columns = [np.ascontiguousarray(data[:, k]) for k in range(nvars)]
    return _make_plot(hdr, columns, truncated), start + npoints * rowbytes


def _read_ascii(buf: bytes, start: int, hdr: dict) -> tuple[Plot, int]:
    nvars, npoints, is_cplx = hdr["nvars"], hdr["npoints"], hdr["complex"]
    # The section ends at the next plot's "Title:" at the start of a line, or at EOF.
    m = re.compile(rb"^Title:", re.M).search(buf, start)
    end = m.start() if m else len(buf)
    tokens = buf[start:end].split()
    per_point = nvars + 1                           # the point index, then the values
    avail = len(tokens) // per_point
    truncated = npoints <= 0 or npoints > avail
    if truncated:
        npoints = avail
    # numpy converts byte strings to float64 in C; complex values are "re,im" pairs.
    tok = np.array(tokens[: npoints * per_point], dtype=bytes).reshape(npoints, per_point)
    columns = []
    for k in range(nvars):
        col = tok[:, k + 1]
        if is_cplx:
            flat = b" ".join(col.tolist()).replace(b",", b" ").split()
            pairs = np.array(flat, dtype=bytes).astype(np.float64).reshape(npoints, 2)
            columns.append(pairs[:, 0] + 1j * pairs[:, 1])
        else:
            columns.append(col.astype(np.float64))
    return _make_plot(hdr, columns, truncated), end
