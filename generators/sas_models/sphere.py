r"""Spheres with uniform scattering length density (SasView plugin model, pure Python).

I(q) = scale/V · [3 V Δρ (sin qR − qR cos qR)/(qR)³]² + background  (Guinier & Fournet, 1955)
"""
from math import cos, inf, pi, sin
import random as rng

name = "sphere"
title = "Spheres with uniform scattering length density"
description = """\
P(q)=(scale/V)*[3V(sld-sld_solvent)*(sin(qr)-qr cos(qr))/(qr)^3]^2 + background
    r: radius of sphere
    V: the volume of the scatterer
    sld: the SLD of the sphere
    sld_solvent: the SLD of the solvent
"""
category = "shape:sphere"

#             ["name", "units", default, [lower, upper], "type", "description"],
parameters = [
    ["sld", "1e-6/Ang^2", 1, [-inf, inf], "sld", "Layer scattering length density"],
    ["sld_solvent", "1e-6/Ang^2", 6, [-inf, inf], "sld", "Solvent scattering length density"],
    ["radius", "Ang", 50, [0, inf], "volume", "Sphere radius"],
]

radius_effective_modes = ["radius"]


def _sph_j1c(x):
    """3 j1(x)/x with the Taylor series below x = 0.1 (sasmodels lib/sas_3j1x_x.c)."""
    if abs(x) < 0.1:
        x2 = x * x
        # sasmodels lib/sas_3j1x_x.c: 1 - x²/10 + x⁴/280 - x⁶/15120
        return 1.0 + x2 * (-3.0 / 30.0 + x2 * (3.0 / 840.0 + x2 * (-3.0 / 45360.0)))
    return 3.0 * (sin(x) / x - cos(x)) / (x * x)


def form_volume(radius):
    # sasmodels models/sphere.c: V = 4/3 π R³
    return 4.0 / 3.0 * pi * radius * radius * radius


def Fq(q, sld, sld_solvent, radius):
    """Return (F, F²) with F = 1e-2·Δρ·V·3j1(qR)/(qR) (sasmodels models/sphere.c Fq)."""
    form = (sld - sld_solvent) * (4.0 / 3.0 * pi * radius * radius * radius) * _sph_j1c(q * radius)
    return 1.0e-2 * form, 1.0e-4 * form * form


def Iq(q, sld, sld_solvent, radius):
    # sasmodels models/sphere.c: F² = 1e-4·[Δρ·V·3j1(qR)/(qR)]²
    form = (sld - sld_solvent) * (4.0 / 3.0 * pi * radius * radius * radius) * _sph_j1c(q * radius)
    return 1.0e-4 * form * form


def radius_effective(mode, radius):
    # sasmodels models/sphere.c: mode 1 ("radius") is the sphere radius
    return radius if mode == 1 else 0.0


def random():
    """Random radius, as sasmodels sphere.random(): 10^U(1.3, 4) Å."""
    radius = 10 ** rng.uniform(1.3, 4)
    return dict(radius=radius)

