"""Output files written whole or not at all.

Every file lithispice writes for a user (``lithispice run``'s CSV, netCDF and PNG, the
sweep's ``results.nc``, :meth:`Result.to_csv <lithispice.engines.result.Result.to_csv>`,
the model cards, the demo's files) is first written under a temporary name in the same
folder (``.tmp-<random>-<name>``: the same extension, so writers that choose a format by
it -- matplotlib, numpy's ``.gz`` -- still do) and renamed over the target only once
complete. A full disk, a quota or a crash mid-write therefore leaves either the previous
file or none, never a truncated or empty one; a full disk raises
:class:`~lithispice.errors.DiskFullError` with the path and the free bytes.
"""
from __future__ import annotations

import contextlib
import errno
import os
import uuid
from typing import Iterator, Optional, Union

from .errors import DiskFullError

__all__ = ["atomic_path", "atomic_open", "is_path", "free_bytes", "disk_errno", "disk_error",
           "DISK_ERRNOS"]

#: errno values meaning "the file could not grow": no space, quota, file size limit.
DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def free_bytes(path) -> Optional[int]:
    """Bytes this process may still write on the file system of ``path`` (None if unknown)."""
    try:
        st = os.statvfs(path)
    except (OSError, AttributeError):
        return None
    blocks = st.f_bfree if hasattr(os, "geteuid") and os.geteuid() == 0 else st.f_bavail
    return int(blocks) * int(st.f_frsize)


def disk_errno(exc: BaseException) -> bool:
    """True for an OSError meaning no space / quota / file size limit."""
    return isinstance(exc, OSError) and exc.errno in DISK_ERRNOS


def _describe(err: Optional[int]) -> str:
    if err == errno.EFBIG:
        return ("no space left on device: the file size limit (ulimit -f, RLIMIT_FSIZE) was "
                "reached")
    if err == errno.EDQUOT:
        return "no space left on device: the disk quota is exceeded"
    return "no space left on device"


def disk_error(exc: OSError, path, *, engine: str = "ngspice",
               doing: str = "writing") -> DiskFullError:
    """The DiskFullError for an OSError of :data:`DISK_ERRNOS` while ``doing`` ``path``."""
    path = os.fspath(path)
    where = path if os.path.isdir(path) else os.path.dirname(path)
    free = free_bytes(where or ".")
    msg = f"{_describe(exc.errno)} while {doing} {path}"
    if free is not None:
        msg += f" ({free} bytes free there now)"
    return DiskFullError(msg, path, free, engine=engine)

PathLike = Union[str, "os.PathLike[str]"]


def is_path(target) -> bool:
    """True for a file name (str or os.PathLike), False for an open file object."""
    return isinstance(target, (str, os.PathLike))


def _tmp_name(path: str) -> str:
    folder, name = os.path.split(path)
    return os.path.join(folder, f".tmp-{uuid.uuid4().hex[:12]}-{name}")


@contextlib.contextmanager
def atomic_path(path: PathLike, *, engine: str = "lithispice") -> Iterator[str]:
    """``with atomic_path("out.csv") as tmp: write(tmp)``: the file at ``tmp`` becomes
    ``path`` when the block ends without an exception; otherwise it is removed and ``path``
    is left as it was. OSErrors of a full disk (ENOSPC, EDQUOT, EFBIG) become DiskFullError.
    """
    path = os.fspath(path)
    tmp = _tmp_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if disk_errno(exc):
            raise disk_error(exc, path, engine=engine) from exc
        if isinstance(exc, DiskFullError) and exc.path.endswith(os.path.basename(tmp)):
            # a nested atomic write into our temporary file: name the real target
            raise DiskFullError(str(exc._message).replace(exc.path, path), path,
                                exc.free_bytes, engine=engine) from exc
        raise


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: str = "w", **kwargs):
    """``open()`` for writing, atomically: see :func:`atomic_path`. ``mode`` "w"/"wb"
    (text mode takes ``encoding``, ``newline`` ... as ``open``)."""
    if not mode.startswith("w"):
        raise ValueError(f"atomic_open writes a new file: mode 'w' or 'wb', not {mode!r}")
    with atomic_path(path) as tmp:
        with open(tmp, mode, **kwargs) as fh:
            yield fh
