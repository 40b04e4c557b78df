import assert from "node:assert/strict";
import { SasHost } from "../../generators/pyodide_host.ts";
import { REALISTIC_MIX } from "../../generators/generation_plan.ts";

const REF = new URL("../../../shared/reference/", import.meta.url);
const host = await SasHost.create();
const compiled = host.compiled;

function axis(qmax: number, size: number): number[] {
  const step = 2 * qmax / (size - 1);
  const q = Array.from({ length: size }, (_, i) => -qmax + i * step);
  q[size - 1] = qmax;
  return q;
}

function maxRelative(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const rel = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-300);
    if (!(rel <= worst)) worst = Number.isNaN(rel) ? Infinity : rel;
  }
  return worst;
}

Deno.test("every model of the realistic mix compiles and passes its kernel checks", () => {
  const failures = REALISTIC_MIX.map((m) => [m, compiled.status(m)]).filter(([, why]) => why);
  assert.deepEqual(failures, []);
});

Deno.test("compiled images equal Python's to 1e-9 on random draws (mix, P@S), polydisperse ones too", () => {
  const size = 16, qmax = 0.3, q = axis(qmax, size);
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
      const fast = compiled.renderF64(model, params, qmax, size);
      assert.ok(fast, `${model}: the compiled path declined ${JSON.stringify(params)}`);
      const err = maxRelative(fast, host.image2d(model, params, q, q));
      if (!(err <= 1e-9)) failures.push(`${model}: ${err} for ${JSON.stringify(params)}`);
    }
  }
  assert.deepEqual(failures, []);
  // 8 models of the mix and the product have dispersity parameters: two polydisperse draws each
  assert.ok(polydisperse >= 18, `${polydisperse} polydisperse draws`);
});

/** Catalog models that keep the Python path, and why (see compiled.status). */
const NOT_COMPILED = new Map([
  ["mass_fractal", /math\.gamma/],
  ["surface_fractal", /math\.gamma/],
  ["polymer_excl_volume", /math\.gamma/],
]);

Deno.test("catalog models outside the compiled subset report why", () => {
  for (const [model, why] of NOT_COMPILED) assert.match(compiled.status(model), why, model);
});

Deno.test("sasmodels 2-D reference images reproduce to 1e-6 through the compiled path", async () => {
  const cases: { model: string; set: string; params: Record<string, unknown>; image: number[] }[] =
    JSON.parse(await Deno.readTextFile(new URL("iq2d.json", REF)));
  const failures: string[] = [];
  for (const c of cases) {
    if (NOT_COMPILED.has(c.model)) continue;
    assert.equal(compiled.status(c.model), "", c.model);
    const fast = compiled.renderF64(c.model, c.params, 0.3, 64);
    const err = fast ? maxRelative(fast, c.image) : Infinity;
    if (!(err <= 1e-6)) failures.push(`${c.model}/${c.set}: max relative error ${err}`);
  }
  assert.deepEqual(failures, []);
});

Deno.test("render and random give the same float32 image as the Python path (1e-6)", () => {
  const grid = { qmax: 0.25, size: 24 }, q = axis(grid.qmax, grid.size);
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
  const grid = { qmax: 0.2, size: 8 }, q = axis(grid.qmax, grid.size);
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
