import assert from "node:assert/strict";
import { ErrorAccumulator, imageMetrics } from "../../evaluate/image_metrics.ts";
import { countGaps } from "../../codec/gap_model.ts";

Deno.test("metrics of a hand-made image pair", () => {
  // x = [3, 4, 0, 1], x̂ = [3, 4.5, 0.5, 0.9]: diff = [0, .5, .5, −.1].
  const x = new Float32Array([3, 4, 0, 1]);
  const xhat = new Float32Array([3, 4.5, 0.5, 0.9]);
  const m = imageMetrics(x, xhat, { nonZeros: 2, bytes: 5, valueBytes: 4, gapBytes: 1 });
  // ‖d‖² = .25 + .25 + .01 = .51, ‖x‖² = 26 (float32 rounding of .9 and .1 aside).
  assert.ok(Math.abs(m.rel_l2 - Math.sqrt(0.51 / 26)) < 1e-7);
  // Pointwise: .5/4 = .125, .1/1 = .1; the zero pixel is left out.
  assert.ok(Math.abs(m.max_pointwise_rel - 0.125) < 1e-7);
  // RMS over the three non-zero pixels: √((0² + .125² + .1²) / 3).
  assert.ok(Math.abs(m.rms_rel - Math.sqrt((0.125 ** 2 + 0.1 ** 2) / 3)) < 1e-7);
  assert.equal(m.pixels_nonzero, 3);
  assert.equal(m.nnz_ratio, 3 / 2);
  assert.equal(m.byte_ratio, 16 / 5);
  assert.equal(m.code_bytes, 5);
  assert.equal(m.value_bytes, 4);
  assert.equal(m.gap_bytes, 1);
});

Deno.test("an exact copy has zero errors; an empty code counts as one entry", () => {
  const x = new Float32Array([1, 2]);
  const m = imageMetrics(x, x, { nonZeros: 0, bytes: 1, valueBytes: 0, gapBytes: 1 });
  assert.equal(m.rel_l2, 0);
  assert.equal(m.max_pointwise_rel, 0);
  assert.equal(m.rms_rel, 0);
  assert.equal(m.nnz_ratio, 2);
  assert.equal(m.byte_ratio, 8);
});

Deno.test("error aggregates: max abs error, RMSE, NRMSE and PSNR over the value range", () => {
  const acc = new ErrorAccumulator();
  assert.equal(acc.result(), null);
  acc.add(new Float32Array([0, 10]), new Float32Array([1, 10]));
  acc.add(new Float32Array([5, 5]), new Float32Array([5, 4]));
  const r = acc.result()!;
  assert.equal(r.max_abs_error, 1);
  assert.equal(r.rmse, Math.sqrt(2 / 4));
  assert.equal(r.value_range, 10);
  assert.equal(r.nrmse, Math.sqrt(0.5) / 10);
  assert.ok(Math.abs(r.psnr_db - 20 * Math.log10(10 / Math.sqrt(0.5))) < 1e-12);
});

Deno.test("gap counts start from index −1", () => {
  const counts = new Float64Array(11);
  // gaps: 1, 3, 1, 5, then 11 and 10: the gap of 11 > length − 1 is an escape, not counted.
  assert.equal(countGaps(new Int32Array([0, 3, 4, 9, 20, 30]), counts), 1);
  assert.deepEqual(Array.from(counts), [0, 2, 0, 1, 0, 1, 0, 0, 0, 0, 1]);
});
