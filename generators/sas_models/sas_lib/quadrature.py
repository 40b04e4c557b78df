"""Gauss–Legendre rules on [−1, 1] and sasmodels' adaptive choice of rule size.

Nodes are the roots of the Legendre polynomial P_n, found by Newton iteration from
Tricomi's initial guess; weights are 2/((1 − x²)·P_n'(x)²) (Abramowitz & Stegun 25.4.29).
Rules are computed once and cached. The 20-, 76-, 150- and 500-point rules are built at
import (under 0.1 s in CPython); the 5000-point rule, used only by 1-D orientation
averages of very large particles, is built on first use (about 4 s in CPython).
"""
from math import cos, pi, sin

_CACHE = {}


def _legendre_with_derivative(n, x):
    """P_n(x) and P_n'(x) by the three-term recurrence (A&S 22.7.10)."""
    p_prev = 1.0
    p = x
    for k in range(2, n + 1):
        p_prev, p = p, ((2 * k - 1) * x * p - (k - 1) * p_prev) / k
    dp = n * (x * p - p_prev) / (x * x - 1.0)
    return p, dp


def _build(n):
    """Nodes (ascending) and weights of the n-point Gauss–Legendre rule."""
    half = n // 2
    nodes = [0.0] * n
    weights = [0.0] * n
    for i in range(half + (n & 1)):
        # Tricomi's asymptotic estimate of the i-th largest root (A&S 22.16.6).
        theta = pi * (4 * i + 3) / (4 * n + 2)
        x = cos(theta) * (1.0 - (n - 1) / (8.0 * n * n * n))
        for _ in range(100):
            p, dp = _legendre_with_derivative(n, x)
            step = p / dp
            x -= step
            if abs(step) <= 1e-16 * max(1.0, abs(x)):
                break
        p, dp = _legendre_with_derivative(n, x)
        w = 2.0 / ((1.0 - x * x) * dp * dp)
        if n & 1 and i == half:
            x = 0.0
        nodes[n - 1 - i] = x
        nodes[i] = -x
        weights[n - 1 - i] = w
        weights[i] = w
    return tuple(nodes), tuple(weights)


def gauss_legendre(n):
    """Cached n-point Gauss–Legendre rule as (nodes, weights), nodes ascending in [−1, 1]."""
    rule = _CACHE.get(n)
    if rule is None:
        rule = _CACHE[n] = _build(n)
    return rule


for _n in (20, 76, 150, 500):
    gauss_legendre(_n)

# Total point budget of a nested (outer × inner) integral, as sasmodels lib/adaptive.c.
ADAPTIVE_MAX_N = 100000


def adaptive_n(qr, outer_n=1):
    """Rule size sasmodels' lib/adaptive.c picks for a q·size product qr.

    20 points below qr = 10, 76 below 100, 500 below 750, else 5000; an outer loop of
    outer_n points caps the inner rule so that outer_n × inner stays within budget.
    """
    if qr < 10.0 or outer_n > ADAPTIVE_MAX_N // 76:
        return 20
    if qr < 100.0 or outer_n > ADAPTIVE_MAX_N // 500:
        return 76
    if qr < 750.0 or outer_n > ADAPTIVE_MAX_N // 5000:
        return 500
    return 5000


def adaptive(qr, outer_n=1):
    """The Gauss–Legendre rule (nodes, weights) sasmodels' adaptive.c uses for qr."""
    return gauss_legendre(adaptive_n(qr, outer_n))


_THETA_CACHE = {}
_UNIT_CACHE = {}


def polar_rule(n):
    """n-point rule for ∫₀^{π/2} g(θ) dθ as (weights·π/4, sin θ, cos θ), cached."""
    rule = _THETA_CACHE.get(n)
    if rule is None:
        nodes, weights = gauss_legendre(n)
        quarter = 0.25 * pi
        thetas = [quarter * (z + 1.0) for z in nodes]
        rule = _THETA_CACHE[n] = (
            tuple(quarter * w for w in weights),
            tuple(sin(t) for t in thetas),
            tuple(cos(t) for t in thetas),
        )
    return rule


def unit_rule(n):
    """n-point rule for ∫₀¹ g(u) du as (weights/2, u), cached."""
    rule = _UNIT_CACHE.get(n)
    if rule is None:
        nodes, weights = gauss_legendre(n)
        rule = _UNIT_CACHE[n] = (
            tuple(0.5 * w for w in weights),
            tuple(0.5 * z + 0.5 for z in nodes),
        )
    return rule
