import assert from "node:assert/strict";
import { pixelsOverBound, sweepPoint, zfpCodes } from "../../baselines/rate_distortion_sweep.ts";
import { zfpAvailable } from "../../baselines/zfp.ts";

Deno.test("sweepPoint: per-image and aggregate ratios, errors and pixels over the bound", () => {
  // Three images of 4 pixels (16 raw bytes each); the second one decodes with one pixel 2 % off.
  const images = Float32Array.from([1, 2, 4, 8, 1, 1, 1, 1, 3, 3, 3, 3]);
  const decoded = images.slice();
  decoded[4] = 1.02;
  const codes = [2, 4, 8].map((bytes, index) => ({
    code: new Uint8Array(bytes),
    label: { index },
  }));
  const p = sweepPoint({ coder: "bounded", bound: 0.01 }, images, 4, { codes, decoded }, 0.5);
  assert.deepEqual([p.images, p.skipped, p.pixels_over_bound], [3, 0, 1]);
  assert.deepEqual([p.median_ratio, p.mean_ratio, p.aggregate_ratio], [4, 14 / 3, 48 / 14]);
  assert.ok(Math.abs(p.max_max_rel! - 0.02) < 1e-6 && p.median_max_rel === 0);
  assert.equal(pixelsOverBound(images, decoded, 0.03), 0);
  assert.equal(pixelsOverBound(images, Float32Array.from(images, () => NaN), 1), 12);
  // Without a bound nothing is counted; with no image coded every statistic is null, not NaN.
  const ae = sweepPoint({ coder: "ae", threshold: 0 }, images, 4, { codes, decoded }, 0);
  assert.equal(ae.pixels_over_bound, null);
  const none = sweepPoint({ coder: "zfp", bound: 0.1 }, images, 4, {
    codes: [],
    decoded: new Float32Array(0),
    coded: [],
  }, 0);
  assert.deepEqual([none.images, none.skipped, none.median_ratio, none.aggregate_ratio], [
    0,
    3,
    null,
    null,
  ]);
});

Deno.test("zfpCodes leaves out images with I ≤ 0 and keeps the others within R", async () => {
  if (!(await zfpAvailable())) {
    console.warn("zfp CLI not installed: zfpCodes not checked");
    return;
  }
  const n = 16;
  const images = Float32Array.from({ length: 3 * n }, (_, i) => 10 ** ((i % n) / 4));
  images[n + 5] = 0;
  const coded = await zfpCodes(images, [4, 4], 0.01);
  assert.deepEqual(coded.coded, [0, 2]);
  const p = sweepPoint({ coder: "zfp", bound: 0.01 }, images, n, coded, 0);
  assert.deepEqual([p.images, p.skipped, p.pixels_over_bound], [2, 1, 0]);
});
