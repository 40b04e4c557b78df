r"""Flexible cylinder: a wormlike chain of Kuhn segments with a circular cross-section.

I(q) ∝ Δρ²·V·[2J1(qR)/(qR)]²·S_WR(q, L, b), V = πR²L, with S_WR the Pedersen–Schurtenberger
chain structure factor with excluded volume (Pedersen & Schurtenberger, Macromolecules 29
(1996) 7602, method 3 with Chen et al. 2006 corrections; sasmodels flexible_cylinder.c).
"""
from math import inf, pi
import random as rng

from sas_lib.bessel import sas_2J1x_x
from sas_lib.wormlike import Sk_WR

name = "flexible_cylinder"
title = "Flexible cylinder where the form factor is normalized by the volume of the cylinder."
description = """
     Wormlike chain of contour length L and Kuhn length b with excluded volume,
     cross-section radius R: I(q) = scale (sld - sld_solvent)^2 pi R^2 L
     [2 J1(qR)/(qR)]^2 S_WR(q, L, b) + background.
"""
category = "shape:cylinder"
single = False  # needs double precision, as in sasmodels

parameters = [
    ["length", "Ang", 1000, [0, inf], "volume", "Length of the flexible cylinder"],
    ["kuhn_length", "Ang", 100, [0, inf], "volume", "Kuhn length of the flexible cylinder"],
    ["radius", "Ang", 20, [0, inf], "volume", "Radius of the flexible cylinder"],
    ["sld", "1e-6/Ang^2", 1, [-inf, inf], "sld", "Cylinder scattering length density"],
    ["sld_solvent", "1e-6/Ang^2", 6.3, [-inf, inf], "sld", "Solvent scattering length density"],
]


def form_volume(length, kuhn_length, radius):
    """Normalisation volume; sasmodels uses 1, so the volume sits inside Iq."""
    return 1.0


def Iq(q, length, kuhn_length, radius, sld, sld_solvent):
    """1e-4·Δρ²·V·[2J1(qR)/(qR)]²·S_WR(q, L, b) (sasmodels flexible_cylinder.c)."""
    cross_section = (sld - sld_solvent) * sas_2J1x_x(q * radius)
    volume = pi * radius * radius * length
    return 1.0e-4 * volume * cross_section * cross_section * Sk_WR(q, length, kuhn_length)


def random():
    """Random size as sasmodels' flexible_cylinder.random()."""
    length = 10 ** rng.uniform(2, 6)
    radius = 10 ** rng.uniform(1, 3)
    kuhn_length = length * 10 ** rng.uniform(-2, 0)
    return {"length": length, "radius": radius, "kuhn_length": kuhn_length}
