"""SasView plugin model: Porod law C/q^4 (sasmodels 1.1.0 porod, a pure-Python model there)."""
import random as rng
from math import inf, pi

name = "porod"
title = "Porod function"
description = """
    I(q) = scale / q^4 + background, with scale the Porod constant 2 pi (delta rho)^2 S_v
    (S_v: specific surface area). Porod, Kolloid Zeit. 124 (1951) 83.
"""
category = "shape-independent"

# scale and background only
parameters = []


def Iq(q):
    """Porod decay q^−4 at scattering vector q (inf at q = 0, as numpy gives sasmodels)."""
    if q == 0.0:
        return inf
    q2 = q * q
    # Porod (1951); sasmodels porod.py: I = q^−4
    return 1.0 / (q2 * q2)


def random():
    """Random Porod constant as in sasmodels' random(): spheres of radius R at volume fraction Vf."""
    sld = rng.uniform(-0.5, 12.0)
    solvent = rng.uniform(-0.5, 12.0)
    radius = 10.0 ** rng.uniform(1.0, 4.7)
    volume_fraction = 10.0 ** rng.uniform(-3.0, -1.0)
    # C = 2π Δρ² S_v with S_v = 3 Vf / R for spheres, 1e-4 for the units (sasmodels porod.py)
    scale = 1e-4 * volume_fraction * 2.0 * pi * (sld - solvent) ** 2 / (3.0 * radius)
    return {"scale": scale}
