import assert from "node:assert/strict";
import { detectorAxis, maxRelative } from "./_compare.ts";
import { SasHost } from "../../generators/host/pyodide_host.ts";
import { REALISTIC_MIX } from "../../generators/host/generation_plan.ts";

const REF = new URL("../../../shared/reference/", import.meta.url);
const host = await SasHost.create();
const compiled = host.compiled;

Deno.test("every model of the realistic mix compiles and passes its kernel checks", () => {
  const failures = REALISTIC_MIX.map((m) => [m, compiled.status(m)]).filter(([, why]) => why);
  assert.deepEqual(failures, []);
});

Deno.test("compiled images equal Python's to 1e-9 on random draws (mix, P@S), polydisperse ones too", () => {
  const size = 16, qmax = 0.3, q = detectorAxis(qmax, size);
  const failures: string[] = [];
  let polydisperse = 0;
  for (const model of [...REALISTIC_MIX, "sphere@hardsphere"]) {
    const picked: Record<string, number | string>[] = [];
    // two polydisperse draws (with orientation jitter for oriented shapes) and one plain draw
    for (let index = 0, mono = 0; picked.length < 3 && index < 60; index++) {
      const { label } = host.random(model, 42, index, { qmax, size: 2 });
      if (label.polydisperse ? picked.length - mono < 2 : mono < 1) {
        picked.push(label.params);
        if (!label.polydisperse) mono++;
        else polydisperse++;
      }
    }
    for (const params of picked) {
      const fast = compiled.renderF64(model, params, host.gridKey({ qmax, size }));
      assert.ok(fast, `${model}: the compiled path declined ${JSON.stringify(params)}`);
      const err = maxRelative(fast, host.image2d(model, params, q, q));
      if (!(err <= 1e-9)) failures.push(`${model}: ${err} for ${JSON.stringify(params)}`);
    }
  }
  assert.deepEqual(failures, []);
  // 8 models of the mix and the product have dispersity parameters: two polydisperse draws each
  assert.ok(polydisperse >= 18, `${polydisperse} polydisperse draws`);
});

/** Catalog models outside the mix that compile through the math.gamma / lgamma ports. */
const GAMMA_MODELS = ["mass_fractal", "surface_fractal", "polymer_excl_volume"];

Deno.test("the gamma-function models compile and equal Python's images to 1e-9", () => {
  const size = 16, qmax = 0.3, q = detectorAxis(qmax, size);
  for (const model of GAMMA_MODELS) {
    assert.equal(compiled.status(model), "", model);
    for (let index = 0; index < 4; index++) {
      const { label } = host.random(model, 11, index, { qmax, size: 2 });
      const fast = compiled.renderF64(model, label.params, host.gridKey({ qmax, size }));
      assert.ok(fast, `${model}: the compiled path declined ${JSON.stringify(label.params)}`);
      const err = maxRelative(fast, host.image2d(model, label.params, q, q));
      assert.ok(err <= 1e-9, `${model}: ${err} for ${JSON.stringify(label.params)}`);
    }
  }
});

Deno.test("sasmodels 2-D reference images reproduce to 1e-6 through the compiled path", async () => {
  const cases: { model: string; set: string; params: Record<string, unknown>; image: number[] }[] =
    JSON.parse(await Deno.readTextFile(new URL("iq2d.json", REF)));
  const failures: string[] = [];
  for (const c of cases) {
    assert.equal(compiled.status(c.model), "", c.model);
    const fast = compiled.renderF64(c.model, c.params, host.gridKey({ qmax: 0.3, size: 64 }));
    const err = fast ? maxRelative(fast, c.image) : Infinity;
    if (!(err <= 1e-6)) failures.push(`${c.model}/${c.set}: max relative error ${err}`);
  }
  assert.deepEqual(failures, []);
});

Deno.test("render and random give the same float32 image as the Python path (1e-6)", () => {
  const grid = { qmax: 0.25, size: 24 }, q = detectorAxis(grid.qmax, grid.size);
  for (const model of ["cylinder", "parallelepiped", "sphere", "broad_peak"]) {
    const { label, image } = host.random(model, 7, 3, grid);
    assert.ok(maxRelative(image, host.image2d(model, label.params, q, q)) <= 1e-6, model);
    const again = host.render(model, label.params, grid);
    assert.deepEqual(again.image, image);
  }
});

const COMPREHENSION_PLUGIN = `
from math import sin
name = "comprehension_sphere"
parameters = [["radius", "Ang", 30, [0, 1e5], "volume", "radius"]]
def form_volume(radius):
    return radius ** 3
def Iq(q, radius):
    terms = [sin(q * radius * k) for k in (1, 2)]
    return 1.0 + sum(terms) ** 2
`;

Deno.test("a plugin with a list comprehension falls back to Python and renders correctly", () => {
  const name = host.registerPlugin(COMPREHENSION_PLUGIN, "comprehension_sphere.py");
  assert.match(compiled.status(name), /ListComp is not supported/);
  const grid = { qmax: 0.2, size: 8 }, q = detectorAxis(grid.qmax, grid.size);
  const { image } = host.render(name, { radius: 40 }, grid);
  assert.ok(maxRelative(image, host.image2d(name, { radius: 40 }, q, q)) <= 1e-6);
});

const SEMANTICS = `
def rnd(x):
    return round(x)
def fdiv(a, b):
    return a // b
def fmod(a, b):
    return a % b
def power(a, b):
    return a ** b
def chain(a, b, c):
    return 1.0 if a < b <= c != a else 0.0
def pair(a, b):
    return a + b, a * b
def use_pair(a, b):
    s, p = pair(a, b)
    return s - p
def guarded(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        return -1.0
def loops(n):
    total = 0
    for k in range(n, 0, -1):
        if k % 3 == 0:
            continue
        total += k
    for i, v in enumerate((1.5, 2.5)):
        total += i * v
    while total > 10:
        total -= 7
    return total
`;

const SEMANTIC_CALLS: [string, number[]][] = [
  ...[0.5, 1.5, 2.5, -2.5, -0.5, 3.4999, 1e15 + 0.5].map((x): [string, number[]] => ["rnd", [x]]),
  ...[[7, 2], [-7, 2], [7, -2], [-7.5, 2], [7.5, -2], [0, -3], [1, 0]].flatMap(
    (ab): [string, number[]][] => [["fdiv", ab], ["fmod", ab]],
  ),
  ...[[-2, 3], [-2, 2], [-2, -3], [-8, 1 / 3], [0, -1], [2, 0.5], [1.5, 2000], [1e-3, -2]].map(
    (ab): [string, number[]] => ["power", ab],
  ),
  ["chain", [1, 2, 2]],
  ["chain", [2, 2, 3]],
  ["chain", [1, 3, 2]],
  ["pair", [2, 5]],
  ["use_pair", [2, 5]],
  ["guarded", [1, 0]],
  ["guarded", [1, 4]],
  ["loops", [9]],
];

/** -0 and 0 are one Python int; compiled code cannot tell ints from floats. */
const plain = (v: unknown): unknown => Array.isArray(v) ? v.map(plain) : Object.is(v, -0) ? 0 : v;

Deno.test("compiled Python semantics: round-half-even, floor division, **, chains, tuples", () => {
  const pairs = compiled.probe(SEMANTICS, SEMANTIC_CALLS);
  SEMANTIC_CALLS.forEach(([name, args], i) => {
    const [python, js] = pairs[i];
    assert.deepEqual(plain(js), plain(python), `${name}(${args.join(", ")})`);
  });
});

// each function's ValueError / OverflowError becomes a distinct number; the probe reports
// non-finite results as null on both sides
const SPECIAL = "from math import cos, erf, erfc, gamma, lgamma, sin\n" +
  ["gamma", "lgamma", "erf", "erfc", "sin", "cos"].map((f) => `
def f_${f}(x):
    try:
        return ${f}(x)
    except ValueError:
        return -1e300
    except OverflowError:
        return -2e300
`).join("") + `
def f_sincos(x):
    s = sin(x)
    c = cos(x)
    return s - 0.5 * c
`;

/** A deterministic sweep (finite: the probe passes arguments as JSON): uniform, log-uniform
 * of both signs, grid points and edge cases. */
function sweep(): number[] {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const xs = [0, -0, 1e-300, 5e-324, 0.84375, 1.25, 2.8571414947509766, 6, 28, -6, -28, 171.6];
  xs.push(171.7, 200.5, -200.5, -0.5, -3, 1e21, -1e21);
  for (let k = -80; k <= 400; k++) xs.push(k / 8);
  for (let i = 0; i < 600; i++) {
    xs.push(60 * next() - 30, 10 ** (27 * next() - 25) * (i % 2 ? -1 : 1));
  }
  for (let i = 0; i < 300; i++) xs.push(4e4 * next() - 2e4);
  return xs;
}

Deno.test("math.gamma, lgamma, erf, erfc, sin, cos agree with Python to 1e-14, exceptions too", () => {
  const xs = sweep();
  const calls = ["f_gamma", "f_lgamma", "f_erf", "f_erfc", "f_sin", "f_cos", "f_sincos"].flatMap(
    (f) => xs.map((x): [string, number[]] => [f, [x]]),
  );
  const pairs = compiled.probe(SPECIAL, calls);
  const failures: string[] = [];
  calls.forEach(([name, [x]], i) => {
    const [python, js] = pairs[i];
    if (typeof python === "number" && typeof js === "number") {
      const rel = python === js ? 0 : Math.abs(js - python) / Math.abs(python);
      const tolerance = name === "f_sincos" ? 1e-12 : 1e-14; // s − c/2 cancels near its zeros
      if (rel <= tolerance) return;
    } else if (python === null && (js === null || !Number.isFinite(js))) return;
    failures.push(`${name}(${x}): Python ${python}, compiled ${js}`);
  });
  assert.deepEqual(failures, []);
});

Deno.test("compiled sin and cos stay within 1e-15 of Math.sin/Math.cos, paired or not", () => {
  const xs = sweep();
  const calls = ["f_sin", "f_cos", "f_sincos"].flatMap((f) =>
    xs.map((x): [string, number[]] => [f, [x]])
  );
  const js = compiled.probe(SPECIAL, calls).map(([, v]) => v as number);
  xs.forEach((x, i) => {
    const s = js[i], c = js[xs.length + i];
    for (const [got, want] of [[s, Math.sin(x)], [c, Math.cos(x)]]) {
      assert.ok(got === want || Math.abs(got - want) <= 1e-15 * Math.abs(want), `${x}`);
    }
    // s = sin(x); c = cos(x) compiles to one shared reduction with the same two values
    assert.equal(js[2 * xs.length + i], s - 0.5 * c, `${x}`);
  });
});

const REMEMBER = `
from math import atan2, exp, sin


def at(y, x):
    return atan2(y, x)


def at_neg(y, x):
    return at(-(y + 0.0), x)


def f(x):
    return sin(x)


def f_neg(x):
    return f(-(x + 0.0))


def g(x):
    return 1.0 / x


def pair(x):
    return (x, 2.0 * x)


def h(x):
    a, b = pair(x)
    return a + b


def two(x, y):
    return exp(x) * g(y)


def in_loop(x):
    total = 0.0
    for k in range(3):
        total += f(x + k)
    return total
`;

Deno.test("call sites that reuse repeated arguments return exactly what fresh calls return", () => {
  const calls: [string, number[]][] = [
    ["f", [0]],
    ["f_neg", [0]], // sin(-0.0) is -0.0: a remembered +0 must not answer it
    ["f", [1.5]],
    ["f", [1.5]],
    ["g", [0]], // ZeroDivisionError, twice: a raising call stores nothing
    ["g", [0]],
    ["g", [2]],
    ["h", [3]], // a tuple result passes through without being stored
    ["h", [4]],
    ["h", [3]],
    ["two", [1, 2]], // two arguments: the last call is remembered
    ["two", [1, 0]],
    ["two", [1, 0]],
    ["two", [1, 2]],
    ["two", [2, 2]],
    ["in_loop", [0.25]],
    ["in_loop", [0.25]],
    ["at", [0, -1]], // atan2(0.0, -1.0) = π but atan2(-0.0, -1.0) = −π
    ["at_neg", [0, -1]],
  ];
  // 400 distinct arguments twice over, more than the 256-entry table holds: collisions evict
  const xs = Array.from({ length: 400 }, (_, i) => 0.37 * i + 1e-3 * (i % 7));
  for (const x of [...xs, ...xs.slice().reverse()]) calls.push(["f", [x]]);
  const remembered = compiled.probe(REMEMBER, calls, true);
  const fresh = compiled.probe(REMEMBER, calls, false);
  calls.forEach(([name, args], i) => {
    const [python, js] = remembered[i];
    const what = `${name}(${args.join(", ")})`;
    assert.ok(Object.is(js, fresh[i][1]) || plain(js) === plain(fresh[i][1]), what);
    if (python === null) assert.equal(js, null, what);
    else {assert.ok(
        Object.is(js, python) ||
          Math.abs(js as number - (python as number)) <= 1e-15 * Math.abs(python as number),
        `${what}: ${js} vs ${python}`,
      );}
  });
  assert.ok(Object.is(remembered[1][1], -0), "f(-0.0) must be -0.0");
  assert.deepEqual(remembered.slice(17, 19).map(([, v]) => v), [Math.PI, -Math.PI]);
  assert.deepEqual(remembered.slice(7, 10).map(([, v]) => v), [9, 12, 9]);
});
