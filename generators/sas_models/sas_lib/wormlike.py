"""Single-chain structure factor of a semiflexible (wormlike) chain with excluded volume.

Pedersen & Schurtenberger, Macromolecules 29 (1996) 7602 ("method 3", with the
correction of Chen et al., J. Chem. Phys. 124 (2006) 104909), in the form used by
sasmodels lib/wrc_cyl.c. L is the contour length, b the Kuhn length, both in Å.
"""
from math import cosh, exp, expm1, pi, pow, sqrt, tanh

# Pedersen eq. 13 and 16 fit constants.
_C1 = 1.22
_C2 = 0.4288
_C3 = -1.651
_C4 = 1.523
_C5 = 0.1477
_MIU = 0.585


def rg_squared(L, b):
    """Rg² of a chain with excluded volume, Pedersen eq. 15: α²·L·b/6."""
    x = L / b
    # α² = [1 + (x/3.12)² + (x/8.67)³]^(0.176/3), written with Horner's rule.
    alpha_sq = pow(1.0 + x * x * (1.027284681130835e-01 + 1.534414548417740e-03 * x),
                   5.866666666666667e-02)
    return alpha_sq * L * b / 6.0


def rg_squared_short(L, b):
    """Rg² corrected for short chains (finite number of Kuhn segments), Pedersen eq. 15."""
    r = b / L
    return rg_squared(L, b) * (1.0 + r * (-1.5 + r * (1.5 + r * 0.75 * expm1(-2.0 / r))))


def _crossover(x):
    """Pedersen eq. 16 switching function w(x) = [1 + tanh((x − C4)/C5)]/2."""
    return 0.5 + 0.5 * tanh((x - _C4) / _C5)


def _sech2(x):
    """sech²(x); 0 where cosh(x)² overflows a double (|x| > 354), as sasmodels' C kernel gets."""
    return 0.0 if abs(x) > 354.0 else 1.0 / (cosh(x) ** 2)


def debye(qsq):
    """Debye function 2(e^−u + u − 1)/u² of u = (q·Rg)²; Padé form near 0 avoids cancellation."""
    if qsq < 0.25:
        # [4/4] Padé approximant of the Debye function (sasmodels wrc_cyl.c, error ~1e-15).
        x = qsq
        num = (((x / 75600.0 + 0.0) * x + 1.0 / 60.0) * x + 1.0 / 15.0) * x + 1.0
        den = (((x / 5040.0 + 1.0 / 180.0) * x + 1.0 / 15.0) * x + 2.0 / 5.0) * x + 1.0
        return num / den
    return 2.0 * (expm1(-qsq) + qsq) / (qsq * qsq)


def _s_excluded_volume(q, rg):
    """Pedersen eq. 13 with Chen's eq. A.5 correction (w and 1 − w swapped); rg = √Rg²."""
    qr = q * rg
    qr_miu = pow(qr, -1.0 / _MIU)
    w = _crossover(qr)
    debye_part = debye(qr * qr) * (1.0 - w)
    power_part = ((_C3 * qr_miu + _C2) * qr_miu + _C1) * qr_miu
    return debye_part + w * power_part


def _s_excluded_volume_rod(q, L, b):
    """Long-chain S(q) at q·b <= 3.1, with the finite-stiffness term of Pedersen eq. 14."""
    rg = sqrt(rg_squared(L, b))
    qr = q * rg
    qr2 = qr * qr
    c = 3.06 * pow(L / b, -0.44) if L / b > 10.0 else 1.0
    stiff = c * b / L * (4.0 - exp(-qr2) * (11.0 + 7.0 / qr2) + 7.0 / qr2) / 15.0
    s_orig = _s_excluded_volume(q, rg)
    # Forward difference of S decides whether the power-law branch is still decreasing.
    slope = (_s_excluded_volume(q * 1.05, rg) - s_orig) / (q * (1.05 - 1.0))
    if slope < 0:
        return stiff + s_orig
    w = _crossover(qr)
    return stiff + debye(qr2) * (1.0 - w)


def _a_long(q, L, b):
    """Long-chain S(q) at q·b > 3.1: Pedersen eq. 18–20 power-law tail matched at q0."""
    p1 = 4.12
    p2 = 4.42
    q0 = 3.1
    c = 3.06 * pow(L / b, -0.44) if L / b > 10.0 else 1.0
    r2 = rg_squared(L, b)
    r = sqrt(r2)
    qr_b = q0 * r / b
    qr_b_sq = qr_b * qr_b
    qr_b_4 = qr_b_sq * qr_b_sq
    qr_b_miu = pow(qr_b, -1.0 / _MIU)
    em1 = expm1(-qr_b_sq)
    sech2 = _sech2((qr_b - _C4) / _C5)
    w = _crossover(qr_b)

    t1 = pow(q0, 1.0 + p1 + p2) / (b * (p1 - p2))
    t2 = c / (15.0 * L) * (14.0 * b * b * em1 / (q0 * qr_b_sq)
                           + 2.0 * q0 * r2 * exp(-qr_b_sq) * (11.0 + 7.0 / qr_b_sq))
    t11 = ((_C3 * qr_b_miu + _C2) * qr_b_miu + _C1) * qr_b_miu
    t3 = r * sech2 / (2.0 * _C5) * t11
    t4 = r * (em1 + qr_b_sq) * sech2 / (_C5 * qr_b_4)
    t5 = -4.0 * r * qr_b * em1 / qr_b_4 * (1.0 - w)
    t10 = 2.0 * (em1 + qr_b_sq) / qr_b_4 * (1.0 - w)
    t6 = 4.0 * b / q0 * t10
    t7 = r * ((-3.0 * _C3 * qr_b_miu - 2.0 * _C2) * qr_b_miu - 1.0 * _C1) * qr_b_miu / (_MIU * qr_b)
    t9 = c * b / L * (4.0 - exp(-qr_b_sq) * (11.0 + 7.0 / qr_b_sq) + 7.0 / qr_b_sq) / 15.0
    t12 = b * b * pi / (L * q0 * q0) + t2 + t3 - t4 + t5 - t6 + t7 * w
    t13 = -b * pi / (L * q0) + t9 + t10 + t11 * w

    a1 = pow(q0, p1) * t13 - t1 * pow(q0, -p2) * (t12 + b * p1 / q0 * t13)
    a2 = t1 * pow(q0, -p1) * (t12 + b * p1 / q0 * t13)
    return a1 * pow(q * b, -p1) + a2 * pow(q * b, -p2) + pi / (q * L)


def _short_coefficient(r2, exp_qr_b, L, b, p1, p2, q0):
    """Matching coefficient of the short-chain power-law tail (Pedersen eq. 26)."""
    qr2 = q0 * q0 * r2
    b3 = b * b * b
    q0p = pow(q0, -4.0 + p1)
    return 1.0 / (L * r2 * r2) * b / exp_qr_b * q0p * (
        8.0 * b3 * L
        - 8.0 * b3 * exp_qr_b * L
        + 2.0 * b3 * exp_qr_b * L * p2
        - 2.0 * b * exp_qr_b * L * p2 * qr2
        + 4.0 * b * exp_qr_b * L * qr2
        - 2.0 * b3 * L * p2
        + 4.0 * b * L * qr2
        - pi * exp_qr_b * qr2 * q0 * r2
        + pi * exp_qr_b * p2 * qr2 * q0 * r2)


def _a_short(q, L, b, q0):
    """Short-chain S(q) beyond q0: two power laws plus the rod limit π/(qL)."""
    p1 = 5.36
    p2 = 5.62
    r2 = rg_squared_short(L, b)
    exp_qr_b = exp(r2 * (q0 / b) ** 2)
    pdiff = p1 - p2
    a1 = _short_coefficient(r2, exp_qr_b, L, b, p1, p2, q0) / pdiff
    a2 = -_short_coefficient(r2, exp_qr_b, L, b, p2, p1, q0) / pdiff
    return a1 * pow(q * b, -p1) + a2 * pow(q * b, -p2) + pi / (q * L)


def Sk_WR(q, L, b):
    """Pedersen–Schurtenberger S(q) of a wormlike chain (contour L, Kuhn length b)."""
    if L > 4.0 * b:
        if q * b <= 3.1:
            return _s_excluded_volume_rod(q, L, b)
        return _a_long(q, L, b)
    rg_short_sq = rg_squared_short(L, b)
    q0short = max(1.9 / sqrt(rg_short_sq), 3.0)
    if q * b <= q0short:
        return debye(q * q * rg_short_sq)
    return _a_short(q, L, b, q0short)
