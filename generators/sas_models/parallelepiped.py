r"""Rectangular parallelepiped (brick) with uniform SLD (sasmodels "parallelepiped").

F = Δρ·V·sinc(½qa·A)·sinc(½qb·B)·sinc(½qc·C), V = A·B·C, with qa, qb, qc the components
of q along the edges (Mittelbach & Porod, Acta Phys. Austriaca 14 (1961) 185; sasmodels
parallelepiped.c). The 1-D average integrates σ = cos of the angle to the C edge (outer)
and the azimuth about it (inner) with nested adaptive Gauss–Legendre rules.
"""
from math import inf, sin, sqrt
import random as rng

from sas_lib.bessel import sas_sinx_x
from sas_lib.quadrature import adaptive_n, gauss_legendre, polar_rule

name = "parallelepiped"
title = "Rectangular parallelepiped with uniform scattering length density."
description = """
     P(q) = scale*<f^2>/V + background, where for a brick of edges A, B, C
     f = (sld - sld_solvent) V sinc(q_a A/2) sinc(q_b B/2) sinc(q_c C/2), V = A B C,
     averaged over all orientations in 1D.
"""
category = "shape:parallelepiped"

parameters = [
    ["sld", "1e-6/Ang^2", 4, [-inf, inf], "sld", "Parallelepiped scattering length density"],
    ["sld_solvent", "1e-6/Ang^2", 1, [-inf, inf], "sld", "Solvent scattering length density"],
    ["length_a", "Ang", 35, [0, inf], "volume", "Shorter side of the parallelepiped"],
    ["length_b", "Ang", 75, [0, inf], "volume", "Second side of the parallelepiped"],
    ["length_c", "Ang", 400, [0, inf], "volume", "Larger side of the parallelepiped"],
    ["theta", "degrees", 60, [-180, 180], "orientation", "c axis to beam angle"],
    ["phi", "degrees", 60, [-360, 360], "orientation", "Rotation about beam"],
    ["psi", "degrees", 60, [-360, 360], "orientation", "Rotation about c axis"],
]

# Outer-loop cap of sasmodels lib/adaptive.c (ADAPTIVE_MAX_OUTER = 100000/500): at most 500 points.
_MAX_OUTER = 200


def form_volume(length_a, length_b, length_c):
    """Brick volume A·B·C in Å³."""
    return length_a * length_b * length_c


def Iq(q, sld, sld_solvent, length_a, length_b, length_c):
    """Orientation-averaged F²·1e-4 by nested adaptive Gauss–Legendre (sasmodels parallelepiped.c)."""
    half_q = 0.5 * q
    n_outer = adaptive_n(half_q * max(length_a, length_b, length_c), _MAX_OUTER)
    n_inner = adaptive_n(half_q * max(length_a, length_b), n_outer)
    outer_nodes, outer_weights = gauss_legendre(n_outer)
    inner_weights = gauss_legendre(n_inner)[1]
    _, inner_sin, inner_cos = polar_rule(n_inner)
    mu = half_q * length_b
    a_scaled = length_a / length_b
    c_scaled = length_c / length_b
    outer_total = 0.0
    for z, w_outer in zip(outer_nodes, outer_weights):
        sigma = 0.5 * (z + 1.0)
        mu_proj = mu * sqrt(1.0 - sigma * sigma)
        mu_a = mu_proj * a_scaled
        inner_total = 0.0
        for w, s, c in zip(inner_weights, inner_sin, inner_cos):
            # Inlined sas_sinx_x of both in-plane edges (hot loop: n_outer × n_inner calls).
            x = mu_a * s
            y = mu_proj * c
            f = (sin(x) / x if x != 0.0 else 1.0) * (sin(y) / y if y != 0.0 else 1.0)
            inner_total += w * f * f
        si = sas_sinx_x(mu * c_scaled * sigma)
        outer_total += w_outer * inner_total * si * si
    # Each [−1, 1] → [0, 1] change of variable contributes a factor ½.
    m = (sld - sld_solvent) * length_a * length_b * length_c
    return 1.0e-4 * m * m * 0.25 * outer_total


def Iqabc(qa, qb, qc, sld, sld_solvent, length_a, length_b, length_c):
    """F²·1e-4 for q resolved along the three edges (qa, qb, qc)."""
    f = (sld - sld_solvent) * length_a * length_b * length_c
    # sinc of each half-edge phase, inlined (sasmodels sas_sinx_x) for speed.
    x = 0.5 * length_a * qa
    if x != 0.0:
        f *= sin(x) / x
    x = 0.5 * length_b * qb
    if x != 0.0:
        f *= sin(x) / x
    x = 0.5 * length_c * qc
    if x != 0.0:
        f *= sin(x) / x
    return 1.0e-4 * f * f


def random():
    """Random size as sasmodels' parallelepiped.random(): three independent log-uniform edges."""
    length = [10 ** rng.uniform(1, 4.7) for _ in range(3)]
    return {"length_a": length[0], "length_b": length[1], "length_c": length[2]}
