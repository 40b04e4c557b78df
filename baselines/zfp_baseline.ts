/**
 * Baseline: zfp in fixed-accuracy mode tuned to the model's mean relative L2 error, on the same
 * images as the model.
 * @module
 */
import { zfpCompress, zfpDecompress, zfpToleranceForError, ZfpUnavailableError } from "./zfp.ts";
import { imageMetrics } from "../evaluate/image_metrics.ts";

/** zfp's result on the sample, at the tolerance matching the model's mean error. */
export interface ZfpResult {
  images: number;
  target_mean_rel_l2: number;
  tolerance: number;
  mean_rel_l2: number;
  byte_ratio: number;
  max_pointwise_rel: number;
  max_abs_error: number;
}

/**
 * Tunes zfp (`-a` tolerance) on `images` ([count × h·w]) to mean relative L2 error ≤ `target`
 * and measures it there; `{ skipped }` when the zfp CLI is missing or cannot reach the target.
 */
export async function zfpBaseline(
  images: Float32Array,
  shape: number[],
  target: number,
): Promise<ZfpResult | { skipped: string }> {
  const [height, width] = shape.length === 2 ? shape : [1, shape[0]];
  const pixels = height * width;
  const count = images.length / pixels;
  if (count === 0) return { skipped: "no images" };
  if (!(target > 0)) {
    return { skipped: `model error ${target} leaves no room for a lossy baseline` };
  }
  const batch = { data: images, width, height };
  try {
    const best = await zfpToleranceForError(batch, target);
    const compressed = await zfpCompress(batch, best.tolerance);
    const back = await zfpDecompress(compressed, { width, height, count }, best.tolerance);
    let maxPointwise = 0, maxAbs = 0, sum = 0;
    for (let i = 0; i < count; i++) {
      const x = images.subarray(i * pixels, (i + 1) * pixels);
      const y = back.subarray(i * pixels, (i + 1) * pixels);
      const m = imageMetrics(x, y, { nonZeros: 0, bytes: 1, valueBytes: 0, gapBytes: 0 });
      sum += m.rel_l2;
      maxPointwise = Math.max(maxPointwise, m.max_pointwise_rel);
      for (let p = 0; p < pixels; p++) maxAbs = Math.max(maxAbs, Math.abs(y[p] - x[p]));
    }
    return {
      images: count,
      target_mean_rel_l2: target,
      tolerance: best.tolerance,
      mean_rel_l2: sum / count,
      byte_ratio: images.byteLength / compressed.length,
      max_pointwise_rel: maxPointwise,
      max_abs_error: maxAbs,
    };
  } catch (e) {
    if (e instanceof ZfpUnavailableError) return { skipped: e.message };
    throw e;
  }
}
