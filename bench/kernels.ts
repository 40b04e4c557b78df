/**
 * Kernel calls over a dispersity mesh: ns per call of each oriented model's compiled kernel,
 * plain and with remembered calls (the variant generators/compiled/compiled_image.ts uses for oriented
 * images and multi-axis meshes), side by side in one run. 20 orientations × the 2048-pixel half
 * grid of 64×64, meshes spanning ±30 % around the default sizes.
 *
 *   deno run -A bench/kernels.ts
 */
import { type GridData, makeLoop, type Plan } from "../generators/compiled/compiled_image.ts";
import { SasHost } from "../generators/host/pyodide_host.ts";

const host = await SasHost.create();

const q = Array.from({ length: 64 }, (_, i) => -0.3 + 0.6 * i / 63);
const px: number[] = [], py: number[] = [];
for (let iy = 0; iy < 32; iy++) {
  for (let ix = 0; ix < 64; ix++) {
    px.push(q[ix]);
    py.push(q[iy]);
  }
}
const grid: GridData = {
  unique: new Float64Array(1),
  index: new Int32Array(1),
  px: Float64Array.from(px),
  py: Float64Array.from(py),
  npix: 4096,
};
const ORIENTATIONS = 20;
const rot: number[] = [];
for (let o = 0; o < ORIENTATIONS; o++) {
  const t = 0.6 + 0.01 * o, p = -0.4 + 0.02 * o;
  const [ct, st, cp, sp] = [Math.cos(t), Math.sin(t), Math.cos(p), Math.sin(p)];
  rot.push(ct * cp, ct * sp, -st, -sp, cp, 0, st * cp, st * sp, ct);
}

/** Points spread over ±30 % of `center`. */
const spread = (center: number, n: number) =>
  Array.from({ length: n }, (_, i) => center * (n === 1 ? 1 : 0.7 + 0.6 * i / (n - 1)));

/** The tensor-product mesh (first axis outermost, as _sas_kernel.volume_mesh builds it). */
function mesh(fixed: number[], axes: number[][]): { args: number[]; weights: number[] } {
  let combos: number[][] = [[]];
  for (const axis of axes) combos = combos.flatMap((c) => axis.map((v) => [...c, v]));
  return {
    args: combos.flatMap((c) => [...fixed, ...c]),
    weights: combos.map(() => 1 / combos.length),
  };
}

// [label, model, kind, SLD-like fixed arguments, size axes]
const CASES: [string, string, "ac" | "abc", number[], number[][]][] = [
  ["cylinder, 25 radii × 10 lengths", "cylinder", "ac", [4, 1], [
    spread(20, 25),
    spread(400, 10),
  ]],
  ["cylinder, 35 radii", "cylinder", "ac", [4, 1], [spread(20, 35), [400]]],
  ["core_shell_cylinder, 25 radii × 10 thicknesses", "core_shell_cylinder", "ac", [4, 2, 1], [
    spread(20, 25),
    spread(20, 10),
    [400],
  ]],
  ["ellipsoid, 25 × 10", "ellipsoid", "ac", [4, 1], [spread(20, 25), spread(400, 10)]],
  ["parallelepiped, 25 × 10", "parallelepiped", "abc", [4, 1], [
    spread(35, 25),
    spread(75, 10),
    [400],
  ]],
];

console.log(
  "| mesh (20 orientations × 2048 pixels) | plain ns/call | remembered ns/call | speed-up |",
);
console.log("|---|---|---|---|");
for (const [label, model, kind, fixed, axes] of CASES) {
  const kernels = host.compiled.kernels(model);
  if (!kernels) throw new Error(`${model} is not compiled: ${host.compiled.status(model)}`);
  const { args, weights } = mesh(fixed, axes);
  const nargs = fixed.length + axes.length;
  const plan: Plan = {
    kind,
    nargs,
    axes: axes.filter((a) => a.length > 1).length,
    args,
    weights,
    norm: 1,
    background: 0.001,
    rot,
    owts: Array(ORIENTATIONS).fill(1 / ORIENTATIONS),
  };
  const entry = kind === "ac" ? "Iqac" : "Iqabc";
  const calls = ORIENTATIONS * grid.px.length * weights.length;
  const timing = (variant: "plain" | "remembering") => {
    const loop = makeLoop(kind, nargs, kernels[variant][entry]);
    const out = new Float64Array(grid.px.length);
    loop(plan, grid, out);
    const t0 = performance.now();
    let runs = 0;
    while (performance.now() - t0 < 1500) {
      loop(plan, grid, out);
      runs++;
    }
    return { ns: (performance.now() - t0) * 1e6 / (runs * calls), out };
  };
  const plain = timing("plain");
  const remembered = timing("remembering");
  if (!plain.out.every((v, i) => v === remembered.out[i])) {
    throw new Error(`${label}: the two variants disagree`);
  }
  console.log(
    `| ${label} | ${plain.ns.toFixed(1)} | ${remembered.ns.toFixed(1)} | ${
      (plain.ns / remembered.ns).toFixed(2)
    }× |`,
  );
}
