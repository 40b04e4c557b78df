r"""Right circular cylinder with uniform scattering length density (sasmodels "cylinder").

F(q, α) = Δρ·V·[2J1(qR sin α)/(qR sin α)]·[sin(½qL cos α)/(½qL cos α)], V = πR²L,
with α the angle between q and the cylinder axis (Guinier 1955; sasmodels cylinder.c).
"""
from math import inf, pi, sin, sqrt
import random as rng

from sas_lib.bessel import sas_2J1x_x, sas_sinx_x
from sas_lib.quadrature import adaptive_n, polar_rule

name = "cylinder"
title = "Right circular cylinder with uniform scattering length density."
description = """
     f(q,alpha) = 2 (sld - sld_solvent) V sin(qL cos(alpha)/2) J1(qR sin(alpha))
                  / [qL cos(alpha)/2 * qR sin(alpha)]
     V = pi R^2 L; alpha is the angle between the cylinder axis and q.
"""
category = "shape:cylinder"

parameters = [
    ["sld", "1e-6/Ang^2", 4, [-inf, inf], "sld", "Cylinder scattering length density"],
    ["sld_solvent", "1e-6/Ang^2", 1, [-inf, inf], "sld", "Solvent scattering length density"],
    ["radius", "Ang", 20, [0, inf], "volume", "Cylinder radius"],
    ["length", "Ang", 400, [0, inf], "volume", "Cylinder length"],
    ["theta", "degrees", 60, [-180, 180], "orientation", "Cylinder axis to beam angle"],
    ["phi", "degrees", 60, [-360, 360], "orientation", "Rotation about beam"],
]


def form_volume(radius, length):
    """Cylinder volume πR²L in Å³."""
    return pi * radius * radius * length


def Iq(q, sld, sld_solvent, radius, length):
    """Orientation-averaged F²·1e-4; adaptive Gauss–Legendre over α ∈ [0, π/2] (sasmodels cylinder.c)."""
    half_length = 0.5 * length
    weights, sines, cosines = polar_rule(adaptive_n(q * max(radius, half_length)))
    qr = q * radius
    qh = q * half_length
    total = 0.0
    for w, s, c in zip(weights, sines, cosines):
        f = sas_2J1x_x(qr * s) * sas_sinx_x(qh * c)
        total += w * f * f * s
    contrast_volume = (sld - sld_solvent) * pi * radius * radius * length
    return 1.0e-4 * contrast_volume * contrast_volume * total


def Iqac(qab, qc, sld, sld_solvent, radius, length):
    """F²·1e-4 for q split into the cross-section part qab and the axial part qc."""
    x = 0.5 * qc * length
    f = (sld - sld_solvent) * pi * radius * radius * length * sas_2J1x_x(qab * radius)
    if x != 0.0:
        f *= sin(x) / x
    return 1.0e-4 * f * f


def random():
    """Random size as sasmodels' cylinder.random(): log-uniform volume and aspect ratio."""
    volume = 10 ** rng.uniform(5, 12)
    length = 10 ** rng.uniform(-2, 2) * volume ** 0.333
    radius = sqrt(volume / length / pi)
    return {"length": length, "radius": radius}
