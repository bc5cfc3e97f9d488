"""The on-disk store of a sweep: one file per finished run, written atomically.

Layout of a store directory::

    runs/<k0k1>/<key>.npz    one file per run (ok or failed), sharded by the key's first byte
    journal.jsonl            one line per run *stored* by any session (an ngspice-run count)
    manifest.json            the sweep's space and each point's key (rewritten at the end)

**Why one file per run, written to a temporary name and renamed (``os.replace``), rather
than SQLite in WAL mode.** A rename within one directory is atomic on POSIX: a reader sees
the old state or the complete new file, never a torn one, whatever kills the writer
(SIGKILL, Ctrl-C, an ngspice crash, a full disk while writing the temporary). No lock is
held, so two sessions resuming the same store cannot deadlock, and a finished run, once
renamed, is never touched again unless it failed and is retried -- which is what makes
"the stored results of finished points are byte-identical after a resume" hold. SQLite's
WAL mode needs shared memory between its writers and is documented as unsafe on network
file systems, which is where a cluster's results usually land; a file per run also makes a
single point trivial to inspect, copy or delete (delete the file, rerun, only it runs again).
The cost -- one inode per run -- is fine up to ~1e6 points (256 shard directories).
Durability against power loss is optional (``fsync=True``): process death is the failure
batch runs meet, and an fsync per run costs milliseconds.

**The key** is ``sha256`` of the deck text and the point's parameters and seed (canonical
JSON), and of the engine unless it is ngspice (so ngspice keys are unchanged from stores
written before the VACASK engine): the same point of the same sweep maps to the same file in
every session, a changed deck (another preset, a fixed bug in a device model) or another
engine to a new one. For VACASK the "deck" is the netlist with its ``load`` paths replaced by
what they stand for (see :mod:`.engine`), and each run file's metadata names its ``engine``.

**A run file** is a valid ``.npz`` (``numpy.load`` reads it): ``__meta__`` is the UTF-8
JSON metadata as a uint8 array; ``x<k>`` the extracted values, ``w<k>`` the waveforms,
``axis`` their common axis. Entries are written in a fixed order with a fixed zip date, so
the same metadata and arrays always give the same bytes.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

FORMAT = "lithispice-run/1"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

__all__ = ["Store", "RunRecord", "point_key", "pack_run", "unpack_run", "FORMAT"]


def canonical(obj) -> str:
    """Canonical JSON: sorted keys, no spaces, floats as shortest round-trip repr."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def point_key(deck: str, params: dict, seed: int, engine: str = "ngspice") -> str:
    """The store key of a point: sha256 of its deck text, parameters, seed and engine.
    ngspice keys omit the engine, so they are those of stores written before VACASK."""
    h = hashlib.sha256()
    h.update(b"lithispice-point/1\0")
    head = {"params": params, "seed": int(seed)}
    if engine != "ngspice":
        head["engine"] = engine
    h.update(canonical(head).encode())
    h.update(b"\0")
    h.update(deck.encode("utf-8"))
    return h.hexdigest()


@dataclass
class RunRecord:
    """A stored run: ``meta`` (dict, see :func:`pack_run`), ``extracted`` (name -> array)
    and ``waveforms`` (name -> array) with their ``axis`` (array or None)."""
    meta: dict
    extracted: dict = field(default_factory=dict)
    waveforms: dict = field(default_factory=dict)
    axis: Optional[np.ndarray] = None

    @property
    def ok(self) -> bool:
        return self.meta.get("status") == "ok"


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    # not np.ascontiguousarray: it turns a 0-d array (a scalar) into shape (1,)
    np.lib.format.write_array(buf, np.require(arr, requirements="C"), allow_pickle=False)
    return buf.getvalue()


def pack_run(meta: dict, extracted: dict | None = None, waveforms: dict | None = None,
             axis: np.ndarray | None = None) -> bytes:
    """The bytes of a run file. ``meta`` gets the ``format`` and the entry names."""
    meta = dict(meta)
    meta["format"] = FORMAT
    entries: list[tuple[str, np.ndarray]] = []
    meta["extracted"] = {}
    for k, (name, value) in enumerate((extracted or {}).items()):
        arr = np.asarray(value)
        if arr.dtype == object or arr.dtype.kind in "USV":
            raise TypeError(f"extracted value {name!r} is not numeric (dtype {arr.dtype})")
        entries.append((f"x{k}", arr))
        meta["extracted"][name] = f"x{k}"
    meta["waveforms"] = {}
    for k, (name, value) in enumerate((waveforms or {}).items()):
        entries.append((f"w{k}", np.asarray(value)))
        meta["waveforms"][name] = f"w{k}"
    if axis is not None:
        entries.append(("axis", np.asarray(axis)))
    meta_arr = np.frombuffer(canonical(meta).encode("utf-8"), dtype=np.uint8)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, arr in [("__meta__", meta_arr)] + entries:
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            zf.writestr(info, _npy_bytes(arr))
    return out.getvalue()


def unpack_run(data, meta_only: bool = False) -> RunRecord:
    """Read a run file (bytes or path) into a :class:`RunRecord`."""
    src = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    with zipfile.ZipFile(src) as zf:
        meta = json.loads(bytes(np.lib.format.read_array(io.BytesIO(zf.read("__meta__.npy")))).decode())
        if meta.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file (format {meta.get('format')!r})")
        rec = RunRecord(meta)
        if meta_only:
            return rec

        def arr(entry):
            return np.lib.format.read_array(io.BytesIO(zf.read(f"{entry}.npy")), allow_pickle=False)
        rec.extracted = {name: arr(e) for name, e in meta.get("extracted", {}).items()}
        rec.waveforms = {name: arr(e) for name, e in meta.get("waveforms", {}).items()}
        if "axis.npy" in zf.namelist():
            rec.axis = arr("axis")
    return rec


class Store:
    """A sweep's directory of run files (see the module docstring)."""

    def __init__(self, path, fsync: bool = False):
        self.path = Path(path)
        self.fsync = bool(fsync)
        (self.path / "runs").mkdir(parents=True, exist_ok=True)

    def __repr__(self):
        return f"Store({str(self.path)!r})"

    def file(self, key: str) -> Path:
        return self.path / "runs" / key[:2] / f"{key}.npz"

    def _atomic_write(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                if self.fsync:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        if self.fsync:
            fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def put(self, key: str, data: bytes, journal: dict | None = None) -> Path:
        """Store a run file atomically; append a journal line (one line, one write)."""
        target = self.file(key)
        self._atomic_write(target, data)
        if journal is not None:
            line = (canonical({"key": key, **journal}) + "\n").encode()
            fd = os.open(self.path / "journal.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        return target

    def get(self, key: str, meta_only: bool = False) -> Optional[RunRecord]:
        """The stored run of ``key``, or None when there is none (or it is unreadable, which
        atomic writes prevent, but a user's copy or a disk error may not: it then reruns)."""
        path = self.file(key)
        try:
            return unpack_run(str(path), meta_only=meta_only)
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, OSError, zipfile.BadZipFile, json.JSONDecodeError):
            return None

    def keys(self) -> list[str]:
        """Keys of every stored run."""
        return sorted(p.stem for p in (self.path / "runs").glob("*/*.npz"))

    def journal(self) -> list[dict]:
        """Every journal line (one per run stored, over all sessions), oldest first."""
        try:
            text = (self.path / "journal.jsonl").read_text()
        except FileNotFoundError:
            return []
        out = []
        for ln in text.splitlines():
            try:
                out.append(json.loads(ln))
            except json.JSONDecodeError:
                continue          # a line cut by a kill mid-write: that run was not counted
        return out

    def write_manifest(self, manifest: dict) -> None:
        self._atomic_write(self.path / "manifest.json",
                           json.dumps(manifest, indent=1, sort_keys=True).encode())

    def manifest(self) -> Optional[dict]:
        try:
            return json.loads((self.path / "manifest.json").read_text())
        except FileNotFoundError:
            return None
