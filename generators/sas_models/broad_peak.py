"""SasView plugin model: broad peak on a power-law decay (sasmodels 1.1.0 broad_peak, pure Python there)."""
import random as rng
from math import copysign, inf, nan

name = "broad_peak"
title = "Broad Lorentzian type peak on top of a power law decay"
description = """
    I(q) = scale (porod_scale / q^porod_exp
                  + peak_scale / (1 + (|q - peak_pos| correlation_length)^width_exp))^shape_exp
           + background
    An empirical form for amorphous systems with a correlation peak, d0 = 2 pi / peak_pos.
"""
category = "shape-independent"

# [name, units, default, [lower, upper], kind, description]
parameters = [
    ["porod_scale", "", 1.0e-05, [-inf, inf], "", "Power law scale factor"],
    ["porod_exp", "", 3.0, [-inf, inf], "", "Exponent of power law"],
    ["peak_scale", "", 10.0, [-inf, inf], "", "Scale factor for broad peak"],
    ["correlation_length", "Ang", 50.0, [-inf, inf], "", "Screening length"],
    ["peak_pos", "1/Ang", 0.1, [-inf, inf], "", "Peak position in q"],
    ["width_exp", "", 2.0, [-inf, inf], "", "Exponent of peak width"],
    ["shape_exp", "", 1.0, [-inf, inf], "", "Exponent of peak shape"],
]


def Iq(q, porod_scale, porod_exp, peak_scale, correlation_length, peak_pos, width_exp,
       shape_exp):
    """Power law plus generalised Lorentzian, raised to shape_exp, at scattering vector q."""
    z = abs(q - peak_pos) * correlation_length
    try:
        # sasmodels broad_peak.py: I = (A/q^n + C/(1 + (|q − q0| ξ)^m))^p
        base = porod_scale / q ** porod_exp + peak_scale / (1.0 + z ** width_exp)
        if base > 0.0:
            return base ** shape_exp
    except (ZeroDivisionError, OverflowError):
        base = (_numpy_div(porod_scale, _numpy_pow(q, porod_exp))
                + _numpy_div(peak_scale, 1.0 + _numpy_pow(z, width_exp)))
    return _numpy_pow(base, shape_exp)


def _numpy_pow(x, y):
    """x**y with numpy's IEEE results (0^−y = inf, overflow = inf, (−x)^frac = nan)."""
    try:
        result = x ** y
    except ZeroDivisionError:
        return inf
    except OverflowError:
        return inf if x > 0.0 or y % 2.0 == 0.0 else -inf
    return nan if isinstance(result, complex) else result


def _numpy_div(a, b):
    """a/b with numpy's IEEE results for b = 0 (±inf, or nan for 0/0)."""
    if b == 0.0:
        return nan if a == 0.0 or a != a else copysign(inf, a)
    return a / b


def random():
    """Random peak on a decay as in sasmodels' random(); peak_scale tied to the decay at the peak."""
    porod_scale = 10.0 ** rng.uniform(-8.0, -5.0)
    porod_exp = rng.uniform(1.0, 6.0)
    peak_scale = 10.0 ** rng.uniform(0.3, 6.0)
    correlation_length = 10.0 ** rng.uniform(0.0, 2.0)
    peak_pos = 10.0 ** rng.uniform(-3.0, -1.0)
    width_exp = rng.uniform(1.0, 4.0)
    shape_exp = rng.uniform(1.0, 2.0)
    return {
        "scale": 1,
        "porod_scale": porod_scale,
        "porod_exp": porod_exp,
        "peak_scale": peak_scale * porod_scale / peak_pos ** porod_exp,
        "correlation_length": correlation_length / peak_pos,
        "peak_pos": peak_pos,
        "width_exp": width_exp,
        "shape_exp": shape_exp,
    }
