"""Dispersity meshes and the 1D / 2D evaluation loops of the pure-Python sas engine.

Private helper of generators/engine/sas_engine.py. Parameters arrive already validated (a full dict).
Hot loops use map() over the q columns with itertools.repeat for the fixed arguments, so the
per-point work is one call of the model function and no Python-level loop body.
"""
from itertools import product as cartesian, repeat
from math import cos, exp, radians, sin, sqrt
from operator import add, itemgetter, mul, sub

from _sas_resolution import ring_bins, smear_average, smear_magnitudes, smear_points

_GRID_CACHE = {}


# sasmodels weights.py GaussianDispersion: value + linspace(-nσσ, nσσ, n), w = exp(-x²/2σ²);
# σ = pd·value for volume parameters, jitter centred on 0 for orientation; points outside the
# parameter limits are dropped.
def gaussian_points(value, width, npts, nsigma, lo, hi, relative):
    """Return [(point, weight)] of one Gaussian dispersity axis."""
    sigma = width * value if relative else width
    center = value if relative else 0.0
    if sigma == 0.0 or npts < 2:
        return [(center, 1.0)] if lo <= center <= hi else []
    half = nsigma * sigma
    step = 2.0 * half / (npts - 1)
    inv = -0.5 / (sigma * sigma)
    points = []
    for i in range(npts):
        x = -half + i * step if i < npts - 1 else half
        v = center + x
        if lo <= v <= hi:
            points.append((v, exp(x * x * inv)))
    return points


def volume_mesh(info, pars):
    """Tensor-product mesh over the volume dispersities: [(Iq argument tuple, weight)]."""
    axes = []
    for name in info.call_names:
        p = info.by_name[name]
        value = pars[name]
        if p.kind == "volume":
            lo, hi = p.limits
            axes.append(gaussian_points(value, pars[name + "_pd"], int(pars[name + "_pd_n"]),
                                        pars[name + "_pd_nsigma"], lo, hi, True))
        else:
            axes.append(((value, 1.0),))
    mesh = []
    for combo in cartesian(*axes):
        weight = 1.0
        for _, w in combo:
            weight *= w
        if weight > 0.0:  # sasmodels kernel_iq.c: weight > cutoff, cutoff = 0
            mesh.append((tuple(v for v, _ in combo), weight))
    return mesh


def mesh_moments(info, mesh):
    """Return (Σw, Σw·V_shell, Σw·V_form) over the mesh; V = 1 without form_volume."""
    sum_w = sum(w for _, w in mesh)
    form = info.form_volume
    if form is None:
        return sum_w, sum_w, sum_w
    vidx = info.volume_index
    sum_form = sum(w * form(*[args[i] for i in vidx]) for args, w in mesh)
    shell = info.shell_volume
    sum_shell = sum(w * shell(*[args[i] for i in vidx]) for args, w in mesh) if shell else sum_form
    return sum_w, sum_shell, sum_form


def weighted_sum(fn, qcols, mesh, scale=1.0):
    """Σ_mesh scale·w·fn(*q, *args) for every q point (qcols are parallel q columns)."""
    if len(mesh) == 1:
        args, w = mesh[0]
        vals = map(fn, *qcols, *map(repeat, args))
        factor = scale * w
        return list(vals) if factor == 1.0 else list(map(mul, vals, repeat(factor)))
    acc = None
    for args, w in mesh:
        vals = map(mul, map(fn, *qcols, *map(repeat, args)), repeat(scale * w))
        acc = list(vals) if acc is None else list(map(add, acc, vals))
    return acc if acc is not None else [0.0] * len(qcols[0])


def iq_plain(info, pars, qs):
    """I(q) = scale·ΣwIq/ΣwV + background (sasmodels kernel normalisation)."""
    mesh = volume_mesh(info, pars)
    _, sum_shell, _ = mesh_moments(info, mesh)
    norm = pars["scale"] / (sum_shell if sum_shell != 0.0 else 1.0)
    background = pars["background"]
    return [v + background for v in weighted_sum(info.Iq, [qs], mesh, norm)]


# sasmodels product.py: I = scale·volfraction/<V>·<F²>·S(q; R_eff) + background, with R_eff the
# weight-averaged P.radius_effective(mode) and S's volfraction scaled by form:shell volume ratio.
def product_terms(info, pars):
    """P's dispersity mesh and weight total, S's arguments, and the factor in front of <F²>·S."""
    p_info, _, s_names, volfrac_in_p = info.product
    mesh = volume_mesh(p_info, pars)
    sum_w, sum_shell, sum_form = mesh_moments(p_info, mesh)
    total = sum_w if sum_w != 0.0 else 1.0
    er_mode = int(pars["radius_effective_mode"])
    if er_mode > 0:
        vidx = p_info.volume_index
        reff_fn = p_info.radius_effective
        radius = sum(w * reff_fn(er_mode, *[a[i] for i in vidx]) for a, w in mesh) / total
    else:
        radius = pars[s_names[0]]
    volfrac = pars["volfraction"]
    ratio = sum_form / sum_shell if sum_shell != 0.0 else 1.0
    s_args = [radius, volfrac * ratio] + [pars[n] for n in s_names[2:]]
    shell = sum_shell / total if sum_shell != 0.0 else 1.0
    combined = pars["scale"] * (1.0 if volfrac_in_p else volfrac) / shell
    return mesh, total, s_args, combined


def iq_product(info, pars, qs):
    """I(q) of a P@S product model (structure_factor_mode 0: P·S, 1: beta approximation)."""
    p_info, s_info = info.product[0], info.product[1]
    mesh, total, s_args, combined = product_terms(info, pars)
    s_vals = list(map(s_info.Iq, qs, *map(repeat, s_args)))
    background = pars["background"]
    if pars["structure_factor_mode"] > 0:
        fq = p_info.Fq
        f1 = [0.0] * len(qs)
        f2 = [0.0] * len(qs)
        for args, w in mesh:
            for k, q in enumerate(qs):
                a, b = fq(q, *args)
                f1[k] += w * a
                f2[k] += w * b
        return [combined * (b / total + (a / total) ** 2 * (s - 1.0)) + background
                for a, b, s in zip(f1, f2, s_vals)]
    f2 = weighted_sum(p_info.Iq, [qs], mesh, 1.0 / total)
    return [combined * f * s + background for f, s in zip(f2, s_vals)]


def _grid(qx, qy, pixels=False):
    """Per detector grid: distinct |q| with scatter indices, and the half grid for I(-q) = I(q).

    qx, qy are the column and row axes, or with `pixels` Qx and Qy of every pixel (row-major).
    """
    key = (tuple(qx), tuple(qy), pixels)
    cached = _GRID_CACHE.get(key)
    if cached is not None:
        return cached
    slots, unique, index = {}, [], []
    for x, y in (zip(qx, qy) if pixels else ((x, y) for y in qy for x in qx)):
        q = sqrt(x * x + y * y)
        k = float("%.13g" % q)  # merge |q| that differ by rounding only (mirror pixels)
        slot = slots.get(k)
        if slot is None:
            slot = slots[k] = len(unique)
            unique.append(q)
        index.append(slot)
    if pixels:
        cached = (unique, itemgetter(*index), list(qx), list(qy), False, len(qx))
    else:
        cached = (unique, itemgetter(*index)) + _half_grid(qx, qy)
    if len(_GRID_CACHE) > 8:
        _GRID_CACHE.clear()
    _GRID_CACHE[key] = cached
    return cached


def _half_grid(qx, qy):
    """(px, py, symmetric, npix) of a product grid: half of it when both axes are symmetric."""
    tol = 1e-12 * max(max(map(abs, qx)), max(map(abs, qy)), 1e-300)
    nx, ny = len(qx), len(qy)
    symmetric = all(abs(qx[i] + qx[nx - 1 - i]) <= tol for i in range(nx)) and \
        all(abs(qy[i] + qy[ny - 1 - i]) <= tol for i in range(ny))
    count = (nx * ny + 1) // 2 if symmetric else nx * ny
    px = [qx[k % nx] for k in range(count)]
    py = [qy[k // nx] for k in range(count)]
    return px, py, symmetric, nx * ny


def image_isotropic(iq_fn, info, pars, qx, qy, pixels=False):
    """Image of a model without orientation: evaluate the distinct |q| only, then scatter."""
    unique, scatter, _, _, _, npix = _grid(qx, qy, pixels)
    values = iq_fn(info, pars, unique)
    if len(values) == 1:
        return [values[0]] * npix
    return list(scatter(values))


def _rz(a):
    c, s = cos(a), sin(a)
    return ((c, -s, 0.0), (s, c, 0.0), (0.0, 0.0, 1.0))


def _ry(a):
    c, s = cos(a), sin(a)
    return ((c, 0.0, s), (0.0, 1.0, 0.0), (-s, 0.0, c))


def _rx(a):
    c, s = cos(a), sin(a)
    return ((1.0, 0.0, 0.0), (0.0, c, -s), (0.0, s, c))


def _matmul(a, b):
    # plain left-to-right float additions ((0.0 + a0·b0) + a1·b1) + a2·b2, which is what sum()
    # gave before CPython 3.12; from 3.12 (Pyodide here runs 3.14) sum() of floats compensates
    # its rounding, so it can differ from this in the last bit
    (b00, b01, b02), (b10, b11, b12), (b20, b21, b22) = b
    return tuple((0.0 + x * b00 + y * b10 + z * b20,
                  0.0 + x * b01 + y * b11 + z * b21,
                  0.0 + x * b02 + y * b12 + z * b22) for x, y, z in a)


# sasmodels orientation (reference README): R = Rz(φ)Ry(θ)Rz(ψ)·Rx(Δφ)Ry(Δθ)Rz(Δψ),
# jitter weight × |cos Δθ|.
def orientation_mesh(info, pars):
    """[(R, weight)] over the orientation jitter (only used in 2D)."""
    view = _matmul(_matmul(_rz(radians(pars["phi"])), _ry(radians(pars["theta"]))),
                   _rz(radians(pars.get("psi", 0.0))))
    axes = {}
    for name in ("theta", "phi", "psi"):
        if name in info.by_name:
            lo, hi = info.by_name[name].limits
            axes[name] = gaussian_points(0.0, pars[name + "_pd"], int(pars[name + "_pd_n"]),
                                         pars[name + "_pd_nsigma"], lo, hi, False)
        else:
            axes[name] = ((0.0, 1.0),)
    mesh = []
    for (dt, wt), (dp, wp), (ds, ws) in cartesian(axes["theta"], axes["phi"], axes["psi"]):
        weight = wt * wp * ws * abs(cos(radians(dt)))
        if weight > 0.0:
            jitter = _matmul(_matmul(_rx(radians(dp)), _ry(radians(dt))), _rz(radians(ds)))
            mesh.append((_matmul(view, jitter), weight))
    return mesh


def image_oriented(info, pars, qx, qy, pixels=False):
    """Image of an oriented model: Σ over orientation jitter × size mesh of Iqac / Iqabc."""
    _, _, px, py, symmetric, npix = _grid(qx, qy, pixels)
    half = points_oriented(info, pars, px, py)
    if symmetric:
        return half + half[:npix - len(half)][::-1]
    return half


def points_oriented(info, pars, px, py):
    """I(qx, qy) of an oriented model at the points (px[k], py[k]), background included."""
    mesh = volume_mesh(info, pars)
    omesh = orientation_mesh(info, pars)
    _, sum_shell, _ = mesh_moments(info, mesh)
    sum_o = sum(w for _, w in omesh)
    denominator = sum_shell * sum_o
    norm = pars["scale"] / (denominator if denominator != 0.0 else 1.0)
    if info.oriented == "ac":
        q2 = [x * x + y * y for x, y in zip(px, py)]
    acc = None
    for r, wo in omesh:
        # [qa, qb, qc]ᵀ = Rᵀ [qx, qy, 0]ᵀ
        r02, r12 = r[0][2], r[1][2]
        qc = [r02 * x + r12 * y for x, y in zip(px, py)]
        if info.oriented == "ac":
            # sasmodels kernel_iq.c qac_apply: qab from qab² = |q|² − qc², clipped at 0
            qab = [sqrt(d) if d > 0.0 else 0.0 for d in map(sub, q2, map(mul, qc, qc))]
            cols, fn = [qab, qc], info.Iqac
        else:
            r00, r10, r01, r11 = r[0][0], r[1][0], r[0][1], r[1][1]
            qa = [r00 * x + r10 * y for x, y in zip(px, py)]
            qb = [r01 * x + r11 * y for x, y in zip(px, py)]
            cols, fn = [qa, qb, qc], info.Iqabc
        part = weighted_sum(fn, cols, mesh, norm * wo)
        acc = part if acc is None else list(map(add, acc, part))
    background = pars["background"]
    return [v + background for v in acc] if acc is not None else [background] * len(px)


def image_isotropic_smeared(iq_fn, info, pars, qx, qy, resolution, accuracy, pixels=False):
    """Pinhole-smeared image of a model without orientation: smear each distinct |q| once."""
    unique, scatter, _, _, _, npix = _grid(qx, qy, pixels)
    # dq ∝ |q| in both directions, so every oversampled |q| depends on the pixel's |q| alone
    points = smear_magnitudes(unique, resolution, accuracy)
    values = smear_average(iq_fn(info, pars, points), accuracy)
    if len(values) == 1:
        return [values[0]] * npix
    return list(scatter(values))


def image_oriented_smeared(info, pars, qx, qy, resolution, accuracy, pixels=False,
                           max_points=65536):
    """Pinhole-smeared image of an oriented model, evaluated in pixel blocks to bound memory."""
    _, _, px, py, symmetric, npix = _grid(qx, qy, pixels)
    step = max(1, max_points // len(ring_bins(accuracy)))
    half = []
    for start in range(0, len(px), step):
        sx, sy = smear_points(px[start:start + step], py[start:start + step], resolution,
                              accuracy)
        half.extend(smear_average(points_oriented(info, pars, sx, sy), accuracy))
    # Pinhole2D smears q and -q over the same points (its arctan angle), so I(-q) = I(q) holds
    if symmetric:
        return half + half[:npix - len(half)][::-1]
    return half
