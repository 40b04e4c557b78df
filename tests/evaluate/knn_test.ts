import assert from "node:assert/strict";
import { knnAccuracy, knnPredict, normalizeRows } from "../../evaluate/knn.ts";
import { KnnSplit } from "../../evaluate/knn_split.ts";

Deno.test("two well-separated clusters classify perfectly", () => {
  // Cluster 0 around direction (1, 0, 0), cluster 1 around (0, 0, 1), with small jitter.
  const rows = (count: number, axis: number, seed: number) => {
    const out = new Float32Array(count * 3);
    for (let i = 0; i < count; i++) {
      for (let d = 0; d < 3; d++) out[i * 3 + d] = 0.05 * Math.sin(seed + 7 * i + 3 * d);
      out[i * 3 + axis] += 1 + 0.1 * i;
    }
    return out;
  };
  const train = new Float32Array([...rows(20, 0, 1), ...rows(20, 2, 2)]);
  const labels = Int32Array.from({ length: 40 }, (_, i) => (i < 20 ? 0 : 1));
  const test = new Float32Array([...rows(10, 0, 3), ...rows(10, 2, 4)]);
  const testLabels = Int32Array.from({ length: 20 }, (_, i) => (i < 10 ? 0 : 1));
  assert.equal(knnAccuracy(train, labels, test, testLabels, 3, 5), 1);
});

Deno.test("cosine similarity ignores length; a vote tie goes to the nearest tied label", () => {
  // Train: a = (1, 0) label 0; b = (1, 1) label 1; c = (0, 1) label 1; d = (−1, 0) label 2.
  const train = new Float32Array([1, 0, 5, 5, 0, 3, -2, 0]);
  const labels = new Int32Array([0, 1, 1, 2]);
  // Query (10, 1): cos to a ≈ .995, b ≈ .774, c ≈ .0995. k = 1 → a (length of b ignored).
  assert.deepEqual(knnPredict(train, labels, new Float32Array([10, 1]), 2, 1), new Int32Array([0]));
  // k = 2: neighbours a (0), b (1): one vote each → nearest (a) wins.
  assert.deepEqual(knnPredict(train, labels, new Float32Array([10, 1]), 2, 2), new Int32Array([0]));
  // k = 3: a, b, c → label 1 has two votes and wins the majority.
  assert.deepEqual(knnPredict(train, labels, new Float32Array([10, 1]), 2, 3), new Int32Array([1]));
});

Deno.test("equal similarities rank the earlier training row first", () => {
  // Rows 0 and 1 are the same direction with different labels: k = 1 picks row 0, then row 1
  // after swapping the order.
  const q = new Float32Array([0, 1]);
  assert.deepEqual(
    knnPredict(new Float32Array([0, 2, 0, 1]), new Int32Array([4, 7]), q, 2, 1),
    new Int32Array([4]),
  );
  assert.deepEqual(
    knnPredict(new Float32Array([0, 1, 0, 2]), new Int32Array([7, 4]), q, 2, 1),
    new Int32Array([7]),
  );
  // k = 2 with one vote each: the tie goes to the first (nearest-ranked) row.
  assert.deepEqual(
    knnPredict(new Float32Array([0, 2, 0, 1]), new Int32Array([4, 7]), q, 2, 2),
    new Int32Array([4]),
  );
});

Deno.test("k larger than the training set and more test rows than one block work", () => {
  const train = new Float32Array([1, 0, 0, 1]);
  const labels = new Int32Array([0, 1]);
  const test = new Float32Array(100 * 2);
  for (let i = 0; i < 100; i++) test.set(i % 2 ? [0.1, 1] : [1, 0.1], 2 * i);
  const p = knnPredict(train, labels, test, 2, 1);
  for (let i = 0; i < 100; i++) assert.equal(p[i], i % 2);
  // k = 9 > 2 training rows: both rows vote once each, so the nearest row's label wins again.
  assert.deepEqual(
    knnPredict(train, labels, test, 2, 9),
    Int32Array.from({ length: 100 }, (_, i) => i % 2),
  );
});

Deno.test("normalizeRows makes unit rows and keeps zero rows zero", () => {
  const n = normalizeRows(new Float32Array([3, 4, 0, 0]), 2);
  assert.deepEqual(Array.from(n), [Math.fround(0.6), Math.fround(0.8), 0, 0]);
});

Deno.test("KnnSplit fills train first, then test, then stops", () => {
  const split = new KnnSplit(2, 2, { latent: 1, image: 1 });
  split.add(["a", "b", "a"], new Float32Array([1, -1, 1]), new Float32Array([1, -1, 1]));
  assert.deepEqual(split.describe(), { train: 2, test: 1, families: 2 });
  split.add(["b", "a"], new Float32Array([-1, 1]), new Float32Array([-1, 1]));
  assert.ok(split.full);
  assert.equal(split.testCount, 2);
  assert.equal(split.accuracy("latent", 1), 1);
  assert.equal(split.accuracy("image", 1), 1);
});
