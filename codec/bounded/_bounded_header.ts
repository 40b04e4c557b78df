/**
 * The small header in front of a bounded stream's range-coded body (private to
 * `codec/bounded/`; the layout is in docs/FORMAT.md, "Error-bounded image streams").
 * @module
 */

import { FormatError } from "../../pipeline/errors.ts";

/** Stream version written by this code; readers reject others. */
export const BOUNDED_VERSION = 1;

/** Bound kinds as stored (bits 4–5 of the third byte). */
export const BOUND_CODES = { rel: 0, abs: 1, pointwise: 2 } as const;
const BOUND_NAMES = ["rel", "abs", "pointwise"] as const;

/** Decoded header fields, in stored (numeric) form. */
export interface RawHeader {
  /** Predictor id (0 Lorenzo, 1 interpolation, 2 smooth interpolation). */
  predictor: number;
  /** Whether the residual is taken against a caller-given prediction. */
  usePrediction: boolean;
  /** Symmetry prior id (0 none, 1 centro, 2 quadrant, 3 octant, 4 isotropic). */
  symmetry: number;
  /** Transform id (0 log, 1 linear). */
  transform: number;
  /** Bound kind. */
  boundKind: "rel" | "abs" | "pointwise";
  /** Image rows. */
  height: number;
  /** Image columns. */
  width: number;
  /** R or A as stored: a float32 (NaN for pointwise). */
  boundValue: number;
  /** Safety margin exponent k: the fraction m = 2^−k (k = 0: m = 0) of the half-width is given up. */
  marginExponent: number;
  /** Relative prediction difference ε the stream tolerates (0 when no prediction is used). */
  predictionTolerance: number;
  /** Offset of the range-coded body. */
  bodyOffset: number;
}

/** Serializes `h` (bodyOffset ignored). */
export function writeHeader(h: RawHeader): Uint8Array {
  const out: number[] = [BOUNDED_VERSION];
  out.push(h.predictor | (h.usePrediction ? 4 : 0) | (h.symmetry << 3));
  out.push(h.transform | (BOUND_CODES[h.boundKind] << 4));
  varint(out, h.height);
  varint(out, h.width);
  const view = new DataView(new ArrayBuffer(4));
  if (h.boundKind !== "pointwise") {
    view.setFloat32(0, h.boundValue, true);
    for (let j = 0; j < 4; j++) out.push(view.getUint8(j));
  }
  out.push(h.marginExponent);
  if (h.usePrediction) {
    view.setFloat32(0, h.predictionTolerance, true);
    for (let j = 0; j < 4; j++) out.push(view.getUint8(j));
  }
  return Uint8Array.from(out);
}

/** Parses and checks a header; every inconsistency is a {@link FormatError}. */
export function readHeader(bytes: Uint8Array): RawHeader {
  const at = { pos: 0 };
  const need = (n: number, what: string) => {
    if (at.pos + n > bytes.length) {
      throw new FormatError(`bounded stream: truncated in ${what} at byte ${at.pos}`);
    }
  };
  need(3, "header");
  const version = bytes[0];
  if (version !== BOUNDED_VERSION) {
    throw new FormatError(`bounded stream: version ${version}, expected ${BOUNDED_VERSION}`);
  }
  const [mode, domain] = [bytes[1], bytes[2]];
  at.pos = 3;
  const predictor = mode & 3;
  const symmetry = (mode >> 3) & 7;
  if (predictor > 2 || symmetry > 4 || mode >> 6 !== 0) {
    throw new FormatError(`bounded stream: invalid mode byte 0x${mode.toString(16)}`);
  }
  const transform = domain & 15;
  const boundCode = domain >> 4;
  // Version 1 pairs the log transform with relative bounds and the linear one with the others.
  if (boundCode > 2 || transform !== (boundCode === 0 ? 0 : 1)) {
    throw new FormatError(`bounded stream: invalid transform/bound byte 0x${domain.toString(16)}`);
  }
  const boundKind = BOUND_NAMES[boundCode];
  const height = readVarint(bytes, at, need);
  const width = readVarint(bytes, at, need);
  if (height < 1 || width < 1 || height * width > 2 ** 28) {
    throw new FormatError(`bounded stream: invalid grid ${height} × ${width}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let boundValue = NaN;
  if (boundKind !== "pointwise") {
    need(4, "bound");
    boundValue = view.getFloat32(at.pos, true);
    at.pos += 4;
    if (!(boundValue > 0 && boundValue < Infinity)) {
      throw new FormatError(`bounded stream: invalid ${boundKind} bound ${boundValue}`);
    }
  }
  need(1, "margin");
  const marginExponent = bytes[at.pos++];
  const usePrediction = (mode & 4) !== 0;
  let predictionTolerance = 0;
  if (usePrediction) {
    need(4, "prediction tolerance");
    predictionTolerance = view.getFloat32(at.pos, true);
    at.pos += 4;
  }
  return {
    predictor,
    usePrediction,
    symmetry,
    transform,
    boundKind,
    height,
    width,
    boundValue,
    marginExponent,
    predictionTolerance,
    bodyOffset: at.pos,
  };
}

function varint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function readVarint(
  bytes: Uint8Array,
  at: { pos: number },
  need: (n: number, what: string) => void,
): number {
  let v = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    need(1, "grid size");
    const b = bytes[at.pos++];
    v += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return v;
  }
  throw new FormatError(`bounded stream: grid size varint longer than 5 bytes`);
}

/** The largest float32 ≤ v (v > 0): the bound a stream stores, never looser than asked. */
export function float32Below(v: number): number {
  if (v >= 3.4028234663852886e38) return 3.4028234663852886e38;
  const f = new Float32Array([v]);
  if (f[0] > v) new Uint32Array(f.buffer)[0]--;
  return f[0];
}
