"""Sphere amplitude 3·j1(x)/x = 3(sin x − x cos x)/x³ (sasmodels lib/sas_3j1x_x.c)."""
from math import cos, sin

# Below this x the closed form loses digits to cancellation; the series is exact to ~3e-14.
_SERIES_CUTOFF = 0.1


def sas_3j1x_x(x):
    """Normalised sphere form amplitude: 3(sin x − x cos x)/x³, 1 at x = 0."""
    if x < _SERIES_CUTOFF:
        # Taylor series of 3 j1(x)/x: 1 − x²/10 + x⁴/280 − x⁶/15120 (sasmodels sas_3j1x_x.c).
        x2 = x * x
        return 1.0 + x2 * (-3.0 / 30.0 + x2 * (3.0 / 840.0 + x2 * (-3.0 / 45360.0)))
    s = sin(x)
    c = cos(x)
    return 3.0 * (s / x - c) / (x * x)
