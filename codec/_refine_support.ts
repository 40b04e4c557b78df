/**
 * The support bookkeeping of code refinement (codec/refine.ts): coded entries ↔ latents, their
 * gradients, and growing and pruning each code's support.
 * @module
 */

import type { TrainedModel } from "../models/trained_model.ts";

/**
 * How much one unit of each coded entry moves the decoder's hidden layer: ‖W₃ row i‖ for z, and
 * for a jump at i (which moves every zⱼ, j ≥ i) the norm of the sum of rows i…ℓ−1.
 */
export function entryNorms(model: TrainedModel, grad: boolean): Float64Array {
  const cache = normCache.get(model) ?? {};
  normCache.set(model, cache);
  return cache[grad ? "grad" : "z"] ??= computeNorms(model, grad);
}

/** {@linkcode entryNorms} per model and code kind, computed once (a block refines ≤ 256 images). */
const normCache = new WeakMap<TrainedModel, { z?: Float64Array; grad?: Float64Array }>();

function computeNorms(model: TrainedModel, grad: boolean): Float64Array {
  const { ell, m } = model.arch;
  const w3 = model.network.variables[4].dataSync() as Float32Array;
  const norms = new Float64Array(ell);
  const sum = new Float64Array(m);
  for (let i = grad ? ell - 1 : 0; grad ? i >= 0 : i < ell; i += grad ? -1 : 1) {
    let squares = 0;
    for (let j = 0; j < m; j++) {
      const v = grad ? (sum[j] += w3[i * m + j]) : w3[i * m + j];
      squares += v * v;
    }
    norms[i] = Math.sqrt(squares);
  }
  return norms;
}

/**
 * Adds to each code's support the entries outside it with the largest |g|: `growBy[r]` per growth,
 * up to its pool.
 */
export function grow(
  g: Float32Array,
  mask: Uint8Array,
  support: Int32Array,
  pool: Int32Array,
  growBy: Int32Array,
  ell: number,
): void {
  for (let r = 0; r < support.length; r++) {
    const room = Math.min(growBy[r], pool[r] - support[r]);
    if (room <= 0) continue;
    const outside: number[] = [];
    for (let i = r * ell; i < (r + 1) * ell; i++) if (!mask[i] && g[i] !== 0) outside.push(i);
    outside.sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]) || a - b);
    for (const i of outside.slice(0, room)) mask[i] = 1;
    support[r] += Math.min(room, outside.length);
  }
}

/** Drops from each code the entries of least |cᵢ|·normᵢ until it has `keep(r)` entries. */
export function prune(
  c: Float32Array,
  m1: Float32Array,
  m2: Float32Array,
  mask: Uint8Array,
  support: Int32Array,
  norms: Float64Array,
  keep: (r: number) => number,
  ell: number,
): void {
  for (let r = 0; r < support.length; r++) {
    const extra = support[r] - keep(r);
    if (extra <= 0) continue;
    const inside: number[] = [];
    for (let i = r * ell; i < (r + 1) * ell; i++) if (mask[i]) inside.push(i);
    const weight = (i: number) => Math.abs(c[i]) * norms[i - r * ell];
    inside.sort((a, b) => weight(a) - weight(b) || a - b);
    for (const i of inside.slice(0, extra)) {
      mask[i] =
        c[i] =
        m1[i] =
        m2[i] =
          0;
    }
    support[r] -= extra;
  }
}

/** Latents → coded entries: z itself, or its jumps (c₀ = z₀, cᵢ = zᵢ − zᵢ₋₁). */
export function toCode(z: Float32Array, rows: number, ell: number, grad: boolean): Float32Array {
  if (!grad) return z.slice();
  const c = new Float32Array(z.length);
  for (let r = 0; r < rows; r++) {
    let previous = 0;
    for (let i = r * ell; i < (r + 1) * ell; i++) {
      c[i] = z[i] - previous;
      previous = z[i];
    }
  }
  return c;
}

/** Coded entries → latents (running sums in float32 for jumps, as the decoder adds them). */
export function fromCode(c: Float32Array, rows: number, ell: number, grad: boolean): Float32Array {
  if (!grad) return c.slice();
  const z = new Float32Array(c.length);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = r * ell; i < (r + 1) * ell; i++) z[i] = sum = Math.fround(sum + c[i]);
  }
  return z;
}

/** ∂e/∂z → ∂e/∂c (for jumps, the sum over the later latents each jump moves). */
export function codeGradient(
  gz: Float32Array,
  rows: number,
  ell: number,
  grad: boolean,
): Float32Array {
  if (!grad) return gz;
  const g = new Float32Array(gz.length);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = (r + 1) * ell - 1; i >= r * ell; i--) g[i] = sum += gz[i];
  }
  return g;
}
