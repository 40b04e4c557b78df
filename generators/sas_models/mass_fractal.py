"""SasView plugin model: mass fractal aggregate of spheres (sasmodels 1.1.0 mass_fractal)."""
import random as rng
from math import atan, gamma, inf, sin

from sas_lib.sphere_form import sas_3j1x_x

name = "mass_fractal"
title = "Mass Fractal model"
description = """
    I(q) = scale P(q) S(q) + background, with P(q) the sphere form factor of the building
    block of radius `radius` and
    S(q) = Gamma(D-1) xi^(D-1) sin((D-1) atan(q xi)) / ((1 + (q xi)^2)^((D-1)/2) q),
    D = fractal_dim_mass, xi = cutoff_length. Valid for 1 < D < 6. Not on absolute scale.
    Mildner & Hall, J. Phys. D 19 (1986) 1535, eq. (9).
"""
category = "shape-independent"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["radius", "Ang", 10.0, [0.0, inf], "", "Particle radius"],
    ["fractal_dim_mass", "", 1.9, [1.0, 6.0], "", "Mass fractal dimension"],
    ["cutoff_length", "Ang", 100.0, [0.0, inf], "", "Cut-off length"],
]


def Iq(q, radius, fractal_dim_mass, cutoff_length):
    """P(q)·S(q) of the mass fractal at scattering vector q, with its q → 0 and D → 1 limits."""
    f = sas_3j1x_x(q * radius)
    qc = q * cutoff_length
    dm1 = fractal_dim_mass - 1.0
    # Mildner & Hall (1986) eq. 9, limits as in sasmodels mass_fractal.c
    if q > 0.0 and dm1 > 0.0:
        # S = Γ(D−1) sin((D−1) atan(qξ)) ξ^(D−1) (1 + (qξ)²)^(−(D−1)/2) / q
        sq = (gamma(dm1) * sin(dm1 * atan(qc)) * cutoff_length ** dm1
              * (1.0 + qc * qc) ** (-0.5 * dm1) / q)
    elif q > 0.0:
        # D → 1: Γ(D−1) sin((D−1) a) → a
        sq = atan(qc) / q
    elif dm1 > 0.0:
        # q → 0: S → Γ(D) ξ^D
        sq = cutoff_length ** fractal_dim_mass * gamma(fractal_dim_mass)
    else:
        sq = cutoff_length
    return f * f * sq


def random():
    """Random aggregate as in sasmodels' random(): D = 1 + 2·Beta(3, 4), scale fixed at 1."""
    radius = 10.0 ** rng.uniform(0.7, 4.0)
    cutoff_length = 10.0 ** rng.uniform(0.7, 2.0) * radius
    fractal_dim_mass = 2.0 * rng.betavariate(3.0, 4.0) + 1.0
    return {
        "scale": 1,
        "radius": radius,
        "cutoff_length": cutoff_length,
        "fractal_dim_mass": fractal_dim_mass,
    }
