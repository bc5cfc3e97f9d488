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

from ..errors import RawFileError
from .result import Plot

__all__ = ["read_raw", "parse_raw", "RawFileError"]

_TITLE = b"Title:"
# Both data markers end the header; they start a line of their own.
_DATA_MARKER = re.compile(rb"^(Binary|Values):[ \t]*\r?\n", re.M)
# A "Title:" at the start of a line after the first (the next plot's header).
_NEXT_TITLE = re.compile(rb"\nTitle:")
_LINE_TITLE = re.compile(rb"^Title:", re.M)


def read_raw(source: Union[str, os.PathLike, bytes, bytearray, memoryview]) -> list[Plot]:
    """Read an ngspice raw file (binary or ASCII) into a list of :class:`Plot`, in file order.

    ``source`` is a path or the file's bytes. Each plot holds one numpy array per variable:
    float64 for a real plot, complex128 for a complex (AC, noise) plot; the sweep axis of a
    complex plot (frequency, Hz) is returned real. An empty file gives an empty list.

    A plot cut short (an aborted run: ``No. Points`` never patched, or the file ends inside
    the data) is returned with ``truncated=True`` and the whole points present. Anything else
    that does not add up raises :class:`~lithispice.errors.RawFileError` (a ``ValueError``):
    not a raw file, a header that contradicts itself (counts, variable table), a header where
    a plot's data should be, bytes after a plot that are neither a header nor the end, data
    beyond the declared point count, non-numeric or miscounted ASCII values. Never rows of
    garbage marked complete.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        buf = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            buf = fh.read()
    else:
        raise RawFileError(f"read_raw needs a path or the file's bytes, not "
                           f"{type(source).__name__}")
    return parse_raw(buf)


def parse_raw(buf: bytes) -> list[Plot]:
    """Parse the bytes of a raw file; see :func:`read_raw`."""
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise RawFileError(f"parse_raw needs bytes, not {type(buf).__name__}")
    buf = bytes(buf)
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
                raise RawFileError("not an ngspice raw file: it does not start with 'Title:'")
            if plots[-1].truncated:
                break            # the partial row where an aborted run's data ends
            if _TITLE.startswith(buf[pos:pos + len(_TITLE)]) and len(buf) - pos < len(_TITLE):
                break            # the next header was cut after a few bytes (crash)
            raise RawFileError(
                f"{n - pos} bytes after plot {len(plots) - 1} ({plots[-1].plotname!r}, "
                f"{len(plots[-1])} points) are neither a plot header nor the end of the file: "
                "its 'No. Points' does not match its data")
        m = _DATA_MARKER.search(buf, pos)
        if m is None:
            # The header itself is cut short (crash while writing it): nothing to read.
            # A complete header without its data marker is not a cut: another header or
            # data follows it.
            if _NEXT_TITLE.search(buf, pos + len(_TITLE)):
                raise RawFileError(f"plot header at byte {pos} has no 'Binary:'/'Values:' line "
                                   "before the next plot's header")
            break
        nxt = _NEXT_TITLE.search(buf, pos + len(_TITLE), m.start())
        if nxt is not None:
            raise RawFileError(f"plot header at byte {pos} has no data section: another "
                               f"header starts at byte {nxt.start() + 1}")
        header = _parse_header(buf[pos:m.start()].decode("latin-1"), len(plots))
        binary = m.group(1) == b"Binary"
        data_start = m.end()
        if binary:
            plot, pos = _read_binary(buf, data_start, header, len(plots))
        else:
            plot, pos = _read_ascii(buf, data_start, header, len(plots))
        plots.append(plot)
    return plots


def _parse_header(text: str, index: int = 0) -> dict:
    """Header lines ``Key: value`` up to ``Variables:``, then the variable table."""
    where = f"plot {index}"
    hdr: dict = {"variables": []}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        key, colon, val = line.partition(":")
        if not colon:
            raise RawFileError(f"malformed raw header ({where}): line {line[:60]!r} is not "
                               "'Key: value'")
        key = key.strip().lower()
        if key == "variables":
            # The table: "\t<index>\t<name>\t<type>[\t<params>...]".
            while i < len(lines) and lines[i][:1] in ("\t", " ") and lines[i].strip():
                parts = lines[i].split()
                i += 1
                if len(parts) < 2:
                    raise RawFileError(f"malformed raw header ({where}): variable line "
                                       f"{lines[i - 1].strip()[:60]!r}")
                if parts[0] != str(len(hdr["variables"])):
                    raise RawFileError(f"malformed raw header ({where}): variable "
                                       f"{len(hdr['variables'])} is numbered {parts[0][:20]!r}")
                hdr["variables"].append((parts[1], parts[2] if len(parts) >= 3 else "notype"))
            continue
        hdr[key] = val.strip()
    try:
        nvars = int(hdr.get("no. variables", len(hdr["variables"])))
        npoints = int(hdr.get("no. points", "0") or 0)
    except ValueError as exc:
        raise RawFileError(f"malformed raw header ({where}): {exc}") from None
    if nvars < 1:
        raise RawFileError(f"malformed raw header ({where}): 'No. Variables: {nvars}'")
    if npoints < 0:
        raise RawFileError(f"malformed raw header ({where}): 'No. Points: {npoints}'")
    if nvars != len(hdr["variables"]):
        raise RawFileError(
            f"malformed raw header ({where}): 'No. Variables: {nvars}' but "
            f"{len(hdr['variables'])} listed")
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


def _header_at(buf: bytes, lo: int, hi: int) -> int:
    """Byte offset of the first plot header that starts in buf[lo:hi] (on a line of its own,
    followed within a few kB by 'No. Variables:'), or -1. A float64 row matching that by
    chance would need ~20 specific bytes: practically impossible."""
    k = buf.find(_TITLE, lo, hi)
    while k != -1:
        if k == lo or buf[k - 1:k] in (b"\n", b"\r", b"\0") or not buf[lo:k].strip():
            window = buf[k:k + 4096]
            if b"\nNo. Variables:" in window or b"\nPlotname:" in window:
                return k
        k = buf.find(_TITLE, k + 1, hi)
    return -1


def _read_binary(buf: bytes, start: int, hdr: dict, index: int = 0) -> tuple[Plot, int]:
    nvars, npoints, is_cplx = hdr["nvars"], hdr["npoints"], hdr["complex"]
    width = nvars * (2 if is_cplx else 1)        # float64 values per point
    rowbytes = 8 * width
    available = (len(buf) - start) // rowbytes
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
                if npoints > 0:
                    # a patched count means the analysis finished: the file is not cut
                    # here, the next plot's header stands where this one's data should be
                    raise RawFileError(
                        f"plot {index} ({hdr.get('plotname', '')!r}) declares {npoints} "
                        f"points but the next plot's header follows after {rows}: its data "
                        "is missing")
                break
            nxt = buf.find(_TITLE, nxt + 1)
        npoints = limit
    else:
        # the declared points must be data: a header inside them means this plot's data is
        # missing (a header written right after a header) or its count is wrong
        end = start + npoints * rowbytes
        k = _header_at(buf, start, end)
        if k != -1:
            raise RawFileError(
                f"plot {index} ({hdr.get('plotname', '')!r}) declares {npoints} points but a "
                f"plot header starts {k - start} bytes into its data: its data is missing")
    data = np.frombuffer(buf, dtype=np.float64, count=npoints * width, offset=start)
    data = data.reshape(npoints, width)
    if is_cplx:
        data = data.view(np.complex128)             # (npoints, nvars), re/im pairs
    # One contiguous copy per variable: the arrays must not keep the whole file alive.
    columns = [np.ascontiguousarray(data[:, k]) for k in range(nvars)]
    return _make_plot(hdr, columns, truncated), start + npoints * rowbytes


def _read_ascii(buf: bytes, start: int, hdr: dict, index: int = 0) -> tuple[Plot, int]:
    nvars, npoints, is_cplx = hdr["nvars"], hdr["npoints"], hdr["complex"]
    where = f"plot {index} ({hdr.get('plotname', '')!r})"
    # The section ends at the next plot's "Title:" at the start of a line, or at EOF.
    m = _LINE_TITLE.search(buf, start)
    end = m.start() if m else len(buf)
    tokens = buf[start:end].split()
    if m is None and tokens and end > start and buf[end - 1:end] not in (b"\n", b"\r", b" ", b"\t"):
        # the file ends inside a value (a cut write): its last token may be a prefix of the
        # number ngspice was writing, not a value
        tokens.pop()
    per_point = nvars + 1                           # the point index, then the values
    avail, extra = divmod(len(tokens), per_point)
    truncated = npoints <= 0 or npoints > avail
    if truncated and npoints > 0 and m is not None:
        # a patched count (the analysis finished) and the next header comes early: the
        # data is missing, the file is not merely cut
        raise RawFileError(f"{where}: declares {npoints} points but the next plot's header "
                           f"follows after {avail}: its data is missing")
    if truncated:
        npoints = avail
    elif npoints < avail or (extra and m is not None):
        raise RawFileError(f"{where}: 'No. Points: {npoints}' but its section holds "
                           f"{len(tokens)} values ({per_point} per point)")
    tok = np.array(tokens[: npoints * per_point], dtype=bytes).reshape(npoints, per_point)
    try:
        idx = tok[:, 0].astype(np.int64) if npoints else np.zeros(0, np.int64)
    except ValueError:
        raise RawFileError(f"{where}: a point index is not an integer") from None
    if not np.array_equal(idx, np.arange(npoints)):
        raise RawFileError(f"{where}: point indices are not 0, 1, 2, ...")
    columns = []
    try:
        for k in range(nvars):
            col = tok[:, k + 1]
            if is_cplx:
                parts = [v.split(b",") for v in col.tolist()]
                if any(len(p) != 2 for p in parts):
                    raise RawFileError(f"{where}: a complex value is not 're,im'")
                pairs = np.array(parts, dtype=bytes).reshape(npoints, 2).astype(np.float64)
                columns.append(pairs[:, 0] + 1j * pairs[:, 1])
            else:
                # numpy converts byte strings to float64 in C
                columns.append(col.astype(np.float64))
    except ValueError as exc:
        raise RawFileError(f"{where}: a value is not a number ({exc})") from None
    return _make_plot(hdr, columns, truncated), end
