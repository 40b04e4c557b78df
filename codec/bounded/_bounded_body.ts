/**
 * The range-coded body of a bounded stream: one closed-loop pass over a coding plan, shared
 * by encoder and decoder (private to `codec/bounded/`).
 *
 * Per step, the pixel's kind, then for a value its sign (LOG only) and quantization code q:
 * - kind: "value" (adaptive bit, context: previous step's kind), else "zero" (LOG only; raw
 *   sign-of-zero bit) or "exact" (the float32 itself, any bit pattern: its ordinal's difference
 *   from the previous exact pixel's, or 32 raw bits when that is over 2^24);
 * - value: r̂ = p + 2δ′q, where p is the plan's predictor over decoded residuals r̂ of earlier
 *   steps and the output is reconstruct(P[base] + r̂). Zero and exact pixels keep r̂ = p.
 * Residuals r̂ depend on the codes only, never on the prediction P, so a decoder whose P
 * differs from the encoder's shifts each output by its own base difference, nothing more.
 * @module
 */

import { FormatError } from "../../pipeline/errors.ts";
import type { RangeDecoder, RangeEncoder } from "../range_coder.ts";
import { BitModels, CodeModels, MAX_CODE, readRaw, writeRaw } from "./_adaptive_bits.ts";
import { type CodingPlan, SLOTS } from "./_coding_plan.ts";
import { LOG, reconstruct } from "./_pixel_transform.ts";

/** What both sides know: the plan, transform, half-widths δ′ and the bases P. */
export interface BodyShape {
  /** Coding order and predictors. */
  plan: CodingPlan;
  /** LOG or LINEAR. */
  transform: number;
  /** Quantization half-width δ′ per pixel (0: the pixel must be stored exactly). */
  halfWidth: Float64Array;
  /** Transform-domain prediction per pixel, or null (all zeros). */
  base: Float64Array | null;
}

/** What only the encoder knows. */
export interface BodySource {
  /** The image. */
  image: Float32Array;
  /** Pixels to store exactly (non-zero = masked), or null. */
  mask: Uint8Array | null;
  /** Whether output `out` of pixel `i` satisfies the caller's bound. */
  within: (i: number, out: number) => boolean;
  /** How far, in the transform domain, the decoder's base of pixel `j` may differ. */
  baseSlack: (j: number) => number;
}

const KIND_VALUE = 0;
const KIND_ZERO = 1;
const KIND_EXACT = 2;

// Kind and sign-of-intensity models: [isValue | prev value, prev not], [isZero], [sign | ctx 0–2].
const M_VALUE = 0;
const M_ZERO = 2;
const M_SIGN = 3;
const M_NEAR = 6;

/** Monotone, injective map of float32 bit patterns to integers (−0 → −1, +0 → 0). */
function ordinal(bits: number): number {
  return bits >= 0x80000000 ? -1 - (bits - 0x80000000) : bits;
}

function fromOrdinal(o: number): number {
  return o >= 0 ? o : 0x80000000 + (-1 - o);
}

/** Per-pass scratch: decoded residuals, codes and signs of every pixel. */
class PassState {
  readonly rhat: Float64Array;
  readonly code: Int32Array;
  readonly sign: Int8Array;
  readonly kinds = new BitModels(7);
  readonly exacts = new CodeModels();
  /** Ordinal of the last exact pixel: exact values are coded as differences from it. */
  lastExact = 0;
  readonly codes = new CodeModels();
  prevKind = KIND_VALUE;

  constructor(n: number) {
    this.rhat = new Float64Array(n);
    this.code = new Int32Array(n);
    this.sign = new Int8Array(n);
  }

  /** Predictor value p of step k. */
  predict(plan: CodingPlan, k: number): number {
    let p = 0;
    for (let j = SLOTS * k, end = j + SLOTS; j < end; j++) {
      const nb = plan.neighbour[j];
      if (nb < 0) break;
      p += plan.weight[j] * this.rhat[nb];
    }
    return p;
  }

  /** Entropy-coding context of step k: step class × magnitude class of two coded neighbours. */
  context(plan: CodingPlan, k: number): number {
    const a = plan.context[2 * k];
    const b = plan.context[2 * k + 1];
    const sum = (a >= 0 ? Math.abs(this.code[a]) : 0) + (b >= 0 ? Math.abs(this.code[b]) : 0);
    const mag = sum === 0 ? 0 : Math.min(7, 32 - Math.clz32(sum));
    return plan.stepClass[k] * 8 + mag;
  }

  /** Sign context of a value: the sign of the first context neighbour's code (0 none). */
  codeSignContext(plan: CodingPlan, k: number): number {
    const a = plan.context[2 * k];
    if (a < 0) return 0;
    const c = this.code[a];
    return c === 0 ? 0 : c > 0 ? 1 : 2;
  }

  /** Context of the intensity's sign: the first context neighbour's sign (0 unknown). */
  signContext(plan: CodingPlan, k: number): number {
    const a = plan.context[2 * k];
    return a < 0 ? 0 : this.sign[a] > 0 ? 1 : this.sign[a] < 0 ? 2 : 0;
  }
}

/** Encodes the body of `src` under `shape` into `enc`. */
export function encodeBody(enc: RangeEncoder, shape: BodyShape, src: BodySource): void {
  const { plan, transform, halfWidth, base } = shape;
  const n = plan.pixel.length;
  const st = new PassState(n);
  const imageBits = new Uint32Array(src.image.buffer, src.image.byteOffset, src.image.length);
  for (let k = 0; k < n; k++) {
    const i = plan.pixel[k];
    const p = st.predict(plan, k);
    const x = src.image[i];
    let kind = KIND_EXACT;
    let q = 0;
    let sign = 1;
    if (src.mask !== null && src.mask[i] !== 0) kind = KIND_EXACT;
    else if (transform === LOG && x === 0) kind = KIND_ZERO;
    else if (halfWidth[i] > 0) {
      sign = x < 0 ? -1 : 1;
      const b = base === null ? 0 : base[plan.base[k]];
      const y = transform === LOG ? Math.log(Math.abs(x)) : x;
      const step = 2 * halfWidth[i];
      q = Math.round((y - b - p) / step);
      if (Math.abs(q) <= MAX_CODE) {
        const yhat = b + (p + step * q);
        const slack = src.baseSlack(plan.base[k]);
        const ok = src.within(i, reconstruct(transform, yhat, sign)) &&
          src.within(i, reconstruct(transform, yhat - slack, sign)) &&
          src.within(i, reconstruct(transform, yhat + slack, sign));
        if (ok) kind = KIND_VALUE;
      }
    }
    codeKind(enc, st, kind, imageBits[i]);
    if (kind === KIND_VALUE) {
      if (transform === LOG) {
        st.kinds.encode(enc, M_SIGN + st.signContext(plan, k), sign < 0 ? 1 : 0);
      }
      st.codes.encode(enc, st.context(plan, k), st.codeSignContext(plan, k), q);
      st.rhat[i] = p + 2 * halfWidth[i] * q;
      st.code[i] = q;
      st.sign[i] = sign;
    } else {
      st.rhat[i] = p;
    }
  }
}

function codeKind(enc: RangeEncoder, st: PassState, kind: number, bits: number): void {
  st.kinds.encode(enc, M_VALUE + (st.prevKind === KIND_VALUE ? 0 : 1), kind === KIND_VALUE ? 0 : 1);
  st.prevKind = kind;
  if (kind === KIND_VALUE) return;
  st.kinds.encode(enc, M_ZERO, kind === KIND_ZERO ? 0 : 1);
  if (kind === KIND_ZERO) return writeRaw(enc, bits >>> 31, 1);
  const o = ordinal(bits);
  const d = o - st.lastExact;
  st.lastExact = o;
  const near = Math.abs(d) <= MAX_CODE;
  st.kinds.encode(enc, M_NEAR, near ? 0 : 1);
  if (near) st.exacts.encode(enc, 0, 0, d);
  else writeRaw(enc, bits, 32);
}

function decodeExact(dec: RangeDecoder, st: PassState): number {
  const o = st.kinds.decode(dec, M_NEAR) === 0
    ? st.lastExact + st.exacts.decode(dec, 0, 0)
    : ordinal(readRaw(dec, 32));
  if (o < -0x80000000 || o > 0x7fffffff) {
    throw new FormatError(`bounded stream: exact value out of range`);
  }
  st.lastExact = o;
  return fromOrdinal(o);
}

/** Decodes a body into `out` (float32 of every pixel). */
export function decodeBody(dec: RangeDecoder, shape: BodyShape, out: Float32Array): void {
  const { plan, transform, halfWidth, base } = shape;
  const n = plan.pixel.length;
  const st = new PassState(n);
  const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let k = 0; k < n; k++) {
    const i = plan.pixel[k];
    const p = st.predict(plan, k);
    let kind = KIND_VALUE;
    if (st.kinds.decode(dec, M_VALUE + (st.prevKind === KIND_VALUE ? 0 : 1)) === 1) {
      kind = st.kinds.decode(dec, M_ZERO) === 0 ? KIND_ZERO : KIND_EXACT;
    }
    st.prevKind = kind;
    if (kind === KIND_VALUE) {
      let sign = 1;
      if (transform === LOG && st.kinds.decode(dec, M_SIGN + st.signContext(plan, k)) === 1) {
        sign = -1;
      }
      const q = st.codes.decode(dec, st.context(plan, k), st.codeSignContext(plan, k));
      const rhat = p + 2 * halfWidth[i] * q;
      const b = base === null ? 0 : base[plan.base[k]];
      const value = reconstruct(transform, b + rhat, sign);
      // A valid stream's values were verified within a finite bound: anything else is damage.
      if (!Number.isFinite(value)) {
        throw new FormatError(`bounded stream: pixel ${i} decodes to ${value} (corrupt stream)`);
      }
      out[i] = value;
      st.rhat[i] = rhat;
      st.code[i] = q;
      st.sign[i] = sign;
    } else {
      outBits[i] = kind === KIND_ZERO ? readRaw(dec, 1) * 0x80000000 : decodeExact(dec, st);
      st.rhat[i] = p;
    }
  }
}
