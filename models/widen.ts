/**
 * `train --init DIR --widen M`: a trained autoencoder n→m→ℓ→m→n made wider, n→M→ℓ→M→n, without
 * changing what it computes (Net2Net, Chen, Goodfellow, Shlens 2016, "function-preserving
 * widening"). Each of the M − m new units of a hidden layer copies an old unit's incoming weights
 * and bias, and the old unit's outgoing weights are split between it and its copies in random
 * shares that sum to one: ReLU(a) copied k times and weighted by shares sᵢ (Σsᵢ = 1) sums back to
 * ReLU(a). Unequal shares give the copies unequal gradients, so training pulls them apart
 * without the noise that plain copies would need, and the widened model starts at the trained
 * model's error, not at a fresh one's.
 * @module
 */

import { UsageError } from "../pipeline/errors.ts";
import { type Architecture, checkWeightCount } from "./autoencoder.ts";
import { mulberry32 } from "../pipeline/seeded_random.ts";

/** Range of the random weights drawn for each copy before they are normalized into shares. */
const SHARE_LOW = 0.5, SHARE_HIGH = 1.5;

/** `arch` with both hidden layers `m` wide; a UsageError unless m > arch.m and the size fits. */
export function widenedArchitecture(arch: Architecture, m: number): Architecture {
  if (!Number.isInteger(m) || m <= arch.m) {
    throw new UsageError(`--widen ${m}: must be an integer above the model's m = ${arch.m}`);
  }
  // No longer the preset's widths: `preset` is dropped, as for an --arch model.
  const wide: Architecture = { ...arch, m, preset: undefined };
  checkWeightCount(wide, `--widen ${m}`);
  return wide;
}

/**
 * The weights of `arch` (in `weightShapes` order) widened to `m` hidden units in both the
 * encoder's and the decoder's hidden layer; returns the new architecture and weights. New unit
 * j ≥ arch.m copies unit j mod arch.m. Deterministic in `seed`.
 */
export function widenHidden(
  arch: Architecture,
  weights: Float32Array[],
  m: number,
  seed: number,
): { arch: Architecture; weights: Float32Array[] } {
  const wide = widenedArchitecture(arch, m);
  const random = mulberry32(seed);
  const source = (j: number) => j % arch.m;
  const [w1, b1, w2, b2, w3, b3, w4, b4] = weights;
  // Encoder hidden layer: incoming w1 [n × m] columns and b1, outgoing w2 [m × ℓ] rows.
  const encoderShares = shares(arch.m, m, source, random);
  const decoderShares = shares(arch.m, m, source, random);
  const out = [
    copyColumns(w1, arch.n, arch.m, m, source),
    copyColumns(b1, 1, arch.m, m, source),
    splitRows(w2, arch.ell, m, source, encoderShares),
    b2.slice(),
    copyColumns(w3, arch.ell, arch.m, m, source),
    copyColumns(b3, 1, arch.m, m, source),
    splitRows(w4, arch.n, m, source, decoderShares),
    b4.slice(),
  ];
  return { arch: wide, weights: out };
}

/** Each of the m units' share of its source unit's outgoing weights (per source, summing to 1). */
function shares(
  old: number,
  m: number,
  source: (j: number) => number,
  random: () => number,
): Float64Array {
  const draw = new Float64Array(m);
  const sums = new Float64Array(old);
  for (let j = 0; j < m; j++) {
    draw[j] = SHARE_LOW + (SHARE_HIGH - SHARE_LOW) * random();
    sums[source(j)] += draw[j];
  }
  for (let j = 0; j < m; j++) draw[j] /= sums[source(j)];
  return draw;
}

/** A row-major [rows × old] matrix as [rows × m], column j a copy of column source(j). */
function copyColumns(
  w: Float32Array,
  rows: number,
  old: number,
  m: number,
  source: (j: number) => number,
): Float32Array {
  const out = new Float32Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) out[r * m + j] = w[r * old + source(j)];
  }
  return out;
}

/** A row-major [old × cols] matrix as [m × cols], row j = row source(j) × share j. */
function splitRows(
  w: Float32Array,
  cols: number,
  m: number,
  source: (j: number) => number,
  share: Float64Array,
): Float32Array {
  const out = new Float32Array(m * cols);
  for (let j = 0; j < m; j++) {
    const from = source(j) * cols;
    for (let c = 0; c < cols; c++) out[j * cols + c] = w[from + c] * share[j];
  }
  return out;
}
