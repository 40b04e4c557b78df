r"""Hollow right circular cylinder (a tube) with uniform wall SLD (sasmodels "hollow_cylinder").

F = Δρ·Vs·ψ·sin(½qL cos α)/(½qL cos α), with ψ = [Λ(q(R+t) sin α) − γ²Λ(qR sin α)]/(1 − γ²),
Λ(x) = 2J1(x)/x, γ = R/(R+t) and Vs = πL[(R+t)² − R²] the shell volume
(Igor NIST SANS library, SRK 2000; sasmodels hollow_cylinder.c).
"""
from math import inf, pi, sqrt
import random as rng

from sas_lib.bessel import sas_2J1x_x, sas_sinx_x
from sas_lib.quadrature import adaptive_n, unit_rule

name = "hollow_cylinder"
title = "Hollow cylinder with a uniform scattering length density"
description = """
     P(q) = scale*<f*f>/Vol + background, where f is the scattering amplitude of a
     tube of inner radius R, wall thickness t and length L, averaged over orientation.
     Vol is the shell volume pi L ((R+t)^2 - R^2).
"""
category = "shape:cylinder"

parameters = [
    ["radius", "Ang", 20, [0, inf], "volume", "Cylinder core radius"],
    ["thickness", "Ang", 10, [0, inf], "volume", "Cylinder wall thickness"],
    ["length", "Ang", 400, [0, inf], "volume", "Cylinder total length"],
    ["sld", "1e-6/Ang^2", 6.3, [-inf, inf], "sld", "Cylinder sld"],
    ["sld_solvent", "1e-6/Ang^2", 1, [-inf, inf], "sld", "Solvent sld"],
    ["theta", "degrees", 90, [-180, 180], "orientation", "Cylinder axis to beam angle"],
    ["phi", "degrees", 0, [-360, 360], "orientation", "Rotation about beam"],
]


def form_volume(radius, thickness, length):
    """Outer volume πL(R+t)² in Å³, the particle volume (used by P@S products)."""
    outer = radius + thickness
    return pi * length * outer * outer


def shell_volume(radius, thickness, length):
    """Shell volume πL[(R+t)² − R²] in Å³; sasmodels normalises I(q) by this one."""
    outer = radius + thickness
    return pi * length * (outer * outer - radius * radius)


def _amplitude(qab, qc, radius, outer, gamma_sq, half_length):
    """Normalised tube amplitude ψ·sinc(½qL cos α) (sasmodels hollow_cylinder.c _fq)."""
    psi = (sas_2J1x_x(outer * qab) - gamma_sq * sas_2J1x_x(radius * qab)) / (1.0 - gamma_sq)
    return psi * sas_sinx_x(half_length * qc)


def Iq(q, radius, thickness, length, sld, sld_solvent):
    """Orientation-averaged F²·1e-4; Gauss–Legendre in u = cos α ∈ [0, 1], adaptive size."""
    outer = radius + thickness
    half_length = 0.5 * length
    ratio = radius / outer
    gamma_sq = ratio * ratio
    weights, nodes = unit_rule(adaptive_n(q * max(outer, half_length)))
    total = 0.0
    for w, u in zip(weights, nodes):
        f = _amplitude(q * sqrt(1.0 - u * u), q * u, radius, outer, gamma_sq, half_length)
        total += w * f * f
    m = (sld_solvent - sld) * pi * length * (outer * outer - radius * radius)
    return 1.0e-4 * m * m * total


def Iqac(qab, qc, radius, thickness, length, sld, sld_solvent):
    """F²·1e-4 for q split into the cross-section part qab and the axial part qc."""
    outer = radius + thickness
    ratio = radius / outer
    gamma_sq = ratio * ratio
    psi = (sas_2J1x_x(outer * qab) - gamma_sq * sas_2J1x_x(radius * qab)) / (1.0 - gamma_sq)
    f = (sld_solvent - sld) * pi * length * (outer * outer - radius * radius) \
        * psi * sas_sinx_x(0.5 * length * qc)
    return 1.0e-4 * f * f


def random():
    """Random size as sasmodels' hollow_cylinder.random()."""
    length = 10 ** rng.uniform(1, 4.7)
    outer_radius = 10 ** rng.uniform(1, 4.7)
    # Use a U-shaped distribution so thin walls and thin cores are both common.
    thickness = rng.betavariate(0.5, 0.5) * (outer_radius - 2) + 1
    radius = outer_radius - thickness
    return {"length": length, "radius": radius, "thickness": thickness}
