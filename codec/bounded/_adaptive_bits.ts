/**
 * Adaptive binary models on top of the static-table range coder, and the binarization of signed
 * quantization codes under them (private to `codec/bounded/`).
 *
 * Each model is a 16-bit probability of a 0 bit with a per-model count: the update rate starts
 * at 1/1.5 and slows to 1/(LIMIT + 1.5), so a model learns fast on small images and settles on
 * long ones (a count-based estimator, as in CABAC/LZMA-style coders). All arithmetic is integer
 * or exactly representable in float64, so encoder and decoder evolve bit for bit alike.
 * @module
 */

import { MAX_TOTAL, type RangeDecoder, type RangeEncoder } from "../range_coder.ts";

const ONE = MAX_TOTAL; // probabilities are in units of 1/2^16
const P_MIN = 24;
const P_MAX = ONE - P_MIN;
const LIMIT = 40;
// RECIP[n] = 2^16/(n + 1.5): step size after n updates.
const RECIP = new Float64Array(LIMIT + 1).map((_, n) => Math.floor(65536 / (n + 1.5)));

/** A bank of adaptive binary models addressed by context index. */
export class BitModels {
  readonly p0: Uint16Array;
  readonly count: Uint8Array;

  /** Creates `size` models, each starting at probability 1/2. */
  constructor(size: number) {
    this.p0 = new Uint16Array(size).fill(ONE / 2);
    this.count = new Uint8Array(size);
  }

  /** Codes `bit` under model `ctx` and adapts the model. */
  encode(enc: RangeEncoder, ctx: number, bit: number): void {
    const p = this.p0[ctx];
    if (bit === 0) enc.encode(0, p, ONE);
    else enc.encode(p, ONE - p, ONE);
    this.#update(ctx, p, bit);
  }

  /** Decodes one bit under model `ctx` and adapts the model. */
  decode(dec: RangeDecoder, ctx: number): number {
    const p = this.p0[ctx];
    const bit = dec.decodeSlot(ONE) < p ? 0 : 1;
    if (bit === 0) dec.consume(0, p);
    else dec.consume(p, ONE - p);
    this.#update(ctx, p, bit);
    return bit;
  }

  #update(ctx: number, p: number, bit: number): void {
    const n = this.count[ctx];
    const target = bit === 0 ? ONE : 0;
    const next = p + Math.trunc(((target - p) * RECIP[n]) / 65536);
    this.p0[ctx] = next < P_MIN ? P_MIN : next > P_MAX ? P_MAX : next;
    if (n < LIMIT) this.count[ctx] = n + 1;
  }
}

/** Largest |code| the integer coder accepts (Exp-Golomb classes up to 2^MAX_CLASS). */
export const MAX_CODE = 2 ** 24;
const MAX_CLASS = 25;
/** Contexts the integer coder distinguishes (the caller's context index is below this). */
export const CODE_CONTEXTS = 32;

const Z = 0; // zero flag, per context
const S = Z + CODE_CONTEXTS; // sign, per sign context (3)
const E = S + 3; // magnitude class, unary, per (context, position)
const M = E + CODE_CONTEXTS * MAX_CLASS; // top mantissa bit, per class
const SIZE = M + MAX_CLASS + 1;

/**
 * Codes signed integers |q| ≤ {@link MAX_CODE}: a zero flag and a sign (adaptive), then
 * m = |q| − 1 as its bit length k in unary (adaptive per context and position), the top bit
 * below the leading one (adaptive per k) and the rest raw.
 */
export class CodeModels {
  readonly #bits = new BitModels(SIZE);

  /** Codes `q` under context `ctx` (< CODE_CONTEXTS) and sign context `sctx` (0–2). */
  encode(enc: RangeEncoder, ctx: number, sctx: number, q: number): void {
    const bits = this.#bits;
    if (q === 0) {
      bits.encode(enc, Z + ctx, 0);
      return;
    }
    bits.encode(enc, Z + ctx, 1);
    bits.encode(enc, S + sctx, q < 0 ? 1 : 0);
    const m = Math.abs(q) - 1;
    const k = m === 0 ? 0 : 32 - Math.clz32(m);
    const e = E + ctx * MAX_CLASS;
    for (let j = 0; j < k; j++) bits.encode(enc, e + j, 1);
    if (k < MAX_CLASS) bits.encode(enc, e + k, 0);
    if (k >= 2) {
      bits.encode(enc, M + k, (m >>> (k - 2)) & 1);
      writeRaw(enc, m & ((1 << (k - 2)) - 1), k - 2);
    }
  }

  /** Decodes what {@link encode} wrote under the same contexts. */
  decode(dec: RangeDecoder, ctx: number, sctx: number): number {
    const bits = this.#bits;
    if (bits.decode(dec, Z + ctx) === 0) return 0;
    const negative = bits.decode(dec, S + sctx) === 1;
    const e = E + ctx * MAX_CLASS;
    let k = 0;
    while (k < MAX_CLASS && bits.decode(dec, e + k) === 1) k++;
    let m = k === 0 ? 0 : 1;
    if (k >= 2) {
      m = (m << 1) | bits.decode(dec, M + k);
      m = m * 2 ** (k - 2) + readRaw(dec, k - 2);
    }
    const q = m + 1;
    return negative ? -q : q;
  }
}

/** Writes the low `n` (0–32) bits of `value` as uniform raw bits. */
export function writeRaw(enc: RangeEncoder, value: number, n: number): void {
  if (n > 16) {
    enc.encodeBits(Math.floor(value / 65536) & ((1 << (n - 16)) - 1), n - 16);
    n = 16;
  }
  if (n > 0) enc.encodeBits(value & ((1 << n) - 1), n);
}

/** Reads `n` (0–32) raw bits written by {@link writeRaw}. */
export function readRaw(dec: RangeDecoder, n: number): number {
  let v = 0;
  if (n > 16) {
    v = dec.decodeBits(n - 16) * 65536;
    n = 16;
  }
  return n > 0 ? v + dec.decodeBits(n) : v;
}
