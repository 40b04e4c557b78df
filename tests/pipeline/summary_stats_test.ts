import assert from "node:assert/strict";
import { percentileOfSorted, Series, summarize } from "../../pipeline/summary_stats.ts";

Deno.test("summarize gives mean, median, extremes and linear-interpolated percentiles", () => {
  // Sorted: 1 2 3 4 10; p05 at position 0.2 → 1.2, p95 at 3.8 → 4 + 0.8·6 = 8.8.
  const s = summarize([10, 3, 1, 4, 2])!;
  assert.equal(s.mean, 4);
  assert.equal(s.median, 3);
  assert.equal(s.min, 1);
  assert.equal(s.max, 10);
  assert.ok(Math.abs(s.p05 - 1.2) < 1e-12);
  assert.ok(Math.abs(s.p95 - 8.8) < 1e-12);
});

Deno.test("median of an even count is the mean of the middle two; one value is every statistic", () => {
  assert.equal(summarize([4, 1, 3, 2])!.median, 2.5);
  assert.deepEqual(summarize([7]), { mean: 7, median: 7, min: 7, max: 7, p05: 7, p95: 7 });
  assert.equal(summarize([]), null);
});

Deno.test("percentiles match numpy's linear method on 0..100", () => {
  const sorted = Array.from({ length: 101 }, (_, i) => i);
  assert.equal(percentileOfSorted(sorted, 5), 5);
  assert.equal(percentileOfSorted(sorted, 95), 95);
  assert.equal(percentileOfSorted(sorted, 0), 0);
  assert.equal(percentileOfSorted(sorted, 100), 100);
});

Deno.test("Series grows past its initial capacity and keeps every value in order", () => {
  const s = new Series();
  for (let i = 0; i < 5000; i++) s.push(i * 0.5);
  assert.equal(s.length, 5000);
  const v = s.values();
  assert.equal(v[0], 0);
  assert.equal(v[4999], 2499.5);
  assert.equal(summarize(v)!.median, 1249.75);
});
