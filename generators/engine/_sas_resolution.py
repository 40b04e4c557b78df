"""2-D pinhole resolution smearing, following sasmodels resolution2d.Pinhole2D (polar coords).

Private helper of generators/engine/sas_engine.py; pure Python + math so it runs in Pyodide.
Each pixel q is replaced by nr×nphi points on rings around it, out to NSIGMA standard deviations,
and the smeared intensity is their weighted average. As in sasmodels.data.empty_data2D, the radial
and perpendicular widths are both dq = resolution·|q|; there is no pixel-area integration.
"""
from math import atan, copysign, cos, exp, isfinite, pi, sin, sqrt
from operator import mul

from _sas_info import ModelError

# sasmodels resolution2d: NSIGMA, SIGMA_ZERO and the NR / NPHI tables per accuracy.
NSIGMA = 3.0
SIGMA_ZERO = 1.0e-10
ACCURACY = {"low": (3, 4), "med": (5, 6), "high": (5, 12), "xhigh": (10, 20)}


def check_settings(resolution, accuracy):
    """Return (dq/q as float, accuracy key); raise ModelError if either is bad."""
    if isinstance(resolution, bool) or not isinstance(resolution, (int, float)) \
            or not isfinite(resolution) or not 0.0 <= resolution < 1.0:
        raise ModelError("resolution dq/q must be a number in [0, 1), got %r" % (resolution,))
    key = accuracy.lower() if isinstance(accuracy, str) else accuracy
    if key not in ACCURACY:
        raise ModelError("accuracy must be one of %s, got %r"
                              % (", ".join(ACCURACY), accuracy))
    return float(resolution), key


# sasmodels Pinhole2D._calc_res: ring i sits at r_i = (i + ½)·NSIGMA/nr standard deviations, angle
# φ_j = 2πj/nphi; its weight is the 2-D Gaussian ring integral exp(-a²/2) − exp(-b²/2) over the
# ring [a, b] = [i, i+1]·NSIGMA/nr, shared by every angle. Bins run b = j·nr + i.
def ring_bins(accuracy):
    """[(r·cos φ, r·sin φ, weight)] for the nr×nphi bins, r in standard deviations."""
    nr, nphi = ACCURACY[accuracy]
    step = NSIGMA / nr
    bins = []
    for j in range(nphi):
        phi = j * 2.0 * pi / nphi
        for i in range(nr):
            r = step / 2.0 + i * step
            weight = exp(-0.5 * (r - step / 2.0) ** 2) - exp(-0.5 * (r + step / 2.0) ** 2)
            bins.append((r * cos(phi), r * sin(phi), weight))
    return bins


def _width(q, resolution):
    # sasmodels Pinhole2D._init_data: widths below SIGMA_ZERO are raised to it (q → 0).
    dq = resolution * q
    return dq if dq >= SIGMA_ZERO else SIGMA_ZERO


def smear_magnitudes(qs, resolution, accuracy):
    """|q| of every oversampled point, pixel-major: nbins values per entry of `qs` (isotropic)."""
    bins = ring_bins(accuracy)
    out = []
    for q in qs:
        dq = _width(q, resolution)
        out.extend([sqrt((q + dq * c) ** 2 + (dq * s) ** 2) for c, s, _ in bins])
    return out


def smear_points(px, py, resolution, accuracy):
    """(qx, qy) columns of every oversampled point, pixel-major: nbins points per pixel."""
    bins = ring_bins(accuracy)
    out_x, out_y = [], []
    for x, y in zip(px, py):
        q = sqrt(x * x + y * y)
        dq = _width(q, resolution)
        # sasmodels takes the pixel angle as arctan(qy/qx), not arctan2: pixels with qx < 0 are
        # smeared around -q, the same by I(q) = I(-q). qx = 0 gives ±π/2, as numpy's arctan(±inf).
        angle = atan(y / x) if x != 0.0 else copysign(pi / 2.0, y) if y != 0.0 else 0.0
        ca, sa = cos(angle), sin(angle)
        # rotate the ring point (q + dq·r cos φ, dq·r sin φ) by the pixel angle
        for c, s, _ in bins:
            a = q + dq * c
            b = dq * s
            out_x.append(a * ca - b * sa)
            out_y.append(a * sa + b * ca)
    return out_x, out_y


def smear_average(values, accuracy):
    """Per pixel, the weighted average of its nbins values (sasmodels Pinhole2D.apply)."""
    weights = [w for _, _, w in ring_bins(accuracy)]
    nbins = len(weights)
    total = sum(weights)
    return [sum(map(mul, values[k:k + nbins], weights)) / total
            for k in range(0, len(values), nbins)]
