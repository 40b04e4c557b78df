"""SasView plugin model: power law (sasmodels 1.1.0 power_law, a pure-Python model there)."""
import random as rng
from math import inf

name = "power_law"
title = "Simple power law with a flat background"
description = """
    I(q) = scale q^(-power) + background. Enter power as a positive number for a decay.
    scale is not a volume fraction here.
"""
category = "shape-independent"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["power", "", 4.0, [-inf, inf], "", "Power law exponent"],
]


def Iq(q, power):
    """q^−power at scattering vector q (inf at q = 0 for power > 0, as numpy gives)."""
    if q == 0.0:
        return inf if power > 0.0 else (1.0 if power == 0.0 else 0.0)
    # sasmodels power_law.py: I = q^−power
    return q ** -power


def random():
    """Random exponent and scale as in sasmodels' random()."""
    power = rng.uniform(1.0, 6.0)
    return {"scale": 0.1 ** power * 10.0 ** rng.uniform(-4.0, 2.0), "power": power}
