r"""Cylinder with a core of one SLD and a shell of another on the sides and ends (sasmodels).

F = (ρc−ρs)·Vc·f(R, L/2) + (ρs−ρsolv)·Vs·f(R+t, L/2+t), with
f(r, h) = 2J1(qr sin α)/(qr sin α) · sin(qh cos α)/(qh cos α),
Vc = πR²L, Vs = π(R+t)²(L+2t) (Kline, J. Appl. Cryst. 39 (2006) 895; sasmodels core_shell_cylinder.c).
"""
from math import inf, pi
import random as rng

from sas_lib.bessel import sas_2J1x_x, sas_sinx_x
from sas_lib.quadrature import adaptive_n, polar_rule

name = "core_shell_cylinder"
title = "Right circular cylinder with a core-shell scattering length density profile."
description = """
     P(q,alpha) = scale/Vs * f^2(q) + background, with
     f(q) = (sld_core - sld_shell) Vc sinc(q L/2 cos a) 2J1(q R sin a)/(q R sin a)
          + (sld_shell - sld_solvent) Vs sinc(q (L/2+t) cos a) 2J1(q (R+t) sin a)/(q (R+t) sin a)
     Vc = pi R^2 L, Vs = pi (R+t)^2 (L+2t).
"""
category = "shape:cylinder"

parameters = [
    ["sld_core", "1e-6/Ang^2", 4, [-inf, inf], "sld", "Cylinder core scattering length density"],
    ["sld_shell", "1e-6/Ang^2", 4, [-inf, inf], "sld", "Cylinder shell scattering length density"],
    ["sld_solvent", "1e-6/Ang^2", 1, [-inf, inf], "sld", "Solvent scattering length density"],
    ["radius", "Ang", 20, [0, inf], "volume", "Cylinder core radius"],
    ["thickness", "Ang", 20, [0, inf], "volume", "Cylinder shell thickness"],
    ["length", "Ang", 400, [0, inf], "volume", "Cylinder length"],
    ["theta", "degrees", 60, [-180, 180], "orientation", "Cylinder axis to beam angle"],
    ["phi", "degrees", 60, [-360, 360], "orientation", "Rotation about beam"],
]


def form_volume(radius, thickness, length):
    """Outer volume π(R+t)²(L+2t) in Å³."""
    outer = radius + thickness
    return pi * outer * outer * (length + 2.0 * thickness)


def Iq(q, sld_core, sld_shell, sld_solvent, radius, thickness, length):
    """Orientation-averaged F²·1e-4 (adaptive Gauss–Legendre over α, sasmodels core_shell_cylinder.c)."""
    outer_r = radius + thickness
    core_h = 0.5 * length
    outer_h = core_h + thickness
    core_m = pi * radius * radius * length * (sld_core - sld_shell)
    shell_m = pi * outer_r * outer_r * (length + 2.0 * thickness) * (sld_shell - sld_solvent)
    weights, sines, cosines = polar_rule(adaptive_n(q * max(outer_r, outer_h)))
    total = 0.0
    for w, s, c in zip(weights, sines, cosines):
        qab = q * s
        qc = q * c
        f = core_m * sas_sinx_x(core_h * qc) * sas_2J1x_x(radius * qab) \
            + shell_m * sas_sinx_x(outer_h * qc) * sas_2J1x_x(outer_r * qab)
        total += w * f * f * s
    return 1.0e-4 * total


def Iqac(qab, qc, sld_core, sld_shell, sld_solvent, radius, thickness, length):
    """F²·1e-4 for q split into the cross-section part qab and the axial part qc."""
    outer_r = radius + thickness
    core_h = 0.5 * length
    outer_h = core_h + thickness
    f = pi * radius * radius * length * (sld_core - sld_shell) \
        * sas_sinx_x(core_h * qc) * sas_2J1x_x(radius * qab) \
        + pi * outer_r * outer_r * (length + 2.0 * thickness) * (sld_shell - sld_solvent) \
        * sas_sinx_x(outer_h * qc) * sas_2J1x_x(outer_r * qab)
    return 1.0e-4 * f * f


def random():
    """Random size as sasmodels' core_shell_cylinder.random().

    The length is drawn from U(1, 4.7) Å, linear rather than 10^U; sasmodels does this
    (most likely a bug) and the reference data follow it, so it is kept.
    """
    outer_radius = 10 ** rng.uniform(1, 4.7)
    # Use a U-shaped distribution so thin shells and thin cores are both common.
    radius = rng.betavariate(0.5, 0.5) * (outer_radius - 2) + 1
    thickness = outer_radius - radius
    length = rng.uniform(1, 4.7)
    return {"length": length, "radius": radius, "thickness": thickness}
