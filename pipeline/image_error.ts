/**
 * Error measures between images and their reconstructions, the ground floor that training,
 * coding, evaluation and the baselines all measure with.
 * @module
 */
import { summarize } from "./summary_stats.ts";

/** The three error measures of record of one image. */
export interface ImageErrors {
  /** ‖x̂ − x‖₂ / ‖x‖₂ in intensity, the paper's metric (0 for an exact all-zero image). */
  rel_l2: number;
  /** √(meanᵢ ((x̂ᵢ − xᵢ) / xᵢ)²) over pixels with xᵢ ≠ 0: the typical pixel's relative error. */
  rms_rel: number;
  /** maxᵢ |x̂ᵢ − xᵢ| / |xᵢ| over pixels with xᵢ ≠ 0. */
  max_rel: number;
  /** ‖x‖₀: pixels with xᵢ ≠ 0. */
  nonzero: number;
}

/** The error measures of `xhat` against `x` (same length), in one pass. */
export function imageErrors(x: ArrayLike<number>, xhat: ArrayLike<number>): ImageErrors {
  let diff = 0, norm = 0, worst = 0, nonzero = 0, relSquares = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const d = xhat[i] - v;
    diff += d * d;
    norm += v * v;
    if (v !== 0) {
      nonzero++;
      const r = Math.abs(d) / Math.abs(v);
      if (r > worst) worst = r;
      relSquares += r * r;
    }
  }
  // Relative L2 error in intensity, arXiv 2405.14270 (error metric of Fig. 4).
  const relL2 = norm > 0 ? Math.sqrt(diff / norm) : diff > 0 ? Infinity : 0;
  return {
    rel_l2: relL2,
    rms_rel: nonzero > 0 ? Math.sqrt(relSquares / nonzero) : 0,
    max_rel: worst,
    nonzero,
  };
}

/** Which error measure validation and `--target-error` use. */
export type ErrorMetric = "rel_l2" | "rms_rel";

/** Means over images (of `imageSize` values each) of the three measures; null for no images. */
export function meanImageErrors(
  x: Float32Array,
  xhat: Float32Array,
  imageSize: number,
): Omit<ImageErrors, "nonzero"> | null {
  return imageErrorStats(x, xhat, imageSize)?.mean ?? null;
}

/** The three measures' means and medians over images (a median of an even count: the mean of the two middle values). */
export interface ImageErrorStats {
  mean: Omit<ImageErrors, "nonzero">;
  median: Omit<ImageErrors, "nonzero">;
}

/** Means and medians over images (of `imageSize` values each) of the three measures; null for no images. */
export function imageErrorStats(
  x: Float32Array,
  xhat: Float32Array,
  imageSize: number,
): ImageErrorStats | null {
  const count = x.length / imageSize;
  if (count === 0) return null;
  const relL2 = new Float64Array(count),
    rms = new Float64Array(count),
    max = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const e = imageErrors(
      x.subarray(k * imageSize, (k + 1) * imageSize),
      xhat.subarray(k * imageSize, (k + 1) * imageSize),
    );
    [relL2[k], rms[k], max[k]] = [e.rel_l2, e.rms_rel, e.max_rel];
  }
  const [l2, r, m] = [relL2, rms, max].map((v) => summarize(v)!);
  return {
    mean: { rel_l2: l2.mean, rms_rel: r.mean, max_rel: m.mean },
    median: { rel_l2: l2.median, rms_rel: r.median, max_rel: m.median },
  };
}

/** Mean over images of ‖x − x̂‖₂ / ‖x‖₂ (images of `imageSize` values; zero images count 0). */
export function meanRelativeL2Error(
  x: Float32Array,
  xhat: Float32Array,
  imageSize: number,
): number {
  return meanImageErrors(x, xhat, imageSize)?.rel_l2 ?? NaN;
}
