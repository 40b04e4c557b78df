"""SasView plugin model: polymer chain with excluded volume (sasmodels 1.1.0, pure Python there)."""
import random as rng
from math import gamma, inf, nan

from sas_lib.gamma_functions import gammainc

name = "polymer_excl_volume"
title = "Polymer Excluded Volume model"
description = """
    Form factor of polymer chains with excluded volume (Benoit 1957, Hammouda 1993):
    P(q) = m U^(-m/2) [Gamma(m/2) P(m/2, U) - U^(-m/2) Gamma(m) P(m, U)],
    U = (q rg)^2 (2/m + 1)(2/m + 2) / 6, m = porod_exp = 1/nu, P the regularized
    lower incomplete gamma function. I(q) = scale P(q) + background.
"""
category = "shape-independent"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["rg", "Ang", 60.0, [0, inf], "", "Radius of Gyration"],
    ["porod_exp", "", 3.0, [0, inf], "", "Porod exponent"],
]


def Iq(q, rg, porod_exp):
    """Excluded-volume chain form factor at scattering vector q; 1 at q = 0."""
    if q <= 0.0:
        return 1.0
    if not porod_exp > 0.0:
        return nan  # m = 0 is undefined; numpy gives sasmodels NaN here too
    m = porod_exp
    two_over_m = 2.0 / m
    qr = q * rg
    # Hammouda (1993): U = (q Rg)² (2ν + 1)(2ν + 2)/6 with ν = 1/m
    u = qr * qr * (two_over_m + 1.0) * (two_over_m + 2.0) / 6.0
    if u == 0.0:
        return 1.0  # Rg = 0: the q → 0 limit (sasmodels gives NaN)
    half_m = 0.5 * m
    upow = u ** -half_m
    # Hammouda (1993), sasmodels polymer_excl_volume.py:
    # P = m U^(−m/2) [Γ(m/2) P(m/2, U) − U^(−m/2) Γ(m) P(m, U)]
    return m * upow * (gamma(half_m) * gammainc(half_m, u)
                       - upow * gamma(m) * gammainc(m, u))


def random():
    """Random chain as in sasmodels' random()."""
    rg = 10.0 ** rng.uniform(0.0, 4.0)
    porod_exp = rng.uniform(1e-3, 6.0)
    scale = 10.0 ** rng.uniform(1.0, 5.0)
    return {"scale": scale, "rg": rg, "porod_exp": porod_exp}
