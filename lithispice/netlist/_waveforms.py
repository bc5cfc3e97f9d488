"""Validated text of independent-source values: DC, AC, PWL, SIN and PULSE (ngspice syntax).

Every number goes through :func:`lithispice.spice.names.fmt` (finite floats only), and the
waveform shapes are checked here because ngspice either rejects a bad one late with a terse
message (non-increasing PWL times) or silently substitutes defaults that depend on the
analysis (a PULSE without rise time takes TSTEP), which makes a deck's meaning depend on
the ``.tran`` line. Units: seconds, hertz, degrees, and volts (V source) or amperes (I source).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from ..errors import ParameterError
from ..spice.names import fmt

# A PWL table is written on its source's line, however long (ngspice has no line limit).
# Not on '+' continuation lines: spicelib's SpiceEditor (1.6) keeps the '+' of a continuation
# inside parentheses when it saves a deck, which ngspice then rejects.

_SINE_KEYS = ("offset", "amplitude", "freq", "delay", "damping", "phase")
_PULSE_KEYS = ("v1", "v2", "delay", "rise", "fall", "width", "period")


def _num(value, name: str) -> float:
    """Finite float or ParameterError naming ``name``."""
    fmt(value, name)  # raises ParameterError for NaN, inf, non-numbers
    return float(value)


def _spec_to_dict(spec, keys: tuple[str, ...], required: tuple[str, ...], what: str) -> dict:
    """Accept a mapping (by key) or a sequence (in SPICE order); return a dict of floats."""
    if isinstance(spec, Mapping):
        unknown = sorted(set(spec) - set(keys))
        if unknown:
            raise ParameterError(what, dict(spec), f"keys among {keys}", f"unknown keys {unknown}")
        d = dict(spec)
    elif isinstance(spec, (Sequence, Iterable)) and not isinstance(spec, (str, bytes)):
        spec = tuple(spec)                     # also numpy arrays and generators
        if len(spec) > len(keys):
            raise ParameterError(what, spec, f"at most {len(keys)} values in the order {keys}")
        d = dict(zip(keys, spec))
    else:
        raise ParameterError(what, spec, f"a mapping with keys {keys} or a sequence in that order")
    missing = [k for k in required if d.get(k) is None]
    if missing:
        raise ParameterError(what, spec, f"all of {required} given", f"missing {missing}")
    return {k: _num(v, f"{what}.{k}") for k, v in d.items() if v is not None}


def pwl_text(points, what: str = "pwl") -> str:
    """``pwl(t1 v1 t2 v2 ...)`` on one line, from a sequence of (time s, value) pairs.

    Times must be >= 0 and strictly increasing (ngspice requires it; a repeated time would
    be a vertical step the integrator cannot take).
    """
    pairs = pwl_pairs(points, what)
    return "pwl(" + " ".join(f"{fmt(t)} {fmt(v)}" for t, v in pairs) + ")"


def pwl_pairs(points, what: str = "pwl") -> tuple[tuple[float, float], ...]:
    """The validated (time s, value) pairs of a PWL waveform (see :func:`pwl_text`)."""
    try:
        pairs = [tuple(p) for p in points]
    except TypeError:
        raise ParameterError(what, points, "a sequence of (time, value) pairs") from None
    if not pairs:
        raise ParameterError(what, points, "at least one (time, value) pair")
    out: list[tuple[float, float]] = []
    last_t = -math.inf
    for k, pair in enumerate(pairs):
        if len(pair) != 2:
            raise ParameterError(f"{what}[{k}]", pair, "a (time, value) pair")
        t = _num(pair[0], f"{what}[{k}].time")
        v = _num(pair[1], f"{what}[{k}].value")
        if t < 0:
            raise ParameterError(f"{what}[{k}].time", t, ">= 0 s")
        if t <= last_t:
            raise ParameterError(f"{what}[{k}].time", t,
                                 f"> previous time {last_t!r} s (times strictly increasing)")
        last_t = t
        out.append((t, v))
    return tuple(out)


def sine_text(spec, what: str = "sine") -> str:
    """``sin(VO VA FREQ TD THETA PHASE)``.

    ``spec``: mapping with keys offset, amplitude (V or A), freq (Hz, > 0), delay (s, >= 0,
    default 0), damping (1/s, >= 0, default 0), phase (degrees, default 0); or a sequence
    in that order. The frequency is required: ngspice's default (1/TSTOP) would tie the
    stimulus to the analysis.
    """
    d = sine_spec(spec, what)
    return "sin(" + " ".join(fmt(d[k]) for k in _SINE_KEYS) + ")"


def sine_spec(spec, what: str = "sine") -> dict:
    """The validated SIN parameters as floats, every key of ``_SINE_KEYS`` present (delay,
    damping and phase default to 0); see :func:`sine_text`."""
    d = _spec_to_dict(spec, _SINE_KEYS, ("offset", "amplitude", "freq"), what)
    if d["freq"] <= 0:
        raise ParameterError(f"{what}.freq", d["freq"], "> 0 Hz")
    if d.get("delay", 0.0) < 0:
        raise ParameterError(f"{what}.delay", d["delay"], ">= 0 s")
    if d.get("damping", 0.0) < 0:
        raise ParameterError(f"{what}.damping", d["damping"], ">= 0 1/s")
    return {"offset": d["offset"], "amplitude": d["amplitude"], "freq": d["freq"],
            "delay": d.get("delay", 0.0), "damping": d.get("damping", 0.0),
            "phase": d.get("phase", 0.0)}


def pulse_text(spec, what: str = "pulse") -> str:
    """``pulse(V1 V2 TD TR TF PW [PER])``.

    ``spec``: mapping with keys v1, v2 (V or A), delay (s, >= 0, default 0), rise, fall,
    width (s, > 0), period (s, >= rise + width + fall; omitted = one pulse); or a sequence
    in that order. rise/fall/width are required, and must be > 0, because ngspice would
    otherwise take TSTEP/TSTOP from the analysis line (it reads a zero as "not given").
    """
    d = pulse_spec(spec, what)
    vals = [d[k] for k in _PULSE_KEYS[:6]]
    if "period" in d:
        vals.append(d["period"])
    return "pulse(" + " ".join(fmt(v) for v in vals) + ")"


def pulse_spec(spec, what: str = "pulse") -> dict:
    """The validated PULSE parameters as floats (delay defaults to 0; ``period`` only if
    given: without it the pulse is single); see :func:`pulse_text`."""
    d = _spec_to_dict(spec, _PULSE_KEYS, ("v1", "v2", "rise", "fall", "width"), what)
    if d.get("delay", 0.0) < 0:
        raise ParameterError(f"{what}.delay", d["delay"], ">= 0 s")
    for k in ("rise", "fall"):
        if d[k] <= 0:
            raise ParameterError(f"{what}.{k}", d[k], "> 0 s")
    if d["width"] <= 0:
        # ngspice reads PW = 0 as "not given" and substitutes TSTOP: a pulse that rises and
        # never falls (seen in ngspice 39), not a triangle.
        raise ParameterError(f"{what}.width", d["width"], "> 0 s",
                             "ngspice replaces a zero width by TSTOP; for a triangle give a "
                             "width much shorter than rise and fall")
    out = {"v1": d["v1"], "v2": d["v2"], "delay": d.get("delay", 0.0), "rise": d["rise"],
           "fall": d["fall"], "width": d["width"]}
    if "period" in d:
        need = d["rise"] + d["width"] + d["fall"]
        if d["period"] < need:
            raise ParameterError(f"{what}.period", d["period"],
                                 f">= rise + width + fall = {need!r} s")
        out["period"] = d["period"]
    return out


def source_value_text(dc, ac=None, pwl=None, sine=None, pulse=None, what: str = "source") -> str:
    """The value part of a V/I source line: ``dc X [ac M [P]] [waveform]``.

    ``ac`` is a magnitude or a (magnitude, phase in degrees) pair for ``.ac`` analysis.
    At most one of pwl/sine/pulse; the DC value is what ``.op`` and ``.dc`` see.
    """
    return source_value(dc, ac, pwl, sine, pulse, what)[0]


def source_value(dc, ac=None, pwl=None, sine=None, pulse=None,
                 what: str = "source") -> tuple[str, dict]:
    """``(text, values)``: the text of :func:`source_value_text` and the same numbers as a
    structured record, for engines that do not read SPICE text::

        {"dc": float, "ac": (magnitude, phase deg) or None,
         "waveform": None | ("sine", sine_spec) | ("pulse", pulse_spec) | ("pwl", pairs)}
    """
    given = [k for k, v in (("pwl", pwl), ("sine", sine), ("pulse", pulse)) if v is not None]
    if len(given) > 1:
        raise ParameterError(f"{what}.waveform", given, "at most one of pwl, sine, pulse")
    parts = [f"dc {fmt(dc, f'{what}.dc')}"]
    values: dict = {"dc": float(dc), "ac": None, "waveform": None}
    if ac is not None:
        if isinstance(ac, Sequence) and not isinstance(ac, (str, bytes)):
            if len(ac) != 2:
                raise ParameterError(f"{what}.ac", ac, "a magnitude or (magnitude, phase deg)")
            parts.append(f"ac {fmt(ac[0], f'{what}.ac')} {fmt(ac[1], f'{what}.ac_phase')}")
            values["ac"] = (float(ac[0]), float(ac[1]))
        else:
            parts.append(f"ac {fmt(ac, f'{what}.ac')}")
            values["ac"] = (float(ac), 0.0)
    if pwl is not None:
        pairs = pwl_pairs(pwl, f"{what}.pwl")
        parts.append(pwl_text(pairs, f"{what}.pwl"))
        values["waveform"] = ("pwl", pairs)
    elif sine is not None:
        spec = sine_spec(sine, f"{what}.sine")
        parts.append(sine_text(spec, f"{what}.sine"))
        values["waveform"] = ("sine", spec)
    elif pulse is not None:
        spec = pulse_spec(pulse, f"{what}.pulse")
        parts.append(pulse_text(spec, f"{what}.pulse"))
        values["waveform"] = ("pulse", spec)
    return " ".join(parts), values
