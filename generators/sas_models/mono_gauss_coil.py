"""SasView plugin model: Debye function of a monodisperse Gaussian coil (sasmodels 1.1.0)."""
import random as rng
from math import expm1, inf

name = "mono_gauss_coil"
title = "Scattering from monodisperse polymer coils"
description = """
    Debye (1947) form factor of a Gaussian polymer chain:
    I(q) = scale i_zero 2 (exp(-Z) + Z - 1) / Z^2 + background, Z = (q rg)^2.
"""
category = "shape-independent"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["i_zero", "1/cm", 70.0, [0.0, inf], "", "Intensity at q = 0"],
    ["rg", "Ang", 75.0, [0.0, inf], "volume", "Radius of gyration"],
]

# Padé coefficients of 2(e^−x + x − 1)/x² about x = 0 (sasmodels mono_gauss_coil.c, double).
_A1, _A2, _A3, _A4, _A5 = 1.0 / 12.0, 2.0 / 99.0, 1.0 / 2640.0, 1.0 / 23760.0, -1.0 / 1995840.0
_B1, _B2, _B3, _B4, _B5 = 5.0 / 12.0, 5.0 / 66.0, 1.0 / 132.0, 1.0 / 2376.0, 1.0 / 95040.0


def form_volume(rg):
    """The coil defines no particle volume: V = 1, so scale is a plain prefactor."""
    # sasmodels mono_gauss_coil.c: form_volume returns 1.0
    return 1.0


def Iq(q, i_zero, rg):
    """Debye coil intensity i_zero·P(q) at scattering vector q; P(0) = 1."""
    qr = q * rg
    x = qr * qr
    if x < 0.5:
        # Padé approximant avoids cancellation in e^−x + x − 1 at small x (sasmodels, double).
        return i_zero * ((((((_A5 * x + _A4) * x + _A3) * x + _A2) * x + _A1) * x + 1.0)
                         / (((((_B5 * x + _B4) * x + _B3) * x + _B2) * x + _B1) * x + 1.0))
    # Debye (1947): P(x) = 2 (e^−x + x − 1) / x², x = (q Rg)²
    return i_zero * 2.0 * (expm1(-x) + x) / (x * x)


def random():
    """Random coil as in sasmodels' random(): Rg 1 to 1e4 Å, i_zero fixed at 1e7."""
    rg = 10.0 ** rng.uniform(0.0, 4.0)
    return {"i_zero": 1e7, "rg": rg}
