/**
 * Hot loops of the compiled image path: the formulas of generators/engine/_sas_kernel.py over flat
 * typed arrays. Each model gets loops generated for its argument count with its kernel bound,
 * so every call site stays monomorphic and nothing is allocated per pixel.
 * @module
 */

/** A compiled kernel: q components first, then the model's call parameters. */
export type Kernel = (...args: number[]) => number;

/** The per-image numbers Python's `image_plan` (generators/engine/_sas_plan.py) sends. */
export interface Plan {
  kind: "iq" | "ac" | "abc" | "product";
  nargs: number;
  /** Mesh axes with more than one value. */
  axes: number;
  args: number[];
  weights: number[];
  norm: number;
  background: number;
  rot?: number[];
  owts?: number[];
  s_args?: number[];
  combined?: number;
}

/** The detector grid as _sas_kernel._grid sees it. */
export interface GridData {
  unique: Float64Array;
  index: Int32Array;
  px: Float64Array;
  py: Float64Array;
  npix: number;
}

/** Fill `out[k]` for the distinct |q| (iq, product) or the half-grid points (ac, abc). */
export type Loop = (plan: Plan, grid: GridData, out: Float64Array) => void;

const callArgs = (q: string, base: string, n: number) =>
  [q, ...Array.from({ length: n }, (_, i) => `A[${base} + ${i}]`)].join(", ");

// _sas_kernel.weighted_sum: part = Σ_mesh fn(...)·(scale·w), first term assigned, not added.
const meshSum = (q: string, nargs: number) => `
      let part = 0;
      for (let m = 0; m < nm; m++) {
        const v = kernel(${callArgs(q, `m * ${nargs}`, nargs)}) * (scale * W[m]);
        part = m === 0 ? v : part + v;
      }`;

const ISOTROPIC = (nargs: number) => `
  const A = plan.args, W = plan.weights, nm = W.length, Q = grid.unique;
  const scale = plan.norm, background = plan.background;
  for (let k = 0; k < Q.length; k++) {
    const q = Q[k];${meshSum("q", nargs)}
    out[k] = part + background;
  }`;

// _sas_kernel.iq_product, structure_factor_mode 0: combined·<P>·S(q) + background.
const PRODUCT = (nargs: number, sargs: number) => `
  const A = plan.args, W = plan.weights, nm = W.length, Q = grid.unique, S = plan.s_args;
  const scale = plan.norm, combined = plan.combined, background = plan.background;
  for (let k = 0; k < Q.length; k++) {
    const q = Q[k];${meshSum("q", nargs)}
    const s = structure(q${sargs ? ", " : ""}${
  Array.from({ length: sargs }, (_, i) => `S[${i}]`).join(", ")
});
    out[k] = combined * part * s + background;
  }`;

// _sas_kernel.points_oriented: [qa, qb, qc]ᵀ = Rᵀ[qx, qy, 0]ᵀ per jitter point; for "ac",
// qab = √(|q|² − qc²) clipped at 0 (sasmodels kernel_iq.c qac_apply).
const ORIENTED = (nargs: number, abc: boolean) => `
  const A = plan.args, W = plan.weights, nm = W.length, R = plan.rot, O = plan.owts;
  const PX = grid.px, PY = grid.py, count = PX.length, norm = plan.norm;
  for (let o = 0; o < O.length; o++) {
    const r = 9 * o, r00 = R[r], r01 = R[r + 1], r02 = R[r + 2];
    const r10 = R[r + 3], r11 = R[r + 4], r12 = R[r + 5];
    const scale = norm * O[o];
    for (let k = 0; k < count; k++) {
      const x = PX[k], y = PY[k];
      const qc = r02 * x + r12 * y;
      ${
  abc
    ? "const qa = r00 * x + r10 * y, qb = r01 * x + r11 * y;"
    : "const d = (x * x + y * y) - qc * qc; const qab = d > 0 ? Math.sqrt(d) : 0;"
}${meshSum(abc ? "qa, qb, qc" : "qab, qc", nargs)}
      out[k] = o === 0 ? part : out[k] + part;
    }
  }
  if (O.length === 0) out.fill(0);
  for (let k = 0; k < count; k++) out[k] += plan.background;`;

/** The loop for one model: `kernel` is its Iq / Iqac / Iqabc, `structure` S's Iq (products). */
export function makeLoop(
  kind: Plan["kind"],
  nargs: number,
  kernel: Kernel,
  structure?: Kernel,
  sargs = 0,
): Loop {
  const body = kind === "iq"
    ? ISOTROPIC(nargs)
    : kind === "product"
    ? PRODUCT(nargs, sargs)
    : ORIENTED(nargs, kind === "abc");
  const factory = new Function(
    "kernel",
    "structure",
    `"use strict";
return function loop(plan, grid, out) {${body}
};`,
  );
  return factory(kernel, structure) as Loop;
}

/**
 * Spread the computed values over the float32 image (scatter of distinct |q|, or the half grid
 * plus its point mirror I(−q) = I(q)); false when a pixel is not finite (in `image`'s type).
 */
export function toImage(
  kind: Plan["kind"],
  grid: GridData,
  values: Float64Array,
  image: Float32Array | Float64Array,
): boolean {
  const n = grid.npix;
  if (kind === "iq" || kind === "product") {
    const index = grid.index;
    for (let i = 0; i < n; i++) image[i] = values[index[i]];
  } else {
    const count = grid.px.length;
    for (let i = 0; i < count; i++) image[i] = values[i];
    for (let i = count; i < n; i++) image[i] = values[n - 1 - i];
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(image[i])) return false;
  }
  return true;
}
