"""SasView plugin model: sphere with a concentric shell (sasmodels 1.1.0 core_shell_sphere)."""
import random as rng
from math import inf, pi

from sas_lib.sphere_form import sas_3j1x_x

name = "core_shell_sphere"
title = "Spherical particle with a core-shell structure"
description = """
    Form factor of a sphere of radius `radius` and SLD `sld_core`, wrapped in a shell of
    thickness `thickness` and SLD `sld_shell`, in a solvent of SLD `sld_solvent`.
    Normalised by the whole particle volume 4/3 pi (radius + thickness)^3.
"""
category = "shape:sphere"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["radius", "Ang", 60.0, [0, inf], "volume", "Radius of the core"],
    ["thickness", "Ang", 10.0, [0, inf], "volume", "Thickness of the shell"],
    ["sld_core", "1e-6/Ang^2", 1.0, [-inf, inf], "sld", "Core scattering length density"],
    ["sld_shell", "1e-6/Ang^2", 2.0, [-inf, inf], "sld", "Shell scattering length density"],
    ["sld_solvent", "1e-6/Ang^2", 3.0, [-inf, inf], "sld", "Solvent scattering length density"],
]

_FOUR_PI_3 = 4.0 * pi / 3.0


def form_volume(radius, thickness):
    """Volume of the whole particle, core plus shell."""
    # sasmodels core_shell_sphere.c: V = 4/3 π (R + t)³
    outer = radius + thickness
    return _FOUR_PI_3 * outer * outer * outer


def Iq(q, radius, thickness, sld_core, sld_shell, sld_solvent):
    """Unnormalised F²·1e-4 of the core-shell sphere at scattering vector q."""
    outer = radius + thickness
    # Guinier & Fournet (1955), sasmodels lib/core_shell.c:
    # F = V_c (ρ_core − ρ_shell) 3j1(qR_c)/(qR_c) + V_s (ρ_shell − ρ_solv) 3j1(qR_s)/(qR_s)
    f = (_FOUR_PI_3 * radius * radius * radius * (sld_core - sld_shell) * sas_3j1x_x(q * radius)
         + _FOUR_PI_3 * outer * outer * outer * (sld_shell - sld_solvent) * sas_3j1x_x(q * outer))
    return 1.0e-4 * f * f


def random():
    """Random shape as in sasmodels' random(): favours either a thin shell or a thin core."""
    outer_radius = 10.0 ** rng.uniform(1.3, 4.3)
    radius = rng.betavariate(0.5, 0.5) * (outer_radius - 2.0) + 1.0
    return {"radius": radius, "thickness": outer_radius - radius}
