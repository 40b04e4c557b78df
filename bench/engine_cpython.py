#!/usr/bin/env python3
"""Images/s of generators/engine/sas_engine.py under CPython, against sasmodels' C engine.

Usage: python3 bench/engine_cpython.py [N_MIX=240] [N_SPHERE=300]

Baselines (sasmodels 1.1.0 DLL, float64, one thread, same machine; ../shared/reference/README.md):
49 images/s on the realistic random mix, 9 561 images/s on monodisperse sphere.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "generators", "engine"))
import sas_engine as engine  # noqa: E402

C_MIX, C_SPHERE = 49.0, 9561.0


def bench_mix(count):
    per_model = {}
    poly_count = 0
    start = time.perf_counter()
    for k in range(count):
        name = engine.REALISTIC_MIX[k % len(engine.REALISTIC_MIX)]
        info = engine.get_model(name)
        t0 = time.perf_counter()
        pars, poly = engine.random_pars(info, engine.image_seed(100000, k))
        engine.render_f32(name, json.dumps(pars), 0.3, 64)
        dt = time.perf_counter() - t0
        poly_count += poly
        entry = per_model.setdefault(name, [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += dt
        entry[2] = max(entry[2], dt)
    total = time.perf_counter() - start
    return total, per_model, poly_count


def bench_sphere(count):
    info = engine.get_model("sphere")
    q = engine.detector_q(0.3, 64)
    engine.image_2d(info, {"radius": 50.0}, q, q)  # warm the grid cache
    start = time.perf_counter()
    for k in range(count):
        radius = 50.0 * (0.8 + 0.45 * ((k * 0.618034) % 1.0))  # fresh size per image
        engine.image_2d(info, {"radius": radius}, q, q)
    return time.perf_counter() - start


def main(argv):
    n_mix = int(argv[0]) if argv else 240
    n_sphere = int(argv[1]) if len(argv) > 1 else 300
    total, per_model, poly = bench_mix(n_mix)
    print("random mix: %d images (%d polydisperse) in %.2f s = %.2f images/s  (C engine %.0f: "
          "ratio %.3f)" % (n_mix, poly, total, n_mix / total, C_MIX, n_mix / total / C_MIX))
    for name, (n, t, worst) in sorted(per_model.items(), key=lambda kv: -kv[1][1]):
        print("  %-20s n=%3d  mean %8.1f ms  max %8.1f ms  share %4.1f%%"
              % (name, n, 1000 * t / n, 1000 * worst, 100 * t / total))
    t = bench_sphere(n_sphere)
    print("mono sphere: %d images in %.2f s = %.1f images/s  (C engine %.0f: ratio %.4f)"
          % (n_sphere, t, n_sphere / t, C_SPHERE, n_sphere / t / C_SPHERE))


if __name__ == "__main__":
    main(sys.argv[1:])
