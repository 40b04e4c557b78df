/**
 * Per-image quality and size metrics of one reconstruction, and the dataset-wide error
 * aggregates that scientific compressors report (max abs error, PSNR, NRMSE).
 * @module
 */
import { imageErrors } from "../pipeline/image_error.ts";
import { ExactSum } from "./exact_sum.ts";

/** Metrics of one image, as written to `images.ndjson`. */
export interface ImageMetrics {
  /** ‖x̂ − x‖₂ / ‖x‖₂ in intensity (0 for an all-zero image reconstructed exactly). */
  rel_l2: number;
  /** √(meanᵢ ((x̂ᵢ − xᵢ) / xᵢ)²) over pixels with xᵢ ≠ 0: the typical pixel's relative error. */
  rms_rel: number;
  /** maxᵢ |x̂ᵢ − xᵢ| / |xᵢ| over pixels with xᵢ ≠ 0. */
  max_pointwise_rel: number;
  /** ‖x‖₀ / ‖f(z)‖₀, the paper's ratio (a code with no entries counts as one). */
  nnz_ratio: number;
  /** Raw float32 bytes / code bytes. */
  byte_ratio: number;
  /** ‖x‖₀: non-zero pixels. */
  pixels_nonzero: number;
  /** ‖f(z)‖₀: coded entries. */
  code_nonzeros: number;
  /** Total code bytes, and its split into quantized values and gaps (+ END and flush). */
  code_bytes: number;
  value_bytes: number;
  gap_bytes: number;
  /** Bytes of the input transform's per-image side information (in `code_bytes`). */
  side_bytes: number;
}

/** Size of one image's code (a `CodeStats` from the codec). */
export interface CodeSize {
  nonZeros: number;
  bytes: number;
  valueBytes: number;
  gapBytes: number;
  /** Per-image side information of the input transform, included in `bytes` (default 0). */
  sideBytes?: number;
}

/** Metrics of image `x` reconstructed as `xhat` from a code of size `code`. */
export function imageMetrics(x: Float32Array, xhat: Float32Array, code: CodeSize): ImageMetrics {
  const { rel_l2, rms_rel, max_rel, nonzero } = imageErrors(x, xhat);
  return {
    rel_l2,
    rms_rel,
    max_pointwise_rel: max_rel,
    nnz_ratio: nonzero / Math.max(code.nonZeros, 1),
    byte_ratio: (4 * x.length) / Math.max(code.bytes, 1),
    pixels_nonzero: nonzero,
    code_nonzeros: code.nonZeros,
    code_bytes: code.bytes,
    value_bytes: code.valueBytes,
    gap_bytes: code.gapBytes,
    side_bytes: code.sideBytes ?? 0,
  };
}

/** Dataset-wide error figures in the style of SZ/zfp reports. */
export interface ErrorAggregates {
  /** Largest |x̂ᵢ − xᵢ| over every pixel of every image. */
  max_abs_error: number;
  /** Root mean squared error over every pixel. */
  rmse: number;
  /** RMSE / (max x − min x), the value range of the whole data set. */
  nrmse: number;
  /** 20·log10((max x − min x) / RMSE) in dB. */
  psnr_db: number;
  /** Value range of the data, max x − min x. */
  value_range: number;
}

/** What an {@linkcode ErrorAccumulator} holds, to merge accumulators of shards exactly. */
export interface ErrorState {
  /** Exact partials of the sum of squared errors. */
  sum_squares: number[];
  count: number;
  max_abs: number;
  /** Smallest and largest value seen (null before any pixel: JSON has no infinities). */
  min: number | null;
  max: number | null;
}

/**
 * Accumulates squared error, max abs error and value range over a stream of images. Each batch's
 * squared errors add up in order; the batch sums add up exactly, so shards that split the stream
 * at batch boundaries merge to the same figures as one pass.
 */
export class ErrorAccumulator {
  #sumSquares = new ExactSum();
  #count = 0;
  #maxAbs = 0;
  #min = Infinity;
  #max = -Infinity;

  /** Add a batch of originals and reconstructions (same length). */
  add(x: Float32Array, xhat: Float32Array): void {
    let s = 0, maxAbs = this.#maxAbs, min = this.#min, max = this.#max;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      const d = Math.abs(xhat[i] - v);
      s += d * d;
      if (d > maxAbs) maxAbs = d;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    this.#sumSquares.add(s);
    this.#count += x.length;
    this.#maxAbs = maxAbs;
    this.#min = min;
    this.#max = max;
  }

  /** The state to carry to {@linkcode ErrorAccumulator.merge}. */
  state(): ErrorState {
    const empty = this.#count === 0;
    return {
      sum_squares: this.#sumSquares.partials(),
      count: this.#count,
      max_abs: this.#maxAbs,
      min: empty ? null : this.#min,
      max: empty ? null : this.#max,
    };
  }

  /** Adds another accumulator's state, as if its pixels had been added here. */
  merge(s: ErrorState): void {
    this.#sumSquares.addAll(s.sum_squares);
    this.#count += s.count;
    this.#maxAbs = Math.max(this.#maxAbs, s.max_abs);
    if (s.min !== null) this.#min = Math.min(this.#min, s.min);
    if (s.max !== null) this.#max = Math.max(this.#max, s.max);
  }

  /** The aggregates so far; null before any pixel. */
  result(): ErrorAggregates | null {
    if (this.#count === 0) return null;
    const rmse = Math.sqrt(this.#sumSquares.value() / this.#count);
    const range = this.#max - this.#min;
    return {
      max_abs_error: this.#maxAbs,
      rmse,
      nrmse: range > 0 ? rmse / range : 0,
      // PSNR on the value range, as SZ and zfp's benchmarks define it; capped for exact copies.
      psnr_db: rmse > 0 && range > 0 ? 20 * Math.log10(range / rmse) : 999,
      value_range: range,
    };
  }
}
