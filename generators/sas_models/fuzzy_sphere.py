"""SasView plugin model: sphere with a Gaussian-smeared interface (sasmodels 1.1.0 fuzzy_sphere)."""
import random as rng
from math import exp, inf, pi

from sas_lib.sphere_form import sas_3j1x_x

name = "fuzzy_sphere"
title = "Spherical particle with a fuzzy (smeared) surface"
description = """
    Sphere of radius `radius` whose SLD profile is a box convolved with a Gaussian of width
    `fuzziness`, so the amplitude is the sphere amplitude times exp(-(q fuzziness)^2 / 2).
    Only meaningful when fuzziness << radius. Stieger et al., Langmuir 20 (2004) 7283.
"""
category = "shape:sphere"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["sld", "1e-6/Ang^2", 1, [-inf, inf], "sld", "Particle scattering length density"],
    ["sld_solvent", "1e-6/Ang^2", 3, [-inf, inf], "sld", "Solvent scattering length density"],
    ["radius", "Ang", 60, [0, inf], "volume", "Sphere radius"],
    ["fuzziness", "Ang", 10, [0, inf], "volume", "Standard deviation of the Gaussian interface"],
]

_FOUR_PI_3 = 4.0 * pi / 3.0


def form_volume(radius, fuzziness):
    """Volume of the undamped sphere; fuzziness does not change it."""
    # sasmodels fuzzy_sphere.c: V = 4/3 π R³
    return _FOUR_PI_3 * radius * radius * radius


def Iq(q, sld, sld_solvent, radius, fuzziness):
    """Unnormalised F²·1e-4 of the fuzzy sphere at scattering vector q."""
    qf = q * fuzziness
    # Stieger et al. (2004), sasmodels fuzzy_sphere.c: F = Δρ V 3j1(qR)/(qR) exp(−(qσ)²/2)
    f = ((sld - sld_solvent) * _FOUR_PI_3 * radius * radius * radius
         * sas_3j1x_x(q * radius) * exp(-0.5 * qf * qf))
    return 1.0e-4 * f * f


def random():
    """Random shape as in sasmodels' random(): fuzziness 1 % to 31 % of the radius."""
    radius = 10.0 ** rng.uniform(1.0, 4.7)
    fuzziness = 10.0 ** rng.uniform(-2.0, -0.5) * radius
    return {"radius": radius, "fuzziness": fuzziness}
