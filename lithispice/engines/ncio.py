"""netCDF files of lithispice Datasets, with SPICE vector names kept as they are.

The netCDF classic format (what xarray's ``scipy`` engine writes, no C library needed)
allows a name to start with a letter, digit or ``_`` and to continue with any printable
character except ``/`` (no trailing space): ``v(col0)``, ``i(vin)``, ``v(x1.w)`` and
``v(v-sweep)`` are valid names and are written unchanged, so a file read back gives the
names the Python API uses. A name outside that rule (a ``/``, a non-ASCII character, which
the scipy writer cannot encode as UTF-8) is written under a safe name with the original in
the attribute ``spice_name``; complex variables (AC analyses) become two real variables
``<name>.re`` and ``<name>.im`` with the attribute ``complex_of``. :func:`open_netcdf`
undoes both, so ``open_netcdf(path)`` equals the Dataset that :func:`to_netcdf` wrote.
"""
from __future__ import annotations

import os
import re
from typing import Union

import numpy as np

__all__ = ["to_netcdf", "open_netcdf", "netcdf_name_ok"]

_OK = re.compile(r"[A-Za-z0-9_][\x20-\x2e\x30-\x7e]*\Z")


def netcdf_name_ok(name: str) -> bool:
    """True if ``name`` can be a netCDF-3 variable/dimension name as it is (ASCII here)."""
    return bool(_OK.match(name)) and not name.endswith(" ")


def _safe(name: str, used: set) -> str:
    base = re.sub(r"[^A-Za-z0-9_.()\-]+", "_", name).strip("_") or "var"
    if not re.match(r"[A-Za-z0-9_]", base):
        base = "v_" + base
    out, k = base, 2
    while out in used:
        out, k = f"{base}_{k}", k + 1
    return out


def _attr(v):
    if isinstance(v, (str, int, float, np.integer, np.floating)):
        return v
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, np.ndarray) and v.dtype.kind in "iuf":
        return v
    return str(v)


def to_netcdf(ds, path: Union[str, os.PathLike]) -> None:
    """Write an xarray Dataset as netCDF-3 (xarray's scipy engine). Names are kept where
    netCDF allows them (see the module doc); a path is written whole or not at all
    (:func:`lithispice.fileio.atomic_path`: a full disk leaves no truncated file)."""
    import xarray as xr
    names = [str(n) for n in list(ds.dims) + list(ds.coords) + list(ds.data_vars)]
    used = {n for n in names if netcdf_name_ok(n)}
    rename: dict = {}

    def new_name(name: str) -> str:
        if name in rename:
            return rename[name]
        if netcdf_name_ok(name):
            rename[name] = name
        else:
            rename[name] = _safe(name, used)
            used.add(rename[name])
        return rename[name]

    dims = {d: new_name(str(d)) for d in ds.dims}

    def convert(name, var):
        var = var.rename({d: dims[d] for d in var.dims})
        var.attrs = {k: _attr(v) for k, v in var.attrs.items()}
        target = new_name(str(name))
        if target != str(name):
            var.attrs["spice_name"] = str(name)
        vals = var.values
        if np.iscomplexobj(vals):
            parts = []
            for suffix, part, which in ((".re", var.real, "real"), (".im", var.imag, "imag")):
                pname = target + suffix
                while pname in used:
                    pname += "_"
                used.add(pname)
                parts.append((pname, part.assign_attrs(var.attrs, complex_of=str(name),
                                                       part=which)))
            return parts
        if vals.dtype.kind in "iu" and vals.dtype.itemsize > 4:
            fits = vals.size == 0 or (vals.min() >= -2**31 and vals.max() < 2**31)
            var = var.astype(np.int32 if fits else np.float64)
        elif vals.dtype.kind == "b":
            var = var.astype(np.int8).assign_attrs(dtype="bool")
        return [(target, var)]

    coords, data = {}, {}
    for name, var in ds.coords.items():
        for new, v in convert(name, var):
            coords[new] = v
    for name, var in ds.data_vars.items():
        for new, v in convert(name, var):
            data[new] = v
    out = xr.Dataset(data, coords=coords)
    out.attrs = {k: _attr(v) for k, v in ds.attrs.items()}
    renamed_dims = {dims[d]: str(d) for d in ds.dims if dims[d] != str(d)}
    if renamed_dims:
        # dimensions carry no attributes: their original names go into the file's
        out.attrs["lithispice_dim_names"] = ";".join(f"{k}={v}" for k, v in renamed_dims.items())
    from ..fileio import atomic_path
    with atomic_path(path) as tmp:
        out.to_netcdf(tmp, engine="scipy")


def open_netcdf(path: Union[str, os.PathLike]):
    """Read a file written by :func:`to_netcdf` into memory: original names restored,
    complex variables recombined, boolean variables back to bool."""
    import xarray as xr
    with xr.open_dataset(path, engine="scipy") as f:
        ds = f.load()
    dim_names = {}
    for item in str(ds.attrs.pop("lithispice_dim_names", "")).split(";"):
        if "=" in item:
            k, v = item.split("=", 1)
            dim_names[k] = v
    complex_parts: dict = {}
    rename: dict = {}
    for name in list(ds.variables):
        var = ds[name]
        if "complex_of" in var.attrs:
            complex_parts.setdefault(var.attrs["complex_of"], {})[name] = var
            continue
        if "spice_name" in var.attrs:
            rename[name] = var.attrs["spice_name"]
    for orig, parts in complex_parts.items():
        re_v = next(v for v in parts.values() if v.attrs.get("part") == "real")
        im_v = next(v for v in parts.values() if v.attrs.get("part") == "imag")
        attrs = {k: v for k, v in re_v.attrs.items()
                 if k not in ("complex_of", "spice_name", "part")}
        ds = ds.drop_vars(list(parts))
        whole = re_v + 1j * im_v
        whole.attrs = attrs
        ds[orig] = whole
    for name in list(ds.variables):
        var = ds[name]
        if var.attrs.get("dtype") == "bool":
            attrs = {k: v for k, v in var.attrs.items() if k != "dtype"}
            flag = var.astype(bool)
            flag.attrs = attrs
            ds[name] = flag
    for old in list(rename):
        ds[old].attrs.pop("spice_name", None)
    ds = ds.rename({**rename, **{k: v for k, v in dim_names.items() if k in ds.dims}})
    return ds
