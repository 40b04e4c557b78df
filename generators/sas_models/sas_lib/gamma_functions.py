"""Gamma-family special functions for the SAS plugin models, pure Python (no numpy/scipy).

Used by polymer_excl_volume (regularized lower incomplete gamma, scipy's `gammainc`
convention) and the fractal models (Γ, sasmodels lib/sas_gamma.c).
"""
from math import exp, gamma, inf, lgamma, log

# Relative accuracy target of the series and continued fraction (about one ulp).
_EPSILON = 1.1e-16
# Floor that keeps the continued fraction's denominators away from zero.
_TINY = 1e-300
_MAX_TERMS = 10000
# Below this the upper tail Q(a, x) cannot change P = 1 − Q in double precision.
_NEGLIGIBLE_TAIL = 1e-17


def sas_gamma(x):
    """Gamma function Γ(x), the role of sasmodels' sas_gamma (C tgamma)."""
    return gamma(x)


def _power_exp_over_gamma(a, x):
    """x^a·e^(−x)/Γ(a) for a > 0, x > 0, computed without overflow."""
    if a < 100.0 and x < 700.0:
        return x ** a * exp(-x) / gamma(a)
    return exp(a * log(x) - x - lgamma(a))


def _lower_series(a, x, prefactor):
    """P(a, x) from the power series γ(a,x) = x^a e^(−x) Σ x^n / (a(a+1)…(a+n))."""
    # Abramowitz & Stegun 6.5.29: the series converges for all x, fast when x < a + 1.
    term = 1.0 / a
    total = term
    denom = a
    for _ in range(_MAX_TERMS):
        denom += 1.0
        term *= x / denom
        total += term
        if term < total * _EPSILON:
            return prefactor * total
    raise ArithmeticError(f"gammainc: series did not converge for a={a!r}, x={x!r}")


def _upper_fraction(a, x, prefactor):
    """Q(a, x) from Legendre's continued fraction, evaluated with the modified Lentz method."""
    # A&S 6.5.31: Γ(a,x) = e^(−x) x^a · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …)))
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPSILON:
            return prefactor * h
    raise ArithmeticError(f"gammaincc: continued fraction did not converge for a={a!r}, x={x!r}")


def gammainc(a, x):
    """Regularized lower incomplete gamma P(a, x) = γ(a, x)/Γ(a), for a > 0 and x ≥ 0.

    @example gammainc(1.0, 2.0) == 1 − e^(−2)
    """
    if not a > 0.0:
        raise ValueError(f"gammainc: shape a must be > 0, got {a!r}")
    if not x > 0.0:
        if x == 0.0:
            return 0.0
        raise ValueError(f"gammainc: x must be >= 0, got {x!r}")
    if x == inf:
        return 1.0
    prefactor = _power_exp_over_gamma(a, x)
    if x < a + 1.0:
        return _lower_series(a, x, prefactor)
    # Γ(a,x) ≤ x^(a−1) e^(−x) · x/(x−a+1) for x > a−1 (and ≤ x^(a−1) e^(−x) for a ≤ 1).
    if prefactor < _NEGLIGIBLE_TAIL * min(x, x - a + 1.0):
        return 1.0
    return 1.0 - _upper_fraction(a, x, prefactor)


def gammaincc(a, x):
    """Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x)."""
    if not a > 0.0:
        raise ValueError(f"gammaincc: shape a must be > 0, got {a!r}")
    if not x > 0.0:
        if x == 0.0:
            return 1.0
        raise ValueError(f"gammaincc: x must be >= 0, got {x!r}")
    if x == inf:
        return 0.0
    prefactor = _power_exp_over_gamma(a, x)
    if x < a + 1.0:
        return 1.0 - _lower_series(a, x, prefactor)
    return _upper_fraction(a, x, prefactor)


def lower_gamma(a, x):
    """Unregularized lower incomplete gamma γ(a, x) = Γ(a)·P(a, x)."""
    return gamma(a) * gammainc(a, x)
