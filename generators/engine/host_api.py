"""Entry points the TypeScript host calls inside Pyodide: plain types in, JSON/bytes out."""
import array
import json
import sys

import sas_engine
from _sas_plan import (compile_probe, grid_data, host_plan, host_random_plan,  # noqa: F401
                       model_kernels)


def host_model_info(name):
    """Parameter table and flags of a catalog or registered model, as JSON."""
    info = sas_engine.get_model(name)
    return json.dumps({
        "name": info.name,
        "parameters": [list(p) for p in info.parameters],
        "oriented": info.oriented,
        "structure_factor": bool(info.is_structure_factor),
        "defaults": sas_engine.default_pars(info),
    }, allow_nan=False, default=str)


def host_define_grid(spec_json):
    """Key of a detector grid ({"qmax", "size"}, axes {"qx", "qy"} or per pixel), for renders."""
    return sas_engine.define_grid(json.loads(spec_json))


def host_render(name, pars_json, grid, resolution=0.0, accuracy="low"):
    """Image of one model at exactly the given parameters (float32 LE bytes) and the full dict."""
    info = sas_engine.get_model(name)
    pars = sas_engine.validate_pars(info, json.loads(pars_json))
    image = sas_engine.render_grid_f32(name, json.dumps(pars), grid, resolution, accuracy)
    return image, json.dumps(pars)


def host_random(name, base_seed, index, grid, resolution=0.0, accuracy="low"):
    """The realistic random draw for image `index` of a stream: (label JSON, float32 bytes)."""
    info = sas_engine.get_model(name)
    seed = sas_engine.image_seed(base_seed, index)
    pars, poly = sas_engine.random_pars(info, seed)
    image = sas_engine.render_grid_f32(name, json.dumps(pars), grid, resolution, accuracy)
    label = {"index": index, "seed": seed, "model": name, "polydisperse": bool(poly),
             "params": pars}
    return json.dumps(label), image


def host_register_plugin(source, filename):
    """Validate and register a user's SasView plugin model; returns its name."""
    info = sas_engine.load_model_source(source, filename)
    sas_engine.register_model(info)
    return info.name


def host_iq_1d(name, pars_json, q_list):
    """1-D I(q) of a model at the given parameters, as float64 LE bytes."""
    info = sas_engine.get_model(name)
    pars = sas_engine.validate_pars(info, json.loads(pars_json))
    return _f64(sas_engine.iq_1d(info, pars, list(q_list)))


def host_image_2d(name, pars_json, qx_list, qy_list, pixels=False):
    """2-D image on the given axes (layout [iy][ix]), or at the given pixels, as float64 LE bytes."""
    info = sas_engine.get_model(name)
    pars = sas_engine.validate_pars(info, json.loads(pars_json), is2d=True)
    return _f64(sas_engine.image_2d(info, pars, list(qx_list), list(qy_list), pixels=pixels))


def _f64(values):
    out = array.array("d", values)
    if sys.byteorder != "little":
        out.byteswap()
    return out.tobytes()
