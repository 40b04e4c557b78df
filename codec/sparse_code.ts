/**
 * Sparse-code codec: a latent z (length ℓ) ↔ range-coded bytes.
 *
 * Stream: for each coded entry, its gap δ from the previous coded index (the first from −1)
 * under the gap model, then its quantized value as raw bits; then END. One range-coded
 * stream, so there is no length field and no padding. A code model with a unit table (learned by
 * `deno task code-model`) codes the support instead as one binary decision per latent entry, each
 * coded entry's decision followed by its value, and no END; with a value table for the quantizer,
 * the top 8 bits of each value go under that table.
 *
 * - f = "z": entry i is coded when |zᵢ| > threshold and Q(zᵢ) ≠ 0; decoded ẑᵢ = Q(zᵢ), else +0.
 * - f = "grad": closed-loop DPCM on the jumps (f[z])ᵢ = zᵢ − zᵢ₋₁ (arXiv 2405.14270, eq. for
 *   the finite-difference penalty): eᵢ = zᵢ − ẑᵢ₋₁ (ẑ₋₁ = 0, float32); coded when
 *   |eᵢ| > threshold and dᵢ = Q(eᵢ) ≠ 0, then ẑᵢ = ẑᵢ₋₁ + dᵢ in float32, else ẑᵢ = ẑᵢ₋₁.
 *   The error |zᵢ − ẑᵢ| is at most max(threshold, |eᵢ − dᵢ|) plus one float32 rounding: it
 *   never accumulates along the code.
 *
 * Contract: `decodeLatent(encodeLatent(z))` equals `quantizeLatent(z)` bit for bit.
 * @module
 */

import { CodecModelError, FormatError, UsageError } from "../pipeline/errors.ts";
import {
  decodeActive,
  decodeGap,
  decodeValue,
  encodeActive,
  encodeEnd,
  encodeGap,
  encodeValue,
  type GapModel,
  valueBits,
} from "./gap_model.ts";
import { fp16, type Quantizer, quantizerByName, type QuantName } from "./quantize.ts";
import { RangeDecoder, RangeEncoder } from "./range_coder.ts";

/** Which sparse representation is coded: the latent itself or its finite difference. */
export type LatentTransform = "z" | "grad";

/** How a latent is turned into a sparse code. */
export interface SparseCodeOptions {
  /** "z" codes the latent entries, "grad" its jumps (default "z"). */
  f?: LatentTransform;
  /** Value quantizer or its name (default fp16). */
  quant?: Quantizer | QuantName;
  /** Entries (or jumps) with magnitude ≤ threshold are dropped (default 0). */
  threshold?: number;
  /** Gap distribution used by the range coder. */
  gapModel: GapModel;
}

/** Size breakdown of one encoded code. */
export interface CodeStats {
  /** Coded entries (non-zeros or jumps). */
  nonZeros: number;
  /** Total code bytes. */
  bytes: number;
  /** Bytes taken by the quantized values (nonZeros · bits / 8; under a value table, its ideal cost). */
  valueBytes: number;
  /** The rest: gaps (or the support's decisions), END and range-coder flush. */
  gapBytes: number;
}

const encoder = new RangeEncoder(4096);
/** Ideal bits of the values of the code `encoder` holds (for {@linkcode CodeStats}). */
let valueCost = 0;

/**
 * Encodes latent `z` as a sparse code; fills `stats` when given. When `indices` is given (at
 * least z.length entries), the same pass writes the sorted coded indices (what `codedIndices`
 * returns) to its first `stats.nonZeros` entries.
 */
export function encodeLatent(
  z: Float32Array,
  opts: SparseCodeOptions,
  stats?: CodeStats,
  indices?: Int32Array,
): Uint8Array {
  if (indices !== undefined && indices.length < z.length) {
    throw new UsageError(`encodeLatent: indices has ${indices.length} entries, z ${z.length}`);
  }
  const q = resolveQuant(opts.quant);
  checkUnits(opts.gapModel, z.length);
  encoder.reset();
  const grad = opts.f === "grad";
  valueCost = 0;
  const nonZeros = scan(z, q, threshold(opts), grad, opts.gapModel, null, indices ?? null);
  if (opts.gapModel.units === undefined) encodeEnd(encoder, opts.gapModel);
  const bytes = encoder.finish();
  if (stats) {
    stats.nonZeros = nonZeros;
    stats.bytes = bytes.length;
    stats.valueBytes = valueCost / 8;
    stats.gapBytes = Math.max(0, bytes.length - stats.valueBytes);
  }
  return bytes;
}

/** The latent that `decodeLatent(encodeLatent(z, opts), …)` returns, bit for bit. */
export function quantizeLatent(
  z: Float32Array,
  opts: Omit<SparseCodeOptions, "gapModel">,
): Float32Array {
  const out = new Float32Array(z.length);
  scan(z, resolveQuant(opts.quant), threshold(opts), opts.f === "grad", null, out, null);
  return out;
}

/** Sorted indices the encoder codes for `z` (feed them to `gapHistogram` to learn a gap model). */
export function codedIndices(
  z: Float32Array,
  opts: Omit<SparseCodeOptions, "gapModel">,
): Int32Array {
  return codedEntries(z, opts).indices;
}

/** The entries the encoder codes for `z`: sorted indices and their quantized bit patterns. */
export function codedEntries(
  z: Float32Array,
  opts: Omit<SparseCodeOptions, "gapModel">,
): { indices: Int32Array; patterns: Int32Array } {
  const indices = new Int32Array(z.length);
  const patterns = new Int32Array(z.length);
  const n = scan(
    z,
    resolveQuant(opts.quant),
    threshold(opts),
    opts.f === "grad",
    null,
    null,
    indices,
    patterns,
  );
  return { indices: indices.slice(0, n), patterns: patterns.slice(0, n) };
}

/** Decodes a sparse code into a latent of length `ell` (into `out` when given). */
export function decodeLatent(
  bytes: Uint8Array,
  ell: number,
  opts: SparseCodeOptions,
  out: Float32Array = new Float32Array(ell),
): Float32Array {
  if (out.length !== ell) {
    throw new UsageError(`decodeLatent: out has ${out.length} entries, ℓ = ${ell}`);
  }
  const q = resolveQuant(opts.quant);
  const grad = opts.f === "grad";
  const model = opts.gapModel;
  checkUnits(model, ell);
  const units = model.units;
  const table = model.values?.[q.name];
  const bits = q.bits;
  const dec = new RangeDecoder(bytes);
  out.fill(0);
  let idx = -1;
  let prev = 0;
  for (;;) {
    let next: number;
    if (units !== undefined) {
      next = idx + 1;
      while (next < ell && !decodeActive(dec, units, next)) next++;
      if (next === ell) break;
    } else {
      const gap = decodeGap(dec, model);
      if (gap === 0) break;
      next = idx + gap;
    }
    if (next >= ell) throw new FormatError(`sparse code: index ${next} beyond ℓ = ${ell}`);
    const d = q.dequantize(decodeValue(dec, table, bits));
    if (d === 0) throw new FormatError(`sparse code: zero value coded at index ${next}`);
    if (grad) {
      out.fill(prev, idx + 1, next);
      prev = Math.fround(prev + d);
      out[next] = prev;
    } else {
      out[next] = d;
    }
    idx = next;
  }
  if (grad) out.fill(prev, idx + 1, ell);
  dec.finish();
  return out;
}

/**
 * The one pass shared by encoder, quantizer and index listing, so they cannot disagree.
 * Writes gaps/values to the module encoder when `model` is set, ẑ to `out`, indices to `indices`.
 */
function scan(
  z: Float32Array,
  q: Quantizer,
  threshold: number,
  grad: boolean,
  model: GapModel | null,
  out: Float32Array | null,
  indices: Int32Array | null,
  patterns: Int32Array | null = null,
): number {
  const n = z.length;
  const bits = q.bits;
  const units = model?.units;
  const table = model?.values?.[q.name];
  let count = 0;
  let last = -1;
  let prev = 0;
  for (
    let i = nextCandidate(z, 0, grad ? 0 : NaN, threshold);
    i < n;
    i = nextCandidate(z, i + 1, grad ? prev : NaN, threshold)
  ) {
    const e = grad ? Math.fround(z[i] - prev) : z[i];
    const code = q.quantize(e, i);
    const d = q.dequantize(code);
    if (d === 0) continue;
    if (model !== null) {
      if (units !== undefined) {
        for (let u = last + 1; u < i; u++) encodeActive(encoder, units, u, false);
        encodeActive(encoder, units, i, true);
      } else {
        encodeGap(encoder, model, i - last);
      }
      encodeValue(encoder, table, code, bits);
      valueCost += valueBits(table, code, bits);
    }
    if (indices !== null) indices[count] = i;
    if (patterns !== null) patterns[count] = code;
    count++;
    if (grad) {
      if (out !== null) out.fill(prev, last + 1, i);
      prev = Math.fround(prev + d);
      if (out !== null) out[i] = prev;
    } else if (out !== null) {
      out[i] = d;
    }
    last = i;
  }
  if (grad && out !== null) out.fill(prev, last + 1, n);
  if (model !== null && units !== undefined) {
    for (let u = last + 1; u < n; u++) encodeActive(encoder, units, u, false);
  }
  return count;
}

/** A unit table must have one entry per latent entry. */
function checkUnits(model: GapModel, ell: number): void {
  if (model.units !== undefined && model.units.length !== ell) {
    throw new CodecModelError(
      `code model has a unit table for ℓ = ${model.units.length}, the latent has ℓ = ${ell}`,
    );
  }
}

/**
 * First i ≥ from with |zᵢ − base| > threshold in float32 (base NaN: |zᵢ| > threshold, f = "z").
 * NaN entries fail `<=` too, so they come back as candidates and quantize rejects them.
 */
function nextCandidate(z: Float32Array, from: number, base: number, threshold: number): number {
  const n = z.length;
  if (base !== base) {
    for (let i = from; i < n; i++) if (!(Math.abs(z[i]) <= threshold)) return i;
  } else {
    for (let i = from; i < n; i++) if (!(Math.abs(Math.fround(z[i] - base)) <= threshold)) return i;
  }
  return n;
}

function threshold(opts: { threshold?: number }): number {
  const t = opts.threshold ?? 0;
  if (!(t >= 0 && t < Infinity)) throw new UsageError(`threshold must be finite and ≥ 0, got ${t}`);
  return t;
}

function resolveQuant(quant: Quantizer | QuantName | undefined): Quantizer {
  if (quant === undefined) return fp16;
  return typeof quant === "string" ? quantizerByName(quant) : quant;
}
