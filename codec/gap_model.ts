/**
 * Gap models ρ(δ): static frequency tables over the index gaps δ ≥ 1 between successive
 * non-zeros of a sparse code, plus an end-of-code symbol and an escape for δ > maxGap.
 * A learned model may also carry two tables learned on a model's own codes (`deno task
 * code-model`): per-unit activity (which latent entries codes use: the support is then coded as
 * one binary decision per entry instead of gaps) and, per quantizer, the distribution of the top
 * 8 bits of the quantized values (instead of raw bits).
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
import type { QuantName } from "./quantize.ts";

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
  /**
   * Per-unit activity: entry i is coded with probability units[i] / 2^16 (1 … 2^16 − 1). When
   * present, a code's support is one binary decision per latent entry (no gaps, no END).
   */
  readonly units?: Uint16Array;
  /** By quantizer: the distribution of the top 8 bits of a quantized value (else raw bits). */
  readonly values?: Readonly<Partial<Record<QuantName, SymbolTable>>>;
}

/** A static table over 256 symbols for the range coder. */
export interface SymbolTable {
  /** Cumulative frequencies, length 257, from 0 to {@link MAX_TOTAL}. */
  readonly cumFreq: Uint32Array;
  /** Symbol owning each slot. */
  readonly slotSymbol: Uint8Array;
}

/** Quantizers that may have value tables, in the order the tables enter a model's id. */
export const VALUE_TABLE_QUANTS: readonly QuantName[] = ["fp16", "bf16", "fp8"];

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

/**
 * `model` with a per-unit activity table and value tables added (replacing any it had); its id
 * then covers them. `unitCounts[i]` counts the codes (of `codes`) that code entry i;
 * `valueCounts[q][b]` counts values whose top 8 bits under quantizer q are b.
 */
export function withCodeTables(
  model: GapModel,
  unitCounts: ArrayLike<number> | undefined,
  codes: number,
  valueCounts: Partial<Record<QuantName, ArrayLike<number>>> = {},
): GapModel {
  let units: Uint16Array | undefined;
  if (unitCounts !== undefined) {
    if (!(Number.isInteger(codes) && codes >= 1)) {
      throw new CodecModelError(`code model: ${codes} codes to learn unit activity from`);
    }
    units = new Uint16Array(unitCounts.length);
    for (let i = 0; i < units.length; i++) {
      const c = unitCounts[i];
      if (!(Number.isInteger(c) && c >= 0 && c <= codes)) {
        throw new CodecModelError(`code model: unit ${i} counted ${c} times in ${codes} codes`);
      }
      // Krichevsky–Trofimov estimate (c + ½)/(N + 1), on 16 bits, never 0 or 1.
      const p = Math.round(((c + 0.5) / (codes + 1)) * MAX_TOTAL);
      units[i] = Math.min(MAX_TOTAL - 1, Math.max(1, p));
    }
  }
  const values: Partial<Record<QuantName, Uint32Array>> = {};
  for (const q of VALUE_TABLE_QUANTS) {
    const counts = valueCounts[q];
    if (counts === undefined) continue;
    if (counts.length !== 256) {
      throw new CodecModelError(`code model: ${counts.length} value counts for ${q}, expected 256`);
    }
    const weights = new Float64Array(256);
    for (let b = 0; b < 256; b++) {
      if (!(Number.isInteger(counts[b]) && counts[b] >= 0)) {
        throw new CodecModelError(`code model: ${q} value count ${b} is ${counts[b]}`);
      }
      weights[b] = counts[b] + 1;
    }
    values[q] = quantizeWeights(weights);
  }
  return attachTables(withoutTables(model), units, values);
}

/** The model without unit and value tables (the plain gap model, with its original id). */
export function withoutTables(model: GapModel): GapModel {
  if (model.units === undefined && model.values === undefined) return model;
  return fromFrequencies(model.kind, frequencies(model.cumFreq), { ...model.params });
}

function frequencies(cumFreq: Uint32Array): Uint32Array {
  const freqs = new Uint32Array(cumFreq.length - 1);
  for (let s = 0; s < freqs.length; s++) freqs[s] = cumFreq[s + 1] - cumFreq[s];
  return freqs;
}

/** Adds tables (given as frequencies) to a plain gap model; the id extends over them. */
function attachTables(
  model: GapModel,
  units: Uint16Array | undefined,
  valueFreqs: Partial<Record<QuantName, Uint32Array>>,
): GapModel {
  let id = model.id;
  if (units !== undefined) {
    if (units.length < 1) throw new CodecModelError("code model: empty unit table");
    const bytes = new Uint8Array(2 * units.length);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < units.length; i++) {
      if (!(units[i] >= 1 && units[i] < MAX_TOTAL)) {
        throw new CodecModelError(`code model: unit ${i} has probability ${units[i]}/${MAX_TOTAL}`);
      }
      view.setUint16(2 * i, units[i], true);
    }
    id = crc32(bytes, id);
  }
  const values: Partial<Record<QuantName, SymbolTable>> = {};
  let any = false;
  for (const q of VALUE_TABLE_QUANTS) {
    const freqs = valueFreqs[q];
    if (freqs === undefined) continue;
    if (freqs.length !== 256) {
      throw new CodecModelError(
        `code model: ${q} value table has ${freqs.length} entries, not 256`,
      );
    }
    const cumFreq = new Uint32Array(257);
    const bytes = new Uint8Array(4 + 4 * 256);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, VALUE_TABLE_QUANTS.indexOf(q), true);
    for (let b = 0; b < 256; b++) {
      if (!(freqs[b] >= 1 && freqs[b] <= MAX_TOTAL)) {
        throw new CodecModelError(`code model: ${q} value ${b} has frequency ${freqs[b]}`);
      }
      cumFreq[b + 1] = cumFreq[b] + freqs[b];
      view.setUint32(4 + 4 * b, freqs[b], true);
    }
    if (cumFreq[256] !== MAX_TOTAL) {
      throw new CodecModelError(
        `code model: ${q} value frequencies sum to ${cumFreq[256]}, expected ${MAX_TOTAL}`,
      );
    }
    const slotSymbol = new Uint8Array(MAX_TOTAL);
    for (let b = 0; b < 256; b++) slotSymbol.fill(b, cumFreq[b], cumFreq[b + 1]);
    values[q] = { cumFreq, slotSymbol };
    id = crc32(bytes, id);
    any = true;
  }
  return {
    ...model,
    id,
    ...(units !== undefined ? { units } : {}),
    ...(any ? { values } : {}),
  };
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
  const freqs = Array.from(frequencies(model.cumFreq));
  const json: Record<string, unknown> = {
    kind: model.kind,
    maxGap: model.maxGap,
    params: model.params,
    id: model.id,
    freqs,
  };
  if (model.units) json.units = Array.from(model.units);
  if (model.values) {
    const values: Record<string, number[]> = {};
    for (const q of VALUE_TABLE_QUANTS) {
      const t = model.values[q];
      if (t) values[q] = Array.from(frequencies(t.cumFreq));
    }
    json.values = values;
  }
  return json;
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
  let model = fromFrequencies(j.kind, freqs, (j.params ?? {}) as Record<string, number>);
  if (j.units !== undefined || j.values !== undefined) {
    model = attachTables(model, unitsFromJSON(j.units), valuesFromJSON(j.values));
  }
  if (j.id !== undefined && j.id !== model.id) {
    throw new CodecModelError(`gap model JSON: table checksum ${model.id}, expected ${j.id}`);
  }
  return model;
}

function unitsFromJSON(raw: unknown): Uint16Array | undefined {
  if (raw === undefined) return undefined;
  if (
    !Array.isArray(raw) ||
    !raw.every((p) => Number.isInteger(p) && (p as number) >= 1 && (p as number) < MAX_TOTAL)
  ) {
    throw new CodecModelError(
      `gap model JSON: 'units' must be an array of integers in [1, ${MAX_TOTAL - 1}]`,
    );
  }
  return Uint16Array.from(raw as number[]);
}

function valuesFromJSON(raw: unknown): Partial<Record<QuantName, Uint32Array>> {
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new CodecModelError("gap model JSON: 'values' must be an object of tables by quantizer");
  }
  const out: Partial<Record<QuantName, Uint32Array>> = {};
  for (const [q, t] of Object.entries(raw as Record<string, unknown>)) {
    if (!VALUE_TABLE_QUANTS.includes(q as QuantName)) {
      throw new CodecModelError(`gap model JSON: value table for unknown quantizer '${q}'`);
    }
    if (
      !Array.isArray(t) || t.length !== 256 ||
      !t.every((f) => Number.isInteger(f) && (f as number) >= 1 && (f as number) <= MAX_TOTAL)
    ) {
      throw new CodecModelError(
        `gap model JSON: values.${q} must be 256 integers in [1, ${MAX_TOTAL}]`,
      );
    }
    out[q as QuantName] = Uint32Array.from(t as number[]);
  }
  return out;
}

/** Range-codes whether latent entry `unit` is coded (the model must have a unit table). */
export function encodeActive(
  enc: RangeEncoder,
  units: Uint16Array,
  unit: number,
  on: boolean,
): void {
  const p = units[unit];
  if (on) enc.encode(0, p, MAX_TOTAL);
  else enc.encode(p, MAX_TOTAL - p, MAX_TOTAL);
}

/** Decodes one decision written by {@link encodeActive}. */
export function decodeActive(dec: RangeDecoder, units: Uint16Array, unit: number): boolean {
  const p = units[unit];
  const on = dec.decodeSlot(MAX_TOTAL) < p;
  if (on) dec.consume(0, p);
  else dec.consume(p, MAX_TOTAL - p);
  return on;
}

/**
 * Range-codes a quantized value's bit pattern (`bits` ≥ 8 bits): its top 8 bits under `table`,
 * the rest raw; without a table, all raw.
 */
export function encodeValue(
  enc: RangeEncoder,
  table: SymbolTable | undefined,
  code: number,
  bits: number,
): void {
  if (table === undefined) return enc.encodeBits(code, bits);
  const low = bits - 8;
  const top = code >>> low;
  enc.encode(table.cumFreq[top], table.cumFreq[top + 1] - table.cumFreq[top], MAX_TOTAL);
  if (low > 0) enc.encodeBits(code & ((1 << low) - 1), low);
}

/** Decodes a value pattern written by {@link encodeValue}. */
export function decodeValue(
  dec: RangeDecoder,
  table: SymbolTable | undefined,
  bits: number,
): number {
  if (table === undefined) return dec.decodeBits(bits);
  const low = bits - 8;
  const top = table.slotSymbol[dec.decodeSlot(MAX_TOTAL)];
  dec.consume(table.cumFreq[top], table.cumFreq[top + 1] - table.cumFreq[top]);
  return low > 0 ? top * 2 ** low + dec.decodeBits(low) : top;
}

/** Ideal bits of a value pattern under {@link encodeValue} (for size breakdowns). */
export function valueBits(table: SymbolTable | undefined, code: number, bits: number): number {
  if (table === undefined) return bits;
  const top = code >>> (bits - 8);
  return bits - 8 + Math.log2(MAX_TOTAL / (table.cumFreq[top + 1] - table.cumFreq[top]));
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
