"""SasView plugin model: Gaussian peak (sasmodels 1.1.0 gaussian_peak)."""
import random as rng
from math import exp, inf

name = "gaussian_peak"
title = "Gaussian shaped peak"
description = """
    I(q) = scale exp(-((q - peak_pos) / sigma)^2 / 2) + background:
    a peak of height scale at peak_pos with standard deviation sigma (FWHM 2.354 sigma).
"""
category = "shape-independent"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["peak_pos", "1/Ang", 0.05, [-inf, inf], "", "Peak position"],
    ["sigma", "1/Ang", 0.005, [0, inf], "", "Peak width (standard deviation)"],
]


def Iq(q, peak_pos, sigma):
    """Unit-height Gaussian in q centred on peak_pos."""
    try:
        z = (q - peak_pos) / sigma
    except ZeroDivisionError:
        # σ = 0: the σ → 0 limit of a unit-height peak (sasmodels' C gives NaN at q = q0).
        return 1.0 if q == peak_pos else 0.0
    # sasmodels gaussian_peak: I = exp(−((q − q0)/σ)²/2)
    return exp(-0.5 * z * z)


def random():
    """Random peak as in sasmodels' random(): width 5 % to 50 % of the position."""
    peak_pos = 10.0 ** rng.uniform(-3.0, -1.0)
    sigma = 10.0 ** rng.uniform(-1.3, -0.3) * peak_pos
    scale = 10.0 ** rng.uniform(0.0, 4.0)
    return {"scale": scale, "peak_pos": peak_pos, "sigma": sigma}
