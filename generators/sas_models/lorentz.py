"""SasView plugin model: Lorentzian / Ornstein-Zernike (sasmodels 1.1.0 lorentz)."""
import random as rng
from math import inf

name = "lorentz"
title = "Ornstein-Zernike correlation length model"
description = """
    I(q) = scale / (1 + (q cor_length)^2) + background, cor_length the screening length.
    Ornstein & Zernike, Proc. Acad. Sci. Amsterdam 17 (1914) 793.
"""
category = "shape-independent"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["cor_length", "Ang", 50.0, [0, inf], "", "Screening length"],
]


def Iq(q, cor_length):
    """Lorentzian 1/(1 + (qξ)²) at scattering vector q."""
    x = q * cor_length
    # Ornstein & Zernike (1914); sasmodels lorentz.py: I = 1/(1 + (q ξ)²)
    return 1.0 / (1.0 + x * x)


def random():
    """Random scale and length as in sasmodels' random()."""
    return {"scale": 10.0 ** rng.uniform(1.0, 4.0), "cor_length": 10.0 ** rng.uniform(0.0, 3.0)}
