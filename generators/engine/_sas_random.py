"""Random parameter sets: the "realistic random recipe" of ../shared/reference/README.md.

Private helper of generators/engine/sas_engine.py. Mirrors sasmodels compare.randomize_pars(is2d=True),
the model's random(), compare._random_pd and compare.constrain_pars, but draws from Python's
`random` module, so the distributions match sasmodels while the exact numbers do not.
"""
import hashlib
import math
import random as rng

from _sas_info import ModelError

REALISTIC_MIX = [
    "sphere", "core_shell_sphere", "fuzzy_sphere", "lamellar", "cylinder",
    "core_shell_cylinder", "ellipsoid", "parallelepiped", "guinier", "lorentz", "power_law",
    "broad_peak",
]
_MODE_PARS = ("structure_factor_mode", "radius_effective_mode")


def image_seed(base_seed, index):
    """Deterministic per-image seed; different base seeds give unrelated (disjoint) streams."""
    digest = hashlib.sha256(("sasquash-image:%d:%d" % (base_seed, index)).encode()).digest()
    return int.from_bytes(digest[:6], "little")  # < 2**48, exact as a JavaScript number


# sasmodels compare._randomize_one: the per-parameter fallback draws, before the model's random().
def _randomize_one(info, name, value):
    if name.endswith("_pd"):
        if info.by_name[name[:-3]].kind == "orientation":
            return 180.0 * rng.betavariate(2.5, 20)
        return rng.betavariate(1.5, 7)
    if name.endswith("_pd_n"):
        return 0
    if name.endswith("_pd_type"):
        return "gaussian"
    if name.endswith("_pd_nsigma"):
        return 3.0
    if name == "background":
        return 10 ** rng.uniform(-2, 0)
    if name == "scale":
        return 10 ** rng.uniform(-3, -0.5)
    if name in _MODE_PARS:
        return value  # product choice parameters keep their defaults
    par = info.by_name[name]
    lo, hi = par.limits
    if math.isfinite(lo) and math.isfinite(hi):
        return rng.uniform(lo, hi)
    if par.kind == "sld":
        return rng.uniform(-0.5, 12)
    if par.kind == "volume" and any(s in name for s in ("length", "radius", "thick")):
        return 10 ** rng.uniform(2, 4)
    low, high = (2.0 * value, -2.0 * value) if value < 0 else (0.0, 2.0 * value or 1.0)
    return rng.uniform(max(lo, low), min(hi, high))


def _model_random(info):
    """The model's own random(); for P@S, P's draws plus S's draws for S's table parameters."""
    if info.product is None:
        return dict(info.random()) if callable(info.random) else {}
    p_info, s_info, s_names, _ = info.product
    out = dict(p_info.random()) if callable(p_info.random) else {}
    if callable(s_info.random):
        translate = {p.name: new for p, new in zip(s_info.parameters, s_names)}
        out.update((translate[k], v) for k, v in s_info.random().items() if k in translate)
    return out


def _weighted_pick(names, values, count):
    """Pick up to `count` distinct names with probability proportional to their value."""
    names, weights = list(names), [max(v, 0.0) for v in values]
    chosen = []
    while names and len(chosen) < count:
        total = sum(weights)
        k = rng.randrange(len(names)) if total <= 0 else _index(weights, rng.random() * total)
        chosen.append(names.pop(k))
        weights.pop(k)
    return chosen


def _index(weights, target):
    for k, w in enumerate(weights):
        target -= w
        if target < 0:
            return k
    return len(weights) - 1


# sasmodels 1.1.0 compare._random_pd(is2d=True) as summarised in the reference README.
def _random_pd(info, pars):
    k = 0
    if info.oriented:
        if rng.random() < 0.8:
            pars["theta_pd_n"], k = 20, k + 1
        if rng.random() < 0.1:
            pars["phi_pd_n"], k = 5, k + 1
        if "psi" in info.by_name and rng.random() < 0.1:
            pars["psi_pd_n"], k = 5, k + 1
    sizes = [p.name for p in info.parameters if p.kind == "volume"]
    if not sizes or rng.random() < k / (1.0 + k):
        return
    u = rng.random()
    count = 0 if u < 0.01 else 1 if u < 0.66 else 2 if u < 0.99 else 3
    picked = _weighted_pick(sizes, [pars[n] for n in sizes], count)
    for name, npts in zip(picked, (35, 25, 10, 5)[0 if count == 1 else 1:]):
        pars[name + "_pd_n"] = npts


# sasmodels compare.constrain_pars (only the catalog models that need it).
def _constrain(info, pars):
    name = info.product[0].name if info.product is not None else info.name
    if name == "guinier":
        rg_max = math.sqrt(90 * math.log(10) + 3 * math.log(pars["scale"])) / 1.0
        pars["rg"] = min(pars["rg"], rg_max)
    elif name == "pearl_necklace" and pars["radius"] < pars["thick_string"]:
        pars["radius"], pars["thick_string"] = pars["thick_string"], pars["radius"]


def draw_pars(info, defaults, seed):
    """Return (pars, polydisperse) for one image of the realistic random recipe."""
    rng.seed(seed)
    pars = {name: _randomize_one(info, name, value) for name, value in sorted(defaults.items())}
    own = _model_random(info)
    unknown = [k for k in own if k not in pars]
    if unknown:
        raise ModelError("%s: random() returned unknown parameters %s" % (info.name, unknown))
    pars.update(own)
    _random_pd(info, pars)
    _constrain(info, pars)
    rng.seed(seed + 7919)
    if rng.random() >= 0.5:
        for name in info.pd_names:
            pars[name + "_pd_n"] = 0
    for name in info.pd_names:
        if pars[name + "_pd_n"] == 0:
            pars[name + "_pd"] = 0.0
    if "scale" not in own:
        pars["scale"] = 1.0
    if "background" not in own:
        pars["background"] = 0.001
    for p in info.parameters:  # hardsphere's random volfraction may exceed its 0.74 limit
        lo, hi = p.limits
        pars[p.name] = min(max(float(pars[p.name]), lo), hi)
    polydisperse = any(pars[n + "_pd_n"] > 0 and pars[n + "_pd"] > 0 for n in info.pd_names)
    return pars, polydisperse

