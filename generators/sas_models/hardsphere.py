r"""Hard sphere structure factor with the Percus-Yevick closure (SasView plugin, pure Python).

S(q) for spheres of radius R_eff at volume fraction φ, U(r) = ∞ for r < 2R_eff
(J K Percus, J Yevick, Phys. Rev. 110 (1958) 1; sasmodels models/hardsphere.py).
"""
from math import cos, inf, sin
import random as rng

name = "hardsphere"
title = "Hard sphere structure factor, with Percus-Yevick closure"
description = """\
    [Hard sphere structure factor, with Percus-Yevick closure]
    Interparticle S(Q) for random, non-interacting spheres.
    radius_effective is the hard sphere radius
    volfraction is the volume fraction occupied by the spheres.
"""
category = "structure-factor"
structure_factor = True
single = False

#             ["name", "units", default, [lower, upper], "type", "description"],
parameters = [
    ["radius_effective", "Ang", 50.0, [0, inf], "", "effective radius of hard sphere"],
    ["volfraction", "", 0.2, [0, 0.74], "", "volume fraction of hard spheres"],
]

# sasmodels hardsphere.py (double precision): Taylor series below 2qR = 0.05
_CUTOFF = 0.05


def Iq(q, radius_effective, volfraction):
    if abs(radius_effective) < 1e-12:
        return 1.0
    phi = volfraction
    d = 1.0 / (1.0 - phi)
    d = d * d
    a = (1.0 + 2.0 * phi) * d
    a *= a
    x = abs(q * radius_effective * 2.0)
    if x < 5e-6:
        return 1.0 / a
    x2 = x * x
    b = (1.0 + 0.5 * phi) * d
    b *= b
    b *= -6.0 * phi
    g = 0.5 * phi * a
    if x < _CUTOFF:
        # sasmodels hardsphere.py: series of the PY direct correlation function to x⁴
        ff = 8.0 * a + 6.0 * b + 4.0 * g + (
            -0.8 * a - b / 1.5 - 0.5 * g + (a / 35.0 + 0.0125 * b + 0.02 * g) * x2) * x2
        return 1.0 / (1.0 + phi * ff)
    x4 = x2 * x2
    s, c = sin(x), cos(x)
    # sasmodels hardsphere.py: closed-form Fourier transform of the PY c(r)
    ff = ((g * ((4.0 * x2 - 24.0) * x * s - (x4 - 12.0 * x2 + 24.0) * c + 24.0) / x2
           + b * (2.0 * x * s - (x2 - 2.0) * c - 2.0)) / x + a * (s - x * c)) / x
    return 1.0 / (1.0 + 24.0 * phi * ff / x2)


def random():
    """Random S parameters, as sasmodels hardsphere.random() (volfraction may exceed 0.74)."""
    return dict(
        scale=1, background=0,
        radius_effective=10 ** rng.uniform(1, 4),
        volfraction=10 ** rng.uniform(-2, 0),
    )


tests = [
    [{"scale": 1.0, "background": 0.0, "radius_effective": 50.0, "volfraction": 0.2},
     [0.001, 0.1], [0.209128, 0.930587]],
]
