"""Where the oriented models' kernel calls go on the realistic mix (CPython, no timing).

For images 0-2999 of the mix (seed 100000), counts kernel calls per pixel (size-mesh points x
orientation points) of each oriented model and splits them by the number of size dispersity axes
and whether orientation jitter is on. Run from the repository root:

    python3 bench/mesh_cost.py
"""
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "generators"), os.path.join(HERE, "..", "generators", "models")]

import sas_engine  # noqa: E402
from _sas_kernel import orientation_mesh, volume_mesh  # noqa: E402

MIX = ["sphere", "core_shell_sphere", "fuzzy_sphere", "lamellar", "cylinder",
       "core_shell_cylinder", "ellipsoid", "parallelepiped", "guinier", "lorentz", "power_law",
       "broad_peak"]

for position, name in enumerate(MIX):
    info = sas_engine.get_model(name)
    if not info.oriented:
        continue
    cost = collections.Counter()
    for k in range(position, 3000, len(MIX)):
        pars, _ = sas_engine.random_pars(info, sas_engine.image_seed(100000, k))
        full = sas_engine.validate_pars(info, pars, is2d=True)
        mesh, omesh = volume_mesh(info, full), orientation_mesh(info, full)
        axes = sum(1 for i in range(len(mesh[0][0])) if len({a[i] for a, _ in mesh}) > 1)
        cost[(axes, len(omesh) > 1)] += len(mesh) * len(omesh)
    total = sum(cost.values())
    shares = ", ".join("%d axes%s %.1f %%" % (axes, " + jitter" if jitter else "", 100 * c / total)
                       for (axes, jitter), c in sorted(cost.items()))
    print("%-20s %7.1f calls/pixel: %s" % (name, total / len(range(position, 3000, len(MIX))),
                                            shares))
