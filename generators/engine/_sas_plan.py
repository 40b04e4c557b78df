"""Plans for the compiled image path: everything per image except the kernel calls.

Private helper of generators/engine/host_api.py. Python keeps loading, validation, parameter draws and
the dispersity / orientation meshes; generators/compiled/compiled_image.ts runs the hot loops with the
kernels that _sas_compile.py translated to JavaScript. The plan carries the same numbers the
Python loops of _sas_kernel.py use, so both paths agree to a few ulps.
"""
import json
import linecache
import math
import random
import types

import sas_engine
from _sas_compile import compile_functions, compile_model, kernel_entries
from _sas_kernel import _grid, mesh_moments, orientation_mesh, product_terms, volume_mesh

_Q_SAMPLES = (0.0, 1e-3, 0.01, 0.04, 0.1, 0.2, 0.3, 0.45)
_CHECK_DRAWS = 6


def model_kernels(name):
    """JSON {source, remembering, reason, checks}: compiled 2-D kernels (plain, and the variant
    whose calls reuse repeated arguments, for dispersity meshes) and the Python values that
    verify both."""
    info = sas_engine.get_model(name)
    source, remembering, reason = compile_model(info)
    checks = _checks(info) if source is not None else []
    return json.dumps({"source": source, "remembering": remembering, "reason": reason,
                       "checks": checks})


def _kernel_args(info, pars):
    """{entry: argument list after q} of the kernels for one parameter dict."""
    if info.product is not None:
        p_info, _, s_names, _ = info.product
        return {"Iq": [pars[n] for n in p_info.call_names], "S_Iq": [pars[n] for n in s_names]}
    return {k: [pars[n] for n in info.call_names] for k in kernel_entries(info)}


def _checks(info):
    """About 50 deterministic (entry, args, Python value or None if it raised) triples."""
    draws = [sas_engine.validate_pars(info, {})]
    draws += [sas_engine.random_pars(info, 1000 + k)[0] for k in range(_CHECK_DRAWS - 1)]
    entries = kernel_entries(info)
    directions = random.Random(20261125)
    checks = []
    for pars in draws:
        for entry, args in _kernel_args(info, pars).items():
            for q in _Q_SAMPLES:
                theta = directions.uniform(0.0, math.pi)
                phi = directions.uniform(0.0, 2.0 * math.pi)
                if entry == "Iqac":
                    qs = [q * math.sin(theta), q * math.cos(theta)]
                elif entry == "Iqabc":
                    qs = [q * math.sin(theta) * math.cos(phi), q * math.sin(theta) * math.sin(phi),
                          q * math.cos(theta)]
                else:
                    qs = [q]
                try:
                    value = entries[entry](*qs, *args)
                except Exception:  # compiled code must raise (or give non-finite) here too
                    value = None
                if value is None or (isinstance(value, (int, float))
                                     and not isinstance(value, bool)):
                    checks.append([entry, qs + args, _json_number(value)])
    return checks


def _json_number(value):
    if value is None or math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def grid_data(key):
    """JSON of grid `key` (define_grid) as _sas_kernel._grid sees it: distinct |q|, scatter,
    half grid."""
    qx, qy, pixels, _ = sas_engine.grid_points(key)
    unique, scatter, px, py, _, npix = _grid(qx, qy, pixels)
    index = scatter(list(range(len(unique)))) if npix > 1 else (0,)
    return json.dumps({"unique": unique, "index": list(index), "px": px, "py": py, "npix": npix})


def image_plan(info, pars):
    """The numbers compiled_image.ts needs for one image of `info` at validated `pars`."""
    full = sas_engine.validate_pars(info, pars, is2d=True)
    if info.product is not None:
        mesh, total, s_args, combined = product_terms(info, full)
        plan = {"kind": "product", "norm": 1.0 / total, "s_args": s_args, "combined": combined}
    else:
        mesh = volume_mesh(info, full)
        _, sum_shell, _ = mesh_moments(info, mesh)
        plan = {"kind": info.oriented or "iq"}
        if info.oriented:
            omesh = orientation_mesh(info, full)
            denominator = sum_shell * sum(w for _, w in omesh)
            plan["norm"] = full["scale"] / (denominator if denominator != 0.0 else 1.0)
            plan["rot"] = [x for r, _ in omesh for row in r for x in row]
            plan["owts"] = [w for _, w in omesh]
        else:
            plan["norm"] = full["scale"] / (sum_shell if sum_shell != 0.0 else 1.0)
    plan["nargs"] = len(mesh[0][0]) if mesh else 0
    # mesh axes with more than one value: the compiled loop picks its kernel variant by it
    plan["axes"] = sum(1 for i in range(plan["nargs"]) if len({a[i] for a, _ in mesh}) > 1)
    plan["args"] = [x for args, _ in mesh for x in args]
    plan["weights"] = [w for _, w in mesh]
    plan["background"] = full["background"]
    return json.dumps(plan, allow_nan=False)


def host_plan(name, pars_json):
    """(plan JSON or None, full parameters JSON) for host.render; None on any problem."""
    try:
        info = sas_engine.get_model(name)
        pars = sas_engine.validate_pars(info, json.loads(pars_json))
        return image_plan(info, pars), json.dumps(pars)
    except Exception:  # the Python path then raises the proper error
        return None, None


def host_random_plan(name, base_seed, index):
    """(label JSON, plan JSON) of image `index` of a random stream, or (None, None)."""
    try:
        info = sas_engine.get_model(name)
        seed = sas_engine.image_seed(base_seed, index)
        pars, poly = sas_engine.random_pars(info, seed)
        label = {"index": index, "seed": seed, "model": name, "polydisperse": bool(poly),
                 "params": pars}
        return json.dumps(label), image_plan(info, pars)
    except Exception:
        return None, None


def compile_probe(source, calls_json, remember=False):
    """JSON {source, python}: every function of `source` compiled, and Python's value per call.

    For the compiler's tests: calls are [name, args]; a call that raises gives None. With
    `remember`, the compiled call sites reuse repeated arguments (compile_functions).
    """
    filename = "<compile_probe %d>" % len(linecache.cache)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType("compile_probe")
    exec(compile(source, filename, "exec"), module.__dict__)
    fns = {k: v for k, v in vars(module).items() if isinstance(v, types.FunctionType)}
    values = []
    for name, args in json.loads(calls_json):
        try:
            value = fns[name](*args)
        except Exception:
            value = None
        if isinstance(value, complex):
            value = None  # compiled code declines (PyFallback) where Python goes complex
        elif isinstance(value, tuple):
            value = [_json_number(v) for v in value]
        elif isinstance(value, float):
            value = _json_number(value)
        values.append(value)
    return json.dumps({"source": compile_functions(fns, bool(remember)), "python": values})
