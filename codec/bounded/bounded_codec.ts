/**
 * Error-bounded coding of one detector image: every decoded pixel satisfies the requested
 * bound (relative, absolute or per-pixel), float32 rounding of the output included.
 *
 * The encoder quantizes residuals in a transform domain (ln|I| for relative bounds, I
 * otherwise) against a predictor, codes them with adaptive context models, and checks every
 * pixel through the decoder's own reconstruction — at the encoder's prediction and at both
 * ends of the tolerated prediction difference. A pixel that fails is stored exactly, so the
 * bound is a guarantee. It tries each applicable mode and keeps the smallest stream.
 * Byte layout: docs/FORMAT.md, "Error-bounded image streams".
 *
 * @example
 * ```ts
 * const bytes = encodeBounded(image, { height: 64, width: 64, bound: { kind: "rel", r: 0.01 } });
 * const { image: decoded } = decodeBounded(bytes);
 * ```
 * @module
 */

import { UsageError } from "../../pipeline/errors.ts";
import { checkArray, checkImage, checkShape, checkTolerance } from "./_bounded_checks.ts";
import { RangeDecoder, RangeEncoder } from "../range_coder.ts";
import { decodeBody, encodeBody } from "./_bounded_body.ts";
import { float32Below, type RawHeader, readHeader, writeHeader } from "./_bounded_header.ts";
import { codingPlan, SYMMETRIES } from "./_coding_plan.ts";
import { allModes, checkMode, greedySearch, PREDICTORS, smallest } from "./_mode_search.ts";
import { baseTolerance, ENGINE_SLACK, LINEAR, LOG, predictionBase } from "./_pixel_transform.ts";

/** Symmetry priors of SAS images on a grid symmetric about q = 0. */
export type Symmetry = (typeof SYMMETRIES)[number];

/**
 * The per-pixel guarantee: |Î−I| ≤ r·|I|, |Î−I| ≤ a, or |Î−I| ≤ tolerance[i], for the float32
 * output Î, evaluated in float64 exactly as written (`Math.abs(out - x) <= r * Math.abs(x)`),
 * with r or a the largest float32 not above the requested value.
 */
export type ErrorBound =
  | { kind: "rel"; r: number }
  | { kind: "abs"; a: number }
  | { kind: "pointwise"; tolerance: Float32Array };

/** How pixels are predicted; one is recorded in each stream. */
export interface BoundedMode {
  /**
   * Spatial predictor over decoded residuals: Lorenzo, SZ3-style cubic interpolation, or
   * "smooth" interpolation (linear, plus a 6-point average across rows) for noisy data.
   */
  predictor: (typeof PREDICTORS)[number];
  /** Residuals against the caller's prediction (the autoencoder's reconstruction). */
  usePrediction: boolean;
  /**
   * Symmetry prior, for a grid symmetric about q = 0 with layout [iy][ix]: "centro"
   * I(q) = I(−q); "quadrant" also I(qx, qy) = I(−qx, qy); "octant" (square grids) also
   * I(qx, qy) = I(qy, qx); "isotropic" (square grids) I depends on |q| only. Pixels are predicted
   * from decoded partners; the encoder verifies every pixel, so a wrong prior costs bytes only.
   */
  symmetry: Symmetry;
}

/** Options of {@link encodeBounded}. */
export interface BoundedEncodeOptions {
  /** Image rows (the image is `height × width` values, row-major). */
  height: number;
  /** Image columns. */
  width: number;
  /** The guarantee every pixel must meet. */
  bound: ErrorBound;
  /** Prediction of the image (e.g. the autoencoder's reconstruction), same shape. */
  prediction?: Float32Array;
  /**
   * Relative difference ε the decoder's prediction may have (|P′ − P| ≤ ε·|P| per pixel) with
   * the bound still holding; default {@link DEFAULT_PREDICTION_TOLERANCE}.
   */
  predictionTolerance?: number;
  /**
   * Pixels (non-zero entries) stored bit-exactly, any value (NaN, ±Infinity), and kept out of
   * the predictors' evidence. The decoder does not need the mask.
   */
  mask?: Uint8Array;
  /** Modes to try, all of them; the smallest stream wins (default: see `search`). */
  modes?: BoundedMode[];
  /**
   * Without `modes`: "greedy" (default) tries every symmetry under interpolation, then the
   * other predictors under the best one; "exhaustive" tries every mode that applies.
   */
  search?: "greedy" | "exhaustive";
}

/** What the decoder must be given besides the bytes. */
export interface BoundedDecodeOptions {
  /** The prediction, when the stream was made with one (within ε of the encoder's). */
  prediction?: Float32Array;
  /** The per-pixel tolerances, bit-identical to the encoder's, for pointwise bounds. */
  tolerance?: Float32Array;
}

/** A stream's header, as {@link readBoundedHeader} reports it. */
export interface BoundedHeader {
  /** Image rows. */
  height: number;
  /** Image columns. */
  width: number;
  /** The mode the encoder chose. */
  mode: BoundedMode;
  /** Quantization domain. */
  transform: "log" | "linear";
  /** Bound kind and value: the largest float32 ≤ the requested one (NaN for pointwise). */
  bound: { kind: "rel" | "abs" | "pointwise"; value: number };
  /** Fraction m of the bound's half-width kept as safety margin (δ′ = δ·(1 − m)). */
  margin: number;
  /** Relative prediction difference tolerated (0 without prediction). */
  predictionTolerance: number;
}

/**
 * Default ε. Stock tfjs and OpenBLAS kernels differ by ~1e-6 relative on a small decoder layer
 * (tests/codec/bounded_backends_test.ts), and the project's kernel tests allow 1e-4 on network
 * outputs; a caller whose prediction goes through 10^(t·std + mean) should measure its own
 * backends and pass ε, since that map multiplies differences in t by ln(10)·std·|t|.
 */
export const DEFAULT_PREDICTION_TOLERANCE = 1e-4;
const LINEAR_MARGIN_EXPONENT = 8;

/** Encodes `image` so that every decoded pixel meets `opts.bound`. */
export function encodeBounded(image: Float32Array, opts: BoundedEncodeOptions): Uint8Array {
  const n = checkShape(image, opts.height, opts.width);
  const mask = opts.mask ?? null;
  if (mask !== null && mask.length !== n) {
    throw new UsageError(`mask has ${mask.length} entries, expected ${n}`);
  }
  checkImage(image, opts.width, mask);
  const { bound } = opts;
  const tolerance = bound.kind === "pointwise" ? checkTolerance(bound.tolerance, n) : null;
  const asked = bound.kind === "rel" ? bound.r : bound.kind === "abs" ? bound.a : NaN;
  if (bound.kind !== "pointwise" && !(asked >= 2 ** -126 && asked < Infinity)) {
    throw new UsageError(`${bound.kind} bound must be finite and ≥ 2^-126, got ${asked}`);
  }
  // The stream keeps the largest float32 ≤ the bound, and guarantees that (tighter) one.
  const boundValue = bound.kind === "pointwise" ? NaN : float32Below(asked);
  const epsilon = opts.predictionTolerance ?? DEFAULT_PREDICTION_TOLERANCE;
  if (!(epsilon >= 0 && epsilon < 0.5)) {
    throw new UsageError(`predictionTolerance must be in [0, 0.5), got ${epsilon}`);
  }
  if (opts.prediction !== undefined) checkArray(opts.prediction, n, "prediction");
  const transform = bound.kind === "rel" ? LOG : LINEAR;
  const within = bound.kind === "rel"
    ? (i: number, out: number) => Math.abs(out - image[i]) <= boundValue * Math.abs(image[i])
    : bound.kind === "abs"
    ? (i: number, out: number) => Math.abs(out - image[i]) <= boundValue
    : (i: number, out: number) => Math.abs(out - image[i]) <= tolerance![i];
  const predictionBases = opts.prediction === undefined ? null : bases(transform, opts.prediction);
  const codeMode = (mode: BoundedMode): Uint8Array => {
    const symmetry = checkMode(mode, opts, predictionBases !== null);
    const base = mode.usePrediction ? predictionBases : null;
    const slackEps = mode.usePrediction ? epsilon : 0;
    const header: RawHeader = {
      predictor: PREDICTORS.indexOf(mode.predictor),
      usePrediction: mode.usePrediction,
      symmetry,
      transform,
      boundKind: bound.kind,
      height: opts.height,
      width: opts.width,
      boundValue,
      marginExponent: chooseMargin(transform, boundValue, slackEps),
      predictionTolerance: Math.fround(slackEps),
      bodyOffset: 0,
    };
    const plan = codingPlan(opts.height, opts.width, header.predictor, symmetry);
    const enc = new RangeEncoder(4 * n);
    const baseSlack = base === null
      ? (transform === LOG ? () => ENGINE_SLACK : () => 0)
      : (j: number) => baseTolerance(transform, slackEps, base[j]) + Math.abs(base[j]) * 2 ** -50;
    const halfWidth = halfWidths(header, tolerance);
    encodeBody(enc, { plan, transform, halfWidth, base }, { image, mask, within, baseSlack });
    const head = writeHeader(header);
    const body = enc.finish();
    const bytes = new Uint8Array(head.length + body.length);
    bytes.set(head);
    bytes.set(body, head.length);
    return bytes;
  };
  if (opts.modes !== undefined || opts.search === "exhaustive") {
    const modes = opts.modes ?? allModes(predictionBases !== null, opts.height, opts.width);
    if (modes.length === 0) throw new UsageError(`modes is empty`);
    return smallest(modes.map(codeMode));
  }
  return greedySearch(codeMode, predictionBases !== null, opts.height, opts.width);
}

/** Decodes a stream made by {@link encodeBounded}. */
export function decodeBounded(
  bytes: Uint8Array,
  opts: BoundedDecodeOptions = {},
): { image: Float32Array; header: BoundedHeader } {
  const raw = readHeader(bytes);
  const n = raw.height * raw.width;
  let base: Float64Array | null = null;
  if (raw.usePrediction) {
    if (opts.prediction === undefined) {
      throw new UsageError(`this bounded stream needs the prediction it was encoded against`);
    }
    checkArray(opts.prediction, n, "prediction");
    base = bases(raw.transform, opts.prediction);
  }
  let tolerance: Float32Array | null = null;
  if (raw.boundKind === "pointwise") {
    if (opts.tolerance === undefined) {
      throw new UsageError(`this bounded stream needs its per-pixel tolerances`);
    }
    tolerance = checkTolerance(opts.tolerance, n);
  }
  const plan = codingPlan(raw.height, raw.width, raw.predictor, raw.symmetry);
  const image = new Float32Array(n);
  const dec = new RangeDecoder(bytes, raw.bodyOffset);
  decodeBody(
    dec,
    { plan, transform: raw.transform, halfWidth: halfWidths(raw, tolerance), base },
    image,
  );
  dec.finish();
  return { image, header: publicHeader(raw) };
}

/** Reads a stream's header (mode, bound, grid) without decoding the body. */
export function readBoundedHeader(bytes: Uint8Array): BoundedHeader {
  return publicHeader(readHeader(bytes));
}

/**
 * Margin exponent k, m = 2^−k ≥ the room needed for the decoder's prediction difference and
 * float32 output rounding (LOG), or a fixed 2^−8 of the half-width (LINEAR).
 */
function chooseMargin(transform: number, boundValue: number, epsilon: number): number {
  if (transform === LINEAR) return LINEAR_MARGIN_EXPONENT;
  const slack = baseTolerance(LOG, epsilon, 0) + 2 ** -22;
  return Math.max(1, Math.min(255, Math.floor(Math.log2(Math.log1p(boundValue) / slack))));
}

function marginOf(h: RawHeader): number {
  return h.marginExponent === 0 ? 0 : 2 ** -h.marginExponent;
}

/** δ′ per pixel: the bound's half-width in the transform domain times (1 − m). */
function halfWidths(h: RawHeader, tolerance: Float32Array | null): Float64Array {
  const n = h.height * h.width;
  const keep = 1 - marginOf(h);
  if (tolerance !== null) return Float64Array.from(tolerance, (t) => t * keep);
  const delta = h.boundKind === "rel" ? Math.log1p(h.boundValue) : h.boundValue;
  return new Float64Array(n).fill(delta * keep);
}

function bases(transform: number, prediction: Float32Array): Float64Array {
  return Float64Array.from(prediction, (p) => predictionBase(transform, p));
}

function publicHeader(raw: RawHeader): BoundedHeader {
  return {
    height: raw.height,
    width: raw.width,
    mode: {
      predictor: PREDICTORS[raw.predictor],
      usePrediction: raw.usePrediction,
      symmetry: SYMMETRIES[raw.symmetry],
    },
    transform: raw.transform === LOG ? "log" : "linear",
    bound: { kind: raw.boundKind, value: raw.boundValue },
    margin: marginOf(raw),
    predictionTolerance: raw.predictionTolerance,
  };
}
