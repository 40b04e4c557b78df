/**
 * Gap models ρ(δ): static frequency tables over the index gaps δ ≥ 1 between successive
 * non-zeros of a sparse code, plus an end-of-code symbol and an escape for δ > maxGap.
 *
 * Alphabet: symbol 0 = END, symbol δ (1 ≤ δ ≤ maxGap) = gap δ, symbol maxGap + 1 = ESC.
 * After ESC the excess x = δ − maxGap ≥ 1 follows as an Elias-gamma code under a uniform model,
 * so any gap up to 2^30 round-trips. The integer table is the source of truth: it is what
 * `gapModelToJSON` stores, so every machine decodes with the same table.
 * @module
 */

import { crc32 } from "node:zlib";
import { CodecModelError, FormatError } from "../pipeline/errors.ts";
import { MAX_TOTAL, type RangeDecoder, type RangeEncoder } from "./range_coder.ts";

/** Largest table gap; bigger gaps use the escape. */
export const MAX_TABLE_GAP = MAX_TOTAL - 2;
const MAX_GAMMA_BITS = 30;

/** A quantized gap distribution ready for range coding. */
export interface GapModel {
  /** How the table was made (for humans and for JSON). */
  readonly kind: "gaussian" | "learned";
  /** Largest gap coded directly. */
  readonly maxGap: number;
  /** Cumulative frequencies, length maxGap + 3, from 0 to {@link MAX_TOTAL}. */
  readonly cumFreq: Uint32Array;
  /** Symbol owning each of the {@link MAX_TOTAL} slots (decoder lookup). */
  readonly slotSymbol: Uint16Array;
  /** CRC-32 of the frequency table, stored in `.sqz` headers to catch a wrong model. */
  readonly id: number;
  /** Parameters that made the table (σ² for gaussian), kept for JSON. */
  readonly params: Readonly<Record<string, number>>;
}

/** The paper's gap model: a discretized Gaussian ρ(δ) ∝ exp(−δ²/2σ²) on δ ≥ 1 (σ² = 1e3). */
export function gaussianGapModel(sigma2 = 1e3, maxGap = 4096): GapModel {
  checkMaxGap(maxGap);
  if (!(sigma2 > 0)) throw new CodecModelError(`gap model: sigma2 must be > 0, got ${sigma2}`);
  const weights = new Float64Array(maxGap + 2);
  // arXiv 2405.14270, gap model of the entropy coder: δ ~ discretized N(0, σ²), σ² = 1e3.
  for (let d = 1; d <= maxGap; d++) weights[d] = Math.exp(-(d * d) / (2 * sigma2));
  // END and ESC get the mass of one typical gap so neither costs much more than ~log2(σ) bits.
  weights[0] = weights[1];
  weights[maxGap + 1] = weights[1] * 1e-3;
  return fromFrequencies("gaussian", quantizeWeights(weights), { sigma2 });
}

/**
 * Gap model learned from training codes with add-one (Laplace) smoothing.
 * `gapCounts[δ]` counts gap δ (index 0 unused), `endCount` the codes seen, `escapeCount` the
 * gaps above `maxGap` (defaults: length − 1 of gapCounts, the number of codes, 0).
 */
export function learnedGapModel(
  gapCounts: ArrayLike<number>,
  endCount = 1,
  escapeCount = 0,
  maxGap = gapCounts.length - 1,
): GapModel {
  checkMaxGap(maxGap);
  const weights = new Float64Array(maxGap + 2);
  for (let d = 1; d <= maxGap; d++) weights[d] = (d < gapCounts.length ? gapCounts[d] : 0) + 1;
  weights[0] = endCount + 1;
  weights[maxGap + 1] = escapeCount + 1;
  for (let s = 0; s < weights.length; s++) {
    if (!Number.isInteger(weights[s]) || weights[s] < 1) {
      throw new CodecModelError(`gap model: count for symbol ${s} must be a non-negative integer`);
    }
  }
  return fromFrequencies("learned", quantizeWeights(weights), {});
}

/** Gap histogram of sparse codes given by their sorted non-zero indices (for learnedGapModel). */
export function gapHistogram(indexLists: Iterable<ArrayLike<number>>, maxGap: number): {
  gapCounts: Float64Array;
  endCount: number;
  escapeCount: number;
} {
  const gapCounts = new Float64Array(maxGap + 1);
  let endCount = 0;
  let escapeCount = 0;
  for (const indices of indexLists) {
    escapeCount += countGaps(indices, gapCounts);
    endCount++;
  }
  return { gapCounts, endCount, escapeCount };
}

/**
 * Adds the gaps of one code's sorted non-zero `indices` (the first gap from −1) to `gapCounts`
 * (gapCounts[δ] for δ ≤ gapCounts.length − 1); returns how many gaps were larger (escapes).
 */
export function countGaps(indices: ArrayLike<number>, gapCounts: Float64Array): number {
  const maxGap = gapCounts.length - 1;
  let escapes = 0;
  let prev = -1;
  for (let k = 0; k < indices.length; k++) {
    const gap = indices[k] - prev;
    prev = indices[k];
    if (gap <= maxGap) gapCounts[gap]++;
    else escapes++;
  }
  return escapes;
}

/** Serializes a gap model to plain JSON (the integer table, so decoding never recomputes it). */
export function gapModelToJSON(model: GapModel): Record<string, unknown> {
  const cf = model.cumFreq;
  const freqs = new Array<number>(cf.length - 1);
  for (let s = 0; s < freqs.length; s++) freqs[s] = cf[s + 1] - cf[s];
  return { kind: model.kind, maxGap: model.maxGap, params: model.params, id: model.id, freqs };
}

/** Restores a gap model from {@link gapModelToJSON} output; checks its table and id. */
export function gapModelFromJSON(json: unknown): GapModel {
  const j = json as Record<string, unknown>;
  if (j === null || typeof j !== "object" || !Array.isArray(j.freqs)) {
    throw new CodecModelError("gap model JSON: expected an object with a 'freqs' array");
  }
  if (j.kind !== "gaussian" && j.kind !== "learned") {
    throw new CodecModelError(`gap model JSON: unknown kind ${JSON.stringify(j.kind)}`);
  }
  const raw = j.freqs as unknown[];
  if (!raw.every((f) => Number.isInteger(f) && (f as number) >= 1 && (f as number) <= MAX_TOTAL)) {
    throw new CodecModelError(`gap model JSON: freqs must be integers in [1, ${MAX_TOTAL}]`);
  }
  const freqs = Uint32Array.from(raw as number[]);
  if (freqs.length !== (j.maxGap as number) + 2) {
    throw new CodecModelError(`gap model JSON: ${freqs.length} freqs for maxGap ${j.maxGap}`);
  }
  const model = fromFrequencies(j.kind, freqs, (j.params ?? {}) as Record<string, number>);
  if (j.id !== undefined && j.id !== model.id) {
    throw new CodecModelError(`gap model JSON: table checksum ${model.id}, expected ${j.id}`);
  }
  return model;
}

/** Range-codes one gap δ ≥ 1 (escaping gaps above maxGap). */
export function encodeGap(enc: RangeEncoder, model: GapModel, gap: number): void {
  const cf = model.cumFreq;
  if (gap <= model.maxGap) {
    enc.encode(cf[gap], cf[gap + 1] - cf[gap], MAX_TOTAL);
    return;
  }
  const esc = model.maxGap + 1;
  enc.encode(cf[esc], cf[esc + 1] - cf[esc], MAX_TOTAL);
  // Elias gamma of x ≥ 1: n zero bits, then the n + 1 bits of x (leading one first).
  const x = gap - model.maxGap;
  const n = 31 - Math.clz32(x);
  for (let i = 0; i < n; i++) enc.encodeBits(0, 1);
  enc.encodeBits(1, 1);
  for (let shift = n; shift > 0;) {
    const take = Math.min(16, shift);
    shift -= take;
    enc.encodeBits((x >>> shift) & ((1 << take) - 1), take);
  }
}

/** Range-codes the end-of-code symbol. */
export function encodeEnd(enc: RangeEncoder, model: GapModel): void {
  enc.encode(0, model.cumFreq[1], MAX_TOTAL);
}

/** Decodes one gap written by {@link encodeGap}, or returns 0 for END. */
export function decodeGap(dec: RangeDecoder, model: GapModel): number {
  const slot = dec.decodeSlot(MAX_TOTAL);
  const sym = model.slotSymbol[slot];
  const cf = model.cumFreq;
  dec.consume(cf[sym], cf[sym + 1] - cf[sym]);
  if (sym <= model.maxGap) return sym;
  let n = 0;
  while (dec.decodeBits(1) === 0) {
    if (++n > MAX_GAMMA_BITS) throw new FormatError("gap escape: Elias-gamma prefix too long");
  }
  let x = 1;
  for (let left = n; left > 0;) {
    const take = Math.min(16, left);
    left -= take;
    x = x * 2 ** take + dec.decodeBits(take);
  }
  return model.maxGap + x;
}

function checkMaxGap(maxGap: number): void {
  if (!Number.isInteger(maxGap) || maxGap < 1 || maxGap > MAX_TABLE_GAP) {
    throw new CodecModelError(`gap model: maxGap must be an integer in [1, ${MAX_TABLE_GAP}]`);
  }
}

/**
 * Deterministic float → integer table: each symbol gets 1 + ⌊wₛ·B/W⌋ slots (B = slots left
 * after the floor of one each), and the remainder goes to the most probable symbol. IEEE
 * division is correctly rounded, so equal weights give equal tables on every machine.
 */
function quantizeWeights(weights: Float64Array): Uint32Array {
  const n = weights.length;
  const budget = MAX_TOTAL - n;
  let sum = 0;
  for (let s = 0; s < n; s++) sum += weights[s];
  const freqs = new Uint32Array(n);
  let used = 0;
  let best = 0;
  for (let s = 0; s < n; s++) {
    freqs[s] = 1 + Math.floor((weights[s] * budget) / sum);
    used += freqs[s];
    if (weights[s] > weights[best]) best = s;
  }
  freqs[best] += MAX_TOTAL - used;
  return freqs;
}

function fromFrequencies(
  kind: "gaussian" | "learned",
  freqs: Uint32Array,
  params: Record<string, number>,
): GapModel {
  const n = freqs.length;
  const cumFreq = new Uint32Array(n + 1);
  const le = new Uint8Array(4 * n);
  const view = new DataView(le.buffer);
  for (let s = 0; s < n; s++) {
    if (!(freqs[s] >= 1 && freqs[s] <= MAX_TOTAL)) {
      throw new CodecModelError(`gap model: symbol ${s} has frequency ${freqs[s]}`);
    }
    cumFreq[s + 1] = cumFreq[s] + freqs[s];
    view.setUint32(4 * s, freqs[s], true);
  }
  if (cumFreq[n] !== MAX_TOTAL) {
    throw new CodecModelError(`gap model: frequencies sum to ${cumFreq[n]}, expected ${MAX_TOTAL}`);
  }
  const slotSymbol = new Uint16Array(MAX_TOTAL);
  for (let s = 0; s < n; s++) slotSymbol.fill(s, cumFreq[s], cumFreq[s + 1]);
  const id = crc32(le);
  return { kind, maxGap: n - 2, cumFreq, slotSymbol, id, params };
}
