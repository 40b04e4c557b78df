#!/usr/bin/env python3
"""Check generators/engine/sas_engine.py against the sasmodels reference numbers.

Usage: python3 tests/generators/check_reference.py [--1d|--2d] [--set NAME] [model ...]
       python3 tests/generators/check_reference.py --engine   (engine invariants and bad inputs)

Loads ../shared/reference/iq1d.json and iq2d.json, evaluates every case (for the listed
models, default all) and prints per case the max relative error, the time and PASS/FAIL.
A model whose .py file does not exist yet is reported as MISSING. Exit code 1 on any FAIL.
"""
import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GENERATORS = os.path.join(ROOT, "generators", "engine")
MODELS_DIR = os.path.join(GENERATORS, "models")
sys.path.insert(0, GENERATORS)
REFERENCE_DIRS = [
    os.path.join(ROOT, "..", "shared", "reference"),
    "/work/shared/reference",
]

# Oriented shapes integrate over orientation with adaptive quadrature in 1D: looser bound.
ORIENTED = {"cylinder", "core_shell_cylinder", "hollow_cylinder", "ellipsoid", "parallelepiped"}
TOL_DEFAULT = 1e-6
TOL_ORIENTED_1D = 1e-4


def reference_path(name):
    for folder in REFERENCE_DIRS:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    raise SystemExit(f"check_reference: cannot find {name} in {REFERENCE_DIRS}")


def model_files_exist(model):
    return all(os.path.exists(os.path.join(MODELS_DIR, part + ".py")) for part in model.split("@"))


def max_relative_error(got, want):
    worst = 0.0
    for g, w in zip(got, want):
        if g != g:  # NaN is always a failure
            return float("inf")
        err = abs(g - w) / max(abs(w), 1e-300)
        if err > worst:
            worst = err
    if len(got) != len(want):
        return float("inf")
    return worst


def run_case(engine, entry, dim):
    info = engine.get_model(entry["model"])
    start = time.perf_counter()
    if dim == "1d":
        got = engine.iq_1d(info, entry["params"], entry["q"])
        want = entry["iq"]
    else:
        got = engine.image_2d(info, entry["params"], entry["qx"], entry["qy"])
        want = entry["image"]
    elapsed = time.perf_counter() - start
    return max_relative_error(got, want), elapsed


def engine_checks():
    """Invariants the reference files cannot check (jitter, products, errors, encoding)."""
    import array
    import json
    import sas_engine as engine

    failures = []

    def check(label, ok):
        print("%-60s %s" % (label, "PASS" if ok else "FAIL"))
        if not ok:
            failures.append(label)

    def raises(label, fn):
        try:
            fn()
        except engine.ModelError as exc:
            check(label + " -> ModelError: " + str(exc)[:60], True)
            return
        except Exception as exc:  # wrong exception type is a failure
            check("%s raised %s" % (label, type(exc).__name__), False)
            return
        check(label + " (no error raised)", False)

    def close(a, b, tol):
        return len(a) == len(b) and all(abs(x - y) <= tol * max(abs(y), 1e-300)
                                        for x, y in zip(a, b))

    q = engine.detector_q(0.3, 16)
    cyl = engine.get_model("cylinder") if model_files_exist("cylinder") else None
    if cyl is not None:
        base = {"theta": 35.0, "phi": -25.0}
        mono = engine.image_2d(cyl, base, q, q)
        one = engine.image_2d(cyl, dict(base, theta_pd=10.0, theta_pd_n=1), q, q)
        check("cylinder: theta_pd_n=1 equals the monodisperse image", close(one, mono, 1e-12))
        narrow = engine.image_2d(cyl, dict(base, theta_pd=1e-7, phi_pd=1e-7,
                                           theta_pd_n=5, phi_pd_n=5), q, q)
        check("cylinder: vanishing jitter converges to the mono image", close(narrow, mono, 1e-6))
        axial = engine.image_2d(cyl, {"theta": 0.0, "phi": 0.0}, q, q)
        spun = engine.image_2d(cyl, {"theta": 0.0, "phi": 77.0}, q, q)
        check("cylinder: theta=0 image does not depend on phi", close(axial, spun, 1e-9))
        wide = engine.image_2d(cyl, dict(base, theta_pd=10.0, theta_pd_n=20), q, q)
        check("cylinder: jitter changes the image", not close(wide, mono, 1e-3))
        check("cylinder: I(-q) = I(q) with jitter", close(wide, wide[::-1], 1e-12))
    sphere = engine.get_model("sphere")
    pd = {"radius": 40.0, "radius_pd": 0.1, "radius_pd_n": 15}
    iq_pd = engine.iq_1d(sphere, pd, q[8:])
    img_pd = engine.image_2d(sphere, pd, q, q)
    check("sphere pd: 2D pixel equals 1D at |q|",
          abs(img_pd[8 * 16 + 12] - engine.iq_1d(sphere, pd, [(q[12] ** 2 + q[8] ** 2) ** 0.5])[0])
          <= 1e-12 * img_pd[8 * 16 + 12])
    check("sphere pd: finite and positive", all(v > 0 for v in iq_pd))
    prod = engine.get_model("sphere@hardsphere")
    hs_off = engine.iq_1d(prod, {"volfraction": 1e-9, "radius": 40.0}, q[8:])
    alone = engine.iq_1d(sphere, {"radius": 40.0, "scale": 1e-9}, q[8:])
    check("sphere@hardsphere: volfraction -> 0 gives scale*P", close(hs_off, alone, 1e-6))
    raw = engine.render_f32("sphere", json.dumps({"radius": 30.0}), 0.3, 16)
    decoded = array.array("f")
    decoded.frombytes(raw)
    if sys.byteorder != "little":
        decoded.byteswap()
    ref = engine.image_2d(sphere, {"radius": 30.0}, q, q)
    check("render_f32: 16x16 float32 LE equals image_2d", len(raw) == 1024 and close(
        list(decoded), ref, 1e-6))
    for name in ("sphere", "cylinder", "parallelepiped", "guinier"):
        if model_files_exist(name):
            info = engine.get_model(name)
            a = engine.random_pars(info, 12345)
            b = engine.random_pars(info, 12345)
            check("random_pars(%s) is deterministic and valid" % name,
                  a == b and engine.validate_pars(info, a[0]) == a[0])
    check("image_seed separates base seeds",
          {engine.image_seed(1, k) for k in range(100)}.isdisjoint(
              {engine.image_seed(2, k) for k in range(100)}))
    raises("unknown parameter", lambda: engine.validate_pars(sphere, {"radiuss": 1}))
    raises("value outside limits", lambda: engine.validate_pars(sphere, {"radius": -1}))
    raises("non-finite value", lambda: engine.validate_pars(sphere, {"sld": float("inf")}))
    raises("unsupported pd type",
           lambda: engine.validate_pars(sphere, {"radius_pd_type": "schulz"}))
    raises("beta mode in 2D", lambda: engine.image_2d(prod, {"structure_factor_mode": 1}, q, q))
    raises("syntax error", lambda: engine.load_model_source("def f(:\n", "bad.py"))
    raises("numpy import", lambda: engine.load_model_source("import numpy\n", "np.py"))
    raises("malformed row", lambda: engine.load_model_source(
        "name='x'\nparameters=[['a', '', 1, [0], '', '']]\ndef Iq(q, a): return a\n", "row.py"))
    raises("missing Iq", lambda: engine.load_model_source("name='x'\nparameters=[]\n", "x.py"))
    raises("unknown model", lambda: engine.get_model("no_such_model"))
    print("engine checks: %d FAIL" % len(failures))
    return 1 if failures else 0


def main(argv):
    if "--engine" in argv:
        sys.path.insert(0, GENERATORS)
        return engine_checks()
    dims = ["1d", "2d"]
    only_set = None
    models = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--1d":
            dims = ["1d"]
        elif arg == "--2d":
            dims = ["2d"]
        elif arg == "--set":
            only_set = args.pop(0)
        else:
            models.append(arg)
    import sas_engine as engine

    cases = []
    for dim in dims:
        with open(reference_path("iq%s.json" % dim)) as f:
            for entry in json.load(f):
                cases.append((dim, entry))
    known = {entry["model"] for _, entry in cases}
    for model in models:
        if model not in known:
            raise SystemExit(f"check_reference: unknown model {model!r}; known: {sorted(known)}")

    counts = {"PASS": 0, "FAIL": 0, "MISSING": 0}
    missing_reported = set()
    for dim, entry in cases:
        model = entry["model"]
        if models and model not in models:
            continue
        if only_set and entry["set"] != only_set:
            continue
        if not model_files_exist(model):
            if model not in missing_reported:
                print(f"{model:22s} {'*':12s} {'*':2s}  MISSING (no generators/sas_models/{model}.py)")
                missing_reported.add(model)
            counts["MISSING"] += 1
            continue
        tol = TOL_ORIENTED_1D if (dim == "1d" and model in ORIENTED) else TOL_DEFAULT
        try:
            err, elapsed = run_case(engine, entry, dim)
            status = "PASS" if err <= tol else "FAIL"
            detail = f"max_rel={err:.3e} tol={tol:.0e} time={elapsed * 1000:8.1f} ms"
        except Exception as exc:  # report and keep going; the traceback helps the model author
            status, detail = "FAIL", f"{type(exc).__name__}: {exc}"
            traceback.print_exc(limit=3)
        counts[status] += 1
        print(f"{model:22s} {entry['set']:12s} {dim}  {status:4s}  {detail}", flush=True)
    print(f"summary: {counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts['MISSING']} MISSING")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
