import assert from "node:assert/strict";
import { generationHeader } from "../../generators/host/generation_plan.ts";
import type { GenerationSettings } from "../../generators/host/image_job.ts";
import { type Accuracy, SasHost } from "../../generators/host/pyodide_host.ts";
import { detectorAxis, maxRelative } from "./_compare.ts";

const TASKS = new URL("../../tasks/", import.meta.url).pathname;
const host = await SasHost.create();

// sasmodels resolution2d.Pinhole2D (polar), written out a second time from its formulas: nr rings
// at r_i = (i + ½)·3/nr standard deviations, nphi angles 2πj/nphi, ring weight
// exp(-(i·3/nr)²/2) − exp(-((i+1)·3/nr)²/2), each ring point rotated by the pixel angle atan(qy/qx).
const BINS: Record<Accuracy, [number, number]> = {
  low: [3, 4],
  med: [5, 6],
  high: [5, 12],
  xhigh: [10, 20],
};

/** I at each (qx, qy) point. */
type Evaluate = (points: [number, number][]) => ArrayLike<number>;

function smearedPixel(
  evaluate: Evaluate,
  qx: number,
  qy: number,
  dqOverQ: number,
  accuracy: Accuracy,
): number {
  const [nr, nphi] = BINS[accuracy];
  const step = 3 / nr;
  const q = Math.hypot(qx, qy);
  const dq = Math.max(dqOverQ * q, 1e-10);
  const angle = Math.atan(qy / qx);
  const points: [number, number][] = [], weights: number[] = [];
  for (let j = 0; j < nphi; j++) {
    const phi = (2 * Math.PI * j) / nphi;
    for (let i = 0; i < nr; i++) {
      const r = (i + 0.5) * step;
      const a = q + r * dq * Math.cos(phi), b = r * dq * Math.sin(phi);
      const x = a * Math.cos(angle) - b * Math.sin(angle);
      const y = a * Math.sin(angle) + b * Math.cos(angle);
      points.push([x, y]);
      weights.push(Math.exp(-0.5 * (i * step) ** 2) - Math.exp(-0.5 * ((i + 1) * step) ** 2));
    }
  }
  const iq = evaluate(points);
  let sum = 0, total = 0;
  for (let k = 0; k < points.length; k++) {
    sum += weights[k] * iq[k];
    total += weights[k];
  }
  return sum / total;
}

/** Smallest value over pixels with |q| in `dip`, over the largest with |q| in `peak`. */
function fringeContrast(
  image: Float32Array,
  grid: { qmax: number; size: number },
  dip: [number, number],
  peak: [number, number],
): number {
  const axis = detectorAxis(grid.qmax, grid.size);
  let min = Infinity, max = -Infinity;
  for (let iy = 0; iy < grid.size; iy++) {
    for (let ix = 0; ix < grid.size; ix++) {
      const q = Math.hypot(axis[ix], axis[iy]), v = image[iy * grid.size + ix];
      if (q >= dip[0] && q <= dip[1]) min = Math.min(min, v);
      if (q >= peak[0] && q <= peak[1]) max = Math.max(max, v);
    }
  }
  return min / max;
}

Deno.test("resolution 0 takes the compiled path, bit-identical to no resolution at all", () => {
  const grid = { qmax: 0.3, size: 24 };
  for (
    const [model, params] of [
      ["sphere", { radius: 60, radius_pd: 0.1, radius_pd_n: 9 }],
      ["cylinder", { theta: 35, phi: -25 }],
    ] as const
  ) {
    const plain = host.render(model, params, grid).image;
    const off = host.render(model, params, { ...grid, resolution: 0, accuracy: "xhigh" }).image;
    assert.deepEqual(new Uint8Array(off.buffer), new Uint8Array(plain.buffer));
    const random = host.random(model, 3, 7, grid).image;
    const randomOff = host.random(model, 3, 7, { ...grid, resolution: 0 }).image;
    assert.deepEqual(new Uint8Array(randomOff.buffer), new Uint8Array(random.buffer));
  }
});

// Kernels wrapped in a list comprehension, which the kernel compiler declines: render and random
// of these plugins run Python's render_f32 → image_2d with the resolution (0) passed through.
const PY_SPHERE = `
import sphere
name = "py_sphere"
parameters = sphere.parameters
form_volume = sphere.form_volume
def Iq(q, sld, sld_solvent, radius):
    return [sphere.Iq(q, sld, sld_solvent, radius) for _ in (0,)][0]
`;
const PY_CYLINDER = `
import cylinder
name = "py_cylinder"
parameters = cylinder.parameters
form_volume = cylinder.form_volume
Iq = cylinder.Iq
def Iqac(qab, qc, sld, sld_solvent, radius, length):
    return [cylinder.Iqac(qab, qc, sld, sld_solvent, radius, length) for _ in (0,)][0]
`;
// I = 2 + cos(|q|/period) with period 1e-9 Å⁻¹ changes within sasmodels' smallest width
// (SIGMA_ZERO = 1e-10): any smearing at all shows. The oriented one ignores its orientation.
const RIPPLE = `
from math import cos, inf, sqrt
name = "ripple"
parameters = [["period", "1/Ang", 1e-9, [0, inf], "", "q period / 2 pi"]]
def Iq(q, period):
    return [2.0 + cos(q / period) for _ in (0,)][0]
`;
const RIPPLE_ORIENTED = RIPPLE.replace('"ripple"', '"ripple_oriented"') + `
parameters = parameters + [["theta", "degrees", 0, [-180, 180], "orientation", "polar"],
                           ["phi", "degrees", 0, [-360, 360], "orientation", "azimuth"]]
def Iqac(qab, qc, period):
    return [2.0 + cos(sqrt(qab * qab + qc * qc) / period) for _ in (0,)][0]
`;

function bits(image: Float32Array): Uint8Array {
  return new Uint8Array(image.buffer, image.byteOffset, image.byteLength);
}

Deno.test("resolution 0 in Python's image_2d renders the unsmeared image", () => {
  const names = [
    [PY_SPHERE, "py_sphere.py"],
    [PY_CYLINDER, "py_cylinder.py"],
    [RIPPLE, "ripple.py"],
    [RIPPLE_ORIENTED, "ripple_oriented.py"],
  ].map(([source, file]) => host.registerPlugin(source, file));
  for (const name of names) assert.match(host.compiled.status(name), /ListComp is not supported/);
  const [sphere, cylinder, ripple, rippleOriented] = names;
  const grid = { qmax: 0.3, size: 24 },
    off = { ...grid, resolution: 0, accuracy: "xhigh" as const };
  const axis = detectorAxis(grid.qmax, grid.size);
  const pixelQ = axis.flatMap((y) => axis.map((x) => Math.sqrt(x * x + y * y)));
  // Isotropic: bit for bit the 1-D I(q) (iq_1d, which never reaches image_2d) at each pixel's |q|;
  // as in _sas_kernel._grid, pixels whose |q| agree to 13 digits take the first one's |q|.
  const first = new Map<string, number>();
  const gridQ = pixelQ.map((v) => {
    const key = v.toPrecision(13);
    if (!first.has(key)) first.set(key, v);
    return first.get(key)!;
  });
  const unsmeared = (model: string, params: Record<string, unknown>) =>
    bits(Float32Array.from(host.iq1d(model, params, gridQ)));
  const params = { radius: 60, radius_pd: 0.1, radius_pd_n: 9 };
  assert.deepEqual(bits(host.render(sphere, params, off).image), unsmeared(sphere, params));
  const drawn = host.random(sphere, 3, 7, off);
  assert.deepEqual(bits(drawn.image), unsmeared(sphere, drawn.label.params));
  assert.deepEqual(bits(host.render(ripple, {}, off).image), unsmeared(ripple, {}));
  // the ripple's reference sees the smallest smearing
  const slight = host.render(ripple, {}, { ...off, resolution: 1e-6 }).image;
  assert.notDeepEqual(bits(slight), unsmeared(ripple, {}));
  // Oriented: the compiled catalog cylinder (no Python image code), equal to Python's to 1e-9,
  // and the ripple's 1-D I(q) at each pixel's own |q| (within 1e-7: float32, qab² + qc² rounding)
  const oriented = {
    theta: 35,
    phi: -25,
    radius_pd: 0.1,
    radius_pd_n: 5,
    theta_pd: 8,
    theta_pd_n: 5,
  };
  const random = host.random(cylinder, 3, 7, off);
  const cases = [
    [host.render(cylinder, oriented, off).image, oriented],
    [random.image, random.label.params],
  ] as const;
  for (const [image, at] of cases) {
    const want = host.compiled.renderF64("cylinder", at, host.gridKey(grid));
    assert.ok(want && maxRelative(image, want) <= 1e-6, JSON.stringify(at));
  }
  const tilted = { theta: 35, phi: -25 };
  const want = host.iq1d(rippleOriented, tilted, pixelQ);
  assert.ok(maxRelative(host.render(rippleOriented, tilted, off).image, want) <= 1e-6);
});

Deno.test("smeared images equal the Pinhole2D weighted average computed point by point", () => {
  const sphere = { radius: 60, radius_pd: 0.1, radius_pd_n: 9, background: 0.01 };
  const cylinder = { radius: 30, length: 250, theta: 35, phi: -25 };
  const cases: [string, Record<string, unknown>, Evaluate][] = [
    ["sphere", sphere, (pts) => host.iq1d("sphere", sphere, pts.map(([x, y]) => Math.hypot(x, y)))],
    [
      "cylinder",
      cylinder,
      (pts) => pts.map(([x, y]) => host.image2d("cylinder", cylinder, [x], [y])[0]),
    ],
  ];
  // pixels from both halves: Python evaluates oriented images on pixels 0..287 only and fills
  // 288..575 by I(q) = I(-q), so (12, 12), (7, 20) and (20, 12) check the mirrored half
  const pixels = [[3, 11], [20, 12], [12, 12], [7, 20], [23, 1], [16, 9], [0, 0]];
  for (const [model, params, evaluate] of cases) {
    for (const [resolution, accuracy] of [[0.1, "low"], [0.05, "med"], [0.2, "xhigh"]] as const) {
      const grid = { qmax: 0.3, size: 24, resolution, accuracy };
      const image = host.render(model, params, grid).image;
      const axis = detectorAxis(grid.qmax, grid.size);
      for (const [ix, iy] of pixels) {
        const expected = smearedPixel(evaluate, axis[ix], axis[iy], resolution, accuracy);
        const got = image[iy * grid.size + ix];
        assert.ok(
          Math.abs(got - expected) <= 1e-6 * Math.abs(expected),
          `${model} ${accuracy} pixel (${ix}, ${iy}): ${got} vs ${expected}`,
        );
      }
    }
  }
});

Deno.test("smearing fills in a sphere's fringe minima: min/max contrast rises with dq/q", () => {
  // sphere R = 80 Å: first zero at qR = 4.493 (q = 0.056), next lobe peaks at qR = 5.763 (0.072)
  const grid = { qmax: 0.15, size: 64 };
  const ratios = [0, 0.05, 0.15].map((resolution) =>
    fringeContrast(
      host.render("sphere", { radius: 80 }, { ...grid, resolution }).image,
      grid,
      [0.045, 0.065],
      [0.065, 0.085],
    )
  );
  assert.ok(ratios[0] < 0.01 && ratios[0] < ratios[1] && ratios[1] < ratios[2], `${ratios}`);
});

Deno.test("smeared oriented images: the mirrored half is the Pinhole2D average at its own q", () => {
  // Python evaluates the first half of the pixels and copies the rest from I(q) = I(-q); compute
  // every copied pixel at its own (qx, qy) instead
  const size = 20, qmax = 0.3, resolution = 0.1, params = { theta: 40, phi: 20 };
  const image = host.render("cylinder", params, { qmax, size, resolution }).image;
  const axis = detectorAxis(qmax, size);
  const evaluate: Evaluate = (pts) =>
    pts.map(([x, y]) => host.image2d("cylinder", params, [x], [y])[0]);
  for (let k = Math.ceil((size * size) / 2); k < size * size; k++) {
    const [ix, iy] = [k % size, Math.floor(k / size)];
    const expected = smearedPixel(evaluate, axis[ix], axis[iy], resolution, "low");
    assert.ok(
      Math.abs(image[k] - expected) <= 1e-6 * Math.abs(expected),
      `pixel (${ix}, ${iy}): ${image[k]} vs ${expected}`,
    );
  }
});

Deno.test("the header records resolution only when smearing is on", () => {
  const settings: GenerationSettings = {
    seed: 1,
    models: ["sphere"],
    grid: { qmax: 0.3, size: 8 },
    noise: "none",
    flux: 1,
    plugins: [],
  };
  assert.equal("resolution" in generationHeader(settings, 1), false);
  const on = { ...settings, grid: { ...settings.grid, resolution: 0.1, accuracy: "med" as const } };
  assert.deepEqual(generationHeader(on, 1).resolution, { dq_over_q: 0.1, accuracy: "med" });
});

Deno.test("bad --resolution or --accuracy gives a one-line error and exit 1", async () => {
  for (
    const [task, args, expected] of [
      ["generate", ["--resolution", "-0.1"], "generate: error: --resolution must be ≥ 0, got -0.1"],
      ["generate", ["--resolution", "1"], "--resolution must be a dq/q fraction in [0, 1), got 1"],
      ["generate", ["--accuracy", "ultra"], 'must be one of low, med, high, xhigh, got "ultra"'],
      ["render", ["--model", "sphere", "--accuracy", "ultra"], "render: error: --accuracy"],
    ] as const
  ) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${TASKS}${task}.ts`, "--quiet", "--out", "-", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trim();
    assert.equal(out.code, 1, stderr);
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.ok(stderr.includes(expected), stderr);
  }
});
