"""Sine integral Si(x) = ∫₀ˣ sin(t)/t dt, with sasmodels' approximation (lib/sas_Si.c).

sasmodels uses a truncated series / asymptotic expansion accurate to about 0.1 %
near the switch point; the reference data were computed with it, so it is
reproduced as is rather than replaced by an exact Si.
"""
from math import cos, pi, sin

_HALF_PI = 0.5 * pi
_SWITCH = pi * 6.2 / 4.0


def sas_Si(x):
    """Si(x) as sasmodels computes it (x >= 0 expected)."""
    if x >= _SWITCH:
        # Asymptotic expansion Si(x) = π/2 − f(x)cos x − g(x)sin x, four terms each (A&S 5.2.34).
        u = 1.0 / (x * x)
        f = (((-720.0 * u + 24.0) * u - 2.0) * u + 1.0) / x
        g = (((-5040.0 * u + 120.0) * u - 6.0) * u + 1.0) * u
        return _HALF_PI - cos(x) * f - sin(x) * g
    # Taylor series Si(x) = Σ (−1)ⁿ x^(2n+1) / ((2n+1)(2n+1)!), six terms (A&S 5.2.14).
    xx = x * x
    return (((((-1.0 / 439084800.0 * xx + 1.0 / 3265920.0) * xx - 1.0 / 35280.0) * xx
              + 1.0 / 600.0) * xx - 1.0 / 18.0) * xx + 1.0) * x
