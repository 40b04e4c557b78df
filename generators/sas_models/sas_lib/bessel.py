"""Bessel functions for SAS form factors: J1(x), 2·J1(x)/x and sin(x)/x.

Pure Python (no numpy) so it runs under CPython and Pyodide alike.
"""
from math import cos, sin, sqrt

# Cephes j1.c (S. L. Moshier, Cephes Math Library 2.8), as used by sasmodels
# lib/sas_J1.c: rational approximations, |x| <= 5 and |x| > 5.
_Z1 = 1.46819706421238932572e1  # first zero of J1, squared
_Z2 = 4.92184563216946036703e1  # second zero of J1, squared
_INV_SQRT_PI = 0.56418958354775628


def _j1_small(z):
    """J1(x) / (x·(z − Z1)·(z − Z2)) at z = x², for |x| <= 5 (Cephes j1.c rational form)."""
    num = ((-8.99971225705559398224e8 * z + 4.52228297998194034323e11) * z
           - 7.27494245221818276015e13) * z + 3.68295732863852883286e15
    den = (((((((z + 6.20836478118054335476e2) * z + 2.56987256757748830383e5) * z
               + 8.35146791431949253037e7) * z + 2.21511595479792499675e10) * z
             + 4.74914122079991414898e12) * z + 7.84369607876235854894e14) * z
           + 8.95222336184627338078e16) * z + 5.32278620332680085395e18
    return num / den


def _j1_sqrt_x(ax):
    """J1(ax)·√ax for ax > 5 (Cephes j1.c asymptotic branch, trig identity of sasmodels)."""
    w = 5.0 / ax
    z = w * w
    p = (((((7.62125616208173112003e-4 * z + 7.31397056940917570436e-2) * z
            + 1.12719608129684925192e0) * z + 5.11207951146807644818e0) * z
          + 8.42404590141772420927e0) * z + 5.21451598682361504063e0) * z \
        + 1.00000000000000000254e0
    p /= (((((5.71323128072548699714e-4 * z + 6.88455908754495404082e-2) * z
             + 1.10514232634061696926e0) * z + 5.07386386128601488557e0) * z
           + 8.39985554327604159757e0) * z + 5.20982848682361821619e0) * z \
        + 9.99999999999999997461e-1
    q = ((((((5.10862594750176621635e-2 * z + 4.98213872951233449420e0) * z
             + 7.58238284132545283818e1) * z + 3.66779609360150777800e2) * z
           + 7.10856304998926107277e2) * z + 5.97489612400613639965e2) * z
         + 2.11688757100572135698e2) * z + 2.52070205858023719784e1
    q /= ((((((z + 7.42373277035675149943e1) * z + 1.05644886038262816351e3) * z
             + 4.98641058337653607651e3) * z + 9.56231892404756170795e3) * z
           + 7.99704160447350683650e3) * z + 2.82619278517639096600e3) * z \
        + 3.36093607810698293419e2
    s = sin(ax)
    c = cos(ax)
    # cos(x − 3π/4) and sin(x − 3π/4) expanded, as in sasmodels lib/sas_J1.c.
    return (p * (s - c) + w * q * (s + c)) * _INV_SQRT_PI


def sas_J1(x):
    """Bessel function of the first kind of order one, J1(x), double precision."""
    ax = -x if x < 0.0 else x
    if ax <= 5.0:
        z = ax * ax
        r = _j1_small(z) * ax * (z - _Z1) * (z - _Z2)
    else:
        r = _j1_sqrt_x(ax) / sqrt(ax)
    return -r if x < 0.0 else r


def sas_2J1x_x(x):
    """2·J1(x)/x, the cross-section amplitude of a disc; 1 at x = 0."""
    ax = -x if x < 0.0 else x
    if ax <= 5.0:
        if ax == 0.0:
            return 1.0
        z = ax * ax
        return 2.0 * _j1_small(z) * (z - _Z1) * (z - _Z2)
    return 2.0 * _j1_sqrt_x(ax) / (ax * sqrt(ax))


def sas_sinx_x(x):
    """sin(x)/x (spherical Bessel j0); 1 at x = 0, as sasmodels' sas_sinx_x."""
    return 1.0 if x == 0.0 else sin(x) / x
