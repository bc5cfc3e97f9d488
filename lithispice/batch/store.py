"""The on-disk store of a sweep: one file per finished run, written atomically.

Layout of a store directory::

    runs/<k0k1>/<key>.npz    one file per run (ok or failed), sharded by the key's first byte
    journal.jsonl            one line per run *stored* by any session (an ngspice-run count)
    manifests/<sweep>.json   one per sweep (its space, each point's key), <sweep> = the
                             sweep's id (:func:`sweep_id`); rewritten when that sweep ends
    manifest.json            stores written before per-sweep manifests: still read
    claims/<key>.claim       a point being run now (see *Claims* below)

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
JSON), of the engine unless it is ngspice, of the files the deck reads through ``.include`` /
``.lib`` (name as written and sha256 of the contents, recursively, see :mod:`.keys`) and of
the extraction function's code (:func:`~lithispice.batch.keys.code_fingerprint`): the same
point of the same sweep maps to the same file in every session; a changed deck (another
preset, a fixed bug in a device model), an edited include file, another extraction function
(another body, one lambda for another) or another engine to a new one. The parts that are
absent (no include, no extraction, ngspice) are left out of the hashed text, so such points
keep the keys of every earlier version and old stores stay resumable. For VACASK the "deck"
is the netlist with its ``load`` paths replaced by what they stand for (see :mod:`.engine`),
and each run file's metadata names its ``engine``.

**Integrity.** Every read checks the file against the key it is read for: the key written
inside it (a run file copied over another point's is not served), the zip CRC of every
entry (a flipped byte), the format and entries (a truncated or half-copied file). Any
failure makes the point *missing*: it runs again and its file is replaced; nothing is served
and nothing raises.

**Claims.** Before a point runs, its runner (the client, or the pool worker that made its
deck) creates ``claims/<key>.claim`` atomically (written to a temporary name, then hard
linked: an ``O_CREAT|O_EXCL`` that never shows a half-written claim) holding its owner (the
``run_sweep`` call), pid, host, time and time-to-live; the claim is removed once the run file
is stored. A second sweep that meets a claim does not run the point: it goes on with the
others and comes back to it, reusing the result when it appears. A claim is *stale* -- and
is taken over -- when its process is gone (same host) or it is older than its
time-to-live (twice the run timeout plus a minute: the run, one run ahead of it in the
executor window, deck, extraction and storing). So two sweeps into one store never run the
same point twice, and a killed sweep blocks nobody.

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
import socket
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

FORMAT = "lithispice-run/1"
MANIFEST_FORMAT = "lithispice-sweep/2"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

__all__ = ["Store", "RunRecord", "point_key", "pack_run", "unpack_run", "FORMAT", "claim_ttl",
           "MANIFEST_FORMAT"]


def canonical(obj) -> str:
    """Canonical JSON: sorted keys, no spaces, floats as shortest round-trip repr."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def point_key(deck: str, params: dict, seed: int, engine: str = "ngspice", *,
              includes=None, extract: Optional[str] = None) -> str:
    """The store key of a point: sha256 of its deck text, parameters, seed, engine, the
    ``includes`` of the deck (``[(name, sha256 of the file), ...]``, :func:`.keys.deck_includes`)
    and the ``extract`` function's fingerprint (:func:`.keys.code_fingerprint`).
    ngspice, no include and no extraction are left out of the hashed text: those keys are
    those of stores written before the engine, include and extraction parts existed."""
    h = hashlib.sha256()
    h.update(b"lithispice-point/1\0")
    head = {"params": params, "seed": int(seed)}
    if engine != "ngspice":
        head["engine"] = engine
    if includes:
        head["includes"] = [[str(n), str(d)] for n, d in includes]
    if extract is not None:
        head["extract"] = str(extract)
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
    meta["axis"] = axis is not None      # so a lost "axis" entry is damage, not "no axis"
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


def unpack_run(data, meta_only: bool = False, verify: bool = False) -> RunRecord:
    """Read a run file (bytes or path) into a :class:`RunRecord`. ``verify``: also with
    ``meta_only``, check the CRC of every entry and that every entry the metadata names is
    there (a full read checks them anyway). Raises on any damage."""
    src = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    with zipfile.ZipFile(src) as zf:
        meta = json.loads(bytes(np.lib.format.read_array(io.BytesIO(zf.read("__meta__.npy")))).decode())
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file (format "
                             f"{meta.get('format') if isinstance(meta, dict) else None!r})")
        rec = RunRecord(meta)
        names = set(zf.namelist())
        wanted = {f"{e}.npy" for part in ("extracted", "waveforms")
                  for e in (meta.get(part) or {}).values()}
        if meta.get("axis"):
            wanted.add("axis.npy")
        if not wanted <= names:
            raise ValueError(f"run file lacks entries {sorted(wanted - names)}")
        if meta_only:
            if verify:
                bad = zf.testzip()
                if bad is not None:
                    raise zipfile.BadZipFile(f"CRC error in entry {bad}")
            return rec

        def arr(entry):
            return np.lib.format.read_array(io.BytesIO(zf.read(f"{entry}.npy")), allow_pickle=False)
        rec.extracted = {name: arr(e) for name, e in meta.get("extracted", {}).items()}
        rec.waveforms = {name: arr(e) for name, e in meta.get("waveforms", {}).items()}
        if "axis.npy" in names:
            rec.axis = arr("axis")     # (ZipFile.read checks each entry's CRC)
    return rec


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True                     # someone else's process: alive
    except OSError:
        return True
    try:                                # a zombie is dead (Linux)
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


_HOST = socket.gethostname()


def claim_ttl(timeout: float) -> float:
    """Time-to-live of a claim for a point with this run timeout, s: the run, one run ahead
    of it in the executor window, and a minute for deck, extraction and storing."""
    return 2.0 * float(timeout) + 60.0


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
        """The stored run of ``key``, or None when there is none -- or when the file is not
        a sound run file *of this key*: truncated, corrupted (CRC), of another format, or
        carrying another key inside (a file copied over another point's). Such a point is
        missing: it runs again and its file is replaced. Never raises for a bad file."""
        path = self.file(key)
        try:
            rec = unpack_run(str(path), meta_only=meta_only, verify=True)
        except FileNotFoundError:
            return None
        except Exception:          # noqa: BLE001 - any damage: a missing point, not a crash
            return None
        if rec.meta.get("key") != key:
            return None
        return rec

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

    # ------------------------------------------------------------------------ manifests
    def manifest_file(self, sweep: str) -> Path:
        return self.path / "manifests" / f"{sweep}.json"

    def write_manifest(self, manifest: dict) -> Path:
        """Write a sweep's manifest to ``manifests/<manifest["sweep_id"]>.json`` (atomic).
        Keys that an earlier writer of the same sweep knew and this one does not (it was
        interrupted sooner) are kept."""
        sweep = str(manifest["sweep_id"])
        target = self.manifest_file(sweep)
        try:
            old = json.loads(target.read_text())
        except Exception:          # noqa: BLE001 - none, or unreadable: ours replaces it
            old = None
        if isinstance(old, dict) and len(old.get("keys") or ()) == len(manifest["keys"]):
            manifest = dict(manifest)
            manifest["keys"] = [k if k is not None else o
                                for k, o in zip(manifest["keys"], old["keys"])]
            for part in ("params", "seeds"):
                if len(old.get(part) or ()) == len(manifest.get(part) or ()):
                    manifest[part] = [v if v is not None else o
                                      for v, o in zip(manifest[part], old[part])]
        self._atomic_write(target, json.dumps(manifest, indent=1, sort_keys=True).encode())
        return target

    def manifests(self) -> list[dict]:
        """Every sweep of this store: its manifest, newest first (``finished`` time, else the
        file's mtime). The single ``manifest.json`` of older stores is listed too, with
        ``sweep_id`` "manifest"."""
        out = []
        files = sorted((self.path / "manifests").glob("*.json"))
        legacy = self.path / "manifest.json"
        if legacy.is_file():
            files.append(legacy)
        for f in files:
            try:
                man = json.loads(f.read_text())
                mtime = f.stat().st_mtime
            except Exception:      # noqa: BLE001 - a torn or foreign file: skip it
                continue
            if not isinstance(man, dict) or "keys" not in man:
                continue
            man.setdefault("sweep_id", f.stem)
            man.setdefault("finished", mtime)
            out.append(man)
        out.sort(key=lambda m: float(m.get("finished") or 0.0), reverse=True)
        return out

    def manifest(self, sweep: Optional[str] = None) -> Optional[dict]:
        """One sweep's manifest: ``sweep`` = its id (or a unique prefix of it) or its name;
        None: the newest. None when there is none."""
        mans = self.manifests()
        if sweep is None:
            return mans[0] if mans else None
        exact = [m for m in mans if m["sweep_id"] == sweep]
        if exact:
            return exact[0]
        hits = [m for m in mans if str(m["sweep_id"]).startswith(str(sweep))]
        if len({m["sweep_id"] for m in hits}) == 1:
            return hits[0]
        named = [m for m in mans if m.get("name") == sweep]
        return named[0] if named else None

    # --------------------------------------------------------------------------- claims
    def claim_file(self, key: str) -> Path:
        return self.path / "claims" / f"{key}.claim"

    def read_claim(self, key: str) -> Optional[dict]:
        """The claim on ``key`` with a ``stale`` flag added, or None if there is none."""
        path = self.claim_file(key)
        try:
            text = path.read_text()
            mtime = path.stat().st_mtime
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError:
            return {"stale": False}
        try:
            c = json.loads(text)
            if not isinstance(c, dict):
                raise ValueError
        except ValueError:
            # not ours (we write claims whole) or torn by a full disk: stale after a while
            return {"stale": time.time() - mtime > 60.0, "raw": text}
        age = time.time() - float(c.get("time", mtime))
        dead = c.get("host") == _HOST and not _pid_alive(int(c.get("pid", 0)))
        c["stale"] = bool(dead or age > float(c.get("ttl", 3600.0)))
        return c

    def claim(self, key: str, owner: str, ttl: float) -> Optional[dict]:
        """Claim ``key`` for a run: the claim (a dict) if this process now holds it, None if
        a live claim of someone else is there. A stale claim is taken over."""
        (self.path / "claims").mkdir(exist_ok=True)
        target = self.claim_file(key)
        mine = {"key": key, "owner": owner, "pid": os.getpid(), "host": _HOST,
                "time": time.time(), "ttl": float(ttl), "token": uuid.uuid4().hex}
        data = json.dumps(mine).encode()
        for _ in range(8):
            if self._create_exclusive(target, data):
                return mine
            seen = self.read_claim(key)
            if seen is None:
                continue                 # released meanwhile: try again
            if not seen.get("stale"):
                return None
            # stale: move it aside atomically (one taker wins), then claim afresh
            tomb = target.with_name(f"{target.name}.stale.{uuid.uuid4().hex[:8]}")
            try:
                os.rename(target, tomb)
            except FileNotFoundError:
                continue
            try:
                moved = json.loads(tomb.read_text())
            except Exception:      # noqa: BLE001
                moved = None
            if isinstance(moved, dict) and moved.get("token") != seen.get("token"):
                # someone replaced the stale claim by a fresh one in between: put it back
                try:
                    os.link(tomb, target)
                except OSError:
                    pass
                self._unlink(tomb)
                return None
            self._unlink(tomb)
        return None

    def release(self, key: str, owner: str) -> bool:
        """Remove the claim on ``key`` if it belongs to ``owner``."""
        c = self.read_claim(key)
        if c is None or c.get("owner") != owner:
            return False
        self._unlink(self.claim_file(key))
        return True

    def release_all(self, owner: str) -> int:
        """Remove every claim of ``owner`` (a sweep that ends, or is interrupted)."""
        n = 0
        for f in (self.path / "claims").glob("*.claim"):
            try:
                c = json.loads(f.read_text())
            except Exception:      # noqa: BLE001
                continue
            if isinstance(c, dict) and c.get("owner") == owner:
                self._unlink(f)
                n += 1
        return n

    def _create_exclusive(self, target: Path, data: bytes) -> bool:
        """Create ``target`` with ``data`` unless it exists; never visible half-written."""
        tmp = target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        try:
            os.link(tmp, target)
            return True
        except FileExistsError:
            return False
        except OSError:
            # a file system without hard links: O_CREAT|O_EXCL, then write
            try:
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                return False
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
            return True
        finally:
            self._unlink(tmp)

    @staticmethod
    def _unlink(path) -> None:
        try:
            os.unlink(path)
        except OSError:
            pass
