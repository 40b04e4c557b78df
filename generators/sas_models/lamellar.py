"""SasView plugin model: dilute random lamellae of uniform SLD (sasmodels 1.1.0 lamellar)."""
import random as rng
from math import inf, pi, sin

name = "lamellar"
title = "Lyotropic lamellar phase with uniform SLD and random distribution"
description = """
    Dilute randomly oriented sheets of thickness `thickness` and SLD `sld` in a solvent of
    SLD `sld_solvent`: I(q) = scale 2 pi P(q) / (thickness q^2) + background with
    P(q) = 2 (delta rho / q)^2 (1 - cos(q thickness)). scale is the sheet volume fraction.
"""
category = "shape:lamellae"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["thickness", "Ang", 50, [0, inf], "volume", "Total layer thickness"],
    ["sld", "1e-6/Ang^2", 1, [-inf, inf], "sld", "Layer scattering length density"],
    ["sld_solvent", "1e-6/Ang^2", 6, [-inf, inf], "sld", "Solvent scattering length density"],
]

_EIGHT_PI_1E4 = 8.0e-4 * pi


def form_volume(thickness):
    """Lamellar defines no particle volume: V = 1, so scale is a plain prefactor."""
    # sasmodels lamellar.py: form_volume returns 1.0
    return 1.0


def Iq(q, thickness, sld, sld_solvent):
    """Lamellar intensity per unit scale at scattering vector q (diverges at q = 0)."""
    contrast = sld - sld_solvent
    q2 = q * q
    half = sin(0.5 * q * thickness)
    try:
        # Nallet, Laversanne & Roux (1993), sasmodels lamellar.py, with 1 − cos x = 2 sin²(x/2):
        # I = 4π·1e-4 Δρ² · 2 sin²(qδ/2) / (δ q⁴)
        return _EIGHT_PI_1E4 * contrast * contrast * half * half / (thickness * q2 * q2)
    except ZeroDivisionError:
        # sasmodels gives 0/0 = NaN here; return the limits instead: ∝ 1/q² as q → 0, ∝ δ as δ → 0.
        return 0.0 if q != 0.0 or contrast == 0.0 else inf


def random():
    """Random thickness as in sasmodels' random(): 10 to 1e4 Å, log-uniform."""
    return {"thickness": 10.0 ** rng.uniform(1.0, 4.0)}
