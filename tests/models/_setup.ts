/** Shared test setup: the tfjs cpu backend, quiet, with native kernels on. */
import * as tf from "@tensorflow/tfjs";
import { setNativeKernels } from "../../models/native_kernels.ts";

await tf.setBackend("cpu");
(tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
setNativeKernels(true);

/** Largest |a − b| / max(|b|, 1e-3·max|b|) over two arrays of equal length. */
export function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths ${a.length} and ${b.length} differ`);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3 * scale, 1e-30));
  }
  return worst;
}
