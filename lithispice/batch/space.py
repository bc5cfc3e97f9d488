"""Parameter spaces of a sweep, the points they yield, and seeded per-point randomness.

A space is an ordered, finite set of points. Each :class:`Point` has a flat ``index``
(0..n-1, C order for grids), its parameter values and a random stream of its own:

* :class:`Grid` -- the Cartesian product of value lists, one dimension per parameter
  (``Grid(r_line=[0, 1, 2], v_read=[0.1, 0.2])`` -> a 3 x 2 sweep; the Dataset keeps both
  dimensions).
* :class:`Points` -- an explicit list of points (``Points([{"a": 1}, {"a": 3}])``) or
  zipped lists (``Points(a=[1, 3], b=[2, 4])``); dimension ``point``.
* :class:`Random` -- ``n`` points whose parameters are drawn from distributions
  (:class:`Uniform`, :class:`LogUniform`, :class:`Normal`, :class:`LogNormal`,
  :class:`Choice`); dimension ``point``. :func:`MonteCarlo` is a Random space without
  drawn parameters: each point only carries its own random stream, from which the deck
  function draws device-to-device variability (:func:`instance_variation`).

Determinism: the stream of point ``k`` is ``numpy.random.SeedSequence(seed,
spawn_key=(k,))`` -- exactly the k-th child of ``SeedSequence(seed).spawn(n)`` -- so it
depends only on the master seed and the point's index, never on which worker, process or
machine runs the point, nor in which order points finish. Parameter draws of a Random
space use the child ``(k, 0)``, the user's stream (:meth:`Point.rng`) the child ``(k, 1)``,
so adding a drawn parameter does not change the variability of the devices.

Size limit: a space holds at most :data:`MAX_POINTS` (10**6) points unless its constructor
gets an explicit ``max_points=``. The size is computed from the axes' lengths (or ``n``,
or a ``{start, stop, num}`` axis's ``num``) *before* anything is allocated, so
``Grid(r={"start": 0, "stop": 1, "num": 10**8})`` or ``Grid(a=range(10**4), b=range(10**4))``
is refused at once with a ParameterError naming the parameter and the limit. A million points
is also where one file per run in the store (256 shard folders) stays comfortable.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..errors import ParameterError
from ..spice.names import check_name

__all__ = ["Point", "Space", "Grid", "Points", "Random", "MonteCarlo", "Uniform", "LogUniform",
           "Normal", "LogNormal", "Choice", "Spread", "instance_variation", "as_space",
           "subckt_defaults", "MAX_POINTS", "axis_values"]

MAX_POINTS = 1_000_000
"""Default largest number of points of a space; pass ``max_points=`` to allow more."""
_MAX_POINTS = MAX_POINTS          # the name earlier versions used


def _limit(max_points) -> int:
    if max_points is None:
        return MAX_POINTS
    if isinstance(max_points, bool) or not isinstance(max_points, numbers.Integral) \
            or max_points < 1:
        raise ParameterError("max_points", max_points, "a positive integer")
    return int(max_points)


def _too_many(what: str, value: str, limit: int) -> ParameterError:
    return ParameterError(what, value, f"at most {limit} points (max_points={limit}; pass a "
                          "larger max_points= to the space to allow more)")


def _axis_len(values, name: str, limit: int):
    """The number of values of an axis without building it: len() of a list, array or
    range, ``num`` of a {start, stop, num} spec; an iterator is read up to limit + 1."""
    if isinstance(values, Mapping):
        spec = _axis_spec(values, name)
        return spec["num"], spec
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ParameterError(name, values, "a non-empty list of values or {start, stop, num}")
    try:
        return len(values), values
    except TypeError:
        vals = list(itertools.islice(values, limit + 1))
        return len(vals), vals


def _axis_spec(spec: Mapping, name: str) -> dict:
    keys = set(spec)
    if not {"start", "stop", "num"} <= keys or keys - {"start", "stop", "num", "log"}:
        raise ParameterError(name, dict(spec), "a list of values or {start, stop, num[, log]}")
    num = spec["num"]
    if isinstance(num, float) and num.is_integer():
        num = int(num)
    if isinstance(num, bool) or not isinstance(num, numbers.Integral) or num < 1:
        raise ParameterError(f"{name}.num", num, "a positive integer")
    start, stop = _finite(spec["start"], f"{name}.start"), _finite(spec["stop"], f"{name}.stop")
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise ParameterError(f"{name}.log", log, "true or false")
    if log and not (start > 0 and stop > 0):
        raise ParameterError(f"{name}.start/stop", (start, stop), "> 0 for log spacing")
    return {"start": start, "stop": stop, "num": int(num), "log": log}


def axis_values(name: str, spec, max_points: int | None = None) -> list:
    """The values of one axis: a list as given, or ``{start, stop, num[, log]}`` (linear or
    geometric spacing, as numpy's linspace / geomspace), refusing more than ``max_points``
    (default :data:`MAX_POINTS`) values *before* building them."""
    limit = _limit(max_points)
    n, vals = _axis_len(spec, name, limit)
    if n > limit:
        raise _too_many(name, f"{n} values", limit)
    if isinstance(vals, dict):
        f = np.geomspace if vals["log"] else np.linspace
        vals = f(vals["start"], vals["stop"], vals["num"]).tolist()
    return _values(vals, name)


def _scalar(value, name: str):
    """A parameter value as a plain Python scalar (float, int, bool or str)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or isinstance(value, str):
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            raise ParameterError(name, value, "a one-line string")
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            raise ParameterError(name, value, "a finite number")
        return x
    raise ParameterError(name, value, "a number or a string")


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ParameterError("seed", seed, "a non-negative integer")
    return int(seed)


@dataclass(frozen=True)
class Point(Mapping):
    """One point of a sweep: ``index`` (flat, C order), ``params`` (name -> value) and
    ``seed`` (a 31-bit integer for tools that want an int seed; derived like the stream).

    Reads like a mapping (``point["r_line"]``) and by attribute (``point.r_line``).
    :meth:`rng` gives the point's own random generator (see the module docstring).
    """

    index: int
    params: dict
    master_seed: int = 0
    seed: int = field(init=False)
    # what the deck function drew for this point (see record()); not part of its identity
    draws: dict = field(init=False, default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        ss = np.random.SeedSequence(self.master_seed, spawn_key=(self.index, 1))
        object.__setattr__(self, "seed", int(ss.generate_state(1, np.uint32)[0]) & 0x7FFFFFFF)

    def record(self, name: str, value, *, units: str = "", dims=None, **attrs) -> str:
        """Record a value this point drew (a number or an array), so that the sweep's
        Dataset shows it: variable ``name`` over the space's dimensions plus ``dims``
        (default :func:`.draws.default_dims`: ``row``/``col`` for 2-D, ``cell`` for 1-D),
        with ``units`` and ``attrs`` as attributes. :func:`instance_variation` records its
        draws itself; call this for numbers drawn otherwise
        (``t = point.rng().normal(300, 5); point.record("temp", t, units="K")``).
        A name recorded twice gets ``_2``, ``_3``... Returns the name used."""
        from .draws import default_dims, make_entry
        arr = np.asarray(value)
        entry = make_entry(name, arr, units=units,
                           dims=dims if dims is not None else default_dims(arr.shape),
                           attrs=attrs)
        used, k = name, 2
        while used in self.draws:
            used, k = f"{name}_{k}", k + 1
        self.draws[used] = entry
        return used

    def rng(self) -> np.random.Generator:
        """A fresh generator on this point's stream: same master seed and index, same numbers,
        wherever the point runs. Each call starts the stream again."""
        return np.random.default_rng(np.random.SeedSequence(self.master_seed,
                                                            spawn_key=(self.index, 1)))

    def __getitem__(self, key):
        return self.params[key]

    def __iter__(self):
        return iter(self.params)

    def __len__(self):
        return len(self.params)

    def __getattr__(self, name):
        params = self.__dict__.get("params")
        if params is not None and name in params:
            return params[name]
        raise AttributeError(f"point has no parameter {name!r} (parameters: "
                             f"{sorted(params or {})})")

    def __hash__(self):
        return hash((self.index, self.master_seed))

    def __repr__(self):
        return f"Point(index={self.index}, params={self.params!r}, seed={self.seed})"


class Space:
    """Base class: ``dims``/``shape`` of the result, ``names`` of the parameters,
    ``len(space)`` points, iteration yields :class:`Point`. ``coords()`` gives the xarray
    coordinates ``{name: (dims, values)}`` of the parameters."""

    dims: tuple[str, ...] = ("point",)
    seed: int = 0

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self),)

    @property
    def names(self) -> tuple[str, ...]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def params_at(self, index: int) -> dict:
        raise NotImplementedError

    def point(self, index: int) -> Point:
        if not 0 <= index < len(self):
            raise IndexError(f"point index {index} outside 0..{len(self) - 1}")
        return Point(index, self.params_at(index), self.seed)

    def __iter__(self) -> Iterator[Point]:
        for k in range(len(self)):
            yield self.point(k)

    def coords(self) -> dict:
        cols = {name: [] for name in self.names}
        for k in range(len(self)):
            p = self.params_at(k)
            for name in self.names:
                cols[name].append(p[name])
        return {name: (self.dims, np.asarray(v).reshape(self.shape)) for name, v in cols.items()}

    def describe(self) -> dict:
        """A JSON-able description, stored in the sweep's manifest."""
        return {"type": type(self).__name__, "dims": list(self.dims), "shape": list(self.shape),
                "names": list(self.names), "seed": self.seed}

    def fingerprint(self) -> str:
        """sha256 hex of what makes this space's points: equal spaces, equal fingerprints
        (part of a sweep's id). The description, plus the points where it lacks them."""
        h = hashlib.sha256(json.dumps(self.describe(), sort_keys=True, default=repr).encode())
        self._fingerprint_points(h)
        return h.hexdigest()

    def _fingerprint_points(self, h) -> None:
        for k in range(len(self)):
            h.update(json.dumps(self.params_at(k), sort_keys=True).encode())


def _check_param_name(name: str) -> str:
    check_name(name, "sweep parameter name")
    if name in ("point", "seed", "key", "status", "sample"):
        raise ParameterError("parameter name", name,
                             "a name other than point, seed, key, status, sample (used by the "
                             "result Dataset)")
    return name


def _values(values, name: str) -> list:
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
        raise ParameterError(name, values, "a non-empty list of values")
    vals = [_scalar(v, f"{name}[{k}]") for k, v in enumerate(values)]
    if not vals:
        raise ParameterError(name, values, "a non-empty list of values")
    if len({type(v) is str for v in vals}) > 1:
        raise ParameterError(name, values, "values of one kind: all numbers or all strings")
    return vals


class Grid(Space):
    """Cartesian product of value lists, in the order given (the last varies fastest).

    ``Grid(r_line=[0.0, 1.0, 2.0], preset=["LiCoO2", "LLTO"], seed=0)``. Values are numbers
    or strings; each parameter is one dimension of the result.
    """

    def __init__(self, axes: Mapping | None = None, /, *, seed: int = 0,
                 max_points: int | None = None, **kw):
        merged = dict(axes or {})
        dup = set(merged) & set(kw)
        if dup:
            raise ParameterError("Grid", sorted(dup), "each parameter given once")
        merged.update(kw)
        if not merged:
            raise ParameterError("Grid", {}, "at least one parameter with a list of values")
        limit = _limit(max_points)
        # sizes first, from the axes' lengths: nothing is built before the limit is checked
        sizes, raw = {}, {}
        for k, v in merged.items():
            _check_param_name(k)
            sizes[k], raw[k] = _axis_len(v, k, limit)
            if sizes[k] > limit:
                raise _too_many(k, f"{sizes[k]} values", limit)
        n = math.prod(sizes.values())
        if n > limit:
            raise _too_many("Grid", " x ".join(f"{k}: {m}" for k, m in sizes.items())
                            + f" = {n} points", limit)
        self.axes = {k: axis_values(k, raw[k], limit) for k in merged}
        self.seed = _seed(seed)
        self.dims = tuple(self.axes)
        self._shape = tuple(len(v) for v in self.axes.values())

    @property
    def shape(self):
        return self._shape

    @property
    def names(self):
        return tuple(self.axes)

    def __len__(self):
        return math.prod(self._shape)

    def params_at(self, index):
        idx = np.unravel_index(index, self._shape)
        return {name: vals[i] for (name, vals), i in zip(self.axes.items(), idx)}

    def coords(self):
        return {name: (name, np.asarray(vals)) for name, vals in self.axes.items()}

    def describe(self):
        d = super().describe()
        d["axes"] = self.axes
        return d

    def _fingerprint_points(self, h):
        pass                         # the axes (in the description) make every point


class Points(Space):
    """An explicit list of points: ``Points([{"a": 1, "b": 2}, ...])`` or zipped equal-length
    lists ``Points(a=[1, 3], b=[2, 4])``. Every point must name the same parameters."""

    def __init__(self, points: Sequence[Mapping] | None = None, /, *, seed: int = 0,
                 max_points: int | None = None, **lists):
        if points is not None and lists:
            raise ParameterError("Points", "both", "a list of points or keyword lists, not both")
        limit = _limit(max_points)
        if points is None:
            if not lists:
                raise ParameterError("Points", {}, "a non-empty list of points")
            raw = {}
            for k, v in lists.items():
                _check_param_name(k)
                n, raw[k] = _axis_len(v, k, limit)
                if isinstance(raw[k], dict):
                    raise ParameterError(k, v, "a list of values")
                if n > limit:
                    raise _too_many(k, f"{n} values", limit)
            cols = {k: _values(v, k) for k, v in raw.items()}
            lens = {len(v) for v in cols.values()}
            if len(lens) != 1:
                raise ParameterError("Points", {k: len(v) for k, v in cols.items()},
                                     "lists of equal length")
            rows = [dict(zip(cols, vals)) for vals in zip(*cols.values())]
        else:
            n, points = _axis_len(points, "points", limit)
            if isinstance(points, dict):
                raise ParameterError("points", points, "a list of parameter mappings")
            if n > limit:
                raise _too_many("points", f"{n} points", limit)
            rows = [dict(p) for p in points]
            if not rows:
                raise ParameterError("Points", points, "a non-empty list of points")
        names = list(rows[0])
        for k, r in enumerate(rows):
            if sorted(r) != sorted(names):
                raise ParameterError(f"points[{k}]", sorted(r), f"the parameters {sorted(names)}")
        self._names = tuple(_check_param_name(n) for n in names)
        self._rows = [{n: _scalar(r[n], f"points[{k}].{n}") for n in self._names}
                      for k, r in enumerate(rows)]
        self.seed = _seed(seed)

    @property
    def names(self):
        return self._names

    def __len__(self):
        return len(self._rows)

    def params_at(self, index):
        return dict(self._rows[index])


# ------------------------------------------------------------------------------ distributions
class _Dist:
    def draw(self, rng: np.random.Generator):
        raise NotImplementedError


def _finite(x, name):
    try:
        v = float(x)
    except (TypeError, ValueError):
        v = math.nan
    if not math.isfinite(v):
        raise ParameterError(name, x, "a finite number")
    return v


@dataclass(frozen=True)
class Uniform(_Dist):
    """Uniform on [low, high) (units of the parameter)."""
    low: float
    high: float

    def __post_init__(self):
        if not _finite(self.low, "Uniform.low") < _finite(self.high, "Uniform.high"):
            raise ParameterError("Uniform.high", self.high, f"> low = {self.low}")

    def draw(self, rng):
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class LogUniform(_Dist):
    """Log-uniform on [low, high), 0 < low < high (a decade sweep of a resistance, a rate)."""
    low: float
    high: float

    def __post_init__(self):
        if not 0 < _finite(self.low, "LogUniform.low") < _finite(self.high, "LogUniform.high"):
            raise ParameterError("LogUniform.low/high", (self.low, self.high), "0 < low < high")

    def draw(self, rng):
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))


@dataclass(frozen=True)
class Normal(_Dist):
    """Normal with ``mean`` and standard deviation ``std`` >= 0 (units of the parameter)."""
    mean: float
    std: float

    def __post_init__(self):
        _finite(self.mean, "Normal.mean")
        if _finite(self.std, "Normal.std") < 0:
            raise ParameterError("Normal.std", self.std, ">= 0")

    def draw(self, rng):
        return float(rng.normal(self.mean, self.std))


@dataclass(frozen=True)
class LogNormal(_Dist):
    """Lognormal with ``median`` > 0 and ``sigma`` >= 0 of the natural log."""
    median: float
    sigma: float

    def __post_init__(self):
        if _finite(self.median, "LogNormal.median") <= 0:
            raise ParameterError("LogNormal.median", self.median, "> 0")
        if _finite(self.sigma, "LogNormal.sigma") < 0:
            raise ParameterError("LogNormal.sigma", self.sigma, ">= 0")

    def draw(self, rng):
        return float(self.median * math.exp(rng.normal(0.0, self.sigma)))


@dataclass(frozen=True)
class Choice(_Dist):
    """One of ``values`` with equal probability (numbers or strings)."""
    values: tuple

    def __post_init__(self):
        object.__setattr__(self, "values", tuple(_values(list(self.values), "Choice.values")))

    def draw(self, rng):
        return self.values[int(rng.integers(len(self.values)))]


DISTRIBUTIONS = {"uniform": Uniform, "loguniform": LogUniform, "normal": Normal,
                 "lognormal": LogNormal, "choice": Choice}


class Random(Space):
    """``n`` points with parameters drawn from distributions, reproducibly from ``seed``:
    ``Random(200, seed=1, temp=Uniform(290, 350), r_line=LogUniform(0.1, 10))``.
    Parameters are drawn in sorted name order from the point's own stream."""

    def __init__(self, n: int, *, seed: int = 0, max_points: int | None = None, **dists: _Dist):
        limit = _limit(max_points)
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ParameterError("n", n, "a positive integer")
        if n > limit:
            raise _too_many("n", f"{int(n)} points", limit)
        for name, d in dists.items():
            _check_param_name(name)
            if not isinstance(d, _Dist):
                raise ParameterError(name, d, f"a distribution ({', '.join(c.__name__ for c in DISTRIBUTIONS.values())})")
        self.n = int(n)
        self.seed = _seed(seed)
        self.dists = dict(sorted(dists.items()))

    @property
    def names(self):
        return tuple(self.dists)

    def __len__(self):
        return self.n

    def params_at(self, index):
        if not self.dists:
            return {}
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(index, 0)))
        return {name: d.draw(rng) for name, d in self.dists.items()}

    def describe(self):
        d = super().describe()
        d["distributions"] = {k: {"type": type(v).__name__, **v.__dict__} for k, v in self.dists.items()}
        return d

    def _fingerprint_points(self, h):
        pass                         # n, seed and distributions (described) make every point


def MonteCarlo(n: int, *, seed: int = 0, max_points: int | None = None, **dists: _Dist) -> Random:
    """``n`` Monte Carlo points: each carries its own random stream (:meth:`Point.rng`) for
    device-to-device variability, plus optional drawn parameters (as :class:`Random`)."""
    return Random(n, seed=seed, max_points=max_points, **dists)


def as_space(space) -> Space:
    """Accept a Space, a mapping of value lists (-> Grid) or a list of mappings (-> Points)."""
    if isinstance(space, Space):
        return space
    if isinstance(space, Mapping):
        return Grid(space)
    if isinstance(space, Sequence) and not isinstance(space, (str, bytes)):
        return Points(list(space))
    raise ParameterError("space", type(space).__name__,
                         "a Grid, Points, Random/MonteCarlo, a mapping of lists or a list of points")


# ------------------------------------------------------------------------- device variability
@dataclass(frozen=True)
class Spread:
    """Device-to-device spread of one instance parameter, relative to its nominal value:
    ``Spread.lognormal(0.1)`` -> nominal * exp(N(0, 0.1)) (median = nominal);
    ``Spread.normal(0.05)`` -> nominal * N(1, 0.05), clipped to [0.2, 5] x nominal so a
    threshold or a resistance never crosses zero."""
    kind: str
    sigma: float

    def __post_init__(self):
        if self.kind not in ("lognormal", "normal"):
            raise ParameterError("Spread.kind", self.kind, "'lognormal' or 'normal'")
        if not 0 <= _finite(self.sigma, "Spread.sigma") <= 3:
            raise ParameterError("Spread.sigma", self.sigma, "in [0, 3] (relative)")

    @classmethod
    def lognormal(cls, sigma: float) -> "Spread":
        return cls("lognormal", sigma)

    @classmethod
    def normal(cls, rel_sigma: float) -> "Spread":
        return cls("normal", rel_sigma)

    def draw(self, nominal: float, shape, rng: np.random.Generator) -> np.ndarray:
        if self.kind == "lognormal":
            return nominal * np.exp(rng.normal(0.0, self.sigma, shape))
        return nominal * np.clip(rng.normal(1.0, self.sigma, shape), 0.2, 5.0)


_DEFAULTS_CACHE: dict = {}


def subckt_defaults(device) -> dict[str, float]:
    """The default values of a device's subckt ``params:`` (name -> float), read from its
    ``.subckt`` line: the nominal values of its instance parameters, for any device family.
    Cached by (class, subckt name): the name carries a hash of the parameter set."""
    ck = (type(device).__qualname__, device.subckt_name)
    hit = _DEFAULTS_CACHE.get(ck)
    if hit is not None:
        return dict(hit)
    from ..modelcards import parse_subckt_header
    header = parse_subckt_header(device.subckt(), device.subckt_name)
    out = {}
    for name, text in header.params.items():
        try:
            out[name] = float(text)
        except ValueError:
            continue                  # an expression default: no nominal number
    if len(_DEFAULTS_CACHE) < 4096:
        _DEFAULTS_CACHE[ck] = out
    return dict(out)


def _param_row(device, spice_name: str):
    """The device table's row of an instance parameter (None when the family has none)."""
    table = getattr(type(device), "PARAMS", None)
    if table is None:
        return None
    try:
        return table.by_spice(spice_name)
    except KeyError:
        return None


def _spice_spelling(device, name: str, allowed: dict) -> Optional[str]:
    """The instance parameter ``name`` means, SPICE spelling: ``ron`` or the Python field
    name ``r_on`` (the device table's). None if neither."""
    if name.lower() in allowed:
        return allowed[name.lower()]
    table = getattr(type(device), "PARAMS", None)
    if table is not None:
        try:
            row = table.by_field(name)
        except KeyError:
            row = None
        if row is not None and row.spice and row.spice.lower() in allowed:
            return allowed[row.spice.lower()]
    return None


def instance_variation(device, shape, rng: np.random.Generator, *, dims=None,
                       **spreads: Spread) -> dict:
    """Per-instance parameter arrays for ``shape`` instances of ``device`` (e.g. the cells of
    a crossbar), drawn from ``rng`` around the device's nominal values::

        instance_variation(m, (4, 4), point.rng(), ron=Spread.lognormal(0.1),
                           roff=Spread.lognormal(0.2), vset=Spread.normal(0.05))

    Works for any device family: the names must be among ``device.instance_params`` (the
    SPICE spelling, ``ron``) or the device's Python field names (``r_on``), with a numeric
    default on its ``.subckt`` line. Draws in sorted SPICE-name order (deterministic, the
    same for both spellings). The result, keyed by SPICE name, goes to
    ``build_crossbar(..., device_params=...)`` or ``Chip.add(params=...)``.

    Inside a sweep (while :func:`run_sweep` makes a point's deck) the draws are also
    recorded in the point (:meth:`Point.record`): the sweep's Dataset gets a variable per
    parameter, named as the Python API names it (``r_on``), with its unit (``ohm``), over
    the space's dimensions and ``dims`` (default ``("row", "col")`` for a 2-D shape,
    ``("cell",)`` for 1-D: :func:`.draws.default_dims`).
    """
    allowed = {p.lower(): p for p in device.instance_params}
    nominal = {k.lower(): v for k, v in subckt_defaults(device).items()}
    shape = tuple(int(s) for s in np.atleast_1d(shape))
    chosen = {}
    for name in spreads:
        sp = spreads[name]
        if not isinstance(sp, Spread):
            raise ParameterError(name, sp, "a Spread (Spread.lognormal(s) or Spread.normal(s))")
        spice = _spice_spelling(device, name, allowed)
        if spice is None:
            raise ParameterError("instance parameter", name,
                                 f"one of {sorted(device.instance_params)}")
        if spice.lower() not in nominal:
            raise ParameterError(name, "no numeric default", "a parameter with a numeric "
                                 "default on the .subckt line")
        if spice in chosen:
            raise ParameterError("instance parameter", name, f"given once ({spice!r} twice)")
        chosen[spice] = sp
    out = {}
    for spice in sorted(chosen):
        out[spice] = chosen[spice].draw(nominal[spice.lower()], shape, rng)
    from .draws import current_point
    point = current_point()
    if point is not None:
        for spice, values in out.items():
            row = _param_row(device, spice)
            sp = chosen[spice]
            point.record(row.name if row is not None else spice, values,
                         units=row.unit if row is not None else "", dims=dims,
                         spice_parameter=spice, spread=f"{sp.kind}({sp.sigma:g})",
                         description=(row.doc if row is not None else ""),
                         nominal=float(nominal[spice.lower()]))
    return out
