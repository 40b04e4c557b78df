r"""Pearl necklace: N spheres of radius R joined by N−1 thin rods of length l and diameter d.

Form factor of Schweins & Huber, Macromol. Symp. 211 (2004) 25, Eq. 5–8: pearl–pearl,
rod–rod and pearl–rod terms with Si(x) the sine integral (sasmodels pearl_necklace.c).
"""
from math import inf, log10, pi, sin
import random as rng

from sas_lib.sine_integral import sas_Si
from sas_lib.sphere_form import sas_3j1x_x

name = "pearl_necklace"
title = "Colloidal spheres chained together with no preferential orientation"
description = """
     N pearls of radius R (sld) linked by N-1 rods (sld_string) of length edge_sep and
     diameter thick_string: I(q) = scale (S_ss + S_rr + S_rs)/V_total + background.
"""
category = "shape:cylinder"
single = False  # needs double precision, as in sasmodels

parameters = [
    ["radius", "Ang", 80.0, [0, inf], "volume", "Mean radius of the chained spheres"],
    ["edge_sep", "Ang", 350.0, [0, inf], "volume", "Mean separation of chained particles"],
    ["thick_string", "Ang", 2.5, [0, inf], "volume", "Thickness of the chain linkage"],
    ["num_pearls", "none", 3, [1, inf], "volume", "Number of pearls in the necklace (must be integer)"],
    ["sld", "1e-6/Ang^2", 1.0, [-inf, inf], "sld", "Scattering length density of the chained spheres"],
    ["sld_string", "1e-6/Ang^2", 1.0, [-inf, inf], "sld", "Scattering length density of the chain linkage"],
    ["sld_solvent", "1e-6/Ang^2", 6.3, [-inf, inf], "sld", "Scattering length density of the solvent"],
]

# sasmodels' validity rule: such points are skipped by its engine.
valid = "thick_string < radius && num_pearls > 0"

FOUR_PI_THIRDS = 4.0 * pi / 3.0
QUARTER_PI = 0.25 * pi


def form_volume(radius, edge_sep, thick_string, num_pearls):
    """Total necklace volume: N spheres plus N−1 rods (N rounded to an integer)."""
    pearls = int(num_pearls + 0.5)
    rod_volume = edge_sep * QUARTER_PI * thick_string * thick_string
    return (pearls - 1) * rod_volume + pearls * FOUR_PI_THIRDS * radius * radius * radius


def Iq(q, radius, edge_sep, thick_string, num_pearls, sld, sld_string, sld_solvent):
    """Unnormalised F²·1e-4 of the necklace (Schweins & Huber 2004, as sasmodels pearl_necklace.c)."""
    pearls = int(num_pearls + 0.5)
    rods = pearls - 1
    m_rod = (sld_string - sld_solvent) * edge_sep * QUARTER_PI * thick_string * thick_string
    m_pearl = (sld - sld_solvent) * FOUR_PI_THIRDS * radius * radius * radius
    # Centre-to-centre distance of neighbouring pearls.
    spacing = edge_sep + 2.0 * radius
    q_edge = q * edge_sep
    beta = (sas_Si(q * (spacing - radius)) - sas_Si(q * radius)) / q_edge
    gamma = sas_Si(q_edge) / q_edge
    psi = sas_3j1x_x(q * radius)
    x = q * spacing
    si = 1.0 if x == 0.0 else sin(x) / x
    omsi = 1.0 - si
    pow_si = si ** pearls
    half = 0.5 * q_edge
    rod_sinc = 1.0 if half == 0.0 else sin(half) / half

    # Schweins & Huber Eq. 6: pearl–pearl correlations.
    s_ss = 2.0 * (m_pearl * psi) ** 2 * (
        -si * (1.0 - pow_si) / (omsi * omsi) + pearls / omsi - 0.5 * pearls)
    # Eq. 7: rod–rod correlations (thin rods).
    s_rr = m_rod * m_rod * (
        -2.0 * (1.0 - pow_si / si) * beta * beta / (omsi * omsi)
        + 2.0 * rods * beta * beta / omsi
        + rods * (2.0 * gamma - rod_sinc * rod_sinc))
    # Eq. 8: pearl–rod cross terms.
    s_rs = 4.0 * m_rod * m_pearl * beta * psi * (
        -si * (1.0 - pow_si / si) / (omsi * omsi) + rods / omsi)
    return 1.0e-4 * (s_ss + s_rr + s_rs)


def random():
    """Random size as sasmodels' pearl_necklace.random()."""
    radius = 10 ** rng.uniform(1, 3)
    thick_string = 10 ** rng.uniform(0, log10(radius) - 1)
    edge_sep = 10 ** rng.uniform(0, 3)
    num_pearls = float(round(10 ** rng.uniform(0.3, 3)))
    return {"radius": radius, "edge_sep": edge_sep, "thick_string": thick_string,
            "num_pearls": num_pearls}
