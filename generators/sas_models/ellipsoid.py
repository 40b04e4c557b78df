r"""Ellipsoid of revolution (spheroid) with uniform SLD (sasmodels "ellipsoid").

F = Δρ·V·3j1(r)/r with r = q·√(Re² sin²α + Rp² cos²α), V = (4π/3)·Rp·Re²
(Guinier 1955; sasmodels ellipsoid.c). The 1-D average uses u = sin of the
latitude: ⟨f²⟩ = ∫₀¹ Φ²(q·Re·√(1 + u²(v² − 1))) du with v = Rp/Re.
"""
from math import inf, pi, sqrt
import random as rng

from sas_lib.quadrature import adaptive_n, unit_rule
from sas_lib.sphere_form import sas_3j1x_x

name = "ellipsoid"
title = "Ellipsoid of revolution with uniform scattering length density."
description = """
     P(q,alpha) = scale*f(q,alpha)^2/V + background, where
     f = (sld - sld_solvent) V 3 (sin(qr) - qr cos(qr))/(qr)^3 and
     r = sqrt(Re^2 sin^2(alpha) + Rp^2 cos^2(alpha)), V = 4 pi Rp Re^2 / 3.
"""
category = "shape:ellipsoid"

parameters = [
    ["sld", "1e-6/Ang^2", 4, [-inf, inf], "sld", "Ellipsoid scattering length density"],
    ["sld_solvent", "1e-6/Ang^2", 1, [-inf, inf], "sld", "Solvent scattering length density"],
    ["radius_polar", "Ang", 20, [0, inf], "volume", "Polar radius"],
    ["radius_equatorial", "Ang", 400, [0, inf], "volume", "Equatorial radius"],
    ["theta", "degrees", 60, [-180, 180], "orientation", "Angle between the axis and the beam"],
    ["phi", "degrees", 60, [-360, 360], "orientation", "Rotation about the beam"],
]

FOUR_PI_THIRDS = 4.0 * pi / 3.0


def form_volume(radius_polar, radius_equatorial):
    """Spheroid volume (4π/3)·Rp·Re² in Å³."""
    return FOUR_PI_THIRDS * radius_polar * radius_equatorial * radius_equatorial


def Iq(q, sld, sld_solvent, radius_polar, radius_equatorial):
    """Orientation-averaged F²·1e-4 (adaptive Gauss–Legendre in u ∈ [0, 1], sasmodels ellipsoid.c)."""
    ratio = radius_polar / radius_equatorial
    v_sq_minus_one = ratio * ratio - 1.0
    weights, nodes = unit_rule(adaptive_n(q * max(radius_polar, radius_equatorial)))
    q_re = q * radius_equatorial
    total = 0.0
    for w, u in zip(weights, nodes):
        f = sas_3j1x_x(q_re * sqrt(1.0 + u * u * v_sq_minus_one))
        total += w * f * f
    m = (sld - sld_solvent) * FOUR_PI_THIRDS * radius_polar * radius_equatorial * radius_equatorial
    return 1.0e-4 * m * m * total


def Iqac(qab, qc, sld, sld_solvent, radius_polar, radius_equatorial):
    """F²·1e-4 for q split into the equatorial part qab and the polar part qc."""
    a = radius_equatorial * qab
    c = radius_polar * qc
    f = (sld - sld_solvent) * FOUR_PI_THIRDS * radius_polar * radius_equatorial \
        * radius_equatorial * sas_3j1x_x(sqrt(a * a + c * c))
    return 1.0e-4 * f * f


def random():
    """Random size as sasmodels' ellipsoid.random(): log-uniform volume and polar radius."""
    volume = 10 ** rng.uniform(5, 12)
    radius_polar = 10 ** rng.uniform(1.3, 4)
    radius_equatorial = sqrt(volume / radius_polar)
    return {"radius_polar": radius_polar, "radius_equatorial": radius_equatorial}
