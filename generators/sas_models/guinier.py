"""SasView plugin model: Guinier law (sasmodels 1.1.0 guinier)."""
import random as rng
from math import exp, inf, log, log10, sqrt

name = "guinier"
title = "Guinier approximation: Gaussian decay with the radius of gyration"
description = """
    I(q) = scale exp(-rg^2 q^2 / 3) + background.
    A negative rg gives a negative Rg^2 (evaluated as rg |rg|), i.e. a rising curve.
"""
category = "shape-independent"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["rg", "Ang", 60.0, [-inf, inf], "", "Radius of gyration (negative for negative Rg^2)"],
]

_LN10 = log(10.0)


def Iq(q, rg):
    """Guinier factor exp(−Rg|Rg| q²/3) at scattering vector q."""
    # Guinier & Fournet (1955); sasmodels guinier.py: I = exp(−|Rg| Rg q²/3)
    return exp(-abs(rg) * rg * q * q / 3.0)


def random():
    """Random scale and Rg as in sasmodels' random(): I(q = 1) stays above 1e-30."""
    scale = 10.0 ** rng.uniform(1.0, 4.0)
    # log10(scale·e^(−Rg²/3)) > −30  ⇒  Rg < √(90 ln 10 + 3 ln scale) for q_max = 1
    rg_max = sqrt(90.0 * _LN10 + 3.0 * log(scale))
    rg = 10.0 ** rng.uniform(0.0, log10(rg_max))
    return {"scale": scale, "rg": rg}
