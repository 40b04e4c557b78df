import assert from "node:assert/strict";
import { imageErrorStats, meanImageErrors } from "../../pipeline/image_error.ts";

// Images of 2 pixels, x = [1, 1] each; x̂ = x·(1 + e) pixelwise, so both pixels' relative errors
// are e and rms_rel = max_rel = e, rel. L2 = e too.
const pair = (errors: number[]) => {
  const x = new Float32Array(errors.length * 2).fill(1);
  const xhat = Float32Array.from(errors.flatMap((e) => [1 + e, 1 + e]));
  return [x, xhat] as const;
};
const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a}, expected ${b}`);

Deno.test("imageErrorStats: means and medians over images, odd and even counts", () => {
  const odd = imageErrorStats(...pair([0.5, 0.01, 0.02]), 2)!;
  near(odd.median.rms_rel, 0.02, "median of 3");
  near(odd.median.rel_l2, 0.02, "median rel L2 of 3");
  near(odd.mean.rms_rel, 0.53 / 3, "mean of 3");
  near(odd.mean.max_rel, 0.53 / 3, "mean max of 3");
  // One image the model cannot fit moves the mean 10×, not the median.
  const even = imageErrorStats(...pair([8, 0.04, 0.01, 0.02]), 2)!;
  near(even.median.rms_rel, 0.03, "median of 4: mean of the middle two");
  near(even.mean.rms_rel, 8.07 / 4, "mean of 4");
  assert.deepEqual(meanImageErrors(...pair([8, 0.04, 0.01, 0.02]), 2), even.mean);
  assert.equal(imageErrorStats(new Float32Array(0), new Float32Array(0), 2), null);
});
