"""Where the oriented models' kernel calls go on the realistic mix (CPython, no timing).

For images 0-2999 of the mix (seed 100000), counts kernel calls per pixel (size-mesh points x
orientation points) of each oriented model and splits them by the number of size dispersity axes
and whether orientation jitter is on. Run from the repository root:

    python3 bench/mesh_cost.py
"""
import collections
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [
    os.path.join(HERE, "..", "generators", "engine"),
    os.path.join(HERE, "..", "generators", "compiled"),
    os.path.join(HERE, "..", "generators", "sas_models"),
]

import sas_engine  # noqa: E402
from _sas_plan import image_plan  # noqa: E402

MIX = sas_engine.REALISTIC_MIX

for position, name in enumerate(MIX):
    info = sas_engine.get_model(name)
    if not info.oriented:
        continue
    cost = collections.Counter()
    for k in range(position, 3000, len(MIX)):
        pars, _ = sas_engine.random_pars(info, sas_engine.image_seed(100000, k))
        # the compiled path's plan: size-mesh weights, orientation weights, dispersity axes
        plan = json.loads(image_plan(info, pars))
        cost[(plan["axes"], len(plan["owts"]) > 1)] += len(plan["weights"]) * len(plan["owts"])
    total = sum(cost.values())
    shares = ", ".join("%d axes%s %.1f %%" % (axes, " + jitter" if jitter else "", 100 * c / total)
                       for (axes, jitter), c in sorted(cost.items()))
    print("%-20s %7.1f calls/pixel: %s" % (name, total / len(range(position, 3000, len(MIX))),
                                            shares))
