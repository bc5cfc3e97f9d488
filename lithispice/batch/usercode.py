"""Loading the user code a sweep config names (``generator.function``, ``extract.function``).

A config file is data. The only code a sweep runs besides lithispice is what the config
*names*, and naming it executes it -- with your permissions, like ``python file.py``:

* ``"gen.py:deck"`` (a path ending in ``.py``, relative to the config's folder or absolute):
  that file is loaded by path with importlib under a private module name
  (``lithispice_user_gen``), never as a top-level module name that could shadow another.
* ``"package.module:function"``: imported as Python imports it. Only if no installed module
  of that name exists is the config's folder searched, and then only for that import.

In both cases the config's folder is put on ``sys.path`` *last* (after every installed
package) while the named module is being loaded, so it can import helper files next to it,
and is removed right after. A declarative config (``kind = "crossbar"`` or ``"template"``)
imports nothing from its folder, and files there such as ``numpy.py``, ``xarray.py`` or
``cloudpickle.py`` are never imported in place of the installed modules (the old
behaviour, the folder first on ``sys.path`` for the whole sweep, ran them).

Modules loaded from the config's folder are pickled *by value* (cloudpickle), so the sweep's
worker processes, which do not have that folder on their path, receive the functions.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

from ..errors import LithispiceError

__all__ = ["UserCodeError", "load_function"]

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_ATTR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


class UserCodeError(LithispiceError, ImportError):
    """The code a config names cannot be found or loaded (the message says which)."""


@contextmanager
def _folder_last(folder: Path):
    """``folder`` appended to the end of ``sys.path`` for the duration (never first: an
    installed module always wins over a file of the same name in ``folder``)."""
    entry = str(folder)
    added = entry not in sys.path
    if added:
        sys.path.append(entry)
    try:
        yield
    finally:
        if added:
            try:
                sys.path.remove(entry)
            except ValueError:
                pass
        importlib.invalidate_caches()


def _inside(path, folder: Path) -> bool:
    try:
        Path(path).resolve().relative_to(folder)
        return True
    except (ValueError, OSError, TypeError):
        return False


def _by_value(names_before: set, folder: Path) -> None:
    """Register every module loaded from ``folder`` since ``names_before`` to be pickled by
    value, so that worker processes need not import it from a path they do not have."""
    try:
        import cloudpickle
    except ImportError:            # pragma: no cover - cloudpickle is a dependency
        return
    for name in set(sys.modules) - names_before:
        mod = sys.modules.get(name)
        if mod is not None and _inside(getattr(mod, "__file__", None) or "", folder):
            try:
                cloudpickle.register_pickle_by_value(mod)
            except (ValueError, TypeError):      # pragma: no cover - not registrable
                pass


def _private_name(path: Path, folder: Path) -> str:
    """``lithispice_user_<relative path>`` (stable when the folder moves, so a resumed sweep
    recognises its extraction function)."""
    try:
        rel = path.relative_to(folder)
    except ValueError:
        rel = Path(path.name)
    stem = re.sub(r"[^A-Za-z0-9_]", "_", str(rel.with_suffix("")))
    return f"lithispice_user_{stem}"


def _load_file(path: Path, folder: Path, what: str):
    if not path.is_file():
        raise UserCodeError(f"{what}: no file {str(path)!r}")
    name = _private_name(path, folder)
    known = sys.modules.get(name)
    if known is not None and getattr(known, "__file__", None) \
            and Path(known.__file__).resolve() == path:
        return known                     # generator and extraction from the same file
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UserCodeError(f"{what}: cannot load {str(path)!r} as Python")
    mod = importlib.util.module_from_spec(spec)
    before = set(sys.modules)
    sys.modules[name] = mod              # dataclasses and pickling look the module up
    try:
        with _folder_last(path.parent):
            spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    _by_value(before, path.parent)
    return mod


def _load_module(mod_name: str, folder: Path, what: str):
    top = mod_name.split(".")[0]
    try:
        installed = importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        installed = False
    if installed:
        # an installed (or already imported) module of that name: import it as Python does;
        # a file of the same name next to the config is never used instead
        return importlib.import_module(mod_name)
    before = set(sys.modules)
    with _folder_last(folder):
        mod = importlib.import_module(mod_name)
    _by_value(before, folder)
    return mod


def load_function(spec: str, folder, what: str = "function"):
    """The callable named by ``spec`` (``"file.py:name"`` or ``"package.module:name"``; see
    the module docstring), with ``folder`` the config's folder. Executes that module's code.
    Raises UserCodeError naming ``what`` (e.g. ``"generator.function"``)."""
    if not isinstance(spec, str):
        raise UserCodeError(f"{what} {spec!r}: write it as 'file.py:function' or "
                            "'package.module:function'")
    folder = Path(folder).resolve()
    target, sep, attr = spec.strip().rpartition(":")
    if not sep or not target or not _ATTR.match(attr):
        raise UserCodeError(f"{what} {spec!r}: write it as 'file.py:function' or "
                            "'package.module:function'")
    is_file = target.endswith(".py") or "/" in target or os.sep in target
    try:
        if is_file:
            path = Path(target).expanduser()
            path = (path if path.is_absolute() else folder / path).resolve()
            mod = _load_file(path, folder, what)
            where = str(path)
        else:
            if not _DOTTED.match(target):
                raise UserCodeError(f"{what} {spec!r}: {target!r} is neither a module name "
                                    "nor a path to a .py file")
            mod = _load_module(target, folder, what)
            where = target
    except UserCodeError:
        raise
    except (ImportError, SyntaxError) as exc:
        raise UserCodeError(f"{what} {spec!r}: cannot import {target!r} "
                            f"({type(exc).__name__}: {exc})") from None
    obj = mod
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            hint = ""
            if not is_file and (folder / (target.replace(".", "/") + ".py")).is_file():
                hint = (f"; the installed module {target!r} was imported, not the file next "
                        f"to the config: name the file instead, '{target.replace('.', '/')}"
                        f".py:{attr}'")
            raise UserCodeError(f"{what} {spec!r}: {where} has no {attr!r}{hint}") from None
    if not callable(obj):
        raise UserCodeError(f"{what} {spec!r}: {attr!r} is not callable")
    return obj
