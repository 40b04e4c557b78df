"""SasView plugin model: surface fractal (sasmodels 1.1.0 surface_fractal)."""
import random as rng
from math import atan, gamma, inf, sin

from sas_lib.sphere_form import sas_3j1x_x

name = "surface_fractal"
title = "Fractal-like aggregates based on the Mildner reference"
description = """
    I(q) = scale P(q) S(q) + background, with P(q) the sphere form factor of radius `radius`
    and S(q) = Gamma(5-Ds) xi^(5-Ds) (1 + (q xi)^2)^(-(5-Ds)/2) sin(-(5-Ds) atan(q xi)) / q,
    Ds = fractal_dim_surf, xi = cutoff_length. Valid for 1 < Ds < 3 and
    5/((3-Ds) xi) < q < 1/radius; negative values are clipped to 0. Not on absolute scale.
    Mildner & Hall, J. Phys. D 19 (1986) 1535.
"""
category = "shape-independent"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["radius", "Ang", 10.0, [0, inf], "", "Particle radius"],
    ["fractal_dim_surf", "", 2.0, [1, 3], "", "Surface fractal dimension"],
    ["cutoff_length", "Ang", 500.0, [0.0, inf], "", "Cut-off Length"],
]


def Iq(q, radius, fractal_dim_surf, cutoff_length):
    """P(q)·S(q) of the surface fractal at scattering vector q, clipped at 0."""
    if q == 0.0:
        # sasmodels surface_fractal.c computes 0/0 = NaN here, which its clip turns into 0.
        return 0.0
    f = sas_3j1x_x(q * radius)
    qc = q * cutoff_length
    mmo = 5.0 - fractal_dim_surf
    # Mildner & Hall (1986); sasmodels surface_fractal.c:
    # S = Γ(5−Ds) ξ^(5−Ds) (1 + (qξ)²)^(−(5−Ds)/2) sin(−(5−Ds) atan(qξ)) / q
    sq = (gamma(mmo) * cutoff_length ** mmo * (1.0 + qc * qc) ** (-0.5 * mmo)
          * sin(-mmo * atan(qc)) / q)
    result = f * f * sq
    # sasmodels surface_fractal.c excludes negative results
    return result if result > 0.0 else 0.0


def random():
    """Random fractal as in sasmodels' random(): cutoff fixed at 1e6 Å, scale fixed at 1."""
    radius = 10.0 ** rng.uniform(1.0, 4.0)
    fractal_dim_surf = rng.uniform(1.0, 3.0 - 1e-6)
    return {
        "scale": 1,
        "radius": radius,
        "fractal_dim_surf": fractal_dim_surf,
        "cutoff_length": 1e6,
    }
