"""What a point's store key covers besides its deck text: the files the deck pulls in with
``.include`` / ``.lib``, and the code of the extraction function.

* :func:`deck_includes` -- every file an ngspice deck reads through ``.include`` / ``.inc``
  and ``.lib <file> <section>``, found the way ngspice 39 (``inp_pathresolve_at``) finds it
  for :func:`lithispice.engines.run_deck`, recursively, as ``(name as written, sha256 of
  the file's bytes)`` in reading order. A file that cannot be found raises
  :class:`IncludeNotFoundError`: the point fails, naming the line and the folders searched,
  instead of being keyed without it (and served stale after the file changes).
* :func:`code_fingerprint` -- sha256 of what a function computes: its bytecode, constants
  (nested functions included), names, defaults, closure values, and the functions and
  values of its own module that it refers to by name; for a callable object (``final(...)``,
  a dataclass generator) its class's ``__call__`` code and its state. Not the file name or
  line numbers (moving a function does not change it), not ``id()`` (the same code gives the
  same fingerprint in every process, whatever ``PYTHONHASHSEED``). Bytecode is that of this
  interpreter: another Python minor version gives other fingerprints (points rerun once).

How ngspice resolves a relative name (ngspice 39, ``src/frontend/inpcom.c``), as run by
``run_deck`` (working directory = a fresh run folder holding only the deck, ``HOME`` = that
folder, ``NGSPICE_INPUT_DIR`` = the caller's working directory unless set): first
``$NGSPICE_INPUT_DIR/<name>`` (via ``sourcepath``), then ``<folder of the file holding the
line>/<name>`` -- for the deck itself that folder is the run folder, so only the first
applies. ``.lib <file> <section>`` lines of the deck (and of files it ``.include``-s) resolve
like the deck's own; those inside a library section relative to the library's folder.
Absolute names are used as written; ``~/`` is the run folder in ngspice, so never found.
The ngspice scripts folder (``sourcepath`` also lists it) is not searched here.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
import types
from typing import Optional

import numpy as np

from ..errors import LithispiceError

__all__ = ["IncludeNotFoundError", "deck_includes", "code_fingerprint", "value_fingerprint"]


class IncludeNotFoundError(LithispiceError, FileNotFoundError):
    """A deck's ``.include`` / ``.lib`` file does not exist where ngspice will look for it
    (or is nested deeper than 32 levels: a file including itself)."""


# ----------------------------------------------------------------------------- includes
_QUICK = re.compile(r"^[ \t]*\.(?:inc|lib)", re.I | re.M)
_MAX_DEPTH = 32
_DIGESTS: dict = {}          # (realpath, mtime_ns, size, inode) -> sha256 hex


def _input_dir() -> Optional[str]:
    """The NGSPICE_INPUT_DIR run_deck gives ngspice: the variable if set (empty: none),
    else this process's working directory. A relative one resolves inside ngspice's run
    folder, where nothing is: None."""
    if "NGSPICE_INPUT_DIR" in os.environ:
        d = os.environ["NGSPICE_INPUT_DIR"]
    else:
        try:
            d = os.getcwd()
        except OSError:
            return None
    return d if d and os.path.isabs(d) else None


def _digest(path: str) -> tuple[str, bytes]:
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        data = fh.read()
    memo = (os.path.realpath(path), st.st_mtime_ns, st.st_size, st.st_ino)
    d = _DIGESTS.get(memo)
    if d is None:
        d = hashlib.sha256(data).hexdigest()
        if len(_DIGESTS) > 4096:
            _DIGESTS.clear()
        _DIGESTS[memo] = d
    return d, data


def _include_name(rest: str) -> Optional[str]:
    rest = rest.strip()
    if not rest:
        return None
    if rest[0] in "\"'":
        end = rest.find(rest[0], 1)
        return rest[1:end] if end > 0 else rest[1:]
    return rest.split()[0]


def _card_rest(line: str) -> str:
    """What follows the first word of a card (``.include``, ``.lib`` ...)."""
    parts = line.split(None, 1)
    return parts[1] if len(parts) > 1 else ""


def _lib_words(rest: str) -> list[str]:
    return [w for w in re.split(r"[\s\"']+", rest.strip()) if w]


class _Includes:
    def __init__(self, input_dir):
        self.input_dir = input_dir
        self.found: list[tuple[str, str]] = []
        self.libs: dict[str, list[str]] = {}

    def resolve(self, name: str, file_dir: Optional[str], where: str) -> str:
        tried = []
        if os.path.isabs(name):
            tried.append(name)
        elif name.startswith("~"):
            raise IncludeNotFoundError(
                f"{where}: {name!r} cannot be found: ngspice runs with HOME set to its run "
                "folder, so '~' is not your home folder; write the full path")
        else:
            for d in (self.input_dir, file_dir):
                if d:
                    tried.append(os.path.join(d, name))
        for p in tried:
            if os.path.isfile(p):
                return p
        where_looked = ", ".join(repr(p) for p in tried) or "nowhere"
        hint = "" if self.input_dir else (" (NGSPICE_INPUT_DIR is unset or relative and "
                                          "there is no working directory)")
        raise IncludeNotFoundError(
            f"{where}: file {name!r} not found; ngspice would look at {where_looked}{hint}. "
            "A relative name is relative to NGSPICE_INPUT_DIR (default: the working "
            "directory of the sweep) or to the folder of the file that includes it")

    def read(self, text: str, file_dir: Optional[str], label: str, depth: int) -> list[str]:
        """The lines of ``text`` with every ``.include`` replaced by its file's lines."""
        if depth > _MAX_DEPTH:
            raise IncludeNotFoundError(f"{label}: .include nested deeper than {_MAX_DEPTH} "
                                       "levels (a file that includes itself?)")
        out: list[str] = []
        for n, line in enumerate(text.splitlines(), 1):
            s = line.lstrip()
            if s[:4].lower() == ".inc":
                name = _include_name(_card_rest(s))
                where = f"{label} line {n} {s.strip()!r}"
                if not name:
                    raise IncludeNotFoundError(f"{where}: .include without a file name")
                path = self.resolve(name, file_dir, where)
                digest, data = _digest(path)
                self.found.append((name, digest))
                out.extend(self.read(data.decode("utf-8", "replace"),
                                     os.path.dirname(os.path.abspath(path)),
                                     f"include file {path!r}", depth + 1))
            else:
                out.append(line)
        return out

    def lib_refs(self, lines: list[str], file_dir: Optional[str], label: str, depth: int):
        """Follow ``.lib <file> <section>`` references in ``lines`` (recursively into the
        referenced sections, relative to each library's folder)."""
        if depth > _MAX_DEPTH:
            raise IncludeNotFoundError(f"{label}: .lib references nested deeper than "
                                       f"{_MAX_DEPTH} levels")
        for line in lines:
            s = line.lstrip()
            if s[:4].lower() != ".lib":
                continue
            words = _lib_words(_card_rest(s))
            if len(words) < 2:
                continue                      # `.lib <section>`: a section definition
            name, section = words[0], words[1]
            path = self.resolve(name, file_dir, f"{label}: {s.strip()!r}")
            real = os.path.realpath(path)
            if real not in self.libs:
                digest, data = _digest(path)
                self.found.append((name, digest))
                self.libs[real] = self.read(data.decode("utf-8", "replace"),
                                            os.path.dirname(real), f"library {path!r}",
                                            depth + 1)
            body, inside = [], False
            for ln in self.libs[real]:
                t = ln.lstrip()
                if not inside and t[:4].lower() == ".lib":
                    w = _lib_words(_card_rest(t))
                    inside = len(w) == 1 and w[0].lower() == section.lower()
                elif inside and t[:5].lower() == ".endl":
                    break
                elif inside:
                    body.append(ln)
            self.lib_refs(body, os.path.dirname(real), f"library {path!r} section {section}",
                          depth + 1)


def deck_includes(text: str, *, input_dir: Optional[str] = "") -> list[tuple[str, str]]:
    """``[(name as written, sha256 hex of the file), ...]`` of every file the ngspice deck
    ``text`` reads through ``.include`` / ``.lib``, recursively, in reading order; ``[]`` for
    a deck without them. ``input_dir``: the NGSPICE_INPUT_DIR to assume (default: what
    ``run_deck`` in this process would give ngspice). Raises :class:`IncludeNotFoundError`."""
    if not _QUICK.search(text):
        return []
    inc = _Includes(_input_dir() if input_dir == "" else input_dir)
    lines = inc.read(text, None, "deck", 0)
    inc.lib_refs(lines, None, "deck", 0)
    return inc.found


# -------------------------------------------------------------------------- code identity
_PY = f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}"
_ADDR = re.compile(r" at 0x[0-9A-Fa-f]+")
_MAX_VALUE_DEPTH = 12


class _Walker:
    """Feeds a canonical, process-independent token stream of an object into sha256."""

    def __init__(self, root_module: Optional[str]):
        self.h = hashlib.sha256()
        self.root_module = root_module
        self.active: set[int] = set()

    def tok(self, tag: str, payload: bytes | str = b"") -> None:
        if isinstance(payload, str):
            payload = payload.encode("utf-8", "surrogatepass")
        self.h.update(f"{tag}:{len(payload)}:".encode())
        self.h.update(payload)

    def sub(self, obj, depth: int) -> bytes:
        """The digest of one value on its own (to sort set members and dict items)."""
        w = _Walker(self.root_module)
        w.active = self.active
        w.value(obj, depth)
        return w.h.digest()

    # -- values
    def value(self, x, depth: int = 0) -> None:
        if depth > _MAX_VALUE_DEPTH:
            self.tok("deep", type(x).__qualname__)
            return
        if x is None or isinstance(x, (bool, int, float, complex, str, bytes)):
            self.tok(type(x).__name__, repr(x) if not isinstance(x, bytes) else x)
            return
        if isinstance(x, np.generic):
            self.tok("np" + x.dtype.str, np.asarray(x).tobytes())
            return
        if isinstance(x, np.ndarray):
            self.tok("nd", f"{x.dtype.str}{x.shape}")
            if x.dtype.hasobject:
                for v in x.ravel():
                    self.value(v, depth + 1)
            else:
                self.tok("data", np.ascontiguousarray(x).tobytes())
            return
        if id(x) in self.active:
            self.tok("cycle", type(x).__qualname__)
            return
        self.active.add(id(x))
        try:
            self._compound(x, depth)
        finally:
            self.active.discard(id(x))

    def _compound(self, x, depth: int) -> None:
        if isinstance(x, (tuple, list)):
            self.tok(type(x).__name__, str(len(x)))
            for v in x:
                self.value(v, depth + 1)
        elif isinstance(x, dict):
            items = sorted((self.sub(k, depth + 1), self.sub(v, depth + 1)) for k, v in x.items())
            self.tok("dict", str(len(items)))
            for k, v in items:
                self.tok("k", k)
                self.tok("v", v)
        elif isinstance(x, (set, frozenset)):
            self.tok(type(x).__name__, b"".join(sorted(self.sub(v, depth + 1) for v in x)))
        elif isinstance(x, types.CodeType):
            self.code(x, depth)
        elif isinstance(x, types.FunctionType):
            self.function(x, depth)
        elif isinstance(x, types.MethodType):
            self.tok("method")
            self.value(x.__func__, depth + 1)
            self.value(x.__self__, depth + 1)
        elif isinstance(x, functools.partial):
            self.tok("partial")
            self.value(x.func, depth + 1)
            self.value(x.args, depth + 1)
            self.value(x.keywords, depth + 1)
        elif isinstance(x, types.ModuleType):
            self.tok("module", x.__name__)
        elif isinstance(x, type):
            self.klass(x, depth)
        elif isinstance(x, (types.BuiltinFunctionType, types.BuiltinMethodType)):
            self.tok("builtin", f"{getattr(x, '__module__', None)}.{x.__qualname__}")
            owner = getattr(x, "__self__", None)
            if owner is not None and not isinstance(owner, types.ModuleType):
                self.value(owner, depth + 1)
        else:
            self.instance(x, depth)

    def klass(self, cls: type, depth: int) -> None:
        self.tok("class", f"{cls.__module__}.{cls.__qualname__}")
        if cls.__module__ == self.root_module:
            # a class of the user's own module: its methods are part of what runs
            for name in sorted(vars(cls)):
                v = vars(cls)[name]
                if isinstance(v, (types.FunctionType, staticmethod, classmethod, property)):
                    self.tok("attr", name)
                    self.value(getattr(v, "__func__", getattr(v, "fget", v)), depth + 1)

    def instance(self, x, depth: int) -> None:
        cls = type(x)
        self.tok("object", f"{cls.__module__}.{cls.__qualname__}")
        call = getattr(cls, "__call__", None)
        if isinstance(call, types.FunctionType):
            self.value(call, depth + 1)
        state = None
        if hasattr(x, "__dict__"):
            state = dict(vars(x))
        slots = [s for c in cls.__mro__ for s in getattr(c, "__slots__", ())
                 if isinstance(s, str)]
        if slots:
            state = dict(state or {})
            for s in slots:
                if hasattr(x, s):
                    state[s] = getattr(x, s)
        if state is not None:
            self.value(state, depth + 1)
        elif cls.__repr__ is not object.__repr__:
            try:
                self.tok("repr", _ADDR.sub("", repr(x)))
            except Exception:        # noqa: BLE001 - a repr that fails: the type is all
                pass

    # -- code
    def code(self, c: types.CodeType, depth: int) -> None:
        self.tok("code", f"{c.co_argcount},{c.co_posonlyargcount},{c.co_kwonlyargcount},"
                         f"{c.co_flags}")
        self.tok("bytecode", c.co_code)
        self.tok("exc", getattr(c, "co_exceptiontable", b""))
        for field in ("co_names", "co_varnames", "co_freevars", "co_cellvars"):
            self.tok(field, "\0".join(getattr(c, field)))
        self.tok("consts", str(len(c.co_consts)))
        for k in c.co_consts:
            self.value(k, depth + 1)

    def function(self, f: types.FunctionType, depth: int) -> None:
        # cycles (a function naming itself, two helpers calling each other) stop in value()
        self.tok("function", f"{_PY}:{f.__module__}.{f.__qualname__}")
        self.code(f.__code__, depth)
        self.value(f.__defaults__, depth + 1)
        self.value(f.__kwdefaults__, depth + 1)
        cells = []
        for cell in f.__closure__ or ():
            try:
                cells.append(cell.cell_contents)
            except ValueError:
                cells.append("<empty cell>")
        self.value(tuple(cells), depth + 1)
        # globals it names: functions and values of the user's own module go in whole;
        # others (library functions, modules) by name
        g = f.__globals__
        for name in sorted(_global_names(f.__code__)):
            if name not in g:
                continue
            v = g[name]
            self.tok("global", name)
            if isinstance(v, types.ModuleType):
                self.tok("module", v.__name__)
            elif isinstance(v, (types.FunctionType, type)) and \
                    getattr(v, "__module__", None) != f.__module__:
                self.tok("ref", f"{v.__module__}.{v.__qualname__}")
            else:
                self.value(v, depth + 1)


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for k in code.co_consts:
        if isinstance(k, types.CodeType):
            names |= _global_names(k)
    return names


def code_fingerprint(obj) -> Optional[str]:
    """sha256 hex of the code and state of a function or callable object (see the module
    docstring); None for None."""
    if obj is None:
        return None
    w = _Walker(getattr(obj, "__module__", None) or type(obj).__module__)
    w.tok("lithispice-code/1", _PY)
    w.value(obj)
    return w.h.hexdigest()


def value_fingerprint(obj) -> str:
    """sha256 hex of a plain value (numbers, strings, containers, arrays), process-independent."""
    w = _Walker(None)
    w.value(obj)
    return w.h.hexdigest()
