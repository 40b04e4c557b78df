"""Pure-Python, sasmodels-compatible evaluation engine for SasView plugin models.

Runs under CPython 3.11+ and Pyodide (no numpy). Models live in generators/sas_models/<name>.py;
products are named "P@S" (e.g. sphere@hardsphere). Conventions follow sasmodels 1.1.0, see
../shared/reference/README.md ("sasmodels conventions").

Example:
    info = get_model("sphere")
    iq = iq_1d(info, {"radius": 40}, [0.01, 0.1])
    raw = render_f32("cylinder", '{"theta": 30}', 0.3, 64)  # 64*64 float32 little endian
    smeared = render_f32("sphere", "{}", 0.3, 64, resolution=0.1, accuracy="med")
"""
import json
import math
import os
import struct
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
# the helper modules _sas_*.py sit beside this file; the kernel compiler in ../compiled
for _dir in (os.path.normpath(os.path.join(_HERE, "..", "compiled")), _HERE):
    if _dir not in sys.path:
        sys.path.insert(0, _dir)
from _sas_info import (ModelError, ModelInfo, Parameter, ensure_models_path, load_model_source,
                       make_product_info)
from _sas_kernel import (image_isotropic, image_isotropic_smeared, image_oriented,
                         image_oriented_smeared, iq_plain, iq_product)
from _sas_resolution import check_settings
from _sas_random import REALISTIC_MIX, draw_pars, image_seed

__all__ = [
    "ModelError", "ModelInfo", "Parameter", "load_model_source", "get_model", "register_model",
    "default_pars", "validate_pars", "iq_1d", "image_2d", "render_f32", "define_grid", "grid_of",
    "grid_points", "render_grid_f32", "random_pars",
    "image_seed", "REALISTIC_MIX",
]

MODELS_DIR = os.path.normpath(os.path.join(_HERE, "..", "sas_models"))
FLOAT32_MAX = 3.4028234663852886e38
PD_TYPES_KNOWN = ("rectangle", "uniform", "lognormal", "schulz", "boltzmann", "array")
_CATALOG = {}
_REGISTERED = {}
# define_grid: key → (qx, qy, pixels, width), and canonical spec JSON → key
_GRIDS = {}
_GRID_KEYS = {}

ensure_models_path(MODELS_DIR)


def register_model(info):
    """Make a user plugin (from load_model_source) available to get_model by its name."""
    if not isinstance(info, ModelInfo):
        raise ModelError("register_model expects a ModelInfo from load_model_source")
    _REGISTERED[info.name] = info
    for key in [k for k in _CATALOG if info.name in k.split("@")]:
        del _CATALOG[key]
    return info


def _load_single(name):
    if name in _REGISTERED:
        return _REGISTERED[name]
    if name in _CATALOG:
        return _CATALOG[name]
    if not name.isidentifier():
        raise ModelError("unknown model %r: a model name must be an identifier" % name)
    path = os.path.join(MODELS_DIR, name + ".py")
    if not os.path.exists(path):
        raise ModelError("unknown model %r: no file generators/sas_models/%s.py" % (name, name))
    with open(path, encoding="utf-8") as f:
        info = load_model_source(f.read(), "generators/sas_models/%s.py" % name)
    if info.name != name:
        raise ModelError("generators/sas_models/%s.py: name is %r, expected %r"
                         % (name, info.name, name))
    _CATALOG[name] = info
    return info


def get_model(name):
    """Look up a catalog or registered model by name, including products "P@S"."""
    if not isinstance(name, str):
        raise ModelError("model name must be a string, got %r" % (name,))
    if "@" not in name:
        return _load_single(name)
    if name in _CATALOG:
        return _CATALOG[name]
    parts = name.split("@")
    if len(parts) != 2:
        raise ModelError("product model %r must be written P@S" % name)
    info = make_product_info(_load_single(parts[0]), _load_single(parts[1]))
    _CATALOG[name] = info
    return info


def default_pars(info):
    """Full parameter dict: scale 1, background 0.001, defaults, and pd entries per pd parameter."""
    pars = {"scale": 1.0, "background": 0.001}
    for p in info.parameters:
        pars[p.name] = p.default
        if p.polydisperse:
            pars[p.name + "_pd"] = 0.0
            pars[p.name + "_pd_n"] = 0
            pars[p.name + "_pd_nsigma"] = 3.0
            pars[p.name + "_pd_type"] = "gaussian"
    return pars


def _number(info, key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ModelError("%s: parameter %r must be a number, got %r" % (info.name, key, value))
    value = float(value)
    if not math.isfinite(value):
        raise ModelError("%s: parameter %r must be finite, got %r" % (info.name, key, value))
    return value


def validate_pars(info, pars, is2d=False):
    """Return the full, checked parameter dict (defaults filled in); raise ModelError if bad."""
    if not isinstance(pars, dict):
        raise ModelError("%s: parameters must be a dict, got %s" % (info.name, type(pars).__name__))
    full = default_pars(info)
    for key, value in pars.items():
        if key not in full:
            raise ModelError("%s: unknown parameter %r; known: %s"
                             % (info.name, key, ", ".join(sorted(full))))
        if key.endswith("_pd_type"):
            if value == "gaussian":
                continue
            if value in PD_TYPES_KNOWN:
                raise ModelError("%s: %s=%r is not supported by this engine (only 'gaussian')"
                                 % (info.name, key, value))
            raise ModelError("%s: %s=%r is not a dispersity type" % (info.name, key, value))
        value = _number(info, key, value)
        if key.endswith("_pd_n"):
            if value < 0 or value != int(value) or value > 10000:
                raise ModelError("%s: %s must be an integer in [0, 10000], got %r"
                                 % (info.name, key, value))
            value = int(value)
        elif key.endswith(("_pd", "_pd_nsigma")):
            if value < 0:
                raise ModelError("%s: %s must be >= 0, got %r" % (info.name, key, value))
        elif key == "scale":
            if value < 0:
                raise ModelError("%s: scale must be >= 0, got %r" % (info.name, value))
        elif key != "background":
            lo, hi = info.by_name[key].limits
            if not lo <= value <= hi:
                raise ModelError("%s: %s=%r is outside its limits [%g, %g]"
                                 % (info.name, key, value, lo, hi))
        full[key] = value
    if info.product is not None:
        if is2d and full["structure_factor_mode"] > 0:
            raise ModelError("%s: structure_factor_mode=1 (beta approximation) is 1D only; "
                             "sasmodels raises NotImplementedError in 2D" % info.name)
        p_info = info.product[0]
        if full["structure_factor_mode"] > 0 and not callable(p_info.Fq):
            raise ModelError("%s: structure_factor_mode=1 needs Fq in %s"
                             % (info.name, p_info.name))
        if full["radius_effective_mode"] >= 1 and not callable(p_info.radius_effective):
            raise ModelError("%s: radius_effective_mode=%g needs radius_effective in %s"
                             % (info.name, full["radius_effective_mode"], p_info.name))
    return full


def _check_q(info, name, values):
    try:
        values = [float(v) for v in values]
    except (TypeError, ValueError):
        raise ModelError("%s: %s must be a list of numbers" % (info.name, name)) from None
    if not all(math.isfinite(v) for v in values):
        raise ModelError("%s: %s contains a non-finite value" % (info.name, name))
    return values


def iq_1d(info, pars, q_list):
    """I(q) at the given q (1/Å); orientation dispersity is ignored in 1D, as in sasmodels."""
    full = validate_pars(info, pars)
    qs = _check_q(info, "q", q_list)
    return (iq_product if info.product is not None else iq_plain)(info, full, qs)


def image_2d(info, pars, qx_list, qy_list, resolution=0.0, accuracy="low", pixels=False):
    """Flat image, pixel [iy][ix] (index iy*nx+ix) at (qx[ix], qy[iy]).

    resolution > 0 applies sasmodels' Pinhole2D smearing with dq = resolution·|q| in both
    directions (empty_data2D), oversampled per `accuracy` ('low', 'med', 'high', 'xhigh').
    With `pixels`, qx and qy hold every pixel's coordinates: pixel k is at (qx[k], qy[k]).
    """
    full = validate_pars(info, pars, is2d=True)
    qx = _check_q(info, "qx", qx_list)
    qy = _check_q(info, "qy", qy_list)
    if not qx or not qy:
        raise ModelError("%s: qx and qy must not be empty" % info.name)
    if pixels and len(qx) != len(qy):
        raise ModelError("%s: per-pixel qx and qy differ in length (%d, %d)"
                         % (info.name, len(qx), len(qy)))
    try:
        resolution, accuracy = check_settings(resolution, accuracy)
    except ModelError as exc:
        raise ModelError("%s: %s" % (info.name, exc)) from None
    fn = iq_product if info.product is not None else iq_plain
    if resolution > 0.0:
        if info.oriented:
            return image_oriented_smeared(info, full, qx, qy, resolution, accuracy, pixels)
        return image_isotropic_smeared(fn, info, full, qx, qy, resolution, accuracy, pixels)
    if info.oriented:
        return image_oriented(info, full, qx, qy, pixels)
    return image_isotropic(fn, info, full, qx, qy, pixels)


def detector_q(qmax, size):
    """numpy.linspace(-qmax, qmax, size): the detector axis used by render_f32."""
    if size < 2:
        raise ModelError("image size must be >= 2, got %r" % (size,))
    step = 2.0 * qmax / (size - 1)
    q = [-qmax + i * step for i in range(size)]
    q[-1] = qmax
    return q


def render_f32(name, pars_json, qmax, size, resolution=0.0, accuracy="low"):
    """Render a size×size image on linspace(-qmax, qmax, size) as float32 little-endian bytes.

    resolution (dq/q, default 0 = none) and accuracy smear as in image_2d.
    """
    if not (isinstance(qmax, (int, float)) and math.isfinite(qmax) and qmax > 0):
        raise ModelError("%s: qmax must be a positive number, got %r" % (name, qmax))
    q = detector_q(float(qmax), int(size))
    return _render(name, pars_json, (q, q, False, len(q)), resolution, accuracy)


def define_grid(spec):
    """Key of a detector grid for render_grid_f32, from its JSON spec (see grid_of)."""
    text = json.dumps(spec, sort_keys=True)
    key = _GRID_KEYS.get(text)
    if key is None:
        grid = grid_of(spec)
        key = _GRID_KEYS[text] = "grid%d" % len(_GRIDS)
        _GRIDS[key] = grid
    return key


def grid_of(spec):
    """(qx, qy, pixels, width) of a grid spec: {"qmax", "size"} (linspace on both axes),
    {"qx", "qy"} (column and row axes) or {"qx", "qy", "height", "width"} (per pixel)."""
    if "qmax" in spec:
        qmax, size = spec["qmax"], spec["size"]
        if isinstance(qmax, bool) or not isinstance(qmax, (int, float)) \
                or not math.isfinite(qmax) or qmax <= 0:
            raise ModelError("grid: qmax must be a positive number, got %r" % (qmax,))
        q = detector_q(float(qmax), int(size))
        return q, q, False, len(q)
    qx, qy = _grid_values("qx", spec.get("qx")), _grid_values("qy", spec.get("qy"))
    if "height" not in spec:
        return qx, qy, False, len(qx)
    height, width = spec["height"], spec["width"]
    if not (isinstance(height, int) and isinstance(width, int) and height > 0 and width > 0
            and len(qx) == len(qy) == height * width):
        raise ModelError("grid: per-pixel qx and qy need height·width values each, got %d and %d"
                         " for %r×%r" % (len(qx), len(qy), height, width))
    return qx, qy, True, width


def _grid_values(name, values):
    if not isinstance(values, list) or not values:
        raise ModelError("grid: %s must be a non-empty list of numbers" % name)
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ModelError("grid: %s[%d] = %r is not a finite number" % (name, i, v))
    return [float(v) for v in values]


def grid_points(key):
    """(qx, qy, pixels, width) of the grid `key` of define_grid."""
    if key not in _GRIDS:
        raise ModelError("unknown grid %r: define it first" % (key,))
    return _GRIDS[key]


def render_grid_f32(name, pars_json, key, resolution=0.0, accuracy="low"):
    """Render an image on the grid `key` of define_grid as float32 little-endian bytes."""
    return _render(name, pars_json, grid_points(key), resolution, accuracy)


def _render(name, pars_json, grid, resolution, accuracy):
    info = get_model(name)
    try:
        pars = json.loads(pars_json)
    except ValueError as exc:
        raise ModelError("%s: parameters are not valid JSON: %s" % (name, exc)) from None
    qx, qy, pixels, width = grid
    image = image_2d(info, pars, qx, qy, resolution, accuracy, pixels)
    # sum() propagates inf/nan, struct raises OverflowError past the float32 range: both are
    # C loops, much cheaper in Pyodide than testing pixel by pixel.
    try:
        if math.isfinite(sum(image)):
            return struct.pack("<%df" % len(image), *image)
    except OverflowError:
        pass
    k = next(k for k, v in enumerate(image) if not math.isfinite(v) or abs(v) > FLOAT32_MAX)
    raise ModelError("%s: intensity %r at pixel %d (iy=%d, ix=%d) is not a finite float32 for %s"
                     % (name, image[k], k, k // width, k % width, pars_json))


def random_pars(info, seed):
    """(pars, polydisperse) of the realistic random recipe for one image, seeded by `seed`."""
    pars, polydisperse = draw_pars(info, default_pars(info), int(seed))
    return validate_pars(info, pars), polydisperse
