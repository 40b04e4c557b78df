/**
 * Value quantizers for the non-zeros of a sparse code: fp16 (default), bf16 and fp8 (e4m3).
 *
 * All round to nearest, ties to even, from the float32 value of the input. Behaviour at the
 * edges, the same for all three:
 * - NaN or ±Infinity input: {@link FormatError} naming the index;
 * - finite overflow: saturates to ± the largest finite value (fp16 65504, bf16 ≈3.39e38,
 *   fp8 448), never to infinity;
 * - underflow: to subnormals, then to a zero with the input's sign;
 * - decoding a bit pattern the encoder never writes (Inf/NaN) is a {@link FormatError}.
 * @module
 */

import { FormatError } from "../pipeline/errors.ts";

/** Names of the value quantizers, as stored in `.sqz` headers. */
export type QuantName = "fp16" | "bf16" | "fp8";

/** A scalar quantizer: float ↔ code of `bits` bits. */
export interface Quantizer {
  /** Its name. */
  readonly name: QuantName;
  /** Bits per code (16 or 8). */
  readonly bits: number;
  /** Code of `x` (the value at position `index`, named in errors). */
  quantize(x: number, index: number): number;
  /** Value of a code; throws FormatError for codes the quantizer never produces. */
  dequantize(code: number): number;
}

const f16 = new Float16Array(1);
const f16Bits = new Uint16Array(f16.buffer);
const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

function checkFinite(x: number, index: number): void {
  if (!Number.isFinite(x)) throw new FormatError(`value at index ${index} is ${x}`);
}

/** IEEE 754 binary16 via the built-in Float16Array; saturates at ±65504. */
export const fp16: Quantizer = {
  name: "fp16",
  bits: 16,
  quantize(x: number, index: number): number {
    checkFinite(x, index);
    f16[0] = Math.fround(x);
    const code = f16Bits[0];
    return (code & 0x7fff) === 0x7c00 ? (code & 0x8000) | 0x7bff : code;
  },
  dequantize(code: number): number {
    if ((code & 0x7c00) === 0x7c00) throw new FormatError(`fp16 code 0x${hex(code)} is not finite`);
    f16Bits[0] = code;
    return f16[0];
  },
};

/** bfloat16 (the top half of a float32); saturates at ±(2 − 2^-7)·2^127. */
export const bf16: Quantizer = {
  name: "bf16",
  bits: 16,
  quantize(x: number, index: number): number {
    checkFinite(x, index);
    f32[0] = x;
    const b = f32Bits[0];
    // Round to nearest even on the dropped 16 bits; a finite input never carries past bit 31.
    const code = Math.floor((b + 0x7fff + ((b >>> 16) & 1)) / 65536);
    return (code & 0x7f80) === 0x7f80 ? (code & 0x8000) | 0x7f7f : code;
  },
  dequantize(code: number): number {
    if ((code & 0x7f80) === 0x7f80) throw new FormatError(`bf16 code 0x${hex(code)} is not finite`);
    f32Bits[0] = code * 65536;
    return f32[0];
  },
};

// OCP 8-bit floating point spec, E4M3 (FN): bias 7, no infinities, S.1111.111 is NaN.
const FP8_VALUES = new Float64Array(127);
for (let c = 0; c < 127; c++) {
  const e = c >>> 3;
  const m = c & 7;
  FP8_VALUES[c] = e === 0 ? (m / 8) * 2 ** -6 : (1 + m / 8) * 2 ** (e - 7);
}
const FP8_MAX_CODE = 126;

/** fp8 e4m3 (OCP E4M3FN, max 448, no infinities); saturates at ±448. */
export const fp8: Quantizer = {
  name: "fp8",
  bits: 8,
  quantize(x: number, index: number): number {
    checkFinite(x, index);
    const v = Math.fround(x);
    const sign = v < 0 || Object.is(v, -0) ? 0x80 : 0;
    const a = Math.abs(v);
    if (a >= FP8_VALUES[FP8_MAX_CODE]) return sign | FP8_MAX_CODE;
    // Largest code whose value is ≤ a, then round to the nearer neighbour (ties to even code).
    let lo = 0;
    let hi = FP8_MAX_CODE;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (FP8_VALUES[mid] <= a) lo = mid;
      else hi = mid;
    }
    const half = (FP8_VALUES[lo] + FP8_VALUES[lo + 1]) / 2;
    const code = a > half || (a === half && (lo & 1) === 1) ? lo + 1 : lo;
    return sign | code;
  },
  dequantize(code: number): number {
    if ((code & 0x7f) === 0x7f) throw new FormatError(`fp8 code 0x${hex(code)} is NaN`);
    const v = FP8_VALUES[code & 0x7f];
    return code & 0x80 ? -v : v;
  },
};

/** Looks a quantizer up by name. */
export function quantizerByName(name: string): Quantizer {
  if (name === "fp16") return fp16;
  if (name === "bf16") return bf16;
  if (name === "fp8") return fp8;
  throw new FormatError(`unknown quantizer '${name}' (expected fp16, bf16 or fp8)`);
}

function hex(code: number): string {
  return code.toString(16).padStart(4, "0");
}
